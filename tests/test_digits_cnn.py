"""examples/digits_cnn.py in quick mode: its numbers, its table and its pictures, on the bundled
digits and on (synthetic) MNIST IDX files."""

from __future__ import annotations

import gzip
import importlib.util
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "digits_cnn.py"


@pytest.fixture(scope="module")
def example():
    # The example imports its shared helpers as a sibling module (`from _common import ...`),
    # which works when it runs as a script; loaded here by file path, it needs its folder on
    # sys.path too.
    if str(EXAMPLE.parent) not in sys.path:
        sys.path.insert(0, str(EXAMPLE.parent))
    spec = importlib.util.spec_from_file_location("digits_cnn", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_pictures(files: list[Path]) -> None:
    assert [f.name for f in files] == ["digits_cnn_filters.png", "digits_cnn_feature_maps.png"]
    for path in files:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size < 40_000  # small pictures
        width, height = Image.open(path).size
        assert 600 <= width <= 800 and 50 <= height <= 300


def test_quick_run_on_the_digits(example, tmp_path, capsys):
    result = example.main(["--quick", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert result["dataset"] == "UCI digits (8x8)"
    assert (result["train_size"], result["test_size"], result["epochs"]) == (1438, 359, 2)
    accuracy = result["test_accuracy"]
    assert set(accuracy) == set(result["train_seconds"]) == {"mlp", "max", "avg", "l2"}
    assert all(0.7 < accuracy[pool] <= 1.0 for pool in ("max", "avg", "l2"))
    assert accuracy["max"] > accuracy["mlp"]  # two epochs in, the CNN is already ahead
    assert all(seconds > 0 for seconds in result["train_seconds"].values())
    # Conv(1->16) 160 + Conv(16->32) 4,640 + Linear(32*4*4 -> 10) 5,130; the MLP 64-64-10
    assert result["parameters"] == {"mlp": 4810, "max": 9930, "avg": 9930, "l2": 9930}
    assert result["best_pooling"] == max(("max", "avg", "l2"), key=accuracy.get)
    for words in ("max pooling", "average pooling", "L2 pooling", "MLP 64-64-10",
                  "test accuracy", "training time", f"{accuracy['avg']:.2%}"):
        assert words in printed
    check_pictures(result["files"])


def write_idx(path: Path, array: np.ndarray, magic: int) -> None:
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_quick_run_on_mnist_idx_files(example, tmp_path, capsys):
    rng = np.random.default_rng(0)
    labels = np.arange(60) % 10
    images = rng.integers(0, 40, (60, 28, 28))
    for i, label in enumerate(labels):  # a bright bar whose row tells the class
        images[i, 2 + 2 * label:4 + 2 * label, 4:24] = 255
    write_idx(tmp_path / "images.gz", images, 2051)
    write_idx(tmp_path / "labels.gz", labels, 2049)
    result = example.main(["--quick", "--epochs", "1", "--out", str(tmp_path / "out"),
                           "--mnist-images", str(tmp_path / "images.gz"),
                           "--mnist-labels", str(tmp_path / "labels.gz")])
    assert "MNIST IDX (28x28" in capsys.readouterr().out
    assert (result["train_size"], result["test_size"], result["epochs"]) == (48, 12, 1)
    # a pool after each convolution: Linear(32*7*7 -> 10); the MLP is 784-64-10
    assert result["parameters"] == {"mlp": 50890, "max": 20490, "avg": 20490, "l2": 20490}
    check_pictures(result["files"])


def test_mnist_arguments_go_together(example, capsys):
    with pytest.raises(SystemExit, match="^2$"):  # argparse's status for a usage error
        example.main(["--mnist-images", "x.gz"])
    assert "error: argument --mnist-images" in capsys.readouterr().err
