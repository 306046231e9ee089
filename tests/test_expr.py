"""The expression compiler: what it accepts, what it computes, where it points when it refuses."""

import re
import time

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.expr import MAX_DEPTH, MAX_LENGTH, ExprError, parse

K, M = 1.5, 3.0
X = np.array([1.0, -2.0, 3.0])


def leaf(value):
    return ag.tensor(value, dtype=np.float64, requires_grad=True)


def value_of(text, **env):
    return parse(text).evaluate({name: leaf(v) for name, v in env.items()}).array


def rejection(text, message):
    """The ExprError that parsing `text` raises; its message must contain `message`."""
    with pytest.raises(ExprError, match=re.escape(message)) as info:
        parse(text)
    return info.value


# --- what is accepted, and what it computes --------------------------------------------------

@pytest.mark.parametrize(
    "text, reference",
    [
        ("k + m", lambda k, m: k + m),
        ("k - m", lambda k, m: k - m),
        ("k * m", lambda k, m: k * m),
        ("k / m", lambda k, m: k / m),
        ("k ** m", lambda k, m: k**m),
        ("k ** 2 + 2 ** m", lambda k, m: k**2 + 2**m),
        ("-k + +m", lambda k, m: -k + m),
        ("(3*k + 8*m) * (5*m + 2)", lambda k, m: (3 * k + 8 * m) * (5 * m + 2)),
        ("1e-3 * k - 2.5 / m", lambda k, m: 1e-3 * k - 2.5 / m),
        ("exp(k) + log(m)", lambda k, m: np.exp(k) + np.log(m)),
        ("sin(k) * cos(m)", lambda k, m: np.sin(k) * np.cos(m)),
        ("tanh(k - m)", lambda k, m: np.tanh(k - m)),
        ("sigmoid(k - m)", lambda k, m: 1 / (1 + np.exp(-(k - m)))),
        ("relu(k - m) + relu(m - k)", lambda k, m: abs(k - m)),
        ("sqrt(k * m)", lambda k, m: np.sqrt(k * m)),
        ("abs(k - m)", lambda k, m: abs(k - m)),
        ("exp(sin(k) ** 2) / (1 + m)", lambda k, m: np.exp(np.sin(k) ** 2) / (1 + m)),
    ],
)
def test_accepted_expressions_compute_what_numpy_computes(text, reference):
    np.testing.assert_allclose(value_of(text, k=K, m=M), reference(K, M), rtol=1e-12)


def test_sum_and_mean_reduce_a_vector():
    np.testing.assert_allclose(value_of("sum(x * x)", x=X), np.sum(X * X))
    np.testing.assert_allclose(value_of("mean(exp(x))", x=X), np.mean(np.exp(X)))


def test_constants_alone_are_computed_as_floats():
    assert value_of("2 ** 3 - 1") == 7.0
    with np.errstate(over="ignore"):
        assert np.isinf(value_of("10 ** 400"))  # float overflow, not a Python big integer


def test_the_graph_gives_the_partial_derivatives():
    k, m = leaf(1.0), leaf(3.0)
    f = parse("(3*k + 8*m) * (5*m + 2)").evaluate({"k": k, "m": m})
    f.backward()
    assert (f.item(), k.grad.item(), m.grad.item()) == (459.0, 51.0, 271.0)


def test_variables_are_listed_in_order_of_first_appearance():
    assert parse("m * k + exp(m) + z").variables == ("m", "k", "z")
    assert parse("2 + 3").variables == ()


def test_a_missing_variable_is_named():
    with pytest.raises(ExprError, match="no value for m"):
        parse("k * m").evaluate({"k": leaf(1.0)})


def test_towering_powers_finish_at_once():
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        value = value_of("k ** 10 ** 10 ** 10", k=K)
    assert np.isinf(value)
    assert time.perf_counter() - start < 1.0


# --- what is refused, and where the carets go ------------------------------------------------

@pytest.mark.parametrize(
    "text, underlined, message",
    [
        ("__import__('os')", "__import__", "not an allowed function"),
        ("open('x')", "open", "not an allowed function"),
        ("eval('1')", "eval", "not an allowed function"),
        ("(1).__class__", ".__class__", "attribute access"),
        ("(3*k).__class__", ".__class__", "attribute access"),
        ("k.__class__.__bases__", ".__class__", "attribute access"),
        ("k.exp()", ".exp", "attribute access"),
        ("x[0]", "[0]", "indexing"),
        ("lambda: 1", "lambda: 1", "lambda"),
        ("[x for x in y]", "[x for x in y]", "comprehensions"),
        ("sum(x for x in y)", "(x for x in y)", "comprehensions"),
        ('f"{k}"', 'f"{k}"', "f-strings"),
        ("'abc'", "'abc'", "strings"),
        ("k if m else k", "k if m else k", "conditional"),
        ("k < m", "<", "comparisons"),
        ("k and m", "and", "'and' / 'or'"),
        ("(k := 1)", "k := 1", "assignment"),
        ("exp(*k)", "*k", "unpacking"),
        ("exp(x=k)", "x=k", "keyword"),
        ("exp(k, m)", "exp(k, m)", "exactly one argument"),
        ("(k) // (m)", "//", "operator"),
        ("k @ m", "@", "operator"),
        ("~k", "~", "operator"),
        ("k, m", "k, m", "tuples"),
        ("True + k", "True", "not allowed"),
        ("2j * k", "2j", "complex"),
        ("_k + 1", "_k", "'_'"),
        ("exp + 1", "exp", "is a function"),
        ("k + \uff4d", "\uff4d", "ASCII"),  # fullwidth m, which Python would read as m
        ("1" + "0" * 400 + " * k", "1" + "0" * 400, "too large"),
        ("k + * m", "*", "invalid expression"),
    ],
)
def test_forbidden_constructs_are_refused_at_their_place(text, underlined, message):
    error = rejection(text, message)
    start = text.index(underlined)
    assert (error.start, error.end) == (start, start + len(underlined))
    assert message in error.message


def test_the_caret_line_sits_under_the_offending_part():
    error = rejection("(3*k).__class__", "attribute access is not allowed")
    assert error.caret_lines() == ["  (3*k).__class__", "       ^^^^^^^^^^"]


def test_leading_blanks_are_allowed_and_counted_in_positions():
    assert parse("  k + 1").variables == ("k",)
    assert rejection("  k.real", "attribute access is not allowed").start == 3


@pytest.mark.parametrize(
    "text, message",
    [
        ("x" * 10_000, "too long"),
        ("(" * 5000 + "k" + ")" * 5000, "too long"),
        ("(" * (MAX_DEPTH + 1) + "k" + ")" * (MAX_DEPTH + 1), "nested too deeply"),
        ("-" * (MAX_LENGTH - 1) + "k", "nested too deeply"),
        ("k" + "**k" * 300, "nested too deeply"),
        ("", "empty"),
        ("k +\n m", "one line"),
        ("k\x00", "invalid expression"),
    ],
)
def test_huge_deep_and_odd_inputs_get_one_message(text, message):
    assert message in rejection(text, message).message


def test_nesting_up_to_the_limit_is_fine():
    depth = MAX_DEPTH - 1
    assert parse("(" * depth + "k" + ")" * depth).variables == ("k",)
