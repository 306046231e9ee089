"""Picking, placing and splitting by position, as PyTorch's Tensor methods of the same names:
`gather`, `scatter` (`scatter_`, `scatter_add`, `scatter_add_`), `masked_fill` (and `_`),
`chunk`, `split`, `sort` and `topk`. Each checks its arguments with PyTorch's errors, then
applies an op from `ops/` (the pieces of `chunk` and `split` are slices; the values of `sort`
and `topk` are a `gather` of the indices NumPy finds). This module installs them on Tensor."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .arrays import is_host, like
from .device import same_device
from .function import _mode, mark_modified
from .ops import Gather, Scatter, ScatterAdd, Where
from .promotion import _dtype_name
from .tensor import Tensor, ValuesIndices, _normalize_dim, _numpy_names

__all__ = ["gather", "scatter", "scatter_add", "masked_fill", "chunk", "split", "sort",
           "topk"]


def _index_array(index: Any, op: str, input: Tensor) -> np.ndarray:  # noqa: A002
    """An index tensor's array, checked to be int64 or int32 (as PyTorch accepts) and on
    `input`'s device (PyTorch's error otherwise)."""
    array = index.array if isinstance(index, Tensor) else np.asarray(index)
    if array.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index (got "
                           f"{_dtype_name(array.dtype)})")
    if type(array) is not type(input.array):
        same_device((input.array, array), op)
    return array


def _check_bounds(index: np.ndarray, size: int, axis: int) -> None:
    """Every index within [0, size): PyTorch's gather and scatter take no negative ones."""
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index.min() if index.min() < 0 else index.max()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {axis} with size {size}")


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """The values of `input` at `index` along `dim`: for `dim=1`,
    `out[i][j] = input[i][index[i][j]]`. `index` has `input`'s number of dimensions and is
    no larger in the others; the result has `index`'s shape. The gradient is added back at
    the picked positions.

    >>> ag.tensor([[1., 2.], [3., 4.]]).gather(1, ag.tensor([[0, 0], [1, 0]]))
    tensor([[1., 1.],
            [4., 3.]])
    """
    axis = _normalize_dim(dim, input.ndim, "gather")
    array = _index_array(index, "gather", input)
    if array.ndim != input.ndim and not (input.ndim == 0 and array.ndim <= 1):
        raise RuntimeError(
            f"gather(): Index tensor must have the same number of dimensions as input tensor "
            f"(index has shape {array.shape}, input {tuple(input.shape)})")
    if input.ndim == 0:  # a 0-d input and index, as PyTorch allows
        _check_bounds(array, 1, 0)
        return input.reshape(1)[Tensor._make(array.reshape(-1), False, None)].reshape(
            array.shape)
    for d in range(input.ndim):
        if d != axis and array.shape[d] > input.shape[d]:
            raise RuntimeError(
                f"gather(): Size does not match at dimension {d} expected index "
                f"{list(array.shape)} to be no larger than self {list(input.shape)} apart "
                f"from dimension {axis}")
    _check_bounds(array, input.shape[axis], axis)
    return Gather.apply(input, axis, array.astype(np.int64, copy=False))


