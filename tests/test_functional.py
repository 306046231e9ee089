"""The functional transforms of functional.py, grad, value_and_grad, vjp, jvp, jacobian and
hessian, against closed forms and against torch.func (they take JAX's names and semantics:
argnums, has_aux, structures of tensors as arguments, a detached aux); and gradcheck and
gradgradcheck, the checks the rest of the suite leans on."""

import warnings

import numpy as np
import pytest
import torch
import torch.func as tf
from torch_reference import assert_same, assert_same_tree
from user_functions import CubeWithDetachedDerivative

import autograd_lite as ag

# torch.func's first use calls torch.jit.script, which warns: PyTorch's warning, not ours
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script`:DeprecationWarning")

RNG = np.random.default_rng(20240613)


def f64(values):
    return ag.tensor(values, dtype=ag.float64)


def pair(values):
    """The same float64 values as an autograd_lite and a torch tensor."""
    values = np.asarray(values, dtype=np.float64)
    return ag.tensor(values), torch.tensor(values)


def leaves(values):
    """The same float64 values as an autograd_lite and a torch leaf requiring grad."""
    values = np.asarray(values, dtype=np.float64)
    return (ag.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True))


# ----- grad and value_and_grad ----------------------------------------------------------------

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


def test_grad_of_grad_of_grad_is_the_third_derivative():
    d3 = ag.grad(ag.grad(ag.grad(lambda x: x ** 4)))
    assert d3(f64(2.0)).item() == 48.0


def test_grad_rejects_non_scalar_outputs_and_integer_inputs():
    with pytest.raises(TypeError, match="scalar"):
        ag.grad(lambda x: x * 2)(f64([1.0, 2.0]))
    with pytest.raises(TypeError, match="floating"):
        ag.grad(lambda x: x * 2)(3)


def test_grad_of_a_constant_function_is_zero():
    assert ag.grad(lambda x: ag.tensor(5.0))(f64(1.0)).item() == 0.0


def test_value_and_grad_gives_the_value_detached_and_the_gradient():
    value, g = ag.value_and_grad(lambda x: (x ** 2).sum())(f64([1.0, 2.0]))
    assert value.item() == 5.0 and not value.requires_grad
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])


@pytest.mark.parametrize("make_output", [lambda x: x * 2, lambda x: x.sum(0, keepdim=True)],
                         ids=["vector", "shape-(1,)"])
def test_grad_of_a_non_zero_dimensional_output_raises(make_output):
    x, _ = pair([1.0, 2.0])
    with pytest.raises(RuntimeError, match="grad: the function must return a scalar"):
        ag.grad(make_output)(x)
    with pytest.raises(TypeError, match="scalar"):  # and a TypeError, as in JAX
        ag.grad(make_output)(x)


@pytest.mark.parametrize("argnums", [2, -3, (0, 0), (), 1.0, (0, 1.0)])
def test_grad_with_bad_argnums_raises_runtime_error(argnums):
    (a, _), (b, _) = pair([1.0]), pair([2.0])

    def f(x, y):
        return (x * y).sum()

    with pytest.raises(RuntimeError, match="grad: argnums"):
        ag.grad(f, argnums=argnums)(a, b)


@pytest.mark.parametrize("result", [lambda x: x.sum(), lambda x: (x.sum(), 1, 2)],
                         ids=["not-a-tuple", "three"])
def test_grad_has_aux_needs_a_pair(result):
    x, _ = pair([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"grad: with has_aux=True the function must return a "
                                           r"pair \(output, aux\)"):
        ag.grad(result, has_aux=True)(x)


def test_grad_has_aux_returns_the_aux_detached():
    def f(x):
        return (x * x).sum(), {"double": x * 2}

    x, tx = pair([1.0, 2.0])
    (g, aux), (tg, taux) = ag.grad(f, has_aux=True)(x), tf.grad(f, has_aux=True)(tx)
    assert_same_tree(g, tg)
    assert_same_tree(aux, taux)
    assert not aux["double"].requires_grad and not taux["double"].requires_grad
    (_, vaux), _ = ag.value_and_grad(f, has_aux=True)(x)
    assert not vaux["double"].requires_grad
    # as in JAX, the aux may hold anything, and what is not a Tensor comes back as it is
    _, other = ag.grad(lambda x: ((x * x).sum(), ("label", x * 2)), has_aux=True)(x)
    assert other[0] == "label" and not other[1].requires_grad


@pytest.mark.parametrize("make", [tuple, list, lambda pair: {"a": pair[0], "b": pair[1]}],
                         ids=["tuple", "list", "dict"])
def test_grad_with_respect_to_a_structure_of_tensors(make):
    values = RNG.standard_normal((2, 3))

    def f(params, scale):
        a, b = (params["a"], params["b"]) if isinstance(params, dict) else params
        return (a.sin() * b * scale).sum()

    ours = ag.grad(f)(make([ag.tensor(values[0]), ag.tensor(values[1])]), 2.0)
    theirs = tf.grad(f)(make([torch.tensor(values[0]), torch.tensor(values[1])]), 2.0)
    assert_same_tree(ours, theirs)


def test_value_and_grad_of_a_structure_with_tuple_argnums():
    def f(params, x):
        w, b = params
        return ((x @ w + b) ** 2).sum()

    w, b, x = RNG.standard_normal((3, 2)), RNG.standard_normal(2), RNG.standard_normal((4, 3))
    (value, (gp, gx)) = ag.value_and_grad(f, argnums=(0, 1))(
        (ag.tensor(w), ag.tensor(b)), ag.tensor(x))
    (tgp, tgx), tvalue = tf.grad_and_value(f, argnums=(0, 1))(
        (torch.tensor(w), torch.tensor(b)), torch.tensor(x))
    assert_same_tree(value, tvalue)
    assert_same_tree(gp, tgp)
    assert_same_tree(gx, tgx)


# ----- vjp and jvp ----------------------------------------------------------------------------

def test_vjp_and_jvp_agree_with_the_jacobian():
    rng = np.random.default_rng(0)
    a = f64(rng.standard_normal((3, 4)))

    def f(x):
        return (a @ x).tanh()

    x = f64(rng.standard_normal(4))
    jac = ag.jacobian(f)(x).numpy()
    assert jac.shape == (3, 4)
    t = np.tanh(a.array @ x.array)
    np.testing.assert_allclose(jac, (1 - t ** 2)[:, None] * a.array, rtol=1e-12)

    out, vjp_fn = ag.vjp(f, x)
    v = rng.standard_normal(3)
    (vj,) = vjp_fn(f64(v))
    np.testing.assert_allclose(vj.numpy(), v @ jac, rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), t)

    u = rng.standard_normal(4)
    out2, ju = ag.jvp(f, (x,), (f64(u),))
    np.testing.assert_allclose(ju.numpy(), jac @ u, rtol=1e-12)


def test_jvp_shape_mismatch_is_reported():
    with pytest.raises(ValueError, match="tangent 0 has shape"):
        ag.jvp(lambda x: x * 2, (f64([1.0, 2.0]),), (f64([1.0]),))


def test_vjp_of_several_outputs_and_has_aux():
    def f(x, y):
        return (x[:, None] * y.sin(), (x ** 2).sum()), x.exp()

    xv, yv = RNG.standard_normal(2), RNG.standard_normal(3)
    cot = (RNG.standard_normal((2, 3)), np.float64(1.5))
    out, vjp_fn, aux = ag.vjp(f, ag.tensor(xv), ag.tensor(yv), has_aux=True)
    tout, tvjp_fn, taux = tf.vjp(f, torch.tensor(xv), torch.tensor(yv), has_aux=True)
    assert_same_tree(out, tout)
    assert_same_tree(aux, taux)
    assert not aux.requires_grad
    assert_same_tree(vjp_fn((ag.tensor(cot[0]), ag.tensor(cot[1]))),
                tvjp_fn((torch.tensor(cot[0]), torch.tensor(cot[1]))))


def test_vjp_with_a_cotangent_of_the_wrong_shape_raises_runtime_error():
    x, _ = pair([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"vjp: the cotangent has shape \(3,\) but the output "
                                           r"has shape \(2,\)"):
        ag.vjp(lambda x: x * 2, x)[1](ag.ones(3, dtype=ag.float64))


def test_jvp_of_several_outputs_and_has_aux():
    def f(x, y):
        return (x[:, None] * y.sin(), (x ** 2).sum()), x.exp()

    xv, yv, dx, dy = (RNG.standard_normal(n) for n in (2, 3, 2, 3))
    out, tangent, aux = ag.jvp(f, (ag.tensor(xv), ag.tensor(yv)),
                               (ag.tensor(dx), ag.tensor(dy)), has_aux=True)
    tout, ttangent, taux = tf.jvp(f, (torch.tensor(xv), torch.tensor(yv)),
                                  (torch.tensor(dx), torch.tensor(dy)), has_aux=True)
    assert_same_tree(out, tout)
    assert_same_tree(tangent, ttangent)
    assert_same_tree(aux, taux)


def test_jvp_with_a_structure_of_tensors_as_one_primal():
    def f(params):
        return params["w"] * params["b"].exp()

    w, b, dw, db = (RNG.standard_normal(3) for _ in range(4))
    ours = ag.jvp(f, ({"w": ag.tensor(w), "b": ag.tensor(b)},),
                  ({"w": ag.tensor(dw), "b": ag.tensor(db)},))
    theirs = tf.jvp(f, ({"w": torch.tensor(w), "b": torch.tensor(b)},),
                    ({"w": torch.tensor(dw), "b": torch.tensor(db)},))
    assert_same_tree(ours, theirs)


def test_jvp_needs_primals_as_a_tuple():
    x, _ = pair([1.0, 2.0])
    with pytest.raises(RuntimeError, match="jvp: primals must be a tuple"):
        ag.jvp(lambda x: x * 2, x, x)


@pytest.mark.parametrize("tangents", [([1.0, 0.0, 1.0],), ([1.0, 0.0], [1.0])],
                         ids=["shape", "count"])
def test_jvp_tangent_mismatch_raises_runtime_error(tangents):
    x, _ = pair([1.0, 2.0])
    with pytest.raises(RuntimeError, match="jvp: .*tangent"):
        ag.jvp(lambda x: x * 2, (x,), tuple(ag.tensor(t, dtype=ag.float64) for t in tangents))


# ----- jacobian and hessian -------------------------------------------------------------------

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


def test_jacobian_of_several_outputs_with_tuple_argnums():
    def f(x, y):
        return {"outer": x[:, None] * y.sin(), "total": (x ** 2 * y[:2]).sum()}

    xv, yv = RNG.standard_normal(2), RNG.standard_normal(3)
    ours = ag.jacobian(f, argnums=(0, 1))(ag.tensor(xv), ag.tensor(yv))
    theirs = tf.jacrev(f, argnums=(0, 1))(torch.tensor(xv), torch.tensor(yv))
    assert_same_tree(ours, theirs)


def test_jacobian_has_aux():
    def f(x):
        return x.sin() * x, x.cos()

    xv = RNG.standard_normal((2, 2))
    (jac, aux), (tjac, taux) = (ag.jacobian(f, has_aux=True)(ag.tensor(xv)),
                                tf.jacrev(f, has_aux=True)(torch.tensor(xv)))
    assert_same_tree(jac, tjac)
    assert_same_tree(aux, taux)
    assert not aux.requires_grad


@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_hessian_of_a_non_scalar_function(argnums):
    def f(x, y):
        return (x[:, None] * y.sin()).exp()

    xv, yv = RNG.standard_normal(2), RNG.standard_normal(3)
    ours = ag.hessian(f, argnums=argnums)(ag.tensor(xv), ag.tensor(yv))
    theirs = tf.hessian(f, argnums=argnums)(torch.tensor(xv), torch.tensor(yv))
    assert_same_tree(ours, theirs, rtol=1e-10)


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


# ----- gradcheck and gradgradcheck ------------------------------------------------------------

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


def test_gradcheck_checks_float32_inputs_in_float64_without_a_warning():
    x = ag.tensor([1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ag.gradcheck(lambda x: (x.tanh() * x).sum(), (x,))
    assert x.dtype == ag.float32 and x.grad is None


def test_gradgradcheck_catches_a_derivative_that_is_not_differentiable():
    x = ag.tensor([0.5, 1.5], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(CubeWithDetachedDerivative.apply, (x,))
    with pytest.raises(ag.GradcheckError, match="Jacobian entries differ"):
        ag.gradgradcheck(CubeWithDetachedDerivative.apply, (x,))


def test_gradcheck_rejects_a_function_with_no_float_output():
    x = ag.tensor([1.0], dtype=ag.float64, requires_grad=True)
    with pytest.raises(ValueError, match="at least one"):
        ag.gradcheck(lambda x: (x > 0), (x,))


class _TorchDetachedDerivative(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x.detach()


def test_gradgradcheck_raise_exception_false_returns_false():
    x, tx = leaves([0.3, -1.2, 2.0])
    assert torch.autograd.gradgradcheck(_TorchDetachedDerivative.apply, (tx,),
                                        raise_exception=False) is False
    assert ag.gradgradcheck(CubeWithDetachedDerivative.apply, (x,), raise_exception=False) is False
    with pytest.raises(ag.GradcheckError, match="Jacobian entries differ"):
        ag.gradgradcheck(CubeWithDetachedDerivative.apply, (x,))


def test_gradgradcheck_takes_one_grad_output_as_a_tensor():
    (x, tx), v = leaves([0.3, -1.2, 2.0]), np.array([1.0, 2.0, 3.0])
    assert torch.autograd.gradgradcheck(lambda x: x ** 3, (tx,), torch.tensor(v))
    assert ag.gradgradcheck(lambda x: x ** 3, (x,), ag.tensor(v))
