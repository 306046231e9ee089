"""Checkpoints: ``save(obj, path)`` and ``load(path)``, used as ``torch.save`` / ``torch.load``.

``obj`` is a state dict, anything with a ``state_dict()`` method (a Module, an optimiser), or a
nest of dicts, lists and tuples of those, arrays, Tensors and Python scalars::

    nn.save({"model": model, "optimizer": opt, "epoch": 3}, "run.safetensors")
    checkpoint = nn.load("run.safetensors")
    model.load_state_dict(checkpoint["model"])

The file is `safetensors <https://huggingface.co/docs/safetensors>`_: an 8-byte little-endian
header length, a JSON header, then the raw little-endian array data. No pickle, no code:

- every array is one tensor named by its path of keys joined with ``.`` (``model.0.weight``,
  ``optimizer.state.0.exp_avg``), so ``safetensors.torch.load_file`` reads it, and a Module
  saved alone (``nn.save(model, path)``) loads into the same PyTorch model with
  ``load_state_dict``;
- the string metadata holds ``format``, ``version`` and ``tree``: JSON that describes the
  nesting (for each dict its ordered ``[key, value]`` pairs, for each list or tuple its items,
  for each array the name of its tensor) with the Python scalars (``int``, ``float``, ``bool``,
  ``None``, ``str``, the training config) inline.

``load`` checks the whole header (its length against the file's, every dtype, shape and offset
against the data) before it reads an array, so a corrupt or hostile file raises one
``ValueError`` naming the file (and the key) and never allocates more than the file holds. A
safetensors file from elsewhere (no ``tree``) loads as a flat dict of arrays.

Old ``.npz`` checkpoints (autograd-lite 0.1) are refused with a message that says how to convert
them once: ``python -m nn.io convert OLD.npz NEW.safetensors``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

import numpy as np

import autograd_lite as ag

__all__ = ["load", "save", "check_save_target", "read_header", "open_regular",
           "convert_npz"]

StrPath = str | os.PathLike[str]

_FORMAT = "autograd_lite.checkpoint"
_VERSION = 2
_SCALARS = (bool, int, float, str, type(None))
_MAX_HEADER = 100 * 2**20  # safetensors' own limit on the JSON header
_MAX_DEPTH = 64  # nesting of dicts and lists in a checkpoint
_STALE_AGE = 3600.0  # seconds after which a temporary file without a live owner is removed

# safetensors dtype names <-> NumPy (little-endian); BF16 and the F8 kinds have no NumPy type
_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
           "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?"}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}

_CONVERT = "python -m nn.io convert"


def _error(path: StrPath, reason: str) -> ValueError:
    return ValueError(f"{os.fspath(path)} is not a valid autograd_lite checkpoint: {reason}")


# --------------------------------------------------------------------------- save


class _Flattener:
    """Turns a nested object into a JSON-able tree plus a dict of named arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._open: set[int] = set()  # containers on the current path, to catch cycles

    def tree(self, obj: Any, path: tuple[Any, ...] = ()) -> Any:
        if isinstance(obj, _SCALARS):
            return obj
        if isinstance(obj, np.str_):
            return str(obj)
        if isinstance(obj, (np.ndarray, np.generic)):
            return self._array(obj, path)
        if not isinstance(obj, Mapping) and callable(getattr(obj, "state_dict", None)):
            return self.tree(obj.state_dict(), path)
        if isinstance(obj, (Mapping, list, tuple)):
            if id(obj) in self._open:
                raise ValueError(f"cannot save a circular structure (at {_where(path)})")
            if len(path) >= _MAX_DEPTH:
                raise ValueError(f"cannot save {_where(path)}: nested deeper than {_MAX_DEPTH}")
            self._open.add(id(obj))
            try:
                return self._container(obj, path)
            finally:
                self._open.discard(id(obj))
        if ag.arrays.is_array(obj):  # a device's array (an optimiser's state on a GPU)
            return self._array(ag.arrays.to_host(obj), path)
        data = getattr(obj, "array", None)
        if isinstance(data, np.ndarray) or ag.arrays.is_array(data):  # a Tensor, on any device
            return self._array(ag.arrays.to_host(data), path)
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
                if isinstance(key, bool) or not isinstance(key, (str, int)):
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
        if array.dtype.byteorder == ">":
            array = array.astype(array.dtype.newbyteorder("<"))
        if array.dtype not in _NAMES:
            raise TypeError(
                f"cannot save the {array.dtype} array at {_where(path)}: safetensors holds "
                "floats, integers and booleans; convert it (e.g. .astype(np.float32))"
            )
        name = self._name(path)
        self.arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
        kind = "scalar" if isinstance(value, np.generic) else "array"
        return {"type": kind, "name": name}

    def _name(self, path: tuple[Any, ...]) -> str:
        """The tensor name for the array at ``path``: its keys joined by ``.``, made unique."""
        base = ".".join(str(part) for part in path)
        if not base or base.startswith("__"):  # "__metadata__" is safetensors' own
            base = f"_{base}"
        name, n = base, 1
        while name in self.arrays:  # keys that contain "." can collide; the tree disambiguates
            n += 1
            name = f"{base}~{n}"
        return name


