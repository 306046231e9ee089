"""autograd_lite on a real GPU (CuPy), beside the CPU and PyTorch CUDA (issue 16).

Marked `gpu`, so deselected by default: on a machine with an NVIDIA GPU and CuPy
(`pip install "autograd-lite[gpu]"`) run

    python -m pytest -m gpu tests/test_gpu.py

Without CuPy and a GPU every test here FAILS with that message, rather than skipping: a GPU run
that silently tested nothing would look green. The values and gradients are compared with the
CPU's and, where PyTorch sees the GPU, with PyTorch CUDA's (float64, so that only the order of
sums differs). CPU-only machines test the same device code with the CuPy stand-in
(tests/device_arrays.py); to check these tests themselves without a GPU,
`AUTOGRAD_LITE_GPU_STANDIN=1 python -m pytest -m gpu tests/test_gpu.py` plays "cuda" with the
stand-in (and PyTorch CPU as the reference).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import autograd_lite as ag
import nn
from nn import functional as F

pytestmark = pytest.mark.gpu

NEEDS = "the gpu tests need CuPy and a GPU: pip install 'autograd-lite[gpu]'"
STANDIN = os.environ.get("AUTOGRAD_LITE_GPU_STANDIN") == "1"
_device = importlib.import_module("autograd_lite.device")  # (ag.device is the class)

TORCH_DEVICE = "cpu" if STANDIN else "cuda" if torch.cuda.is_available() else None
"""Where PyTorch computes the reference: its GPU, when it sees one (None: not compared)."""

RTOL, ATOL = 1e-9, 1e-11  # float64 on the GPU and the CPU: sums in other orders


def _cupy_loaded() -> bool:
    """CuPy registered as "cuda" (again, if a stand-in test replaced and removed it)."""
    if ag.cuda.is_available():
        return True
    if _device._cupy_missing == [""]:  # loaded once, then unregistered by a stand-in fixture
        _device.register_backend(_device._cupy_backend())
        return True
    return False


@pytest.fixture(autouse=True)
def gpu() -> Iterator[type]:
    """CuPy's array type, with "cuda" registered; each test fails without a GPU."""
    if STANDIN:
        import device_arrays
        device_arrays.install()
        yield device_arrays.DeviceArray
        device_arrays.uninstall()
        return
    why = "" if _cupy_loaded() else _device._cupy_missing[0] if _device._cupy_missing else ""
    assert ag.cuda.is_available(), f"{NEEDS} (here: {why or 'CuPy found no GPU'})"
    import cupy
    yield cupy.ndarray
    ag.set_default_device(None)


def host(t: Any) -> np.ndarray:
    """A tensor's values (autograd_lite's or PyTorch's) as a NumPy array."""
    return np.array(t.detach().cpu().numpy())


def close(actual: Any, expected: Any, what: str = "") -> None:
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)


# ----- the device itself ------------------------------------------------------------------------

def test_cuda_is_available_with_cupy() -> None:
    assert ag.cuda.is_available()
    assert ag.cuda.device_count() >= 1
    ag.cuda.synchronize()


def test_tensors_made_on_cuda_hold_device_arrays(gpu: type) -> None:
    made = [ag.tensor([1.0, 2.0], device="cuda"), ag.zeros(2, 3, device="cuda"),
            ag.ones(4, device="cuda:0"), ag.randn(3, device="cuda"), ag.arange(5, device="cuda"),
            ag.full((2,), 7.0, device=ag.device("cuda")), ag.tensor([1.0]).cuda(),
            ag.tensor([1.0]).to("cuda")]
    made.append(ag.zeros_like(made[0]))
    for t in made:
        assert isinstance(t.array, gpu), type(t.array)
        assert t.device == ag.device("cuda", 0) and t.is_cuda
    back = made[0].cpu()
    assert type(back.array) is np.ndarray and back.device == ag.device("cpu")
    np.testing.assert_array_equal(back.numpy(), [1.0, 2.0])
    # an array already on the GPU becomes a tensor there, without a trip through the host
    on_gpu = ag.tensor(made[1].array)
    assert isinstance(on_gpu.array, gpu) and on_gpu.device.type == "cuda"


