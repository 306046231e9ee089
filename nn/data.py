"""Data loading: ``TensorDataset``, ``DataLoader`` and small ready-made data sets.

Every data set function returns ``(X, y)`` NumPy arrays: ``float32`` features of shape
``(n, features)`` and ``int64`` class labels of shape ``(n,)``, which ``TensorDataset`` and
``DataLoader`` take directly::

    from nn.data import DataLoader, TensorDataset, datasets

    X, y = datasets.digits()
    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True, seed=0)
    for xb, yb in loader:   # autograd_lite Tensors: float32 (64, 64) and int64 (64,)
        ...

Only NumPy is used here; batches become Tensors through ``autograd_lite.from_numpy``.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gzip
import importlib.resources
import math
import numbers
import operator
import os
import warnings
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.lib import format as npy_format

from .io import open_regular

__all__ = [
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "datasets",
    "digits",
    "load_csv",
    "load_mnist_idx",
    "load_npz",
    "moons",
    "random_split",
    "spirals",
    "xor",
]

StrPath = str | os.PathLike[str]


def _as_array(x: Any) -> np.ndarray:
    """Return ``x`` as an ndarray: a Tensor's ``.array``; an ndarray as is; else as ``ag.tensor``.

    So NumPy arrays and scalars keep their dtype, and Python floats get the engine's default
    dtype (``float32`` unless changed), as with ``torch.tensor``.
    """
    if isinstance(x, np.ndarray):
        return x
    data = getattr(x, "array", None)
    if isinstance(data, np.ndarray):  # an autograd_lite Tensor (or anything shaped like one)
        return data
    import autograd_lite as ag

    if ag.arrays.is_array(data):  # a Tensor on a GPU: shared, as a NumPy-backed one is
        return data
    return ag.tensor(x).array


def _to_tensor(array: np.ndarray) -> Any:
    """Wrap an ndarray as an autograd_lite Tensor without copying."""
    # Imported here, not at module level: the data sets and file loaders work on NumPy alone.
    import autograd_lite as ag

    return ag.from_numpy(array)


class Dataset:
    """Base class of map-style data sets, as ``torch.utils.data.Dataset``: subclass it and
    define ``__getitem__(index)`` and ``__len__()``; ``DataLoader`` batches any such object."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"Subclasses of Dataset should implement __getitem__ "
                                  f"({type(self).__name__} does not)")

    def __len__(self) -> int:
        raise NotImplementedError(f"Subclasses of Dataset should implement __len__ "
                                  f"({type(self).__name__} does not)")


class TensorDataset(Dataset):
    """A data set of arrays that share their first dimension; item ``i`` is their ``i``-th rows.

    Args:
        *arrays: NumPy arrays, autograd_lite Tensors (their ``.array`` is used, not copied) or
            array-likes (converted as ``ag.tensor`` does: Python floats get the default dtype).

    Raises:
        ValueError: if no array is given, one is 0-d, or their first dimensions differ.
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        converted = tuple(_as_array(a) for a in arrays)
        for position, array in enumerate(converted):
            if array.ndim == 0:
                raise ValueError(
                    f"TensorDataset: array {position} is 0-d; every array needs a first "
                    "dimension indexing the samples"
                )
        sizes = [array.shape[0] for array in converted]
        if len(set(sizes)) > 1:
            raise ValueError(
                f"TensorDataset: all arrays must have the same first dimension, got sizes {sizes}"
            )
        self.arrays: tuple[np.ndarray, ...] = converted

    @property
    def tensors(self) -> tuple[Any, ...]:
        """The arrays as autograd_lite Tensors sharing their memory (as in PyTorch)."""
        return tuple(_to_tensor(array) for array in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        # `a[index, ...]` is an ndarray even for an integer index into a 1-D array (a 0-d
        # view), where `a[index]` would be a NumPy scalar.
        return tuple(_to_tensor(array[index, ...]) for array in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(str(array.shape[1:]) for array in self.arrays)
        return f"TensorDataset(n={len(self)}, item_shapes=[{shapes}])"


class Subset(Dataset):
    """The items of ``dataset`` at ``indices``, in that order (what ``random_split`` returns).

    >>> Subset(TensorDataset(np.arange(5)), [4, 0])[0]
    (tensor(4),)
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)

    def __repr__(self) -> str:
        return f"Subset(n={len(self)} of {type(self.dataset).__name__}(n={len(self.dataset)}))"


