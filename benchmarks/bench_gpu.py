"""GPU benchmark: one training step in autograd_lite on CuPy, hand-written CuPy and PyTorch CUDA.

Issue 16 ("Must show"): side by side in one run on one machine, the time of one training step
(forward, backward, SGD update, lr 0.01, float32) of three models:

- `mlp_large`: an MLP 4096-4096-4096-10 at batch 4096 (ReLU, softmax cross-entropy), where the
  GPU does the work and the engine's overhead should vanish: aim within 1.15x PyTorch CUDA;
- `mlp_small`: the MLP 784-512-256-10 at batch 128 of `bench_engine.py`, where kernel launches
  and Python dominate: aim within 2x PyTorch CUDA;
- `cnn`: the CNN step of `bench_conv.py` (Conv2d(1→8, 3x3) → ReLU → MaxPool2d(2) → Flatten →
  Linear(1352→10), batch 64 of 1x28x28), reported without an aim.

Four implementations start from the same weights and batch:

- `autograd_lite (raw tensors)`: the Tensor code of `bench_engine.py` (`h @ W + b`, `relu`,
  `-log_softmax(1)[rows, y].mean()`, `p -= lr * p.grad` under `no_grad`; the CNN through
  `F.conv2d` and `F.max_pool2d`), on tensors made with `device="cuda"`;
- `autograd_lite (nn)`: what a user of the `nn` package writes: `nn.MLP` or `nn.Sequential` of
  `Conv2d`/`Linear` layers moved with `.to("cuda")`, `F.cross_entropy`, `nn.optim.SGD`;
- `hand-written CuPy`: the forward and the hand-derived backward on CuPy arrays, written once
  against an array module `xp` in `hand_steps.py` (so the same code is the hand-written NumPy
  step on the CPU, and the floor of `bench_engine.py` and `bench_conv.py`);
- `PyTorch CUDA`: the raw-tensor code above, run by PyTorch (TF32 off, so that every library
  computes in float32).

The GPU works asynchronously: each measured sample is one step between two synchronisations
(`cupy.cuda.Device().synchronize()`, `torch.cuda.synchronize()`). Timings are medians; the
libraries take turns in blocks with unmeasured settling steps (`bench_engine.take_turns`). After
one step from the same weights, the losses and gradients of all four are compared with the
hand-written step's ("agree: yes"). Usage::

    python benchmarks/bench_gpu.py                      # on a GPU with CuPy, under a minute
    python benchmarks/bench_gpu.py --device cpu         # NumPy and PyTorch CPU instead
    python benchmarks/bench_gpu.py --quick --device cpu # small sizes, seconds (smoke test)
    python benchmarks/bench_gpu.py --only mlp_small cnn # some models (nothing is written)

A full run prints a markdown report and writes it to `benchmarks/results/gpu.md` (`gpu_cpu.md`
with `--device cpu`), the numbers to the `.json` beside it; `--quick`, `--only` and `--no-save`
write nothing, `--out-dir` writes elsewhere.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import sys
import time
import traceback
import types
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

import autograd_lite as ag
import nn
from nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_conv import PARAMETERS as CNN_PARAMETERS  # noqa: E402 - the sibling scripts' pieces
from bench_conv import Config as ConvConfig  # noqa: E402
from bench_conv import make_data as conv_data  # noqa: E402
from bench_engine import (  # noqa: E402
    RESULTS_DIR,
    allocator_note,
    machine_info,
    mlp_data,
    nn_mlp,
    set_threads,
    steady_allocator,
    take_turns,
    torch,
)
from bench_engine import Config as EngineConfig  # noqa: E402
from hand_steps import LEARNING_RATE, hand_cnn, hand_mlp, hand_update  # noqa: E402

TESTS_DIR = Path(__file__).resolve().parent.parent / "tests"
IMPLEMENTATIONS = ("autograd_lite", "autograd_lite_nn", "hand", "torch")
WORKLOADS = ("mlp_large", "mlp_small", "cnn")
AIMS = {"mlp_large": 1.15, "mlp_small": 2.0}   # autograd_lite step / PyTorch CUDA step
LOSS_TOLERANCE = 1e-4   # |loss - hand-written loss| / |hand-written loss|
GRAD_TOLERANCE = 1e-3   # max |g - hand-written g| / max |hand-written g|, per parameter


@dataclass
class Config:
    """Sizes and repeat counts of one run."""

    large_sizes: tuple[int, ...] = (4096, 4096, 4096, 10)
    large_batch: int = 4096
    small_sizes: tuple[int, ...] = (784, 512, 256, 10)
    small_batch: int = 128
    cnn_batch: int = 64
    repeats: int = 100
    block: int = 10      # measured steps of one library in a row
    settle: int = 2      # unmeasured steps at the start of each block
    warmup: int = 3      # unmeasured rounds first (CuPy compiles its kernels on first use)
    budget_s: float = 40.0  # seconds of steps per model at most: fewer repeats for slow steps


QUICK = Config(large_sizes=(128, 128, 128, 10), large_batch=128,
               small_sizes=(784, 64, 32, 10), small_batch=32, cnn_batch=8,
               repeats=3, block=3, settle=1, warmup=1)


# ----- where a run computes ---------------------------------------------------------------------

@dataclass
class Target:
    """The device of one run: the array module of the hand-written step, autograd_lite's and
    PyTorch's device names, how each waits for its queued work, and the report's names."""

    name: str                        # "cuda", "cpu" or "standin"
    ag_device: str
    xp: Any
    torch_device: str | None         # None: PyTorch cannot run here
    sync_xp: Callable[[], None]
    sync_torch: Callable[[], None]
    labels: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    free: Callable[[], None] = lambda: None    # give cached device memory back (between models)
    close: Callable[[], None] = lambda: None   # undo what making the target did


def _nothing() -> None:
    pass


def _labels(engine: str, hand: str, torch_name: str) -> dict[str, str]:
    return {"autograd_lite": f"autograd_lite on {engine} (raw tensors)",
            "autograd_lite_nn": f"autograd_lite on {engine} (nn: layers + F.cross_entropy + "
                                "optim.SGD)",
            "hand": f"hand-written {hand}", "torch": f"PyTorch {torch_name}"}


class NoGPU(RuntimeError):
    """`--device cuda` without CuPy and a GPU."""


def cuda_target() -> Target:
    """CuPy's GPU; PyTorch CUDA beside it when PyTorch sees the GPU."""
    if not ag.cuda.is_available():
        raise NoGPU("bench_gpu.py: no GPU here (ag.cuda.is_available() is False): install CuPy "
                    "with `pip install -e \".[gpu]\"` on a machine with an NVIDIA GPU, or run "
                    "`python benchmarks/bench_gpu.py --device cpu`")
    import cupy

    def free() -> None:
        cupy.get_default_memory_pool().free_all_blocks()
        if has_torch:
            torch.cuda.empty_cache()

    has_torch = torch is not None and torch.cuda.is_available()
    if has_torch:  # full float32 matrix products and convolutions, as CuPy computes them
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    runtime = cupy.cuda.runtime
    name = runtime.getDeviceProperties(0)["name"]
    info = {
        "gpu": name.decode() if isinstance(name, bytes) else str(name),
        "gpu_count": runtime.getDeviceCount(),
        "cupy": cupy.__version__,
        "cuda_runtime": runtime.runtimeGetVersion(),
        "cuda_driver": runtime.driverGetVersion(),
        "torch_cuda": torch.version.cuda if has_torch else None,
        "torch_gpu": torch.cuda.get_device_name(0) if has_torch else None,
        "tf32": False,
    }
    return Target("cuda", "cuda", cupy, "cuda" if has_torch else None,
                  cupy.cuda.Device().synchronize,
                  torch.cuda.synchronize if has_torch else _nothing,
                  _labels("CuPy", "CuPy", "CUDA"), info, free=free)


