"""ag.Function subclasses with several outputs, as PyTorch allows: `forward` returns a tuple of
arrays, `apply` a tuple of Tensors, and `backward` gets one gradient per output (zeros, or None
after `ctx.set_materialize_grads(False)`, for outputs no gradient reached). Indices marked
with `ctx.mark_non_differentiable` carry none. Gradients are compared with PyTorch's in float64
and checked to second order; retain_graph, the release rule, in-place checks, hooks and the
pictures work across the node."""

import numpy as np
import pytest
import torch
from error_messages import raises
from torch_reference import assert_same

import autograd_lite as ag
from autograd_lite.engine import KEEP_ELEMENTS


class SinCos(ag.Function):
    """(sin x, cos x); its backward uses the saved outputs."""

    @staticmethod
    def forward(ctx, x):
        s, c = np.sin(x), np.cos(x)
        ctx.save_for_backward(s, c)
        return s, c

    @staticmethod
    def backward(ctx, grad_s, grad_c):
        s, c = ctx.saved_tensors
        return grad_s * c - grad_c * s


class TorchSinCos(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        s, c = torch.sin(x), torch.cos(x)
        ctx.save_for_backward(s, c)
        return s, c

    @staticmethod
    def backward(ctx, grad_s, grad_c):
        s, c = ctx.saved_tensors
        return grad_s * c - grad_c * s


class Sort(ag.Function):
    """(values, indices) of a 1-d sort; the indices are not differentiable."""

    @staticmethod
    def forward(ctx, x):
        order = np.argsort(x, kind="stable")
        ctx.mark_non_differentiable(order)
        ctx.inverse = np.argsort(order)
        return x[order], order

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        ctx.got = grad_indices
        return grad_values[ctx.inverse]


class TorchSort(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        values, order = torch.sort(x, stable=True)
        ctx.mark_non_differentiable(order)
        ctx.inverse = torch.argsort(order)
        return values, order

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        ctx.got = grad_indices
        return grad_values[ctx.inverse]


class MinMax(ag.Function):
    """(min, max) of two tensors; reports what backward received."""

    received: list = []

    @staticmethod
    def forward(ctx, a, b, materialize):
        ctx.set_materialize_grads(materialize)
        ctx.pick = a <= b
        return np.where(ctx.pick, a, b), np.where(ctx.pick, b, a)

    @staticmethod
    def backward(ctx, grad_min, grad_max):
        MinMax.received.append((grad_min, grad_max))
        grad_min = 0 if grad_min is None else grad_min
        grad_max = 0 if grad_max is None else grad_max
        return (np.where(ctx.pick, grad_min, grad_max) if ctx.needs_input_grad[0] else None,
                np.where(ctx.pick, grad_max, grad_min) if ctx.needs_input_grad[1] else None,
                None)


X = [0.3, -1.2, 2.0, 0.7]


def both(values):
    return (ag.tensor(values, dtype=ag.float64, requires_grad=True),
            torch.tensor(values, dtype=torch.float64, requires_grad=True))


def test_apply_returns_a_tuple_of_tensors_with_their_values():
    x, tx = both(X)
    s, c = SinCos.apply(x)
    ts, tc = TorchSinCos.apply(tx)
    assert_same(s, ts, np.float64)
    assert_same(c, tc, np.float64)
    assert s.requires_grad and c.requires_grad and not s.is_leaf
    assert s.grad_fn.name() == c.grad_fn.name() == "SinCosBackward"
    owner = s.grad_fn.owner
    assert c.grad_fn.owner is owner
    assert (s * c).grad_fn.next_functions == ((owner, 0), (owner, 1))  # as PyTorch's edges


@pytest.mark.parametrize("loss", [
    lambda s, c: (s * c).sum(),
    lambda s, c: (s * 3 + c ** 2).sum(),
    lambda s, c: s.sum(),           # cos gets no gradient: materialized zeros
    lambda s, c: (c * c).sum(),     # sin gets none
], ids=["product", "both", "first-only", "second-only"])
def test_gradients_match_torch(loss):
    x, tx = both(X)
    loss(*SinCos.apply(x)).backward()
    loss(*TorchSinCos.apply(tx)).backward()
    assert_same(x.grad, tx.grad, np.float64)


def test_first_and_second_order_checks():
    x = ag.tensor(X, dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(SinCos.apply, (x,))
    assert ag.gradgradcheck(SinCos.apply, (x,))
    assert ag.gradgradcheck(lambda t: SinCos.apply(t)[0] * SinCos.apply(t * 2)[1], (x,))


def test_double_backward_through_saved_outputs_matches_torch():
    x, tx = both(X)
    results = []
    for lib, fn, t in ((ag, SinCos, x), (torch, TorchSinCos, tx)):
        s, c = fn.apply(t)
        (g,) = lib.autograd.grad((s * c + s).sum(), t, create_graph=True)
        (g2,) = lib.autograd.grad((g ** 2).sum(), t)
        results.append((g, g2))
    assert_same(results[0][0].detach(), results[1][0].detach(), np.float64)
    assert_same(results[0][1], results[1][1], np.float64)


def test_indices_marked_non_differentiable_get_int_zeros_and_carry_no_gradient():
    x, tx = both(X)
    values, order = Sort.apply(x)
    tvalues, torder = TorchSort.apply(tx)
    assert_same(values, tvalues, np.float64)
    assert_same(order, torder)
    assert values.requires_grad and not order.requires_grad and order.grad_fn is None
    weights = [1.0, 2.0, 3.0, 4.0]
    (values * ag.tensor(weights, dtype=ag.float64)).sum().backward()
    (tvalues * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    assert_same(x.grad, tx.grad, np.float64)
    ours, theirs = values.grad_fn.owner.got, tvalues.grad_fn.got
    assert ours.dtype == np.int64 and np.array_equal(ours, theirs.numpy())
    assert ag.gradgradcheck(lambda t: Sort.apply(t)[0] ** 2, (x,))


def test_a_float_output_marked_non_differentiable_does_not_require_grad():
    class Halves(ag.Function):
        @staticmethod
        def forward(ctx, x):
            half, double = x / 2, x * 2
            ctx.mark_non_differentiable(double)
            return half, double

        @staticmethod
        def backward(ctx, grad_half, grad_double):
            return grad_half / 2

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    half, double = Halves.apply(x)
    assert half.requires_grad and not double.requires_grad
    half.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 0.5])


def test_set_materialize_grads_false_passes_none_like_torch():
    class TorchTwo(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, grad_a, grad_b):
            TorchTwo.got = (grad_a, grad_b)
            return grad_a * 2

    x, tx = both(X)
    y = ag.tensor(X[::-1], dtype=ag.float64)
    MinMax.received.clear()
    low, _ = MinMax.apply(x, y, False)
    low.sum().backward()
    TorchTwo.apply(tx)[0].sum().backward()
    (grad_min, grad_max), = MinMax.received
    assert grad_max is None and TorchTwo.got[1] is None
    np.testing.assert_array_equal(grad_min, np.ones(4))
    MinMax.received.clear()
    MinMax.apply(x, y, True)[0].sum().backward()  # materialized by default: zeros
    np.testing.assert_array_equal(MinMax.received[0][1], np.zeros(4))


def test_needs_input_grad_per_input():
    x = ag.tensor(X, dtype=ag.float64, requires_grad=True)
    y = ag.tensor(X[::-1], dtype=ag.float64)
    low, high = MinMax.apply(x, y, True)
    assert low.grad_fn.owner.needs_input_grad == (True, False, False)
    (low + high).sum().backward()  # the gradient of min + max is 1 everywhere
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(4))


def test_autograd_grad_of_several_outputs_and_of_an_output_itself():
    x, tx = both(X)
    s, c = SinCos.apply(x)
    ts, tc = TorchSinCos.apply(tx)
    ours = ag.autograd.grad([s.sum(), (c * 2).sum()], x, retain_graph=True)
    theirs = torch.autograd.grad([ts.sum(), (tc * 2).sum()], tx, retain_graph=True)
    assert_same(ours[0], theirs[0], np.float64)
    (gs,) = ag.autograd.grad((s * c).sum(), s)  # w.r.t. a non-leaf output
    np.testing.assert_allclose(gs.numpy(), c.detach().numpy())


def test_retain_graph_runs_twice_and_without_it_the_second_backward_raises():
    x = ag.tensor(X, dtype=ag.float64, requires_grad=True)
    s, c = SinCos.apply(x)
    loss = (s * c).sum()
    loss.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)
    with raises(RuntimeError, "Trying to backward through the graph a second time",
                "retain_graph=True"):
        loss.backward()


