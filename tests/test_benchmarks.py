"""Smoke tests of the benchmarks: each one's main(["--quick", "--no-save", ...]) run in-process.

They check that the scripts run, return 0, print their tables and that the implementations
they compare agree; they assert nothing about timings (the lead runs the real benchmarks on a
quiet machine). All of them together take about half a minute.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str):
    """Import benchmarks/NAME.py as a module (the folder is not a package).

    It is registered under its own name: bench_conv.py imports its measuring tools with
    `from bench_engine import ...`, which then finds this module rather than a second copy.
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def run(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """main(["--quick", "--no-save"]) of the benchmark; its stdout. With an --out-dir in
    tmp_path too, so a broken --no-save could not overwrite the real results."""
    out = tmp_path / "results"
    assert load(name).main(["--quick", "--no-save", "--out-dir", str(out)]) == 0
    assert not out.exists(), "--no-save wrote files"
    return capsys.readouterr().out


def test_bench_engine_quick(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = run("bench_engine", tmp_path, capsys)
    for header in (
        "# autograd_lite engine benchmarks",
        "## 1. Per-op overhead",
        "| chain | library | forward µs/op | backward µs/op | total µs/op |",
        "## 2. MLP 784-512-256-10 training step",
        "| threads | library | ms/step (median) | ms/step (min) | vs NumPy | vs PyTorch |",
        "## 3. Backward on scalar chains",
        "## 4. Memory of autograd_lite",
        "| moment | bytes over the baseline before the forward | per node |",
        "- glibc's malloc keeps freed memory (`mallopt`",  # told to, on this Linux machine
    ):
        assert header in text, header
    # both autograd_lite rows of the MLP table, beside the hand-written NumPy one
    for label in ("| 1 | autograd_lite (raw tensors) |",
                  "| 1 | autograd_lite (nn: MLP + F.cross_entropy + optim.SGD) |",
                  "| 1 | numpy (hand-written) |"):
        assert label in text, label
    # the rows train alike: the losses of the first steps agree (all rows, torch too if there)
    agree = re.search(r"losses of the first steps agree within (\S+)\.", text)
    assert agree and float(agree.group(1)) < 1e-4
    # the graph is freed by reference counting, without cycles
    assert "the collector then finds 0 unreachable objects" in text


def test_bench_conv_quick(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = run("bench_conv", tmp_path, capsys)
    for header in (
        "# Convolution benchmark: one CNN training step",
        "## 1 thread (NumPy BLAS and PyTorch)",
        "| library | forward ms | backward ms | update ms | step ms (median) | step ms (min) "
        "| vs NumPy (median / min) | vs PyTorch (median / min) |",
        "## Aims",
        "## Agreement after one step",
        "| library | loss | max relative gradient difference vs NumPy |",
        "- glibc's malloc keeps freed memory (`mallopt`",
    ):
        assert header in text, header
    # one step of each implementation gives the same loss and gradients as the NumPy one
    agreement = text.split("## Agreement after one step")[1]
    rows = re.findall(r"^\| (\w+) \| ([\d.]+) \| (\S+) \|$", agreement, re.MULTILINE)
    assert {"autograd_lite", "numpy"} <= {name for name, _, _ in rows}
    losses = [float(loss) for _, loss, _ in rows]
    assert max(losses) - min(losses) < 1e-4
    assert all(float(diff) < 1e-4 for _, _, diff in rows)


def test_bench_memory_quick(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = run("bench_memory", tmp_path, capsys)
    for header in (
        "# Memory benchmark: autograd_lite beside PyTorch CPU",
        "## 1. Training loop: MLP 784-512-256-10",
        "| library | history keeps | RSS growth (MB) | per step (KB) |",
        "## 2. 20-op chain",
        "| library | held while `loss` is alive (MB) | after `del loss` (MB) |",
        "- glibc's malloc gives freed memory back at once (`mallopt`",
    ):
        assert header in text, header
    for row in ("| autograd_lite | `history.append(loss)` |", "| autograd_lite | `loss.item()` |"):
        assert row in text, row
    if "| torch |" in text:  # the aims are judged, met or not, and the two libraries agree
        verdicts = re.findall(r"aim ≤ [\d.]+x PyTorch: (\*\*met\*\*|\*\*not met\*\*|not judged)",
                              text)
        assert len(verdicts) == 3 and "not judged" not in verdicts[::2]  # the peak may not be
        agree = re.search(r"losses of the two libraries agree within (\S+); the sums of the "
                          r"chain's gradients within (\S+) \(relative\)", text)
        assert agree and float(agree.group(1)) < 1e-4 and float(agree.group(2)) < 1e-4
