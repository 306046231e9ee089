"""An audit of the autograd and transform surface of API.md against PyTorch 2.13 (and JAX's
semantics for the transforms, which take JAX's names): `autograd.grad` / `autograd.backward`,
hooks, grad modes, anomaly mode, `grad` / `value_and_grad` / `vjp` / `jvp` / `jacobian` /
`hessian`, and `gradcheck` / `gradgradcheck`. Each test pins down one place where
autograd_lite differed from them and now agrees.
"""

import warnings

import numpy as np
import pytest
import torch
import torch.func as tf
from numpy.testing import assert_allclose

import autograd_lite as ag

RNG = np.random.default_rng(20240614)


def as_np(t):
    """The values of an autograd_lite or torch tensor as a float64 ndarray."""
    data = t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach().data
    return np.asarray(data, dtype=np.float64)


def assert_same(ours, theirs, rtol=1e-12, atol=1e-12):
    """Same shape and values; `ours` and `theirs` may be (nested) tuples / dicts of tensors."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for key in theirs:
            assert_same(ours[key], theirs[key], rtol, atol)
    elif isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b, rtol, atol)
    elif theirs is None:
        assert ours is None
    else:
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert_allclose(as_np(ours), as_np(theirs), rtol=rtol, atol=atol)


def pair(values):
    """The same float64 values as an autograd_lite and a torch tensor."""
    values = np.asarray(values, dtype=np.float64)
    return ag.tensor(values), torch.tensor(values)


def leaves(values):
    """The same float64 values as an autograd_lite and a torch leaf requiring grad."""
    values = np.asarray(values, dtype=np.float64)
    return (ag.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True))


def two(lib, values):
    """Two float64 leaves of `lib` (ag or torch) requiring grad, both with `values`."""
    return tuple(lib.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
                 for _ in range(2))


# ----- autograd.grad ----------------------------------------------------------------------------

def test_autograd_grad_materialize_grads_gives_zeros_for_unused_inputs():
    results = []
    for lib in (ag, torch):
        x, unused = two(lib, [1.0, 2.0])
        results.append(lib.autograd.grad((x ** 2).sum(), [x, unused], materialize_grads=True))
    (ours_x, ours_u), (theirs_x, theirs_u) = results
    assert_allclose(ours_x.numpy(), [2.0, 4.0])
    assert_same(ours_u, theirs_u)
    assert not ours_u.requires_grad


def test_autograd_grad_materialize_grads_with_allow_unused_false_raises_value_error():
    for lib in (ag, torch):
        x, unused = two(lib, [1.0])
        with pytest.raises(ValueError, match="allow_unused"):
            lib.autograd.grad((x * 2).sum(), [x, unused], allow_unused=False,
                              materialize_grads=True)


def test_autograd_grad_with_empty_inputs_raises_runtime_error():
    for lib in (ag, torch):
        x, _ = two(lib, [1.0])
        with pytest.raises(RuntimeError, match="cannot be empty"):
            lib.autograd.grad((x * 2).sum(), [])


def test_autograd_grad_checks_the_outputs_before_the_inputs():
    for lib in (ag, torch):
        x = lib.tensor([1.0, 2.0])
        with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
            lib.autograd.grad((x * 2).sum(), x)


def test_autograd_grad_input_not_requiring_grad_message():
    for lib in (ag, torch):
        x, c = lib.tensor([1.0], requires_grad=True), lib.tensor([1.0])
        with pytest.raises(RuntimeError,
                           match="One of the differentiated Tensors does not require grad"):
            lib.autograd.grad((x * c).sum(), [x, c])


# ----- autograd.backward(inputs=) ---------------------------------------------------------------

def test_autograd_backward_inputs_fills_only_those_gradients():
    grads = []
    for lib in (ag, torch):
        x, w = two(lib, [1.0, 2.0])
        h = x * 3
        y = (h * w).sum()
        lib.autograd.backward(y, inputs=[h, w])
        grads.append((x.grad, h.grad, w.grad))
    ours, theirs = grads
    assert ours[0] is None and theirs[0] is None
    assert_same(ours[1:], theirs[1:])


def test_autograd_backward_inputs_runs_leaf_hooks_once_and_accumulates():
    grads = []
    for lib in (ag, torch):
        x, _ = two(lib, [1.0, 2.0])
        x.register_hook(lambda g: g * 10)
        y = (x * x).sum()
        lib.autograd.backward(y, inputs=x, retain_graph=True)
        lib.autograd.backward(y, inputs=(x,))
        grads.append(x.grad)
    assert_same(*grads)


def test_autograd_backward_with_create_graph_and_inputs_is_differentiable():
    for lib in (ag, torch):
        x, _ = two(lib, [1.0, 2.0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's reference-cycle warning
            lib.autograd.backward((x ** 3).sum(), inputs=[x], create_graph=True)
        assert x.grad.requires_grad
        (second,) = lib.autograd.grad(x.grad.sum(), x)
        assert_allclose(as_np(second), [6.0, 12.0])


def test_autograd_backward_with_empty_inputs_raises_runtime_error():
    for lib in (ag, torch):
        x, _ = two(lib, [1.0])
        with pytest.raises(RuntimeError, match="cannot be empty"):
            lib.autograd.backward((x * 2).sum(), inputs=[])


def test_torch_autograd_names_exist_in_ag_autograd():
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "detect_anomaly",
                 "set_detect_anomaly", "gradcheck", "gradgradcheck", "Function", "grad",
                 "backward"):
        assert hasattr(torch.autograd, name)
        assert hasattr(ag.autograd, name), name
    assert ag.autograd.gradcheck is ag.gradcheck and ag.autograd.no_grad is ag.no_grad
    assert issubclass(ag.autograd.GradcheckError, RuntimeError)


# ----- grad / value_and_grad --------------------------------------------------------------------

@pytest.mark.parametrize("make_output", [lambda x: x * 2, lambda x: x.sum(0, keepdim=True)],
                         ids=["vector", "shape-(1,)"])
def test_grad_of_a_non_zero_dimensional_output_raises(make_output):
    x, tx = pair([1.0, 2.0])
    with pytest.raises(RuntimeError, match="scalar"):
        tf.grad(make_output)(tx)
    with pytest.raises(RuntimeError, match="scalar"):
        ag.grad(make_output)(x)
    with pytest.raises(TypeError, match="scalar"):  # and a TypeError, as in JAX
        ag.grad(make_output)(x)


@pytest.mark.parametrize("argnums", [2, -3, (0, 0), (), 1.0, (0, 1.0)])
def test_grad_with_bad_argnums_raises_runtime_error(argnums):
    (a, ta), (b, tb) = pair([1.0]), pair([2.0])

    def f(x, y):
        return (x * y).sum()

    with pytest.raises(RuntimeError):
        tf.grad(f, argnums=argnums)(ta, tb)
    with pytest.raises(RuntimeError, match="argnums"):
        ag.grad(f, argnums=argnums)(a, b)


@pytest.mark.parametrize("result", [lambda x: x.sum(), lambda x: (x.sum(), 1, 2)],
                         ids=["not-a-tuple", "three"])
def test_grad_has_aux_needs_a_pair(result):
    x, tx = pair([1.0, 2.0])
    with pytest.raises(RuntimeError, match="tuple"):
        tf.grad(result, has_aux=True)(tx)
    with pytest.raises(RuntimeError, match=r"pair \(output, aux\)"):
        ag.grad(result, has_aux=True)(x)


def test_grad_has_aux_returns_the_aux_detached():
    def f(x):
        return (x * x).sum(), {"double": x * 2}

    x, tx = pair([1.0, 2.0])
    (g, aux), (tg, taux) = ag.grad(f, has_aux=True)(x), tf.grad(f, has_aux=True)(tx)
    assert_same(g, tg)
    assert_same(aux, taux)
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
    assert_same(ours, theirs)


def test_value_and_grad_of_a_structure_with_tuple_argnums():
    def f(params, x):
        w, b = params
        return ((x @ w + b) ** 2).sum()

    w, b, x = RNG.standard_normal((3, 2)), RNG.standard_normal(2), RNG.standard_normal((4, 3))
    (value, (gp, gx)) = ag.value_and_grad(f, argnums=(0, 1))(
        (ag.tensor(w), ag.tensor(b)), ag.tensor(x))
    (tgp, tgx), tvalue = tf.grad_and_value(f, argnums=(0, 1))(
        (torch.tensor(w), torch.tensor(b)), torch.tensor(x))
    assert_same(value, tvalue)
    assert_same(gp, tgp)
    assert_same(gx, tgx)


# ----- vjp / jvp --------------------------------------------------------------------------------

def test_vjp_of_several_outputs_and_has_aux():
    def f(x, y):
        return (x[:, None] * y.sin(), (x ** 2).sum()), x.exp()

    xv, yv = RNG.standard_normal(2), RNG.standard_normal(3)
    cot = (RNG.standard_normal((2, 3)), np.float64(1.5))
    out, vjp_fn, aux = ag.vjp(f, ag.tensor(xv), ag.tensor(yv), has_aux=True)
    tout, tvjp_fn, taux = tf.vjp(f, torch.tensor(xv), torch.tensor(yv), has_aux=True)
    assert_same(out, tout)
    assert_same(aux, taux)
    assert not aux.requires_grad
    assert_same(vjp_fn((ag.tensor(cot[0]), ag.tensor(cot[1]))),
                tvjp_fn((torch.tensor(cot[0]), torch.tensor(cot[1]))))


def test_vjp_with_a_cotangent_of_the_wrong_shape_raises_runtime_error():
    x, tx = pair([1.0, 2.0])
    with pytest.raises(RuntimeError, match="shape"):
        tf.vjp(lambda x: x * 2, tx)[1](torch.ones(3, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="shape"):
        ag.vjp(lambda x: x * 2, x)[1](ag.ones(3, dtype=ag.float64))


def test_jvp_of_several_outputs_and_has_aux():
    def f(x, y):
        return (x[:, None] * y.sin(), (x ** 2).sum()), x.exp()

    xv, yv, dx, dy = (RNG.standard_normal(n) for n in (2, 3, 2, 3))
    out, tangent, aux = ag.jvp(f, (ag.tensor(xv), ag.tensor(yv)),
                               (ag.tensor(dx), ag.tensor(dy)), has_aux=True)
    tout, ttangent, taux = tf.jvp(f, (torch.tensor(xv), torch.tensor(yv)),
                                  (torch.tensor(dx), torch.tensor(dy)), has_aux=True)
    assert_same(out, tout)
    assert_same(tangent, ttangent)
    assert_same(aux, taux)


def test_jvp_with_a_structure_of_tensors_as_one_primal():
    def f(params):
        return params["w"] * params["b"].exp()

    w, b, dw, db = (RNG.standard_normal(3) for _ in range(4))
    ours = ag.jvp(f, ({"w": ag.tensor(w), "b": ag.tensor(b)},),
                  ({"w": ag.tensor(dw), "b": ag.tensor(db)},))
    theirs = tf.jvp(f, ({"w": torch.tensor(w), "b": torch.tensor(b)},),
                    ({"w": torch.tensor(dw), "b": torch.tensor(db)},))
    assert_same(ours, theirs)


def test_jvp_needs_primals_as_a_tuple():
    x, tx = pair([1.0, 2.0])
    with pytest.raises(RuntimeError, match="tuple"):
        tf.jvp(lambda x: x * 2, tx, tx)
    with pytest.raises(RuntimeError, match="tuple"):
        ag.jvp(lambda x: x * 2, x, x)


@pytest.mark.parametrize("tangents", [([1.0, 0.0, 1.0],), ([1.0, 0.0], [1.0])],
                         ids=["shape", "count"])
def test_jvp_tangent_mismatch_raises_runtime_error(tangents):
    x, tx = pair([1.0, 2.0])
    with pytest.raises(RuntimeError):
        tf.jvp(lambda x: x * 2, (tx,), tuple(torch.tensor(t, dtype=torch.float64)
                                             for t in tangents))
    with pytest.raises(RuntimeError, match="tangent"):
        ag.jvp(lambda x: x * 2, (x,), tuple(ag.tensor(t, dtype=ag.float64) for t in tangents))


# ----- jacobian / hessian -----------------------------------------------------------------------

def test_jacobian_of_several_outputs_with_tuple_argnums():
    def f(x, y):
        return {"outer": x[:, None] * y.sin(), "total": (x ** 2 * y[:2]).sum()}

    xv, yv = RNG.standard_normal(2), RNG.standard_normal(3)
    ours = ag.jacobian(f, argnums=(0, 1))(ag.tensor(xv), ag.tensor(yv))
    theirs = tf.jacrev(f, argnums=(0, 1))(torch.tensor(xv), torch.tensor(yv))
    assert_same(ours, theirs)


def test_jacobian_has_aux():
    def f(x):
        return x.sin() * x, x.cos()

    xv = RNG.standard_normal((2, 2))
    (jac, aux), (tjac, taux) = (ag.jacobian(f, has_aux=True)(ag.tensor(xv)),
                                tf.jacrev(f, has_aux=True)(torch.tensor(xv)))
    assert_same(jac, tjac)
    assert_same(aux, taux)
    assert not aux.requires_grad


@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_hessian_of_a_non_scalar_function(argnums):
    def f(x, y):
        return (x[:, None] * y.sin()).exp()

    xv, yv = RNG.standard_normal(2), RNG.standard_normal(3)
    ours = ag.hessian(f, argnums=argnums)(ag.tensor(xv), ag.tensor(yv))
    theirs = tf.hessian(f, argnums=argnums)(torch.tensor(xv), torch.tensor(yv))
    assert_same(ours, theirs, rtol=1e-10)


# ----- gradgradcheck ----------------------------------------------------------------------------

class _DetachedDerivative(ag.Function):
    """x ** 2 whose derivative is cut off from the graph under create_graph."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * (x.detach() if isinstance(x, ag.Tensor) else x)


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
    assert ag.gradgradcheck(_DetachedDerivative.apply, (x,), raise_exception=False) is False
    with pytest.raises(ag.GradcheckError):
        ag.gradgradcheck(_DetachedDerivative.apply, (x,))


