"""Parity with PyTorch: losses (values, gradients and dtypes), optimisers, schedulers, layers
(their arguments, reprs and editing), weights moving between the two through state dicts, and
the DataLoader's collation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF
import torch_reference as ref
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
import nn
from nn import functional as F
from nn.data import DataLoader

rng = np.random.default_rng(0)


@pytest.fixture(autouse=True, scope="module")
def float64_by_default():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)
REDUCTIONS = ["mean", "sum", "none"]


def both(array, requires_grad=True):
    """The same float64 data as (autograd_lite leaf, torch leaf)."""
    array = np.array(array, dtype=np.float64)
    return (ag.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def assert_same(ours, theirs, rtol=1e-10, atol=1e-12):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    np.testing.assert_allclose(np.asarray(ours.array if isinstance(ours, ag.Tensor) else ours),
                               theirs, rtol=rtol, atol=atol)


def compare_loss(ours_fn, torch_fn, inputs, reduction, rtol=1e-10, finite_only=False):
    """Value and gradient of every input that requires grad, under a random upstream gradient
    for reduction="none". `finite_only`: compare gradients where torch's are finite (at the
    edges of the domain our target gradients stay finite, see the losses' docstrings)."""
    pairs = [both(x) if isinstance(x, np.ndarray) and x.dtype.kind == "f"
             else (ag.tensor(x), torch.tensor(x)) for x in inputs]
    ours = ours_fn(*[p[0] for p in pairs])
    theirs = torch_fn(*[p[1] for p in pairs])
    assert_same(ours, theirs, rtol)
    upstream = rng.normal(size=theirs.shape)
    ours.backward(ag.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    for mine, other in pairs:
        if other.requires_grad:
            expected = other.grad.numpy()
            keep = np.isfinite(expected) if finite_only else np.ones(expected.shape, bool)
            assert np.all(np.isfinite(mine.grad.array[~keep]))
            assert_same(mine.grad.array[keep], expected[keep], rtol)


# ----- losses ------------------------------------------------------------------------------------

X = rng.normal(size=(4, 3))
Y = rng.normal(size=(4, 3))
P = rng.uniform(0.02, 0.98, size=(4, 3))
B = rng.integers(0, 2, size=(4, 3)).astype(np.float64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction):
    for ours, theirs in [(F.l1_loss, TF.l1_loss), (F.mse_loss, TF.mse_loss)]:
        compare_loss(lambda a, b, f=ours: f(a, b, reduction=reduction),
                     lambda a, b, f=theirs: f(a, b, reduction=reduction), [X, Y], reduction)
    # |x - y| at x == y: both give a zero gradient
    compare_loss(lambda a, b: F.l1_loss(a, b, reduction=reduction),
                 lambda a, b: TF.l1_loss(a, b, reduction=reduction), [X, X.copy()], reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction):
    weight = rng.uniform(0.5, 2, size=3)
    probabilities = np.concatenate([P, [[0.0, 1.0, 0.5]]])
    targets = np.concatenate([B, [[1.0, 0.0, 0.3]]])
    compare_loss(
        lambda x, y: F.binary_cross_entropy(x, y, weight=weight, reduction=reduction),
        lambda x, y: TF.binary_cross_entropy(x, y, weight=torch.tensor(weight),
                                             reduction=reduction),
        [probabilities, targets], reduction, rtol=1e-8, finite_only=True)  # 1e12 at x = 0


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_with_logits(reduction, weighted):
    logits = np.concatenate([X * 4, [[0.0, 1000.0, -1000.0]]])
    targets = np.concatenate([B, [[1.0, 0.0, 1.0]]])
    weight = rng.uniform(0.5, 2, size=3) if weighted else None
    pos_weight = np.array([0.5, 2.0, 3.0]) if weighted else None

    def to_torch(a):
        return None if a is None else torch.tensor(a)

    compare_loss(
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, weight, reduction, pos_weight),
        lambda x, y: TF.binary_cross_entropy_with_logits(x, y, to_torch(weight),
                                                         reduction=reduction,
                                                         pos_weight=to_torch(pos_weight)),
        [logits, targets], reduction)


LOGITS = rng.normal(size=(6, 4)) * 3
LABELS = np.array([0, 3, 1, 1, 2, 3])
CE_OPTIONS = [
    {},
    {"weight": np.array([1.0, 2.0, 0.5, 3.0])},
    {"ignore_index": 3},
    {"label_smoothing": 0.2},
    {"weight": np.array([1.0, 2.0, 0.5, 3.0]), "ignore_index": 1, "label_smoothing": 0.1},
]


