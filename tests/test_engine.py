"""The backward pass, the chain rule run by engine.py and autograd.py.

Gradients accumulate over fan-out and across calls and reduce to each input's shape; backward
refuses what PyTorch refuses (a non-scalar without a gradient, a gradient of another shape);
a graph is freed after backward unless retain_graph; create_graph records the backward for
higher derivatives; autograd.grad and autograd.backward (and backward(inputs=)) behave as
PyTorch's; hooks run before a gradient is retained or accumulated; version counters catch an
in-place change of a saved tensor and name the op; anomaly mode names the op and the forward
line; the graph is walked without recursion and freed by reference counting alone.

Where the claim is "as PyTorch does", the test runs the same program in both libraries."""

import gc
import sys
import warnings
import weakref

import numpy as np
import pytest
import torch
from error_messages import raises
from numpy.testing import assert_allclose, assert_array_equal
from torch_reference import as_np, assert_same_tree
from user_functions import Cube

import autograd_lite as ag


def leaf(values, dtype=ag.float64):
    return ag.tensor(values, dtype=dtype, requires_grad=True)


def leaves(values):
    """The same float64 values as an autograd_lite and a torch leaf requiring grad."""
    values = np.asarray(values, dtype=np.float64)
    return (ag.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True))


def two(lib, values):
    """Two float64 leaves of `lib` (ag or torch) requiring grad, both with `values`."""
    return tuple(lib.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
                 for _ in range(2))


# ----- accumulation ---------------------------------------------------------------------------

def test_fan_out_accumulates_before_flowing_on():
    x = leaf(2.0)
    y = x * x              # used twice below
    z = y * 3 + y.exp()
    z.backward()
    # dz/dx = (3 + e^y) * 2x
    assert x.grad.item() == pytest.approx((3 + np.exp(4.0)) * 4.0)


def test_grad_accumulates_across_backward_calls_and_zero_resets():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])
    x.grad.zero_()
    (3 * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_gradient_is_reduced_to_a_broadcast_inputs_shape():
    a = leaf(np.ones((3, 1)))
    b = leaf(np.ones((4,)))
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,)
    np.testing.assert_array_equal(a.grad.numpy(), np.full((3, 1), 4.0))
    np.testing.assert_array_equal(b.grad.numpy(), np.full((4,), 3.0))


def test_leaf_grads_do_not_alias_each_other():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()          # Add passes the same array to both inputs
    a.grad += 10
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_nonscalar_backward_with_gradient_is_a_vjp():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    y.backward(gradient=ag.tensor([1.0, 0.5, 0.0], dtype=ag.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 0.0])


def test_grad_dtype_follows_the_leaf():
    x = ag.tensor([1.0, 2.0], requires_grad=True)       # float32
    (x * np.float64(3.0)).sum().backward()
    assert x.grad.dtype is ag.float32
    w = leaf([1.0, 1.0])                                   # float64 mixed with float32
    (x * w).sum().backward()
    assert x.grad.dtype is ag.float32 and w.grad.dtype is ag.float64


# ----- what backward() refuses ----------------------------------------------------------------

def test_backward_of_a_non_scalar_needs_a_gradient():
    y = ag.ones(2, 3, requires_grad=True) * 2
    with raises(RuntimeError, "backward()", "scalar outputs", "(2, 3)"):
        y.backward()


def test_backward_gradient_must_have_the_outputs_shape():
    y = ag.ones(2, requires_grad=True) * 2
    with raises(RuntimeError, "backward()", "(3,)", "(2,)"):
        y.backward(ag.ones(3))


def test_backward_gradient_must_be_numbers():
    y = ag.ones(2, requires_grad=True) * 2
    with pytest.raises(TypeError, match=r"gradient must be a Tensor.*shape \(2,\).*str"):
        y.backward("a")


def test_backward_of_a_tensor_that_does_not_require_grad_raises():
    with raises(RuntimeError, "does not require grad"):
        ag.ones(2).sum().backward()
    with ag.no_grad():
        y = (ag.ones(2, requires_grad=True) * 2).sum()
    with raises(RuntimeError, "does not require grad"):
        y.backward()


# ----- retain_graph and freeing ---------------------------------------------------------------

def test_second_backward_through_a_freed_graph_says_retain_graph():
    x = leaf(2.0)
    y = (x * x).exp()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf(2.0)
    y = x * x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 24.0


def test_second_backward_through_a_freed_graph_names_the_op():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with raises(RuntimeError, "second time", "retain_graph=True", "MulBackward"):
        y.backward()


def test_retain_graph_allows_a_second_backward_of_a_sum():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])


def test_saved_buffers_are_freed_after_backward():
    x = leaf(np.ones(1000))
    y = x.exp()
    node = y.grad_fn
    assert node.saved_tensors
    y.sum().backward()
    assert node.saved_tensors is ag.function.FREED


