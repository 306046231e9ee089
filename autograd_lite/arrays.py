"""What counts as an array: the one place that knows.

A Tensor's `array` is a NumPy ndarray on the CPU, or the array of the library that holds a
device's arrays (CuPy's on a GPU). Ops compute with NumPy's functions and operators: an array
that implements NumPy's dispatch protocols (`__array_ufunc__`, `__array_function__`, as CuPy's
does) receives those calls and computes where it lives, so one formula serves every device.
What the protocols do not carry (making an array from numbers, copying to the host, strided
views) asks here, and this module asks the array's backend (`device.py` registers them).
The hot paths compare `type(x) is ndarray`, the fastest test there is, and come here otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ndarray", "ARRAY_TYPES", "is_array", "is_host", "to_host", "host", "as_array", "copy",
           "like",
           "as_strided", "register_array_type", "unregister_array_type"]

ndarray = np.ndarray
"""The CPU's array type (NumPy's)."""

ARRAY_TYPES: tuple[type, ...] = (np.ndarray,)
"""Every type accepted as an array: NumPy's, and each registered backend's."""

_BACKEND_OF: dict[type, Any] = {}
"""A registered array type -> its backend (`device.Backend`): how to reach the host."""


def register_array_type(array_type: type, backend: Any) -> None:
    """Accept `array_type` as an array, held by `backend` (`device.register_backend` calls
    this)."""
    global ARRAY_TYPES
    _BACKEND_OF[array_type] = backend
    ARRAY_TYPES = (np.ndarray, *_BACKEND_OF)


def unregister_array_type(array_type: type) -> None:
    """Stop accepting `array_type` (its backend was removed)."""
    global ARRAY_TYPES
    _BACKEND_OF.pop(array_type, None)
    ARRAY_TYPES = (np.ndarray, *_BACKEND_OF)


def is_array(value: Any) -> bool:
    """Whether `value` is an array (not a Tensor, not a number, not a list)."""
    return type(value) is ndarray or isinstance(value, ARRAY_TYPES)


def is_host(array: Any) -> bool:
    """Whether `array` lives in this process's memory (a NumPy array or scalar)."""
    return isinstance(array, (np.ndarray, np.generic))


def backend_of(array: Any) -> Any:
    """The backend holding a device array (None for NumPy's)."""
    if isinstance(array, (np.ndarray, np.generic)):
        return None
    for array_type, backend in _BACKEND_OF.items():
        if isinstance(array, array_type):
            return backend
    return None


def to_host(array: Any) -> np.ndarray:
    """`array` as a NumPy array: itself on the CPU, a copy from a device."""
    if type(array) is ndarray:
        return array
    backend = backend_of(array)
    return np.asarray(array) if backend is None else backend.to_host(array)


def as_array(value: Any) -> Any:
    """`value` as an array where it lives: an array itself (on any device), anything else
    (numbers, lists, NumPy scalars) through `np.asarray`."""
    return value if is_array(value) else np.asarray(value)


def host(value: Any, dtype: Any = None) -> np.ndarray:
    """`value` (an array anywhere, a NumPy scalar, numbers) as a NumPy array, copied from its
    device if need be: how the pictures and `explain` read values."""
    if type(value) is not ndarray and backend_of(value) is not None:
        value = backend_of(value).to_host(value)
    return np.asarray(value, dtype)


def copy(array: Any, dtype: Any = None) -> Any:
    """A copy of `array` of its own, in `dtype` (default: its own), where it lives."""
    return array.astype(array.dtype if dtype is None else dtype, copy=True)


def like(value: Any, reference: Any, dtype: Any = None) -> Any:
    """`value` (an array on any device, a NumPy scalar or numbers) as an array where
    `reference` lives: itself when it is there already, else a copy."""
    if type(reference) is ndarray or backend_of(reference) is None:
        return host(value, dtype)
    if is_array(value) and not is_host(value):
        return value if dtype is None else value.astype(dtype, copy=False)
    backend = backend_of(reference)
    return backend.to_device(np.asarray(value, dtype), backend.index_of(reference))


def as_strided(array: Any, shape: tuple, strides: tuple) -> Any:
    """A strided view of `array` (NumPy's `as_strided`, which no dispatch protocol carries:
    each backend brings its own)."""
    if type(array) is ndarray:
        return np.lib.stride_tricks.as_strided(array, shape, strides, writeable=False)
    return backend_of(array).as_strided(array, shape, strides)
