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
    for name in ("training.png", "training_step.svg", "model.safetensors"):
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


# --- the walkthrough's failures: each one line, status 2, before any work -----------------------

def small_data(tmp_path, name="data.npz", classes=2, n=60, features=3, **overrides):
    """A tiny NPZ dataset (fast to train on); `overrides` replace X or y."""
    rng = np.random.default_rng(0)
    arrays = {"X": rng.standard_normal((n, features)).astype(np.float32),
              "y": np.arange(n) % classes}
    arrays.update(overrides)
    path = tmp_path / name
    np.savez(path, **arrays)
    return str(path)


def train_small(tmp_path, capsys, *extra, data=None, out="m.npz"):
    data = data or small_data(tmp_path)
    return run(capsys, "train", "--data", data, "--epochs", "1", "--hidden", "4",
               "--no-progress", "--out", str(tmp_path / out), *extra)


def assert_one_line_error(code, err, *fragments):
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err


def test_train_checks_out_before_training(tmp_path, capsys, monkeypatch):
    import nn.commands

    monkeypatch.setattr(nn.commands, "_train", lambda *a, **k: pytest.fail("trained"))
    code, _, err = train_small(tmp_path, capsys, out="nope/model.npz")
    assert_one_line_error(code, err, "--out", "nope", "does not exist")
    (tmp_path / "folder").mkdir()
    code, _, err = train_small(tmp_path, capsys, out="folder")
    assert_one_line_error(code, err, "--out", "is a folder")


def test_train_refuses_every_out_that_nn_save_refuses_with_its_reason(tmp_path, capsys,
                                                                      monkeypatch):
    import os

    import nn.commands

    monkeypatch.setattr(nn.commands, "_train", lambda *a, **k: pytest.fail("trained"))
    (tmp_path / "file").write_text("")
    (tmp_path / "locked").mkdir()
    (tmp_path / "folder").mkdir()
    os.symlink(tmp_path / "folder", tmp_path / "link")
    hidden = tmp_path / "hidden.npz"
    real_access, real_lstat = os.access, os.lstat
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p).endswith("locked")
                        else real_access(p, mode, **kw))

    def lstat(path, *args, **kwargs):
        if str(path) == str(hidden):
            raise PermissionError(13, "Permission denied", str(path))
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", lstat)
    cases = {
        "nope/m.npz": "{t}/nope/m.npz: the folder {t}/nope does not exist; create it first or "
                      "give another path",
        "file/m.npz": "{t}/file/m.npz: {t}/file is not a folder; give another path",
        "locked/m.npz": "{t}/locked/m.npz: the folder {t}/locked is not writable; make it "
                        "writable or give another path",
        "hidden.npz": "{t}/hidden.npz: Permission denied; give another path",
        "link": "{t}/link is a symbolic link, and nothing is written through a link; remove it "
                "or give another path",
        "folder": "{t}/folder is a folder; give a file path inside it, such as "
                  "{t}/folder/model.safetensors",
    }
    for out, message in cases.items():
        code, _, err = train_small(tmp_path, capsys, out=out)
        assert code == 2
        assert err == f"autograd-lite: error: --out {message.format(t=tmp_path)}\n"


def test_resume_from_a_demo_checkpoint_says_why_not(tmp_path, capsys):
    import nn

    ckpt = tmp_path / "demo.npz"
    nn.save({"model": nn.MLP([3, 4, 2]), "config": {"sizes": [3, 4, 2]},
             "normalization": {"mean": np.zeros(3), "std": np.ones(3)}}, ckpt)
    code, _, err = train_small(tmp_path, capsys, "--resume", out="demo.npz")
    assert_one_line_error(code, err, "written by `demo` (no optimizer state)",
                          "without --resume")


@pytest.mark.parametrize("y, message", [
    (np.array([0, 1, -1] * 20), "label -1"),
    (np.array([0, 1, 10**9] * 20), "label 1000000000"),
])
def test_labels_must_be_class_numbers(tmp_path, capsys, y, message):
    code, _, err = train_small(tmp_path, capsys, data=small_data(tmp_path, y=y))
    assert_one_line_error(code, err, message, "renumber")


def test_csv_labels_too_large_for_an_int_are_refused(tmp_path, capsys):
    csv = tmp_path / "huge.csv"
    csv.write_text("1,0\n2,1e30\n3,1\n4,0\n5,1\n6,0\n")
    code, _, err = train_small(tmp_path, capsys, data=str(csv))
    assert_one_line_error(code, err, "huge.csv", "1e+30", "too large")


def test_eval_on_data_with_more_classes_than_the_model(tmp_path, capsys):
    assert train_small(tmp_path, capsys)[0] == 0
    data = small_data(tmp_path, "three.npz", classes=3)
    code, _, err = run(capsys, "eval", str(tmp_path / "m.npz"), "--data", data)
    assert_one_line_error(code, err, "label 2", "2 classes")


@pytest.mark.parametrize("seed", ["-1", "x", str(2**64)])
def test_a_seed_must_be_a_non_negative_int(tmp_path, capsys, seed):
    code, _, err = train_small(tmp_path, capsys, "--seed", seed)
    assert code == 2 and "--seed" in err and "non-negative integer" in err
    assert "Traceback" not in err


