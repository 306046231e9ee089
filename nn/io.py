"""Checkpoints: ``save(obj, path)`` and ``load(path)``, used as ``torch.save`` / ``torch.load``.

``obj`` is a state dict, anything with a ``state_dict()`` method (a Module, an optimiser), or a
nest of dicts, lists and tuples of those, arrays, Tensors and Python scalars::

    nn.save({"model": model, "optimizer": opt, "epoch": 3}, "run.ckpt")
    checkpoint = nn.load("run.ckpt")
    model.load_state_dict(checkpoint["model"])

The file is a NumPy ``.npz`` archive and never holds pickled data, so loading it cannot run code:

- every array is one ``.npy`` member named by its path of keys joined with ``/``
  (``model/0.weight``, ``optimizer/state/0/exp_avg``), so ``np.load(path)`` shows them plainly;
- the member ``__meta__`` is a 0-d string array holding JSON that describes the nesting: for each
  dict its ordered ``[key, value]`` pairs (keys are ``str`` or ``int``), for each list or tuple
  its items, for each array the name of its member, and Python scalars (``int``, ``float``,
  ``bool``, ``None``, ``str``) inline.

``load`` rebuilds the same structure with NumPy arrays in place of Tensors (mappings come back as
``dict``). A file without ``__meta__``, as plain ``np.savez`` writes, loads as a flat dict of
arrays.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.lib import format as npy_format

__all__ = ["load", "save"]

StrPath = str | os.PathLike[str]

_META = "__meta__"
_FORMAT = "autograd_lite.checkpoint"
_VERSION = 1
_SCALARS = (bool, int, float, str, type(None))


# --------------------------------------------------------------------------- save


class _Flattener:
    """Turns a nested object into a JSON-able tree plus a dict of named arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._open: set[int] = set()  # containers on the current path, to catch cycles

    def tree(self, obj: Any, path: tuple[Any, ...] = ()) -> Any:
        if isinstance(obj, _SCALARS):
            return obj
        if isinstance(obj, (np.ndarray, np.generic)):
            return self._array(obj, path)
        if not isinstance(obj, Mapping) and callable(getattr(obj, "state_dict", None)):
            return self.tree(obj.state_dict(), path)
        if isinstance(obj, (Mapping, list, tuple)):
            if id(obj) in self._open:
                raise ValueError(f"cannot save a circular structure (at {_where(path)})")
            self._open.add(id(obj))
            try:
                return self._container(obj, path)
            finally:
                self._open.discard(id(obj))
        data = getattr(obj, "array", None)
        if isinstance(data, np.ndarray):  # an autograd_lite Tensor, or shaped like one
            return self._array(data, path)
        if hasattr(obj, "__array__"):
            return self._array(np.asarray(obj), path)
        raise TypeError(
            f"cannot save {type(obj).__name__} at {_where(path)}: a checkpoint holds dicts, "
            "lists, tuples, arrays, Tensors, objects with state_dict(), and int, float, bool, "
            "None or str"
        )

    def _container(self, obj: Mapping | list | tuple, path: tuple[Any, ...]) -> dict[str, Any]:
        if isinstance(obj, Mapping):
            items = []
            for key, value in obj.items():
                if not isinstance(key, (str, int)):
                    raise TypeError(
                        f"cannot save the dict key {key!r} ({type(key).__name__}) at "
                        f"{_where(path)}: keys must be str or int"
                    )
                items.append([key, self.tree(value, (*path, key))])
            return {"type": "dict", "items": items}
        kind = "list" if isinstance(obj, list) else "tuple"
        return {"type": kind, "items": [self.tree(v, (*path, k)) for k, v in enumerate(obj)]}

    def _array(self, value: np.ndarray | np.generic, path: tuple[Any, ...]) -> dict[str, Any]:
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise TypeError(f"cannot save the object array at {_where(path)}: it would need pickle")
        name = self._name(path)
        self.arrays[name] = array
        kind = "scalar" if isinstance(value, np.generic) else "array"
        return {"type": kind, "name": name}

    def _name(self, path: tuple[Any, ...]) -> str:
        """A member name for the array at ``path``: its keys joined by ``/``, made unique."""
        # Zip truncates a member name at a NUL character.
        base = "/".join(str(part) for part in path).replace("\0", "_")
        if not base or base.startswith(_META):
            base = f"_{base}"
        name, n = base, 1
        while name in self.arrays:  # keys that contain "/" can collide; the meta disambiguates
            n += 1
            name = f"{base}~{n}"
        return name


def _where(path: tuple[Any, ...]) -> str:
    return "the top level" if not path else "key " + "".join(f"[{part!r}]" for part in path)