def test_gradgradcheck_takes_one_grad_output_as_a_tensor():
    (x, tx), v = leaves([0.3, -1.2, 2.0]), np.array([1.0, 2.0, 3.0])
    assert torch.autograd.gradgradcheck(lambda x: x ** 3, (tx,), torch.tensor(v))
    assert ag.gradgradcheck(lambda x: x ** 3, (x,), ag.tensor(v))


# ----- backward(inputs=), hook handles, retain_grad in autograd.grad, grad and anomaly modes --

def test_tensor_backward_inputs():
    grads = []
    for x, w in zip(leaves([1.0, 2.0]), leaves([1.0, 2.0])):
        (x * w).sum().backward(inputs=[x])
        grads.append((x.grad, w.grad))
    assert grads[1][1] is None and grads[0][1] is None
    assert_same(grads[0][0], grads[1][0])


def test_hook_handle_as_a_context_manager():
    results = []
    for x in leaves([1.0, 2.0]):
        with x.register_hook(lambda g: g * 2):
            (x * x).sum().backward()
        first = x.grad.detach().numpy().copy()
        x.grad = None
        (x * x).sum().backward()
        results.append((first, as_np(x.grad)))
    assert_allclose(results[0][0], results[1][0])
    assert_allclose(results[0][1], results[1][1])


