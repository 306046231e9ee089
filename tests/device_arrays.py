"""A stand-in for CuPy that runs on the CPU, so the device code is tested without a GPU.

`DeviceArray` holds a NumPy array "on a device" and behaves as a CuPy array does where the
engine could go wrong: it takes NumPy's functions and ufuncs through `__array_function__` /
`__array_ufunc__` (computing on its host copy, answering with DeviceArrays, 0-d arrays for
reductions where NumPy gives scalars), refuses to become a NumPy array implicitly (CuPy's
TypeError), refuses NumPy arrays as operands (CuPy's "Unsupported type"), refuses other
devices' arrays, and gives way (NotImplemented) to other array-like types, as NEP 13/18 ask.
`install()` registers it as the "cuda" backend with two devices; `uninstall()` removes it.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

import autograd_lite as ag

_device = importlib.import_module("autograd_lite.device")  # (ag.device is the class)

DEVICE_COUNT = 2


class DeviceArray(NDArrayOperatorsMixin):
    """An array on (pretend) GPU `device`; `.get()` copies it to the host, as CuPy's does."""

    __slots__ = ("_host", "_device")

    def __init__(self, host: np.ndarray, device: int = 0) -> None:
        assert type(host) is np.ndarray
        self._host, self._device = host, device

    # ----- what CuPy refuses
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use "
                        "`.get()` to construct a NumPy array explicitly.")

    def get(self) -> np.ndarray:
        return self._host.copy()

    @property
    def device(self) -> Any:
        return _Device(self._device)

    # ----- NumPy's protocols: compute on the host copies, answer on this device
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if any(_foreign(x) for x in inputs + kwargs.get("out", ())):
            return NotImplemented
        device = self._device
        result = getattr(ufunc, method)(*_unwrap(inputs, device), **_unwrap(kwargs, device))
        if "out" in kwargs:
            return kwargs["out"][0] if len(kwargs["out"]) == 1 else kwargs["out"]
        return _wrap(result, device)

    def __array_function__(self, func: Any, types: tuple, args: tuple, kwargs: dict) -> Any:
        if any(not issubclass(t, (DeviceArray, np.ndarray)) for t in types):
            return NotImplemented
        device = self._device
        return _wrap(func(*_unwrap(args, device), **_unwrap(kwargs, device)), device)

    # ----- the ndarray interface CuPy's arrays share
    shape = property(lambda self: self._host.shape)
    dtype = property(lambda self: self._host.dtype)
    ndim = property(lambda self: self._host.ndim)
    size = property(lambda self: self._host.size)
    strides = property(lambda self: self._host.strides)
    itemsize = property(lambda self: self._host.itemsize)
    nbytes = property(lambda self: self._host.nbytes)
    T = property(lambda self: DeviceArray(self._host.T, self._device))
    real = property(lambda self: DeviceArray(self._host.real, self._device))
    imag = property(lambda self: DeviceArray(self._host.imag, self._device))

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._host, name)  # methods: sum, reshape, astype, ...
        if not callable(attribute):
            raise AttributeError(f"DeviceArray has no attribute {name!r}")
        device = self._device

        def method(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*_unwrap(args, device), **_unwrap(kwargs, device))
            return result if name in ("item", "tolist") else _wrap(result, device)
        return method

    def astype(self, dtype: Any, copy: bool = True, **kwargs: Any) -> DeviceArray:
        if not copy and np.dtype(dtype) == self.dtype:
            return self  # as CuPy's (and NumPy's): no copy, the array itself
        return DeviceArray(self._host.astype(dtype, **kwargs), self._device)

    def __getitem__(self, key: Any) -> Any:
        return _wrap(self._host[_unwrap_index(key, self._device)], self._device)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._host[_unwrap_index(key, self._device)] = _unwrap(value, self._device)

    def __len__(self) -> int:
        return len(self._host)

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        return bool(self._host)

    def __float__(self) -> float:
        return float(self._host)

    def __int__(self) -> int:
        return int(self._host)

    def __complex__(self) -> complex:
        return complex(self._host)

    def __repr__(self) -> str:
        return repr(self._host)

    def __str__(self) -> str:
        return str(self._host)

    def __deepcopy__(self, memo: dict) -> DeviceArray:
        return DeviceArray(self._host.copy(), self._device)

    def __reduce__(self) -> Any:
        raise TypeError("DeviceArray cannot be pickled here (copy it to the host first)")


class _Device:
    """CuPy's `cupy.cuda.Device`, as far as `.id` goes."""

    def __init__(self, id: int) -> None:  # noqa: A002
        self.id = id


def _foreign(x: Any) -> bool:
    return (hasattr(x, "__array_ufunc__") and not isinstance(x, (DeviceArray, np.ndarray))
            and x.__array_ufunc__ is not None)


def _unwrap(value: Any, device: int) -> Any:
    if isinstance(value, DeviceArray):
        if value._device != device:
            raise ValueError(f"The device where the array resides ({value._device}) is "
                             f"different from the current device ({device}).")
        return value._host
    if isinstance(value, np.ndarray):
        raise TypeError(f"Unsupported type {type(value)}")
    if isinstance(value, (tuple, list)):
        return type(value)(_unwrap(v, device) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v, device) for k, v in value.items()}
    return value


def _unwrap_index(key: Any, device: int) -> Any:
    """An index: CuPy accepts its own arrays, NumPy's index arrays, slices and numbers."""
    if isinstance(key, tuple):
        return tuple(_unwrap_index(k, device) for k in key)
    if isinstance(key, np.ndarray):
        return key
    return _unwrap(key, device)


def _wrap(result: Any, device: int) -> Any:
    if isinstance(result, np.ndarray):
        return DeviceArray(result, device)
    if isinstance(result, np.generic):  # CuPy's reductions give 0-d arrays, not scalars
        return DeviceArray(np.asarray(result), device)
    if isinstance(result, (tuple, list)):
        return type(result)(_wrap(r, device) for r in result)
    return result


def _to_device(host: np.ndarray, index: int | None) -> DeviceArray:
    if not isinstance(host, np.ndarray):
        raise TypeError(f"to_device takes a NumPy array, got {type(host).__name__}")
    return DeviceArray(np.array(host, copy=True), 0 if index is None else index)


def _as_strided(array: DeviceArray, shape: tuple, strides: tuple) -> DeviceArray:
    return DeviceArray(np.lib.stride_tricks.as_strided(array._host, shape, strides,
                                                       writeable=False), array._device)


BACKEND = _device.Backend("cuda", DeviceArray, _to_device, lambda a: a._host.copy(),
                          lambda a: a._device, _as_strided, lambda: DEVICE_COUNT)


def install() -> None:
    """Register the stand-in as the "cuda" backend."""
    _device.register_backend(BACKEND)


def uninstall() -> None:
    """Remove it (ag.cuda.is_available() is False again)."""
    _device.unregister_backend("cuda")
    ag.set_default_device(None)