def test_numpy_of_a_gpu_tensor_raises_and_cpu_numpy_works() -> None:
    t = ag.tensor([1.5, 2.5], device="cuda")
    expected = ("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the "
                "tensor to host memory first.")
    if TORCH_DEVICE == "cuda":
        with pytest.raises(TypeError) as theirs:
            torch.tensor([1.5, 2.5], device="cuda").numpy()
        expected = str(theirs.value)
    with pytest.raises(TypeError) as ours:
        t.numpy()
    assert str(ours.value) == expected
    np.testing.assert_array_equal(t.cpu().numpy(), [1.5, 2.5])
    assert t.sum().item() == 4.0
    assert t.tolist() == [1.5, 2.5]


def test_printing_shows_the_device_as_pytorch() -> None:
    t = ag.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    assert repr(t) == "tensor([1., 2.], device='cuda:0', requires_grad=True)"
    assert repr(ag.tensor([3], device="cuda")) == "tensor([3], device='cuda:0')"
    if TORCH_DEVICE == "cuda":
        assert repr(t) == repr(torch.tensor([1.0, 2.0], device="cuda", requires_grad=True))
    assert str(t.device) == "cuda:0"


MIXED = {"add": lambda L, a, b: a + b, "matmul": lambda L, a, b: a @ b,
         "cat": lambda L, a, b: L.cat([a, b]), "where": lambda L, a, b: L.where(a > 0, a, b)}


@pytest.mark.parametrize("op", MIXED)
def test_mixing_devices_raises_pytorchs_error(op: str) -> None:
    with pytest.raises(RuntimeError) as ours:
        MIXED[op](ag, ag.ones(2, 2, device="cuda"), ag.ones(2, 2))
    message = str(ours.value)
    assert message.startswith("Expected all tensors to be on the same device, but found at "
                              "least two devices, cuda:0 and cpu!"), message
    if TORCH_DEVICE == "cuda":  # PyTorch's sentence (it words the detail per op)
        with pytest.raises(RuntimeError) as theirs:
            MIXED[op](torch, torch.ones(2, 2, device="cuda"), torch.ones(2, 2))
        assert str(theirs.value).startswith("Expected all tensors to be on the same device")
        if op == "add":  # elementwise ops: PyTorch's own first sentence, word for word
            assert message.split("!")[0] == str(theirs.value).split("!")[0]


def test_a_cpu_scalar_meets_a_gpu_tensor_as_in_pytorch(gpu: type) -> None:
    out = ag.ones(2, 2, device="cuda") * ag.tensor(2.0) + ag.tensor(1.0)
    assert isinstance(out.array, gpu)
    np.testing.assert_array_equal(out.cpu().numpy(), np.full((2, 2), 3.0))


# ----- the op table: values and gradients as on the CPU and in PyTorch CUDA -----------------------

@dataclass
class Case:
    """An op (or a few) written once for both libraries: `fn(lib, F, *tensors)`; the inputs'
    float arrays require grad, their integer arrays are indices."""

    name: str
    inputs: Callable[[np.random.Generator], list[np.ndarray]]
    fn: Callable[..., Any]


def _distinct_columns(rng: np.random.Generator, rows: int, k: int, n: int) -> np.ndarray:
    return np.stack([rng.permutation(n)[:k] for _ in range(rows)]).astype(np.int64)


