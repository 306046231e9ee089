"""NumPy on Tensors: arrays and NumPy scalars mix in on either side of an operator, NumPy's
ufuncs, reductions and shape functions called on Tensors return Tensors that carry the graph,
and a NumPy function without a gradient says so where one is needed."""

import numpy as np
import pytest
from error_messages import raises

import autograd_lite as ag

# ----- arrays and scalars as operands ---------------------------------------------------------

def test_numpy_arrays_mix_in_on_either_side():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    results = [np.ones(3) + x, x + np.ones(3), np.full(3, 2.0) * x, x * np.full(3, 2.0),
               np.ones(3) - x, np.ones(3) / x, x ** np.full(3, 2.0)]
    for r in results:
        assert isinstance(r, ag.Tensor) and r.requires_grad and r.grad_fn is not None
    (np.ones(3) + x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 1.0])
    x.grad = None
    (np.array([1.0, 2.0, 3.0]) * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0, 3.0])
    x.grad = None
    (np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]) @ x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 0.0])


def test_numpy_scalars_do_not_promote_a_float32_tensor():
    x = ag.tensor([1.0, 2.0])
    for y in [x * np.float64(2.0), np.float64(2.0) * x, x + np.float32(1.0), x / np.int64(2)]:
        assert y.dtype is np.float32


# ----- NumPy functions on Tensors -------------------------------------------------------------

@pytest.mark.parametrize("call, derivative", [
    (np.exp, np.exp), (np.log, lambda v: 1 / v), (np.sqrt, lambda v: 0.5 / np.sqrt(v)),
    (np.sin, np.cos), (np.cos, lambda v: -np.sin(v)), (np.tanh, lambda v: 1 - np.tanh(v) ** 2),
    (np.negative, lambda v: -np.ones_like(v)), (np.square, lambda v: 2 * v),
    (np.abs, np.sign),
])
def test_numpy_ufuncs_on_tensors_return_tensors_with_gradients(call, derivative):
    values = np.array([0.5, 1.5, 2.0])
    x = ag.tensor(values, dtype=ag.float64, requires_grad=True)
    y = call(x)
    assert isinstance(y, ag.Tensor) and y.requires_grad
    np.testing.assert_allclose(y.detach().numpy(), call(values))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), derivative(values), rtol=1e-12)


def test_numpy_float_ufuncs_on_int_tensors_give_the_default_float_dtype():
    for call in [np.exp, np.log, np.sqrt, np.sin, np.cos, np.tanh]:
        y = call(ag.tensor([1, 2]))
        assert isinstance(y, ag.Tensor) and y.dtype is np.float32
        np.testing.assert_allclose(y.numpy(), call(np.array([1.0, 2.0])), rtol=1e-6)


def test_numpy_reductions_on_tensors_return_tensors_with_gradients():
    x = ag.tensor([[1.0, 2.0, 3.0], [4.0, 6.0, 5.0]], dtype=ag.float64, requires_grad=True)
    s = np.sum(x, axis=0)
    assert isinstance(s, ag.Tensor) and s.shape == (3,) and s.requires_grad
    np.testing.assert_array_equal(s.detach().numpy(), [5.0, 8.0, 8.0])
    (s * np.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 2, 3], [1, 2, 3]])
    x.grad = None
    m = np.mean(x, axis=1, keepdims=True)
    assert m.shape == (2, 1)
    m.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 1 / 3))
    x.grad = None
    np.max(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 0], [0, 1, 0]])


def test_numpy_reductions_keep_numpy_meaning_of_an_empty_axis_tuple():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert np.sum(x, axis=()).shape == (2, 2)  # NumPy: over no axis
    assert x.sum(()).shape == ()               # PyTorch: over every axis
    assert np.sum(x, axis=()).requires_grad


def test_numpy_shape_functions_on_tensors_keep_the_graph():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for y in [np.reshape(x, (3, 2)), np.transpose(x), np.expand_dims(x, 0), np.squeeze(x[None]),
              np.concatenate([x, x]), np.stack([x, x]), np.where(x.detach() > 2, x, 0.0),
              np.clip(x, 1.0, 4.0), np.maximum(x, 2.5), np.broadcast_to(x, (2, 2, 3))]:
        assert isinstance(y, ag.Tensor) and y.requires_grad
    np.concatenate([x, 2 * x], axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 3.0))


def test_shape_questions_from_numpy_work_on_tensors_that_require_grad():
    x = ag.ones(2, 3, requires_grad=True)
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6


@pytest.mark.parametrize("call, name", [
    (lambda t: np.arcsinh(t), "arcsinh"),
    (lambda t: np.floor_divide(t, 2), "floor_divide"),
    (lambda t: np.cumsum(t), "cumsum"),
    (lambda t: np.sort(t), "sort"),
])
def test_numpy_function_without_a_gradient_on_a_tensor_requiring_grad(call, name):
    # PyTorch fails here too (RuntimeError from .numpy()); ours says which function has no
    # gradient, and is a TypeError: the function does not support this argument
    with raises(TypeError, f"np.{name}", "not differentiable", "detach()"):
        call(ag.ones(3, requires_grad=True))


def test_numpy_function_without_a_gradient_runs_where_no_gradient_is_needed():
    np.testing.assert_allclose(np.arcsinh(ag.ones(3)), np.arcsinh(np.ones(3)))
    with ag.no_grad():
        np.testing.assert_allclose(np.cumsum(ag.ones(3, requires_grad=True)), [1.0, 2.0, 3.0])
