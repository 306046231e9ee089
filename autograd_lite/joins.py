"""Functions over several tensors: matmul, dot, outer, maximum, minimum, where, cat, stack
and pad. Each checks its arguments, promotes dtypes as PyTorch does, then applies an op from
`ops/` (or composes Tensor methods)."""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from .arrays import as_array, ndarray
from .function import _mode, mark_modified
from .ops import Cat, Einsum, MatMul, Maximum, Minimum, Pad, Where
from .promotion import _CATEGORY, _dtype_name, _needs_promotion, _promoted, result_type
from .tensor import Tensor, _as_tensor, _binary, _normalize_dim, _operand, _shape_of

__all__ = ["matmul", "dot", "outer", "maximum", "minimum", "where", "cat", "stack", "pad", "mm",
           "einsum", "isclose", "allclose"]


def matmul(a: Any, b: Any, *, out: Tensor | None = None) -> Tensor:
    """Matrix product with NumPy's rules: 1-D operands are vectors, batch dims broadcast.
    With `out=`, the result is written into that tensor (resized if needed) and returned;
    as in PyTorch this is not recorded, so no operand may require grad."""
    if out is not None:
        return _into(out, "matmul", matmul, a, b)
    if _needs_promotion(a, b):
        a, b = _promoted((a, b))
    try:
        return MatMul.apply(a, b)
    except ValueError:  # the shapes are checked only when NumPy refused them: off the hot path
        raise _matmul_error(_shape_of(a), _shape_of(b)) from None


def _matmul_error(shape_a: tuple, shape_b: tuple) -> RuntimeError:
    if not shape_a or not shape_b:
        return RuntimeError(
            f"matmul: both arguments need to be at least 1D, but they are "
            f"{len(shape_a)}D and {len(shape_b)}D (shapes {shape_a} and {shape_b}); "
            "use * for a product with a scalar")
    k_a = shape_a[-1]
    k_b = shape_b[0] if len(shape_b) == 1 else shape_b[-2]
    if k_a != k_b:
        return RuntimeError(
            f"matmul: shapes {shape_a} and {shape_b} cannot be multiplied "
            f"({k_a} != {k_b}): the last dimension of the first must equal the "
            f"{'only' if len(shape_b) == 1 else 'second-to-last'} dimension of the second")
    return RuntimeError(
        f"matmul: the batch dimensions of {shape_a} and {shape_b} cannot be broadcast together")