def torch_kwargs(options):
    return {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", CE_OPTIONS, ids=lambda o: "-".join(o) or "plain")
def test_cross_entropy_class_indices(options, reduction):
    compare_loss(lambda x, y: F.cross_entropy(x, y, reduction=reduction, **options),
                 lambda x, y: TF.cross_entropy(x, y, reduction=reduction,
                                               **torch_kwargs(options)),
                 [LOGITS, LABELS], reduction)
    module = nn.CrossEntropyLoss(reduction=reduction, **options)
    reference = torch.nn.CrossEntropyLoss(reduction=reduction, **torch_kwargs(options))
    assert_same(module(ag.tensor(LOGITS), ag.tensor(LABELS)),
                reference(torch.tensor(LOGITS), torch.tensor(LABELS)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities_and_spatial(reduction):
    probs = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)
    options = {"weight": np.array([1.0, 2.0, 0.5, 3.0]), "label_smoothing": 0.1}
    compare_loss(lambda x, t: F.cross_entropy(x, t, reduction=reduction, **options),
                 lambda x, t: TF.cross_entropy(x, t, reduction=reduction,
                                               **torch_kwargs(options)),
                 [LOGITS, probs[::-1].copy()], reduction)
    spatial = rng.normal(size=(2, 4, 3, 2))
    labels = rng.integers(0, 4, size=(2, 3, 2))
    labels[0, 0, 0] = -100
    compare_loss(lambda x, y: F.cross_entropy(x, y, reduction=reduction),
                 lambda x, y: TF.cross_entropy(x, y, reduction=reduction),
                 [spatial, labels], reduction)


def test_cross_entropy_with_huge_logits_matches_torch():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0], [5.0, 5.0, -1000.0]])
    labels = np.array([1, 2, 0])
    for dtype in (ag.float32, ag.float64):
        ours = ag.tensor(logits, dtype=dtype, requires_grad=True)
        theirs = torch.tensor(logits, dtype=torch.float32 if dtype is ag.float32
                              else torch.float64, requires_grad=True)
        loss = F.cross_entropy(ours, ag.tensor(labels))
        reference = TF.cross_entropy(theirs, torch.tensor(labels))
        loss.backward()
        reference.backward()
        assert np.isfinite(loss.item()) and np.all(np.isfinite(ours.grad.array))
        assert_same(loss, reference, rtol=1e-6)
        assert_same(ours.grad, theirs.grad, rtol=1e-6, atol=1e-7)


@given(batch=st.integers(1, 4), classes=st.integers(1, 5), spatial=st.integers(0, 2),
       reduction=st.sampled_from(REDUCTIONS), weighted=st.booleans(),
       smoothing=st.sampled_from([0.0, 0.3]), ignore=st.booleans(), seed=st.integers(0, 99),
       scale=st.sampled_from([1.0, 50.0]))
def test_cross_entropy_property(batch, classes, spatial, reduction, weighted, smoothing, ignore,
                                seed, scale):
    """Any batch, class count, number of extra dimensions and option mix: torch's values and
    gradients."""
    draw = np.random.default_rng(seed)
    shape = (batch, classes) + (2,) * spatial
    logits = draw.normal(size=shape) * scale
    labels = draw.integers(0, classes, size=(batch,) + (2,) * spatial)
    if ignore:
        labels.flat[0] = -100
    options = {"label_smoothing": smoothing}
    if weighted:
        options["weight"] = draw.uniform(0.5, 2.0, size=classes)
    compare_loss(lambda x, y: F.cross_entropy(x, y, reduction=reduction, **options),
                 lambda x, y: TF.cross_entropy(x, y, reduction=reduction,
                                               **torch_kwargs(options)),
                 [logits, labels], reduction, rtol=1e-9)


@given(batch_shape=st.lists(st.integers(1, 3), max_size=2), fan_in=st.integers(1, 4),
       fan_out=st.integers(1, 4), bias=st.booleans(), seed=st.integers(0, 99))
def test_linear_property(batch_shape, fan_in, fan_out, bias, seed):
    draw = np.random.default_rng(seed)
    x, tx = both(draw.normal(size=(*batch_shape, fan_in)))
    w, tw = both(draw.normal(size=(fan_out, fan_in)))
    b, tb = both(draw.normal(size=fan_out)) if bias else (None, None)
    out, reference = F.linear(x, w, b), TF.linear(tx, tw, tb)
    assert_same(out, reference)
    upstream = draw.normal(size=reference.shape)
    out.backward(ag.tensor(upstream))
    reference.backward(torch.tensor(upstream))
    for mine, theirs in [(x, tx), (w, tw)] + ([(b, tb)] if bias else []):
        assert_same(mine.grad, theirs.grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": np.array([1.0, 2.0, 0.5, 3.0])},
                                     {"ignore_index": 1}], ids=["plain", "weight", "ignore"])
