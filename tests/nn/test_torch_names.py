"""The nn names PyTorch scripts use, against PyTorch itself: the same weights copied in, then
forward values and parameter gradients in float64; running statistics, state-dict keys, reprs
and error messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from numpy.testing import assert_allclose

import autograd_lite as ag
import nn
from nn import functional as F

TIGHT = dict(rtol=1e-10, atol=1e-12)


def ours_like(array: np.ndarray, requires_grad: bool = True) -> ag.Tensor:
    return ag.tensor(array, dtype=ag.float64, requires_grad=requires_grad)


def theirs_like(array: np.ndarray, requires_grad: bool = True) -> torch.Tensor:
    return torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad)


def copy_weights(ours: nn.Module, theirs: torch.nn.Module) -> None:
    """The torch module's state dict into ours (same keys, same shapes)."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def assert_module_matches(ours: nn.Module, theirs: torch.nn.Module, x: np.ndarray,
                          steps: int = 1) -> None:
    """Same outputs, input gradients and parameter gradients, `steps` calls in a row."""
    ours.double()
    theirs.double()
    copy_weights(ours, theirs)
    for step in range(steps):
        xa, xt = ours_like(x + step), theirs_like(x + step)
        out_a, out_t = ours(xa), theirs(xt)
        assert_allclose(out_a.detach().numpy(), out_t.detach().numpy(), **TIGHT)
        weight = np.cos(np.arange(out_t.numel())).reshape(out_t.shape)
        (out_a * weight).sum().backward()
        (out_t * torch.tensor(weight)).sum().backward()
        assert_allclose(xa.grad.numpy(), xt.grad.numpy(), **TIGHT)
        named = dict(theirs.named_parameters())
        for name, param in ours.named_parameters():
            assert_allclose(param.grad.numpy(), named[name].grad.numpy(), **TIGHT,
                            err_msg=name)
    for key, value in theirs.state_dict().items():
        assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), **TIGHT, err_msg=key)


rng = np.random.default_rng(0)


# ----- activations ----------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda m: m.GELU(), lambda m: m.GELU(approximate="tanh"), lambda m: m.SiLU(),
    lambda m: m.Softplus(), lambda m: m.Softplus(beta=2.0, threshold=3.0),
])
def test_activation_modules_match_torch(make):
    x = rng.normal(size=(4, 5)) * 3
    assert_module_matches(make(nn), make(torch.nn), x)
    assert repr(make(nn)) == repr(make(torch.nn))


@pytest.mark.parametrize("name, kwargs", [
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("softplus", {"beta": 0.5}),
])
def test_activation_functions_match_torch(name, kwargs):
    x = rng.normal(size=(3, 4)) * 4
    xa, xt = ours_like(x), theirs_like(x)
    out_a, out_t = getattr(F, name)(xa, **kwargs), getattr(TF, name)(xt, **kwargs)
    assert_allclose(out_a.detach().numpy(), out_t.detach().numpy(), **TIGHT)
    out_a.sum().backward()
    out_t.sum().backward()
    assert_allclose(xa.grad.numpy(), xt.grad.numpy(), **TIGHT)


def test_gelu_gradcheck_and_bad_approximate():
    x = ours_like(rng.normal(size=(3, 2)))
    assert ag.gradcheck(lambda t: F.gelu(t), [x])
    assert ag.gradcheck(lambda t: F.gelu(t, approximate="tanh"), [x])
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(x, approximate="fast")


# ----- losses ---------------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ours_fn, theirs_fn, kwargs", [
    (F.smooth_l1_loss, TF.smooth_l1_loss, {}),
    (F.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.3}),
    (F.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.0}),
    (F.huber_loss, TF.huber_loss, {}),
    (F.huber_loss, TF.huber_loss, {"delta": 2.5}),
])
def test_robust_losses_match_torch(ours_fn, theirs_fn, kwargs, reduction):
    x, y = rng.normal(size=(4, 3)) * 2, rng.normal(size=(4, 3))
    xa, xt, ya, yt = ours_like(x), theirs_like(x), ours_like(y), theirs_like(y)
    out_a = ours_fn(xa, ya, reduction=reduction, **kwargs)
    out_t = theirs_fn(xt, yt, reduction=reduction, **kwargs)
    assert_allclose(out_a.detach().numpy(), out_t.detach().numpy(), **TIGHT)
    out_a.sum().backward()
    out_t.sum().backward()
    assert_allclose(xa.grad.numpy(), xt.grad.numpy(), **TIGHT)
    assert_allclose(ya.grad.numpy(), yt.grad.numpy(), **TIGHT)


