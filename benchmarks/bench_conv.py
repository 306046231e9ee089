"""Convolution benchmark: one CNN training step in autograd_lite, hand-written NumPy and PyTorch.

The step (issue 5, "Speed"): Conv2d(1→8, 3x3) → ReLU → MaxPool2d(2) → Flatten →
Linear(8·13·13 → 10), softmax cross-entropy over 10 classes and a plain SGD update (lr 0.01),
on a batch of 64 random 1x28x28 float32 images. Three implementations start from the same
weights:

- autograd_lite: `nn.Sequential` of `nn.Conv2d`, `nn.ReLU`, `nn.MaxPool2d`, `nn.Flatten`,
  `nn.Linear`, `F.cross_entropy`, `nn.optim.SGD`.
- numpy: the same step written by hand (forward, hand-derived backward, update; in
  `hand_steps.py`), with the techniques an experienced NumPy programmer uses: im2col through
  `as_strided` and one batched matmul, col2im-free weight gradient (the input needs none), max
  pooling by strided slices. It is the floor for any NumPy engine: the ratio measures
  autograd_lite's overhead.
- torch: the same model in PyTorch CPU (`torch.nn`), with as many threads as NumPy's BLAS.

Each step is timed in three phases: forward (to the loss), backward, update. Timings are
medians; the libraries take turns in blocks (see `bench_engine.take_turns`), once with one
thread and once with NumPy's default BLAS threads. Usage::

    python benchmarks/bench_conv.py             # ~1 minute
    python benchmarks/bench_conv.py --quick     # a few seconds (smoke test)
    python benchmarks/bench_conv.py --profile   # also cProfile the autograd_lite step

The markdown table goes to stdout and to `benchmarks/results/conv.md` (`conv_quick.md` with
`--quick`), the numbers to `conv.json` beside it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

import autograd_lite as ag
import nn
from nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import (  # noqa: E402 - the sibling benchmark's measuring tools
    RESULTS_DIR,
    allocator_note,
    machine_info,
    numpy_blas_threads,
    set_threads,
    steady_allocator,
    take_turns,
    torch,
)
from hand_steps import (  # noqa: E402 - the step by hand, shared with bench_gpu.py
    LEARNING_RATE,
    hand_cnn_backward,
    hand_cnn_forward,
    hand_update,
)

LIBRARIES = ("autograd_lite", "numpy", "torch")
NUMPY_AIM = 1.25   # autograd_lite step at most this times the hand-written NumPy step
TORCH_AIM = 2.0    # ... and at most this times PyTorch's
PARAMETERS = ("0.weight", "0.bias", "4.weight", "4.bias")  # the nn.Sequential's state_dict keys


@dataclass
class Config:
    """Sizes and repeat counts of one run."""

    batch: int = 64
    image: int = 28
    channels: int = 8
    kernel: int = 3
    classes: int = 10
    repeats: int = 60
    block: int = 10      # measured steps of one library in a row
    settle: int = 3      # unmeasured steps at the start of each block
    warmup: int = 3
    one_thread_only: bool = False

    @property
    def features(self) -> int:
        side = (self.image - self.kernel + 1) // 2
        return self.channels * side * side


QUICK = Config(repeats=6, block=3, settle=1, warmup=1, one_thread_only=True)


# ----- data and weights -----------------------------------------------------------------------

def make_data(config: Config, seed: int = 0) -> dict[str, np.ndarray]:
    """A batch, its labels and initial weights drawn like PyTorch's defaults."""
    rng = np.random.default_rng(seed)
    k, c = config.kernel, config.channels

    def uniform(fan_in: int, shape: tuple[int, ...]) -> np.ndarray:
        bound = 1 / math.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    return {
        "x": rng.standard_normal((config.batch, 1, config.image, config.image))
               .astype(np.float32),
        "y": rng.integers(0, config.classes, config.batch),
        "0.weight": uniform(k * k, (c, 1, k, k)), "0.bias": uniform(k * k, (c,)),
        "4.weight": uniform(config.features, (config.classes, config.features)),
        "4.bias": uniform(config.features, (config.classes,)),
    }


# ----- hand-written NumPy ----------------------------------------------------------------------

class NumpyCNN:
    """The step by hand (`hand_steps`: im2col forward, hand-derived backward, SGD update),
    one method per phase, so that each phase is timed on its own."""

    def __init__(self, data: dict[str, np.ndarray], config: Config) -> None:
        self.params = [data[name].copy() for name in PARAMETERS]
        self.rows = np.arange(config.batch)

    def forward(self, x: np.ndarray, y: np.ndarray) -> float:
        loss, self.saved = hand_cnn_forward(np, self.params, x, y, self.rows)
        return float(loss)

    def backward(self) -> None:
        self.gradients = hand_cnn_backward(np, self.saved)

    def update(self) -> None:
        hand_update(self.params, self.gradients)

    def grads(self) -> dict[str, np.ndarray]:
        return dict(zip(PARAMETERS, self.gradients))


