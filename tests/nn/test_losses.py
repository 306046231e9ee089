"""Every loss against its closed form in NumPy, for every reduction, with gradcheck in float64;
the fused gradients; stability; and the errors for bad targets."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
import nn
from nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(0)


def reduce(values: np.ndarray, reduction: str) -> np.ndarray:
    return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](values)


def leaf(array: np.ndarray) -> ag.Tensor:
    return ag.tensor(np.asarray(array, np.float64), requires_grad=True)


def log_softmax(x: np.ndarray, axis: int = 1) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


X = rng.normal(size=(4, 3))
Y = rng.normal(size=(4, 3))
P = rng.uniform(0.05, 0.95, size=(4, 3))
B = rng.integers(0, 2, size=(4, 3)).astype(np.float64)
LOGITS = rng.normal(size=(5, 4)) * 2
LABELS = np.array([0, 3, 1, 1, 2])


# ----- regression and binary losses: value, module form, gradcheck -------------------------

ELEMENTWISE = [
    # name, function, module, input, target, closed form of the unreduced loss
    ("l1", F.l1_loss, nn.L1Loss, X, Y, lambda x, y: np.abs(x - y)),
    ("mse", F.mse_loss, nn.MSELoss, X, Y, lambda x, y: (x - y) ** 2),
    ("bce", F.binary_cross_entropy, nn.BCELoss, P, B,
     lambda x, y: -(y * np.log(x) + (1 - y) * np.log(1 - x))),
    ("bce_logits", F.binary_cross_entropy_with_logits, nn.BCEWithLogitsLoss, X * 3, B,
     lambda x, y: np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, fn, module, x, y, closed", ELEMENTWISE,
                         ids=[case[0] for case in ELEMENTWISE])
def test_elementwise_losses_match_closed_form(name, fn, module, x, y, closed, reduction):
    expected = reduce(closed(x, y), reduction)
    out = fn(leaf(x), ag.tensor(y), reduction=reduction)
    np.testing.assert_allclose(out.array, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(module(reduction=reduction)(leaf(x), ag.tensor(y)).array,
                               expected, rtol=1e-12, atol=1e-12)
    xt, yt = leaf(x), leaf(y)
    assert ag.gradcheck(lambda a, b: fn(a, b, reduction=reduction), (xt, yt))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_binary_losses(reduction):
    weight = rng.uniform(0.5, 2.0, size=(3,))
    pos_weight = np.array([0.5, 2.0, 3.0])
    x, y = X * 3, B
    log_sig, log_1m_sig = -np.logaddexp(0, -x), -np.logaddexp(0, x)
    expected = -weight * (pos_weight * y * log_sig + (1 - y) * log_1m_sig)
    out = F.binary_cross_entropy_with_logits(leaf(x), ag.tensor(y), weight=weight,
                                             reduction=reduction, pos_weight=pos_weight)
    np.testing.assert_allclose(out.array, reduce(expected, reduction), rtol=1e-12)
    assert ag.gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(
        a, b, weight, reduction, pos_weight), (leaf(x), leaf(y)))
    expected = -weight * (B * np.log(P) + (1 - B) * np.log(1 - P))
    out = F.binary_cross_entropy(leaf(P), ag.tensor(B), weight=weight, reduction=reduction)
    np.testing.assert_allclose(out.array, reduce(expected, reduction), rtol=1e-12)


def test_bce_clamps_log_at_minus_100():
    loss = F.binary_cross_entropy(leaf([0.0, 1.0]), leaf([1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(loss.array, [100.0, 100.0])
    x = leaf([0.0, 1.0, 0.5])
    F.binary_cross_entropy(x, leaf([1.0, 0.0, 1.0]), reduction="sum").backward()
    assert np.all(np.isfinite(x.grad.array))  # (x - y) / max(x(1 - x), 1e-12)
    np.testing.assert_allclose(x.grad.array, [-1e12, 1e12, -2.0])


def test_bce_with_logits_is_stable_for_huge_logits():
    x = leaf([-1000.0, 1000.0, -1000.0, 1000.0])
    y = ag.tensor([0.0, 1.0, 1.0, 0.0], dtype=ag.float64)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.array, [0.0, 0.0, 1000.0, 1000.0])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.array, [0.0, 0.0, -1.0, 1.0])


# ----- the output error a - y ----------------------------------------------------------------

def test_output_error_is_prediction_minus_target():
    """Squared error on a linear output, sigmoid + binary cross-entropy, and softmax +
    cross-entropy all start backpropagation from the same output error a - y."""
    z = leaf(rng.normal(size=(6, 3)))
    y = rng.uniform(size=(6, 3))
    (F.mse_loss(z, ag.tensor(y), reduction="sum") / 2).backward()
    np.testing.assert_allclose(z.grad.array, z.array - y, rtol=1e-12)

    z = leaf(rng.normal(size=(6, 3)))
    b = rng.integers(0, 2, size=(6, 3)).astype(np.float64)
    F.binary_cross_entropy_with_logits(z, ag.tensor(b), reduction="sum").backward()
    np.testing.assert_allclose(z.grad.array, 1 / (1 + np.exp(-z.array)) - b, rtol=1e-12)

    z = leaf(rng.normal(size=(6, 3)))
    labels = np.array([0, 2, 1, 1, 0, 2])
    F.cross_entropy(z, ag.tensor(labels)).backward()
    softmax = np.exp(log_softmax(z.array))
    np.testing.assert_allclose(z.grad.array, (softmax - np.eye(3)[labels]) / 6, rtol=1e-12)


# ----- cross-entropy and NLL -------------------------------------------------------------------

def cross_entropy_reference(x, labels, weight=None, ignore_index=-100, smoothing=0.0,
                            reduction="mean"):
    """PyTorch's definition, written out for (N, C) logits."""
    n, c = x.shape
    w = np.ones(c) if weight is None else weight
    logp = log_softmax(x)
    kept = labels != ignore_index
    safe = np.where(kept, labels, 0)
    nll = -w[safe] * logp[np.arange(n), safe] * kept
    smooth = -(logp * w).sum(axis=1) * kept
    losses = (1 - smoothing) * nll + smoothing / c * smooth
    if reduction == "mean":
        return losses.sum() / (w[safe] * kept).sum()
    return reduce(losses, reduction)