CASES = [
    Case("elementwise, broadcasting",
         lambda r: [r.standard_normal((3, 4)), r.standard_normal(4)],
         lambda L, F_, a, b: (a * b - a / (b.abs() + 1)) ** 2 + a.exp().tanh()
         + (a.abs() + 0.5).log().sigmoid() + a.sin() * b.cos() + (a.abs() + 1).sqrt()),
    Case("relu, where, maximum, clamp",
         lambda r: [r.standard_normal((3, 4)), r.standard_normal((3, 4))],
         lambda L, F_, a, b: a.relu() + L.where(a > b, a, b * 2) + L.maximum(a, b)
         + a.clamp(-0.5, 0.5)),
    Case("sum, mean over dimensions",
         lambda r: [r.standard_normal((2, 3, 4))],
         lambda L, F_, a: a.sum(1, keepdim=True) * a.mean(dim=(0, 2), keepdim=True) + a.sum()),
    Case("amax, var, std, logsumexp, max",
         lambda r: [r.standard_normal((3, 5))],
         lambda L, F_, a: a.amax(1) + a.var(1) + a.std(0).sum() + a.logsumexp(1) + a.max()),
    Case("matmul, batched",
         lambda r: [r.standard_normal((4, 3)), r.standard_normal((3, 5)),
                    r.standard_normal((2, 4, 3))],
         lambda L, F_, a, b, c: a @ b + (c @ b).sum(0)),
    Case("softmax, log_softmax",
         lambda r: [r.standard_normal((3, 5))],
         lambda L, F_, a: a.softmax(1) * a.log_softmax(-1) + F_.softmax(a, dim=0)),
    Case("indexing: slices, integer arrays, pairs",
         lambda r: [r.standard_normal((5, 4)), np.array([4, 0, 2, 0], np.int64),
                    np.array([1, 3, 3, 0], np.int64)],
         lambda L, F_, a, i, j: L.cat([a[1:4, ::2].reshape(-1), a[i].reshape(-1), a[i, j],
                                       a[a[:, 0] > 0].sum(0)])),
    Case("gather, scatter, scatter_add",
         lambda r: [r.standard_normal((3, 5)), _distinct_columns(r, 3, 2, 5),
                    r.standard_normal((3, 2))],
         lambda L, F_, a, i, b: L.cat([(a.gather(1, i) * b).reshape(-1),
                                       a.scatter(1, i, b).reshape(-1),
                                       a.scatter_add(1, i, b).reshape(-1)])),
    Case("conv2d (stride, padding)",
         lambda r: [r.standard_normal((2, 3, 7, 7)), r.standard_normal((4, 3, 3, 3)),
                    r.standard_normal(4)],
         lambda L, F_, x, w, b: L.cat([F_.conv2d(x, w, b, stride=2, padding=1).reshape(-1),
                                       F_.conv2d(x, w).reshape(-1)])),
    Case("max_pool2d",
         lambda r: [r.standard_normal((2, 3, 6, 6))],
         lambda L, F_, x: L.cat([F_.max_pool2d(x, 2).reshape(-1),
                                 F_.max_pool2d(x, 3, stride=1, padding=1).reshape(-1)])),
    Case("cross_entropy",
         lambda r: [r.standard_normal((6, 5)), np.array([0, 4, 2, 2, 1, 3], np.int64)],
         lambda L, F_, logits, y: F_.cross_entropy(logits, y, reduction="none") * 2
         + F_.cross_entropy(logits, y) + F_.cross_entropy(logits, y, label_smoothing=0.1)),
]


def run_case(case: Case, lib: Any, F_: Any, device: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """The case's value and the gradients of its float inputs, for a fixed upstream gradient."""
    arrays = case.inputs(np.random.default_rng(0))
    tensors = [lib.tensor(a, device=device, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = case.fn(lib, F_, *tensors)
    upstream = np.random.default_rng(1).standard_normal(tuple(out.shape))
    out.backward(lib.tensor(upstream, device=device))
    return host(out), [host(t.grad) for t in tensors if t.requires_grad]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_op_values_and_gradients_as_on_the_cpu_and_in_pytorch(case: Case) -> None:
    value, grads = run_case(case, ag, F, "cuda")
    cpu_value, cpu_grads = run_case(case, ag, F, "cpu")
    close(value, cpu_value, "value vs the CPU")
    for g, expected in zip(grads, cpu_grads, strict=True):
        close(g, expected, "gradient vs the CPU")
    if TORCH_DEVICE is not None:
        theirs, their_grads = run_case(case, torch, torch.nn.functional, TORCH_DEVICE)
        close(value, theirs, "value vs PyTorch")
        for g, expected in zip(grads, their_grads, strict=True):
            close(g, expected, "gradient vs PyTorch")


def test_results_and_gradients_stay_on_the_gpu(gpu: type) -> None:
    x = ag.randn(4, 3, device="cuda", requires_grad=True)
    w = ag.randn(3, 2, device="cuda", requires_grad=True)
    out = F.cross_entropy((x @ w).relu(), ag.tensor([0, 1, 1, 0], device="cuda"))
    assert isinstance(out.array, gpu)
    out.backward()
    assert isinstance(x.grad.array, gpu) and isinstance(w.grad.array, gpu)
    assert x.grad.device == w.grad.device == ag.device("cuda", 0)


# ----- double backward ---------------------------------------------------------------------------

def double_backward(lib: Any, device: str) -> tuple[np.ndarray, np.ndarray]:
    x = lib.tensor(np.linspace(-1.0, 2.0, 5), device=device, requires_grad=True)
    y = (x.sin() * x ** 3 + (x * x).softmax(0)).sum()
    (g,) = lib.autograd.grad(y, x, create_graph=True)
    (g * g).sum().backward()
    return host(g), host(x.grad)


def test_double_backward_on_the_gpu(gpu: type) -> None:
    g, gg = double_backward(ag, "cuda")
    cpu_g, cpu_gg = double_backward(ag, "cpu")
    close(g, cpu_g)
    close(gg, cpu_gg)
    if TORCH_DEVICE is not None:
        their_g, their_gg = double_backward(torch, TORCH_DEVICE)
        close(g, their_g)
        close(gg, their_gg)


# ----- nn on the GPU -----------------------------------------------------------------------------

def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 8), nn.Tanh(),
                         nn.Linear(8, 3))


def cnn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 2 * 2, 3))


