"""`nn` on either device (issue 16): a model trained on "cuda" (played by the CuPy stand-in of
tests/device_arrays.py, which refuses what CuPy refuses) gives the CPU's losses, gradients and
parameters step for step, for every optimiser; `Module.to` moves parameters in place;
checkpoints go from the GPU to the CPU and back; batches stay on the CPU until moved; a model
and a batch on different devices raise PyTorch's error."""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import pytest

import autograd_lite as ag
import nn
import nn.functional as F
import nn.torch as torch_facade

TOLERANCE = {np.float64: 1e-12, np.float32: 1e-6}
SAME_DEVICE = ("Expected all tensors to be on the same device, but found at least two devices, "
               "cuda:0 and cpu!")


def host(value: ag.Tensor | None) -> np.ndarray:
    return value.detach().cpu().numpy()


def on(array_or_tensor) -> str:
    """The device type an array or a Tensor lives on."""
    tensor = (array_or_tensor if isinstance(array_or_tensor, ag.Tensor)
              else ag.from_numpy(array_or_tensor))
    return tensor.device.type


def assert_same(ours: ag.Tensor, theirs: ag.Tensor, dtype=np.float64) -> None:
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(host(ours), host(theirs), rtol=tol, atol=tol)


def mlp(dtype=np.float64) -> nn.Module:
    """The MLP 784-64-10 (with dropout, whose masks come from its own seeded generator)."""
    return nn.Sequential(nn.Linear(784, 64, seed=1), nn.ReLU(), nn.Dropout(0.25, seed=2),
                         nn.Linear(64, 10, seed=3)).to(dtype)


def cnn(dtype=np.float64) -> nn.Module:
    """Conv2d + BatchNorm2d + ReLU + MaxPool2d + Linear on 1x12x12 images."""
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, seed=4), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 6 * 6, 10, seed=5)
                         ).to(dtype)


def batch(shape: tuple, dtype, seed: int = 0) -> tuple[ag.Tensor, ag.Tensor]:
    rng = np.random.default_rng(seed)
    return (ag.tensor(rng.standard_normal(shape), dtype=dtype),
            ag.tensor(rng.integers(0, 10, shape[0])))


OPTIMISERS: dict[str, Callable] = {
    "sgd": lambda p: nn.optim.SGD(p, lr=0.1),
    "sgd-nesterov": lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True,
                                           weight_decay=1e-3),
    "adam-amsgrad": lambda p: nn.optim.Adam(p, lr=1e-2, amsgrad=True, weight_decay=1e-3),
    "adamw": lambda p: nn.optim.AdamW(p, lr=1e-2),
    "rmsprop-centered": lambda p: nn.optim.RMSprop(p, lr=1e-3, momentum=0.5, centered=True),
    "adagrad": lambda p: nn.optim.Adagrad(p, lr=1e-2, lr_decay=0.01),
    "lbfgs": lambda p: nn.optim.LBFGS(p, lr=0.5, max_iter=3, line_search_fn="strong_wolfe"),
}


def train_side_by_side(make_model: Callable, make_optimiser: Callable, shape: tuple, dtype,
                       device: str, steps: int = 3) -> None:
    """Train one model on the CPU and its copy on `device` from the same data, checking the
    loss, every gradient and every parameter after each step."""
    cpu_model = make_model(dtype)
    dev_model = copy.deepcopy(cpu_model).to(device)
    x, y = batch(shape, dtype)
    runs = [(cpu_model, make_optimiser(cpu_model.parameters()), x, y),
            (dev_model, make_optimiser(dev_model.parameters()), x.to(device), y.to(device))]
    for _ in range(steps):
        losses, grads = [], []
        for model, opt, xb, yb in runs:
            def closure(model=model, opt=opt, xb=xb, yb=yb):
                opt.zero_grad()
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                return loss
            if isinstance(opt, nn.optim.LBFGS):
                losses.append(opt.step(closure))
            else:
                losses.append(closure())
                grads.append([p.grad.clone() for p in model.parameters()])
                opt.step()
        assert on(losses[1]) == ag.device(device).type
        assert_same(losses[1], losses[0], dtype)
        for theirs, ours in zip(*grads):
            assert_same(ours, theirs, dtype)
        for theirs, ours in zip(cpu_model.parameters(), dev_model.parameters()):
            assert on(ours) == ag.device(device).type
            assert_same(ours, theirs, dtype)
    for buffer, cpu_buffer in zip(dev_model.buffers(), cpu_model.buffers()):
        assert on(buffer) == ag.device(device).type
        np.testing.assert_allclose(host(buffer), host(cpu_buffer), rtol=TOLERANCE[dtype])
    # the optimiser's state lives with the parameters
    for state in runs[1][1].state.values():
        for value in state.values():
            if ag.arrays.is_array(value) and value.ndim:
                assert on(value) == ag.device(device).type


