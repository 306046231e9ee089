"""Engine benchmarks: autograd_lite beside hand-written NumPy and PyTorch CPU, in one run.

Four measurements (issue 2, "Speed and memory"):

1. Per-op overhead: forward + backward of a 2,000-op elementwise chain on a shape-(4,) tensor,
   in microseconds per op. The hand-written NumPy version runs the same forward ops on arrays
   and the hand-derived backward chain: the floor for any engine built on NumPy.
2. One training step of an MLP 784-512-256-10 (ReLU, softmax cross-entropy, batch 128, float32,
   plain SGD), written with raw tensors in autograd_lite and PyTorch and by hand in NumPy, and
   once more in autograd_lite the way a user of the `nn` package writes it (`nn.MLP`,
   `F.cross_entropy`, `nn.optim.SGD`).
3. Backward time of scalar chains of 10k, 100k and 1M nodes (`x = x * 1.000001`), which must
   grow linearly.
4. Memory of autograd_lite on such a chain (tracemalloc): the peak, and what is left after
   backward and after dropping the root, compared with before the forward. The collector is
   off while measuring, so a reference cycle would show up as memory that only
   `gc.collect()` gives back.

Timings are medians of repeated runs; the libraries take turns run by run, so a burst of load
from other processes hits them alike. Usage::

    python benchmarks/bench_engine.py             # full run, ~2-3 minutes
    python benchmarks/bench_engine.py --quick     # small sizes, a few seconds (smoke test)
    python benchmarks/bench_engine.py --profile   # also cProfile autograd_lite's hot paths

The markdown table goes to stdout and to `benchmarks/results/engine.md` (`engine_quick.md` with
`--quick`), the numbers to `engine.json` beside it.
"""

from __future__ import annotations

import argparse
import cProfile
import ctypes
import datetime
import gc
import io
import json
import os
import platform
import pstats
import re
import statistics
import sys
import time
import tracemalloc
import weakref
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import autograd_lite as ag
import nn
from nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_steps import LEARNING_RATE, hand_mlp, hand_update, tensor_mlp_step  # noqa: E402

try:
    import torch
except ImportError:  # PyTorch is only a reference: its columns are left empty without it
    torch = None

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LIBRARIES = ("autograd_lite", "numpy", "torch")
# The MLP section has a fourth row: autograd_lite through the `nn` package
MLP_LIBRARIES = ("autograd_lite", "autograd_lite_nn", "numpy", "torch")
MLP_LABELS = {
    "autograd_lite": "autograd_lite (raw tensors)",
    "autograd_lite_nn": "autograd_lite (nn: MLP + F.cross_entropy + optim.SGD)",
    "numpy": "numpy (hand-written)",
    "torch": "torch (raw tensors)",
}

PER_OP_AIM = 0.6      # autograd_lite per-op time at most this times PyTorch's
MLP_AIM = 1.10        # autograd_lite MLP step at most this times hand-written NumPy's
LINEAR_AIM = (9.0, 12.0)  # t(1M) / t(100k): linear in the number of nodes
MEMORY_SLACK = 4096   # bytes over the baseline allowed once the graph is dropped


@dataclass
class Config:
    """Sizes and repeat counts of one run."""

    chain_ops: int = 2000
    chain_repeats: int = 30
    mlp_batch: int = 128
    mlp_sizes: tuple[int, ...] = (784, 512, 256, 10)
    mlp_repeats: int = 40
    mlp_block: int = 10       # steps of one library in a row (see `take_turns`)
    mlp_settle: int = 4       # unmeasured steps at the start of each block
    mlp_one_thread_only: bool = False  # else also with the run's BLAS threads, if more than 1
    scaling_sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    scaling_repeats: tuple[int, ...] = (9, 7, 3)
    memory_nodes: int = 100_000
    warmup: int = 3


QUICK = Config(chain_repeats=5, mlp_repeats=6, mlp_block=3, mlp_settle=2,
               mlp_one_thread_only=True,
               scaling_sizes=(1_000, 10_000),
               scaling_repeats=(5, 3), memory_nodes=10_000, warmup=1)


# ----- measuring ------------------------------------------------------------------------------

def summarize(samples: Sequence[float]) -> dict[str, float]:
    """Median, minimum and maximum of timing samples (seconds)."""
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "n": len(samples)}


