"""Tests for nn.io: safetensors checkpoints round-trip exactly, never pickle, are written
atomically, and every corrupt file is one ValueError naming the file (and the key)."""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nn.io import convert_npz, load, read_header, save


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
    path = tmp_path / "checkpoint.safetensors"
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
    save({"t": t}, tmp_path / "t.safetensors")
    loaded = load(tmp_path / "t.safetensors")["t"]
    assert isinstance(loaded, np.ndarray) and loaded.dtype == t.array.dtype
    np.testing.assert_array_equal(loaded, t.array)


def test_file_is_plain_safetensors_with_dotted_keys_and_metadata(tmp_path):
    from safetensors import safe_open
    from safetensors.numpy import load_file

    path = tmp_path / "model.ckpt"
    save({"model": _FakeModule(), "epoch": 3, "config": {"lr": 0.5}}, path)
    assert _files(tmp_path) == ["model.ckpt"]  # no suffix added, no temporary file left
    arrays = load_file(path)
    assert sorted(arrays) == ["model.0.bias", "model.0.weight"]
    np.testing.assert_array_equal(arrays["model.0.weight"], _FakeModule().weight.array)
    with safe_open(path, "np") as file:
        metadata = file.metadata()
    assert metadata["format"] == "autograd_lite.checkpoint" and metadata["version"] == "2"
    assert '["lr", 0.5]' in metadata["tree"] and '["epoch", 3]' in metadata["tree"]