# ----- training, step for step ---------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("optimiser", list(OPTIMISERS))
def test_an_mlp_trains_on_the_device_as_on_the_cpu(optimiser, dtype, standin_cuda):
    train_side_by_side(mlp, OPTIMISERS[optimiser], (16, 784), dtype, standin_cuda)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("optimiser", ["sgd-nesterov", "adam-amsgrad"])
def test_a_cnn_trains_on_the_device_as_on_the_cpu(optimiser, dtype, standin_cuda):
    train_side_by_side(cnn, OPTIMISERS[optimiser], (8, 1, 12, 12), dtype, standin_cuda)


def test_the_second_device_trains_too(standin_cuda):
    train_side_by_side(mlp, OPTIMISERS["adamw"], (8, 784), np.float64, "cuda:1", steps=2)


# ----- Module.to -----------------------------------------------------------------------------

def test_module_to_moves_parameters_buffers_and_gradients_in_place(standin_cuda):
    model = cnn()
    model(batch((2, 1, 12, 12), np.float64)[0]).sum().backward()
    params, buffers = list(model.parameters()), list(model.buffers())
    grads = [p.grad for p in params]
    values = [host(p) for p in params]
    assert model.to("cuda") is model
    assert list(model.parameters()) == params and all(
        a is b for a, b in zip(model.parameters(), params))  # the same Parameter objects
    assert all(a is b for a, b in zip(model.buffers(), buffers))
    assert all(p.grad is g for p, g in zip(params, grads))
    assert {on(t) for t in params + buffers + grads} == {"cuda"}
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in params)
    for param, value in zip(params, values):
        np.testing.assert_array_equal(host(param), value)
    assert model.cpu() is model and {on(t) for t in params + buffers + grads} == {"cpu"}
    assert model.cuda(1) is model and params[0].device == ag.device("cuda:1")
    assert model.to(0) is model and params[0].device == ag.device("cuda:0")
    assert model.to(ag.zeros(1, dtype=ag.float32)) is model  # a tensor's device and dtype
    assert params[0].device == ag.device("cpu") and params[0].dtype == np.float32
    assert model.to(device="cuda", dtype=ag.float64) is model
    assert params[0].device.type == "cuda" and params[0].dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64  # integers keep their dtype


def test_an_optimiser_built_before_the_move_keeps_working(standin_cuda):
    """PyTorch's advice is to build the optimiser after `to`; one built before still holds the
    same Parameter objects, so it trains the moved model (its state is made at the first
    step, on the parameters' device)."""
    before, after = mlp(), mlp()
    opt_before = nn.optim.Adam(before.parameters(), lr=1e-2)
    before.to("cuda")
    after.to("cuda")
    opt_after = nn.optim.Adam(after.parameters(), lr=1e-2)
    x, y = batch((8, 784), np.float64)
    x, y = x.to("cuda"), y.to("cuda")
    for model, opt in ((before, opt_before), (after, opt_after)):
        for _ in range(2):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
    for a, b in zip(before.parameters(), after.parameters()):
        assert on(a) == "cuda"
        assert_same(a, b)
    assert on(opt_before.state[next(before.parameters())]["exp_avg"]) == "cuda"


