"""Tests for nn.io: checkpoints round-trip exactly, never pickle, and are written atomically."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npy_format

from nn.io import load, save


class _FakeTensor:
    """Stands in for an autograd_lite Tensor: an object holding its array in ``.data``."""

    def __init__(self, data: np.ndarray) -> None:
        self.array = data


class _FakeModule:
    def __init__(self) -> None:
        self.weight = _FakeTensor(np.arange(6, dtype=np.float32).reshape(2, 3))
        self.bias = _FakeTensor(np.zeros(2, dtype=np.float32))

    def state_dict(self) -> dict:
        return {"0.weight": self.weight, "0.bias": self.bias}


class _FakeOptimizer:
    def state_dict(self) -> dict:  # PyTorch's layout: int keys, lists, tuples, scalars
        return {
            "state": {0: {"step": 3, "exp_avg": np.full((2, 3), 0.5)}, 1: {}},
            "param_groups": [
                {"params": [0, 1], "lr": 1e-3, "betas": (0.9, 0.999), "amsgrad": False}
            ],
        }


def _assert_same(actual, expected) -> None:
    """Exact equality of nested structures, including types, dtypes and shapes."""
    if isinstance(expected, np.ndarray | np.generic):
        assert type(actual) is type(expected)
        assert actual.dtype == expected.dtype and actual.shape == expected.shape
        np.testing.assert_array_equal(actual, expected)
    elif isinstance(expected, dict):
        assert type(actual) is dict and list(actual) == list(expected)
        for key in expected:
            _assert_same(actual[key], expected[key])
    elif isinstance(expected, list | tuple):
        assert type(actual) is type(expected) and len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            _assert_same(a, e)
    else:
        assert type(actual) is type(expected) and actual == expected


def test_round_trip_of_a_nested_structure(tmp_path):
    obj = {
        "weights": {
            "0.weight": np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32),
            "0.bias": np.arange(3, dtype=np.float64),
            "ids": np.array([[1, 2]], dtype=np.int64),
            "mask": np.array([True, False]),
            "half": np.ones((2, 2), dtype=np.float16).T,
            "scalar_array": np.array(2.5),
            "empty": np.zeros((0, 5), dtype=np.int32),
        },
        "state": {0: {"step": 10, "lr": 0.1}, 1: {"step": 11}, "0": "a str key"},
        "history": [0.5, 0.25, None, True, "text", [1, (2, 3)], ()],
        "np_scalar": np.float32(1.25),
        "np_int": np.int64(7),
        "weird/key": np.array([1.0]),
        "weird": {"key": np.array([2.0])},
        "__meta__": np.array([3]),
        "": np.array([4]),
        "big": 2**80,
        "unicode ü": np.array([5]),
    }
    path = tmp_path / "checkpoint.npz"
    save(obj, path)
    _assert_same(load(path), obj)


def test_top_level_array_and_scalar_values(tmp_path):
    for obj in (np.arange(4), [np.ones(2), 3], 7, "x", None):
        save(obj, tmp_path / "value")
        _assert_same(load(tmp_path / "value"), obj)


def test_objects_with_state_dict_are_saved_as_their_state(tmp_path):
    model, optimizer = _FakeModule(), _FakeOptimizer()
    save({"model": model, "optimizer": optimizer, "epoch": 3}, str(tmp_path / "run.ckpt"))
    loaded = load(str(tmp_path / "run.ckpt"))
    _assert_same(
        loaded,
        {
            "model": {"0.weight": model.weight.array, "0.bias": model.bias.array},
            "optimizer": optimizer.state_dict(),
            "epoch": 3,
        },
    )
    save(model, tmp_path / "model.ckpt")
    assert list(load(tmp_path / "model.ckpt")) == ["0.weight", "0.bias"]


def test_real_tensors(tmp_path):
    import autograd_lite as ag

    t = ag.tensor([[1.0, 2.0]], requires_grad=True)
    save({"t": t}, tmp_path / "t.npz")
    loaded = load(tmp_path / "t.npz")["t"]
    assert isinstance(loaded, np.ndarray) and loaded.dtype == t.array.dtype
    np.testing.assert_array_equal(loaded, t.array)


def test_file_is_plain_npz_without_pickle(tmp_path):
    path = tmp_path / "model.ckpt"
    save({"model": _FakeModule(), "epoch": 3}, path)
    assert path.exists() and not (tmp_path / "model.ckpt.npz").exists()  # no suffix added
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["__meta__", "model/0.bias", "model/0.weight"]
        np.testing.assert_array_equal(npz["model/0.weight"], _FakeModule().weight.array)
        assert '"format": "autograd_lite.checkpoint"' in str(npz["__meta__"])


def test_plain_np_savez_file_loads_as_flat_dict(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, a=np.arange(3), b=np.eye(2, dtype=np.float32))
    _assert_same(load(path), {"a": np.arange(3), "b": np.eye(2, dtype=np.float32)})


def test_unsavable_values_raise_type_error_naming_the_key(tmp_path):
    with pytest.raises(TypeError, match=r"\['opt'\]\['fn'\]"):
        save({"opt": {"fn": print}}, tmp_path / "x")
    with pytest.raises(TypeError, match="pickle"):
        save({"a": np.array([object()])}, tmp_path / "x")
    with pytest.raises(TypeError, match="keys must be str or int"):
        save({1.5: 1}, tmp_path / "x")
    looped: dict = {}
    looped["self"] = looped
    with pytest.raises(ValueError, match="circular"):
        save(looped, tmp_path / "x")
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- atomicity


def _files(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


def test_failure_mid_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"w": np.zeros(3)}, path)
    before = path.read_bytes()
    real_write_array = npy_format.write_array
    calls = []

    def write_then_fail(file, array, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            file.write(b"\x93NUMPY partial")
            raise OSError("disk full")
        return real_write_array(file, array, *args, **kwargs)

    monkeypatch.setattr(npy_format, "write_array", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save({"w": np.ones(3), "b": np.ones(2), "c": np.ones(1)}, path)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["ckpt.npz"]


def test_failure_at_replace_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt"
    save({"w": np.zeros(3)}, path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise KeyboardInterrupt("interrupted at os.replace")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(KeyboardInterrupt, match="interrupted at os.replace"):
        save({"w": np.ones(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["ckpt"]
    save({"w": np.ones(3)}, path)  # and a later save works
    np.testing.assert_array_equal(load(path)["w"], np.ones(3))


def test_save_overwrites_and_keeps_permissions(tmp_path):
    path = tmp_path / "ckpt"
    save({"a": np.zeros(1)}, path)
    os.chmod(path, 0o640)
    save({"b": np.ones(1)}, path)
    assert list(load(path)) == ["b"]
    assert os.stat(path).st_mode & 0o777 == 0o640


# --------------------------------------------------------------------------- bad files


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load(tmp_path / "nope.npz")


@pytest.mark.parametrize("keep", [0, 10, 100, -30, -1])
def test_truncated_file_raises_value_error_naming_it(tmp_path, keep):
    path = tmp_path / "cut.npz"
    save({"w": np.arange(50.0), "meta": [1, 2]}, path)
    data = path.read_bytes()
    path.write_bytes(data[:keep] if keep >= 0 else data[:keep])
    with pytest.raises(ValueError, match="is not a valid autograd_lite checkpoint") as info:
        load(path)
    assert str(path) in str(info.value)


def test_garbage_file_raises_value_error_naming_it(tmp_path):
    path = tmp_path / "garbage.ckpt"
    path.write_bytes(os.urandom(200))
    with pytest.raises(ValueError, match="garbage.ckpt is not a valid autograd_lite checkpoint"):
        load(path)


def test_corrupt_array_names_its_key(tmp_path):
    path = tmp_path / "bad.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("good.npy", _npy_bytes(np.arange(3)))
        archive.writestr("layer/weight.npy", _npy_bytes(np.arange(100))[:-50])
    with pytest.raises(ValueError, match=r"bad.npz .*'layer/weight'"):
        load(path)


def test_pickled_array_is_refused(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, a=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"pickled.npz .*'a'"):
        load(path)


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        (np.array("{not json"), "not valid JSON"),
        (np.array('{"format": "other", "tree": 1}'), "does not describe"),
        (np.array('{"format": "autograd_lite.checkpoint", "version": 99, "tree": 1}'), "version"),
        (np.arange(3), "0-d string"),
        (
            np.array(
                '{"format": "autograd_lite.checkpoint", "version": 1, '
                '"tree": {"type": "array", "name": "missing"}}'
            ),
            "'missing' named in __meta__ is missing",
        ),
        (
            np.array(
                '{"format": "autograd_lite.checkpoint", "version": 1, '
                '"tree": {"type": "set", "items": []}}'
            ),
            "invalid __meta__ entry",
        ),
    ],
)
def test_invalid_meta_raises_a_clear_error(tmp_path, meta, message):
    path = tmp_path / "meta.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__meta__.npy", _npy_bytes(meta))
    with pytest.raises(ValueError, match=message) as info:
        load(path)
    assert str(path) in str(info.value)


def test_unexpected_members_are_rejected(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="readme.txt"):
        load(path)


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def test_a_path_that_cannot_be_a_file_is_named_before_writing(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope.*does not exist") as error:
        save({"a": 1}, tmp_path / "nope" / "m.npz")
    assert ".tmp" not in str(error.value)
    with pytest.raises(IsADirectoryError, match="is a folder"):
        save({"a": 1}, tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        save({"a": 1}, tmp_path / "file" / "m.npz")
    assert _files(tmp_path) == ["file"]