def _scatter_args(input: Tensor, dim: int, index: Any, src: Any, op: str,  # noqa: A002
                  value: bool) -> tuple:
    """The axis, the index array and the source of a scatter, checked as PyTorch checks."""
    axis = _normalize_dim(dim, input.ndim, op)
    array = _index_array(index, op, input)
    if isinstance(src, Tensor):
        if src.array.dtype != input.array.dtype:
            raise RuntimeError(
                f"{op}(): Expected self.dtype to be equal to src.dtype (got "
                f"{_dtype_name(input.array.dtype)} and {_dtype_name(src.array.dtype)}); "
                "convert src with .to()")
        src_shape = tuple(src.shape)
    elif value and isinstance(src, (int, float, bool, np.number)):
        src_shape = None
        # in the input's dtype, as PyTorch; a NumPy scalar, which a device's array takes too
        src = np.asarray(src).astype(input.array.dtype)[()]
    else:
        raise TypeError(f"{op}(): src must be a Tensor{' or a number' if value else ''}, got "
                        f"{type(src).__name__}")
    if array.ndim != input.ndim or (src_shape is not None and len(src_shape) != input.ndim):
        raise RuntimeError(
            f"{op}(): Index tensor must have the same number of dimensions as self tensor"
            f"{' and src' if src_shape is not None else ''} (index has shape {array.shape}, "
            f"self {tuple(input.shape)}"
            f"{'' if src_shape is None else f', src {src_shape}'})")
    for d in range(input.ndim):
        if ((d != axis and array.shape[d] > input.shape[d])
                or (src_shape is not None and array.shape[d] > src_shape[d])):
            raise RuntimeError(
                f"{op}(): Expected index {list(array.shape)} to be no larger than self "
                f"{list(input.shape)} apart from dimension {axis}"
                + ("" if src_shape is None else
                   f" and to be no larger size than src {list(src_shape)}"))
    _check_bounds(array, input.shape[axis], axis)
    return axis, array.astype(np.int64, copy=False), src


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *,  # noqa: A002
            value: Any = None, reduce: str | None = None) -> Tensor:
    """A copy of `input` with `src` (a tensor, or a number) written at `index` along `dim`:
    for `dim=1`, `out[i][index[i][j]] = src[i][j]`. Where an index repeats, one of the
    values wins, as in PyTorch. Gradients: `input`'s is zero where it was overwritten, `src`'s
    is gathered from where it was written.

    >>> ag.zeros(2, 3).scatter(1, ag.tensor([[2], [0]]), 1.0)
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    """
    if reduce is not None:
        raise NotImplementedError(
            f"scatter(): reduce={reduce!r} is not implemented in autograd_lite; use "
            "scatter_add for reduce='add'")
    if (src is None) == (value is None):
        raise TypeError("scatter() takes the values either as `src` or as `value=`")
    src = value if src is None else src
    axis, array, src = _scatter_args(input, dim, index, src, "scatter", value=True)
    return Scatter.apply(input, axis, array, src)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    """A copy of `input` with `src` added at `index` along `dim` (added again where an index
    repeats): for `dim=1`, `out[i][index[i][j]] += src[i][j]`.

    >>> ag.zeros(3).scatter_add(0, ag.tensor([0, 0, 2]), ag.ones(3))
    tensor([2., 0., 1.])
    """
    axis, array, src = _scatter_args(input, dim, index, src, "scatter_add", value=False)
    return ScatterAdd.apply(input, axis, array, src)


def masked_fill(input: Tensor, mask: Any, value: Any) -> Tensor:  # noqa: A002
    """`input` with `value` where the boolean `mask` (broadcast) is true; `value` is a number
    or a 0-d tensor (which then gets the gradient of the filled places), in `input`'s dtype.

    >>> ag.tensor([1., 2., 3.]).masked_fill(ag.tensor([True, False, True]), 0.0)
    tensor([0., 2., 0.])
    """
    cond = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with "
                           f"dtype {_dtype_name(cond.dtype)}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s).")
        fill = value.to(input.array.dtype) if value.requires_grad else \
            value.array.astype(input.array.dtype)
    else:
        fill = np.asarray(value).astype(input.array.dtype)
        if not is_host(input.array):  # a NumPy scalar meets a device's array as a number
            fill = fill[()]
            cond = like(cond, input.array)
    try:
        return Where.apply(cond, fill, input)
    except ValueError:
        raise RuntimeError(
            f"masked_fill: the mask of shape {cond.shape} cannot be broadcast with the tensor "
            f"of shape {tuple(input.shape)}") from None