def train(make: Callable[[], nn.Module], optimizer: Callable, x: np.ndarray, y: np.ndarray,
          device: str, steps: int = 5) -> tuple[list[float], dict[str, np.ndarray]]:
    """A few training steps from seed-0 weights (float64) on `device`: the losses and the final
    weights."""
    ag.manual_seed(0)
    model = make().to(ag.float64).to(device)
    opt = optimizer(model.parameters())
    xs, ys = ag.tensor(x, device=device), ag.tensor(y, device=device)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(xs), ys)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, {name: host(p) for name, p in model.named_parameters()}


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_models_train_on_the_gpu_as_on_the_cpu(model: str) -> None:
    rng = np.random.default_rng(0)
    if model == "mlp":
        make, x = mlp, rng.standard_normal((10, 6))
        optimizer = lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9)  # noqa: E731
    else:
        make, x = cnn, rng.standard_normal((10, 1, 8, 8))
        optimizer = lambda ps: nn.optim.Adam(ps, lr=0.01)  # noqa: E731
    y = rng.integers(0, 3, 10)
    losses, weights = train(make, optimizer, x, y, "cuda")
    cpu_losses, cpu_weights = train(make, optimizer, x, y, "cpu")
    close(losses, cpu_losses, "losses")
    assert losses[-1] < losses[0]
    assert weights.keys() == cpu_weights.keys()
    for name in weights:
        close(weights[name], cpu_weights[name], name)


def test_module_to_cuda_moves_parameters_in_place(gpu: type) -> None:
    ag.manual_seed(0)
    model = cnn()
    before = [host(p) for p in model.parameters()]
    params = list(model.parameters())
    assert model.to("cuda") is model
    # the same Parameter objects, now on the GPU (an optimiser made before keeps working)
    assert all(p is q for p, q in zip(params, model.parameters(), strict=True))
    for p, values in zip(model.parameters(), before, strict=True):
        assert isinstance(p.array, gpu) and p.device == ag.device("cuda", 0)
        np.testing.assert_array_equal(host(p), values)
    out = model(ag.randn(2, 1, 8, 8, device="cuda"))
    assert isinstance(out.array, gpu)
    model.cpu()
    assert all(type(p.array) is np.ndarray for p in model.parameters())


def test_checkpoint_saved_from_the_gpu_loads_on_the_cpu(tmp_path: Path) -> None:
    ag.manual_seed(0)
    model = mlp().to("cuda")
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = ag.randn(4, 6, device="cuda"), ag.tensor([0, 1, 2, 0], device="cuda")
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    path = tmp_path / "run.safetensors"
    nn.save({"model": model, "optimizer": opt}, path)
    state = nn.load(path)
    restored = mlp()
    restored.load_state_dict(state["model"])
    for (name, p), (_, q) in zip(model.named_parameters(), restored.named_parameters(),
                                 strict=True):
        assert type(q.array) is np.ndarray
        np.testing.assert_array_equal(host(p), host(q), err_msg=name)
    restored_opt = nn.optim.SGD(restored.parameters(), lr=0.1, momentum=0.9)
    restored_opt.load_state_dict(state["optimizer"])
    # one more step from the restored state, on the CPU, equals one more on the GPU
    cpu_x, cpu_y = x.cpu(), y.cpu()
    for m, o, xs, ys in ((model, opt, x, y), (restored, restored_opt, cpu_x, cpu_y)):
        o.zero_grad()
        F.cross_entropy(m(xs), ys).backward()
        o.step()
    for (name, p), (_, q) in zip(model.named_parameters(), restored.named_parameters(),
                                 strict=True):
        np.testing.assert_allclose(host(p), host(q), rtol=1e-5, atol=1e-6, err_msg=name)