@pytest.mark.parametrize("make", [
    lambda **kw: nn.Linear(5, 3, seed=0, **kw),
    lambda **kw: nn.Conv2d(2, 3, 3, seed=0, **kw),
    lambda **kw: nn.Embedding(6, 2, seed=0, **kw),
    lambda **kw: nn.BatchNorm1d(4, **kw),
    lambda **kw: nn.LayerNorm(4, **kw),
], ids=["Linear", "Conv2d", "Embedding", "BatchNorm1d", "LayerNorm"])
def test_layers_take_pytorchs_device_argument(make, standin_cuda):
    """`nn.Linear(..., device="cuda")`: the same initial values as on the CPU (drawn on the
    host from the same seed), on the device."""
    cpu, dev = make(), make(device="cuda")
    for ours, theirs in zip(dev.state_dict().values(), cpu.state_dict().values()):
        assert on(ours) == "cuda"
        np.testing.assert_array_equal(host(ours), host(theirs))


def test_a_parameter_shares_a_device_array(standin_cuda):
    data = ag.zeros(3, device="cuda")
    param = nn.Parameter(data)
    assert on(param) == "cuda" and param.array is data.array and param.requires_grad


@pytest.mark.parametrize("optimiser", [
    lambda p: nn.optim.RandomSearch(p, std=0.05, seed=0),
    lambda p: nn.optim.Evolution(p, population=4, std=0.05, seed=0),
], ids=["RandomSearch", "Evolution"])
def test_gradient_free_optimisers_on_the_device(optimiser, standin_cuda):
    cpu_model = mlp()
    dev_model = copy.deepcopy(cpu_model).to("cuda")
    x, y = batch((8, 784), np.float64)
    losses = []
    for model, device in ((cpu_model, "cpu"), (dev_model, "cuda")):
        model.eval()
        opt = optimiser(model.parameters())
        xb, yb = x.to(device), y.to(device)
        losses.append([opt.step(lambda m=model, xb=xb, yb=yb: F.cross_entropy(m(xb), yb))
                       for _ in range(3)])
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-12)
    for ours, theirs in zip(dev_model.parameters(), cpu_model.parameters()):
        assert on(ours) == "cuda"
        assert_same(ours, theirs)


def test_zero_grad_in_place_on_the_device(standin_cuda):
    model = mlp().to("cuda")
    F.cross_entropy(model(batch((2, 784), np.float64)[0].to("cuda")),
                    ag.tensor([1, 2], device="cuda")).backward()
    model.zero_grad(set_to_none=False)
    assert all(on(p.grad) == "cuda" and not host(p.grad).any() for p in model.parameters())


@pytest.mark.parametrize("optimiser", ["sgd-nesterov", "adam-amsgrad", "rmsprop-centered"])
def test_optimiser_state_from_before_the_move_raises_pytorchs_error(optimiser, standin_cuda):
    model = mlp()
    opt = OPTIMISERS[optimiser](model.parameters())
    x, y = batch((4, 784), np.float64)
    for device in ("cpu", "cuda"):
        model.to(device)
        opt.zero_grad()
        F.cross_entropy(model(x.to(device)), y.to(device)).backward()
        if device == "cpu":
            opt.step()  # the state is made here, on the CPU
    with pytest.raises(RuntimeError, match=SAME_DEVICE + " .the optimizer's state was made "
                       "before the model moved to cuda:0: build the optimizer after"):
        opt.step()


def test_module_cuda_without_a_gpu_backend_says_what_to_install():
    model = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="CUDA is not available") as error:
        model.cuda()
    assert "autograd-lite[gpu]" in str(error.value)
    assert model.weight.device == ag.device("cpu")  # nothing moved


# ----- mixing devices ------------------------------------------------------------------------

@pytest.mark.parametrize("make", [mlp, cnn], ids=["mlp", "cnn"])
def test_a_model_and_a_batch_on_different_devices_raise_pytorchs_error(make, standin_cuda):
    model = make().to("cuda")
    x = batch((2, 784) if make is mlp else (2, 1, 12, 12), np.float64)[0]
    with pytest.raises(RuntimeError, match=SAME_DEVICE):
        model(x)
    with pytest.raises(RuntimeError, match=SAME_DEVICE):
        model.cpu()(x.to("cuda"))


def test_a_loss_of_tensors_on_different_devices_raises_pytorchs_error(standin_cuda):
    logits = ag.zeros(2, 3, device="cuda")
    with pytest.raises(RuntimeError, match=SAME_DEVICE):
        F.cross_entropy(logits, ag.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=SAME_DEVICE):
        F.mse_loss(logits, ag.zeros(2, 3))