def cpu_target() -> Target:
    """NumPy and PyTorch CPU."""
    return Target("cpu", "cpu", np, "cpu" if torch is not None else None, _nothing, _nothing,
                  _labels("NumPy", "NumPy", "CPU"), {})


class _StandinXP(types.SimpleNamespace):
    """NumPy's namespace for the stand-in's arrays: NumPy's functions dispatch to them through
    the array protocols; the creation functions make them on the (pretend) device."""

    def __init__(self, device_arrays: Any) -> None:
        to_device = device_arrays._to_device

        def on_device(make: Callable[..., np.ndarray]) -> Callable[..., Any]:
            return lambda *args, **kwargs: to_device(np.asarray(make(*args, **kwargs)), 0)

        super().__init__(
            array=on_device(np.array), asarray=on_device(np.asarray),
            arange=on_device(np.arange), zeros=on_device(np.zeros),
            lib=types.SimpleNamespace(stride_tricks=types.SimpleNamespace(
                as_strided=device_arrays._as_strided)))

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)


def standin_target() -> Target:
    """Hidden check (`--standin`): "cuda" played by the CuPy stand-in of tests/device_arrays.py
    on the CPU, so the cuda code path runs end to end without a GPU. Its timings mean
    nothing; PyTorch runs on the CPU as the reference."""
    sys.path.insert(0, str(TESTS_DIR))
    import device_arrays
    device_arrays.install()
    return Target("standin", "cuda", _StandinXP(device_arrays),
                  "cpu" if torch is not None else None, _nothing, _nothing,
                  _labels("the stand-in", "stand-in", "CPU"), {"standin": True},
                  close=device_arrays.uninstall)


