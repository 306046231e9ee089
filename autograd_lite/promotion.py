"""Dtypes and PyTorch's type promotion: the default float dtype, turning data into arrays, and
the result dtype of an op over tensors, arrays and Python numbers (`int_tensor * 1.5` is
float32, `float32_tensor * 2.0` stays float32, int64 with float32 is float32).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import device as _device
from .arrays import is_array

__all__ = ["get_default_dtype", "set_default_dtype", "result_type"]

# The Tensor class, for isinstance checks: set by tensor.py right after the class is defined
# (tensor.py imports this module, so this module cannot import it).
Tensor: Any = None

_default_dtype = [np.float32]


def get_default_dtype() -> type:
    """The dtype of tensors made from Python floats (`float32` unless changed)."""
    return _default_dtype[0]


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype of tensors made from Python floats: `float32` or `float64`."""
    resolved = np.dtype(dtype).type
    if resolved not in (np.float16, np.float32, np.float64):
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dtype!r}")
    _default_dtype[0] = resolved


def as_array(data: Any, dtype: Any = None, copy: bool = True, what: str = "tensor") -> np.ndarray:
    """Turn `data` into an ndarray by the contract's rules: Python floats get the default
    dtype, a NumPy array keeps its own."""
    if isinstance(data, Tensor):
        data = data.array
    from_numpy = isinstance(data, (np.ndarray, np.generic))
    if not from_numpy and (is_array(data) or _device.recognise(data)):
        return _device_array(data, dtype, copy, what)  # stays on its device
    try:
        if dtype is not None:
            dtype = np.dtype(dtype)
        array = np.array(data, dtype=dtype, copy=copy) if from_numpy else np.array(data, dtype)
    except ValueError as e:
        raise ValueError(
            f"{what}(): cannot make a tensor from this data ({e}). Give numbers, nested lists "
            "of one regular shape, or a NumPy array.") from None
    except TypeError as e:
        raise TypeError(f"{what}(): cannot make a tensor from {type(data).__name__}: {e}") from None
    if array.dtype.kind not in "biufc":
        raise TypeError(
            f"{what}(): data must be numbers or booleans, got dtype {array.dtype} "
            f"from {type(data).__name__}")
    if dtype is None and not from_numpy and array.dtype == np.float64:
        array = array.astype(_default_dtype[0])
    return array


def _device_array(data: Any, dtype: Any, copy: bool, what: str) -> Any:
    target = data.dtype if dtype is None else np.dtype(dtype)
    if target.kind not in "biufc":
        raise TypeError(f"{what}(): data must be numbers or booleans, got dtype {target}")
    return data.astype(target, copy=copy)


def _dtype_name(dtype: Any) -> str:
    return np.dtype(dtype).name


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}  # bool < integer < floating < complex


def _is_integral(x: Any) -> bool:
    if isinstance(x, Tensor):
        return x.array.dtype.kind in "biu"
    if is_array(x):
        return x.dtype.kind in "biu"
    return isinstance(x, int)


def _floating(t: Tensor) -> Tensor:
    """`t`, or for an integer or bool tensor `t` in the default float dtype: what PyTorch's
    floating ops (exp, sigmoid, softmax, ...) compute in."""
    return t if t.array.dtype.kind in "fc" else t.to(_default_dtype[0])


def _needs_promotion(a: Any, b: Any) -> bool:
    """Whether NumPy's result dtype for `a op b` may differ from PyTorch's: quick for the
    common cases (two tensors of one dtype; a float tensor and a Python number). A bool
    tensor with a Python int is promoted (NumPy's `bool ** 2` is int8, PyTorch's int64)."""
    if isinstance(a, Tensor):  # isinstance, not type(): nn.Parameter takes this path too
        if isinstance(b, Tensor):
            return a.array.dtype != b.array.dtype
        if type(b) is int and a.array.dtype.kind != "b" or (type(b) is float
                                                           and a.array.dtype.kind in "fc"):
            return False
    elif isinstance(b, Tensor) and (type(a) is int and b.array.dtype.kind != "b" or (
            type(a) is float and b.array.dtype.kind in "fc")):
        return False
    return True


def _promote_types(d1: np.dtype | None, d2: np.dtype | None) -> np.dtype | None:
    """PyTorch's `promote_types`: across categories the higher one wins whatever its width
    (int64 with float32 is float32); within a category, NumPy's rule."""
    if d1 is None or d2 is None:
        return d2 if d1 is None else d1
    c1, c2 = _CATEGORY[d1.kind], _CATEGORY[d2.kind]
    if c1 != c2:
        return d1 if c1 > c2 else d2
    return np.promote_types(d1, d2)


def result_type(*operands: Any) -> np.dtype:
    """PyTorch's type promotion: tensors (and arrays) with dimensions decide; 0-d tensors, then
    Python numbers, count only when of a higher category. A Python float brings the default
    dtype, so `int_tensor * 1.5` is float32 and `float32_tensor * 2.0` stays float32."""
    dims = zero = number = None
    for x in operands:
        if isinstance(x, Tensor):
            if x.array.ndim:
                dims = _promote_types(dims, x.array.dtype)
            else:
                zero = _promote_types(zero, x.array.dtype)
        elif is_array(x):
            dims = _promote_types(dims, x.dtype)
        else:
            kind = (np.bool_ if isinstance(x, bool) else np.int64 if isinstance(x, int)
                    else np.complex128 if isinstance(x, complex) else _default_dtype[0])
            number = _promote_types(number, np.dtype(kind))
    for lower in (zero, number):
        if lower is not None and (dims is None or _CATEGORY[lower.kind] > _CATEGORY[dims.kind]):
            dims = lower
    return dims


def _cast_to(x: Any, dtype: np.dtype) -> Any:
    """`x` in `dtype` (a differentiable cast for Tensors); Python numbers stay as they are:
    NumPy gives them the dtype of the array they meet."""
    if isinstance(x, Tensor):
        return x if x.array.dtype == dtype else x.to(dtype)
    if is_array(x):
        return x if x.dtype == dtype else x.astype(dtype)
    return x


def _promoted(operands: tuple, true_divide: bool = False) -> tuple:
    """The operands cast to their PyTorch result type; division of integers gives the default
    float dtype, as in PyTorch."""
    dtype = result_type(*operands)
    if true_divide and dtype.kind in "biu":
        dtype = np.dtype(_default_dtype[0])
    return tuple(_cast_to(x, dtype) for x in operands)