def take_turns(runners: dict[str, Callable[[], dict[str, float]]], repeats: int, warmup: int,
               block: int = 1, settle: int = 0) -> dict[str, dict[str, dict[str, float]]]:
    """Run every runner `repeats` times, the runners taking turns, after `warmup` unmeasured
    rounds.

    A turn is `settle` unmeasured runs and then `block` measured ones. Blocks with a settling
    run matter when the runners use thread pools: the pool of the library that just ran keeps
    spinning for a while and steals the cores from the next one. A runner returns the seconds
    of its phases (e.g. `{"forward": ..., "backward": ...}`); the result is, per runner and
    phase, the summary of its samples.
    """
    for _ in range(warmup):
        for run in runners.values():
            run()
    samples: dict[str, dict[str, list[float]]] = {name: {} for name in runners}
    for turn in range(-(-repeats // block)):
        for name, run in runners.items():
            for _ in range(settle):
                run()
            for _ in range(min(block, repeats - turn * block)):
                for phase, seconds in run().items():
                    samples[name].setdefault(phase, []).append(seconds)
    return {name: {phase: summarize(values) for phase, values in phases.items()}
            for name, phases in samples.items()}


# ----- machine --------------------------------------------------------------------------------

def _openblas() -> ctypes.CDLL | None:
    """NumPy's OpenBLAS, found among the libraries this process has loaded."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    for path in sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", maps))):
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def _openblas_function(name: str) -> Callable | None:
    lib = _openblas()
    if lib is None:
        return None
    for prefix in ("scipy_openblas_", "openblas_"):
        for suffix in ("64_", ""):
            function = getattr(lib, f"{prefix}{name}{suffix}", None)
            if function is not None:
                return function
    return None


def numpy_blas_threads() -> int | None:
    """How many threads NumPy's OpenBLAS uses (None if it cannot be asked)."""
    get = _openblas_function("get_num_threads")
    return int(get()) if get is not None else None


def set_threads(threads: int | None) -> dict[str, Any]:
    """Give NumPy's BLAS and PyTorch the same number of threads.

    With `threads=None`, NumPy keeps its default and PyTorch is set to match it.
    """
    if threads is not None:
        set_blas = _openblas_function("set_num_threads")
        if set_blas is not None:
            set_blas(threads)
    blas = numpy_blas_threads()
    target = threads if threads is not None else blas
    if torch is not None and target is not None:
        torch.set_num_threads(target)
    return {"numpy_blas_threads": blas,
            "torch_threads": torch.get_num_threads() if torch is not None else None,
            "threads_requested": threads}


def steady_allocator() -> bool:
    """Tell glibc's malloc to keep freed memory instead of handing it back to the OS.

    By default an array over 128 KB is mmap-ed and freed blocks at the top of the heap are
    trimmed, both adaptively: depending on the order of earlier allocations, a training step
    of this size may give a few MB back and fault them in again on the next step (hundreds of
    page faults per step). Which state a run falls into decided more than the code did: the
    same NumPy step measured 1.45 and 2.7 ms in one process. Applied once, before anything is
    measured, to every library alike (PyTorch's CPU allocator uses malloc too). Returns whether
    it was applied (glibc only).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)
                    and libc.mallopt(m_trim_threshold, 1024 * 1024 * 1024))
    except (OSError, AttributeError):
        return False


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or what `platform` knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_name() -> str:
    """NumPy's BLAS library and version, as `numpy.show_config` reports them."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas['version']}"
    except Exception:  # the config layout differs between NumPy versions
        return "unknown"


def machine_info(threads: dict[str, Any]) -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_name(),
        "torch": torch.__version__ if torch is not None else None,
        "autograd_lite": getattr(ag, "__version__", None),
        "gc_tracked_objects_at_start": len(gc.get_objects()),
        **threads,
    }


# ----- 1. per-op overhead ---------------------------------------------------------------------

CHAINS = {
    "mul_add": "x = x * 1.0001 + 0.0001",
    "sin_mul": "x = sin(x) * 1.0001",
}


def tensor_chain(x: Any, chain: str, n_ops: int) -> Any:
    """The chain on a Tensor: the same code runs on autograd_lite and PyTorch."""
    if chain == "mul_add":
        for _ in range(n_ops // 2):
            x = x * 1.0001 + 0.0001
    else:
        for _ in range(n_ops // 2):
            x = x.sin() * 1.0001
    return x


def numpy_chain(x: np.ndarray, chain: str, n_ops: int) -> tuple[dict[str, float], np.ndarray]:
    """The chain by hand: forward on arrays, keeping what backward needs, then the
    hand-derived backward. Returns the phase times and the gradient."""
    steps = n_ops // 2
    start = time.perf_counter()
    saved = []
    if chain == "mul_add":
        for _ in range(steps):
            x = x * 1.0001 + 0.0001
    else:
        for _ in range(steps):
            saved.append(x)
            x = np.sin(x) * 1.0001
    middle = time.perf_counter()
    grad = np.ones_like(x)
    if chain == "mul_add":
        for _ in range(steps):      # d(x + c) = identity, d(x * c) = c
            grad = grad * 1.0001
    else:
        for inp in reversed(saved):  # d(sin(x) * c) = c cos(x)
            grad = grad * 1.0001
            grad = grad * np.cos(inp)
    end = time.perf_counter()
    return {"forward": middle - start, "backward": end - middle}, grad


def tensor_chain_run(lib: Any, x0: np.ndarray, chain: str,
                     n_ops: int) -> tuple[dict[str, float], np.ndarray]:
    """Forward + backward of the chain in autograd_lite or PyTorch (`lib` is the module)."""
    x = lib.tensor(x0, requires_grad=True)
    ones = lib.ones(x0.shape, dtype=lib.float32)
    start = time.perf_counter()
    y = tensor_chain(x, chain, n_ops)
    middle = time.perf_counter()
    y.backward(ones)
    end = time.perf_counter()
    return {"forward": middle - start, "backward": end - middle}, x.grad.numpy()


def bench_per_op(config: Config) -> dict[str, Any]:
    """µs per op of forward + backward of each chain, per library."""
    x0 = np.linspace(0.1, 0.4, 4, dtype=np.float32)
    n = config.chain_ops
    results: dict[str, Any] = {"n_ops": n, "shape": list(x0.shape), "dtype": "float32",
                               "chains": {}}
    for chain in CHAINS:
        runs: dict[str, Callable[[], tuple[dict[str, float], np.ndarray]]] = {
            "autograd_lite": lambda c=chain: tensor_chain_run(ag, x0, c, n),
            "numpy": lambda c=chain: numpy_chain(x0, c, n),
        }
        if torch is not None:
            runs["torch"] = lambda c=chain: tensor_chain_run(torch, x0, c, n)
        grads = {name: run()[1] for name, run in runs.items()}
        timed = take_turns({name: _with_total(lambda r=run: r()[0]) for name, run in runs.items()},
                           config.chain_repeats, config.warmup)
        results["chains"][chain] = {
            "code": CHAINS[chain],
            "us_per_op": {name: {phase: s["median"] / n * 1e6 for phase, s in phases.items()}
                          for name, phases in timed.items()},
            "us_per_op_min": {name: phases["total"]["min"] / n * 1e6
                              for name, phases in timed.items()},
            "max_grad_difference_vs_numpy": {
                name: float(np.max(np.abs(g - grads["numpy"]))) for name, g in grads.items()},
        }
    return results


def _with_total(run: Callable[[], dict[str, float]]) -> Callable[[], dict[str, float]]:
    def timed() -> dict[str, float]:
        phases = run()
        return {**phases, "total": sum(phases.values())}
    return timed


# ----- 2. MLP training step -------------------------------------------------------------------

def mlp_data(config: Config, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Initial weights (W as (in, out), scaled normal) and biases, a batch and its labels."""
    rng = np.random.default_rng(seed)
    sizes = config.mlp_sizes
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append((rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in))
                      .astype(np.float32))
        params.append(np.zeros(fan_out, dtype=np.float32))
    x = rng.standard_normal((config.mlp_batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], config.mlp_batch)
    return params, x, y


def nn_mlp_step(model: nn.Module, opt: nn.optim.Optimizer, x: ag.Tensor,
                y: ag.Tensor) -> float:
    """One SGD step the way a user of the `nn` package writes it."""
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def nn_mlp(weights: list[np.ndarray], sizes: Sequence[int]) -> nn.MLP:
    """`nn.MLP(sizes)` holding the raw-tensor version's weights: a Linear's weight is
    (out, in), so it gets W.T (made contiguous, as a freshly built layer's is)."""
    model = nn.MLP(list(sizes))
    linears = [name for name, child in model.named_children() if isinstance(child, nn.Linear)]
    state = {}
    for name, weight, bias in zip(linears, weights[0::2], weights[1::2], strict=True):
        state[f"{name}.weight"] = np.ascontiguousarray(weight.T)
        state[f"{name}.bias"] = bias
    model.load_state_dict(state)
    return model


def mlp_runner(lib_name: str, config: Config) -> Callable[[], float]:
    """A zero-argument function doing one training step in `lib_name`, from fresh weights."""
    weights, x, y = mlp_data(config)
    if lib_name == "numpy":
        rows = np.arange(config.mlp_batch)

        def numpy_step() -> float:  # forward, hand-derived backward, in-place update
            loss, grads = hand_mlp(np, weights, x, y, rows)
            hand_update(weights, grads)
            return float(loss)
        return numpy_step
    if lib_name == "autograd_lite_nn":
        model = nn_mlp(weights, config.mlp_sizes)
        opt = nn.optim.SGD(model.parameters(), lr=LEARNING_RATE)
        xt, yt = ag.tensor(x), ag.tensor(y)
        return lambda: nn_mlp_step(model, opt, xt, yt)
    lib = ag if lib_name == "autograd_lite" else torch
    params = [lib.tensor(w, requires_grad=True) for w in weights]
    xt, yt, rows = lib.tensor(x), lib.tensor(y), lib.arange(config.mlp_batch)
    return lambda: tensor_mlp_step(lib, params, xt, yt, rows)


def bench_mlp(config: Config) -> dict[str, Any]:
    """ms per training step, per library, with one BLAS thread and with the run's default,
    and a check that the four rows train alike."""
    libs = [name for name in MLP_LIBRARIES if name != "torch" or torch is not None]
    check_steps = 5
    losses = {}
    for name in libs:
        step = mlp_runner(name, config)
        losses[name] = [step() for _ in range(check_steps)]

    def timed(step: Callable[[], float]) -> Callable[[], dict[str, float]]:
        def run() -> dict[str, float]:
            start = time.perf_counter()
            step()
            return {"step": time.perf_counter() - start}
        return run

    default = numpy_blas_threads() or 1
    by_threads = {}
    try:
        for threads in [1] if config.mlp_one_thread_only else sorted({1, default}):
            set_threads(threads)
            steps = {name: timed(mlp_runner(name, config)) for name in libs}
            timings = take_turns(steps, config.mlp_repeats, config.warmup, config.mlp_block,
                                 config.mlp_settle)
            by_threads[threads] = {
                "ms_per_step": {name: t["step"]["median"] * 1e3 for name, t in timings.items()},
                "ms_per_step_min": {name: t["step"]["min"] * 1e3
                                    for name, t in timings.items()},
            }
    finally:
        set_threads(default)
    return {
        "sizes": list(config.mlp_sizes), "batch": config.mlp_batch, "dtype": "float32",
        "block": config.mlp_block, "settle": config.mlp_settle,
        "by_threads": by_threads,
        f"losses_first_{check_steps}_steps": losses,
        "max_loss_difference_vs_numpy": {
            name: max(abs(a - b) for a, b in zip(values, losses["numpy"]))
            for name, values in losses.items()},
    }


# ----- 3. backward on long scalar chains ------------------------------------------------------

def scalar_chain_run(lib_name: str, n: int) -> dict[str, float]:
    """Build `x * 1.000001` n times on a 0-d float32 tensor and time forward and backward
    (and, for the engines, dropping the graph)."""
    if lib_name == "numpy":
        x = np.float32(1.0)
        start = time.perf_counter()
        for _ in range(n):
            x = x * np.float32(1.000001)
        middle = time.perf_counter()
        grad = np.float32(1.0)
        for _ in range(n):
            grad = grad * np.float32(1.000001)
        end = time.perf_counter()
        return {"forward": middle - start, "backward": end - middle}
    lib = ag if lib_name == "autograd_lite" else torch
    x = lib.tensor(1.0, requires_grad=True)
    start = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * 1.000001
    middle = time.perf_counter()
    y.backward()
    end = time.perf_counter()
    del y
    dropped = time.perf_counter()
    return {"forward": middle - start, "backward": end - middle, "drop": dropped - end}


def bench_scaling(config: Config) -> dict[str, Any]:
    """µs per node of backward (and forward) for each chain length, per library."""
    libs = [name for name in LIBRARIES if name != "torch" or torch is not None]
    rows = []
    for index, (n, repeats) in enumerate(zip(config.scaling_sizes, config.scaling_repeats)):
        timings = take_turns({name: (lambda lib=name, n=n: scalar_chain_run(lib, n))
                              for name in libs},
                             repeats, config.warmup if index == 0 else 0)
        rows.append({
            "nodes": n,
            "backward_s": {name: t["backward"]["median"] for name, t in timings.items()},
            "backward_s_min": {name: t["backward"]["min"] for name, t in timings.items()},
            "us_per_node": {name: {phase: s["median"] / n * 1e6 for phase, s in t.items()}
                            for name, t in timings.items()},
        })
    last, before = rows[-1], rows[-2]
    return {
        "rows": rows,
        "ratio_of": [before["nodes"], last["nodes"]],
        "backward_ratio": {name: last["backward_s"][name] / before["backward_s"][name]
                           for name in libs},
        "backward_ratio_of_minima": {
            name: last["backward_s_min"][name] / before["backward_s_min"][name]
            for name in libs},
    }


# ----- 4. memory ------------------------------------------------------------------------------

def bench_memory(config: Config) -> dict[str, Any]:
    """tracemalloc of autograd_lite over a scalar chain's life, with the collector off."""
    n = config.memory_nodes
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    tracemalloc.start()
    try:
        x = ag.tensor(1.0, requires_grad=True)
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        y = x
        for i in range(n):
            y = y * 1.000001
            if i == n // 2:
                middle = weakref.ref(y.grad_fn)
        after_forward = tracemalloc.get_traced_memory()[0]
        y.backward()
        after_backward, peak = tracemalloc.get_traced_memory()
        del y
        after_drop = tracemalloc.get_traced_memory()[0]
        middle_freed_by_refcount = middle() is None
        # with the collector off, the graph's objects are all still in the young generations:
        # a reference cycle among them would be found here, without emptying free lists
        found_young = gc.collect(1)
        after_young = tracemalloc.get_traced_memory()[0]
        found_full = gc.collect()  # a full collection also empties the free lists
        after_full = tracemalloc.get_traced_memory()[0]
        grad_bytes = x.grad.array.nbytes
    finally:
        tracemalloc.stop()
        if was_enabled:
            gc.enable()
    return {
        "nodes": n,
        "bytes_over_baseline": {
            "peak during forward + backward": peak - baseline,
            "after forward": after_forward - baseline,
            "after backward": after_backward - baseline,
            "after dropping the root (no gc)": after_drop - baseline,
            "after gc.collect(1) (young generations)": after_young - baseline,
            "after gc.collect() (full, empties free lists)": after_full - baseline,
        },
        "objects_found_by_gc_collect": found_young + found_full,
        "middle_node_freed_by_refcount": middle_freed_by_refcount,
        "x_grad_bytes": grad_bytes,
    }


# ----- profiling ------------------------------------------------------------------------------

def profile(config: Config, top: int = 10) -> dict[str, str]:
    """cProfile of autograd_lite's per-op chain and MLP step: the top functions by tottime."""
    x0 = np.linspace(0.1, 0.4, 4, dtype=np.float32)
    step = mlp_runner("autograd_lite", config)
    nn_step = mlp_runner("autograd_lite_nn", config)
    jobs = {
        "per-op chain (mul_add, 20 runs)":
            lambda: [tensor_chain_run(ag, x0, "mul_add", config.chain_ops) for _ in range(20)],
        "MLP step, raw tensors (20 steps)": lambda: [step() for _ in range(20)],
        "MLP step, nn (20 steps)": lambda: [nn_step() for _ in range(20)],
    }
    reports = {}
    for title, job in jobs.items():
        job()  # warm up
        profiler = cProfile.Profile()
        profiler.runcall(job)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
        reports[title] = out.getvalue()
    return reports


# ----- report ---------------------------------------------------------------------------------

def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "—"


def _num(value: float | None, digits: int = 2) -> str:
    return f"{value:,.{digits}f}" if value is not None else "—"


def _aim(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def render_header(results: dict[str, Any]) -> list[str]:
    """Where and how the numbers were measured."""
    m = results["machine"]
    load = ", ".join(f"{v:.2f}" for v in m["load_average_at_start"])
    return [
        "# autograd_lite engine benchmarks",
        "",
        f"- Date: {m['date']}; command: `{results['command']}`",
        f"- CPU: {m['cpu']}, {m['cores']} cores; load average at start {load} (other work "
        "runs concurrently: every number is a median, and the libraries take turns)",
        f"- Python {m['python']}, NumPy {m['numpy']} ({m['blas']}, "
        f"{m['numpy_blas_threads']} BLAS threads), PyTorch {m['torch'] or 'not installed'} "
        f"({m['torch_threads']} threads, set to match NumPy's BLAS)",
        f"- Load average at the end {', '.join(f'{v:.2f}' for v in m['load_average_at_end'])}"
        "; a busy neighbour process makes multi-threaded BLAS timings erratic on few cores "
        "(threads wait for a descheduled partner): the 1-thread MLP rows are the stable "
        "comparison",
        allocator_note(m.get("steady_allocator")),
    ]


def allocator_note(applied: bool | None) -> str:
    """The report line saying how malloc was set (see `steady_allocator`)."""
    if not applied:
        return ("- glibc's malloc could not be told to keep freed memory: page faults from "
                "memory handed back to the OS may add to the step times")
    return ("- glibc's malloc keeps freed memory (`mallopt`: no trimming, no mmap below 32 MB) "
            "for every library alike: otherwise whether a step's few MB are handed back to the "
            "OS and faulted in again decides more than the code does")


def render_per_op(per_op: dict[str, Any]) -> list[str]:
    """Section 1: µs per op of the elementwise chains."""
    lines = [
        f"## 1. Per-op overhead: forward + backward of a {per_op['n_ops']:,}-op chain, "
        "shape (4,), float32",
        "",
        "| chain | library | forward µs/op | backward µs/op | total µs/op | total (min) "
        "| vs NumPy | vs PyTorch |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for chain in per_op["chains"].values():
        t = chain["us_per_op"]
        torch_total = t.get("torch", {}).get("total")
        for name, phases in t.items():
            lines.append(
                f"| `{chain['code']}` | {name} | {_num(phases['forward'])} | "
                f"{_num(phases['backward'])} | {_num(phases['total'])} | "
                f"{_num(chain['us_per_op_min'][name])} | "
                f"{_ratio(phases['total'], t['numpy']['total'])} | "
                f"{_ratio(phases['total'], torch_total)} |")
        if torch_total:
            verdicts.append(t["autograd_lite"]["total"] / torch_total <= PER_OP_AIM)
    lines += ["", "Forward and backward are medians of their own; total is the median of "
                  "the runs' sums. The same Tensor code runs on autograd_lite and PyTorch; the "
                  "NumPy floor is the forward on arrays and the hand-derived backward."]
    if verdicts:
        lines[-1] += (f" Aim: autograd_lite at most {PER_OP_AIM}x PyTorch's per-op time: "
                      f"{_aim(all(verdicts))}.")
    return lines


def render_mlp(mlp: dict[str, Any]) -> list[str]:
    """Section 2: ms per MLP training step, per thread count."""
    sizes = "-".join(map(str, mlp["sizes"]))
    lines = [
        f"## 2. MLP {sizes} training step (ReLU, softmax cross-entropy, SGD), batch "
        f"{mlp['batch']}, float32",
        "",
        "| threads | library | ms/step (median) | ms/step (min) | vs NumPy | vs PyTorch |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    verdicts = []
    for threads, timing in mlp["by_threads"].items():
        ms = timing["ms_per_step"]
        for name in ms:
            lines.append(
                f"| {threads} | {MLP_LABELS.get(name, name)} | {_num(ms[name])} | "
                f"{_num(timing['ms_per_step_min'][name])} | {_ratio(ms[name], ms['numpy'])} | "
                f"{_ratio(ms[name], ms.get('torch'))} |")
        ours = [f"{kind} {_aim(ms[name] / ms['numpy'] <= MLP_AIM)}"
                for name, kind in (("autograd_lite", "raw tensors"), ("autograd_lite_nn", "nn"))
                if name in ms]
        verdicts.append(f"{threads} thread{'s' if int(threads) > 1 else ''}: "
                        + ", ".join(ours))
    diff = max(mlp["max_loss_difference_vs_numpy"].values())
    lines += [
        "",
        "The raw-tensor rows run the same Tensor code in autograd_lite and PyTorch (`h @ W + "
        "b`, `relu`, `-log_softmax(1)[rows, y].mean()`, in-place update under `no_grad`); the "
        "nn row is what a user of the `nn` package writes: `nn.MLP`, `F.cross_entropy`, "
        "`opt.zero_grad(); loss.backward(); opt.step()` with `nn.optim.SGD`, from the same "
        "initial weights. "
        f"NumPy's BLAS and PyTorch get the same number of threads. Each library runs blocks "
        f"of {mlp['block']} measured steps after {mlp['settle']} unmeasured ones (the thread "
        "pool of the library before is still spinning when a block starts). The losses of "
        f"the first steps agree within {diff:.1e}. Aim: autograd_lite at most {MLP_AIM}x "
        "hand-written NumPy (stated for raw tensors; the nn row is judged alike for "
        f"reference): {'; '.join(verdicts)}.",
    ]
    return lines


def render_scaling(scaling: dict[str, Any], heap_objects: int) -> list[str]:
    """Section 3: backward µs per node on long scalar chains."""
    libs = list(scaling["backward_ratio"])
    has_torch = "torch" in libs
    lines = [
        "## 3. Backward on scalar chains `x = x * 1.000001` (0-d float32), time of "
        "backward only",
        "",
        "| nodes | " + " | ".join(f"{name} µs/node" for name in libs)
        + " | autograd_lite vs PyTorch | forward µs/node: autograd_lite"
        + (" | PyTorch |" if has_torch else " |"),
        "|---:|" + "---:|" * (len(libs) + 2 + has_torch),
    ]
    for row in scaling["rows"]:
        u = row["us_per_node"]
        torch_row = u.get("torch", {})
        lines.append(
            f"| {row['nodes']:,} | " + " | ".join(_num(u[name]["backward"]) for name in libs)
            + f" | {_ratio(u['autograd_lite']['backward'], torch_row.get('backward'))}"
            + f" | {_num(u['autograd_lite']['forward'])}"
            + (f" | {_num(torch_row['forward'])} |" if has_torch else " |"))
    small, large = scaling["ratio_of"]
    ratios, minima = scaling["backward_ratio"], scaling["backward_ratio_of_minima"]
    low, high = (bound * large / small / 10 for bound in LINEAR_AIM)
    lines += [
        "",
        "The forward times include the cyclic garbage collector's passes over the growing "
        "graph (a PyTorch graph lives in C++ and is not scanned); a full pass also scans the "
        f"{heap_objects:,} objects the process held at the start, PyTorch's modules among "
        "them. "
        f"Backward time ratio t({large:,}) / t({small:,}) of the medians: "
        + ", ".join(f"{name} {ratios[name]:.2f}" for name in libs)
        + "; of the minima: "
        + ", ".join(f"{name} {minima[name]:.2f}" for name in libs)
        + f". Aim for autograd_lite: {low:.0f}-{high:.0f} (linear), judged on the minima, "
        "since load from other processes only ever adds time: "
        f"{_aim(low <= minima['autograd_lite'] <= high)}.",
    ]
    return lines


def render_memory(mem: dict[str, Any]) -> list[str]:
    """Section 4: autograd_lite's memory over a chain's life."""
    n = mem["nodes"]
    lines = [
        f"## 4. Memory of autograd_lite on a {n:,}-node scalar chain (tracemalloc, "
        "collector off)",
        "",
        "| moment | bytes over the baseline before the forward | per node |",
        "|---|---:|---:|",
    ]
    after = mem["bytes_over_baseline"]
    for moment, value in after.items():
        lines.append(f"| {moment} | {value:,} | {value / n:,.1f} |")
    left = after["after dropping the root (no gc)"]
    final = after["after gc.collect() (full, empties free lists)"]
    found = mem["objects_found_by_gc_collect"]
    freed = mem["middle_node_freed_by_refcount"]
    lines += [
        "",
        f"After dropping the root, {left:,} bytes remain; the collector then finds {found} "
        "unreachable objects, and a full collection brings the memory back to "
        f"{final:,} bytes over the baseline (`x.grad` and its {mem['x_grad_bytes']}-byte "
        "array among them)"
        + (": what stayed before it was the interpreter's free lists (the tuples of recently "
           "freed gradients), not the graph." if found == 0 else ".")
        + " A node from the middle of the chain was freed by reference counting alone: "
        f"{'yes' if freed else 'no'}. Aim (back to the baseline, no reference cycles): "
        f"{_aim(freed and found == 0 and final < MEMORY_SLACK)}.",
    ]
    return lines


def render_markdown(results: dict[str, Any]) -> str:
    """The results as a markdown report: the header, then a section per benchmark run."""
    heap = results["machine"]["gc_tracked_objects_at_start"]
    sections: dict[str, Callable[[dict[str, Any]], list[str]]] = {
        "per_op": render_per_op, "mlp": render_mlp,
        "scaling": lambda scaling: render_scaling(scaling, heap), "memory": render_memory}
    lines = render_header(results)
    for name, render in sections.items():
        if name in results:
            lines += ["", *render(results[name])]
    return "\n".join(lines) + "\n"


# ----- main -----------------------------------------------------------------------------------

BENCHMARKS: dict[str, Callable[[Config], dict[str, Any]]] = {
    "per_op": bench_per_op, "mlp": bench_mlp, "scaling": bench_scaling, "memory": bench_memory}


def run(config: Config, threads: int | None, command: str, log: Callable[[str], None],
        only: Sequence[str] = tuple(BENCHMARKS)) -> dict[str, Any]:
    """The benchmarks named in `only`, in order; the results as one JSON-ready dict."""
    results: dict[str, Any] = {"command": command, "config": asdict(config)}
    results["machine"] = machine_info(set_threads(threads))
    for name in only:
        bench = BENCHMARKS[name]
        start = time.perf_counter()
        results[name] = bench(config)
        log(f"{name}: {time.perf_counter() - start:.1f} s")
    results["machine"]["load_average_at_end"] = os.getloadavg()
    return results


@dataclass
class Options:
    """Command-line options."""

    quick: bool = False
    threads: int | None = None
    out_dir: Path = RESULTS_DIR
    save: bool = True
    profile: bool = False
    only: list[str] = field(default_factory=lambda: list(BENCHMARKS))
    argv: list[str] = field(default_factory=list)


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few repeats: a few seconds (a smoke test)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for NumPy's BLAS and PyTorch (default: NumPy's, "
                             "and PyTorch set to match)")
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR,
                        help="where to write engine.md and engine.json")
    parser.add_argument("--no-save", action="store_true", help="only print the table")
    parser.add_argument("--profile", action="store_true",
                        help="also print cProfile's top functions for the chain and MLP step")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), default=list(BENCHMARKS),
                        help="run only these benchmarks (the files are then not written)")
    args = parser.parse_args(argv)
    return Options(quick=args.quick, threads=args.threads, out_dir=args.out_dir,
                   save=not args.no_save and args.only == list(BENCHMARKS),
                   profile=args.profile, only=args.only,
                   argv=list(sys.argv[1:] if argv is None else argv))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the markdown table and write the result files."""
    options = parse_args(argv)
    config = QUICK if options.quick else Config()
    command = " ".join(["python benchmarks/bench_engine.py", *options.argv])

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    steady = steady_allocator()
    results = run(config, options.threads, command, log, options.only)
    results["machine"]["steady_allocator"] = steady
    if options.profile:
        results["profile"] = profile(config)
    markdown = render_markdown(results)
    print(markdown)
    if options.profile:
        for title, report in results["profile"].items():
            print(f"## cProfile of autograd_lite: {title}\n\n```\n{report.strip()}\n```\n")
    if options.save:
        options.out_dir.mkdir(parents=True, exist_ok=True)
        stem = "engine_quick" if options.quick else "engine"
        (options.out_dir / f"{stem}.md").write_text(markdown)
        (options.out_dir / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
        log(f"wrote {options.out_dir / stem}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