def test_robust_loss_modules_and_errors():
    x, y = rng.normal(size=6), rng.normal(size=6)
    for ours, theirs in [(nn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5)),
                         (nn.HuberLoss(delta=0.5), torch.nn.HuberLoss(delta=0.5))]:
        assert_allclose(ours(ours_like(x), ours_like(y)).item(),
                        theirs(theirs_like(x), theirs_like(y)).item(), **TIGHT)
        assert repr(ours) == repr(theirs)
    with pytest.raises(RuntimeError, match="smooth_l1_loss does not support negative values"):
        F.smooth_l1_loss(ours_like(x), ours_like(y), beta=-1.0)
    with pytest.raises(RuntimeError, match="huber_loss does not support non-positive values"):
        F.huber_loss(ours_like(x), ours_like(y), delta=0.0)


def test_one_hot_matches_torch():
    labels = np.array([[0, 3], [2, 1]])
    for classes in (-1, 6):
        ours = F.one_hot(ag.tensor(labels), classes)
        theirs = TF.one_hot(torch.tensor(labels), classes)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert F.one_hot(ag.tensor(np.zeros(0, np.int64)), 3).shape == (0, 3)
    for bad, classes, message in [
        (np.array([1.0]), -1, "only applicable to index tensor of type LongTensor"),
        (np.array([-1, 2]), -1, "Class values must be non-negative."),
        (np.array([1, 5]), 3, "Class values must be smaller than num_classes."),
        (np.zeros(0, np.int64), -1, "Can not infer total number of classes from empty tensor"),
    ]:
        with pytest.raises(RuntimeError, match=message):
            F.one_hot(ag.tensor(bad), classes)


# ----- normalisation --------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    {}, {"momentum": None}, {"momentum": 0.3, "eps": 1e-3}, {"affine": False},
    {"track_running_stats": False},
])
@pytest.mark.parametrize("cls, shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (5, 3, 4)),
                                        ("BatchNorm2d", (4, 3, 2, 5))])