CE_OPTIONS = [
    {},
    {"weight": np.array([1.0, 2.0, 0.5, 3.0])},
    {"ignore_index": 1},
    {"smoothing": 0.2},
    {"weight": np.array([1.0, 2.0, 0.5, 3.0]), "ignore_index": 3, "smoothing": 0.1},
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", CE_OPTIONS, ids=lambda o: "-".join(o) or "plain")
def test_cross_entropy_class_indices(options, reduction):
    expected = cross_entropy_reference(LOGITS, LABELS, reduction=reduction, **options)
    kwargs = dict(weight=options.get("weight"), ignore_index=options.get("ignore_index", -100),
                  label_smoothing=options.get("smoothing", 0.0), reduction=reduction)
    out = F.cross_entropy(leaf(LOGITS), ag.tensor(LABELS), **kwargs)
    np.testing.assert_allclose(out.array, expected, rtol=1e-12)
    module = nn.CrossEntropyLoss(**kwargs)
    np.testing.assert_allclose(module(leaf(LOGITS), ag.tensor(LABELS)).array, expected,
                               rtol=1e-12)
    assert ag.gradcheck(lambda z: F.cross_entropy(z, ag.tensor(LABELS), **kwargs),
                        (leaf(LOGITS),))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets(reduction):
    target = np.exp(log_softmax(rng.normal(size=(5, 4))))
    weight = np.array([1.0, 2.0, 0.5, 3.0])
    smoothed = target * 0.9 + 0.1 / 4
    losses = -(log_softmax(LOGITS) * smoothed * weight).sum(axis=1)
    out = F.cross_entropy(leaf(LOGITS), ag.tensor(target), weight=weight, label_smoothing=0.1,
                          reduction=reduction)
    np.testing.assert_allclose(out.array, reduce(losses, reduction), rtol=1e-12)
    assert ag.gradcheck(lambda z, t: F.cross_entropy(z, t, weight=weight, label_smoothing=0.1,
                                                     reduction=reduction),
                        (leaf(LOGITS), leaf(target)))


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    z = leaf(LOGITS)
    F.cross_entropy(z, ag.tensor(LABELS)).backward()
    expected = (np.exp(log_softmax(LOGITS)) - np.eye(4)[LABELS]) / len(LABELS)
    np.testing.assert_allclose(z.grad.array, expected, rtol=1e-12, atol=1e-15)


def test_cross_entropy_is_one_fused_op():
    z = leaf(LOGITS)
    loss = F.cross_entropy(z, ag.tensor(LABELS))
    assert loss.grad_fn.name() == "CrossEntropyBackward"
    parents = [node for node, _ in loss.grad_fn.next_functions if node is not None]
    assert len(parents) == 1 and parents[0] is z  # logits -> loss in one node


@pytest.mark.parametrize("dtype", [ag.float32, ag.float64])
def test_cross_entropy_stable_for_huge_logits(dtype):
    z = ag.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype=dtype,
                  requires_grad=True)
    loss = F.cross_entropy(z, ag.tensor([1, 2]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(z.grad.array))
    np.testing.assert_allclose(loss.item(), (2000.0 + 1 + np.log1p(np.exp(-1.0))) / 2, rtol=1e-6)


def test_cross_entropy_spatial_and_unbatched():
    x = rng.normal(size=(2, 3, 4, 5))
    labels = rng.integers(0, 3, size=(2, 4, 5))
    flat_x = np.moveaxis(x, 1, -1).reshape(-1, 3)
    expected = cross_entropy_reference(flat_x, labels.reshape(-1))
    np.testing.assert_allclose(F.cross_entropy(leaf(x), ag.tensor(labels)).array, expected,
                               rtol=1e-12)
    assert F.cross_entropy(leaf(x), ag.tensor(labels), reduction="none").shape == (2, 4, 5)
    small, small_labels = leaf(x[:, :, :1, :2]), ag.tensor(labels[:, :1, :2])
    assert ag.gradcheck(lambda z: F.cross_entropy(z, small_labels, label_smoothing=0.1),
                        (small,))
    vector = rng.normal(size=4)
    np.testing.assert_allclose(F.cross_entropy(leaf(vector), ag.tensor(2)).array,
                               -log_softmax(vector, 0)[2], rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 3, 2, 3)], ids=str)
