"""Memory benchmark: what autograd_lite's graphs make the process hold, beside PyTorch CPU.

The same Tensor code runs on both libraries, in two situations: (1) 60 SGD steps of an MLP
784-512-256-10 (ReLU, log-softmax + NLL, lr 0.01, batch 128, float32) keeping every loss tensor
(`history.append(loss)` after `loss.backward()`, the commonest pattern in scripts) or only
`loss.item()`: RSS growth over the loop and its peak, from a baseline after one warm-up step;
(2) a 20-op chain `x = (x * 1.0001).sin()` on 2,000,000 float32 (8 MB) from a leaf that
requires grad, `.sum()`, `backward()`: RSS over the baseline while `loss` is alive and after
`del loss`. Each measurement runs in a fresh process (forked from one per library that
imported it); RSS from /proc/self/statm, the peak from VmHWM, reset through clear_refs. Usage::

    python benchmarks/bench_memory.py             # full run, ~15 s
    python benchmarks/bench_memory.py --quick     # 10 steps, a 200,000-element chain, ~10 s
    python benchmarks/bench_memory.py --no-save   # print only; --out-dir DIR writes elsewhere

The report goes to stdout and to `benchmarks/results/memory.md` (`memory_quick.md` with
`--quick`), the numbers (bytes) to `memory.json` beside it.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import gc
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_steps import tensor_mlp_train_step  # noqa: E402 - imports no library itself

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
LIBRARIES = ("autograd_lite", "torch")
GROWTH_AIM = 1.5   # RSS growth with kept losses at most this times PyTorch's
PEAK_AIM = 1.0     # peak without kept losses at most PyTorch's
CHAIN_AIM = 1.10   # the chain's RSS while the loss is alive at most PyTorch's + 10%


@dataclass
class Config:
    """Sizes of one run."""

    sizes: tuple[int, ...] = (784, 512, 256, 10)
    batch: int = 128
    steps: int = 60
    chain_elements: int = 2_000_000
    chain_ops: int = 20


QUICK = Config(steps=10, chain_elements=200_000)


# ----- in the child processes -----------------------------------------------------------------

def release_freed_memory() -> bool:
    """Fix glibc's thresholds so that a freed block of 128 KB or more goes back to the OS
    (bench_engine.py keeps freed memory, for steady timings; here RSS must show what is live).

    By default they adapt: after an 8 MB array is freed, later ones come from the heap and may
    stay resident once freed. Returns whether it was applied (glibc only)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 128 * 1024)
                    and libc.mallopt(m_trim_threshold, 128 * 1024))
    except (OSError, AttributeError):
        return False


def rss() -> int:
    """Resident set size in bytes (/proc/self/statm)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss() -> int:
    """The high-water mark of RSS in bytes (VmHWM)."""
    return int(re.search(r"VmHWM:\s*(\d+)", Path("/proc/self/status").read_text())[1]) * 1024


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS; whether the kernel did."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return peak_rss() <= rss() + 64 * 1024


def train(lib: Any, config: Config, keep_tensors: bool) -> dict[str, Any]:
    """The training loop, measured after one warm-up step; the same code for both libraries."""
    import numpy as np
    rng = np.random.default_rng(0)
    params = []
    for fan_in, fan_out in zip(config.sizes[:-1], config.sizes[1:]):
        w = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
        params += [lib.tensor(w.astype(np.float32), requires_grad=True),
                   lib.tensor(np.zeros(fan_out, dtype=np.float32), requires_grad=True)]
    x = lib.tensor(rng.standard_normal((config.batch, config.sizes[0])).astype(np.float32))
    y = lib.tensor(rng.integers(0, config.sizes[-1], config.batch))
    rows = lib.arange(config.batch)

    def step() -> Any:
        """One SGD step; its loss, which holds whatever the library keeps of the graph."""
        return tensor_mlp_train_step(lib, params, x, y, rows)

    step()  # warm-up: lazily loaded code, first calls; its loss is dropped (no loop has one yet)
    gc.collect()
    baseline, reset = rss(), reset_peak()
    history: list[Any] = []
    for _ in range(config.steps):
        loss = step()
        history.append(loss if keep_tensors else loss.item())
    peak = peak_rss()
    gc.collect()
    growth = rss() - baseline
    return {"growth_bytes": growth, "peak_bytes": peak - baseline if reset else peak,
            "peak_reset": reset, "baseline_bytes": baseline,
            "losses": [float(v.item()) if keep_tensors else v for v in history]}


def chain(x: Any, ops: int) -> Any:
    """`ops` elementwise ops: a multiplication and a sine, in turn."""
    for _ in range(ops // 2):
        x = (x * 1.0001).sin()
    return x


def hold(lib: Any, config: Config) -> dict[str, Any]:
    """What the process holds after the chain's backward, with `loss` alive and after `del`."""
    import numpy as np
    x0 = np.random.default_rng(0).standard_normal(config.chain_elements).astype(np.float32)
    x = lib.tensor(x0, requires_grad=True)
    del x0
    chain(x, config.chain_ops).sum().backward()  # warm-up: lazily loaded code, first calls
    x.grad = None
    gc.collect()
    baseline, reset = rss(), reset_peak()
    loss = chain(x, config.chain_ops).sum()
    loss.backward()
    gc.collect()
    alive, peak = rss(), peak_rss()
    del loss
    gc.collect()
    return {"alive_bytes": alive - baseline, "after_del_bytes": rss() - baseline,
            "peak_bytes": peak - baseline if reset else peak, "peak_reset": reset,
            "baseline_bytes": baseline, "x_grad_bytes": x.grad.numpy().nbytes,
            "grad_sum": float(x.grad.sum().item())}