def test_batchnorm_matches_torch_over_three_steps_then_eval(cls, shape, kwargs):
    ours, theirs = getattr(nn, cls)(3, **kwargs), getattr(torch.nn, cls)(3, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    x = rng.normal(size=shape) * 2 + 1
    if ours.weight is not None:
        with torch.no_grad():  # not the default ones, so the gradients are telling
            theirs.weight.copy_(torch.tensor([0.5, -1.5, 2.0]))
            theirs.bias.copy_(torch.tensor([0.1, 0.2, -0.3]))
    assert_module_matches(ours, theirs, x, steps=3)
    if kwargs.get("track_running_stats", True):
        assert ours.num_batches_tracked.item() == 3
        assert ours.num_batches_tracked.dtype == np.int64
    ours.eval()
    theirs.eval()
    assert_module_matches(ours, theirs, x * 0.5, steps=1)


def test_batchnorm_errors_match_torch():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(ag.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(ag.ones(2, 3, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(ag.ones(1, 3))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        nn.BatchNorm1d(3)(ag.ones(2, 4))
    assert nn.BatchNorm1d(3).eval()(ag.ones(1, 3)).shape == (1, 3)  # eval: one sample is fine


def test_batchnorm_state_dict_loads_into_torch_and_double_keeps_the_counter_int():
    ours = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    ours(ag.randn(4, 2))
    ours.double()
    assert ours[1].running_mean.dtype == np.float64
    assert ours[1].num_batches_tracked.dtype == np.int64
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3)).double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    assert theirs[1].num_batches_tracked.item() == 1


@pytest.mark.parametrize("shape, kwargs", [
    (4, {}), ((3, 4), {}), (4, {"elementwise_affine": False}), (4, {"bias": False}),
    (4, {"eps": 0.1}),
])
def test_layernorm_matches_torch(shape, kwargs):
    ours, theirs = nn.LayerNorm(shape, **kwargs), torch.nn.LayerNorm(shape, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    if theirs.weight is not None:
        with torch.no_grad():
            theirs.weight.copy_(torch.linspace(0.5, 2.0, theirs.weight.numel()).reshape(
                theirs.weight.shape))
    assert_module_matches(ours, theirs, rng.normal(size=(2, 3, 4)) * 3)


def test_layernorm_error_and_gradcheck():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with "
                                           r"shape \[\*, 4\], but got input of size\[2, 3\]"):
        nn.LayerNorm(4)(ag.ones(2, 3))
    x, w = ours_like(rng.normal(size=(2, 3))), ours_like(rng.normal(size=3))
    assert ag.gradcheck(lambda a, b: F.layer_norm(a, (3,), b, None), [x, w])
    assert ag.gradcheck(lambda a, b: F.batch_norm(a, None, None, b, None, True), [x, w])


# ----- embedding ------------------------------------------------------------------------------

@pytest.mark.parametrize("padding_idx", [None, 0, 2, -1])
def test_embedding_matches_torch(padding_idx):
    ours = nn.Embedding(5, 3, padding_idx=padding_idx).double()
    theirs = torch.nn.Embedding(5, 3, padding_idx=padding_idx).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == ["weight"]
    if padding_idx is not None:
        assert not ours.weight.detach().numpy()[padding_idx].any()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.normal(size=(5, 3))))  # padding row too
    copy_weights(ours, theirs)
    index = np.array([[0, 2, 2], [4, 1, 0]])
    out_a, out_t = ours(ag.tensor(index)), theirs(torch.tensor(index))
    assert_allclose(out_a.detach().numpy(), out_t.detach().numpy(), **TIGHT)
    weight = np.sin(np.arange(18)).reshape(2, 3, 3)
    (out_a * weight).sum().backward()
    (out_t * torch.tensor(weight)).sum().backward()
    assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), **TIGHT)


def test_embedding_errors_from_pretrained_and_max_norm():
    emb = nn.Embedding(3, 2)
    with pytest.raises(IndexError, match="index out of range in self"):
        emb(ag.tensor([3]))
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types"):
        emb(ag.tensor([1.0]))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)
    table = np.arange(6.0).reshape(3, 2)
    frozen = nn.Embedding.from_pretrained(ag.tensor(table, dtype=ag.float64))
    assert not frozen.weight.requires_grad
    assert_allclose(frozen(ag.tensor([2])).numpy(), [[4.0, 5.0]])
    ours = nn.Embedding.from_pretrained(ag.tensor(table), freeze=False, max_norm=1.0)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table, dtype=torch.float32),
                                                freeze=False, max_norm=1.0)
    assert_allclose(ours(ag.tensor([1, 2])).detach().numpy(),
                    theirs(torch.tensor([1, 2])).detach().numpy(), rtol=1e-6)
    assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-6)


# ----- dropout2d ------------------------------------------------------------------------------

def test_dropout2d_drops_whole_channels_and_scales():
    drop = nn.Dropout2d(0.5, seed=0)
    assert repr(drop) == repr(torch.nn.Dropout2d(0.5))
    out = drop(ag.ones(8, 16, 3, 3)).numpy()
    per_channel = out.reshape(8, 16, 9)
    assert set(np.unique(per_channel)) == {0.0, 2.0}
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()
    assert 0.3 < (per_channel[..., 0] == 0).mean() < 0.7
    assert (drop.eval()(ag.ones(2, 3, 4, 4)).numpy() == 1).all()
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout2d(2.0)
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(ag.ones(2, 3, 4), seed=0)


# ----- containers -----------------------------------------------------------------------------

