"""What one op class gives (function.py's presentation and `register`, interop's vocabulary):
every NumPy function a derivative may call records a differentiable op under `create_graph`;
a user's Function that declares a formula is explained and drawn like a built-in, and one
that declares nothing still works; `Op.in_backward` runs ops that read `needs_input_grad`;
registering an op makes its method and function."""

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.interop import vocabulary
from autograd_lite.ops import Mul

# how each function of the vocabulary is called in a derivative: on x (and y)
CALLS = {
    "absolute": lambda f, x, y: f(x), "add": lambda f, x, y: f(x, y),
    "arctan": lambda f, x, y: f(x), "broadcast_to": lambda f, x, y: f(x, (2, 3)),
    "clip": lambda f, x, y: f(x, -0.5, 0.5), "concatenate": lambda f, x, y: f([x, y]),
    "cos": lambda f, x, y: f(x), "cosh": lambda f, x, y: f(x), "divide": lambda f, x, y: f(x, y),
    "dot": lambda f, x, y: f(x, y), "exp": lambda f, x, y: f(x),
    "expand_dims": lambda f, x, y: f(x, 0), "expm1": lambda f, x, y: f(x),
    "log": lambda f, x, y: f(y), "log1p": lambda f, x, y: f(x),
    "log2": lambda f, x, y: f(y), "log10": lambda f, x, y: f(y), "matmul": lambda f, x, y: f(x, y),
    "max": lambda f, x, y: f(x), "maximum": lambda f, x, y: f(x, y),
    "mean": lambda f, x, y: f(x), "min": lambda f, x, y: f(x),
    "minimum": lambda f, x, y: f(x, y), "multiply": lambda f, x, y: f(x, y),
    "negative": lambda f, x, y: f(x), "ones_like": lambda f, x, y: f(x) * x,
    "outer": lambda f, x, y: f(x, y), "power": lambda f, x, y: f(y, x),
    "reshape": lambda f, x, y: f(x, (3, 1)), "sin": lambda f, x, y: f(x),
    "sinh": lambda f, x, y: f(x), "sqrt": lambda f, x, y: f(y), "square": lambda f, x, y: f(x),
    "squeeze": lambda f, x, y: f(x), "stack": lambda f, x, y: f([x, y]),
    "subtract": lambda f, x, y: f(x, y), "sum": lambda f, x, y: f(x),
    "swapaxes": lambda f, x, y: f(np.reshape(x, (3, 1)), 0, 1), "tan": lambda f, x, y: f(x),
    "tanh": lambda f, x, y: f(x), "transpose": lambda f, x, y: f(x),
    "where": lambda f, x, y: f(x > 0, x, y), "zeros_like": lambda f, x, y: f(x) + x,
}


def test_the_vocabulary_is_this_list():
    assert set(vocabulary()) == set(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_vocabulary_function_is_differentiable_to_second_order(name):
    function = vocabulary()[name]
    x = ag.tensor([0.3, -0.4, 0.6], dtype=ag.float64, requires_grad=True)
    y = ag.tensor([1.2, 0.7, 1.5], dtype=ag.float64, requires_grad=True)

    def f(x, y):
        out = CALLS[name](function, x, y)
        assert isinstance(out, ag.Tensor) and out.requires_grad
        return (out * out).sum() if out.ndim else out * out

    assert ag.gradcheck(f, (x, y))
    assert ag.gradgradcheck(f, (x, y))


class DeclaredCube(ag.Function):
    """$f(x) = x^3$, so $f' = 3x^2$, declared for explain and the pictures."""
    label = "cube"
    formula = "x**3"
    derivatives = ("3 * x**2",)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


class PlainCube(DeclaredCube):
    label, formula, derivatives = "", None, None


def test_a_user_function_that_declares_its_formula_is_explained_like_a_builtin():
    x = ag.tensor(2.0, requires_grad=True)
    y = DeclaredCube.apply(x) * 1.0
    y.backward()
    text = str(ag.explain(y, params={"x": x}))
    assert "x**3" in text and "3*x**2 = 12" in text and "backward(" not in text
    assert 'label=cube' in ag.draw_graph(y).source
    assert "f = 3*x**2" not in text and "df/dx = 12" in text


def test_a_user_function_that_declares_nothing_still_works_and_is_named_by_its_class():
    x = ag.tensor(2.0, requires_grad=True)
    y = PlainCube.apply(x)
    y.backward()
    assert x.grad.item() == 12.0
    text = str(ag.explain(y, params={"x": x}))
    assert "PlainCube(x)" in text and "df/dx = 12" in text
    assert "PlainCube" in ag.draw_graph(y).source


def test_in_backward_gives_forward_a_context_that_wants_every_gradient():
    np.testing.assert_array_equal(Mul.in_backward(np.array([2.0]), np.array([3.0])), [6.0])
    a = ag.tensor([2.0], requires_grad=True)
    out = Mul.in_backward(a, np.array([3.0]))
    assert isinstance(out, ag.Tensor) and out.grad_fn is not None


def test_registering_an_op_makes_its_method_and_function():
    @ag.register("twice_plus_one")
    class TwicePlusOne(ag.Function):
        """$f(a) = 2a + 1$"""
        formula, derivatives = "2 * a + 1", ("2",)

        @staticmethod
        def forward(ctx, a):
            return 2 * a + 1

        @staticmethod
        def backward(ctx, grad):
            return 2 * grad

    try:
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        x.twice_plus_one().sum().backward()
        assert x.grad.tolist() == [2.0, 2.0]
        assert ag.twice_plus_one(ag.tensor([1])).tolist() == [3.0]  # made floating
    finally:
        from autograd_lite.function import REGISTRY
        del REGISTRY["twice_plus_one"]
        delattr(ag.Tensor, "twice_plus_one")