@pytest.mark.parametrize("ignore", [False, True])
def test_cross_entropy_plain_indices_match_the_general_op(shape, reduction, ignore):
    """Plain class indices take a fast op (no one-hot); weights of ones take the general one:
    same values, gradients and second derivatives, ignored targets included."""
    x = rng.normal(size=shape)
    axis = 0 if len(shape) == 1 else 1
    labels = rng.integers(0, shape[axis], size=shape[:axis] + shape[axis + 1:])
    ignore_index = int(labels.flat[0]) if ignore and labels.ndim else -100
    target = ag.tensor(labels)

    def fast(z):
        return F.cross_entropy(z, target, ignore_index=ignore_index, reduction=reduction)

    def general(z):
        return F.cross_entropy(z, target, weight=np.ones(shape[axis]),
                               ignore_index=ignore_index, reduction=reduction)

    z_fast, z_general = leaf(x), leaf(x)
    out_fast, out_general = fast(z_fast), general(z_general)
    assert type(out_fast.grad_fn).__name__ == "CrossEntropyAtIndices"
    assert type(out_general.grad_fn).__name__ == "CrossEntropy"
    np.testing.assert_allclose(out_fast.array, out_general.array, rtol=1e-13, atol=1e-15)
    seed = rng.normal(size=out_fast.shape)
    out_fast.backward(ag.tensor(seed))
    out_general.backward(ag.tensor(seed))
    np.testing.assert_allclose(z_fast.grad.array, z_general.grad.array, rtol=1e-13, atol=1e-15)
    assert ag.gradcheck(fast, (leaf(x),))
    assert ag.gradgradcheck(fast, (leaf(x),))


def test_cross_entropy_second_derivative():
    labels = ag.tensor(LABELS)
    assert ag.gradgradcheck(lambda z: F.cross_entropy(z, labels, label_smoothing=0.1),
                            (leaf(LOGITS),))


