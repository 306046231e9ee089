"""Devices, as PyTorch names them: `ag.device`, `Tensor.device`, `device=` on every creation
function, `Tensor.to(device)`, and the default device.

Everything computes on the CPU with NumPy today. The one place that knows which devices can
hold arrays is `_BACKENDS` (device type -> array module): a GPU backend (CuPy) registers "cuda"
there, `arrays.py` learns its array type, and `device_of` tells its arrays apart; every
`device=` argument and `to(device)` already goes through `as_device` below.

>>> ag.device("cuda:1")
device(type='cuda', index=1)
>>> ag.tensor([1., 2.], device="cpu").device
device(type='cpu')
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

__all__ = ["device", "DeviceUnavailableError", "as_device", "device_of", "get_default_device",
           "set_default_device"]

# PyTorch's device types, in the order its error message lists them.
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
          "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")

_BACKENDS: dict[str, Any] = {"cpu": np}
"""The device types that can hold arrays here, each with its array module."""


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
            if "cuda" not in _BACKENDS:
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
        return DeviceUnavailableError(
            f"Torch not compiled with CUDA enabled: CUDA is not available for device "
            f"'{dev}'; this autograd_lite computes on the CPU with NumPy (a GPU extra through CuPy "
            "is planned, not yet built). Use device='cpu', or choose with "
            "`'cuda' if ag.cuda.is_available() else 'cpu'`.")
    return DeviceUnavailableError(
        f"device '{dev}' is not supported: autograd_lite computes on 'cpu' (a 'cuda' GPU extra "
        "is planned); use device='cpu'.")


def as_device(value: Any) -> device:
    """`value` (None for the default device, a string, an int, or a device) as a device that
    can hold arrays here; any other raises DeviceUnavailableError, naming what to install."""
    if value is None:
        return _default[0]
    if value == "cpu" or value is CPU:  # the common case, without parsing
        return CPU
    dev = value if isinstance(value, device) else device(value)
    if dev.type not in _BACKENDS:
        raise _unavailable(dev)
    return CPU if dev.type == "cpu" else dev


def check_device(value: Any) -> None:
    """Refuse a `device=` argument this installation cannot honour (a no-op for None and
    'cpu', the case every creation call takes)."""
    if value is not None and value != "cpu" and value is not CPU:
        as_device(value)


def device_of(array: Any) -> device:
    """The device holding `array`: the CPU for a NumPy array (the only kind there is today)."""
    return CPU


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