def _where(path: tuple[Any, ...]) -> str:
    return "the top level" if not path else "key " + "".join(f"[{part!r}]" for part in path)


def save(obj: Any, path: StrPath) -> None:
    """Save a state dict, a Module or optimiser, or a nest of those, as a safetensors file.

    The file is written to a temporary file in the same folder, synced to disk, and then
    moved onto ``path`` in one step: a crash or an error mid-write leaves any old file at
    ``path`` intact, and temporary files left by earlier crashes are removed. ``path`` is used
    exactly as given (no suffix is added). Nothing is written through a symbolic link. A
    ``path`` that cannot take the file is refused before any work, by `check_save_target`.

    >>> nn.save({"model": model, "optimizer": opt, "config": {"lr": 0.1}}, "run.safetensors")

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
        PermissionError: if ``path`` is read-only (it is not replaced) or its folder is.
        ValueError: if ``path`` is a symbolic link, a FIFO, a device or a socket.
        OSError: if writing fails (a full disk); the message names ``path``, not the
            temporary file, and the old file is intact.
    """
    import safetensors.numpy

    path = os.fspath(path)
    check_save_target(path)
    flattener = _Flattener()
    tree = flattener.tree(obj)
    metadata = {"format": _FORMAT, "version": str(_VERSION),
                "tree": json.dumps(tree, ensure_ascii=True)}
    payload = safetensors.numpy.save(flattener.arrays, metadata=metadata)
    write_atomically(path, lambda file: file.write(payload))