def test_cross_entropy_all_ignored_is_nan_with_zero_gradient():
    z = leaf(LOGITS[:2])
    loss = F.cross_entropy(z, ag.tensor([-100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(z.grad.array, 0.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": np.array([1.0, 2.0, 0.5, 3.0])},
                                     {"ignore_index": 1}], ids=["plain", "weight", "ignore"])
def test_nll_loss(options, reduction):
    logp = log_softmax(LOGITS)
    n = len(LABELS)
    w = options.get("weight", np.ones(4))
    kept = LABELS != options.get("ignore_index", -100)
    losses = -w[LABELS] * logp[np.arange(n), LABELS] * kept
    expected = (losses.sum() / (w[LABELS] * kept).sum() if reduction == "mean"
                else reduce(losses, reduction))
    out = F.nll_loss(leaf(logp), ag.tensor(LABELS), reduction=reduction, **options)
    np.testing.assert_allclose(out.array, expected, rtol=1e-12)
    out = nn.NLLLoss(reduction=reduction, **options)(leaf(logp), ag.tensor(LABELS))
    np.testing.assert_allclose(out.array, expected, rtol=1e-12)
    assert ag.gradcheck(lambda x: F.nll_loss(x, ag.tensor(LABELS), reduction=reduction,
                                             **options), (leaf(logp),))


def test_log_softmax_plus_nll_equals_cross_entropy():
    z = ag.tensor(LOGITS)
    np.testing.assert_allclose(nn.NLLLoss()(nn.LogSoftmax(dim=1)(z), ag.tensor(LABELS)).array,
                               nn.CrossEntropyLoss()(z, ag.tensor(LABELS)).array, rtol=1e-6)


# ----- KL divergence ---------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:KLDivLoss")
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x = log_softmax(rng.normal(size=(3, 4)))
    target = np.exp(log_softmax(rng.normal(size=(3, 4))))
    target[0, 1] = 0.0  # 0 log 0 = 0
    given = np.log(target + 1e-300) if log_target else target
    if log_target:
        losses = np.exp(given) * (given - x)
    else:
        losses = np.where(target > 0, target * np.log(np.where(target > 0, target, 1)), 0) \
            - target * x
    expected = losses.sum() / 3 if reduction == "batchmean" else reduce(losses, reduction)
    out = F.kl_div(leaf(x), ag.tensor(given), reduction=reduction, log_target=log_target)
    np.testing.assert_allclose(out.array, expected, rtol=1e-12, atol=1e-12)
    module = nn.KLDivLoss(reduction=reduction, log_target=log_target)
    np.testing.assert_allclose(module(leaf(x), ag.tensor(given)).array, expected, rtol=1e-12,
                               atol=1e-12)
    safe_target = np.exp(log_softmax(rng.normal(size=(3, 4))))
    safe_given = np.log(safe_target) if log_target else safe_target
    assert ag.gradcheck(lambda a, b: F.kl_div(a, b, reduction=reduction,
                                              log_target=log_target),
                        (leaf(x), leaf(safe_given)))


def test_kl_div_mean_warns_like_torch():
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(ag.zeros(2, 2), ag.ones(2, 2) / 2)


# ----- errors name the loss and the shapes ----------------------------------------------------

def test_shape_mismatch_is_an_error_not_a_broadcast():
    with pytest.raises(ValueError, match=r"MSELoss: target shape \(4,\) does not match input "
                                         r"shape \(4, 1\)"):
        F.mse_loss(ag.zeros(4, 1), ag.zeros(4))
    with pytest.raises(ValueError, match="BCEWithLogitsLoss"):
        nn.BCEWithLogitsLoss()(ag.zeros(4, 1), ag.zeros(4))


def test_class_target_errors():
    logits = ag.zeros(4, 3)
    with pytest.raises(IndexError, match=r"CrossEntropyLoss: target 3 is out of bounds for 3 "
                                         r"classes \(input shape \(4, 3\)\)"):
        F.cross_entropy(logits, ag.tensor([0, 1, 2, 3]))
    with pytest.raises(IndexError, match="NLLLoss: target -1"):
        F.nll_loss(logits, ag.tensor([0, 1, 2, -1]))
    with pytest.raises(TypeError, match=r"CrossEntropyLoss: class-index targets must be "
                                        r"integers \(int64\), got float32 of shape \(4,\)"):
        F.cross_entropy(logits, ag.tensor([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"expected class-index targets of shape \(4,\) for "
                                         r"input of shape \(4, 3\).*got target of shape \(4, 1\)"):
        F.cross_entropy(logits, ag.tensor([[0], [1], [2], [1]]))
    with pytest.raises(ValueError, match=r"weight must have one entry per class, shape \(3,\)"):
        F.cross_entropy(logits, ag.tensor([0, 1, 2, 1]), weight=ag.ones(4))
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.CrossEntropyLoss(reduction="avg")
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(ag.tensor([1.5]), ag.tensor([1.0]))
    with pytest.raises(TypeError, match="floating-point input"):
        F.cross_entropy(ag.tensor([[1, 2]]), ag.tensor([0]))


def test_bce_of_an_input_outside_zero_one_raises_runtime_error():
    with pytest.raises(RuntimeError, match="BCELoss: the target has dtype .*float64.* but the "
                                            "input has dtype .*float32"):
        nn.functional.binary_cross_entropy(ag.tensor([0.5]), ag.tensor([1.0], dtype=ag.float64))
    with pytest.raises(RuntimeError, match=r"BCELoss: all elements of input should be between 0 "
                                            r"and 1 \(got values in \[1.5, 1.5\]\)"):
        nn.functional.binary_cross_entropy(ag.tensor([1.5]), ag.tensor([1.0]))


def test_ignored_targets_may_be_out_of_range():
    loss = F.cross_entropy(ag.zeros(2, 3), ag.tensor([-100, 1]))
    np.testing.assert_allclose(loss.item(), np.log(3), rtol=1e-6)


def test_loss_module_reprs_and_buffers():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss()"
    assert list(nn.CrossEntropyLoss(weight=[1.0, 2.0]).state_dict()) == ["weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=[2.0]).state_dict()) == ["pos_weight"]


# ----- second derivatives and dtypes -----------------------------------------------------------

def probabilities(shape):
    e = np.exp(rng.normal(size=shape))
    return e / e.sum(axis=-1, keepdims=True)


SECOND_ORDER = [
    ("mse", lambda a, b: F.mse_loss(a, b), X, Y),
    ("bce", lambda a, b: F.binary_cross_entropy(a, b), P, rng.uniform(size=(4, 3))),
    ("bce_logits", lambda a, b: F.binary_cross_entropy_with_logits(
        a, b, pos_weight=np.array([2.0, 0.5, 1.0])), X * 2, rng.uniform(size=(4, 3))),
    ("cross_entropy_probabilities", lambda a, b: F.cross_entropy(
        a, b, weight=np.array([1.0, 2.0, 3.0]), label_smoothing=0.1), X, probabilities((4, 3))),
    ("kl_div", lambda a, b: F.kl_div(a, b, reduction="batchmean"), log_softmax(X),
     probabilities((4, 3))),
]


@pytest.mark.parametrize("name, fn, x, y", SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_losses_are_twice_differentiable(name, fn, x, y):
    assert ag.gradgradcheck(fn, (leaf(x), leaf(y)))


def test_nll_is_twice_differentiable():
    assert ag.gradgradcheck(lambda a: F.nll_loss(a, ag.tensor(LABELS), weight=np.ones(4) * 2),
                            (leaf(log_softmax(LOGITS)),))


@pytest.mark.parametrize("fn, x, y", [
    (F.l1_loss, X, Y), (F.mse_loss, X, Y), (F.binary_cross_entropy, P, B),
    (F.binary_cross_entropy_with_logits, X, B), (F.cross_entropy, LOGITS, LABELS),
    (F.nll_loss, LOGITS, LABELS), (F.kl_div, X, P),
])
def test_float32_in_float32_out(fn, x, y):
    x32 = ag.tensor(x.astype(np.float32), requires_grad=True)
    target = y.astype(np.float32) if y.dtype.kind == "f" else y
    with np.errstate(all="ignore"):
        loss = fn(x32, ag.tensor(target), reduction="mean") if fn is not F.kl_div else \
            fn(x32, ag.tensor(target), reduction="batchmean")
    loss.backward()
    assert loss.dtype is np.float32 and x32.grad.dtype is np.float32


@pytest.mark.parametrize("fn", [F.l1_loss, F.mse_loss, F.binary_cross_entropy_with_logits])
def test_a_float64_target_promotes_the_loss_and_the_gradient_keeps_the_input_dtype(fn):
    x32 = ag.tensor(X.astype(np.float32), requires_grad=True)
    loss = fn(x32, ag.tensor(B if fn is F.binary_cross_entropy_with_logits else Y))
    loss.backward()
    assert loss.dtype is np.float64 and x32.grad.dtype is np.float32