def forked(job: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `job` in a forked copy of this process: a fresh process for each measurement, with
    the library already imported (importing PyTorch takes seconds)."""
    read, write = os.pipe()
    if (pid := os.fork()) == 0:
        try:
            os.write(write, json.dumps(job()).encode())
            os._exit(0)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        payload = pipe.read()
    if os.waitpid(pid, 0)[1]:
        raise RuntimeError("a measurement failed (traceback above)")
    return json.loads(payload)


def child(lib_name: str, config: Config) -> dict[str, Any]:
    """Every situation on one library, each in its own fork of this process."""
    released = release_freed_memory()
    import numpy as np
    if lib_name == "torch":
        import torch as lib
        lib.set_num_threads(1)
    else:
        import autograd_lite as lib
    jobs = {"kept_losses": lambda: train(lib, config, True), "chain": lambda: hold(lib, config),
            "loss_item": lambda: train(lib, config, False)}
    return {"runs": {name: forked(job) for name, job in jobs.items()},
            "malloc_releases_freed_memory": released, "numpy": np.__version__,
            "version": getattr(lib, "__version__", None)}


# ----- in the parent --------------------------------------------------------------------------

def spawn(lib_name: str, quick: bool) -> dict[str, Any]:
    """The child process of one library; its results."""
    # one thread everywhere: each thread of a pool gets a malloc arena of its own
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS":
           "1", "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.getenv("PYTHONPATH")]))}
    command = [sys.executable, __file__, "--child", lib_name, *(["--quick"] * quick)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise RuntimeError(f"{lib_name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(config: Config, quick: bool) -> dict[str, dict[str, Any]]:
    """Both libraries' children, at the same time: RSS is per process."""
    libs = [n for n in LIBRARIES if n != "torch" or importlib.util.find_spec("torch") is not None]
    with ThreadPoolExecutor(max_workers=len(libs)) as pool:
        return dict(zip(libs, pool.map(lambda lib: spawn(lib, quick), libs)))


def judge(r: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The three aims (`met` None where they cannot be judged) and how well the libraries
    agree; empty without PyTorch."""
    if "torch" not in r:
        return {}
    ours, ref = r["autograd_lite"]["runs"], r["torch"]["runs"]
    aims = {}
    for name, variant, key, aim in (
            ("RSS growth with kept losses", "kept_losses", "growth_bytes", GROWTH_AIM),
            ("peak without kept losses (`loss.item()`)", "loss_item", "peak_bytes", PEAK_AIM),
            ("chain: held while `loss` is alive", "chain", "alive_bytes", CHAIN_AIM)):
        a, b = ours[variant][key], ref[variant][key]
        judged = key != "peak_bytes" or ours[variant]["peak_reset"] and ref[variant]["peak_reset"]
        aims[name] = {"autograd_lite_bytes": a, "torch_bytes": b, "aim_ratio": aim,
                      "ratio": a / b if b > 0 else None, "met": a <= aim * b if judged else None}
    losses = [abs(a - b) for variant in ("kept_losses", "loss_item")
              for a, b in zip(ours[variant]["losses"], ref[variant]["losses"], strict=True)]
    grads = ours["chain"]["grad_sum"], ref["chain"]["grad_sum"]
    return {"aims": aims, "max_loss_difference": max(losses),
            "grad_sum_relative_difference": abs(grads[0] - grads[1]) / abs(grads[1])}


def render_markdown(results: dict[str, Any]) -> str:
    """The results as a markdown report."""
    m, c, r, judged = results["machine"], results["config"], results["bench"], results["judged"]
    runs = {lib: r[lib]["runs"] for lib in r}
    reset = all(run["peak_reset"] for lib in runs.values() for run in lib.values())
    peak = "peak over the baseline (MB)" if reset else "peak, absolute VmHWM (MB)"

    def mb(value: float) -> str:
        return f"{value / 1e6:,.2f}"

    lines = [
        "# Memory benchmark: autograd_lite beside PyTorch CPU",
        "",
        f"- Date: {m['date']}; command: `{results['command']}`",
        f"- CPU: {m['cpu']}, {m['cores']} cores; {m['platform']}",
        f"- Python {m['python']}, NumPy {r['autograd_lite']['numpy']}, "
        + ", ".join(f"{lib} {r[lib]['version']}" for lib in r),
        "- Each (library, situation) is measured in a fresh process (forked from one that "
        "imported only that library), with one thread (BLAS, OpenMP, `torch.set_num_threads`)"
        "; MB are 10^6 bytes",
        "- glibc's malloc gives freed memory back at once (`mallopt`: fixed mmap and trim "
        "thresholds of 128 KB), so RSS shows what is live, for both libraries alike"
        if all(lib["malloc_releases_freed_memory"] for lib in r.values()) else
        "- glibc's malloc could not be told to give freed memory back: RSS may include it",
        "- RSS from /proc/self/statm; the peak is VmHWM, reset just before the measured part "
        "(`echo 5 > /proc/self/clear_refs`), minus the baseline" if reset else
        "- RSS from /proc/self/statm; VmHWM could NOT be reset (clear_refs): the peaks are the "
        "processes' absolute high-water marks, imports included, and are not judged",
        "",
        f"## 1. Training loop: MLP {'-'.join(map(str, c['sizes']))}, batch {c['batch']}, "
        f"float32, {c['steps']} SGD steps",
        "",
        f"| library | history keeps | RSS growth (MB) | per step (KB) | {peak} |",
        "|---|---|---:|---:|---:|",
    ]
    for variant, label in (("kept_losses", "`history.append(loss)`"),
                           ("loss_item", "`loss.item()`")):
        for lib in runs:
            run = runs[lib][variant]
            lines.append(f"| {lib} | {label} | {mb(run['growth_bytes'])} | "
                         f"{run['growth_bytes'] / c['steps'] / 1e3:,.1f} | "
                         f"{mb(run['peak_bytes'])} |")
    lines += [
        "",
        "Baseline: RSS after one warm-up step (its loss dropped), just before the loop. "
        "Growth: RSS after the loop, with the list and the last `loss` still alive.",
        "",
        f"## 2. {c['chain_ops']}-op chain `x = (x * 1.0001).sin()` on {c['chain_elements']:,} "
        f"float32 ({mb(c['chain_elements'] * 4)} MB), `.sum()`, `backward()`",
        "",
        f"| library | held while `loss` is alive (MB) | after `del loss` (MB) | {peak} |",
        "|---|---:|---:|---:|",
    ]
    for lib in runs:
        run = runs[lib]["chain"]
        lines.append(f"| {lib} | {mb(run['alive_bytes'])} | {mb(run['after_del_bytes'])} | "
                     f"{mb(run['peak_bytes'])} |")
    grad = runs["autograd_lite"]["chain"]["x_grad_bytes"]
    lines += ["", "Baseline: RSS with the leaf `x` created, after one unmeasured run of the "
              f"same code; the figures include `x.grad` ({mb(grad)} MB) in both libraries.",
              "", "## Aims", ""]
    verdicts = {True: "**met**", False: "**not met**", None: "not judged"}
    for name, aim in judged.get("aims", {}).items():
        ratio = f"{aim['ratio']:.2f}x" if aim["ratio"] is not None else "—"
        lines.append(f"- {name}: autograd_lite {mb(aim['autograd_lite_bytes'])} MB, PyTorch "
                     f"{mb(aim['torch_bytes'])} MB ({ratio}); aim ≤ {aim['aim_ratio']}x "
                     f"PyTorch: {verdicts[aim['met']]}")
    if not judged:
        return "\n".join([*lines, "- PyTorch is not installed: nothing to judge against"]) + "\n"
    lines += ["", "## Agreement", "",
              f"The losses of the two libraries agree within {judged['max_loss_difference']:.1e}"
              f"; the sums of the chain's gradients within "
              f"{judged['grad_sum_relative_difference']:.1e} (relative)."]
    return "\n".join(lines) + "\n"


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    names = re.findall(r"model name\s*:\s*(.+)", info)
    cpu = names[0].strip() if names else platform.processor() or platform.machine()
    return {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "cpu": cpu, "cores": os.cpu_count(), "load_average_at_start": os.getloadavg(),
            "python": platform.python_version(), "platform": platform.platform()}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the markdown report and write the result files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK.steps} steps, a {QUICK.chain_elements:,}-element chain")
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR,
                        help="where to write memory.md and memory.json")
    parser.add_argument("--no-save", action="store_true", help="only print the report")
    parser.add_argument("--child", choices=LIBRARIES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    config = QUICK if args.quick else Config()
    if args.child:
        print(json.dumps(child(args.child, config)))
        return 0
    command = " ".join(["python benchmarks/bench_memory.py",
                        *(sys.argv[1:] if argv is None else argv)])
    results: dict[str, Any] = {"command": command, "config": asdict(config),
                               "machine": machine_info()}
    results["bench"] = bench(config, args.quick)
    results["judged"] = judge(results["bench"])
    results["machine"]["load_average_at_end"] = os.getloadavg()
    markdown = render_markdown(results)
    print(markdown)
    if not args.no_save:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        stem = "memory_quick" if args.quick else "memory"
        (args.out_dir / f"{stem}.md").write_text(markdown)
        (args.out_dir / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.out_dir / stem}.md and .json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