def write_atomically(path: StrPath, write: Callable[[IO[bytes]], Any]) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, sync it, move it onto ``path``.

    Refuses a ``path`` that `check_save_target` refuses, with its errors; removes the
    temporary files that killed earlier writes left beside ``path``; on any error removes its
    own temporary file and raises an ``OSError`` that names ``path``.
    """
    path = os.fspath(path)
    check_save_target(path)
    directory, base = os.path.split(os.path.abspath(path))
    _remove_stale_temporaries(directory, base)
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{base}.{os.getpid()}.",
                                                 suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot save to {path}: {exc.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        _copy_permissions(path, temporary)
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        if isinstance(exc, OSError) and not isinstance(exc, (FileNotFoundError,)):
            raise OSError(exc.errno, f"cannot save to {path}: {exc.strerror or exc}") from None
        raise
    _sync_directory(directory)


def check_save_target(path: StrPath) -> None:
    """Raise the error `save` would raise for ``path`` before writing anything there.

    Call it before long work whose result goes to ``path`` (``autograd-lite train --out`` does)
    to fail at once, not after the work. Each message starts with ``path``, says what is
    wrong and what to do.

    >>> nn.io.check_save_target("runs/model.safetensors")

    Raises:
        ValueError: if ``path`` is a symbolic link, a FIFO, a device or a socket.
        IsADirectoryError: if ``path`` is a folder.
        PermissionError: if ``path`` is read-only or its folder is not writable.
        FileNotFoundError: if the folder of ``path`` does not exist.
        NotADirectoryError: if the folder of ``path`` is not a folder.
        OSError: if ``path`` cannot be looked at (a folder on the way is not searchable).
    """
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        info = None
    except OSError as exc:
        raise OSError(exc.errno, f"{path}: {exc.strerror}; give another path") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise ValueError(f"{path} is a symbolic link, and nothing is written through a "
                             "link; remove it or give another path")
        if stat.S_ISDIR(info.st_mode):
            example = os.path.join(path, "model.safetensors")
            raise IsADirectoryError(f"{path} is a folder; give a file path inside it, such as "
                                    f"{example}")
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path} is {_kind(info.st_mode)}, not a regular file; give "
                             "another path")
        if not os.access(path, os.W_OK):
            raise PermissionError(f"{path} is read-only; make it writable (chmod u+w) or give "
                                  "another path")
    if not os.path.exists(folder):
        raise FileNotFoundError(f"{path}: the folder {folder} does not exist; create it first "
                                "or give another path")
    if not os.path.isdir(folder):
        raise NotADirectoryError(f"{path}: {folder} is not a folder; give another path")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"{path}: the folder {folder} is not writable; make it writable "
                              "or give another path")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def _remove_stale_temporaries(directory: str, base: str) -> None:
    """Remove ``.BASE.*.tmp`` files that writes killed mid-way left beside the target: those
    whose writing process is gone, or (without a process id) older than an hour."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    now = time.time()
    pattern = re.compile(rf"\.{re.escape(base)}\.(?:(?P<pid>\d+)\.)?[A-Za-z0-9_]+\.tmp\Z")
    for name in names:
        match = pattern.match(name)
        if match is None:
            continue
        full = os.path.join(directory, name)
        try:
            info = os.lstat(full)
            if not stat.S_ISREG(info.st_mode):
                continue
            pid = match["pid"]
            if pid is not None and int(pid) != os.getpid() and _alive(int(pid)):
                continue
            if pid is None and now - info.st_mtime < _STALE_AGE:
                continue
            if pid is not None and int(pid) == os.getpid():
                continue  # ours, being written by another thread
            os.remove(full)
        except (OSError, ValueError):
            continue


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


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


@contextlib.contextmanager
def open_regular(path: StrPath, what: str = "file") -> Iterator[tuple[IO[bytes], int]]:
    """Open ``path`` for reading as ``(file, size)`` if it is a regular file.

    A FIFO (which would block), a device (``/dev/zero`` never ends) or a socket, directly or
    through a link, is refused with a ``ValueError`` naming ``path``; a folder raises
    ``IsADirectoryError``, a missing file ``FileNotFoundError``.
    """
    name = os.fspath(path)
    info = os.stat(name)  # raises FileNotFoundError / PermissionError naming the file
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(f"{name} is a folder, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{name} is {_kind(info.st_mode)}, not a {what}; give a regular file")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(name, flags)  # O_NONBLOCK: a FIFO swapped in meanwhile cannot block
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{name} is {_kind(info.st_mode)}, not a {what}; give a regular "
                             "file")
        file = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    with file:
        yield file, info.st_size


class Header:
    """The checked header of a safetensors file: ``tensors`` maps each name to its
    ``(dtype, shape, begin, end)`` (offsets into the data), ``metadata`` is the string dict."""

    def __init__(self, path: str, tensors: dict[str, tuple[np.dtype, tuple[int, ...], int, int]],
                 metadata: dict[str, str], data_start: int) -> None:
        self.path = path
        self.tensors = tensors
        self.metadata = metadata
        self.data_start = data_start

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Each tensor's shape, read from the header alone."""
        return {name: shape for name, (_, shape, _, _) in self.tensors.items()}