def test_module_list_keys_indexing_and_errors():
    ours = nn.ModuleList([nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 3)])
    theirs = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 3)])
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    assert repr(nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()] * 2)) == repr(
        torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)] + [torch.nn.ReLU()] * 2))
    assert repr(nn.ModuleList()) == "ModuleList()"
    ours.append(nn.Linear(3, 1))
    ours += [nn.Tanh()]
    ours.insert(0, nn.Identity())
    assert [type(m).__name__ for m in ours] == ["Identity", "Linear", "ReLU", "Linear",
                                                "Linear", "Tanh"]
    assert list(ours.state_dict())[:2] == ["1.weight", "1.bias"]
    assert isinstance(ours[1:3], nn.ModuleList) and len(ours[1:3]) == 2
    assert isinstance(ours[-1], nn.Tanh)
    del ours[0]
    assert list(ours.state_dict())[0] == "0.weight"
    assert ours.pop(-1).__class__ is nn.Tanh and len(ours) == 4
    with pytest.raises(IndexError, match="index 9 is out of range"):
        ours[9]
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        nn.ModuleList([1])
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        ours(ag.ones(2))


def test_module_dict_keys_and_methods():
    ours = nn.ModuleDict({"enc": nn.Linear(2, 3), "act": nn.ReLU()})
    ours["dec"] = nn.Linear(3, 2)
    ours.update([("head", nn.Linear(2, 1))])
    theirs = torch.nn.ModuleDict({"enc": torch.nn.Linear(2, 3), "act": torch.nn.ReLU()})
    theirs["dec"] = torch.nn.Linear(3, 2)
    theirs.update([("head", torch.nn.Linear(2, 1))])
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(ours.keys()) == list(theirs.keys()) == list(ours)
    assert "enc" in ours and "nope" not in ours and len(ours) == 4
    assert isinstance(ours.pop("act"), nn.ReLU) and list(ours) == ["enc", "dec", "head"]
    with pytest.raises(KeyError, match="'missing'"):
        ours["missing"]
    assert repr(nn.ModuleDict({"a": nn.ReLU()})) == repr(torch.nn.ModuleDict(
        {"a": torch.nn.ReLU()}))
    ours.clear()
    assert len(ours) == 0


def test_containers_register_parameters_with_the_parent():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 1)})
            self.norm = nn.LayerNorm(2)

        def forward(self, x):
            for block in self.blocks:
                x = block(x).relu()
            return self.heads["a"](self.norm(x))

    net = Net()
    assert list(net.state_dict()) == [
        "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
        "heads.a.weight", "heads.a.bias", "norm.weight", "norm.bias"]
    net(ag.randn(3, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_new_functions_pass_gradcheck():
    x = ours_like(rng.normal(size=(3, 4)) * 2)
    y = ours_like(rng.normal(size=(3, 4)), requires_grad=False)
    assert ag.gradcheck(lambda a: F.smooth_l1_loss(a, y, beta=0.7), [x])
    assert ag.gradcheck(lambda a: F.huber_loss(a, y, delta=0.7, reduction="sum"), [x])
    assert ag.gradcheck(lambda a: F.silu(a), [x])
    assert ag.gradcheck(lambda a: F.softplus(a, beta=2.0), [x])
    mean, var = ag.tensor(rng.normal(size=4)), ag.tensor(rng.uniform(0.5, 2, size=4))
    w = ours_like(rng.normal(size=4))
    assert ag.gradcheck(lambda a, b: F.batch_norm(a, mean, var, b, None, False), [x, w])
    table = ours_like(rng.normal(size=(5, 2)))
    # (with padding_idx the padding row's gradient is zero by design, which gradcheck flags;
    # test_embedding_matches_torch covers it)
    assert ag.gradcheck(lambda t: F.embedding(ag.tensor([[1, 4], [1, 0]]), t), [table])


def test_batchnorm_eval_without_running_stats_uses_the_batch_and_reset():
    bn = nn.BatchNorm1d(2, track_running_stats=False).eval()
    assert bn.running_mean is None and list(bn.state_dict()) == ["weight", "bias"]
    out = bn(ag.tensor([[1.0, 2.0], [3.0, 6.0]]))
    assert_allclose(out.detach().numpy(), [[-1, -1], [1, 1]], atol=1e-4)
    tracked = nn.BatchNorm1d(2)
    tracked(ag.tensor([[1.0, 2.0], [3.0, 6.0]]))
    tracked.reset_running_stats()
    assert_allclose(tracked.running_var.numpy(), [1, 1])
    assert tracked.num_batches_tracked.item() == 0
