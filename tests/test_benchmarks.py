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


# ----- bench_gpu.py: runs here with --device cpu (NumPy, PyTorch CPU) and with the stand-in

GPU_LABELS = ("autograd_lite on {} (raw tensors)",
              "autograd_lite on {} (nn: layers + F.cross_entropy + optim.SGD)",
              "hand-written {}")


def agreement_rows(text: str) -> list[tuple[str, str, float, float, float]]:
    """(model, implementation, loss, loss difference, gradient difference) per row of the
    report's agreement table."""
    table = text.split("## Agreement after one step")[1]
    return [(model, impl, float(loss), float(dl), float(dg)) for model, impl, loss, dl, dg in
            re.findall(r"^\| ([^|]+) \| ([^|]+) \| ([\d.]+) \| (\S+) \| (\S+) \|$", table,
                       re.MULTILINE)]


def test_bench_gpu_quick_on_the_cpu(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    assert load("bench_gpu").main(["--quick", "--device", "cpu", "--no-save",
                                   "--out-dir", str(out)]) == 0
    assert not out.exists(), "--no-save wrote files"
    text = capsys.readouterr().out
    for header in (
        "# GPU benchmark: one training step, autograd_lite beside hand-written arrays and "
        "PyTorch",
        "## Step times",
        "| model | implementation | ms/step (median) | ms/step (min) | n | vs PyTorch CPU "
        "(median / min) |",
        "## Aims",
        "## Agreement after one step",
        "| model | implementation | loss | vs hand-written NumPy: loss (relative) | "
        "gradients (max relative) |",
    ):
        assert header in text, header
    assert "## Failures" not in text
    models = ("MLP 128-128-128-10, batch 128", "MLP 784-64-32-10, batch 32",
              "CNN of bench_conv.py, batch 8")
    labels = [label.format("NumPy") for label in GPU_LABELS] + ["PyTorch CPU"]
    for model in models:  # every implementation of every model was timed
        for label in labels:
            row = (rf"^\| {re.escape(model)} \| {re.escape(label)} \| [\d.]+ \| [\d.]+ \| \d+ \| "
                   r"[\d.]+x / [\d.]+x \|$")
            assert re.search(row, text, re.MULTILINE), (model, label)
    # one step from the same weights: the same loss and gradients in all four implementations
    rows = agreement_rows(text)
    assert {(model, impl) for model, impl, *_ in rows} == {(m, i) for m in models for i in labels}
    for model in models:
        losses = [loss for m, _, loss, _, _ in rows if m == model]
        assert max(losses) - min(losses) < 1e-5, model
    assert all(dl < 1e-5 and dg < 1e-5 for *_, dl, dg in rows)
    assert text.rstrip().endswith("agree: yes")


@pytest.fixture(scope="module")
def standin_report() -> tuple[int, str]:
    """bench_gpu's cuda code path, "cuda" played by the CuPy stand-in (tests/device_arrays.py):
    its exit status and report."""
    import contextlib
    import io
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
        status = load("bench_gpu").main(["--quick", "--standin", "--no-save"])
    return status, stdout.getvalue()


def test_bench_gpu_hand_written_step_runs_on_a_cupy_like_array(
        standin_report: tuple[int, str]) -> None:
    # the hand-written step is written once against `xp`: on arrays that refuse what CuPy
    # refuses it gives PyTorch's loss and gradients
    _, text = standin_report
    assert "**Stand-in run**" in text
    rows = agreement_rows(text)
    for model in ("MLP 128-128-128-10, batch 128", "MLP 784-64-32-10, batch 32",
                  "CNN of bench_conv.py, batch 8"):
        mine = [r for r in rows if r[0] == model]
        assert {impl for _, impl, *_ in mine} >= {"hand-written stand-in", "PyTorch CPU"}
        losses = [loss for _, _, loss, _, _ in mine]
        assert max(losses) - min(losses) < 1e-5
        assert all(dl < 1e-5 and dg < 1e-5 for *_, dl, dg in mine)


def test_bench_gpu_every_row_runs_on_the_standin_cuda(standin_report: tuple[int, str]) -> None:
    status, text = standin_report
    failures = text.split("## Failures")[1].split("##")[0] if "## Failures" in text else ""
    assert status == 0 and not failures, failures
    assert text.rstrip().endswith("agree: yes")
