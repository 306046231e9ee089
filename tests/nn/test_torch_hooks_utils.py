"""Module forward hooks, `Module.to` / `cpu` / `cuda` / `double`, and `nn.utils` gradient
clipping, against PyTorch's behaviour."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

import autograd_lite as ag
import nn

TIGHT = dict(rtol=1e-10, atol=1e-12)


# ----- hooks ----------------------------------------------------------------------------------

def test_forward_hooks_see_module_args_and_output_and_can_be_removed():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    calls = []
    pre = model[0].register_forward_pre_hook(lambda m, args: calls.append(("pre", m, args)))
    post = model[0].register_forward_hook(lambda m, args, out: calls.append(("post", m, args,
                                                                             out)))
    x = ag.randn(4, 2)
    y = model(x)
    assert [c[0] for c in calls] == ["pre", "post"]
    assert calls[0][1] is model[0] and calls[0][2] == (x,)
    _, module, args, out = calls[1]
    assert module is model[0] and args[0] is x and out.shape == (4, 3)
    assert_allclose(y.detach().numpy(), np.maximum(out.detach().numpy(), 0))
    pre.remove()
    post.remove()
    post.remove()  # a second remove does nothing, as in PyTorch
    model(x)
    assert len(calls) == 2


def test_hooks_replace_inputs_and_outputs_in_order_like_torch():
    def run(lib):
        layer = lib.Linear(2, 2) if lib is torch.nn else lib.Linear(2, 2)
        with torch.no_grad() if lib is torch.nn else ag.no_grad():
            layer.weight.copy_(np.eye(2) if lib is nn else torch.eye(2))
            layer.bias.copy_(np.zeros(2) if lib is nn else torch.zeros(2))
        order = []
        layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        layer.register_forward_pre_hook(lambda m, args: args[0] + 1)  # one value: wrapped
        layer.register_forward_hook(lambda m, args, out: order.append("a"))
        layer.register_forward_hook(lambda m, args, out: order.append("first"), prepend=True)
        layer.register_forward_hook(lambda m, args, out: out * 10)
        layer.register_forward_hook(lambda m, args, kwargs, out: out - kwargs.get("k", 0),
                                    with_kwargs=True)
        layer.register_forward_pre_hook(lambda m, args, kwargs: (args, {}), with_kwargs=True)
        tensor = torch.tensor if lib is torch.nn else ag.tensor
        out = layer(tensor([[1.0, 2.0]]))
        return out.detach().numpy(), order

    (ours, our_order), (theirs, their_order) = run(nn), run(torch.nn)
    assert_allclose(ours, theirs)
    assert our_order == their_order == ["first", "a"]


def test_hook_handle_as_context_manager_and_bad_pre_hook_result():
    layer = nn.Linear(2, 2)
    seen = []
    with layer.register_forward_hook(lambda m, a, o: seen.append(o)):
        layer(ag.ones(1, 2))
    layer(ag.ones(1, 2))
    assert len(seen) == 1
    layer.register_forward_pre_hook(lambda m, a, k: "bad", with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        layer(ag.ones(1, 2))


def test_always_call_hook_runs_when_forward_raises():
    layer = nn.Linear(2, 2)
    seen = []
    layer.register_forward_hook(lambda m, a, o: seen.append(o), always_call=True)
    with pytest.raises(ValueError):
        layer(ag.ones(1, 3))
    assert seen == [None]


# ----- to / cpu / cuda / dtype ----------------------------------------------------------------

def test_to_cpu_returns_self_and_casts_dtypes():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    weight = model[0].weight
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to(torch.device("cpu")) is model
    assert model.to("cpu", ag.float64) is model and weight.dtype == np.float64
    assert model[0].weight is weight  # the same Parameter, cast in place
    assert model.float().to(dtype=ag.float64)[1].running_var.dtype == np.float64
    model.to(ag.tensor([1.0], dtype=ag.float32))
    assert weight.dtype == np.float32
    assert model.to(device="cpu", dtype="float64")[0].bias.dtype == np.float64
    assert model.half()[0].weight.dtype == np.float16
    assert model[1].num_batches_tracked.dtype == np.int64


def test_to_cuda_and_integer_dtypes_raise_clearly():
    model = nn.Linear(2, 2)
    for call in (lambda: model.to("cuda"), lambda: model.to("cuda:0"), lambda: model.cuda(),
                 lambda: model.to(device="cuda")):
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            call()
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes, but "
                                        "got desired dtype=int64"):
        model.to(ag.int64)
    with pytest.raises(TypeError, match="unexpected keyword argument 'devise'"):
        model.to(devise="cpu")


def test_apply_visits_children_first_then_self():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sequential(torch.nn.ReLU()))
    ours_order, their_order = [], []
    assert model.apply(lambda m: ours_order.append(type(m).__name__)) is model
    theirs.apply(lambda m: their_order.append(type(m).__name__))
    assert ours_order == their_order


# ----- gradient clipping ----------------------------------------------------------------------

def make_grads(scale: float):
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=(3, 2)) * scale, rng.normal(size=4) * scale]
    ours = [nn.Parameter(ag.zeros(a.shape, dtype=ag.float64)) for a in arrays]
    theirs = [torch.nn.Parameter(torch.zeros(a.shape, dtype=torch.float64)) for a in arrays]
    for o, t, a in zip(ours, theirs, arrays):
        o.grad, t.grad = ag.tensor(a, dtype=ag.float64), torch.tensor(a)
    return ours, theirs


@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0),
                                                 (0.3, float("inf")), (2.0, 3.0)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    ours, theirs = make_grads(2.0)
    total_a = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total_a, ag.Tensor) and total_a.shape == () and total_a.dtype == np.float64
    assert_allclose(total_a.item(), total_t.item(), **TIGHT)
    for o, t in zip(ours, theirs):
        assert_allclose(o.grad.numpy(), t.grad.numpy(), **TIGHT)


def test_clip_grad_norm_single_tensor_no_grads_and_nonfinite():
    ours, theirs = make_grads(1.0)
    assert_allclose(nn.utils.clip_grad_norm_(ours[0], 0.1).item(),
                    torch.nn.utils.clip_grad_norm_(theirs[0], 0.1).item(), **TIGHT)
    assert nn.utils.clip_grad_norm_([nn.Parameter(ag.zeros(2))], 1.0).item() == 0.0
    ours[1].grad.array[0] = np.inf
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from "
                                           "`parameters` is non-finite"):
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch():
    ours, theirs = make_grads(2.0)
    assert nn.utils.clip_grad_value_(ours, 0.7) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for o, t in zip(ours, theirs):
        assert_allclose(o.grad.numpy(), t.grad.numpy(), **TIGHT)


def test_parameters_to_vector_round_trip():
    layer = nn.Linear(2, 3)
    vec = nn.utils.parameters_to_vector(layer.parameters())
    assert vec.shape == (9,)
    nn.utils.vector_to_parameters(ag.arange(9.0), layer.parameters())
    assert_allclose(layer.weight.detach().numpy().ravel(), np.arange(6.0))
    assert_allclose(layer.bias.detach().numpy(), [6.0, 7.0, 8.0])