def dot(a: Tensor, b: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of the same length."""
    a, b = _as_tensor(a), _as_tensor(b)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(
            f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors; "
            "use matmul for matrices")
    if a.shape != b.shape:
        raise RuntimeError(
            f"dot: inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
            f"[{b.shape[0]}] to have the same number of elements")
    return MatMul.apply(*_promoted((a, b)))


def outer(a: Tensor, b: Tensor) -> Tensor:
    """Outer product of two 1-D tensors: `a[i] * b[j]`."""
    a, b = _as_tensor(a), _as_tensor(b)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"outer: 1D tensors expected, but got {a.ndim}D and {b.ndim}D")
    return a.unsqueeze(1) * b.unsqueeze(0)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum; ties send half the gradient to each side."""
    return _binary(Maximum, _operand(a), _operand(b), "maximum")


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum; ties send half the gradient to each side."""
    return _binary(Minimum, _operand(a), _operand(b), "minimum")


def where(condition: Any, a: Any = None, b: Any = None) -> Any:
    """`a` where `condition` is true, else `b` (both broadcast); no gradient to `condition`.

    With the condition alone, `where(condition)` is `condition.nonzero(as_tuple=True)`, as in
    PyTorch: a tuple of int64 index tensors, one per dimension (one for a 0-d condition).
    """
    if a is None and b is None:
        return _nonzero(condition)
    if a is None or b is None:
        raise TypeError("where() takes either one argument (the condition) or three "
                        "(condition, input, other)")
    cond = condition.array if isinstance(condition, Tensor) else as_array(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(
            f"where: expected the condition to be a boolean tensor, but got dtype "
            f"{_dtype_name(cond.dtype)} (use e.g. `x > 0`, or .bool())")
    a, b = _promoted((_operand(a), _operand(b)))
    if not isinstance(a, Tensor | ndarray) and not isinstance(b, Tensor | ndarray):
        # two Python numbers: NumPy would pick float64 / int64 by itself; PyTorch's result
        # type gives a float the default dtype (float32)
        dtype = result_type(a, b)
        a, b = np.asarray(a, dtype), np.asarray(b, dtype)
    try:
        return Where.apply(cond, a, b)
    except ValueError:
        raise RuntimeError(
            f"where: the shapes of condition {cond.shape}, input {_shape_of(a)} and other "
            f"{_shape_of(b)} cannot be broadcast together") from None


def _nonzero(condition: Any) -> tuple:
    """The indices of the nonzero elements of `condition`, one int64 tensor per dimension."""
    data = condition.array if isinstance(condition, Tensor) else as_array(condition)
    indices = np.nonzero(np.atleast_1d(data))
    return tuple(Tensor._make(i.astype(np.int64), False, None) for i in indices)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension `dim`.

    As in PyTorch, a 1-D empty tensor (shape `(0,)`) joins tensors of any shape: it adds
    nothing but still takes part in the result's dtype.
    """
    tensors = [_as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    # PyTorch's legacy rule: 1-D empty tensors are skipped by the shape checks
    shaped = [t for t in tensors if t.shape != (0,)]
    skip_empty = bool(shaped)
    first = shaped[0] if shaped else tensors[0]
    axis = _normalize_dim(dim, first.ndim, "cat") if first.ndim else None
    if axis is None:
        position = next(i for i, t in enumerate(tensors) if t is first)
        raise RuntimeError(f"cat(): zero-dimensional tensor (at position {position}) cannot "
                           "be concatenated; use stack")
    for i, t in enumerate(tensors):
        if skip_empty and t.shape == (0,):
            continue
        if t.ndim != first.ndim:
            raise RuntimeError(
                f"cat(): Tensors must have same number of dimensions: got {first.ndim} and "
                f"{t.ndim} (tensor {i} has shape {tuple(t.shape)})")
        for d in range(first.ndim):
            if d != axis and t.shape[d] != first.shape[d]:
                raise RuntimeError(
                    f"cat(): Sizes of tensors must match except in dimension {axis}. Expected "
                    f"size {first.shape[d]} but got size {t.shape[d]} for tensor number {i} in "
                    f"the list (shapes {tuple(first.shape)} and {tuple(t.shape)}).")
    tensors = list(_promoted(tensors))
    if skip_empty and first.ndim != 1:
        # a skipped tensor joins as an empty slice of the others' shape (so it still gets
        # its empty gradient)
        empty = first.shape[:axis] + (0,) + first.shape[axis + 1:]
        tensors = [t.reshape(empty) if t.shape == (0,) else t for t in tensors]
    return Cat.apply(axis, *tensors)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dimension `dim`."""
    tensors = [_as_tensor(t) for t in tensors]
    if not tensors:
        raise RuntimeError("stack(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} "
                f"at entry 0 and {list(t.shape)} at entry {i}")
    axis = _normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return Cat.apply(axis, *(t.unsqueeze(axis) for t in _promoted(tensors)))


def pad(x: Tensor, pad: Sequence[int], value: float = 0.0) -> Tensor:
    """Pad with a constant; `pad` is PyTorch's `F.pad` order: last dimension first,
    `(left, right, top, bottom, ...)`. A negative width crops that side instead, as in
    PyTorch."""
    x = _as_tensor(x)
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise RuntimeError(
            f"pad: the padding length must be even and at most twice the number of dimensions "
            f"of the input (shape {tuple(x.shape)}, {x.ndim}-D); got {len(pad)} values {pad}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if all(lo >= 0 and hi >= 0 for lo, hi in widths):
        return Pad.apply(x, tuple(widths), value)
    for d, (lo, hi) in enumerate(widths):
        if x.shape[d] + min(lo, 0) + min(hi, 0) < 0:
            raise RuntimeError(
                f"pad: the input size {x.shape[d]} of dimension {d} (shape {tuple(x.shape)}), "
                f"cropped by the negative padding ({lo}, {hi}), would be negative; got {pad}")
    grow = tuple((max(lo, 0), max(hi, 0)) for lo, hi in widths)
    out = Pad.apply(x, grow, value) if any(lo or hi for lo, hi in grow) else x
    return out[tuple(slice(-min(lo, 0), n + min(hi, 0))
                     for (lo, hi), n in zip(widths, out.shape))]


def _into(out: Tensor, name: str, function: Any, *args: Any) -> Tensor:
    """`function(*args)` written into `out` (PyTorch's `out=`): not differentiable."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if _mode.grad_enabled and any(isinstance(t, Tensor) and t.requires_grad
                                  for t in (*args, out)):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad.")
    result = function(*args).array
    if result.dtype != out.array.dtype:
        if _CATEGORY[result.dtype.kind] > _CATEGORY[out.array.dtype.kind]:
            raise RuntimeError(f"{name}(): result type {_dtype_name(result.dtype)} can't be "
                               f"cast to the desired output type {_dtype_name(out.array.dtype)}")
        result = result.astype(out.array.dtype)
    if result.shape == out.array.shape:
        out.array[...] = result
    else:  # PyTorch resizes `out` to the result's shape
        out.array = result if type(result) is ndarray and result.base is None else \
            result.copy()  # (a device's result: copied, whatever it shares)
    mark_modified(out)
    return out


def mm(input: Any, mat2: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The product of two matrices (2-D only; `matmul` also takes vectors and batches)."""
    a, b = _as_tensor(input), _as_tensor(mat2)
    for what, t in (("self", a), ("mat2", b)):
        if t.ndim != 2:
            raise RuntimeError(f"{what} must be a matrix (got a {t.ndim}-D tensor of shape "
                               f"{tuple(t.shape)}); mm multiplies 2-D tensors, matmul others")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
            f"{b.shape[0]}x{b.shape[1]})")
    return matmul(a, b, out=out)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation, as `torch.einsum`: `ag.einsum("ij,jk->ik", a, b)` is `a @ b`. The
    operands come as arguments or as one list; without `->` the output has the labels seen
    once, in alphabetical order; `...` stands for the leading (broadcast) dimensions.
    Differentiable in every operand, to any order.

    >>> ag.einsum("ii->", ag.eye(3))  # the trace
    tensor(3.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    tensors = [_as_tensor(t) for t in operands]
    explicit = _explicit_equation(equation, [t.shape for t in tensors])
    tensors = list(_promoted(tensors)) if len(tensors) > 1 else tensors
    return Einsum.apply(explicit, *tensors)


def _explicit_equation(equation: str, shapes: list) -> str:
    """`equation` with the output written out and every `...` replaced by letters, checked
    against the operands' shapes with PyTorch's errors."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    subscripts = inputs.split(",")
    if len(subscripts) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           f"equation {equation!r}")
    if len(subscripts) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           f"equation {equation!r}")
    for text in (*subscripts, output):
        bad = set(text.replace("...", "")) - set(string.ascii_letters)
        if bad or text.count("...") > 1:
            raise RuntimeError(f"einsum(): invalid subscript given in the equation "
                               f"{equation!r}: only letters and one '...' per operand")
    free = [c for c in string.ascii_letters if c not in equation]
    broadcast = 0
    for i, (text, shape) in enumerate(zip(subscripts, shapes)):
        labels = len(text.replace("...", ""))
        if ("..." in text and labels > len(shape)) or ("..." not in text
                                                       and labels != len(shape)):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({labels}) does not match "
                f"the number of dimensions ({len(shape)}) for operand {i}"
                f"{'' if '...' in text else ' and no ellipsis was given'}")
        if "..." in text:
            broadcast = max(broadcast, len(shape) - labels)
    ellipsis = "".join(free[:broadcast])
    explicit = []
    for text, shape in zip(subscripts, shapes):
        if "..." in text:
            count = len(shape) - len(text.replace("...", ""))
            text = text.replace("...", ellipsis[len(ellipsis) - count:])
        explicit.append(text)
    if not arrow:  # implicit: the labels seen once, in alphabetical order
        labels = "".join(subscripts).replace("...", "")
        output = ellipsis + "".join(sorted(c for c in set(labels) if labels.count(c) == 1))
    else:
        output = output.replace("...", ellipsis)
    sizes: dict = {}
    for i, (text, shape) in enumerate(zip(explicit, shapes)):
        for letter, size in zip(text, shape):
            seen = sizes.setdefault(letter, size)
            if size != seen and 1 not in (size, seen):
                raise RuntimeError(
                    f"einsum(): subscript {letter} has size {size} for operand {i} which does "
                    f"not broadcast with previously seen size {seen}")
            if seen == 1:
                sizes[letter] = size
    for letter in output:
        if letter not in sizes:
            raise RuntimeError(f"einsum(): output subscript {letter} does not appear in the "
                               f"equation for any input operand")
    if len(set(output)) != len(output):
        raise RuntimeError(f"einsum(): output subscript {output} appears more than once in "
                           "the output")
    return ",".join(explicit) + "->" + output


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """Elementwise `|input - other| <= atol + rtol * |other|` (PyTorch's defaults), as a bool
    tensor; NaNs are equal only with `equal_nan=True`. Both must be Tensors of one dtype."""
    return _isclose(input, other, rtol, atol, equal_nan, "isclose")