def test_retain_grad_is_filled_during_autograd_grad():
    results = []
    for lib in (ag, torch):
        x, _ = two(lib, [1.0, 2.0])
        y = x * 2
        y.retain_grad()
        (gx,) = lib.autograd.grad((y * y).sum(), x)
        results.append((gx, y.grad, x.grad))
    ours, theirs = results
    assert ours[2] is None and theirs[2] is None
    assert_same(ours[:2], theirs[:2])


@pytest.mark.parametrize("name, expected", [("no_grad", False), ("enable_grad", True)])
def test_grad_mode_as_a_bare_decorator(name, expected):
    for lib in (torch, ag):
        @getattr(lib, name)
        def mode(lib=lib):
            return lib.is_grad_enabled()

        with lib.set_grad_enabled(not expected):
            assert mode() is expected


def test_set_detect_anomaly_as_a_context_manager():
    for lib in (torch, ag):
        try:
            with lib.autograd.set_detect_anomaly(True):
                assert lib.is_anomaly_enabled()
            assert not lib.is_anomaly_enabled()
        finally:  # the call turns the mode on even when the `with` then fails
            lib.autograd.set_detect_anomaly(False)


def test_detect_anomaly_check_nan_false_lets_nan_through():
    grads = []
    for lib in (ag, torch):
        x, _ = two(lib, [0.0, 1.0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly(check_nan=False):
                (x.sqrt() * 0).sum().backward()
        grads.append(as_np(x.grad))
    assert_allclose(grads[0], grads[1])


def test_reading_the_grad_of_a_non_leaf_warns():
    for x in leaves([1.0]):
        y = x * 2
        with pytest.warns(UserWarning, match="retain_grad"):
            assert y.grad is None
