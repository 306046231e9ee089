"""Tests for nn.data: the data sets, the file loaders, TensorDataset and DataLoader."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from nn.data import DataLoader, TensorDataset, datasets, load_csv, load_mnist_idx

# The bundled digits are fixed data: these pin them down.
DIGITS_X_SHA256 = "a627aed550b0b29bf76a981bc1ecbab5ef775aac454c94154f20ec9f61a04c83"
DIGITS_X_SUM = 561718
DIGITS_LABEL_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def _numpy(t) -> np.ndarray:
    """The array behind a Tensor yielded by the loaders."""
    return t.array


# --------------------------------------------------------------------------- data sets


def test_xor_values():
    X, y = datasets.xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert X.dtype == np.float32 and y.dtype == np.int64


@pytest.mark.parametrize(
    ("make", "n", "classes"),
    [
        (lambda **kw: datasets.moons(**kw), 200, 2),
        (lambda **kw: datasets.moons(n_samples=51, **kw), 51, 2),
        (lambda **kw: datasets.spirals(**kw), 300, 3),
        (lambda **kw: datasets.spirals(n_samples=100, n_classes=4, **kw), 100, 4),
    ],
)
def test_toy_sets_shapes_dtypes_and_determinism(make, n, classes):
    X, y = make(seed=3)
    assert X.shape == (n, 2) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(classes))
    assert np.bincount(y).max() - np.bincount(y).min() <= 1  # balanced
    X2, y2 = make(seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(seed=4)
    assert not np.array_equal(X, X3)


def test_moons_without_noise_lie_on_the_half_circles():
    X, y = datasets.moons(n_samples=100, noise=0.0, shuffle=False)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, atol=1e-6)
    assert (upper[:, 1] >= -1e-6).all() and (lower[:, 1] <= 0.5 + 1e-6).all()


def test_spirals_radius_grows_along_each_arm():
    X, y = datasets.spirals(n_samples=30, n_classes=3, noise=0.0, shuffle=False)
    radius = np.hypot(X[:, 0], X[:, 1])
    for j in range(3):
        np.testing.assert_allclose(radius[y == j], np.linspace(0, 1, 10), atol=1e-6)


@pytest.mark.parametrize("bad", [{"n_samples": 0}, {"n_samples": 2.5}, {"noise": -1.0}])
def test_toy_sets_reject_bad_arguments(bad):
    name = next(iter(bad))
    with pytest.raises(ValueError, match=rf"{name} must be .*, got {bad[name]}"):
        datasets.moons(**bad)


def test_digits_shape_values_and_checksum():
    X, y = datasets.digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16
    np.testing.assert_array_equal(X, np.round(X))
    counts = np.bincount(y, minlength=10)
    assert counts.sum() == 1797 and len(counts) == 10
    assert counts.tolist() == DIGITS_LABEL_COUNTS
    assert X.sum(dtype=np.float64) == DIGITS_X_SUM
    assert hashlib.sha256(X.astype("<f4").tobytes()).hexdigest() == DIGITS_X_SHA256
    # The first image is a 0 (as in scikit-learn's copy).
    assert y[0] == 0 and X[0, :8].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]


def test_digits_returns_fresh_arrays():
    X, y = datasets.digits()
    X[:] = -1
    y[:] = -1
    X2, y2 = datasets.digits()
    assert X2.min() == 0 and y2.min() == 0


# --------------------------------------------------------------------------- MNIST IDX


def _idx(magic: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in shape)
    return header + payload


def _write_mnist(directory: Path, n: int = 5, rows: int = 3, cols: int = 2, gz: bool = False):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, rows, cols), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    image_bytes = _idx(2051, (n, rows, cols), images.tobytes())
    label_bytes = _idx(2049, (n,), labels.tobytes())
    suffix = ".gz" if gz else ""
    images_path = directory / f"images-idx3-ubyte{suffix}"
    labels_path = directory / f"labels-idx1-ubyte{suffix}"
    images_path.write_bytes(gzip.compress(image_bytes) if gz else image_bytes)
    labels_path.write_bytes(gzip.compress(label_bytes) if gz else label_bytes)
    return images_path, labels_path, images, labels


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_reads_images_and_labels(tmp_path, gz):
    images_path, labels_path, images, labels = _write_mnist(tmp_path, gz=gz)
    X, y = load_mnist_idx(images_path, str(labels_path))
    assert X.shape == (5, 6) and X.dtype == np.float32
    assert y.dtype == np.int64
    np.testing.assert_allclose(X, images.reshape(5, 6) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y, labels)
    assert 0.0 <= X.min() and X.max() <= 1.0


def _corrupt(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("which", "data", "message"),
    [
        ("images", _idx(2049, (5,), bytes(5)), "magic"),
        ("images", _idx(1234, (5, 3, 2), bytes(30)), "magic"),
        ("images", _idx(2051, (5, 3, 2), bytes(29)), "truncated"),
        ("images", _idx(2051, (5, 3, 2), bytes(31)), "trailing"),
        ("images", _idx(2051, (5, 3, 2), b"")[:10], "truncated"),
        ("images", b"\x00\x00", "truncated"),
        ("images", _idx(2051, (4, 3, 2), bytes(24)), "has 4 images"),
        ("labels", _idx(2051, (5, 3, 2), bytes(30)), "swapped"),
        ("labels", _idx(2049, (5,), bytes(4)), "truncated"),
        ("labels", gzip.compress(_idx(2049, (5,), bytes(5)))[:-6], "gzip"),
    ],
)
def test_mnist_idx_rejects_corrupt_files(tmp_path, which, data, message):
    images_path, labels_path, _, _ = _write_mnist(tmp_path)
    bad = _corrupt(images_path if which == "images" else labels_path, data)
    with pytest.raises(ValueError, match=message) as info:
        load_mnist_idx(images_path, labels_path)
    assert str(bad) in str(info.value)


def test_mnist_idx_missing_file(tmp_path):
    images_path, _, _, _ = _write_mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match="No such file.*nope"):
        load_mnist_idx(images_path, tmp_path / "nope")


# --------------------------------------------------------------------------- CSV


def test_csv_with_header_and_named_target(tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text("a,label,b\n1.5,0,2\n\n3,2,4.25\n-1e3,1,0\n")
    X, y = load_csv(path, target="label")
    np.testing.assert_array_equal(X, [[1.5, 2], [3, 4.25], [-1000, 0]])
    np.testing.assert_array_equal(y, [0, 2, 1])
    assert X.dtype == np.float32 and y.dtype == np.int64


def test_csv_without_header_and_index_target(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("1,2,3\r\n4,5,6\r\n")
    X, y = load_csv(str(path))  # the last column by default
    np.testing.assert_array_equal(X, [[1, 2], [4, 5]])
    np.testing.assert_array_equal(y, [3, 6])
    X, y = load_csv(path, target=0)
    np.testing.assert_array_equal(X, [[2, 3], [5, 6]])
    np.testing.assert_array_equal(y, [1, 4])
    X, y = load_csv(path, target=-2, header=False)
    np.testing.assert_array_equal(y, [2, 5])


def test_csv_gzip_and_forced_header(tmp_path):
    path = tmp_path / "data.csv.gz"
    path.write_bytes(gzip.compress(b"7,8,9\n1,2,0\n"))
    X, y = load_csv(path, header=True)  # the numeric first line is taken as names
    np.testing.assert_array_equal(X, [[1, 2]])
    np.testing.assert_array_equal(y, [0])
    X, y = load_csv(path, target="8", header=True)
    np.testing.assert_array_equal(y, [2])


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("x,y\n1,0\n2,abc\n", {}, r"line 3, column 2 \('y'\): cannot read 'abc'"),
        ("1,0\n2,,\n", {}, "line 2: 3 columns, expected 2"),
        ("1,0\n,1\n", {}, "line 2, column 1: empty cell"),
        ("1,0\nnan,1\n", {}, "line 2, column 1: 'nan' is not a finite number"),
        ("1,0\n2,0.5\n", {}, "line 2: the target column .* integer class labels"),
        ("1,0\n2,1\n", {"target": "label"}, "no header row"),
        ("x,y\n1,0\n", {"target": "z"}, "no column named 'z'"),
        ("x,y\n1,0\n", {"target": 2}, "out of range"),
        ("x\n1\n", {}, "at least two columns"),
        ("x,y\n", {}, "no data rows"),
        ("\n\n", {}, "empty"),
    ],
)
def test_csv_errors_name_the_file_and_place(tmp_path, text, kwargs, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as info:
        load_csv(path, **kwargs)
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------- TensorDataset


def test_tensor_dataset_items_and_length():
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6, dtype=np.int64)
    dataset = TensorDataset(X, y)
    assert len(dataset) == 6
    xi, yi = dataset[4]
    np.testing.assert_array_equal(_numpy(xi), [8, 9])
    assert _numpy(yi).shape == () and int(_numpy(yi)) == 4
    assert _numpy(xi).dtype == np.float32 and _numpy(yi).dtype == np.int64
    with pytest.raises(IndexError, match="index 6 is out of bounds"):
        dataset[6]


def test_tensor_dataset_rejects_mismatched_sizes():
    with pytest.raises(ValueError, match=r"\[3, 4\]"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="TensorDataset needs at least one array"):
        TensorDataset()


def test_tensor_dataset_takes_tensors_without_copying():
    import autograd_lite as ag

    X = np.ones((3, 2), dtype=np.float32)
    dataset = TensorDataset(ag.from_numpy(X), [0, 1, 2])
    assert dataset.arrays[0] is X
    assert dataset.arrays[1].dtype == np.int64


# --------------------------------------------------------------------------- DataLoader


def _dataset(n: int = 10) -> TensorDataset:
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    return TensorDataset(X, np.arange(n, dtype=np.int64))


@pytest.mark.parametrize(
    ("n", "batch", "drop_last", "expected"),
    [
        (10, 3, False, 4),
        (10, 3, True, 3),
        (9, 3, False, 3),
        (9, 3, True, 3),
        (2, 5, True, 0),
        (0, 4, False, 0),
    ],
)
def test_loader_batch_count(n, batch, drop_last, expected):
    loader = DataLoader(_dataset(n), batch_size=batch, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(batches) == expected
    sizes = [len(_numpy(yb)) for _, yb in batches]
    if drop_last:
        assert all(size == batch for size in sizes)
    assert sum(sizes) == (n // batch * batch if drop_last else n)


def test_loader_batches_keep_dtypes_and_order():
    loader = DataLoader(_dataset(), batch_size=4)
    xb, yb = next(iter(loader))
    assert _numpy(xb).dtype == np.float32 and _numpy(yb).dtype == np.int64
    assert _numpy(xb).shape == (4, 3)
    np.testing.assert_array_equal(_numpy(yb), [0, 1, 2, 3])
    np.testing.assert_array_equal(_numpy(xb), np.arange(12).reshape(4, 3))


def test_loader_shuffle_covers_every_sample_once_per_epoch_and_is_seeded():
    dataset = _dataset(23)
    loader = DataLoader(dataset, batch_size=5, shuffle=True, seed=7)
    twin = DataLoader(dataset, batch_size=5, shuffle=True, seed=7)

    def epoch(dl):
        return np.concatenate([_numpy(yb) for _, yb in dl])

    first, second = epoch(loader), epoch(loader)
    for order in (first, second):
        assert sorted(order.tolist()) == list(range(23))
    assert not np.array_equal(first, second)  # a new order every epoch...
    np.testing.assert_array_equal(epoch(twin), first)  # ...reproducible from the seed
    np.testing.assert_array_equal(epoch(twin), second)
    assert not np.array_equal(epoch(DataLoader(dataset, 5, shuffle=True, seed=8)), first)
    for xb, yb in DataLoader(dataset, batch_size=5, shuffle=True, seed=1):
        np.testing.assert_array_equal(_numpy(xb)[:, 0], 3 * _numpy(yb))  # rows stay paired


def test_loader_accepts_a_generator():
    dataset = _dataset()
    a = DataLoader(dataset, 3, shuffle=True, generator=np.random.default_rng(5))
    b = DataLoader(dataset, 3, shuffle=True, generator=np.random.default_rng(5))
    assert [_numpy(y).tolist() for _, y in a] == [_numpy(y).tolist() for _, y in b]
    with pytest.raises(ValueError, match="not both"):
        DataLoader(dataset, 3, seed=1, generator=np.random.default_rng(5))


@pytest.mark.parametrize("bad", [0, -2, 2.0, "4", None, True])
def test_loader_rejects_bad_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader(_dataset(), batch_size=bad)


def test_loader_batches_do_not_alias_the_dataset():
    dataset = _dataset()
    xb, _ = next(iter(DataLoader(dataset, batch_size=4)))
    _numpy(xb)[:] = -1
    assert dataset.arrays[0].min() == 0


class _Squares:
    """A generic data set: a sample is a (features, label) pair made on the fly."""

    def __len__(self) -> int:
        return 7

    def __getitem__(self, i: int):
        return np.array([i, i * i], dtype=np.float32), i % 2


def test_loader_collates_a_generic_dataset():
    loader = DataLoader(_Squares(), batch_size=3, shuffle=True, seed=0)
    assert len(loader) == 3
    seen = []
    for xb, yb in loader:
        x, y = _numpy(xb), _numpy(yb)
        assert x.dtype == np.float32 and x.shape[1] == 2 and y.dtype == np.int64
        np.testing.assert_array_equal(x[:, 1], x[:, 0] ** 2)
        np.testing.assert_array_equal(y, x[:, 0].astype(np.int64) % 2)
        seen += x[:, 0].tolist()
    assert sorted(seen) == list(range(7))


def test_loader_uses_an_overridden_getitem():
    class Doubled(TensorDataset):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return _numpy(x) * 2, _numpy(y)

    X = np.arange(4, dtype=np.float32).reshape(4, 1)
    xb, _ = next(iter(DataLoader(Doubled(X, np.zeros(4, np.int64)), batch_size=4)))
    np.testing.assert_array_equal(_numpy(xb)[:, 0], [0, 2, 4, 6])


def test_loader_on_digits_end_to_end():
    X, y = datasets.digits()
    loader = DataLoader(TensorDataset(X, y), batch_size=256, shuffle=True, seed=0)
    assert len(loader) == 8
    total = sum(len(_numpy(yb)) for _, yb in loader)
    assert total == 1797


def test_csv_labels_too_large_for_a_class_are_refused(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("1,0\n2,1e30\n")
    with pytest.raises(ValueError, match=r"huge.csv, line 2: .*1e\+30, too large"):
        load_csv(path)