# ----- losses and layers, values and gradients -----------------------------------------------

def _logits(device):
    rng = np.random.default_rng(5)
    return ag.tensor(rng.standard_normal((6, 4)), device=device, requires_grad=True)


def _labels(device, values=(0, 3, 1, 2, 3, 0)):
    return ag.tensor(list(values), device=device)


LOSSES: dict[str, Callable] = {
    "cross_entropy": lambda x, d: F.cross_entropy(x, _labels(d)),
    "cross_entropy-weighted": lambda x, d: F.cross_entropy(
        x, _labels(d, (0, 3, -100, 2, 3, 0)), weight=ag.tensor([1., 2., .5, 1.], device=d),
        label_smoothing=0.1, ignore_index=-100),
    "cross_entropy-ignored": lambda x, d: F.cross_entropy(x, _labels(d, (0, 3, 7, 2, 7, 0)),
                                                          ignore_index=7, reduction="sum"),
    "cross_entropy-probabilities": lambda x, d: F.cross_entropy(
        x, (x.detach() * 0.5).softmax(1), label_smoothing=0.2),
    "nll_loss": lambda x, d: F.nll_loss(x.log_softmax(1), _labels(d), reduction="none").sum(),
    "nll_loss-weighted": lambda x, d: F.nll_loss(x.log_softmax(1), _labels(d),
                                                 weight=[1., 2., 3., 4.]),
    "mse_loss": lambda x, d: F.mse_loss(x, x.detach() * 0.5),
    "l1_loss": lambda x, d: F.l1_loss(x, x.detach() * 0.5),
    "smooth_l1_loss": lambda x, d: F.smooth_l1_loss(x, x.detach() * 0.1, beta=0.5),
    "huber_loss": lambda x, d: F.huber_loss(x, x.detach() * 0.1, delta=0.5),
    "binary_cross_entropy": lambda x, d: F.binary_cross_entropy(
        x.sigmoid(), (x.detach() * 3).sigmoid(), weight=[1., 2., 3., 4.]),
    "binary_cross_entropy_with_logits": lambda x, d: F.binary_cross_entropy_with_logits(
        x, (x.detach() * 3).sigmoid(), pos_weight=ag.tensor([1., 2., 3., 4.], device=d)),
    "kl_div": lambda x, d: F.kl_div(x.log_softmax(1), (x.detach() * 2).softmax(1),
                                    reduction="batchmean"),
}


@pytest.mark.parametrize("loss", list(LOSSES))
def test_each_loss_and_its_gradient_equal_the_cpus(loss, standin_cuda):
    results = []
    for device in ("cpu", "cuda"):
        x = _logits(device)
        value = LOSSES[loss](x, device)
        value.backward()
        assert on(value) == device and on(x.grad) == device
        results.append((value, x.grad))
    assert_same(results[1][0], results[0][0])
    assert_same(results[1][1], results[0][1])


def test_one_hot_stays_on_the_device(device):
    out = F.one_hot(_labels(device), 5)
    assert on(out) == device
    np.testing.assert_array_equal(host(out), np.eye(5, dtype=np.int64)[[0, 3, 1, 2, 3, 0]])


LAYERS: dict[str, tuple[Callable, tuple]] = {
    "conv2d-groups-stride-dilation": (lambda: nn.Conv2d(4, 6, 3, stride=2, padding=2,
                                                        dilation=2, groups=2, seed=0),
                                      (2, 4, 9, 9)),
    "conv2d-same": (lambda: nn.Conv2d(4, 2, (3, 2), padding="same", bias=False, seed=0),
                    (2, 4, 7, 7)),
    "maxpool-overlapping-padded": (lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True),
                                   (2, 3, 7, 7)),
    "avgpool-exclude-padding": (lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False),
                                (2, 3, 7, 7)),
    "lppool": (lambda: nn.LPPool2d(2, 2), (2, 3, 6, 6)),
    "batchnorm1d": (lambda: nn.BatchNorm1d(5), (4, 5)),
    "batchnorm2d-eval": (lambda: nn.BatchNorm2d(3).eval(), (2, 3, 4, 4)),
    "layernorm": (lambda: nn.LayerNorm([4, 4]), (2, 3, 4, 4)),
    "dropout": (lambda: nn.Dropout(0.3, seed=3), (4, 5)),
    "dropout2d": (lambda: nn.Dropout2d(0.5, seed=3), (2, 6, 3, 3)),
    "silu-softplus-tanh-sigmoid": (lambda: nn.Sequential(nn.SiLU(), nn.Softplus(), nn.Tanh(),
                                                         nn.Sigmoid()), (3, 4)),
}


