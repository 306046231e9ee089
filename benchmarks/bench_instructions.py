"""Instruction counts of the engine's hot paths, for comparing two source trees (e.g. a base
commit and a branch) on a shared, noisy machine where wall-clock timings wander.

Each case runs under `valgrind --tool=callgrind` twice, for N and for 3N steps after the same
warm-up; the difference divided by 2N is the cost of one step, without import and setup.
Counts are deterministic (hash seed fixed, collector off, one BLAS thread), so a change of a
fraction of a percent is real. Cases (small arrays, so the Python overhead dominates):

- `per_op mul_add` / `per_op sin_mul`: forward + backward of `x = x * 1.0001 + 0.0001` /
  `x = x.sin() * 1.0001` on a shape-(4,) float32 tensor, per op (as in bench_engine.py);
- `mlp raw`: one SGD step of bench_engine's MLP 784-512-256-10 at batch 8 (not 128: the
  Python around the kernels is what differs) with raw tensors (`hand_steps.tensor_mlp_step`,
  as in bench_engine.py); `mlp nn`: the same with `nn.MLP`, `F.cross_entropy`, `nn.optim.SGD`;
- `conv`: one step of bench_conv.py's CNN (Conv2d 1→8 3x3, ReLU, MaxPool2d, Flatten, Linear,
  cross-entropy, SGD) at batch 4.

Usage::

    python benchmarks/bench_instructions.py BASE_TREE HEAD_TREE [MORE_TREES...]
    python benchmarks/bench_instructions.py /work/wt/base . --cases per_op_mul_add

prints a markdown table of instructions per op / step, each tree imported by PYTHONPATH.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_steps import tensor_mlp_step  # noqa: E402 - torch-free, unlike bench_engine

CASES = {  # name: (label, steps N, unit divisor: ops per step)
    "per_op_mul_add": ("per op: `x * 1.0001 + 0.0001`", 10, 200),
    "per_op_sin_mul": ("per op: `x.sin() * 1.0001`", 10, 200),
    "mlp_raw": ("MLP step, raw tensors (784-512-256-10, batch 8)", 5, 1),
    "mlp_nn": ("MLP step, nn + F.cross_entropy + optim.SGD", 5, 1),
    "conv": ("conv step (bench_conv's CNN, batch 4)", 5, 1),
}
WARMUP = 3


def make_step(case: str) -> Callable[[], object]:
    """One step of `case`, built from fresh data with the autograd_lite on the path."""
    import autograd_lite as ag
    import nn
    from nn import functional as F

    rng = np.random.default_rng(0)
    if case.startswith("per_op"):
        x0 = np.linspace(0.1, 0.4, 4, dtype=np.float32)
        ops = CASES[case][2]

        def chain() -> None:
            y = ag.tensor(x0, requires_grad=True)
            for _ in range(ops // 2):
                y = y * 1.0001 + 0.0001 if case == "per_op_mul_add" else y.sin() * 1.0001
            y.backward(ag.ones(4))
        return chain
    if case.startswith("mlp"):
        sizes, batch = (784, 512, 256, 10), 8
        x = ag.tensor(rng.standard_normal((batch, sizes[0])).astype(np.float32))
        y = ag.tensor(rng.integers(0, sizes[-1], batch))
        if case == "mlp_nn":
            model = nn.MLP(list(sizes))
            return _nn_step(model, x, y, F.cross_entropy, nn.optim.SGD)
        params = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            params.append(ag.tensor(rng.standard_normal((fan_in, fan_out)).astype(np.float32)
                                    / np.float32(np.sqrt(fan_in)), requires_grad=True))
            params.append(ag.zeros(fan_out, requires_grad=True))
        rows = ag.arange(batch)

        return lambda: tensor_mlp_step(ag, params, x, y, rows)
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(8 * 13 * 13, 10))
    x = ag.from_numpy(rng.standard_normal((4, 1, 28, 28)).astype(np.float32))
    y = ag.from_numpy(rng.integers(0, 10, 4))
    return _nn_step(model, x, y, F.cross_entropy, nn.optim.SGD)


def _nn_step(model, x, y, loss_fn, optimizer) -> Callable[[], object]:
    opt = optimizer(model.parameters(), lr=0.01)

    def step() -> None:  # bench_engine.nn_mlp_step
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()
    return step


def run_worker(case: str, steps: int) -> None:
    """Inside valgrind: warm up, then run `steps` steps with the collector off."""
    step = make_step(case)
    gc.collect()
    gc.disable()
    for _ in range(WARMUP + steps):
        step()


def instructions(tree: Path, case: str, steps: int) -> int:
    """Total instructions of a worker process running `steps` steps of `case` in `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                        sys.executable, __file__, "--worker", case, str(steps)],
                       env=env, check=True, capture_output=True)
        return int(re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.M).group(1))


def per_step(tree: Path, case: str) -> float:
    """Instructions of one step (or op) of `case` in `tree`: (I(3N) - I(N)) / 2N."""
    _, n, ops = CASES[case]
    return (instructions(tree, case, 3 * n) - instructions(tree, case, n)) / (2 * n * ops)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*", type=Path, help="source trees; the first is the base")
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--worker", nargs=2, metavar=("CASE", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return run_worker(args.worker[0], int(args.worker[1]))
    trees = [tree.resolve() for tree in args.trees]
    print("| case | " + " | ".join(str(t) for t in trees) + " |")
    print("|---|" + "---:|" * len(trees))
    for case in args.cases:
        counts = [per_step(tree, case) for tree in trees]
        cells = [f"{counts[0]:,.0f}"] + [f"{c:,.0f} ({c / counts[0] - 1:+.1%})"
                                         for c in counts[1:]]
        print(f"| {CASES[case][0]} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