# ----- create_graph: gradients of gradients ---------------------------------------------------

def test_second_and_third_derivatives_are_exact():
    x = leaf(2.0)
    y = x ** 4
    (g1,) = ag.autograd.grad(y, x, create_graph=True)     # 4x^3 = 32
    (g2,) = ag.autograd.grad(g1, x, create_graph=True)    # 12x^2 = 48
    (g3,) = ag.autograd.grad(g2, x)                       # 24x = 48
    assert (g1.item(), g2.item(), g3.item()) == (32.0, 48.0, 48.0)


def test_gradient_penalty_backward_through_a_gradient():
    w = leaf([1.0, -2.0])
    x = ag.tensor([0.5, 3.0], dtype=ag.float64, requires_grad=True)
    out = (w * x).tanh().sum()
    (gx,) = ag.autograd.grad(out, x, create_graph=True)
    penalty = (gx * gx).sum()
    penalty.backward()
    # closed form: gx = w (1 - t^2), t = tanh(w x); d/dw of sum(gx^2)
    t = np.tanh(w.array * x.array)
    s = 1 - t ** 2
    expected = 2 * w.array * s ** 2 + 2 * (w.array * s) * w.array * (-2 * t * s) * x.array
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-12)


def test_backward_with_create_graph_leaves_a_differentiable_grad():
    x = leaf(3.0)
    (x ** 3).backward(create_graph=True)
    assert x.grad.requires_grad
    (g2,) = ag.autograd.grad(x.grad, x)
    assert g2.item() == 18.0


# ----- autograd.grad --------------------------------------------------------------------------