@pytest.mark.parametrize("layer", list(LAYERS))
def test_each_layer_and_its_gradients_equal_the_cpus(layer, standin_cuda):
    make, shape = LAYERS[layer]
    data = np.random.default_rng(1).standard_normal(shape)
    results = []
    for device in ("cpu", "cuda"):
        module = make().to(device)
        x = ag.tensor(data, requires_grad=True, device=device)
        out = module(x)
        (out * out).sum().backward()
        assert on(out) == device
        results.append((out, x.grad, [p.grad for p in module.parameters()],
                        list(module.buffers())))
    (out_c, grad_c, pgrads_c, bufs_c), (out_d, grad_d, pgrads_d, bufs_d) = results
    assert_same(out_d, out_c)
    assert_same(grad_d, grad_c)
    for ours, theirs in zip(pgrads_d + bufs_d, pgrads_c + bufs_c):
        assert on(ours) == "cuda"
        assert_same(ours, theirs)


def test_max_pool_indices_and_second_derivatives_on_the_device(standin_cuda):
    data = np.random.default_rng(2).standard_normal((2, 2, 5, 5))
    results = []
    for device in ("cpu", "cuda"):
        x = ag.tensor(data, requires_grad=True, device=device)
        out, indices = F.max_pool2d(x, 3, 2, 1, return_indices=True)
        (grad,) = ag.autograd.grad([(out * out).sum()], [x], create_graph=True)
        (grad * grad).sum().backward()
        assert on(indices) == device and on(x.grad) == device
        results.append((out, indices, grad, x.grad))
    for ours, theirs in zip(results[1], results[0]):
        assert_same(ours, theirs)


def _embedding(device):
    emb = nn.Embedding(10, 3, padding_idx=0, max_norm=1.5, seed=0).to(device)
    out = emb(_labels(device, (0, 3, 9, 3)))
    return out, emb.weight


def _gelu(device):
    x = ag.tensor(np.linspace(-3, 3, 12).reshape(3, 4), requires_grad=True, device=device)
    return nn.GELU()(x) + nn.GELU("tanh")(x), x


def test_a_gradient_penalty_double_backward_on_the_device(standin_cuda):
    """Second derivatives through Conv2d, BatchNorm, max pooling and Linear (create_graph)."""
    cpu_model = cnn()
    dev_model = copy.deepcopy(cpu_model).to("cuda")
    data = np.random.default_rng(6).standard_normal((3, 1, 12, 12))
    results = []
    for model, device in ((cpu_model, "cpu"), (dev_model, "cuda")):
        x = ag.tensor(data, requires_grad=True, device=device)
        (grad,) = ag.autograd.grad([model(x).logsumexp(1).sum()], [x], create_graph=True)
        (grad * grad).sum().backward()
        results.append([grad] + [p.grad for p in model.parameters()])
    for ours, theirs in zip(*reversed(results)):
        assert on(ours) == "cuda"
        assert_same(ours, theirs)


@pytest.mark.parametrize("make", [_embedding, _gelu], ids=["embedding", "gelu"])
def test_embedding_and_exact_gelu_on_the_device_equal_the_cpu(make, standin_cuda):
    results = []
    for device in ("cpu", "cuda"):
        out, leaf = make(device)
        (out * out).sum().backward()
        results.append((out, leaf, leaf.grad))
    for ours, theirs in zip(results[1], results[0]):
        assert on(ours) == "cuda"
        assert_same(ours, theirs)


