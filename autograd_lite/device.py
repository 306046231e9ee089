"""Devices, as PyTorch names them: `ag.device`, `Tensor.device`, `device=` on every creation
function, `Tensor.to(device)`, and the default device.

A device type computes where a backend holds its arrays: the CPU with NumPy, always; "cuda"
with CuPy, when it is installed (`pip install "autograd-lite[gpu]"`) and finds a GPU. A
`Backend` says the four things the engine cannot ask an array through NumPy's dispatch
protocols: its array type, how to copy to and from the host, which device holds an array, and
how to take a strided view. `register_backend` adds one; CuPy's is registered the first time
"cuda" is asked for (importing CuPy takes a second, so not at `import autograd_lite`).

>>> ag.device("cuda:1")
device(type='cuda', index=1)
>>> ag.tensor([1., 2.], device="cpu").device
device(type='cpu')
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import arrays

__all__ = ["device", "Backend", "DeviceUnavailableError", "as_device", "device_of",
           "get_default_device", "set_default_device", "register_backend", "unregister_backend",
           "move"]

# PyTorch's device types, in the order its error message lists them.
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
          "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


@dataclass(frozen=True)
class Backend:
    """An array library that holds one device type's arrays (CuPy for "cuda").

    `array_type` is its array class; `to_device(host_array, index)` copies a NumPy array to
    device `index` (None: the current one), `to_host(array)` copies back; `index_of(array)` is
    the device holding an array; `as_strided(array, shape, strides)` a strided view;
    `device_count()` how many devices it sees; `synchronize(index)` waits for a device's queued
    work and `device_name(index)` names it.
    """

    type: str
    array_type: type
    to_device: Callable[[np.ndarray, int | None], Any]
    to_host: Callable[[Any], np.ndarray]
    index_of: Callable[[Any], int]
    as_strided: Callable[[Any, tuple, tuple], Any]
    device_count: Callable[[], int]
    synchronize: Callable[[int | None], None] = lambda index: None
    device_name: Callable[[int], str] = lambda index: "cuda"


_BACKENDS: dict[str, Backend | None] = {"cpu": None}
"""The device types that can hold arrays here, each with its backend (None: NumPy's CPU)."""


def register_backend(backend: Backend) -> None:
    """Let `backend` hold the arrays of devices of its type (replacing any before it)."""
    unregister_backend(backend.type)
    _BACKENDS[backend.type] = backend
    arrays.register_array_type(backend.array_type, backend)


def unregister_backend(device_type: str) -> None:
    """Forget the backend of `device_type` (not the CPU's)."""
    if device_type == "cpu":
        raise ValueError("the CPU's backend (NumPy) cannot be removed")
    backend = _BACKENDS.pop(device_type, None)
    if backend is not None:
        arrays.unregister_array_type(backend.array_type)


_cupy_missing: list[str] = []
"""Why CuPy could not be registered, once it was tried (empty: not tried yet)."""


def _cupy_backend() -> Backend:
    import cupy  # the optional GPU extra

    def to_device(array: np.ndarray, index: int | None) -> Any:
        if index is None:
            return cupy.asarray(array)
        with cupy.cuda.Device(index):
            return cupy.asarray(array)

    def synchronize(index: int | None) -> None:
        cupy.cuda.Device(index).synchronize()

    def device_name(index: int) -> str:
        name = cupy.cuda.runtime.getDeviceProperties(index)["name"]
        return name.decode() if isinstance(name, bytes) else str(name)

    return Backend("cuda", cupy.ndarray, to_device, cupy.asnumpy, lambda a: a.device.id,
                   cupy.lib.stride_tricks.as_strided, cupy.cuda.runtime.getDeviceCount,
                   synchronize, device_name)


def recognise(value: Any) -> bool:
    """Whether `value` is an array of a backend not loaded yet (a CuPy array before "cuda" was
    asked for), which is then loaded: `ag.tensor(cupy_array)` needs no setup."""
    module = type(value).__module__ or ""
    return module.partition(".")[0] == "cupy" and load_cuda() and arrays.is_array(value)


def load_cuda() -> bool:
    """Register CuPy as the "cuda" backend if it is installed and sees a GPU (tried once);
    whether a "cuda" backend is registered."""
    if "cuda" in _BACKENDS:
        return True
    if not _cupy_missing:
        try:
            backend = _cupy_backend()
            count = backend.device_count()
        except Exception as e:  # ImportError, or CuPy's error for a missing driver or GPU
            _cupy_missing.append(f"{type(e).__name__}: {e}")
            return False
        if count < 1:
            _cupy_missing.append("CuPy found no GPU")
            return False
        register_backend(backend)
        _cupy_missing.append("")
        return True
    return False


class DeviceUnavailableError(RuntimeError, AssertionError):
    """A device this installation cannot compute on (CUDA without a GPU backend). A
    RuntimeError, and an AssertionError as PyTorch's "Torch not compiled with CUDA enabled"
    is, so either `except` of a ported script catches it."""


class device:  # noqa: N801 - torch.device's name
    """Where a tensor's data lives, as PyTorch describes it: a type and an optional index.

    `device("cpu")`, `device("cuda:0")`, `device("cuda", 1)` and `device(other_device)` build
    one; `.type` and `.index` read it; two devices are equal when both agree (a device never
    equals a string, as in PyTorch: compare `x.device.type == "cpu"`).

    >>> ag.device("cuda", 0)
    device(type='cuda', index=0)
    >>> str(ag.device("cuda:0")), ag.device("cpu").index
    ('cuda:0', None)
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            self._type, self._index = type.type, type.index
            return
        if isinstance(type, (int, np.integer)) and not isinstance(type, bool):
            # device(0) is an accelerator's ordinal, refused as PyTorch does when there is none
            if not load_cuda():
                raise RuntimeError("Cannot access accelerator device when none is available.")
            type, index = "cuda", int(type)
        if not isinstance(type, str):
            raise TypeError("device(): expected a device type string (e.g. 'cpu', 'cuda:0') or "
                            f"a device, got {builtins.type(type).__name__} {type!r}")
        name, _, ordinal = type.partition(":")
        if name not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of "
                               f"device string: {type}")
        if ordinal:
            if index is not None or not ordinal.isdigit() or (len(ordinal) > 1
                                                              and ordinal[0] == "0"):
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(ordinal)
        if index is not None:
            if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
                raise TypeError(f"device(): the index must be an int, got {index!r}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
            index = int(index)
        self._type, self._index = name, index

    @property
    def type(self) -> str:
        """The device type: 'cpu', 'cuda', ..."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device's ordinal within its type, or None (the current one)."""
        return self._index

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return False  # as PyTorch: device("cpu") != "cpu"
        return self._type == other._type and self._index == other._index

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __reduce__(self) -> tuple:
        return device, (self._type, self._index)


CPU = device("cpu")
_default = [CPU]


def _unavailable(dev: device) -> DeviceUnavailableError:
    if dev.type == "cuda":
        why = _cupy_missing[0] if _cupy_missing else "CuPy was not tried"
        return DeviceUnavailableError(
            f"Torch not compiled with CUDA enabled: CUDA is not available for device "
            f"'{dev}' ({why}). autograd_lite computes on a GPU through CuPy: install it with "
            "`pip install \"autograd-lite[gpu]\"` on a machine with an NVIDIA GPU, or use "
            "device='cpu' (choose with `'cuda' if ag.cuda.is_available() else 'cpu'`).")
    return DeviceUnavailableError(
        f"device '{dev}' is not supported: autograd_lite computes on 'cpu', and on 'cuda' "
        "through CuPy; use one of those.")


def as_device(value: Any) -> device:
    """`value` (None for the default device, a string, an int, or a device) as a device that
    can hold arrays here; any other raises DeviceUnavailableError, naming what to install."""
    if value is None:
        return _default[0]
    if value == "cpu" or value is CPU:  # the common case, without parsing
        return CPU
    dev = value if isinstance(value, device) else device(value)
    if dev.type not in _BACKENDS and not (dev.type == "cuda" and load_cuda()):
        raise _unavailable(dev)
    if dev.type == "cpu":
        return CPU
    count = _BACKENDS[dev.type].device_count()
    if dev.index is not None and dev.index >= count:
        raise RuntimeError(f"CUDA error: invalid device ordinal: device '{dev}' was asked for, "
                           f"and there {'is' if count == 1 else 'are'} {count} "
                           f"(cuda:0{'' if count == 1 else f' to cuda:{count - 1}'})")
    return dev


def check_device(value: Any) -> None:
    """Refuse a `device=` argument this installation cannot honour (a no-op for None and
    'cpu', the case every creation call takes)."""
    if value is not None and value != "cpu" and value is not CPU:
        as_device(value)


def device_of(array: Any) -> device:
    """The device holding `array`: the CPU for a NumPy array, else its backend's device."""
    if type(array) is np.ndarray:
        return CPU
    backend = arrays.backend_of(array)
    return CPU if backend is None else device(backend.type, backend.index_of(array))


def move(array: Any, target: device) -> Any:
    """`array` on device `target` (itself when it is there already; else a copy)."""
    source = device_of(array)
    if source == target or (target.index is None and source.type == target.type):
        return array
    host = arrays.to_host(array)
    return host if target.type == "cpu" else _BACKENDS[target.type].to_device(host, target.index)


def same_device(arrays_: tuple, what: str) -> None:
    """Refuse arrays on different devices, with PyTorch's message (a 0-d CPU array, PyTorch's
    CPU scalar tensor, may meet any device: the caller has made it a scalar)."""
    devices = {device_of(a) for a in arrays_ if arrays.is_array(a)}
    if len(devices) > 1:
        first, second = sorted(map(str, devices), key=lambda d: (d == "cpu", d))[:2]
        raise RuntimeError(
            f"Expected all tensors to be on the same device, but found at least two devices, "
            f"{first} and {second}! ({what}: move them with .to(device) first)")


def get_default_device() -> device:
    """The device creation functions use without `device=` (the CPU unless changed).

    >>> ag.get_default_device()
    device(type='cpu')
    """
    return _default[0]


def set_default_device(value: Any) -> None:
    """Set the device creation functions use without `device=`; None resets it to the CPU,
    as in PyTorch. A device that cannot hold arrays here (CUDA without the GPU extra) raises
    at once instead of at the first creation."""
    _default[0] = CPU if value is None else as_device(value)
