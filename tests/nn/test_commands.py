"""The `autograd-lite demo`, `train` and `eval` commands, end to end in quick mode."""

import subprocess
import sys

import numpy as np
import pytest

from autograd_lite.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_quick_trains_reports_and_writes_its_pictures(tmp_path, capsys):
    code, out, err = run(capsys, "demo", "--quick", "--no-progress", "--out", str(tmp_path))
    assert code == 0, err
    accuracy = float(out.split("test accuracy: ")[1].split("%")[0])
    assert accuracy > 85.0                       # three epochs already get far
    assert "confusion matrix" in out and "true\\pred" in out
    for name in ("training.png", "training_step.svg", "model.npz"):
        assert (tmp_path / name).stat().st_size > 1000
    assert (tmp_path / "training.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "training_step.svg").read_text()
    assert "0.weight" in svg and "2.bias" in svg


def test_train_resume_and_eval_on_digits(tmp_path, capsys):
    ckpt = str(tmp_path / "model.npz")
    code, out, err = run(capsys, "train", "--data", "digits", "--hidden", "32", "--epochs", "2",
                         "--no-progress", "--out", ckpt)
    assert code == 0, err
    assert "epochs 1-2" in out and "saved" in out
    code, out, err = run(capsys, "train", "--data", "digits", "--epochs", "2", "--resume",
                         "--no-progress", "--out", ckpt)
    assert code == 0, err
    assert "epochs 3-4" in out
    code, out, err = run(capsys, "eval", ckpt, "--data", "digits")
    assert code == 0, err
    assert float(out.split("test accuracy: ")[1].split("%")[0]) > 85.0


def test_train_reads_csv_and_npz(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    csv = tmp_path / "data.csv"
    np.savetxt(csv, np.column_stack([X, y]), delimiter=",", header="a,b,c,label", comments="")
    npz = tmp_path / "data.npz"
    np.savez(npz, X=X, y=y)
    for data in (str(csv), str(npz)):
        code, out, err = run(capsys, "train", "--data", data, "--epochs", "30", "--lr", "0.01",
                             "--no-progress", "--out", str(tmp_path / "m.npz"))
        assert code == 0, err
        assert float(out.split("test accuracy ")[1].split("%")[0]) > 90.0


@pytest.mark.parametrize("argv, message", [
    (["train", "--data", "nope.csv"], "no such file"),
    (["train", "--data", "digits", "--hidden", "64,x"], "layer sizes"),
    (["train", "--data", "digits", "--epochs", "0"], "positive integer"),
    (["train", "--data", "digits", "--lr", "-1"], "positive number"),
    (["train", "--data", "digits", "--optimizer", "magic"], "invalid choice"),
    (["eval", "missing.npz", "--data", "digits"], "no such checkpoint"),
])
def test_bad_flags_and_files_are_one_line_errors(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_a_corrupt_checkpoint_is_reported_not_loaded(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 this is not a zip archive")
    code, out, err = run(capsys, "eval", str(bad), "--data", "digits")
    assert code == 2 and "bad.npz" in err and "Traceback" not in err


def test_the_console_entry_point_lists_the_nn_commands():
    result = subprocess.run([sys.executable, "-m", "autograd_lite", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("grad", "demo", "train", "eval"):
        assert command in result.stdout