def test_hooks_and_retain_grad_on_an_output():
    x, tx = both(X)
    firsts = []
    for fn, t in ((SinCos, x), (TorchSinCos, tx)):
        s, c = fn.apply(t)
        s.retain_grad()
        c.register_hook(lambda g: g * 10)
        (s * c).sum().backward()
        firsts.append(s)
    assert_same(firsts[0].grad, firsts[1].grad, np.float64)
    assert_same(x.grad, tx.grad, np.float64)


def test_an_output_changed_in_place_after_it_was_saved_raises_torchs_error():
    x, tx = both(X)
    for fn, t in ((SinCos, x), (TorchSinCos, tx)):
        s, c = fn.apply(t)
        y = s * 1  # a second use: the in-place change is recorded
        c.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            (y + c).sum().backward()


def test_an_output_changed_in_place_when_only_another_was_saved_is_fine():
    class Split(ag.Function):  # saves nothing: an in-place change of an output is harmless
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, grad_a, grad_b):
            return grad_a * 2 + grad_b * 3

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    a, b = Split.apply(x)
    a += 1
    (a * b).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (3 * x.detach().numpy()) + 3 * (
        2 * x.detach().numpy() + 1))


def test_a_tuple_of_one_is_a_tuple_as_in_torch():
    class One(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return (x * 2,)

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    out = One.apply(x)
    assert type(out) is tuple and len(out) == 1
    out[0].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_without_grad_the_outputs_are_plain_tensors():
    x = ag.tensor(X, dtype=ag.float64, requires_grad=True)
    with ag.no_grad():
        s, c = SinCos.apply(x)
    assert not s.requires_grad and s.grad_fn is None and c.grad_fn is None


def test_the_release_rule_lets_large_outputs_go_and_keeps_small_ones():
    big = ag.tensor(np.linspace(0, 1, KEEP_ELEMENTS + 1), requires_grad=True)
    s, c = SinCos.apply(big)
    (s * c).sum().backward()
    owner = s.grad_fn.owner
    assert all(isinstance(o, ag.function.Released) for o in owner.out_data)
    np.testing.assert_allclose(big.grad.numpy(), np.cos(2 * big.detach().numpy()))
    small = ag.tensor([0.5, 1.0], requires_grad=True)
    s, c = SinCos.apply(small)
    (s * c).sum().backward()
    assert all(isinstance(o, np.ndarray) for o in s.grad_fn.owner.out_data)


@pytest.mark.parametrize("size", [2, KEEP_ELEMENTS + 1], ids=["kept", "released"])
def test_pictures_and_explain_show_a_node_with_several_outputs(size):
    x = ag.tensor(np.linspace(0.1, 1, size), requires_grad=True)
    s, c = SinCos.apply(x)
    loss = (s * c + s).sum()
    before = ag.draw_graph(loss, show_backward=True).source  # a recording pass first
    assert "2 outputs" in before and 'label="[0]"' in before and 'label="[1]"' in before
    loss.backward()
    source = ag.draw_graph(loss, show_backward=True).source
    assert 'label="[0]"' in source and "SinCos" in source
    if size == 2:  # the gradient SinCos passed back to x, drawn on its dashed edge
        assert 'n0 -> n1_op [label="[1.975, 0.1242]"' in source
    text = str(ag.explain(loss, params={"x": x}))  # (whole for a small graph only)
    if size == 2:
        assert "t2 = t1[0]" in text and "df/dt1  = df/dt2 as output 0" in text
        assert "df/dt1 += df/dt3 as output 1" in text
        assert "t1 = SinCos(x)  [2 outputs]" in text
        assert "incoming df/dt1 = one per output: [shape (2,), norm 2.52; shape (2,), norm " \
            "0.8474]" in text
        assert "df/dx  = SinCos.backward(df/dt1)[0]     shape (2,), norm 1.979" in text
        assert "df/dx = shape (2,), norm 1.979, values [1.975, 0.1242]" in text  # cos 2x + cos x


def test_anomaly_mode_names_the_node_and_its_forward_call():
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, grad_a, grad_b):
            return grad_a * np.nan

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with ag.detect_anomaly():
        a, b = Bad.apply(x)  # the line the message shows
        with raises(RuntimeError, "Function 'BadBackward' returned nan values in its 0th output",
                    "a, b = Bad.apply(x)"):
            (a + b).sum().backward()