# ----- the three runners -----------------------------------------------------------------------

def _timed(forward: Callable[[], Any], backward: Callable[[], Any], update: Callable[[], Any]
           ) -> Callable[[], dict[str, float]]:
    def run() -> dict[str, float]:
        t0 = time.perf_counter()
        forward()
        t1 = time.perf_counter()
        backward()
        t2 = time.perf_counter()
        update()
        t3 = time.perf_counter()
        return {"forward": t1 - t0, "backward": t2 - t1, "update": t3 - t2, "total": t3 - t0}
    return run


def runner(lib_name: str, config: Config) -> tuple[Callable[[], dict[str, float]], Callable]:
    """A timed step of `lib_name` from fresh weights, and a function returning (loss, grads)
    after one untimed step (to check that the three agree)."""
    data = make_data(config)
    weights = {k: v for k, v in data.items() if "." in k}
    k, c = config.kernel, config.channels
    if lib_name == "numpy":
        model = NumpyCNN(data, config)
        state: dict[str, Any] = {}

        def np_forward() -> None:
            state["loss"] = model.forward(data["x"], data["y"])

        def np_check() -> tuple[float, dict[str, np.ndarray]]:
            np_forward()
            model.backward()
            return state["loss"], model.grads()
        return _timed(np_forward, model.backward, model.update), np_check

    if lib_name == "autograd_lite":
        model = nn.Sequential(nn.Conv2d(1, c, k), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(config.features, config.classes))
        model.load_state_dict(weights)
        opt = nn.optim.SGD(model.parameters(), lr=LEARNING_RATE)
        x, y, loss_fn = ag.from_numpy(data["x"]), ag.from_numpy(data["y"]), F.cross_entropy
    else:
        tnn = torch.nn
        model = tnn.Sequential(tnn.Conv2d(1, c, k), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
                               tnn.Linear(config.features, config.classes))
        model.load_state_dict({key: torch.from_numpy(v) for key, v in weights.items()})
        opt = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
        x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])
        loss_fn = torch.nn.functional.cross_entropy
    state = {}

    def forward() -> None:
        state["loss"] = loss_fn(model(x), y)

    def backward() -> None:
        opt.zero_grad()
        state["loss"].backward()

    def check() -> tuple[float, dict[str, np.ndarray]]:
        forward()
        backward()
        return (float(state["loss"].item()),
                {name: np.array(p.grad.detach().numpy()) for name, p in model.named_parameters()})
    return _timed(forward, backward, opt.step), check


def agreement(config: Config, libs: Sequence[str]) -> dict[str, Any]:
    """Loss and largest relative gradient difference of each library against NumPy's."""
    results = {name: runner(name, config)[1]() for name in libs}
    ref_loss, ref_grads = results["numpy"]
    return {name: {"loss": loss,
                   "max_rel_grad_diff": max(
                       float(np.abs(g - ref_grads[key]).max() / np.abs(ref_grads[key]).max())
                       for key, g in grads.items())}
            for name, (loss, grads) in results.items()}


def bench(config: Config) -> dict[str, Any]:
    """ms per phase per library, with one thread and with NumPy's default BLAS threads."""
    libs = [name for name in LIBRARIES if name != "torch" or torch is not None]
    default = numpy_blas_threads() or 1
    by_threads = {}
    try:
        for threads in [1] if config.one_thread_only else sorted({1, default}):
            set_threads(threads)
            steps = {name: runner(name, config)[0] for name in libs}
            timings = take_turns(steps, config.repeats, config.warmup, config.block,
                                 config.settle)
            by_threads[threads] = {
                name: {phase: {"median_ms": t["median"] * 1e3, "min_ms": t["min"] * 1e3}
                       for phase, t in phases.items()}
                for name, phases in timings.items()}
    finally:
        set_threads(default)
    return {"by_threads": by_threads, "agreement": agreement(config, libs)}


def profile(config: Config, steps: int = 50, top: int = 15) -> str:
    """cProfile of autograd_lite's step: the top functions by own time."""
    step = runner("autograd_lite", config)[0]
    step()
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [step() for _ in range(steps)])
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue()


# ----- report ----------------------------------------------------------------------------------

