"""Shape ops: views and rearrangements. Their derivatives put the gradient back in place."""

from __future__ import annotations

import numpy as np

from ..formula import ATOM, Sym, call, describe_index
from ..function import Function


def zeros(shape: tuple, like: np.ndarray) -> np.ndarray:
    """Zeros of `shape` in `like`'s dtype, on `like`'s device (NumPy's own on the CPU: calloc
    is the cheapest)."""
    if type(like) is np.ndarray:
        return np.zeros(shape, like.dtype)
    return np.zeros_like(like, shape=shape)


def _transposed(a: Sym, axes: tuple) -> Sym:
    """``a.T`` for a matrix, else ``permute(a, axes)``."""
    if tuple(axes) == (1, 0):
        return Sym(f"{a.at(ATOM)}.T")
    return call("permute", a, tuple(int(x) for x in axes))


class Reshape(Function):
    """$f(a) = a$ with a new shape; the gradient takes the old shape back."""
    label = "reshape"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return np.reshape(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return np.reshape(grad, ctx.in_shape), None

    @classmethod
    def present(cls, ctx, operands):
        return call("reshape", operands[0], ctx.out_data.shape)

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return f"reshape({g.text}, {ctx.in_shape})"

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"reshape({', '.join(map(str, ctx.out_data.shape))})"


class Permute(Function):
    """$f(a)$ = `a` with its axes reordered; the gradient is permuted back."""
    label = "permute"

    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return np.transpose(a, axes)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, tuple(np.argsort(ctx.axes).tolist())), None

    @classmethod
    def present(cls, ctx, operands):
        return _transposed(operands[0], ctx.axes)

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return _transposed(g, np.argsort(ctx.axes)).text

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        if tuple(ctx.axes) == (1, 0):
            return ".T"
        return f"permute({', '.join(map(str, ctx.axes))})"


class Expand(Function):
    """$f(a)$ = `a` broadcast to `shape`; the engine sums the gradient back to `a`'s shape."""
    label = "expand"

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None

    @classmethod
    def present(cls, ctx, operands):
        return call("expand", operands[0], ctx.out_data.shape)

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return f"{g.text} summed to shape {ctx.input_shapes[0]}"

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"expand({', '.join(map(str, ctx.out_data.shape))})"


class Index(Function):
    """$f(a) = a[i]$; the gradient is scattered back, adding where indices repeat."""
    label = "index"

    @staticmethod
    def forward(ctx, a, index):
        ctx.in_shape, ctx.index = a.shape, index
        return a[index]

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.in_backward(grad, ctx.in_shape, ctx.index), None

    @classmethod
    def present(cls, ctx, operands):
        return Sym(f"{operands[0].at(ATOM)}[{describe_index(ctx.index)}]")

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return f"{g.text} put at [{describe_index(ctx.index)}] of zeros{ctx.in_shape}"

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"[{describe_index(ctx.index)}]"


class IndexAdd(Function):
    """$f(g) = $ zeros of `shape` with `g` added at `index`: the derivative of indexing, and
    an op itself so that gradients of gradients go through it."""
    label = "index_add"

    @staticmethod
    def forward(ctx, grad, shape, index):
        ctx.index = index
        out = zeros(shape, grad)
        np.add.at(out, index, grad)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Index.in_backward(grad, ctx.index), None, None


class IndexPut(Function):
    """$f(a, v)$ = `a` with `v` written at `index`: `a[index] = v` on a tensor in the graph
    (PyTorch's CopySlices). The gradient to `a` is the incoming one with zeros at `index`
    (those values were overwritten); `v` gets the incoming one at `index`, summed to its
    shape."""
    label = "index_put"

    @staticmethod
    def forward(ctx, a, value, index):
        ctx.index, ctx.value_ndim = index, np.ndim(value)
        out = a.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        need_a, need_value, _ = ctx.needs_input_grad
        grad_a = IndexPut.in_backward(grad, 0, ctx.index) if need_a else None
        grad_value = None
        if need_value:
            grad_value = Index.in_backward(grad, ctx.index)
            extra = ctx.value_ndim - np.ndim(grad_value)
            if extra > 0:  # NumPy assigns a value with leading 1s beyond the slice's rank
                grad_value = np.reshape(grad_value, (1,) * extra + np.shape(grad_value))
        return grad_a, grad_value, None

    @classmethod
    def present(cls, ctx, operands):
        return call("index_put", operands[0], f"[{describe_index(ctx.index)}]", operands[1])

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        where = describe_index(ctx.index)
        if index == 0:
            return f"{g.text} with zeros at [{where}]"
        return f"{g.text}[{where}]"

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"[{describe_index(ctx.index)}] ="


class Cat(Function):
    """$f(a_1, ..., a_n)$ = the arrays joined along `axis`; each gets its slice of the
    gradient."""
    label = "cat"

    @staticmethod
    def forward(ctx, axis, *arrays):
        ctx.axis = axis
        ctx.bounds = np.cumsum([0] + [a.shape[axis] for a in arrays])
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.axis
        bounds = ctx.bounds
        return (None,) + tuple(
            grad[lead + (slice(int(bounds[i]), int(bounds[i + 1])),)] if need else None
            for i, need in enumerate(ctx.needs_input_grad[1:]))

    @classmethod
    def present(cls, ctx, operands):
        return call("cat", "[" + ", ".join(o.text for o in operands[1:]) + "]",
                    f"dim={ctx.axis}")

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return f"{operands[index].text}'s slice of {g.text}"

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"cat(dim={ctx.axis})"


class Pad(Function):
    """$f(a)$ = `a` padded with a constant; the gradient is the inner slice."""
    label = "pad"

    @staticmethod
    def forward(ctx, a, widths, value):
        ctx.inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        return np.pad(a, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.inner], None, None

    @classmethod
    def present(cls, ctx, operands):
        return call("pad", operands[0], ctx.args[1])

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return f"the inner part of {g.text}"

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return "pad"