def _rng(generator: Any) -> Any:
    """The generator to draw an order from: the one given (an ``np.random.Generator``, or any
    object with ``permutation``), else autograd_lite's default one, looked up now so that
    ``ag.manual_seed`` reseeds it (as ``torch.manual_seed`` does torch's)."""
    if generator is not None:
        return generator
    import autograd_lite as ag

    return ag.default_generator()


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: Any = None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping ``Subset`` s of the given ``lengths``,
    or of the given fractions of ``len(dataset)`` when they sum to 1 (the remainder is dealt
    one item at a time to the first subsets, as PyTorch does). The order comes from
    ``generator`` or autograd_lite's default generator (seeded by ``ag.manual_seed``).

    >>> train, val = random_split(TensorDataset(X, y), [0.8, 0.2],
    ...                           generator=np.random.default_rng(0))
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, fraction in enumerate(lengths):
            if fraction < 0 or fraction > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(n * fraction)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", stacklevel=2)
        lengths = counts
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = _rng(generator).permutation(n).tolist()
    splits, offset = [], 0
    for length in lengths:
        splits.append(Subset(dataset, order[offset:offset + int(length)]))
        offset += int(length)
    return splits


def _tensor_rows(dataset: Any) -> tuple[tuple[np.ndarray, ...], np.ndarray | None] | None:
    """For a TensorDataset, or Subsets of one: its arrays and the row map (None: identity),
    so a batch is one fancy index per array; None for any other data set."""
    rows = None
    while isinstance(dataset, Subset) and type(dataset).__getitem__ is Subset.__getitem__:
        mapped = np.asarray(dataset.indices, dtype=np.int64)
        rows = mapped if rows is None else mapped[rows]
        dataset = dataset.dataset
    # A subclass that overrides __getitem__ (augmentation, say) must see every sample.
    if isinstance(dataset, TensorDataset) and type(dataset).__getitem__ is \
            TensorDataset.__getitem__:
        return dataset.arrays, rows
    return None