def render_markdown(results: dict[str, Any]) -> str:
    """The results as a markdown report."""
    m, config = results["machine"], results["config"]
    load = ", ".join(f"{v:.2f}" for v in m["load_average_at_start"])
    end = ", ".join(f"{v:.2f}" for v in m["load_average_at_end"])
    lines = [
        "# Convolution benchmark: one CNN training step",
        "",
        f"- Date: {m['date']}; command: `{results['command']}`",
        f"- CPU: {m['cpu']}, {m['cores']} cores; load average at start {load}, at the end "
        f"{end} (other work runs concurrently: the libraries take turns, and both the median "
        "and the fastest step are shown)",
        f"- Python {m['python']}, NumPy {m['numpy']} ({m['blas']}, {m['numpy_blas_threads']} "
        f"BLAS threads by default), PyTorch {m['torch'] or 'not installed'}",
        allocator_note(m.get("steady_allocator")),
        f"- Step: Conv2d(1→{config['channels']}, {config['kernel']}x{config['kernel']}) → ReLU "
        f"→ MaxPool2d(2) → Flatten → Linear({config['features']}→{config['classes']}), "
        f"cross-entropy, SGD; batch {config['batch']} of 1x{config['image']}x{config['image']}, "
        "float32, the same initial weights in all three.",
        "- `numpy` is the textbook hand-written step: im2col by `as_strided` + one batched "
        "matmul, bias added after it, max pooling by strided slices, gradients into `np.zeros`. "
        "autograd_lite's kernels do the same plus two tricks: the bias rides in the matmul (a "
        "row of ones in the patches, so its gradient comes out of the weight-gradient product) "
        "and the max-pool backward skips zero-filling when the windows tile the input.",
        "- Phase columns are medians; `step` is the median (and the minimum) of whole steps.",
        "",
    ]
    aims = []
    for threads, timings in results["bench"]["by_threads"].items():
        lines += [f"## {threads} thread{'s' if int(threads) > 1 else ''} (NumPy BLAS and "
                  "PyTorch)", "",
                  "| library | forward ms | backward ms | update ms | step ms (median) "
                  "| step ms (min) | vs NumPy (median / min) | vs PyTorch (median / min) |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        ref_np = timings["numpy"]["total"]
        ref_torch = timings.get("torch", {}).get("total")
        for name, phases in timings.items():
            total = phases["total"]
            ratio_np = (f"{total['median_ms'] / ref_np['median_ms']:.2f}x / "
                        f"{total['min_ms'] / ref_np['min_ms']:.2f}x")
            ratio_torch = (f"{total['median_ms'] / ref_torch['median_ms']:.2f}x / "
                           f"{total['min_ms'] / ref_torch['min_ms']:.2f}x" if ref_torch else "—")
            lines.append(
                f"| {name} | {phases['forward']['median_ms']:.2f} | "
                f"{phases['backward']['median_ms']:.2f} | {phases['update']['median_ms']:.2f} | "
                f"{total['median_ms']:.2f} | {total['min_ms']:.2f} | {ratio_np} | "
                f"{ratio_torch} |")
        ours = timings["autograd_lite"]["total"]
        text = f"{threads} thread(s): "
        for ref, aim, label in ((ref_np, NUMPY_AIM, "NumPy"), (ref_torch, TORCH_AIM, "PyTorch")):
            if ref is None:
                continue
            median, fastest = (ours[k] / ref[k] for k in ("median_ms", "min_ms"))
            verdict = ("met" if median <= aim else
                       "met by the fastest steps only" if fastest <= aim else "not met")
            text += (f"autograd_lite / {label} = {median:.2f}x (median), {fastest:.2f}x "
                     f"(fastest): aim ≤ {aim}x **{verdict}**; ")
        aims.append(text.rstrip("; "))
        lines.append("")
    lines += ["## Aims", "", *[f"- {a}" for a in aims], "", "## Agreement after one step", "",
              "| library | loss | max relative gradient difference vs NumPy |",
              "|---|---:|---:|"]
    for name, row in results["bench"]["agreement"].items():
        lines.append(f"| {name} | {row['loss']:.6f} | {row['max_rel_grad_diff']:.1e} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the markdown table and write the result files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke test")
    parser.add_argument("--profile", action="store_true",
                        help="also print cProfile's top functions of the autograd_lite step")
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-save", action="store_true", help="only print the table")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else Config()
    command = " ".join(["python benchmarks/bench_conv.py",
                        *(sys.argv[1:] if argv is None else argv)])
    results: dict[str, Any] = {"command": command,
                               "config": {**asdict(config), "features": config.features}}
    results["machine"] = machine_info(set_threads(None))
    results["machine"]["steady_allocator"] = steady_allocator()
    results["bench"] = bench(config)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    markdown = render_markdown(results)
    print(markdown)
    if args.profile:
        print(f"## cProfile of the autograd_lite step (50 steps)\n\n```\n"
              f"{profile(config).strip()}\n```")
    if not args.no_save:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        stem = "conv_quick" if args.quick else "conv"
        (args.out_dir / f"{stem}.md").write_text(markdown)
        (args.out_dir / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.out_dir / stem}.md and .json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