def test_nll_loss(options, reduction):
    log_probs = LOGITS - np.log(np.exp(LOGITS).sum(axis=1, keepdims=True))
    compare_loss(lambda x, y: F.nll_loss(x, y, reduction=reduction, **options),
                 lambda x, y: TF.nll_loss(x, y, reduction=reduction, **torch_kwargs(options)),
                 [log_probs, LABELS], reduction)


@pytest.mark.filterwarnings("ignore:.*reduction")
@pytest.mark.filterwarnings("ignore:KLDivLoss")
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x = LOGITS - np.log(np.exp(LOGITS).sum(axis=1, keepdims=True))
    target = np.exp(x[::-1])
    target[0, 0] = 0.0
    given = np.log(target + 1e-12) if log_target else target
    compare_loss(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
                 lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target),
                 [x, given], reduction, finite_only=True)


@pytest.mark.filterwarnings("ignore:.*reduction.*'mean'")  # kl_div's default, both libraries
@pytest.mark.parametrize("loss", ["l1_loss", "mse_loss", "binary_cross_entropy_with_logits",
                                  "kl_div"])
def test_regression_losses_promote_mixed_float_dtypes(loss):
    x = rng.random((4, 3)).astype(np.float32)
    y = rng.random((4, 3))
    ours = getattr(nn.functional, loss)(ag.tensor(x), ag.tensor(y))
    theirs = getattr(TF, loss)(torch.tensor(x), torch.tensor(y))
    ref.assert_same(ours, theirs, rtol=1e-6)


# ----- layers ------------------------------------------------------------------------------------

def test_linear_and_activations_match_torch():
    x, tx = both(rng.normal(size=(2, 5, 3)))
    w, tw = both(rng.normal(size=(4, 3)))
    b, tb = both(rng.normal(size=4))
    out, reference = F.linear(x, w, b), TF.linear(tx, tw, tb)
    assert_same(out, reference)
    upstream = rng.normal(size=(2, 5, 4))
    out.backward(ag.tensor(upstream))
    reference.backward(torch.tensor(upstream))
    for mine, theirs in [(x, tx), (w, tw), (b, tb)]:
        assert_same(mine.grad, theirs.grad)
    data = rng.normal(size=(3, 4))
    pairs = [(nn.ReLU(), torch.nn.ReLU()), (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
             (nn.Sigmoid(), torch.nn.Sigmoid()), (nn.Tanh(), torch.nn.Tanh()),
             (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
             (nn.LogSoftmax(dim=0), torch.nn.LogSoftmax(dim=0)),
             (nn.Flatten(0), torch.nn.Flatten(0)), (nn.Identity(), torch.nn.Identity())]
    for ours, theirs in pairs:
        assert_same(ours(ag.tensor(data)), theirs(torch.tensor(data)))


def test_init_gains_and_fans_match_torch():
    for name in ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu", "conv2d"]:
        assert nn.init.calculate_gain(name) == torch.nn.init.calculate_gain(name)
    assert nn.init.calculate_gain("leaky_relu", 0.2) == torch.nn.init.calculate_gain(
        "leaky_relu", 0.2)
    for shape in [(8, 4), (16, 3, 5, 5), (2, 3, 4)]:
        assert nn.init._calculate_fan_in_and_fan_out(ag.zeros(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def test_linear_default_init_has_torchs_range():
    torch.manual_seed(0)
    theirs = torch.nn.Linear(50, 400)
    ours = nn.Linear(50, 400, seed=0)
    for mine, other in [(ours.weight, theirs.weight), (ours.bias, theirs.bias)]:
        bound = 1 / math.sqrt(50)
        assert np.abs(mine.array).max() <= bound and other.abs().max().item() <= bound
        assert abs(mine.array.std() - other.detach().std().item()) < 0.005


def test_module_reprs_match_torch():
    ours = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3, bias=False),
                         nn.Dropout(0.2), nn.LeakyReLU(0.1), nn.Softmax(dim=1), nn.Flatten(),
                         nn.Identity(), nn.LogSoftmax(dim=-1), nn.Sigmoid(), nn.Tanh(),
                         nn.Sequential(nn.ReLU()))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                 torch.nn.Linear(8, 3, bias=False), torch.nn.Dropout(0.2),
                                 torch.nn.LeakyReLU(0.1), torch.nn.Softmax(dim=1),
                                 torch.nn.Flatten(), torch.nn.Identity(),
                                 torch.nn.LogSoftmax(dim=-1), torch.nn.Sigmoid(),
                                 torch.nn.Tanh(), torch.nn.Sequential(torch.nn.ReLU()))
    assert repr(ours) == repr(theirs)
    for loss, reference in [(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
                            (nn.KLDivLoss(), torch.nn.KLDivLoss())]:
        assert repr(loss) == repr(reference)
    assert repr(nn.Parameter(ag.tensor([1.0, 2.0]))) == repr(
        torch.nn.Parameter(torch.tensor([1.0, 2.0])))  # each in its default dtype


def torch_mlp():
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))