def test_huge_layers_are_refused_or_reported_as_out_of_memory(tmp_path, capsys, monkeypatch):
    import nn.commands

    code, _, err = train_small(tmp_path, capsys, "--hidden", "100000000")
    assert code == 2 and "--hidden" in err and "1,000,000" in err

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(nn.commands, "_build", no_memory)
    code, _, err = train_small(tmp_path, capsys, "--hidden", "900000,900000")
    assert_one_line_error(code, err, "out of memory", "--hidden", "--batch-size")


@pytest.mark.parametrize("X, message", [
    (np.array([["a", "b"]] * 60), "must hold numbers"),
    (np.zeros((0, 3)), "is empty"),
    (np.zeros((60, 0)), "is empty"),
    (np.full((60, 3), np.nan), "nan or inf"),
])
def test_npz_with_unusable_X(tmp_path, capsys, X, message):
    y = np.arange(len(X)) % 2
    code, _, err = train_small(tmp_path, capsys, data=small_data(tmp_path, X=X, y=y))
    assert_one_line_error(code, err, "data.npz", "X", message)


def test_npz_with_y_of_the_wrong_shape(tmp_path, capsys):
    code, _, err = train_small(tmp_path, capsys,
                               data=small_data(tmp_path, y=np.zeros((60, 2), dtype=int)))
    assert_one_line_error(code, err, "data.npz", "y (samples,)")


def _damage(path, change):
    import nn

    state = nn.load(path)
    change(state)
    nn.save(state, path)


@pytest.mark.parametrize("change, message", [
    (lambda s: s["config"].update(sizes=[3, 5, 2]), "do not fit"),
    (lambda s: s.update(config={}), "'sizes'"),
    (lambda s: s["config"].update(sizes="3,4,2"), "'sizes'"),
    (lambda s: s["normalization"].update(mean=np.zeros(5)), "normalization 'mean'"),
    (lambda s: s.update(epoch=1.5), "'epoch'"),
    (lambda s: s.update(model=[1, 2]), "'model'"),
    (lambda s: s["model"].pop("0.weight"), "do not fit"),
    (lambda s: s["config"].update(lr="fast"), "'lr'"),
    (lambda s: s.update(optimizer={}), "optimizer state"),
])
def test_inconsistent_checkpoints_are_one_line_errors(tmp_path, capsys, change, message):
    data = small_data(tmp_path)
    assert train_small(tmp_path, capsys, data=data)[0] == 0
    ckpt = tmp_path / "m.npz"
    _damage(ckpt, change)
    code, _, err = run(capsys, "train", "--data", data, "--epochs", "1", "--resume",
                       "--no-progress", "--out", str(ckpt))
    assert_one_line_error(code, err, "m.npz", message)


def test_eval_scores_the_held_out_split_or_all_and_says_which(tmp_path, capsys):
    data = small_data(tmp_path, n=100)
    assert train_small(tmp_path, capsys, data=data)[0] == 0
    code, out, err = run(capsys, "eval", str(tmp_path / "m.npz"), "--data", data)
    assert code == 0, err
    assert "on 20 held-out samples" in out and "pass --all" in out
    code, out, err = run(capsys, "eval", str(tmp_path / "m.npz"), "--data", data, "--all")
    assert code == 0, err
    assert "on all 100 samples" in out


def test_eval_uses_the_target_and_seed_of_training(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 2))
    label = (X[:, 0] > 0).astype(int)
    csv = tmp_path / "data.csv"
    np.savetxt(csv, np.column_stack([label, X]), delimiter=",", header="label,a,b",
               comments="")
    code, _, err = train_small(tmp_path, capsys, "--target", "label", "--seed", "3",
                               data=str(csv))
    assert code == 0, err
    code, out, err = run(capsys, "eval", str(tmp_path / "m.npz"), "--data", str(csv))
    assert code == 0, err                        # not "the model takes 2 features, data has 2"
    assert "--seed 3" in out


def test_resume_refuses_options_it_would_ignore(tmp_path, capsys):
    data = small_data(tmp_path)
    assert train_small(tmp_path, capsys, "--lr", "0.01", data=data)[0] == 0
    code, _, err = train_small(tmp_path, capsys, "--resume", "--lr", "0.5", "--optimizer",
                               "sgd", data=data)
    assert_one_line_error(code, err, "--lr 0.5 (the checkpoint has 0.01)",
                          "--optimizer sgd (the checkpoint has adam)", "without --resume")
    code, out, err = train_small(tmp_path, capsys, "--resume", "--lr", "0.01", data=data)
    assert code == 0 and "epochs 2-2" in out, err  # --hidden 4 and --lr 0.01 agree with it


def test_a_diverging_run_is_an_error_and_saves_nothing(tmp_path, capsys):
    code, _, err = train_small(tmp_path, capsys, "--lr", "1e30", "--optimizer", "sgd")
    assert_one_line_error(code, err, "the loss became", "at epoch 1", "lower --lr")
    assert not (tmp_path / "m.npz").exists()

