"""Making tensors: from data, filled, and ranges, each with PyTorch's `dtype=`, `device=` and
`requires_grad=` (the random ones are in `random.py`).

A shape is given as PyTorch takes it: ints (`zeros(2, 3)`), one sequence (`zeros((2, 3))`), or
the `size=` keyword (`zeros(size=(2, 3))`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import is_array
from .device import CPU, as_device, check_device, device_of, move
from .tensor import Tensor, _shape_args, as_array, get_default_dtype

__all__ = ["tensor", "from_numpy", "as_tensor", "zeros", "ones", "full", "empty", "zeros_like",
           "ones_like", "full_like", "empty_like", "arange", "linspace", "eye"]


def _finish(data: np.ndarray, requires_grad: bool, device: Any = None) -> Tensor:
    """A new tensor of `data` on `device`; None: the default device for data made on the
    host, the data's own device for a device's array (as `ag.tensor(gpu_array)`)."""
    if type(data) is np.ndarray:
        target = as_device(device)
        if target is not CPU:
            data = move(data, target)
    elif device is not None:
        data = move(data, as_device(device))
    t = Tensor._make(data, False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype: Any) -> Any:
    return np.dtype(get_default_dtype() if dtype is None else dtype)


def _size(size: tuple, op: str, required: bool = True, keyword: Any = None) -> tuple:
    """A shape given as ints, one sequence, or the `size=` keyword, checked as PyTorch does:
    it must be given (once) and have no negative dimension."""
    if keyword is not None:
        if size:
            raise TypeError(f"{op}(): the shape was given twice, as positional sizes {size} and "
                            f"as size={keyword!r}; give one of them")
        size = (keyword,) if isinstance(keyword, (int, np.integer)) else (tuple(keyword),)
    if required and not size:
        raise TypeError(f'{op}() missing 1 required positional argument: "size" (give the '
                        f"shape, e.g. {op}(2, 3) or {op}(()) for a 0-d tensor)")
    shape = _shape_args(size, op)
    _check_nonnegative(shape, op)
    return shape


def _check_nonnegative(shape: tuple, op: str) -> None:
    if any(s < 0 for s in shape):
        raise RuntimeError(
            f"{op}(): Trying to create tensor with negative dimension "
            f"{min(shape)}: {list(shape)}")


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (numbers, nested lists, an array or a tensor).

    Python floats become the default dtype (float32); a NumPy array keeps its dtype.

    >>> ag.tensor([1., 2.], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    >>> ag.tensor([1, 2], dtype=ag.long, device="cpu").dtype
    <class 'numpy.int64'>
    """
    check_device(device)
    return _finish(as_array(data, dtype, copy=True), requires_grad, device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor that shares memory with `array` (no copy)."""
    if not is_array(array):
        raise TypeError(f"from_numpy(): expected an np.ndarray, got {type(array).__name__}")
    return Tensor._make(array, False, None)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """`data` as a tensor, without a copy when it already is one (or an array of `dtype`)."""
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.array.dtype):
        return data
    array = as_array(data, dtype, copy=False)
    return Tensor._make(array if device is None else move(array, as_device(device)), False, None)


def zeros(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of shape `sizes` (or `size=`)."""
    check_device(device)
    shape = _size(sizes, "zeros", keyword=size)
    return _finish(np.zeros(shape, _float_dtype(dtype)), requires_grad, device)


def ones(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones of shape `sizes` (or `size=`)."""
    check_device(device)
    shape = _size(sizes, "ones", keyword=size)
    return _finish(np.ones(shape, _float_dtype(dtype)), requires_grad, device)


def empty(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of shape `sizes` (or `size=`): fill it before reading it."""
    check_device(device)
    shape = _size(sizes, "empty", keyword=size)
    return _finish(np.empty(shape, _float_dtype(dtype)), requires_grad, device)


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of shape `size` filled with `fill_value` (its dtype follows the value, as in
    PyTorch: a float gives the default dtype, an int int64, a bool bool)."""
    check_device(device)
    shape = _size((size,) if isinstance(size, int) else tuple(size), "full", required=False)
    if dtype is None:
        dtype = (np.bool_ if isinstance(fill_value, bool) else
                 np.int64 if isinstance(fill_value, (int, np.integer)) else get_default_dtype())
    return _finish(np.full(shape, fill_value, dtype=dtype), requires_grad, device)


def zeros_like(input: Tensor, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False) -> Tensor:
    """Zeros of `input`'s shape and dtype."""
    check_device(device)
    return _finish(np.zeros(input.shape, dtype or input.array.dtype), requires_grad,
                   device_of(input.array) if device is None else device)


def ones_like(input: Tensor, dtype: Any = None, device: Any = None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    """Ones of `input`'s shape and dtype."""
    check_device(device)
    return _finish(np.ones(input.shape, dtype or input.array.dtype), requires_grad,
                   device_of(input.array) if device is None else device)


def empty_like(input: Tensor, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of `input`'s shape and dtype."""
    check_device(device)
    return _finish(np.empty(input.shape, dtype or input.array.dtype), requires_grad,
                   device_of(input.array) if device is None else device)


def full_like(input: Tensor, fill_value: Any, dtype: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False) -> Tensor:
    """`fill_value` in `input`'s shape and dtype."""
    check_device(device)
    return _finish(np.full(input.shape, fill_value, dtype or input.array.dtype), requires_grad,
                   device_of(input.array) if device is None else device)


def arange(start: Any = 0, end: Any = None, step: Any = 1, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Values from `start` to `end` (exclusive) by `step`: int64 for ints, else the default
    float dtype. `arange(n)` counts from 0, as does `arange(end=n)`."""
    check_device(device)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange: upper bound and lower bound inconsistent with step sign (start={start}, "
            f"end={end}, step={step})")
    if dtype is None:
        all_ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if all_ints else get_default_dtype()
    return _finish(np.arange(start, end, step).astype(dtype), requires_grad, device)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from `start` to `end` inclusive."""
    check_device(device)
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, steps, dtype=_float_dtype(dtype)), requires_grad,
                   device)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix of shape (n, m or n)."""
    check_device(device)
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(f"eye: {name} must be greater or equal to 0, got {value}")
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)