def to_host(value: Any) -> np.ndarray:
    """A Tensor's or an array's values as a NumPy array."""
    if hasattr(value, "detach"):           # autograd_lite and PyTorch tensors
        return np.array(value.detach().cpu().numpy())
    if isinstance(value, np.ndarray):
        return value.copy()
    return value.get()                      # CuPy (and the stand-in)


# ----- the models ------------------------------------------------------------------------------

@dataclass
class Workload:
    """One model and batch: its initial weights (`params`, in the raw-tensor layout: an MLP's
    W is (in, out); the CNN's are `bench_conv`'s: conv weight, conv bias, fc weight (out, in),
    fc bias), a batch and its labels."""

    name: str
    label: str
    kind: str                   # "mlp" or "cnn"
    sizes: tuple[int, ...]
    batch: int
    params: list[np.ndarray]
    x: np.ndarray
    y: np.ndarray


def make_workload(name: str, config: Config) -> Workload:
    """The weights and batch of workload `name` (drawn as bench_engine / bench_conv draw)."""
    if name == "cnn":
        conv = ConvConfig(batch=config.cnn_batch)
        data = conv_data(conv)
        params = [data[k] for k in CNN_PARAMETERS]
        sizes = (1, conv.channels, conv.features, conv.classes)
        return Workload(name, f"CNN of bench_conv.py, batch {conv.batch}",
                        "cnn", sizes, conv.batch, params, data["x"], data["y"])
    sizes, batch = ((config.large_sizes, config.large_batch) if name == "mlp_large"
                    else (config.small_sizes, config.small_batch))
    params, x, y = mlp_data(EngineConfig(mlp_sizes=sizes, mlp_batch=batch))
    return Workload(name, f"MLP {'-'.join(map(str, sizes))}, batch {batch}", "mlp", sizes,
                    batch, params, x, y)


def mlp_forward(F_: Any, params: Sequence[Any], x: Any) -> Any:
    """The MLP's logits from raw tensors (autograd_lite's or PyTorch's)."""
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = h.relu()
    return h


def cnn_forward(F_: Any, params: Sequence[Any], x: Any) -> Any:
    """The CNN's logits from raw tensors, through the library's functional conv and pooling."""
    w, b, fc_w, fc_b = params
    h = F_.max_pool2d(F_.conv2d(x, w, b).relu(), 2)
    return h.reshape(h.shape[0], -1) @ fc_w.T + fc_b


def raw_step(lib: Any, F_: Any, forward: Callable, params: list[Any], x: Any, y: Any,
             rows: Any, update: bool = True) -> Any:
    """One SGD step with raw tensors (the same code for autograd_lite and PyTorch); the loss
    tensor (not `.item()`: that would wait for the GPU inside the step)."""
    loss = -forward(F_, params, x).log_softmax(1)[rows, y].mean()
    for p in params:
        p.grad = None
    loss.backward()
    if update:
        with lib.no_grad():
            for p in params:
                p -= LEARNING_RATE * p.grad
    return loss