def test_state_dict_keys_and_shapes_match_torch():
    ours, theirs = nn.MLP([4, 8, 3]).state_dict(), torch_mlp().state_dict()
    assert list(ours) == list(theirs)
    assert [tuple(v.shape) for v in ours.values()] == [tuple(v.shape) for v in theirs.values()]


def test_weights_move_between_autograd_lite_and_torch():
    rng_data = np.random.default_rng(1)
    x = rng_data.normal(size=(32, 4))
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    model = nn.MLP([4, 8, 3], dtype=ag.float64, seed=0)
    opt = nn.optim.Adam(model.parameters(), lr=0.05)
    nn.fit(model, nn.CrossEntropyLoss(), opt, [(ag.tensor(x), ag.tensor(y))], epochs=20,
           progress=False)
    reference = torch_mlp()
    reference.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                               for k, v in model.state_dict().items()})
    ours_out = model(ag.tensor(x)).array
    np.testing.assert_allclose(reference(torch.tensor(x)).detach().numpy(), ours_out,
                               rtol=1e-12, atol=1e-12)
    # ... train in torch, and bring the weights back
    torch_opt = torch.optim.SGD(reference.parameters(), lr=0.1)
    for _ in range(5):
        torch_opt.zero_grad()
        TF.cross_entropy(reference(torch.tensor(x)), torch.tensor(y)).backward()
        torch_opt.step()
    back = nn.MLP([4, 8, 3], dtype=ag.float64)
    back.load_state_dict(reference.state_dict())  # torch tensors are read as arrays
    np.testing.assert_allclose(back(ag.tensor(x)).array,
                               reference(torch.tensor(x)).detach().numpy(), rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda lib: lib.ReLU(inplace=True), lambda lib: lib.ReLU(True), lambda lib: lib.ReLU(),
    lambda lib: lib.LeakyReLU(0.2, inplace=True), lambda lib: lib.LeakyReLU(0.2, True),
    lambda lib: lib.LeakyReLU(negative_slope=0.1),
])
def test_activations_take_inplace_and_print_it(make):
    ours, theirs = make(nn), make(tnn)
    assert repr(ours) == repr(theirs)
    assert ours.inplace == theirs.inplace
    x = rng.standard_normal((2, 3)).astype(np.float32)
    ref.assert_same(ours(ag.tensor(x)), theirs(torch.tensor(x)))


@pytest.mark.parametrize("call", [
    lambda F, x: F.relu(x, inplace=False), lambda F, x: F.leaky_relu(x, 0.2, inplace=False),
    lambda F, x: F.dropout(x, 0.5, False, inplace=False),
])
def test_functional_activations_take_inplace(call):
    x = rng.standard_normal(5).astype(np.float32)
    ref.assert_same(call(nn.functional, ag.tensor(x)), call(TF, torch.tensor(x)))


@pytest.mark.parametrize("call", [
    lambda F, x: F.relu(x, inplace=True), lambda F, x: F.leaky_relu(x, 0.2, True),
    lambda F, x: F.dropout(x, 0.5, False, True),
])
def test_functional_activations_take_inplace_positionally(call):
    x = rng.standard_normal(5).astype(np.float32)
    ref.assert_same(call(nn.functional, ag.tensor(x)), call(TF, torch.tensor(x)))


def _stack(lib):
    return lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 1))