def save(obj: Any, path: StrPath) -> None:
    """Save a state dict, a Module or optimiser, or a nest of those, as an ``.npz`` checkpoint.

    The file is written to a temporary file in the same directory, synced to disk, and then
    moved onto ``path`` in one step: a crash or an error mid-write leaves any old file at
    ``path`` intact. ``path`` is used exactly as given (no ``.npz`` suffix is added).

    Args:
        obj: a mapping of names to arrays or Tensors, an object with ``state_dict()``, or dicts,
            lists and tuples nesting those, NumPy scalars and ``int``, ``float``, ``bool``,
            ``None`` and ``str`` values. Dict keys must be ``str`` or ``int``.
        path: the file to write.

    Raises:
        TypeError: for a value that cannot be saved without pickle (the message names its key).
        FileNotFoundError: if the folder of ``path`` does not exist.
        NotADirectoryError: if the folder of ``path`` is a file.
        IsADirectoryError: if ``path`` is a folder.
    """
    _check_writable_path(os.fspath(path))
    flattener = _Flattener()
    tree = flattener.tree(obj)
    meta = {"format": _FORMAT, "version": _VERSION, "tree": tree}
    arrays = {_META: np.array(json.dumps(meta, ensure_ascii=False)), **flattener.arrays}

    path = os.fspath(path)
    directory, base = os.path.split(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as file:
            with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED) as archive:
                for name, array in arrays.items():
                    with archive.open(f"{name}.npy", mode="w", force_zip64=True) as member:
                        npy_format.write_array(member, array, allow_pickle=False)
            file.flush()
            os.fsync(file.fileno())
        _copy_permissions(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.remove(temporary)
        except OSError:
            pass
        raise
    _sync_directory(directory)


def _check_writable_path(path: str) -> None:
    """Raise an error naming ``path`` (not the temporary file) if it cannot be a new file."""
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot save to {path}: it is a folder; give a file name "
                                "inside it")
    if not os.path.exists(folder):
        raise FileNotFoundError(f"cannot save to {path}: the folder {folder} does not exist; "
                                "create it first")
    if not os.path.isdir(folder):
        raise NotADirectoryError(f"cannot save to {path}: {folder} is not a folder")


def _copy_permissions(path: str, temporary: str) -> None:
    """Give the new file the old file's mode, or the umask's default (mkstemp makes it 0600)."""
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)  # the only portable way to read the umask is to set it
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temporary, mode)


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable, where the platform allows syncing a directory."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# --------------------------------------------------------------------------- load


class _Reader:
    """Reads the members of one checkpoint archive, wrapping every failure in a ValueError."""

    def __init__(self, path: str, archive: zipfile.ZipFile) -> None:
        self.path = path
        self.archive = archive
        self.members: dict[str, str] = {}
        for member in archive.namelist():
            if not member.endswith(".npy"):
                raise self.error(f"unexpected member {member!r} (not a .npy array)")
            self.members[member[: -len(".npy")]] = member
        self.used: set[str] = set()

    def error(self, reason: str) -> ValueError:
        return ValueError(f"{self.path} is not a valid autograd_lite checkpoint: {reason}")

    def array(self, name: str) -> np.ndarray:
        if name not in self.members:
            raise self.error(f"array {name!r} named in {_META} is missing")
        self.used.add(name)
        try:
            with self.archive.open(self.members[name]) as member:
                return npy_format.read_array(member, allow_pickle=False)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise self.error(f"cannot read array {name!r}: {exc}") from None

    def meta(self) -> Any:
        array = self.array(_META)
        if array.shape != () or array.dtype.kind != "U":
            raise self.error(f"{_META} must be a 0-d string array, got {array.dtype} {array.shape}")
        try:
            meta = json.loads(str(array))
        except json.JSONDecodeError as exc:
            raise self.error(f"{_META} is not valid JSON ({exc})") from None
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT or "tree" not in meta:
            raise self.error(f"{_META} does not describe an {_FORMAT} file")
        version = meta.get("version")
        if not isinstance(version, int) or version > _VERSION:
            raise self.error(
                f"format version {version!r} is not supported (this version reads up to "
                f"{_VERSION}); upgrade autograd-lite"
            )
        return meta["tree"]

    def build(self, node: Any) -> Any:
        if isinstance(node, _SCALARS):
            return node
        if not isinstance(node, dict):
            raise self.error(f"invalid {_META} entry {node!r}")
        kind = node.get("type")
        if kind in ("array", "scalar") and isinstance(node.get("name"), str):
            array = self.array(node["name"])
            return array[()] if kind == "scalar" else array
        items = node.get("items")
        if kind in ("list", "tuple") and isinstance(items, list):
            values = [self.build(item) for item in items]
            return values if kind == "list" else tuple(values)
        if kind == "dict" and isinstance(items, list):
            result = {}
            for item in items:
                if not (
                    isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))
                ):
                    raise self.error(f"invalid dict item {item!r} in {_META}")
                result[item[0]] = self.build(item[1])
            return result
        raise self.error(f"invalid {_META} entry {node!r}")


def load(path: StrPath) -> Any:
    """Load a checkpoint written by ``save``: the saved structure, with NumPy arrays for Tensors.

    A saved Module or optimiser comes back as its state dict, ready for ``load_state_dict``.
    An ``.npz`` file without ``__meta__`` (as written by ``np.savez``) loads as a flat dict of
    arrays. Nothing is unpickled.

    Args:
        path: the file to read.

    Returns:
        The saved object: dicts, lists, tuples, NumPy arrays and scalars, Python scalars.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if the file is not a valid checkpoint (truncated, corrupt, not an ``.npz``
            archive, an unreadable array, or an invalid ``__meta__``); the message names the
            file and, where one array is at fault, its key.
    """
    path = os.fspath(path)
    with open(path, "rb") as file:
        try:
            archive = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise ValueError(
                f"{path} is not a valid autograd_lite checkpoint: not an .npz (zip) archive, or "
                f"a truncated one ({exc})"
            ) from None
        with archive:
            reader = _Reader(path, archive)
            if _META not in reader.members:
                return {name: reader.array(name) for name in reader.members}
            result = reader.build(reader.meta())
            unused = sorted(set(reader.members) - reader.used)
            if unused:
                raise reader.error(f"arrays {unused} are not described by {_META}")
            return result