def nn_model(work: Workload) -> nn.Module:
    """The `nn` version of the model, holding the workload's weights."""
    if work.kind == "mlp":
        return nn_mlp(work.params, work.sizes)
    _, channels, features, classes = work.sizes
    model = nn.Sequential(nn.Conv2d(1, channels, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(features, classes))
    model.load_state_dict(dict(zip(CNN_PARAMETERS, work.params)))
    return model


def nn_step(model: nn.Module, opt: nn.optim.Optimizer, x: ag.Tensor, y: ag.Tensor,
            update: bool = True) -> ag.Tensor:
    """One SGD step the way a user of the `nn` package writes it; the loss tensor."""
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    if update:
        opt.step()
    return loss


def nn_grads(model: nn.Module, work: Workload) -> list[np.ndarray]:
    """The model's gradients in the raw-tensor layout (an MLP's Linear weights transposed)."""
    grads = [to_host(p.grad) for p in model.parameters()]
    if work.kind == "mlp":
        grads[0::2] = [g.T for g in grads[0::2]]
    return grads


# ----- one implementation on one target ----------------------------------------------------------

@dataclass
class Runner:
    """One implementation of one workload, from fresh weights: `step()` trains one step;
    `check()` runs forward and backward without the update and returns the loss and the
    gradients on the host; `sync()` waits for the work it queued."""

    step: Callable[[], Any]
    check: Callable[[], tuple[float, list[np.ndarray]]]
    sync: Callable[[], None]


def build(impl: str, work: Workload, target: Target) -> Runner:
    """The runner of implementation `impl` (one of IMPLEMENTATIONS) for `work` on `target`."""
    fresh = [p.copy() for p in work.params]
    rows_host = np.arange(work.batch)
    if impl == "hand":
        xp = target.xp
        params = [xp.array(p) for p in fresh]
        x, y, rows = xp.array(work.x), xp.array(work.y), xp.array(rows_host)
        fn = hand_mlp if work.kind == "mlp" else hand_cnn

        def hand_step() -> Any:
            loss, grads = fn(xp, params, x, y, rows)
            hand_update(params, grads)
            return loss

        def hand_check() -> tuple[float, list[np.ndarray]]:
            loss, grads = fn(xp, params, x, y, rows)
            return float(loss), [to_host(g) for g in grads]
        return Runner(hand_step, hand_check, target.sync_xp)

    forward = mlp_forward if work.kind == "mlp" else cnn_forward
    if impl == "autograd_lite_nn":
        model = nn_model(replace(work, params=fresh)).to(target.ag_device)
        opt = nn.optim.SGD(model.parameters(), lr=LEARNING_RATE)
        x, y = ag.tensor(work.x, device=target.ag_device), ag.tensor(work.y,
                                                                       device=target.ag_device)

        def nn_check() -> tuple[float, list[np.ndarray]]:
            loss = nn_step(model, opt, x, y, update=False)
            return float(loss.item()), nn_grads(model, work)
        return Runner(lambda: nn_step(model, opt, x, y), nn_check, target.sync_xp)

    if impl == "autograd_lite":
        lib, F_, device, sync = ag, F, target.ag_device, target.sync_xp
    elif impl == "torch":
        lib, F_, device, sync = torch, torch.nn.functional, target.torch_device, target.sync_torch
    else:
        raise ValueError(f"unknown implementation {impl!r}: one of {', '.join(IMPLEMENTATIONS)}")
    params = [lib.tensor(p, device=device, requires_grad=True) for p in fresh]
    x, y = lib.tensor(work.x, device=device), lib.tensor(work.y, device=device)
    rows = lib.tensor(rows_host, device=device)

    def raw_check() -> tuple[float, list[np.ndarray]]:
        loss = raw_step(lib, F_, forward, params, x, y, rows, update=False)
        return float(loss.item()), [to_host(p.grad) for p in params]
    return Runner(lambda: raw_step(lib, F_, forward, params, x, y, rows), raw_check, sync)


def _error(exc: BaseException) -> str:
    """One line for the report: the error and the last place in the library it passed through
    (the whole traceback goes to stderr, into the log of a GPU check)."""
    traceback.print_exception(exc, file=sys.stderr)
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    text = text if len(text) <= 300 else text[:297] + "..."
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        parts = Path(frame.filename).parts
        package = [i for i, part in enumerate(parts[:-1]) if part in ("autograd_lite", "nn")]
        if package:
            return f"{text} (at {'/'.join(parts[package[-1]:])}:{frame.lineno})"
    return text


def agreement(work: Workload, target: Target, impls: Sequence[str]) -> dict[str, Any]:
    """Loss and gradients of one step from the same weights, each implementation against the
    hand-written one; implementations that fail are reported with their error."""
    results, errors = {}, {}
    for impl in impls:
        try:
            results[impl] = build(impl, work, target).check()
        except Exception as exc:  # a missing device feature: reported, the others go on
            errors[impl] = _error(exc)
    rows = {}
    reference = results.get("hand")
    for impl, (loss, grads) in results.items():
        row: dict[str, Any] = {"loss": loss}
        if reference is not None:
            ref_loss, ref_grads = reference
            row["loss_rel_diff"] = abs(loss - ref_loss) / max(abs(ref_loss), 1e-30)
            row["max_rel_grad_diff"] = max(
                float(np.abs(g - r).max() / max(float(np.abs(r).max()), 1e-30))
                for g, r in zip(grads, ref_grads, strict=True))
        rows[impl] = row
    agree = (reference is not None and not errors and all(
        row["loss_rel_diff"] <= LOSS_TOLERANCE and row["max_rel_grad_diff"] <= GRAD_TOLERANCE
        for row in rows.values()))
    return {"rows": rows, "errors": errors, "agree": agree}


def bench_workload(work: Workload, target: Target, config: Config,
                   impls: Sequence[str]) -> dict[str, Any]:
    """ms per step of each implementation that runs, and the agreement check."""
    check = agreement(work, target, impls)
    errors = dict(check["errors"])
    steps, slowest = {}, 0.0
    for impl in impls:
        if impl in errors:
            continue
        try:
            runner = build(impl, work, target)
            runner.step()          # a first step outside the timing (and a check that it runs)
            runner.sync()
            steps[impl] = _timed(runner)
            slowest = max(slowest, steps[impl]()["step"])
        except Exception as exc:
            errors[impl] = _error(exc)
            steps.pop(impl, None)
    repeats, block = affordable(config, slowest, len(steps))
    timings = take_turns(steps, repeats, config.warmup, block, config.settle) if steps else {}
    del steps
    gc.collect()
    target.free()
    return {
        "label": work.label, "sizes": list(work.sizes), "batch": work.batch,
        "repeats": repeats, "block": block, "settle": config.settle,
        "ms_per_step": {impl: {"median": t["step"]["median"] * 1e3, "min": t["step"]["min"] * 1e3,
                               "n": t["step"]["n"]} for impl, t in timings.items()},
        "errors": errors, "agreement": check,
    }


def affordable(config: Config, step_s: float, libraries: int) -> tuple[int, int]:
    """Repeats and block size that keep the steps of one model within `config.budget_s` when
    the slowest library's step takes `step_s` (at least 3 repeats, at most `config.repeats`)."""
    per_repeat = 1 + config.settle / config.block  # with the settling steps of each block
    rounds = config.budget_s / max(step_s * libraries, 1e-9) - config.warmup
    repeats = max(3, min(config.repeats, int(rounds / per_repeat)))
    return repeats, min(config.block, repeats)


def _timed(runner: Runner) -> Callable[[], dict[str, float]]:
    def run() -> dict[str, float]:
        runner.sync()
        start = time.perf_counter()
        runner.step()
        runner.sync()
        return {"step": time.perf_counter() - start}
    return run


def bench(config: Config, target: Target, workloads: Sequence[str],
          log: Callable[[str], None]) -> dict[str, Any]:
    """Every workload in turn, all implementations that can run on `target`."""
    impls = [impl for impl in IMPLEMENTATIONS if impl != "torch" or target.torch_device]
    results = {}
    for name in workloads:
        start = time.perf_counter()
        results[name] = bench_workload(make_workload(name, config), target, config, impls)
        log(f"{name}: {time.perf_counter() - start:.1f} s")
    return results


# ----- report ----------------------------------------------------------------------------------

def _cell(text: str) -> str:
    """`text` in a markdown table cell, as code."""
    return "`" + text.replace("`", "'").replace("|", "/") + "`"


def _verdict(median: float, fastest: float, aim: float) -> str:
    return ("met" if median <= aim else
            "met by the fastest steps only" if fastest <= aim else "not met")


def render_markdown(results: dict[str, Any]) -> str:
    """The results as a markdown report."""
    m, target, config = results["machine"], results["target"], results["config"]
    labels = target["labels"]
    on_gpu = target["name"] == "cuda"
    torch_name = labels["torch"]
    lines = ["# GPU benchmark: one training step, autograd_lite beside hand-written arrays and "
             "PyTorch", "",
             f"- Date: {m['date']}; command: `{results['command']}`"]
    if target["name"] == "standin":
        lines.append("- **Stand-in run**: \"cuda\" is tests/device_arrays.py computing on the "
                     "CPU, a check that the cuda code path runs; its timings mean nothing")
    if on_gpu:
        g = target["info"]
        lines.append(f"- GPU: {g['gpu']} ({g['gpu_count']} visible); CuPy {g['cupy']} (CUDA "
                     f"runtime {g['cuda_runtime']}, driver {g['cuda_driver']}); PyTorch "
                     f"{m['torch'] or 'not installed'}"
                     + (f" (CUDA {g['torch_cuda']}; TF32 off for matmul and cuDNN, so all "
                        "libraries compute in float32)" if g["torch_cuda"] else
                        " without CUDA: no PyTorch CUDA row"))
    lines += [
        f"- CPU: {m['cpu']}, {m['cores']} cores; load average at start "
        f"{', '.join(f'{v:.2f}' for v in m['load_average_at_start'])}, at the end "
        f"{', '.join(f'{v:.2f}' for v in m['load_average_at_end'])}",
        f"- Python {m['python']}, NumPy {m['numpy']} ({m['blas']}, {m['numpy_blas_threads']} "
        f"BLAS threads), PyTorch {m['torch'] or 'not installed'}"
        + ("" if on_gpu else f" ({m['torch_threads']} threads, set to match NumPy's BLAS)"),
    ]
    if not on_gpu:
        lines.append(allocator_note(m.get("steady_allocator")))
    lines += [
        "- One step: forward, backward, SGD update (lr 0.01), float32, from the same weights "
        "and batch in every implementation. Each sample is one step between two "
        "synchronisations of the device; medians (and minima) of up to "
        f"{config['repeats']} samples (fewer where steps are slow: at most "
        f"{config['budget_s']:g} s of steps per model; the `n` column), the libraries taking "
        f"turns in blocks of up to {config['block']} after {config['settle']} unmeasured "
        f"steps, after {config['warmup']} unmeasured rounds.",
        "",
        "## Step times",
        "",
        f"| model | implementation | ms/step (median) | ms/step (min) | n | vs {torch_name} "
        "(median / min) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    aims = []
    for name, w in results["workloads"].items():
        ms = w["ms_per_step"]
        ref = ms.get("torch")
        for impl in IMPLEMENTATIONS:
            if impl in ms:
                t = ms[impl]
                ratio = (f"{t['median'] / ref['median']:.2f}x / {t['min'] / ref['min']:.2f}x"
                         if ref else "—")
                lines.append(f"| {w['label']} | {labels[impl]} | {t['median']:.2f} | "
                             f"{t['min']:.2f} | {t['n']} | {ratio} |")
            elif impl in w["errors"]:
                lines.append(f"| {w['label']} | {labels[impl]} | failed | — | — | — |")
        aim = AIMS.get(name)
        if aim is None:
            continue
        text = f"{w['label']}: aim autograd_lite ≤ {aim}x {torch_name}" + (
            "" if on_gpu else " (the aim is the GPU's; shown for reference)") + ": "
        parts = []
        for impl, kind in (("autograd_lite", "raw tensors"), ("autograd_lite_nn", "nn")):
            if impl in w["errors"]:
                parts.append(f"{kind} **failed**")
            elif impl in ms and ref:
                median, fastest = ms[impl]["median"] / ref["median"], ms[impl]["min"] / ref["min"]
                parts.append(f"{kind} {median:.2f}x (median), {fastest:.2f}x (fastest) "
                             f"**{_verdict(median, fastest, aim)}**")
            else:
                parts.append(f"{kind} not judged (no {torch_name} row)")
        aims.append(text + "; ".join(parts))
    lines += ["", "## Aims", "", *[f"- {a}" for a in aims],
              "- The CNN has no aim; its row shows what convolution and pooling cost.", ""]
    failures = [(w["label"], labels[impl], message) for w in results["workloads"].values()
                for impl, message in w["errors"].items()]
    if failures:
        lines += ["## Failures", "", "| model | implementation | error |", "|---|---|---|",
                  *[f"| {label} | {impl} | {_cell(message)} |"
                    for label, impl, message in failures], ""]
    lines += ["## Agreement after one step", "",
              f"| model | implementation | loss | vs {labels['hand']}: loss (relative) | "
              "gradients (max relative) |",
              "|---|---|---:|---:|---:|"]
    agree = True
    for w in results["workloads"].values():
        check = w["agreement"]
        agree = agree and check["agree"]
        for impl, row in check["rows"].items():
            lines.append(f"| {w['label']} | {labels[impl]} | {row['loss']:.6f} | "
                         f"{row.get('loss_rel_diff', math.nan):.1e} | "
                         f"{row.get('max_rel_grad_diff', math.nan):.1e} |")
    lines += ["", f"Gradients are compared per parameter, as the largest difference over the "
                  "largest hand-written gradient; tolerances: loss "
                  f"{LOSS_TOLERANCE:g}, gradients {GRAD_TOLERANCE:g} (float32 sums in other "
                  "orders). agree: " + ("yes" if agree else "no")]
    return "\n".join(lines) + "\n"


# ----- main ------------------------------------------------------------------------------------

def make_target(device: str, standin: bool) -> Target:
    """The run's target (raises NoGPU for "cuda" without CuPy and a GPU)."""
    if standin:
        return standin_target()
    return cuda_target() if device == "cuda" else cpu_target()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the report and (in a full run) write the result files; 0 if
    every implementation ran and all agree, 1 if not, 2 without a GPU for `--device cuda`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda",
                        help="cuda: CuPy and PyTorch CUDA (default); cpu: NumPy and PyTorch CPU")
    parser.add_argument("--quick", action="store_true", help="small sizes, few steps: a smoke "
                        "test (writes nothing)")
    parser.add_argument("--only", nargs="+", choices=WORKLOADS, default=list(WORKLOADS),
                        help="run only these models (the files are then not written)")
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-save", action="store_true", help="only print the report")
    parser.add_argument("--standin", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    config = QUICK if args.quick else Config()
    command = " ".join(["python benchmarks/bench_gpu.py",
                        *(sys.argv[1:] if argv is None else argv)])

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        target = make_target(args.device, args.standin)
    except NoGPU as exc:
        log(str(exc))
        return 2
    try:
        steady = steady_allocator() if target.name != "cuda" else None
        results: dict[str, Any] = {
            "command": command, "config": asdict(config),
            "target": {"name": target.name, "labels": target.labels, "info": target.info},
            "machine": {**machine_info(set_threads(None)), "steady_allocator": steady,
                        "platform": platform.platform()},
        }
        results["workloads"] = bench(config, target, args.only, log)
        results["machine"]["load_average_at_end"] = os.getloadavg()
    finally:
        target.close()
    markdown = render_markdown(results)
    print(markdown)
    save = (not args.no_save and not args.quick and not args.standin
            and list(args.only) == list(WORKLOADS))
    if save:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        stem = "gpu" if target.name == "cuda" else "gpu_cpu"
        (args.out_dir / f"{stem}.md").write_text(markdown)
        (args.out_dir / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
        log(f"wrote {args.out_dir / stem}.md and .json")
    ok = all(not w["errors"] and w["agreement"]["agree"] for w in results["workloads"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