def test_autograd_grad_does_not_touch_dot_grad():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    gx, gw = ag.autograd.grad((x * w).sum(), [x, w])
    np.testing.assert_array_equal(gx.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(gw.numpy(), [1.0, 2.0])
    assert x.grad is None and w.grad is None


def test_autograd_grad_of_an_intermediate_tensor():
    x = leaf(2.0)
    h = x * 3
    y = h * h
    (gh,) = ag.autograd.grad(y, h)
    assert gh.item() == 12.0


def test_autograd_grad_of_an_unused_input_needs_allow_unused():
    x, unused = leaf(1.0), leaf(1.0)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        ag.autograd.grad(x * 2, [x, unused])
    gx, gu = ag.autograd.grad(x * 2, [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None


def test_autograd_grad_materialize_grads_gives_zeros_for_unused_inputs():
    results = []
    for lib in (ag, torch):
        x, unused = two(lib, [1.0, 2.0])
        results.append(lib.autograd.grad((x ** 2).sum(), [x, unused], materialize_grads=True))
    (ours_x, ours_u), (theirs_x, theirs_u) = results
    assert_allclose(ours_x.numpy(), [2.0, 4.0])
    assert_same_tree(ours_u, theirs_u)
    assert not ours_u.requires_grad


def test_autograd_grad_materialize_grads_with_allow_unused_false_raises_value_error():
    x, unused = two(ag, [1.0])
    with pytest.raises(ValueError, match="Expected allow_unused to be True or not passed when "
                                         "materialize_grads=True"):
        ag.autograd.grad((x * 2).sum(), [x, unused], allow_unused=False, materialize_grads=True)


def test_autograd_grad_with_empty_inputs_raises_runtime_error():
    x, _ = two(ag, [1.0])
    with pytest.raises(RuntimeError, match=r"`inputs` argument to `grad\(\)` cannot be empty"):
        ag.autograd.grad((x * 2).sum(), [])


def test_autograd_grad_checks_the_outputs_before_the_inputs():
    x = ag.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        ag.autograd.grad((x * 2).sum(), x)


def test_autograd_grad_of_an_input_without_grad_raises():
    x, c = ag.tensor([1.0], requires_grad=True), ag.tensor([1.0])
    with pytest.raises(RuntimeError,
                       match="One of the differentiated Tensors does not require grad"):
        ag.autograd.grad((x * c).sum(), [x, c])


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
    assert_same_tree(ours[:2], theirs[:2])


def test_ag_autograd_has_torch_autograds_names():
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "detect_anomaly",
                 "set_detect_anomaly", "gradcheck", "gradgradcheck", "Function", "grad",
                 "backward"):
        assert hasattr(torch.autograd, name)
        assert hasattr(ag.autograd, name), name
    assert ag.autograd.gradcheck is ag.gradcheck and ag.autograd.no_grad is ag.no_grad
    assert issubclass(ag.autograd.GradcheckError, RuntimeError)


# ----- autograd.backward and backward(inputs=) ------------------------------------------------

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
    assert_same_tree(ours[1:], theirs[1:])


def test_autograd_backward_inputs_runs_leaf_hooks_once_and_accumulates():
    grads = []
    for lib in (ag, torch):
        x, _ = two(lib, [1.0, 2.0])
        x.register_hook(lambda g: g * 10)
        y = (x * x).sum()
        lib.autograd.backward(y, inputs=x, retain_graph=True)
        lib.autograd.backward(y, inputs=(x,))
        grads.append(x.grad)
    assert_same_tree(*grads)


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
    x, _ = two(ag, [1.0])
    with pytest.raises(RuntimeError, match=r"`inputs` argument to `backward\(\)` cannot be empty"):
        ag.autograd.backward((x * 2).sum(), inputs=[])


def test_tensor_backward_inputs_fills_only_those_gradients():
    grads = []
    for x, w in zip(leaves([1.0, 2.0]), leaves([1.0, 2.0])):
        (x * w).sum().backward(inputs=[x])
        grads.append((x.grad, w.grad))
    assert grads[1][1] is None and grads[0][1] is None
    assert_same_tree(grads[0][0], grads[1][0])


# ----- hooks and retain_grad ------------------------------------------------------------------

def test_hook_sees_and_may_replace_the_gradient():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    y = x * 3
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    np.testing.assert_array_equal(seen[0], [30.0, 30.0])
    np.testing.assert_array_equal(x.grad.numpy(), [30.0, 30.0])


def test_hook_handle_removes_the_hook():
    x = leaf(1.0)
    handle = x.register_hook(lambda g: g * 0)
    handle.remove()
    (x * 2).backward()
    assert x.grad.item() == 2.0


def test_leaf_hook_runs_once_with_the_summed_gradient():
    x = leaf(1.0)
    calls = []
    x.register_hook(lambda g: calls.append(g.item()))
    (x * 2 + x * 3).backward()
    assert calls == [5.0]


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf(2.0)
    h = x * x
    h.retain_grad()
    assert h.retains_grad
    (h * 3).backward()
    assert h.grad.item() == 3.0
    y = x * 5
    (y * 2).backward()
    with pytest.warns(UserWarning, match=r"not a leaf Tensor.*retain_grad\(\)"):
        assert y.grad is None  # as PyTorch: None, with a warning saying what to do


def test_retained_gradient_is_the_one_after_every_hook():
    results = []
    for lib in (torch, ag):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
        (y * y).sum().backward()
        results.append((as_np(y.grad), as_np(x.grad)))
    assert_array_equal(results[1][0], results[0][0])
    assert_array_equal(results[1][1], results[0][1])


def test_retained_gradient_is_the_one_after_hooks_on_either_side():
    results = []
    for lib in (torch, ag):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: g + 1)
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
        (y * y).sum().backward()
        results.append((as_np(y.grad), as_np(x.grad)))
    assert_array_equal(results[1][0], results[0][0])
    assert_array_equal(results[1][1], results[0][1])


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


def test_reading_the_grad_of_a_non_leaf_warns():
    for x in leaves([1.0]):
        y = x * 2
        with pytest.warns(UserWarning, match="retain_grad"):
            assert y.grad is None


def test_register_hook_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ag.tensor(1.0).register_hook(lambda g: g)


# ----- version counters -----------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [ag.float64, ag.float32])
def test_inplace_change_of_a_saved_output_is_detected(dtype):
    x = leaf([1.0, 2.0], dtype)
    y = x.exp()  # exp saves its output
    y += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*ExpBackward"):
        y.sum().backward()


@pytest.mark.parametrize("make, op", [
    (lambda y: y * y, "MulBackward"),
    (lambda y: y.sin(), "SinBackward"),
    (lambda y: y / 3.0, "DivBackward"),
    (lambda y: y ** 2, "PowBackward"),
    (lambda y: y @ y, "MatMulBackward"),
])
def test_inplace_change_of_a_saved_tensor_names_the_op(make, op):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = make(y)
    y.mul_(2)
    with raises(RuntimeError, "modified by an inplace operation", op):
        z.sum().backward()


def test_filling_an_output_that_was_saved_then_backward_raises():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # exp saves its output
    y.zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*ExpBackward"):
        y.sum().backward()


def test_inplace_change_of_a_saved_input_is_detected():
    x = leaf([1.0, 2.0])
    w = ag.tensor([3.0, 4.0], dtype=ag.float64)
    y = x * w                       # Mul saves w for x's gradient
    w += 1
    with pytest.raises(RuntimeError, match="MulBackward"):
        y.sum().backward()


def test_inplace_change_of_an_unsaved_tensor_is_fine():
    x = leaf([1.0, 2.0])
    h = x * 2
    y = h * 3                        # h is not saved: its gradient needs only the 3
    h.add_(1)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])


