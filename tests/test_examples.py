"""The examples: each one's main(["--quick", "--out", DIR]) run in-process, its numbers checked.

The numbers are the ones the source articles state or that follow from them; the closed forms
here are written in NumPy independently of the engine.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ARGPARSE_ERROR = "^2$"  # SystemExit says only its status: 2, argparse's for a usage error

# The examples import their shared helpers as a sibling module (`from _common import ...`),
# which works when one runs as a script (its folder is on sys.path); loaded here by file path,
# they need the folder on sys.path too.
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))


def load(name: str):
    """Import examples/NAME.py as a module (the folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(name: str, out: Path) -> dict:
    return load(name).main(["--quick", "--out", str(out)])


def assert_pictures(files: list[Path], out: Path) -> None:
    assert files
    for path in map(Path, files):
        assert path.parent == out
        head = path.read_bytes()[:256]
        assert head, f"{path} is empty"
        if path.suffix == ".png":
            assert head.startswith(PNG_MAGIC), path
        else:
            assert path.suffix == ".svg" and b"<svg" in path.read_bytes(), path


# --------------------------------------------------------------------------- chain_rule


def test_chain_rule_numbers_of_article_001(tmp_path):
    r = run("chain_rule", tmp_path)
    assert (r["z"], r["dz_dk"], r["dz_dm"]) == (459.0, 51.0, 271.0)
    assert round(r["k1"], 4) == 0.8235 and r["k1_rounded"] == 0.8235
    assert r["z1"] == pytest.approx(450.0, abs=1e-9)  # z is linear in k: one step lands
    assert r["z1_rounded"] == pytest.approx(449.9985, abs=1e-9)  # the article's rounding
    # k and m together, half the change each: the first step is dz/2 over each derivative
    (k0, m0, z0), (k1, m1, _) = r["steps"][:2]
    assert (k0, m0, z0) == (1.0, 3.0, 459.0)
    assert k1 == pytest.approx(1.0 - 9 * 0.5 / 51) and m1 == pytest.approx(3.0 - 9 * 0.5 / 271)
    assert abs(r["z_final"] - 450.0) < 1e-6
    assert all(abs(z - 450) >= 1e-6 for *_, z in r["steps"][:-1])
    k, m = r["k_final"], r["m_final"]
    assert (3 * k + 8 * m) * (5 * m + 2) == pytest.approx(r["z_final"], abs=1e-9)
    assert_pictures(r["files"], tmp_path)


def test_chain_rule_runs_standalone(tmp_path):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "chain_rule.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "459" in result.stdout and "0.8235" in result.stdout and "449.9985" in result.stdout
    assert f"wrote {tmp_path}" in result.stdout
    assert (tmp_path / "km_graph.svg").stat().st_size > 0


# --------------------------------------------------------------------------- learning_rate


def test_learning_rate_classification(tmp_path):
    mod = load("learning_rate")
    r = mod.main(["--quick", "--out", str(tmp_path)])
    lam_min, lam_max = 1.0, 10.0
    rates = r["rates"]
    behaviour = r["behaviour"]
    assert list(behaviour.values()) == ["diverges", "oscillates", "converges", "crawls"]
    # the classification agrees with the theory of the quadratic bowl
    for label, lr in rates.items():
        if behaviour[label] == "diverges":
            assert lr > 2 / lam_max
        elif behaviour[label] == "oscillates":
            assert 1 / lam_max < lr < 2 / lam_max and abs(1 - lr * lam_max) > 0.9
        elif behaviour[label] == "crawls":
            assert lr * lam_max < 1 and r["steps"][label] is None
    good = next(label for label, b in behaviour.items() if b == "converges")
    assert rates[good] == pytest.approx(2 / (lam_min + lam_max))
    # the closed form: w_t = (1 - lr*lambda)^t w_0 on each axis; first t with f < 1e-6
    factors = 1 - rates[good] * np.array([lam_min, lam_max])
    w0 = np.array(mod.START)
    t = np.arange(200)[:, None]
    f = 0.5 * ((factors**t * w0) ** 2 * [lam_min, lam_max]).sum(axis=1)
    assert r["steps"][good] == int(np.argmax(f < 1e-6)) == 45
    assert r["steps"][good] == min(s for s in r["steps"].values() if s is not None)
    assert_pictures(r["files"], tmp_path)


# --------------------------------------------------------------------------- output_error


def test_output_error_is_a_minus_y_over_n(tmp_path):
    r = run("output_error", tmp_path)
    for case, factor in r["factor"].items():
        expected = 2.0 if "MSE" in case else 1.0
        assert factor == pytest.approx(expected, abs=1e-12), case
        assert r["max_diff_scaled"][case] < 1e-12, case
        assert r["dW_diff"][case] < 1e-12, case
        if expected == 1.0:
            assert r["max_diff"][case] < 1e-12, case
    assert r["max_diff"]["regression, PyTorch MSE"] > 1e-3  # MSE's delta is not (a - y) / N
    assert r["loss"]["binary"] == pytest.approx(r["loss"]["binary, with logits"], abs=1e-12)
    # same data: the mean of (a - y)^2 is twice the mean of 0.5 (a - y)^2
    assert r["loss"]["regression, PyTorch MSE"] == pytest.approx(2 * r["loss"]["regression"])
    assert r["curve_diff"] < 1e-12
    assert_pictures(r["files"], tmp_path)


# --------------------------------------------------------------------------- losses_tour


def _closed_forms(mod) -> dict:
    """(value, gradient) with reduction "sum" for each loss, and the count "mean" divides by."""
    pred, target = mod.PRED, mod.TARGET
    s, y = mod.PROBS, mod.LABELS01
    z, c = mod.CLASS_LOGITS, mod.CLASSES
    softmax = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    onehot = np.eye(z.shape[1])[c]
    logp = np.log(softmax)
    p, q = mod.P, mod.Q
    return {
        "L1Loss": (np.abs(pred - target).sum(), np.sign(pred - target), pred.size),
        "MSELoss": (((pred - target) ** 2).sum(), 2 * (pred - target), pred.size),
        "BCELoss": (-(y * np.log(s) + (1 - y) * np.log(1 - s)).sum(),
                    (s - y) / (s * (1 - s)), s.size),
        "BCEWithLogitsLoss": (-(y * np.log(s) + (1 - y) * np.log(1 - s)).sum(), s - y, s.size),
        "CrossEntropyLoss": (-logp[np.arange(len(c)), c].sum(), softmax - onehot, len(c)),
        "NLLLoss": (-logp[np.arange(len(c)), c].sum(), -onehot, len(c)),
        "KLDivLoss": ((p * np.log(p / q)).sum(), -p, p.size),
    }


def _counts(name: str, forms: dict) -> dict:
    """What each reduction divides the sum by."""
    counts = {"sum": 1, "mean": forms[name][2]}
    if name == "KLDivLoss":
        counts["batchmean"] = len(forms[name][1])  # the batch size: rows of p
    return counts


def test_losses_tour_against_numpy(tmp_path):
    mod = load("losses_tour")
    r = mod.main(["--quick", "--out", str(tmp_path)])
    forms = _closed_forms(mod)
    assert set(r["values"]) == {(name, red) for name in forms for red in _counts(name, forms)}
    for name, (value, grad, _) in forms.items():
        for reduction, count in _counts(name, forms).items():
            where = f"{name}, reduction={reduction}"
            np.testing.assert_allclose(r["values"][name, reduction], value / count, rtol=1e-12,
                                       err_msg=where)
            np.testing.assert_allclose(r["grads"][name, reduction], grad / count, rtol=1e-12,
                                       atol=1e-15, err_msg=where)
    # "batchmean" of one distribution is the KL divergence itself
    assert r["values"]["KLDivLoss", "batchmean"] == pytest.approx(r["kl_pq"], rel=1e-12)
    p, q = mod.P, mod.Q
    assert r["kl_pq"] == pytest.approx((p * np.log(p / q)).sum(), rel=1e-12)
    assert r["kl_qp"] == pytest.approx((q * np.log(q / p)).sum(), rel=1e-12)
    assert abs(r["kl_pq"] - r["kl_qp"]) > 0.05
    assert_pictures(r["files"], tmp_path)


# --------------------------------------------------------------------------- linear_collapse


def test_linear_collapse_and_xor(tmp_path):
    r = run("linear_collapse", tmp_path)
    assert r["collapse_diff"] < 1e-12  # W2 (W1 x + b1) + b2 == (W2 W1) x + (W2 b1 + b2)
    assert r["affine_residual"] < 1e-12
    assert r["relu_residual"] > 0.1  # with a ReLU between, no affine map fits
    assert r["perceptron_best_accuracy"] <= 0.75  # no line separates XOR
    assert r["monkey_best_accuracy"] == 0.75  # and 3 of 4 is what the best lines get
    assert r["mlp_accuracy"] == 1.0
    assert_pictures(r["files"], tmp_path)


# --------------------------------------------------------------------------- training_methods


def test_training_methods_same_budget(tmp_path):
    r = run("training_methods", tmp_path)
    methods = ["monkey", "random search", "evolution", "gradient descent"]
    assert list(r["loss"]) == methods
    assert all(r["evaluations"][m] == r["budget"] for m in methods)
    assert len(set(r["initial_loss"].values())) == 1  # the same starting model
    for m in methods:
        assert r["loss"][m] < r["initial_loss"][m], m
    assert min(r["loss"], key=r["loss"].get) == "gradient descent"
    assert r["loss"]["random search"] < r["loss"]["monkey"]
    assert_pictures(r["files"], tmp_path)


# --------------------------------------------------------------------------- digits_mlp


def test_digits_mlp_quick(tmp_path):
    r = run("digits_mlp", tmp_path)
    assert r["epochs"] == 3 and len(r["loss"]) == 3
    assert (r["train_size"], r["test_size"]) == (1438, 359)
    confusion = r["confusion"]
    assert confusion.shape == (10, 10) and confusion.sum() == r["test_size"]
    assert r["test_accuracy"] == pytest.approx(np.trace(confusion) / r["test_size"])
    assert r["test_accuracy"] == pytest.approx(r["val_accuracy"][-1])
    assert r["test_accuracy"] > 0.8  # after 3 epochs; the full run reaches about 99%
    assert r["loss"][-1] < r["loss"][0]
    assert len(r["files"]) == 2
    assert_pictures(r["files"], tmp_path)


# --------------------------------------------------------------------------- init_matters


def test_init_matters_symmetry(tmp_path):
    r = run("init_matters", tmp_path)
    zeros, constant, normal, scaled = r["pairwise"]
    # symmetric starts stay symmetric, although the constant one did move (exactly 0.0 here;
    # a BLAS may round identical columns of a product differently, hence the tolerance)
    assert r["pairwise"][zeros] == [0.0, 0.0] and max(r["pairwise"][constant]) < 1e-6
    assert r["moved"][zeros] == 0.0 and r["moved"][constant] > 0.0
    assert min(r["pairwise"][normal]) > 0.1 and min(r["pairwise"][scaled]) > 0.1
    assert r["loss"][zeros][-1] == pytest.approx(np.log(10), abs=0.01)  # chance level
    # N(0, 1) saturates tanh from the start; N(0, 1/fan_in) does not
    assert r["saturated"][normal] > 0.3 and r["saturated"][scaled] < 0.05
    assert r["test_accuracy"][scaled] > r["test_accuracy"][normal] > r["test_accuracy"][zeros]
    assert_pictures(r["files"], tmp_path)


def test_seeded_runs_are_identical_to_the_bit(tmp_path):
    first = run("digits_mlp", tmp_path / "a")
    second = run("digits_mlp", tmp_path / "b")
    assert first["loss"] == second["loss"]
    assert np.array_equal(first["confusion"], second["confusion"])
    assert (tmp_path / "a" / "hidden_weights.png").read_bytes() == \
        (tmp_path / "b" / "hidden_weights.png").read_bytes()


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("argv, message", [
    (["--mnist-images", "nope.idx", "--mnist-labels", "nope.idx"], "nope.idx: no such file"),
    (["--out", "a_file"], "a_file is a file, not a folder"),
    (["--out", "a_file/below"], "cannot create the folder a_file/below"),
    (["--limit", "0"], "expected a positive integer"),
    (["--epochs", "-2"], "expected a positive integer"),
])
def test_bad_arguments_are_argparse_errors(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("")
    with pytest.raises(SystemExit, match=ARGPARSE_ERROR) as stop:
        load("digits_cnn").main(["--quick", *argv])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and message in err and "Traceback" not in err


def test_a_corrupt_idx_file_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"garbage!")
    with pytest.raises(SystemExit, match=ARGPARSE_ERROR) as stop:
        load("digits_cnn").main(["--quick", "--out", str(tmp_path / "out"), "--mnist-images",
                                 str(bad), "--mnist-labels", str(bad)])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert err.count("\n") == 1 and "error: " in err and "bad.idx: bad magic number" in err


def test_an_unwritable_out_is_an_argparse_error_in_every_example(tmp_path, capsys):
    (tmp_path / "a_file").write_text("")
    with pytest.raises(SystemExit, match=ARGPARSE_ERROR) as stop:
        load("chain_rule").main(["--out", str(tmp_path / "a_file")])
    assert stop.value.code == 2 and "is a file, not a folder" in capsys.readouterr().err


def test_every_examples_help_is_its_whole_first_paragraph(capsys):
    for path in sorted(EXAMPLES.glob("[a-z]*.py")):
        module = load(path.stem)
        with pytest.raises(SystemExit):
            module.main(["--help"])
        out = " ".join(capsys.readouterr().out.split())
        first = " ".join(module.__doc__.split("\n\n")[0].split())
        assert first in out and first.endswith((".", "?")), path.name
