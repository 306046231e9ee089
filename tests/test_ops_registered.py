"""Every registered op (`@register` in ops/) is one row of `DOMAINS`: where it is smooth, and
PyTorch's function of the same name. For each row: the gradient agrees with finite differences
to first and second order, values and gradients are PyTorch's, the derivative the op declares
for `explain` is the one its backward computes, and the method, the `ag.` function, the NumPy
function and (for safe ops) the command line all run it."""

import re

import numpy as np
import pytest
import strategies as S
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.expr import FUNCTIONS, parse
from autograd_lite.function import REGISTRY


def anywhere(shape):
    return S.arrays(shape, -3.0, 3.0)


def off_zero(shape):
    return S.arrays_away_from(shape, (0.0,))


DOMAINS = {  # name: (the inputs it is checked on, PyTorch's function)
    "exp": (S.arrays, torch.exp),
    "log": (S.positive_arrays, torch.log),
    "sqrt": (S.positive_arrays, torch.sqrt),
    "sin": (anywhere, torch.sin),
    "cos": (anywhere, torch.cos),
    "tanh": (anywhere, torch.tanh),
    "sigmoid": (anywhere, torch.sigmoid),
    "relu": (off_zero, torch.relu),
    "leaky_relu": (off_zero, F.leaky_relu),
    "abs": (off_zero, torch.abs),
    "softplus": (anywhere, F.softplus),
    "log1p": (lambda shape: S.arrays(shape, -0.8, 3.0), torch.log1p),
    "expm1": (anywhere, torch.expm1),
    "tan": (lambda shape: S.arrays(shape, -1.2, 1.2), torch.tan),
    "atan": (anywhere, torch.atan),
    "sinh": (anywhere, torch.sinh),
    "cosh": (anywhere, torch.cosh),
    "erf": (anywhere, torch.erf),
    "log10": (S.positive_arrays, torch.log10),
    "log2": (S.positive_arrays, torch.log2),
}


def leaf(values, dtype=np.float64):
    return ag.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def method(name):
    return lambda x: getattr(x, name)()


def test_every_registered_op_has_a_row_here():
    assert set(DOMAINS) == set(REGISTRY)


@pytest.mark.parametrize("name", DOMAINS)
@settings(max_examples=15)
@given(data=st.data())
def test_gradient_matches_finite_differences_to_second_order(name, data):
    values = data.draw(DOMAINS[name][0](data.draw(S.shapes())))
    assert ag.gradcheck(method(name), (leaf(values),))
    if name not in ("relu", "leaky_relu", "abs"):  # kinks: their second derivative is 0
        assert ag.gradgradcheck(method(name), (leaf(values),))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", DOMAINS)
@settings(max_examples=10)
@given(data=st.data())
def test_values_and_gradients_are_pytorchs(name, dtype, data):
    draw_values, reference = DOMAINS[name]
    values = data.draw(draw_values(data.draw(S.shapes()))).astype(dtype)
    upstream = np.random.default_rng(0).standard_normal(values.shape).astype(dtype)
    ours = leaf(values, dtype)
    out = getattr(ours, name)()
    (out * ag.tensor(upstream)).sum().backward()
    theirs = torch.tensor(values, requires_grad=True)
    expected = reference(theirs)
    (expected * torch.tensor(upstream)).sum().backward()
    tolerance = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-5,
                                                                              atol=1e-6)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.array, expected.detach().numpy(), **tolerance)
    np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), **tolerance)


@pytest.mark.parametrize("name", DOMAINS)
@settings(max_examples=10)
@given(data=st.data())
def test_the_declared_derivative_is_the_one_backward_computes(name, data):
    op = REGISTRY[name].op
    values = data.draw(DOMAINS[name][0]((5,)))
    x = leaf(values)
    y = getattr(x, name)()
    y.backward(ag.ones_like(y))
    arguments = [values] + [node_arg for node_arg in y.grad_fn.args[1:]]
    declared = op.local_value(y.grad_fn, arguments, 0)
    np.testing.assert_allclose(np.broadcast_to(declared, values.shape), x.grad.array,
                               rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("name", DOMAINS)
def test_explain_writes_the_ops_formula_and_derivative_with_numbers(name):
    x = ag.tensor(0.5, dtype=ag.float64, requires_grad=True)
    y = getattr(x, name)()
    y.backward()
    text = str(ag.explain(y, params={"x": x}))
    assert f"f = {name}(x" in text
    assert "backward(" not in text
    assert f"df/dx = {ag.viz.describe(x.grad.array)}" in text


@pytest.mark.parametrize("name", DOMAINS)
def test_the_picture_labels_the_op_by_its_name(name):
    x = ag.tensor([0.5, 0.7], requires_grad=True)
    source = ag.draw_graph(getattr(x, name)()).source
    assert re.search(f'label="?{REGISTRY[name].op.label}\\b', source)


@pytest.mark.parametrize("name", DOMAINS)
def test_the_function_form_and_numpys_function_run_the_op(name):
    x = leaf([0.5, 0.7])
    expected = getattr(x, name)()
    np.testing.assert_array_equal(getattr(ag, name)(x).array, expected.array)
    for numpy_function in REGISTRY[name].numpy:
        result = numpy_function(x)
        assert isinstance(result, ag.Tensor) and result.requires_grad
        np.testing.assert_array_equal(result.array, expected.array)


@pytest.mark.parametrize("name", [n for n in DOMAINS if REGISTRY[n].safe])
def test_safe_ops_can_be_called_from_the_command_line(name):
    assert name in FUNCTIONS
    x = ag.tensor(0.5, dtype=ag.float64, requires_grad=True)
    value = parse(f"{name}(x) * 2").evaluate({"x": x})
    value.backward()
    np.testing.assert_allclose(value.item(), 2 * getattr(x, name)().item())


def test_integer_inputs_become_floating_where_pytorch_makes_them():
    assert ag.tensor([1, 2]).log1p().dtype == ag.float32
    assert ag.tensor([-1, 2]).relu().dtype == ag.int64


def test_options_bind_as_in_python_and_wrong_ones_are_named():
    x = ag.tensor([-1.0, 30.0])
    np.testing.assert_allclose(x.softplus(2.0).array, F.softplus(torch.tensor([-1.0, 30.0]),
                                                                 2.0).numpy(), rtol=1e-6)
    assert np.array_equal(x.softplus(threshold=10.0).array, x.softplus(1.0, 10.0).array)
    with pytest.raises(TypeError, match="softplus.. got an unexpected keyword argument 'bta'"):
        x.softplus(bta=2.0)
    with pytest.raises(TypeError, match=r"softplus\(\) takes 2 option\(s\)"):
        x.softplus(1.0, 2.0, 3.0)