def _isclose(input: Tensor, other: Tensor, rtol: float, atol: float,  # noqa: A002
             equal_nan: bool, name: str) -> Tensor:
    for what, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{what}' must be Tensor, not "
                            f"{type(t).__name__}")
    if input.array.dtype != other.array.dtype:
        raise RuntimeError(
            f"{name}(): {_dtype_name(input.array.dtype)} did not match "
            f"{_dtype_name(other.array.dtype)}: both tensors need the same dtype (convert one "
            "with .to())")
    a, b = input.array, other.array
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise _size_mismatch(a.shape, b.shape) from None
    close = np.isclose(a, b, rtol, atol, equal_nan)
    return Tensor._make(as_array(close), False, None)


def _size_mismatch(a: tuple, b: tuple) -> RuntimeError:
    """PyTorch's error for shapes that do not broadcast, naming the first dimension at fault."""
    for d in range(1, max(len(a), len(b)) + 1):
        m, n = (a[-d] if d <= len(a) else 1), (b[-d] if d <= len(b) else 1)
        if m != n and 1 not in (m, n):
            return RuntimeError(
                f"The size of tensor a ({m}) must match the size of tensor b ({n}) at "
                f"non-singleton dimension {max(len(a), len(b)) - d}")
    return RuntimeError(f"the shapes {a} and {b} cannot be broadcast together")


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """Whether `isclose` holds everywhere: a Python bool, as `torch.allclose`.

    >>> ag.allclose(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0 + 1e-6]))
    True
    """
    return bool(_isclose(input, other, rtol, atol, equal_nan, "allclose").array.all())


# --- the Tensor methods among these functions: installed here, where the functions live ------

def _where_method(self: Tensor, condition: Any, other: Any) -> Tensor:
    """This tensor where `condition` is true, else `other`: `ag.where(condition, self,
    other)`."""
    return where(condition, self, other)


def _matmul_operator(reflected: bool) -> Any:
    def operator(self: Tensor, other: Any) -> Any:
        other = _operand(other)
        if other is NotImplemented:
            return NotImplemented
        return matmul(other, self) if reflected else matmul(self, other)
    operator.__name__ = "__rmatmul__" if reflected else "__matmul__"
    return operator


for _function in (matmul, dot, outer, maximum, minimum, mm, isclose, allclose):  # x.mm(y)
    setattr(Tensor, _function.__name__, _function)
Tensor.where = _where_method
Tensor.__matmul__ = _matmul_operator(reflected=False)
Tensor.__rmatmul__ = _matmul_operator(reflected=True)