def _in_place(input: Tensor, compute: Callable, name: str, other: Any = None) -> Tensor:  # noqa: A002
    """Make `input` the result of `compute(input)`, in place: recorded as an op (its history
    replaced, as PyTorch's in-place ops do) when a gradient is involved, else written into
    its array (which views of it, such as `.data`, share)."""
    recording = _mode.grad_enabled and (
        input.requires_grad or (isinstance(other, Tensor) and other.requires_grad))
    if recording and input.requires_grad and input.is_leaf:
        raise RuntimeError(
            f"{name}: a leaf Variable that requires grad is being used in an in-place "
            "operation. Do it under `with ag.no_grad():`, or use the out-of-place form.")
    previous = Tensor._make(input.array, input.requires_grad, input.grad_fn)  # no cycle
    out = compute(previous)
    if out.shape != input.shape:
        raise RuntimeError(f"{name}: output with shape {list(input.shape)} doesn't match the "
                           f"broadcast shape {list(out.shape)}")
    if recording:
        mark_modified(input)
        input.array, input.grad_fn = out.array, out.grad_fn
        input._requires_grad = out.requires_grad
        return input
    input.array[...] = out.array
    mark_modified(input)
    return input


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:  # noqa: A002
    """`input` cut along `dim` into at most `chunks` pieces of equal size (the last one may be
    smaller, and there may be fewer pieces, as in PyTorch). The pieces are views in the
    graph: each gets its part of the gradient.

    >>> [c.shape for c in ag.zeros(5, 2).chunk(3)]
    [(2, 2), (2, 2), (1, 2)]
    """
    if not isinstance(chunks, (int, np.integer)) or isinstance(chunks, bool):
        raise TypeError(f"chunk(): chunks must be an int, got {type(chunks).__name__}")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    axis = _normalize_dim(dim, input.ndim, "chunk")
    size = input.shape[axis]
    step = -(-size // chunks)  # the ceiling
    return split(input, step, axis)


def split(input: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple:  # noqa: A002
    """`input` cut along `dim` into pieces: of `split_size_or_sections` each (an int; the last
    may be smaller), or of the sizes listed (which must add up to the size of `dim`).

    >>> [p.tolist() for p in ag.arange(5).split([2, 3])]
    [[0, 1], [2, 3, 4]]
    """
    if input.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    axis = _normalize_dim(dim, input.ndim, "split")
    size = input.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step < 0:
            raise RuntimeError(
                f"split expects split_size be non-negative, but got split_size={step}")
        if step == 0 and size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {size}")
        sizes = [step] * (size // step) + ([size % step] if size % step else []) if step else [0]
    elif isinstance(split_size_or_sections, Sequence):
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input "
                f"tensor's size at dimension {axis}), but got split_sizes={sizes}")
    else:
        raise TypeError(f"split(): split_size_or_sections must be an int or a list of ints, "
                        f"got {type(split_size_or_sections).__name__}")
    lead = (slice(None),) * axis
    bounds = np.cumsum([0, *sizes])
    return tuple(input[lead + (slice(int(lo), int(hi)),)]
                 for lo, hi in zip(bounds[:-1], bounds[1:]))


def _sorted_indices(array: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable sort order along `axis` (NaN last ascending, first descending, as PyTorch).
    CuPy's sort is always stable and takes no `kind`: it is asked only of NumPy."""
    stable = {"kind": "stable"} if is_host(array) else {}
    if not descending:
        return np.argsort(array, axis=axis, **stable)
    flipped = np.flip(array, axis)  # ties keep their order: sort the reversed, reverse back
    order = np.flip(np.argsort(flipped, axis=axis, **stable), axis)
    return array.shape[axis] - 1 - order


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:  # noqa: A002
    """`(values, indices)` of `input` sorted along `dim` (ties keep their order); `values`
    gets the gradient, sent back to where each value came from.

    >>> ag.tensor([3., 1., 2.]).sort(descending=True).indices
    tensor([0, 2, 1])
    """
    if input.ndim == 0:
        _normalize_dim(dim, 0, "sort")
        return ValuesIndices(input.clone(),
                             Tensor._make(np.zeros_like(input.array, np.int64), False, None))
    axis = _normalize_dim(dim, input.ndim, "sort")
    order = _sorted_indices(input.array, axis, descending).astype(np.int64)
    return ValuesIndices(Gather.apply(input, axis, order), Tensor._make(order, False, None))


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,  # noqa: A002
         sorted: bool = True) -> Any:  # noqa: A002
    """`(values, indices)` of the `k` largest (or, with `largest=False`, smallest) elements
    along `dim`, largest first (`sorted=False` gives them in the same order); `values` gets
    the gradient.

    >>> ag.tensor([1., 5., 3.]).topk(2)
    ValuesIndices(values=tensor([5., 3.]), indices=tensor([1, 2]))
    """
    axis = _normalize_dim(dim, input.ndim, "topk")
    size = input.shape[axis] if input.ndim else 1
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 <= k <= size:
        raise RuntimeError(
            f"selected index k out of range: topk(k={k}) along dimension {axis} of size {size} "
            f"(shape {tuple(input.shape)})")
    if input.ndim == 0:
        return sort(input)
    order = _sorted_indices(input.array, axis, descending=largest)
    order = order[(slice(None),) * axis + (slice(0, k),)].astype(np.int64)
    return ValuesIndices(Gather.apply(input, axis, order), Tensor._make(order, False, None))


# --- the Tensor methods: x.gather(1, i) is gather(x, 1, i); the in-place forms here ----------

def _scatter_(self: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
              reduce: str | None = None) -> Tensor:
    """`scatter`, in place."""
    other = src if src is not None else value
    return _in_place(self, lambda t: scatter(t, dim, index, src, value=value, reduce=reduce),
                     "scatter_", other)


def _scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """`scatter_add`, in place."""
    return _in_place(self, lambda t: scatter_add(t, dim, index, src), "scatter_add_", src)


def _masked_fill_(self: Tensor, mask: Any, value: Any) -> Tensor:
    """`masked_fill`, in place (the mask must broadcast to this tensor's shape)."""
    return _in_place(self, lambda t: masked_fill(t, mask, value), "masked_fill_", value)


for _function in (gather, scatter, scatter_add, masked_fill):
    setattr(Tensor, _function.__name__, _function)
for _function in (chunk, split, sort, topk):
    setattr(Tensor, _function.__name__, _numpy_names(_function))
Tensor.scatter_ = _scatter_
Tensor.scatter_add_ = _scatter_add_
Tensor.masked_fill_ = _masked_fill_