def test_a_foreign_safetensors_file_loads_as_a_flat_dict(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "plain.safetensors"
    save_file({"a": np.arange(3), "b.c": np.eye(2, dtype=np.float32)}, path)
    _assert_same(load(path), {"a": np.arange(3), "b.c": np.eye(2, dtype=np.float32)})


def test_read_header_gives_shapes_without_reading_data(tmp_path):
    path = tmp_path / "m.safetensors"
    save(_FakeModule(), path)
    assert read_header(path).shapes() == {"0.weight": (2, 3), "0.bias": (2,)}


def test_unsavable_values_raise_type_error_naming_the_key(tmp_path):
    with pytest.raises(TypeError, match=r"\['opt'\]\['fn'\]"):
        save({"opt": {"fn": print}}, tmp_path / "x")
    with pytest.raises(TypeError, match=r"object array at key \['a'\]"):
        save({"a": np.array([object()])}, tmp_path / "x")
    with pytest.raises(TypeError, match=r"<U3 array at key \['s'\]"):
        save({"s": np.array(["abc"])}, tmp_path / "x")
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


def test_failure_mid_write_keeps_the_old_file_and_names_the_target(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    save({"w": np.zeros(3)}, path)
    before = path.read_bytes()

    def full_disk(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left on device") as error:
        save({"w": np.ones(3), "b": np.ones(2)}, path)
    assert str(path) in str(error.value) and ".tmp" not in str(error.value)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["ckpt.safetensors"]


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


def _safetensors(path: Path, header: object, data: bytes = b"", length: int | None = None) -> None:
    """Write a hand-made safetensors file: 8-byte length, JSON header, data."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    size = len(raw) if length is None else length
    path.write_bytes(size.to_bytes(8, "little") + raw + data)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.safetensors"):
        load(tmp_path / "nope.safetensors")


@pytest.mark.parametrize("keep", [0, 5, 10, 100, -30, -1])
def test_truncated_file_raises_value_error_naming_it(tmp_path, keep):
    path = tmp_path / "cut.safetensors"
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


W = {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}


@pytest.mark.parametrize(("header", "data", "message"), [
    ({"w": {**W, "shape": [10**12]}}, bytes(16), r"tensor 'w': shape \(1000000000000,\) of F64"),
    ({"w": {**W, "data_offsets": [0, 8 * 10**12]}}, bytes(16), "tensor 'w'"),
    ({"w": {**W, "shape": [2, 2], "data_offsets": [0, 32]}}, bytes(16), "past the 16 bytes"),
    ({"w": {**W, "dtype": "BF16"}}, bytes(16), "tensor 'w': dtype 'BF16' is not supported"),
    ({"w": {**W, "dtype": "O"}}, bytes(16), "dtype 'O'"),
    ({"w": {**W, "shape": [-2]}}, bytes(16), "invalid shape"),
    ({"w": {**W, "shape": [True, 2]}}, bytes(16), "invalid shape"),
    ({"w": {**W, "data_offsets": [8, 0]}}, bytes(16), "invalid data_offsets"),
    ({"w": W, "v": W}, bytes(16), "overlap"),
    ({"w": {**W, "extra": 1}}, bytes(16), "exactly dtype, shape and data_offsets"),
    ({"w": {**W, "dtype": "BOOL", "shape": [16], "data_offsets": [0, 16]}}, bytes([7] * 16),
     "BOOL holds a byte"),
    ({"__metadata__": {"a": 1}}, b"", "__metadata__ is not a map of strings"),
    ([1, 2], b"", "not a JSON object"),
    (b"{not json", b"", "not valid JSON"),
    (b'{"a": "\xff"}', b"", "not UTF-8"),
    (b"[" * 5000 + b"]" * 5000, b"", "nested too deeply|not a JSON object"),
    ({"__metadata__": {"format": "autograd_lite.checkpoint", "version": "9", "tree": "1"}}, b"",
     "version '9' is not supported"),
    ({"__metadata__": {"format": "autograd_lite.checkpoint", "version": "2", "tree": "{x"}}, b"",
     "tree metadata is not valid JSON"),
    ({"__metadata__": {"format": "autograd_lite.checkpoint", "version": "2",
                       "tree": "[" * 5000 + "]" * 5000}}, b"", "nested too deeply"),
    ({"__metadata__": {"format": "autograd_lite.checkpoint", "version": "2",
                       "tree": '{"type": "array", "name": "missing"}'}}, b"",
     "tensor 'missing' named in its tree is missing"),
    ({"__metadata__": {"format": "autograd_lite.checkpoint", "version": "2",
                       "tree": '{"type": "set", "items": []}'}}, b"", "invalid tree entry"),
    ({"__metadata__": {"format": "autograd_lite.checkpoint", "version": "2", "tree": "1"},
      "w": W}, bytes(16), r"tensors \['w'\] are not described"),
])
def test_corrupt_headers_are_one_clear_error(tmp_path, header, data, message):
    path = tmp_path / "bad.safetensors"
    _safetensors(path, header, data)
    with pytest.raises(ValueError, match=message) as info:
        load(path)
    assert str(info.value).startswith(f"{path} is not a valid autograd_lite checkpoint")
    assert "\n" not in str(info.value)


def test_a_header_length_beyond_the_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "long.safetensors"
    _safetensors(path, {"w": W}, bytes(16), length=2**62)
    with pytest.raises(ValueError, match="header claims 4611686018427387904 bytes"):
        load(path)


def test_a_npy_file_is_named_as_such(tmp_path):
    path = tmp_path / "array.safetensors"
    np.save(path.with_suffix(".npy"), np.arange(3))
    path.with_suffix(".npy").rename(path)
    with pytest.raises(ValueError, match="single .npy array"):
        load(path)


# --------------------------------------------------------------------------- old .npz


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _old_checkpoint(path: Path) -> None:
    """A checkpoint as autograd-lite 0.1 wrote it: .npy members and a JSON __meta__."""
    tree = {"type": "dict", "items": [
        ["model", {"type": "dict", "items": [["0.weight", {"type": "array",
                                                          "name": "model/0.weight"}]]}],
        ["epoch", 3]]}
    meta = json.dumps({"format": "autograd_lite.checkpoint", "version": 1, "tree": tree})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__meta__.npy", _npy_bytes(np.array(meta)))
        archive.writestr("model/0.weight.npy", _npy_bytes(np.eye(2, dtype=np.float32)))


def test_old_npz_checkpoints_are_refused_with_the_command_that_converts_them(tmp_path):
    old = tmp_path / "old.npz"
    _old_checkpoint(old)
    with pytest.raises(ValueError, match=r"old .npz checkpoint .* convert it once with "
                       r"`python -m nn.io convert .*old.npz NEW.safetensors`") as info:
        load(old)
    assert "\n" not in str(info.value)
    new = tmp_path / "new.safetensors"
    command = [sys.executable, "-m", "nn.io", "convert", str(old), str(new)]
    result = subprocess.run(command, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert result.returncode == 0, result.stderr
    _assert_same(load(new), {"model": {"0.weight": np.eye(2, dtype=np.float32)}, "epoch": 3})


def test_converting_a_damaged_npz_is_one_error(tmp_path):
    old = tmp_path / "old.npz"
    old.write_text("not a zip")
    with pytest.raises(ValueError, match="old.npz: not an .npz archive"):
        convert_npz(old, tmp_path / "new.safetensors")
    assert _files(tmp_path) == ["old.npz"]


def test_a_path_that_cannot_be_a_file_is_named_before_writing(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope.*does not exist") as error:
        save({"a": 1}, tmp_path / "nope" / "m.safetensors")
    assert ".tmp" not in str(error.value)
    with pytest.raises(IsADirectoryError, match="is a folder"):
        save({"a": 1}, tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        save({"a": 1}, tmp_path / "file" / "m.safetensors")
    assert _files(tmp_path) == ["file"]


def _refused_by_access(monkeypatch, refused: Path) -> None:
    """Make ``os.access`` deny ``refused`` (root may write anything, and os.access says so)."""
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == refused
                        else real_access(p, mode, **kw))


def test_a_target_that_is_a_link_a_fifo_or_a_device_is_refused_before_writing(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    link = tmp_path / "link.safetensors"
    os.symlink(victim, link)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cases = [(link, f"{link} is a symbolic link, and nothing is written through a link; remove "
                    "it or give another path"),
             (fifo, f"{fifo} is a FIFO (named pipe), not a regular file; give another path"),
             ("/dev/null", "/dev/null is a device, not a regular file; give another path")]
    for path, message in cases:
        with pytest.raises(ValueError) as error:
            save({"a": np.ones(2)}, path)
        assert str(error.value) == message
    assert victim.read_text() == "keep me" and os.path.islink(link)
    assert _files(tmp_path) == ["fifo", "link.safetensors", "victim"]


def test_a_read_only_target_or_folder_is_refused_with_what_to_do(tmp_path, monkeypatch):
    old = tmp_path / "old.safetensors"
    old.write_text("old")
    _refused_by_access(monkeypatch, old)
    with pytest.raises(PermissionError) as error:
        save({"a": 1}, old)
    assert str(error.value) == (f"{old} is read-only; make it writable (chmod u+w) or give "
                                "another path")
    locked = tmp_path / "locked"
    locked.mkdir()
    _refused_by_access(monkeypatch, locked)
    with pytest.raises(PermissionError) as error:
        save({"a": 1}, locked / "m.safetensors")
    assert str(error.value) == (f"{locked / 'm.safetensors'}: the folder {locked} is not "
                                "writable; make it writable or give another path")
    assert old.read_text() == "old" and os.listdir(locked) == []


def test_a_target_that_cannot_be_looked_at_is_refused_naming_it(tmp_path, monkeypatch):
    target = tmp_path / "hidden" / "m.safetensors"
    real_lstat = os.lstat

    def lstat(path, *args, **kwargs):
        if Path(path) == target:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", lstat)
    with pytest.raises(OSError) as error:
        save({"a": 1}, target)
    assert error.value.errno == errno.EACCES
    assert error.value.strerror == f"{target}: Permission denied; give another path"


def test_the_folder_messages_name_the_target_and_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        save({"a": 1}, tmp_path / "nope" / "m.safetensors")
    assert str(error.value) == (f"{tmp_path / 'nope' / 'm.safetensors'}: the folder "
                                f"{tmp_path / 'nope'} does not exist; create it first or give "
                                "another path")
    with pytest.raises(IsADirectoryError) as error:
        save({"a": 1}, tmp_path)
    assert str(error.value) == (f"{tmp_path} is a folder; give a file path inside it, such as "
                                f"{tmp_path / 'model.safetensors'}")
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError) as error:
        save({"a": 1}, tmp_path / "file" / "m.safetensors")
    assert str(error.value) == (f"{tmp_path / 'file' / 'm.safetensors'}: {tmp_path / 'file'} "
                                "is not a folder; give another path")
