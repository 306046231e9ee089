"""Making tensors: from data, filled, ranges, and random (seeded by a NumPy Generator)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import is_array
from .tensor import Tensor, _shape_args, as_array, get_default_dtype

_generator = [np.random.default_rng()]


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the default random generator, so a seeded run is reproducible to the bit. Any
    int in PyTorch's range [-2**63, 2**64) is a seed (a negative one counts modulo 2**64)."""
    _generator[0] = np.random.default_rng(_seed(seed, "manual_seed"))
    return _generator[0]


def _seed(seed: Any, what: str) -> int:
    """A seed as NumPy takes it: `int(seed)`, as PyTorch does, and a negative one modulo 2**64
    (PyTorch accepts negative seeds, NumPy only non-negative ones)."""
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: the seed must be an int, got {type(seed).__name__} "
                        f"{seed!r}") from None
    if not -2**63 <= seed < 2**64:
        raise ValueError(f"{what}: the seed {seed} is out of range; use an int in "
                         "[-2**63, 2**64)")
    return seed % 2**64


def default_generator() -> np.random.Generator:
    """The generator that random functions use when none is given."""
    return _generator[0]


def _finish(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(data, False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype: Any) -> Any:
    return np.dtype(get_default_dtype() if dtype is None else dtype)


def _size(size: tuple, op: str, required: bool = True) -> tuple:
    """A shape given as ints or one sequence, checked as PyTorch does: it must be given and
    have no negative dimension."""
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


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (numbers, nested lists, an array or a tensor).

    Python floats become the default dtype (float32); a NumPy array keeps its dtype.

    >>> ag.tensor([1., 2.], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    """
    return _finish(as_array(data, dtype, copy=True), requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor that shares memory with `array` (no copy)."""
    if not is_array(array):
        raise TypeError(f"from_numpy(): expected an np.ndarray, got {type(array).__name__}")
    return Tensor._make(array, False, None)


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """`data` as a tensor, without a copy when it already is one (or an array of `dtype`)."""
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.array.dtype):
        return data
    return Tensor._make(as_array(data, dtype, copy=False), False, None)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of shape `size`."""
    return _finish(np.zeros(_size(size, "zeros"), _float_dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of shape `size`."""
    return _finish(np.ones(_size(size, "ones"), _float_dtype(dtype)), requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape `size` filled with `fill_value` (its dtype follows the value, as in
    PyTorch: a float gives the default dtype, an int int64, a bool bool)."""
    shape = _size((size,) if isinstance(size, int) else tuple(size), "full", required=False)
    if dtype is None:
        dtype = (np.bool_ if isinstance(fill_value, bool) else
                 np.int64 if isinstance(fill_value, (int, np.integer)) else get_default_dtype())
    return _finish(np.full(shape, fill_value, dtype=dtype), requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of `t`'s shape and dtype."""
    return _finish(np.zeros(t.shape, dtype or t.array.dtype), requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of `t`'s shape and dtype."""
    return _finish(np.ones(t.shape, dtype or t.array.dtype), requires_grad)


def full_like(t: Tensor, fill_value: Any, dtype: Any = None,
              requires_grad: bool = False) -> Tensor:
    """`fill_value` in `t`'s shape and dtype."""
    return _finish(np.full(t.shape, fill_value, dtype or t.array.dtype), requires_grad)


def arange(start: Any = 0, end: Any = None, step: Any = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from `start` to `end` (exclusive) by `step`: int64 for ints, else the default
    float dtype. `arange(n)` counts from 0, as does `arange(end=n)`."""
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
    return _finish(np.arange(start, end, step).astype(dtype), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from `start` to `end` inclusive."""
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, steps, dtype=_float_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix of shape (n, m or n)."""
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(f"eye: {name} must be greater or equal to 0, got {value}")
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def randn(*size: Any, generator: np.random.Generator | None = None, dtype: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard-normal samples of shape `size`."""
    rng = generator or _generator[0]
    dtype = _float_dtype(dtype)
    return _finish(rng.standard_normal(_size(size, "randn"), dtype=dtype), requires_grad)


def rand(*size: Any, generator: np.random.Generator | None = None, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) of shape `size`."""
    rng = generator or _generator[0]
    dtype = _float_dtype(dtype)
    return _finish(rng.random(_size(size, "rand"), dtype=dtype), requires_grad)


def randint(low: int, high: Any = None, size: Any = None,
            generator: np.random.Generator | None = None, dtype: Any = np.int64) -> Tensor:
    """Integers in [low, high) of shape `size`; `randint(high, size)` draws from [0, high),
    as in PyTorch."""
    if size is None:
        if high is None:
            raise TypeError("randint() missing the required argument 'size' (call "
                            "randint(low, high, size) or randint(high, size))")
        low, high, size = 0, low, high
    if low >= high:
        raise RuntimeError(
            f"randint: expects 'low' to be less than 'high', but got low={low} >= high={high}")
    rng = generator or _generator[0]
    shape = (size,) if isinstance(size, int) else tuple(size)
    _check_nonnegative(shape, "randint")
    return Tensor._make(rng.integers(low, high, shape).astype(dtype), False, None)


def randn_like(t: Tensor, generator: np.random.Generator | None = None,
               requires_grad: bool = False) -> Tensor:
    """Standard-normal samples of `t`'s shape and dtype."""
    return randn(t.shape, generator=generator, dtype=t.array.dtype, requires_grad=requires_grad)


def rand_like(t: Tensor, generator: np.random.Generator | None = None,
              requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples of `t`'s shape and dtype."""
    return rand(t.shape, generator=generator, dtype=t.array.dtype, requires_grad=requires_grad)