class DataLoader:
    """Iterate over a data set in batches of autograd_lite Tensors.

    A ``TensorDataset`` is batched by fancy-indexing each of its arrays once per batch (no
    per-sample Python loop): each batch is a tuple of Tensors that keep the arrays' dtypes and own
    their memory. Any other data set (an object with ``__len__`` and ``__getitem__``) is batched
    by fetching the samples one by one and stacking them with ``np.stack``; samples may be
    tuples, dicts or single arrays, and batches have the same form.

    Args:
        dataset: the data set.
        batch_size: samples per batch, a positive integer.
        shuffle: draw a new random order at every epoch (every ``iter``).
        seed: seed of the shuffling generator, ``np.random.default_rng(seed)``, made once here:
            two loaders with the same seed give the same sequence of epochs, and each epoch's
            order differs from the previous one.
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        generator: an ``np.random.Generator`` to shuffle with instead of a seed. With neither
            seed nor generator, each epoch's order is drawn from autograd_lite's default
            generator, so a script that calls ``ag.manual_seed(0)`` shuffles the same way every
            run (as PyTorch's loader follows ``torch.manual_seed``).
        collate_fn: makes a batch from the list of samples (default: stack into Tensors).
        num_workers, pin_memory, persistent_workers, prefetch_factor, timeout, worker_init_fn:
            accepted and checked as PyTorch does, so scripts run unchanged; batches are loaded
            in this process (``worker_init_fn`` is not called).

    Raises:
        ValueError: if ``batch_size`` is not a positive integer, or both ``seed`` and
            ``generator`` are given.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        seed: int | None = None,
        drop_last: bool = False,
        generator: Any = None,
        *,
        num_workers: int = 0,
        collate_fn: Any = None,
        pin_memory: bool = False,
        timeout: float = 0,
        worker_init_fn: Any = None,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        sampler: Any = None,
        batch_sampler: Any = None,
        multiprocessing_context: Any = None,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise ValueError(
                f"batch_size must be a positive integer, got {batch_size!r} "
                f"({type(batch_size).__name__})"
            )
        if batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        if generator is not None and seed is not None:
            raise ValueError("pass either seed or generator to DataLoader, not both")
        if generator is not None and not callable(getattr(generator, "permutation", None)):
            raise TypeError(
                "generator must be an np.random.Generator (e.g. np.random.default_rng(0)), "
                f"got {type(generator).__name__}"
            )
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) \
                or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if sampler is not None or batch_sampler is not None:
            raise NotImplementedError(
                "DataLoader: sampler and batch_sampler are not supported; use shuffle=True "
                "(with seed= or generator=), or index the data set with a Subset")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        # Accepted for PyTorch's scripts; batches are loaded here, in this process, and
        # NumPy arrays need no pinning.
        self.num_workers, self.pin_memory = int(num_workers), bool(pin_memory)
        self.persistent_workers, self.timeout = bool(persistent_workers), timeout
        self.worker_init_fn, self.prefetch_factor = worker_init_fn, prefetch_factor
        # No seed and no generator: each epoch draws from autograd_lite's default generator
        # (looked up then), so `ag.manual_seed` makes the shuffling reproducible.
        self.generator = generator if generator is not None else (
            None if seed is None else np.random.default_rng(seed))

    def __len__(self) -> int:
        """The number of batches in one epoch."""
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = _rng(self.generator).permutation(n) if self.shuffle else np.arange(n)
        rows = None if self.collate_fn is not None else _tensor_rows(self.dataset)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start : start + self.batch_size]
            if rows is not None:
                arrays, mapping = rows
                picked = indices if mapping is None else mapping[indices]
                # Fancy indexing copies, so a batch never aliases the data set.
                yield tuple(_to_tensor(array[picked]) for array in arrays)
            elif self.collate_fn is not None:
                yield self.collate_fn([self.dataset[int(i)] for i in indices])
            else:
                yield _collate([self.dataset[int(i)] for i in indices])

    def __repr__(self) -> str:
        return (
            f"DataLoader(dataset={type(self.dataset).__name__}(n={len(self.dataset)}), "
            f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})"
        )


def _collate(samples: list[Any]) -> Any:
    """Stack a list of samples into one batch of Tensors with the samples' structure."""
    first = samples[0]
    if isinstance(first, Mapping):
        return {key: _collate([sample[key] for sample in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        width = len(first)
        if any(len(sample) != width for sample in samples):
            raise ValueError("DataLoader: the data set's samples have different lengths")
        return tuple(_collate([sample[k] for sample in samples]) for k in range(width))
    if isinstance(first, float):  # Python floats batch as float64, as PyTorch's default_collate
        return _to_tensor(np.array(samples, dtype=np.float64))
    return _to_tensor(np.stack([_as_array(sample) for sample in samples]))


# --------------------------------------------------------------------------- toy data sets


def _check_count(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_noise(noise: float | None) -> float:
    noise = 0.0 if noise is None else float(noise)
    if not noise >= 0.0:  # also rejects NaN
        raise ValueError(f"noise must be >= 0, got {noise}")
    return noise


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: the four corners of the unit square, labelled by ``x0 xor x1``.

    Returns:
        ``X`` float32 ``[[0, 0], [0, 1], [1, 0], [1, 1]]`` and ``y`` int64 ``[0, 1, 1, 0]``.
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y


def moons(
    n_samples: int = 200,
    noise: float = 0.1,
    seed: int | np.random.Generator | None = 0,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, as scikit-learn's ``make_moons``.

    Class 0 is the upper moon (``n_samples // 2`` points), class 1 the lower one (the rest).

    Args:
        n_samples: total number of points.
        noise: standard deviation of the Gaussian noise added to the points.
        seed: seed (or generator) of the noise and of the shuffle.
        shuffle: shuffle the points; otherwise class 0 comes first.

    Returns:
        ``X`` float32 ``(n_samples, 2)`` and ``y`` int64 ``(n_samples,)``.
    """
    n_samples = _check_count("n_samples", n_samples)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    outer = np.linspace(0.0, np.pi, n_outer)
    inner = np.linspace(0.0, np.pi, n_inner)
    X = np.concatenate(
        [
            np.stack([np.cos(outer), np.sin(outer)], axis=1),
            np.stack([1.0 - np.cos(inner), 0.5 - np.sin(inner)], axis=1),
        ]
    )
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_outer, n_inner])
    return _finish(X, y, rng, noise, shuffle)


def spirals(
    n_samples: int = 300,
    n_classes: int = 3,
    noise: float = 0.2,
    seed: int | np.random.Generator | None = 0,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: the CS231n spiral data set.

    Arm ``j`` has radii evenly spaced over ``[0, 1]`` and angles over ``[4j, 4(j + 1)]``
    radians, plus Gaussian noise of standard deviation ``noise`` on the angle. Points are split
    evenly between the classes (the first ``n_samples % n_classes`` arms get one more).

    Args:
        n_samples: total number of points.
        n_classes: number of arms (classes).
        noise: standard deviation of the angular noise, in radians.
        seed: seed (or generator) of the noise and of the shuffle.
        shuffle: shuffle the points; otherwise they come arm by arm.

    Returns:
        ``X`` float32 ``(n_samples, 2)`` and ``y`` int64 ``(n_samples,)``.
    """
    n_samples = _check_count("n_samples", n_samples)
    n_classes = _check_count("n_classes", n_classes)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    counts = [n_samples // n_classes + (j < n_samples % n_classes) for j in range(n_classes)]
    radius = np.concatenate([np.linspace(0.0, 1.0, count) for count in counts])
    angle = np.concatenate(
        [np.linspace(4.0 * j, 4.0 * (j + 1), count) for j, count in enumerate(counts)]
    )
    angle = angle + noise * rng.standard_normal(n_samples)
    X = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), counts)
    return _finish(X, y, rng, 0.0, shuffle)


def _finish(
    X: np.ndarray, y: np.ndarray, rng: np.random.Generator, noise: float, shuffle: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Add Gaussian noise to ``X``, shuffle both, and cast to the data set dtypes."""
    if noise:
        X = X + noise * rng.standard_normal(X.shape)
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return X.astype(np.float32), y.astype(np.int64)


# --------------------------------------------------------------------------- bundled digits


@functools.cache
def _bundled_digits() -> np.ndarray:
    """The bundled UCI digits as an int64 ``(1797, 65)`` array, parsed once per process."""
    resource = importlib.resources.files(__package__) / "_data" / "digits.csv.gz"
    table = np.loadtxt(
        gzip.decompress(resource.read_bytes()).decode("ascii").splitlines(),
        delimiter=",",
        dtype=np.int64,
    )
    if table.shape != (1797, 65):
        raise RuntimeError(
            f"the bundled digits data has shape {table.shape}, expected (1797, 65); "
            "the installation is damaged, reinstall autograd-lite"
        )
    table.flags.writeable = False
    return table


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The UCI handwritten digits: 1,797 images of 8x8 pixels, bundled with the package.

    Optical Recognition of Handwritten Digits, E. Alpaydin and C. Kaynak, UCI Machine Learning
    Repository, CC BY 4.0, https://archive.ics.uci.edu/dataset/80 (its test set, as shipped
    with scikit-learn). Nothing is downloaded.

    Returns:
        ``X`` float32 ``(1797, 64)``, the images row by row with pixel values 0..16, and ``y``
        int64 ``(1797,)``, the digits 0..9. Each call returns fresh arrays. For a CNN, use
        ``X.reshape(-1, 1, 8, 8)``; to scale to ``[0, 1]``, divide by 16.
    """
    table = _bundled_digits()
    return table[:, :64].astype(np.float32), table[:, 64].copy()


# --------------------------------------------------------------------------- MNIST IDX

_IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
_IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension


MAX_FILE_BYTES = 2**31
"""The most bytes a data file may hold (after decompression): 2 GiB."""
MAX_GZIP_RATIO = 200
"""How much a gzip-compressed data file may expand; real data sets expand 2-20 times, a
decompression bomb a thousand times."""


def _gzip_budget(name: str, size: int, limit: int) -> int:
    return min(limit, MAX_GZIP_RATIO * size + 2**20)


def _bomb(name: str, budget: int) -> ValueError:
    return ValueError(f"{name}: the gzip data expands past {budget} bytes (more than "
                      f"{MAX_GZIP_RATIO} times its compressed size, or {MAX_FILE_BYTES} bytes): "
                      "refused as a decompression bomb; decompress it yourself if you trust it")


def _read_bytes(path: StrPath, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, decompressed if it is gzip data (whatever its name), read as a
    stream that stops at ``limit`` bytes (or at ``MAX_GZIP_RATIO`` times the compressed
    size): a decompression bomb is refused as soon as it passes the budget."""
    name = os.fspath(path)
    with open_regular(name, "data file") as (file, size):
        if size > limit:
            raise ValueError(f"{name}: {size} bytes, more than the {limit} a data file may hold")
        if file.read(2) != b"\x1f\x8b":
            file.seek(0)
            return file.read()
        file.seek(0)
        budget = _gzip_budget(name, size, limit)
        with _gunzip(name, file) as stream:
            data = _read_stream(name, stream, budget + 1)
        if len(data) > budget:
            raise _bomb(name, budget)
        return data


@contextlib.contextmanager
def _gunzip(name: str, file: Any) -> Iterator[Any]:
    with gzip.GzipFile(fileobj=file, mode="rb") as stream:
        yield stream


def _read_stream(name: str, stream: Any, count: int) -> bytes:
    """Up to ``count`` decompressed bytes of ``stream``, corrupt data as a ValueError."""
    try:
        return stream.read(count)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{name}: corrupt gzip data ({exc})") from None


def _read_idx(path: StrPath, magic: int, what: str) -> np.ndarray:
    """Read one unsigned-byte IDX file with the given magic number, checking its header (and
    the size it claims) before reading or decompressing the data."""
    name = os.fspath(path)
    with open_regular(name, f"IDX {what} file") as (file, size):
        compressed = file.read(2) == b"\x1f\x8b"
        file.seek(0)
        if compressed:
            with _gunzip(name, file) as stream:
                return _parse_idx(name, stream, magic, what,
                                  _gzip_budget(name, size, MAX_FILE_BYTES), True)
        return _parse_idx(name, file, magic, what, size, False)


def _parse_idx(name: str, stream: Any, magic: int, what: str, budget: int,
               compressed: bool) -> np.ndarray:
    start = _read_stream(name, stream, 4)
    if len(start) < 4:
        raise ValueError(f"{name}: truncated IDX file ({len(start)} bytes, no header)")
    found = int.from_bytes(start, "big")
    if found != magic:
        hint = ""
        other = {_IDX_IMAGES_MAGIC: "image", _IDX_LABELS_MAGIC: "label"}.get(found)
        if other is not None:
            hint = f"; this is an IDX {other} file, are the images and labels swapped?"
        raise ValueError(
            f"{name}: bad magic number {found} (0x{found:08x}), expected {magic} for an IDX "
            f"{what} file{hint}"
        )
    ndim = start[3]
    header = 4 + 4 * ndim
    dims = _read_stream(name, stream, 4 * ndim)
    if len(dims) < 4 * ndim:
        raise ValueError(
            f"{name}: truncated IDX file ({4 + len(dims)} bytes, the header needs {header})"
        )
    shape = tuple(int.from_bytes(dims[4 * k : 4 * k + 4], "big") for k in range(ndim))
    expected = header + math.prod(shape)
    if shape[0] == 0:
        raise ValueError(f"{name}: the IDX {what} file holds no {what}s (its header says 0)")
    if what == "image" and 0 in shape[1:]:
        raise ValueError(f"{name}: its images have {shape[1]}x{shape[2]} pixels; an image needs "
                         "at least one")
    if expected > budget:
        if compressed:
            raise _bomb(name, budget)
        raise ValueError(f"{name}: truncated: the file has {budget} bytes but its header (shape "
                         f"{shape}) needs exactly {expected}")
    data = _read_stream(name, stream, expected - header + 1)
    if len(data) != expected - header:
        problem = "truncated" if len(data) < expected - header else "trailing bytes after the data"
        have = header + len(data)
        raise ValueError(
            f"{name}: {problem}: the file has {'more than ' if have > expected else ''}{have} "
            f"bytes{' (decompressed)' if compressed else ''} but its header (shape {shape}) "
            f"needs exactly {expected}"
        )
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def load_mnist_idx(images_path: StrPath, labels_path: StrPath) -> tuple[np.ndarray, np.ndarray]:
    """Read an MNIST-style pair of IDX files (``train-images-idx3-ubyte`` and its labels).

    Either file may be gzip-compressed (``.gz``, detected from its content). The magic numbers
    (2051 for images, 2049 for labels), the dimensions, the file lengths and the two counts are
    checked.

    Args:
        images_path: the IDX image file: ``n`` images of ``rows x cols`` unsigned bytes.
        labels_path: the IDX label file: ``n`` unsigned bytes.

    Returns:
        ``X`` float32 ``(n, rows * cols)`` scaled to ``[0, 1]`` and ``y`` int64 ``(n,)``.

    Raises:
        FileNotFoundError: if a file does not exist.
        ValueError: if a file is corrupt, truncated or not the right kind of IDX file, or the
            counts differ; the message names the file and the problem.
    """
    images = _read_idx(images_path, _IDX_IMAGES_MAGIC, "image")
    labels = _read_idx(labels_path, _IDX_LABELS_MAGIC, "label")
    if len(images) != len(labels):
        raise ValueError(
            f"{os.fspath(images_path)} has {len(images)} images but "
            f"{os.fspath(labels_path)} has {len(labels)} labels"
        )
    X = images.reshape(len(images), -1).astype(np.float32)
    X /= np.float32(255.0)
    return X, labels.astype(np.int64)


# --------------------------------------------------------------------------- NPZ


def load_npz(path: StrPath, max_bytes: int = MAX_FILE_BYTES) -> dict[str, np.ndarray]:
    """Read every array of an ``.npz`` archive (as ``np.savez`` writes) without trusting it.

    Unlike ``np.load``, every member's sizes are checked before anything is decompressed or
    allocated: stored or deflated ``.npy`` members only (no encryption, no other compression),
    each ``.npy`` header's shape must account for exactly the member's bytes, a deflated member
    may expand at most ``MAX_GZIP_RATIO`` times, and all of them together at most
    ``max_bytes``. Nothing is unpickled.

    >>> arrays = load_npz("data.npz"); X, y = arrays["X"], arrays["y"]

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: for anything else (not a regular file, not an ``.npz``, a corrupt or
            oversized member); one line naming the file and, where one array is at fault, its
            name.
    """
    name = os.fspath(path)
    with open_regular(name, ".npz file") as (file, size):
        head = file.read(6)
        file.seek(0)
        if head == b"\x93NUMPY":
            raise ValueError(f"{name}: a single .npy array, not an .npz archive; save the "
                             "arrays with np.savez(path, X=X, y=y)")
        if head[:2] != b"PK":
            raise ValueError(f"{name}: not an .npz archive (a zip file of .npy arrays, as "
                             "np.savez writes)")
        try:
            archive = zipfile.ZipFile(file)
            infos = archive.infolist()
        except Exception as exc:  # zipfile raises many kinds on hostile input
            raise ValueError(f"{name}: not a readable .npz archive ({_reason(exc)})") from None
        with archive:
            total = 0
            for info in infos:
                total += _check_npz_member(name, info, max_bytes)
                if total > max_bytes:
                    raise ValueError(f"{name}: its arrays hold more than {max_bytes} bytes")
            return {info.filename[:-4]: _read_npy_member(name, archive, info) for info in infos}


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _check_npz_member(name: str, info: zipfile.ZipInfo, max_bytes: int) -> int:
    where = f"{name}, member {info.filename!r}"
    if not info.filename.endswith(".npy"):
        raise ValueError(f"{where}: not a .npy array")
    if info.flag_bits & 0x1:
        raise ValueError(f"{where}: encrypted; an .npz archive holds plain arrays")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ValueError(f"{where}: compression method {info.compress_type} is not supported "
                         "(np.savez writes stored or deflated members)")
    budget = info.compress_size if info.compress_type == zipfile.ZIP_STORED else \
        MAX_GZIP_RATIO * info.compress_size + 2**20
    if info.file_size > min(budget, max_bytes):
        raise ValueError(f"{where}: claims {info.file_size} bytes from {info.compress_size} "
                         "compressed: refused as a decompression bomb")
    return info.file_size


def _read_npy_member(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    where = f"{name}, array {info.filename[:-4]!r}"
    try:
        with archive.open(info) as member:
            version = npy_format.read_magic(member)
            if version == (1, 0):
                shape, fortran, dtype = npy_format.read_array_header_1_0(member)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = npy_format.read_array_header_2_0(member)
            else:
                raise ValueError(f".npy version {version} is not supported")
            if dtype.hasobject:
                raise ValueError("it holds Python objects, which would need pickle")
            nbytes = math.prod(shape) * dtype.itemsize
            left = info.file_size - member.tell()
            if nbytes != left:
                raise ValueError(f"its header claims shape {shape} of {dtype} ({nbytes} bytes) "
                                 f"but the member holds {left}")
            data = member.read(nbytes)
            if len(data) != nbytes or member.read(1):  # the last read also checks the CRC
                raise ValueError("truncated or corrupt data")
    except Exception as exc:  # zipfile, zlib and the .npy header parser raise many kinds
        raise ValueError(f"{where}: cannot read it ({_reason(exc)})") from None
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()


# --------------------------------------------------------------------------- CSV


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_text(path: StrPath) -> str:
    """The text of ``path`` (gzip-compressed or not), universal newlines, BOM dropped."""
    raw = _read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{os.fspath(path)}: not a UTF-8 text file ({exc})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _split(line: str) -> list[str]:
    return next(csv.reader([line]))


def _target_column(path: str, target: int | str, names: list[str] | None, n_columns: int) -> int:
    """The index of the target column, from an index (negative allowed) or a column name."""
    if isinstance(target, str):
        if names is None:
            raise ValueError(
                f"{path}: target {target!r} is a column name, but the file has no header row; "
                "pass header=True if its first line holds the column names, or give the target "
                "as a column index"
            )
        matches = [k for k, name in enumerate(names) if name == target]
        if not matches:
            raise ValueError(f"{path}: no column named {target!r}; the columns are {names}")
        if len(matches) > 1:
            raise ValueError(f"{path}: several columns are named {target!r}")
        return matches[0]
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(f"target must be a column index or name, got {target!r}")
    if not -n_columns <= target < n_columns:
        raise ValueError(f"{path}: target column {target} is out of range for {n_columns} columns")
    return operator.index(target) % n_columns


def _bad_cell(
    path: str, rows: Sequence[tuple[int, str]], n_columns: int, names: list[str] | None
) -> ValueError | None:
    """Find the first row or cell that is not a finite number, as a ValueError to raise."""
    for line_number, line in rows:
        cells = _split(line)
        if len(cells) != n_columns:
            return ValueError(
                f"{path}, line {line_number}: {len(cells)} columns, expected {n_columns}"
            )
        for k, cell in enumerate(cells):
            where = f"{path}, line {line_number}, column {k + 1}"
            if names is not None:
                where += f" ({names[k]!r})"
            value = cell.strip()
            if not value:
                return ValueError(f"{where}: empty cell")
            if not _is_number(value):
                return ValueError(f"{where}: cannot read {cell!r} as a number")
            if not math.isfinite(float(value)):
                return ValueError(f"{where}: {cell!r} is not a finite number")
    return None


def load_csv(
    path: StrPath, target: int | str = -1, header: bool | Literal["infer"] = "infer"
) -> tuple[np.ndarray, np.ndarray]:
    """Read a numeric CSV file (optionally gzip-compressed) of features and a class label.

    Blank lines are skipped; every other line must hold the same number of comma-separated
    finite numbers. No pandas needed.

    Args:
        path: the CSV file.
        target: the label column, as an index (negative counts from the end) or, if the file
            has a header row, a column name.
        header: ``True`` if the first line holds column names, ``False`` if it holds data, or
            ``"infer"``: a header if any of its cells is not a number.

    Returns:
        ``X`` float32 ``(rows, columns - 1)``, every column but the target, and ``y`` int64
        ``(rows,)``, the target column.

    Raises:
        ValueError: on a cell that is not a finite number or a row of the wrong length (naming
            the file, line and column), on a target column holding non-integer values (it must
            hold class labels) or values of 2**53 or more, or on an unknown target.
    """
    name = os.fspath(path)
    if header not in (True, False, "infer"):
        raise ValueError(f"header must be True, False or 'infer', got {header!r}")
    rows = [(k + 1, line) for k, line in enumerate(_read_text(path).split("\n")) if line.strip()]
    if not rows:
        raise ValueError(f"{name}: the file is empty")
    first = [cell.strip() for cell in _split(rows[0][1])]
    if header == "infer":
        header = not all(_is_number(cell) for cell in first)
    names = first if header else None
    body = rows[1:] if header else rows
    n_columns = len(first)
    if n_columns < 2:
        raise ValueError(f"{name}: needs at least two columns (features and a target)")
    column = _target_column(name, target, names, n_columns)
    if not body:
        raise ValueError(f"{name}: no data rows")

    try:  # the fast path; on failure, _bad_cell finds the line and column to report
        table = np.loadtxt(
            [line for _, line in body],
            delimiter=",",
            dtype=np.float64,
            comments=None,
            quotechar='"',
            ndmin=2,
        )
        parse_error = None
    except ValueError as exc:
        table, parse_error = None, exc
    if table is None or table.shape[1] != n_columns or not np.isfinite(table).all():
        error = _bad_cell(name, body, n_columns, names) or ValueError(
            f"{name}: not a numeric CSV file ({parse_error})"
        )
        raise error from None

    labels = table[:, column]
    integral = labels == np.round(labels)
    if not integral.all():
        bad = int(np.argmin(integral))
        label_name = f" {names[column]!r}" if names is not None else ""
        raise ValueError(
            f"{name}, line {body[bad][0]}: the target column{label_name} ({column + 1}) holds "
            f"{float(labels[bad])!r}; the target must hold integer class labels"
        )
    huge = np.abs(labels) >= 2**53  # beyond this a float no longer holds every integer
    if huge.any():
        bad = int(np.argmax(huge))
        raise ValueError(
            f"{name}, line {body[bad][0]}: the target column ({column + 1}) holds "
            f"{float(labels[bad])!r}, too large for a class label"
        )
    X = np.delete(table, column, axis=1).astype(np.float32)
    return X, labels.astype(np.int64)


# --------------------------------------------------------------------------- namespace


class datasets:  # noqa: N801 - a lower-case namespace, used as ``datasets.moons()``
    """The ready-made data sets, each returning ``(X, y)``: float32 features, int64 labels.

    ``xor()``, ``moons()``, ``spirals()``, ``digits()`` (bundled, no download),
    ``load_mnist_idx(images, labels)`` and ``load_csv(path, target=-1)``; the same functions
    are also importable from ``nn.data`` directly.
    """

    xor = staticmethod(xor)
    moons = staticmethod(moons)
    spirals = staticmethod(spirals)
    digits = staticmethod(digits)
    load_mnist_idx = staticmethod(load_mnist_idx)
    load_csv = staticmethod(load_csv)
    load_npz = staticmethod(load_npz)