INITS: dict[str, Callable] = {
    "uniform_": lambda w: nn.init.uniform_(w, -2, 2, seed=0),
    "normal_": lambda w: nn.init.normal_(w, 1.0, 3.0, seed=0),
    "xavier_uniform_": lambda w: nn.init.xavier_uniform_(w, seed=0),
    "xavier_normal_": lambda w: nn.init.xavier_normal_(w, seed=0),
    "kaiming_uniform_": lambda w: nn.init.kaiming_uniform_(w, a=0.1, seed=0),
    "kaiming_normal_": lambda w: nn.init.kaiming_normal_(w, mode="fan_out", seed=0),
    "constant_": lambda w: nn.init.constant_(w, 0.25),
    "zeros_": nn.init.zeros_,
    "ones_": nn.init.ones_,
}


@pytest.mark.parametrize("init", list(INITS))
def test_init_fills_a_device_parameter_in_place_as_on_the_cpu(init, standin_cuda):
    weights = [nn.Linear(5, 4).to(device).weight for device in ("cpu", "cuda")]
    for weight in weights:
        assert INITS[init](weight) is weight
    assert on(weights[1]) == "cuda" and isinstance(weights[1], nn.Parameter)
    assert_same(weights[1], weights[0])


# ----- utilities and schedules ----------------------------------------------------------------

def test_gradient_clipping_on_the_device(standin_cuda):
    models = [mlp(), None]
    models[1] = copy.deepcopy(models[0]).to("cuda")
    x, y = batch((8, 784), np.float64)
    totals = []
    for model, device in zip(models, ("cpu", "cuda")):
        F.cross_entropy(model(x.to(device)), y.to(device)).backward()
        totals.append(nn.utils.clip_grad_norm_(model.parameters(), 0.1))
        totals.append(nn.utils.clip_grad_norm_(model.parameters(), 1.0, norm_type="inf"))
        nn.utils.clip_grad_value_(model.parameters(), 0.002)
    assert on(totals[2]) == "cuda" and on(totals[3]) == "cuda"  # no copy to the host
    assert_same(totals[2], totals[0])
    assert_same(totals[3], totals[1])
    for ours, theirs in zip(models[1].parameters(), models[0].parameters()):
        assert on(ours.grad) == "cuda"
        assert_same(ours.grad, theirs.grad)
    vector = nn.utils.parameters_to_vector(models[1].parameters())
    nn.utils.vector_to_parameters(vector * 2, models[1].parameters())
    assert_same(next(models[1].parameters()), next(models[0].parameters()) * 2)


def test_learning_rate_schedules_drive_a_device_optimiser(standin_cuda):
    model = mlp().to("cuda")
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    step = nn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    plateau = nn.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.1)
    x, y = batch((8, 784), np.float64)
    lrs = []
    for _ in range(2):
        opt.zero_grad()
        loss = F.cross_entropy(model(x.to("cuda")), y.to("cuda"))
        loss.backward()
        opt.step()
        step.step()
        plateau.step(loss.detach() * 0 + 1.0)  # a device tensor as the metric; no progress
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == pytest.approx([0.05, 0.0025])


# ----- data ------------------------------------------------------------------------------------

def test_a_dataloader_gives_cpu_batches_that_the_script_moves(standin_cuda):
    x, y = batch((20, 784), np.float64, seed=3)
    cpu_model = mlp()
    dev_model = copy.deepcopy(cpu_model).to("cuda")
    for model, device in ((cpu_model, "cpu"), (dev_model, "cuda")):
        loader = nn.data.DataLoader(nn.data.TensorDataset(x, y), batch_size=8, shuffle=True,
                                    seed=0, pin_memory=True)  # the same order for both
        opt = nn.optim.Adam(model.parameters(), lr=1e-2)
        for xb, yb in loader:
            assert on(xb) == "cpu" and on(yb) == "cpu"  # as in PyTorch: the script moves them
            xb, yb = xb.pin_memory().to(device, non_blocking=True), yb.to(device)
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
    for ours, theirs in zip(dev_model.parameters(), cpu_model.parameters()):
        assert_same(ours, theirs)


def test_a_dataset_of_device_tensors_gives_device_batches(standin_cuda):
    x, y = batch((10, 3), np.float64)
    dataset = nn.data.TensorDataset(x.to("cuda"), y.to("cuda"))
    assert on(dataset.tensors[0]) == "cuda"
    loader = nn.data.DataLoader(dataset, batch_size=4)
    xb, yb = next(iter(loader))
    assert on(xb) == "cuda" and on(yb) == "cuda"
    np.testing.assert_array_equal(host(xb), host(x)[:4])


