"""ag.Function and the grad modes of function.py: a custom Function's forward and backward,
first and second order, its derivative recorded through `in_backward`, and the mistakes in a
backward that gradcheck or the engine report; no_grad, enable_grad and set_grad_enabled as
context managers and decorators (bare ones too, as PyTorch's), each thread with its own mode."""

import threading

import numpy as np
import pytest
import torch
from user_functions import Cube

import autograd_lite as ag


def leaf(values, dtype=ag.float64):
    return ag.tensor(values, dtype=dtype, requires_grad=True)


# ----- custom Functions -----------------------------------------------------------------------

def test_custom_function_first_and_second_order():
    t = leaf([1.0, 2.0])
    y = Cube.apply(t)
    assert y.grad_fn.name() == "CubeBackward"
    (g,) = ag.autograd.grad(y.sum(), t, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), [3.0, 12.0])
    (g2,) = ag.autograd.grad(g.sum(), t)
    np.testing.assert_array_equal(g2.numpy(), [6.0, 12.0])
    assert ag.gradcheck(Cube.apply, (t,))
    assert ag.gradgradcheck(Cube.apply, (t,))


class Scale(ag.Function):
    """y = c x; its derivative is Scale again, used through `in_backward`."""

    @staticmethod
    def forward(ctx, x, c):
        ctx.c = c
        return x * c

    @staticmethod
    def backward(ctx, grad):
        return Scale.in_backward(grad, ctx.c), None


class Square(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return Scale.in_backward(grad * x, 2.0)


def test_in_backward_runs_forward_on_arrays_and_records_on_tensors():
    out = Scale.in_backward(np.array([1.0, 2.0]), 3.0)
    assert type(out) is np.ndarray and out.tolist() == [3.0, 6.0]
    x = ag.tensor([1.0, -2.0, 0.5], dtype=ag.float64, requires_grad=True)
    (g,) = ag.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.array, [2.0, -4.0, 1.0])
    assert g.requires_grad and g.grad_fn is not None  # the derivative was recorded
    g.sum().backward()
    np.testing.assert_array_equal(x.grad.array, [2.0, 2.0, 2.0])
    assert ag.gradgradcheck(Square.apply, (x,))


def test_custom_function_with_a_wrong_gradient_fails_gradcheck():
    class BadSquare(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x          # missing the factor 2

    with pytest.raises(ag.GradcheckError, match="analytical"):
        ag.gradcheck(BadSquare.apply, (leaf([1.0, 2.0]),))


def test_custom_function_returning_the_wrong_count_or_shape_is_reported():
    class TwoGrads(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    with pytest.raises(RuntimeError, match="TwoGradsBackward: backward returned 2"):
        TwoGrads.apply(leaf([1.0])).sum().backward()

    class WrongShape(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return np.ones(5)

    with pytest.raises(RuntimeError, match=r"WrongShapeBackward returned a gradient of shape"):
        WrongShape.apply(leaf([1.0, 2.0])).sum().backward()


# ----- grad modes -----------------------------------------------------------------------------

def test_no_grad_records_nothing_and_restores_the_mode():
    x = leaf(1.0)
    with ag.no_grad():
        y = x * 2
        with ag.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad
    assert ag.is_grad_enabled()


def test_no_grad_as_a_decorator():
    @ag.no_grad()
    def double(t):
        return t * 2

    assert not double(leaf(1.0)).requires_grad
    assert ag.is_grad_enabled()


def test_grad_mode_is_thread_local():
    x = leaf([1.0])
    seen = []

    def in_thread():
        seen.append((ag.is_grad_enabled(), (x * 2).requires_grad))
        with ag.no_grad():
            seen.append((ag.is_grad_enabled(), (x * 2).requires_grad))

    with ag.no_grad():
        thread = threading.Thread(target=in_thread)
        thread.start()
        thread.join()
        assert not (x * 2).requires_grad
    assert seen == [(True, True), (False, False)]
    assert ag.is_grad_enabled() and (x * 2).requires_grad


@pytest.mark.parametrize("name, expected", [("no_grad", False), ("enable_grad", True)])
def test_grad_mode_as_a_bare_decorator(name, expected):
    for lib in (torch, ag):
        @getattr(lib, name)
        def mode(lib=lib):
            return lib.is_grad_enabled()

        with lib.set_grad_enabled(not expected):
            assert mode() is expected


class _Halves(ag.Function):
    """(x / 2, x * 2): two outputs."""

    @staticmethod
    def forward(ctx, x):
        return x / 2, x * 2

    @staticmethod
    def backward(ctx, grad_half, grad_double):
        return grad_half / 2 + grad_double * 2


def test_in_backward_of_a_function_with_several_outputs():
    arrays = _Halves.in_backward(np.array([2.0, 4.0]))
    assert type(arrays) is tuple and all(type(a) is np.ndarray for a in arrays)
    np.testing.assert_array_equal(arrays[1], [4.0, 8.0])
    t = leaf([2.0, 4.0])
    half, double = _Halves.in_backward(t)
    assert half.requires_grad and double.requires_grad
    (half + double).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [2.5, 2.5])
