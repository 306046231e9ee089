"""Functional transforms against closed forms, and gradcheck's own behaviour."""

import numpy as np
import pytest
import torch
from torch_reference import assert_same

import autograd_lite as ag

RNG = np.random.default_rng(20240613)


def f64(values):
    return ag.tensor(values, dtype=ag.float64)


def test_grad_of_sin_is_cos_and_accepts_floats_and_arrays():
    df = ag.grad(lambda x: x.sin().sum())
    np.testing.assert_allclose(df(np.array([0.0, 1.0])).numpy(), np.cos([0.0, 1.0]))
    assert ag.grad(lambda x: x.sin())(0.0).item() == 1.0


def test_grad_argnums_tuple_and_has_aux():
    def f(a, b):
        return (a * b).sum(), "aux"

    (ga, gb), aux = ag.grad(f, argnums=(0, 1), has_aux=True)(f64([1.0, 2.0]), f64([3.0, 4.0]))
    assert aux == "aux"
    np.testing.assert_array_equal(ga.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(gb.numpy(), [1.0, 2.0])


def test_grad_of_grad():
    d3 = ag.grad(ag.grad(ag.grad(lambda x: x ** 4)))
    assert d3(f64(2.0)).item() == 48.0


def test_grad_rejects_non_scalar_outputs_and_integer_inputs():
    with pytest.raises(TypeError, match="scalar"):
        ag.grad(lambda x: x * 2)(f64([1.0, 2.0]))
    with pytest.raises(TypeError, match="floating"):
        ag.grad(lambda x: x * 2)(3)


def test_grad_of_a_constant_function_is_zero():
    assert ag.grad(lambda x: ag.tensor(5.0))(f64(1.0)).item() == 0.0


def test_value_and_grad():
    value, g = ag.value_and_grad(lambda x: (x ** 2).sum())(f64([1.0, 2.0]))
    assert value.item() == 5.0 and not value.requires_grad
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])


def test_vjp_and_jvp_agree_with_the_jacobian():
    rng = np.random.default_rng(0)
    a = f64(rng.standard_normal((3, 4)))

    def f(x):
        return (a @ x).tanh()

    x = f64(rng.standard_normal(4))
    jac = ag.jacobian(f)(x).numpy()
    assert jac.shape == (3, 4)
    t = np.tanh(a.data @ x.data)
    np.testing.assert_allclose(jac, (1 - t ** 2)[:, None] * a.data, rtol=1e-12)

    out, vjp_fn = ag.vjp(f, x)
    v = rng.standard_normal(3)
    (vj,) = vjp_fn(f64(v))
    np.testing.assert_allclose(vj.numpy(), v @ jac, rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), t)

    u = rng.standard_normal(4)
    out2, ju = ag.jvp(f, (x,), (f64(u),))
    np.testing.assert_allclose(ju.numpy(), jac @ u, rtol=1e-12)


def test_jacobian_shape_for_matrix_inputs_and_outputs():
    x = f64(np.arange(6.0).reshape(2, 3))
    jac = ag.jacobian(lambda x: x * 2)(x)
    assert jac.shape == (2, 3, 2, 3)
    np.testing.assert_array_equal(jac.numpy().reshape(6, 6), 2 * np.eye(6))


def test_hessian_of_a_quadratic_form():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])

    def f(x):
        return x @ f64(a) @ x

    np.testing.assert_allclose(ag.hessian(f)(f64([1.0, -1.0])).numpy(), a + a.T)


def test_hessian_of_a_non_quadratic_function():
    def f(x):
        return (x[0] ** 2 * x[1].sin()).sum()

    x = f64([1.5, 0.5])
    h = ag.hessian(f)(x).numpy()
    a, b = 1.5, 0.5
    expected = [[2 * np.sin(b), 2 * a * np.cos(b)], [2 * a * np.cos(b), -a * a * np.sin(b)]]
    np.testing.assert_allclose(h, expected, rtol=1e-12)


def test_jvp_shape_mismatch_is_reported():
    with pytest.raises(ValueError, match="tangent 0 has shape"):
        ag.jvp(lambda x: x * 2, (f64([1.0, 2.0]),), (f64([1.0]),))


def test_gradcheck_passes_and_gradgradcheck_passes_for_a_smooth_function():
    x = ag.tensor(np.linspace(-1, 1, 5), dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda x: (x.sin() * x.exp()).sum(), (x,))
    assert ag.gradgradcheck(lambda x: x.sin() * x.exp(), (x,))


def test_gradcheck_error_tables_the_worst_entries():
    class Wrong(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return np.sin(x)

        @staticmethod
        def backward(ctx, grad):
            return grad  # should be grad * cos(x)

    x = ag.tensor([0.5, 1.0], dtype=ag.float64, requires_grad=True)
    with pytest.raises(ag.GradcheckError, match="2 Jacobian entries differ") as info:
        ag.gradcheck(Wrong.apply, (x,))
    lines = str(info.value).splitlines()
    assert "2 Jacobian entries differ" in lines[0]
    assert "analytical" in lines[1] and "numerical" in lines[1]
    first = lines[2].split()
    assert float(first[4]) == 1.0 and float(first[5]) == pytest.approx(np.cos(1.0), abs=1e-6)
    assert ag.gradcheck(Wrong.apply, (x,), raise_exception=False) is False


def test_gradcheck_warns_for_float32():
    x = ag.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        ag.gradcheck(lambda x: x * 2, (x,), eps=1e-3, atol=1e-2, rtol=1e-2)


def test_gradgradcheck_catches_a_derivative_that_is_not_differentiable():
    class CubeWithDetachedDerivative(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            if isinstance(x, ag.Tensor):
                x = x.detach()       # wrong under create_graph: d/dx of 3x^2 is lost
            return grad * 3 * x ** 2

    x = ag.tensor([0.5, 1.5], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(CubeWithDetachedDerivative.apply, (x,))
    with pytest.raises(ag.GradcheckError, match="Jacobian entries differ"):
        ag.gradgradcheck(CubeWithDetachedDerivative.apply, (x,))


def test_gradcheck_rejects_a_function_with_no_float_output():
    x = ag.tensor([1.0], dtype=ag.float64, requires_grad=True)
    with pytest.raises(ValueError, match="at least one"):
        ag.gradcheck(lambda x: (x > 0), (x,))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.func's use of torch.jit
@pytest.mark.parametrize("argnums", [(0, 1), (1, 0), [1]])
def test_hessian_with_several_argnums_gives_the_blocks(argnums):
    def f(a, b):
        return (a * b * b).sum() + (a ** 3).sum() * b.sum()

    a, b = RNG.standard_normal(3), RNG.standard_normal(3)
    ours = ag.hessian(f, argnums=argnums)(ag.tensor(a), ag.tensor(b))
    theirs = torch.func.hessian(f, argnums=tuple(argnums))(torch.tensor(a), torch.tensor(b))
    assert len(ours) == len(theirs)
    for row, expected_row in zip(ours, theirs):
        assert len(row) == len(expected_row)
        for block, expected in zip(row, expected_row):
            assert_same(block, expected, rtol=1e-12, atol=1e-12)