@pytest.mark.parametrize("edit", [
    lambda lib, s: s.insert(1, lib.Tanh()),
    lambda lib, s: s.insert(-1, lib.Tanh()),
    lambda lib, s: s.insert(3, lib.Tanh()),
    lambda lib, s: s.extend([lib.Tanh(), lib.Sigmoid()]),
    lambda lib, s: s.extend(_stack(lib)),
    lambda lib, s: s.__delitem__(1),
    lambda lib, s: s.__delitem__(-1),
    lambda lib, s: s.__delitem__(slice(0, 2)),
    lambda lib, s: s.pop(0),
])
def test_sequential_editing_as_in_torch(edit):
    ours, theirs = _stack(nn), _stack(tnn)
    result, expected = edit(nn, ours), edit(tnn, theirs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert type(result).__name__ == type(expected).__name__
    if isinstance(expected, tnn.Module):
        assert repr(result) == repr(expected)


# ----- optimisers and schedulers ------------------------------------------------------------------

START = [rng.normal(size=(3, 2)), rng.normal(size=4)]
GRADS = [[rng.normal(size=(3, 2)), rng.normal(size=4)] for _ in range(5)]

OPTIMISERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.8, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, weight_decay=0.5, amsgrad=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.5,
                     centered=True)),
]


@pytest.mark.parametrize("name, kwargs", OPTIMISERS,
                         ids=[f"{n}-{'-'.join(k)}" for n, k in OPTIMISERS])
def test_optimisers_match_torch(name, kwargs):
    ours = [nn.Parameter(ag.tensor(p.copy())) for p in START]
    theirs = [torch.nn.Parameter(torch.tensor(p.copy())) for p in START]
    our_opt = getattr(nn.optim, name)(ours, **kwargs)
    their_opt = getattr(torch.optim, name)(theirs, **kwargs)
    for grads in GRADS:
        for mine, other, g in zip(ours, theirs, grads):
            mine.grad, other.grad = ag.tensor(g), torch.tensor(g)
        our_opt.step()
        their_opt.step()
    for mine, other in zip(ours, theirs):
        assert_same(mine, other, rtol=1e-6, atol=1e-12)
    # the state dicts have the same structure
    our_state, their_state = our_opt.state_dict(), their_opt.state_dict()
    assert list(our_state["state"]) == list(their_state["state"])
    for index, entries in their_state["state"].items():
        assert set(our_state["state"][index]) == set(entries)
        for key, value in entries.items():
            assert_same(np.asarray(our_state["state"][index][key], np.float64),
                        value.numpy().astype(np.float64), rtol=1e-6)
    ours_group, theirs_group = our_state["param_groups"][0], their_state["param_groups"][0]
    assert set(ours_group) <= set(theirs_group)
    assert all(ours_group[k] == theirs_group[k] for k in ours_group)


def test_optimiser_state_from_torch_resumes_identically():
    ours = [nn.Parameter(ag.tensor(p.copy())) for p in START]
    theirs = [torch.nn.Parameter(torch.tensor(p.copy())) for p in START]
    their_opt = torch.optim.Adam(theirs, lr=0.01)
    for grads in GRADS[:3]:
        for other, g in zip(theirs, grads):
            other.grad = torch.tensor(g)
        their_opt.step()
    with torch.no_grad():
        for mine, other in zip(ours, theirs):
            mine.array[...] = other.numpy()
    our_opt = nn.optim.Adam(ours, lr=0.01)
    our_opt.load_state_dict(their_opt.state_dict())
    for grads in GRADS[3:]:
        for mine, other, g in zip(ours, theirs, grads):
            mine.grad, other.grad = ag.tensor(g), torch.tensor(g)
        our_opt.step()
        their_opt.step()
    for mine, other in zip(ours, theirs):
        assert_same(mine, other, rtol=1e-10)


@pytest.mark.parametrize("name, kwargs", [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
])
def test_schedulers_match_torch(name, kwargs):
    ours_opt = nn.optim.SGD([nn.Parameter(ag.zeros(1))], lr=0.5)
    theirs_opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.5)
    ours = getattr(nn.optim.lr_scheduler, name)(ours_opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kwargs)
    for _ in range(20):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
    state, reference = ours.state_dict(), theirs.state_dict()
    for key in ("last_epoch", "base_lrs", "_step_count"):
        assert state[key] == pytest.approx(reference[key])


# ----- data -----------------------------------------------------------------------------------

class _Floats:
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return float(i) / 2, (i, float(i))


def test_dataloader_collates_python_floats_as_float64():
    ours = next(iter(DataLoader(_Floats(), batch_size=3)))
    theirs = next(iter(torch.utils.data.DataLoader(_Floats(), batch_size=3)))
    ref.assert_same(ours[0], theirs[0])
    ref.assert_same(ours[1][0], theirs[1][0])
    ref.assert_same(ours[1][1], theirs[1][1])
