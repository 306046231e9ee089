"""The one place the op property tests draw their inputs from (minitorch's `tensor_strategies`).

Shapes stay small (at most 3 dims of side 3) because every example of a gradient test builds a
finite-difference Jacobian. Values stay in safe ranges: away from kinks for relu, abs, clamp and
max, positive where a log is taken, distinct where a maximum is picked.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_DIMS = 3
MAX_SIDE = 3


# ----- shapes ---------------------------------------------------------------------------------

def shapes(min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1,
           max_side: int = MAX_SIDE) -> st.SearchStrategy[tuple]:
    """Array shapes, including 0-d and size-1 dimensions."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(num: int = 2, min_dims: int = 0, max_dims: int = MAX_DIMS,
                         max_side: int = MAX_SIDE) -> st.SearchStrategy[tuple]:
    """`num` shapes that broadcast together: different ranks, size-1 dimensions stretched."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num, min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side,
    ).map(lambda b: b.input_shapes)


def dims(ndim: int) -> st.SearchStrategy[int]:
    """A valid dimension of an `ndim`-d tensor, negative ones included."""
    return st.integers(-ndim, ndim - 1)


@st.composite
def dim_tuples(draw: st.DrawFn, ndim: int, min_size: int = 1) -> tuple:
    """Distinct dimensions of an `ndim`-d tensor, each written positive or negative."""
    chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=min_size, max_size=ndim,
                           unique=True))
    return tuple(d - ndim if draw(st.booleans()) else d for d in chosen)


def reduce_dims(ndim: int) -> st.SearchStrategy:
    """What a reduction takes as `dim`: None, an int or a tuple of ints."""
    if ndim == 0:
        return st.none()
    return st.one_of(st.none(), dims(ndim), dim_tuples(ndim))


keepdims = st.booleans()


# ----- values ---------------------------------------------------------------------------------

def arrays(shape: tuple, low: float = -2.0, high: float = 2.0,
           dtype: type = np.float64) -> st.SearchStrategy[np.ndarray]:
    """Finite values in [low, high] (representable in `dtype`)."""
    width = 32 if np.dtype(dtype) == np.float32 else 64
    if width == 32:  # the nearest float32 inside [low, high]
        low = float(np.nextafter(np.float32(low), np.float32(np.inf)) if np.float32(low) < low
                    else np.float32(low))
        high = float(np.nextafter(np.float32(high), np.float32(-np.inf))
                     if np.float32(high) > high else np.float32(high))
    return hnp.arrays(dtype, shape, elements=st.floats(
        low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=width))


def positive_arrays(shape: tuple, low: float = 0.2, high: float = 3.0,
                    dtype: type = np.float64) -> st.SearchStrategy[np.ndarray]:
    """Values where log, sqrt and fractional powers are smooth."""
    return arrays(shape, low, high, dtype)


def push_away(a: np.ndarray, points: tuple = (0.0,), margin: float = 0.1) -> np.ndarray:
    """`a` with every value closer than `margin` to one of `points` moved `margin` away."""
    a = np.array(a, copy=True)
    for p in points:
        near = np.abs(a - p) < margin
        a[near] = p + margin * np.where(a[near] >= p, 1.0, -1.0)
    return a


def arrays_away_from(shape: tuple, points: tuple = (0.0,), margin: float = 0.1,
                     low: float = -2.0, high: float = 2.0,
                     dtype: type = np.float64) -> st.SearchStrategy[np.ndarray]:
    """Values at least `margin` from every kink in `points` (relu at 0, clamp at its bounds)."""
    return arrays(shape, low, high, dtype).map(
        lambda a: push_away(a, points, margin).astype(dtype))


@st.composite
def distinct_arrays(draw: st.DrawFn, shape: tuple, gap: float = 0.25,
                    dtype: type = np.float64) -> np.ndarray:
    """Values that are pairwise at least `gap` apart, in random order: no ties for max/min,
    so finite differences never cross from one winner to another."""
    n = int(np.prod(shape, dtype=np.int64))
    order = np.array(draw(st.permutations(range(n))), dtype=np.float64)
    offset = draw(st.floats(-1.0, 1.0))
    return ((order - n / 2) * gap + offset).reshape(shape).astype(dtype)


@st.composite
def interleaved_pair(draw: st.DrawFn, shape_a: tuple, shape_b: tuple,
                     dtype: type = np.float64) -> tuple:
    """Two arrays whose elements never come within 0.25 of each other (maximum/minimum
    without ties): one on the even quarters of the grid, one on the odd."""
    ints = st.integers(-6, 6)
    a = draw(hnp.arrays(np.int64, shape_a, elements=ints)) * 0.5
    b = draw(hnp.arrays(np.int64, shape_b, elements=ints)) * 0.5 + 0.25
    return a.astype(dtype), b.astype(dtype)


# ----- composite inputs -----------------------------------------------------------------------

@st.composite
def array_and_dim(draw: st.DrawFn, min_dims: int = 1, values: str = "any",
                  dtype: type = np.float64) -> tuple:
    """An array and one of its dimensions (softmax, max(dim), cat, ...)."""
    shape = draw(shapes(min_dims=min_dims))
    a = draw(distinct_arrays(shape, dtype=dtype) if values == "distinct"
             else arrays(shape, dtype=dtype))
    return a, draw(dims(len(shape)))


@st.composite
def array_and_reduce_dims(draw: st.DrawFn, values: str = "any", min_dims: int = 0,
                          min_side: int = 1, dtype: type = np.float64) -> tuple:
    """An array, a `dim` argument (None, int or tuple) and a `keepdim` flag."""
    shape = draw(shapes(min_dims=min_dims, min_side=min_side))
    a = draw(distinct_arrays(shape, dtype=dtype) if values == "distinct"
             else arrays(shape, dtype=dtype))
    return a, draw(reduce_dims(len(shape))), draw(keepdims)


@st.composite
def matmul_shapes(draw: st.DrawFn, kind: str) -> tuple:
    """Shapes of a matmul's operands: "1@1", "1@2", "2@1", "2@2", "batched" (batch dims that
    broadcast, of different ranks) or "batched@1" / "1@batched"."""
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    if kind == "1@1":
        return (k,), (k,)
    if kind == "1@2":
        return (k,), (k, n)
    if kind == "2@1":
        return (m, k), (k,)
    if kind == "2@2":
        return (m, k), (k, n)
    batch_a, batch_b = draw(broadcastable_shapes(2, min_dims=0, max_dims=2, max_side=2))
    if kind == "batched":
        return batch_a + (m, k), batch_b + (k, n)
    if kind == "batched@1":
        return batch_a + (m, k), (k,)
    if kind == "1@batched":
        return (k,), batch_b + (k, n)
    raise ValueError(kind)


def _forward_steps(index: object) -> object:
    items = index if isinstance(index, tuple) else (index,)
    items = tuple(slice(i.start, i.stop, -i.step) if isinstance(i, slice) and (i.step or 1) < 0
                  else i for i in items)
    return items if isinstance(index, tuple) else items[0]


def basic_indices(shape: tuple) -> st.SearchStrategy:
    """NumPy's basic indices into `shape` (ints, negative too, slices with steps, None and
    ...); the steps are positive, as PyTorch refuses negative ones."""
    return hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True).map(_forward_steps)


@st.composite
def repeated_int_index(draw: st.DrawFn, size: int) -> np.ndarray:
    """Integer indices into a dimension of `size`, negative ones included, with at least one
    index repeated (so the gradient must add up, not overwrite)."""
    picks = draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=5))
    return np.array(picks + [draw(st.sampled_from(picks))], dtype=np.int64)


@st.composite
def boolean_mask(draw: st.DrawFn, shape: tuple) -> np.ndarray:
    """A boolean mask of `shape` with at least one True."""
    mask = draw(hnp.arrays(np.bool_, shape))
    mask.flat[draw(st.integers(0, mask.size - 1))] = True
    return mask


@st.composite
def reshape_targets(draw: st.DrawFn, shape: tuple) -> tuple:
    """A different shape of the same size: the sides permuted, 1s inserted, one side -1."""
    target = list(draw(st.permutations(shape)))
    for _ in range(draw(st.integers(0, 2))):
        target.insert(draw(st.integers(0, len(target))), 1)
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(target)


@st.composite
def pads(draw: st.DrawFn, ndim: int) -> tuple:
    """An `F.pad` argument for an `ndim`-d tensor: pairs of non-negative widths, last dim
    first."""
    pairs = draw(st.integers(1, max(ndim, 1)))
    return tuple(draw(st.integers(0, 2)) for _ in range(2 * pairs))