def test_inplace_update_of_a_non_leaf_by_itself_is_recorded():
    x = leaf([1.0, 2.0])
    y = x * 2
    y *= y                           # y = (2x)^2
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [8.0, 16.0])


def test_inplace_on_a_leaf_that_requires_grad_raises_except_under_no_grad():
    w = leaf([1.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w -= 1
    with ag.no_grad():
        w -= 1
    assert w.array[0] == 0.0 and w.is_leaf and w.requires_grad


def test_version_counter_counts_inplace_ops():
    t = ag.zeros(2)
    assert t._version == 0
    t += 1
    t.mul_(2)
    assert t._version == 2


# ----- anomaly mode ---------------------------------------------------------------------------

def test_anomaly_mode_names_the_op_and_the_forward_line():
    x = leaf([0.0, 1.0])
    with ag.detect_anomaly():
        y = x.sqrt()                 # d sqrt / dx at 0 is inf
        with pytest.raises(RuntimeError, match="'SqrtBackward' returned inf values") as info:
            y.sum().backward()
    message = str(info.value)
    assert "SqrtBackward" in message and "inf" in message
    assert "test_engine.py" in message and "x.sqrt()" in message
    assert not ag.is_anomaly_enabled()


def test_without_anomaly_mode_nan_flows_silently_like_pytorch():
    x = leaf([0.0])
    x.sqrt().sum().backward()
    assert np.isinf(x.grad.numpy()[0])


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


# ----- the graph is iterative and leaves nothing behind ---------------------------------------

def test_a_200k_node_chain_backpropagates_without_recursion():
    x = leaf(1.0)
    y = x
    for _ in range(200_000):
        y = y * 1.0
    limit = sys.getrecursionlimit()
    y.backward()
    assert x.grad.item() == 1.0 and sys.getrecursionlimit() == limit


@pytest.mark.slow
def test_a_million_node_chain_backpropagates():
    x = leaf(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0 and y.item() == 1_000_001.0


def test_the_graph_is_freed_by_reference_counting_alone():
    gc.disable()
    try:
        x = leaf(np.ones(10))
        y = ((x * 2).exp() + x).tanh().sum()
        node = weakref.ref(y.grad_fn)
        y.backward()
        del y
        assert node() is None      # no reference cycle kept the graph alive
    finally:
        gc.enable()


def test_a_users_gradient_array_is_not_kept_as_dot_grad():
    x = leaf([1.0, 2.0])
    g = np.array([1.0, 1.0])
    x.backward(gradient=g)
    g[0] = 99.0
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_second_accumulation_does_not_write_into_an_intermediate_gradient():
    w = leaf([[1.0, 2.0], [3.0, 4.0]])
    x = ag.tensor([[1.0, 1.0]], dtype=ag.float64)
    y = (x @ w).sum()
    y.backward(retain_graph=True)
    first = y.grad_fn.out_grad.copy()
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((2, 2), 2.0))
    np.testing.assert_array_equal(y.grad_fn.out_grad, first)


def test_saved_tensors_read_after_they_were_freed_raise():
    x = leaf(np.array([3.0]))
    y = Cube.apply(x)
    node = y.grad_fn
    y.backward()
    assert x.grad.item() == 27.0
    with pytest.raises(RuntimeError, match="freed"):
        (saved,) = node.saved_tensors
    with pytest.raises(RuntimeError, match="second time.*CubeBackward"):
        y.backward()


# ----- several outputs and item assignment: no reference cycles ------------------------------

class _Pair(ag.Function):
    """(2x, x^2), saving its second output: exercises the edges of a node with two outputs."""

    @staticmethod
    def forward(ctx, x):
        square = x * x
        ctx.save_for_backward(x, square)
        return 2 * x, square

    @staticmethod
    def backward(ctx, grad_double, grad_square):
        x, _ = ctx.saved_tensors
        return 2 * grad_double + 2 * x * grad_square


def test_graphs_with_several_outputs_or_assignments_are_freed_without_the_cycle_collector():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    gc.disable()
    try:
        a, b = _Pair.apply(x)
        owner = weakref.ref(a.grad_fn.owner)
        (a * b).sum().backward()
        del a, b
        assert owner() is None
        a, b = _Pair.apply(x)
        owner = weakref.ref(a.grad_fn.owner)
        (g,) = ag.autograd.grad((a * b).sum(), x, create_graph=True)
        g.sum().backward()
        del a, b, g
        assert owner() is None
        y = x * 1
        y[0] = 3.0
        node = weakref.ref(y.grad_fn)
        y.sum().backward()
        del y
        assert node() is None
    finally:
        gc.enable()
    # d sum(2x^3) = 6x^2, then d sum(6x^2) = 12x, then [0, 1] past the assignment
    assert_array_equal(x.grad.numpy(), [6 + 12 + 0, 24 + 24 + 1])