def _read_header(path: str, file: IO[bytes], size: int) -> Header:
    start = file.read(8)
    if start[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        raise ValueError(f"{path} is an old .npz checkpoint (autograd-lite 0.1); this version "
                         f"reads safetensors checkpoints only: convert it once with "
                         f"`{_CONVERT} {path} NEW.safetensors`")
    if start[:6] == b"\x93NUMPY":
        raise _error(path, "it is a single .npy array, not a safetensors file")
    if len(start) < 8:
        raise _error(path, f"truncated ({size} bytes; a safetensors file starts with an 8-byte "
                     "header length)")
    length = int.from_bytes(start, "little")
    if length > size - 8 or length > _MAX_HEADER or length < 2:
        raise _error(path, f"its header claims {length} bytes, but the file has {size - 8} "
                     f"after the length field (limit {_MAX_HEADER}): truncated or not a "
                     "safetensors file")
    raw = file.read(length)
    if len(raw) != length:
        raise _error(path, "the file shrank while being read")
    try:
        header = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _error(path, f"its header is not UTF-8 text ({exc.reason} at byte "
                     f"{exc.start})") from None
    except RecursionError:
        raise _error(path, "its header JSON is nested too deeply") from None
    except ValueError as exc:
        raise _error(path, f"its header is not valid JSON ({exc})") from None
    if not isinstance(header, dict):
        raise _error(path, "its header is not a JSON object")
    data_start = 8 + length
    data_size = size - data_start
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise _error(path, "its __metadata__ is not a map of strings to strings")
    tensors: dict[str, tuple[np.dtype, tuple[int, ...], int, int]] = {}
    for name, info in header.items():
        tensors[name] = _check_entry(path, name, info, data_size)
    spans = sorted((begin, end, name) for name, (_, _, begin, end) in tensors.items())
    for (_, end, first), (begin, _, second) in zip(spans, spans[1:]):
        if begin < end:
            raise _error(path, f"the data of tensors {first!r} and {second!r} overlap")
    return Header(path, tensors, metadata, data_start)


def _check_entry(path: str, name: str, info: Any,
                 data_size: int) -> tuple[np.dtype, tuple[int, ...], int, int]:
    def bad(reason: str) -> ValueError:
        return _error(path, f"tensor {name!r}: {reason}")

    if not isinstance(info, dict) or set(info) - {"dtype", "shape", "data_offsets"} \
            or len(info) != 3:
        raise bad("its header entry must hold exactly dtype, shape and data_offsets")
    dtype_name, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if dtype_name not in _DTYPES:
        raise bad(f"dtype {dtype_name!r} is not supported (supported: {', '.join(_DTYPES)})")
    if not isinstance(shape, list) or len(shape) > 32 or not all(
            type(d) is int and d >= 0 for d in shape):
        raise bad(f"invalid shape {shape!r}")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(
            type(o) is int for o in offsets) or not 0 <= offsets[0] <= offsets[1]:
        raise bad(f"invalid data_offsets {offsets!r}")
    dtype = np.dtype(_DTYPES[dtype_name])
    begin, end = offsets
    needed = math.prod(shape) * dtype.itemsize
    if end - begin != needed:
        raise bad(f"shape {tuple(shape)} of {dtype_name} needs {needed} bytes, but its "
                  f"data_offsets span {end - begin}")
    if end > data_size:
        raise bad(f"its data ends at byte {end}, past the {data_size} bytes of data in the "
                  "file (truncated?)")
    return dtype, tuple(shape), begin, end


def read_header(path: StrPath) -> Header:
    """The checked header of the safetensors file at ``path`` (no array is read): use it to
    compare shapes with a model's before loading.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: as `load`.
    """
    name = os.fspath(path)
    with open_regular(name, "checkpoint file") as (file, size):
        return _read_header(name, file, size)


def _read_tensor(header: Header, file: IO[bytes], name: str) -> np.ndarray:
    dtype, shape, begin, end = header.tensors[name]
    buffer = bytearray(end - begin)
    file.seek(header.data_start + begin)
    if file.readinto(buffer) != len(buffer):
        raise _error(header.path, f"tensor {name!r}: the file shrank while being read")
    array = np.frombuffer(buffer, dtype=dtype).reshape(shape)
    if dtype == np.bool_ and (np.frombuffer(buffer, dtype=np.uint8) > 1).any():
        raise _error(header.path, f"tensor {name!r}: a BOOL holds a byte other than 0 or 1")
    return array.astype(dtype.newbyteorder("="), copy=False)


class _TreeBuilder:
    """Rebuilds the saved structure from the ``tree`` JSON, fetching arrays by name."""

    def __init__(self, path: str, fetch: Callable[[str], np.ndarray], names: set[str]) -> None:
        self.path = path
        self.fetch = fetch
        self.names = names
        self.used: set[str] = set()

    def build(self, node: Any, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            raise _error(self.path, f"its tree is nested deeper than {_MAX_DEPTH}")
        if isinstance(node, _SCALARS):
            return node
        if not isinstance(node, dict):
            raise _error(self.path, f"invalid tree entry {_short(node)}")
        kind = node.get("type")
        if kind in ("array", "scalar") and isinstance(node.get("name"), str):
            name = node["name"]
            if name not in self.names:
                raise _error(self.path, f"tensor {name!r} named in its tree is missing")
            if name in self.used:
                raise _error(self.path, f"tensor {name!r} is named twice in its tree")
            self.used.add(name)
            array = self.fetch(name)
            if kind == "scalar":
                if array.shape != ():
                    raise _error(self.path, f"tensor {name!r}: a scalar with shape {array.shape}")
                return array[()]
            return array
        items = node.get("items")
        if kind in ("list", "tuple") and isinstance(items, list):
            values = [self.build(item, depth + 1) for item in items]
            return values if kind == "list" else tuple(values)
        if kind == "dict" and isinstance(items, list):
            result = {}
            for item in items:
                if not (isinstance(item, list) and len(item) == 2
                        and isinstance(item[0], (str, int)) and not isinstance(item[0], bool)):
                    raise _error(self.path, f"invalid dict item {_short(item)} in its tree")
                result[item[0]] = self.build(item[1], depth + 1)
            return result
        raise _error(self.path, f"invalid tree entry {_short(node)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _parse_tree(path: str, metadata: Mapping[str, str]) -> Any:
    version = metadata.get("version", "")
    if not version.isascii() or not version.isdigit() or int(version) > _VERSION:
        raise _error(path, f"format version {version!r} is not supported (this version reads "
                     f"up to {_VERSION}); upgrade autograd-lite")
    try:
        return json.loads(metadata.get("tree", ""))
    except RecursionError:
        raise _error(path, "its tree metadata is nested too deeply") from None
    except ValueError as exc:
        raise _error(path, f"its tree metadata is not valid JSON ({exc})") from None


def load(path: StrPath, map_location: Any = None, *, weights_only: bool | None = None) -> Any:
    """Load a checkpoint written by ``save``: the saved structure, with NumPy arrays for Tensors.

    A saved Module or optimiser comes back as its state dict, ready for ``load_state_dict``.
    A safetensors file written elsewhere (``safetensors.torch.save_file``) loads as a flat dict
    of arrays. Nothing is unpickled, and nothing is allocated before the whole header has been
    checked against the file's size.

    >>> model.load_state_dict(nn.load("run.safetensors")["model"])

    A checkpoint saved from a GPU holds host copies, so it loads anywhere; `load_state_dict`
    copies each array to its parameter's device. With ``map_location`` (PyTorch's argument:
    ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or an ``ag.device``) the arrays come back as Tensors
    on that device instead.

    >>> state = nn.load("run.safetensors", map_location="cuda")  # Tensors on the GPU

    Args:
        path: the file to read (a regular file: FIFOs and devices are refused).
        map_location: None (NumPy arrays), or the device to put every array on, as Tensors.
        weights_only: accepted for PyTorch's signature; nothing is unpickled either way.

    Returns:
        The saved object: dicts, lists, tuples, NumPy arrays (Tensors with ``map_location``)
        and scalars, Python scalars.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if the file is not a valid checkpoint (truncated, corrupt, an old ``.npz``
            checkpoint, a FIFO or a device); the message is one line naming the file and,
            where one array is at fault, its key.
    """
    name = os.fspath(path)
    with open_regular(name, "checkpoint file") as (file, size):
        header = _read_header(name, file, size)
        if header.metadata.get("format") != _FORMAT:
            return {key: _read_tensor(header, file, key) for key in header.tensors}
        tree = _parse_tree(name, header.metadata)
        builder = _TreeBuilder(name, lambda key: _read_tensor(header, file, key),
                               set(header.tensors))
        result = builder.build(tree)
    unused = sorted(set(header.tensors) - builder.used)
    if unused:
        raise _error(name, f"tensors {unused[:5]} are not described by its tree")
    return result if map_location is None else _mapped(result, _map_device(map_location))


def _map_device(map_location: Any) -> Any:
    """`load`'s map_location as a device (a string or a device; PyTorch's dicts and callables
    are not supported)."""
    if isinstance(map_location, (str, ag.device)):
        return map_location
    if isinstance(getattr(map_location, "type", None), str):  # torch.device("cpu")
        return str(map_location)
    raise TypeError(f"load: map_location must be a device such as 'cpu' or 'cuda:0' (or an "
                    f"ag.device), got {type(map_location).__name__} {map_location!r}")


def _mapped(obj: Any, device: Any) -> Any:
    """Every array of a loaded structure as a Tensor on `device`."""
    if isinstance(obj, np.ndarray):
        return ag.from_numpy(obj).to(device)
    if isinstance(obj, dict):
        return {key: _mapped(value, device) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_mapped(value, device) for value in obj)
    return obj


# --------------------------------------------------------------------------- old checkpoints


def convert_npz(old: StrPath, new: StrPath) -> None:
    """Convert an autograd-lite 0.1 ``.npz`` checkpoint to a safetensors one (``new``).

    The old file is read with the hardened ``.npz`` reader of `nn.data.load_npz` (no pickle,
    sizes checked before anything is decompressed).
    """
    from .data import load_npz

    name = os.fspath(old)
    arrays = load_npz(name)
    if "__meta__" not in arrays:
        result: Any = arrays
    else:
        meta_array = arrays["__meta__"]
        if meta_array.shape != () or meta_array.dtype.kind != "U":
            raise _error(name, "__meta__ must be a 0-d string array")
        try:
            meta = json.loads(str(meta_array))
        except RecursionError:
            raise _error(name, "its __meta__ is nested too deeply") from None
        except ValueError as exc:
            raise _error(name, f"its __meta__ is not valid JSON ({exc})") from None
        if not isinstance(meta, dict) or "tree" not in meta:
            raise _error(name, "its __meta__ does not describe an autograd_lite checkpoint")
        names = set(arrays) - {"__meta__"}
        result = _TreeBuilder(name, arrays.__getitem__, names).build(meta["tree"])
    save(result, new)


def _main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "convert":
        print(f"usage: {_CONVERT} OLD.npz NEW.safetensors", file=sys.stderr)
        return 2
    try:
        convert_npz(argv[1], argv[2])
    except (OSError, ValueError, TypeError) as exc:
        print(f"nn.io: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