def test_fit_and_evaluate_move_each_batch_to_the_models_device(standin_cuda):
    x, y = batch((24, 784), np.float64, seed=4)
    loader = nn.data.DataLoader(nn.data.TensorDataset(x, y), batch_size=8)
    cpu_model = mlp()
    dev_model = copy.deepcopy(cpu_model).to("cuda")
    histories = [nn.fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1),
                        loader, epochs=2, val_loader=loader, progress=False)
                 for model in (cpu_model, dev_model)]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-12)
    assert nn.evaluate(dev_model, nn.CrossEntropyLoss(), loader) == pytest.approx(
        nn.evaluate(cpu_model, nn.CrossEntropyLoss(), loader), rel=1e-12)


# ----- checkpoints ------------------------------------------------------------------------------

def test_a_checkpoint_saved_from_the_gpu_loads_into_a_cpu_model_and_back(standin_cuda,
                                                                         tmp_path):
    gpu = cnn().to("cuda")
    x, y = batch((4, 1, 12, 12), np.float64)
    opt = nn.optim.Adam(gpu.parameters(), lr=1e-2)
    F.cross_entropy(gpu(x.to("cuda")), y.to("cuda")).backward()
    opt.step()
    nn.save({"model": gpu, "optimizer": opt}, tmp_path / "run.safetensors")
    saved = nn.load(tmp_path / "run.safetensors")
    assert all(isinstance(v, np.ndarray) for v in saved["model"].values())

    cpu = cnn(np.float32)  # another dtype too: values are cast to each parameter's
    cpu.load_state_dict(saved["model"])
    for ours, theirs in zip(cpu.state_dict().values(), gpu.state_dict().values()):
        assert on(ours) == "cpu"
        np.testing.assert_allclose(host(ours), host(theirs).astype(ours.dtype), rtol=1e-6)
    cpu.double()
    cpu_opt = nn.optim.Adam(cpu.parameters(), lr=1e-2)
    cpu_opt.load_state_dict(saved["optimizer"])
    assert on(cpu_opt.state[next(cpu.parameters())]["exp_avg"]) == "cpu"

    # and back: a CPU state dict into a GPU model, the Parameters stay on the GPU
    back = cnn().to("cuda")
    params = list(back.parameters())
    back.load_state_dict(gpu.state_dict())  # device tensors, straight from a model
    back.load_state_dict(cpu.state_dict())
    assert all(a is b for a, b in zip(back.parameters(), params))
    assert {on(t) for t in back.state_dict().values()} == {"cuda"}
    back_opt = nn.optim.Adam(back.parameters(), lr=1e-2)
    back_opt.load_state_dict(cpu_opt.state_dict())
    assert on(back_opt.state[params[0]]["exp_avg_sq"]) == "cuda"
    for model, optimiser, device in ((cpu, cpu_opt, "cpu"), (back, back_opt, "cuda")):
        optimiser.zero_grad()
        F.cross_entropy(model(x.to(device)), y.to(device)).backward()
        optimiser.step()
    for ours, theirs in zip(back.parameters(), cpu.parameters()):
        assert_same(ours, theirs, np.float32)  # the float32 round trip above


def test_torch_save_and_load_with_map_location(device, tmp_path):
    model = mlp().to(device)
    torch_facade.save(model.state_dict(), tmp_path / "model.pt")
    for where in ("cpu", device, ag.device(device)):
        state = torch_facade.load(tmp_path / "model.pt", map_location=where, weights_only=True)
        assert {on(t) for t in state.values()} == {ag.device(where).type}
        fresh = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.25),
                              nn.Linear(64, 10)).double()
        fresh.load_state_dict(state)
        for ours, theirs in zip(fresh.parameters(), model.parameters()):
            np.testing.assert_array_equal(host(ours), host(theirs))
    with pytest.raises(TypeError, match="map_location must be a device"):
        nn.load(tmp_path / "model.pt", map_location={"cuda:0": "cpu"})
