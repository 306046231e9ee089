"""Shape ops: views and rearrangements. Their derivatives put the gradient back in place."""

from __future__ import annotations

import numpy as np

from ..function import Function


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


class Permute(Function):
    """$f(a)$ = `a` with its axes reordered; the gradient is permuted back."""
    label = "permute"

    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return np.transpose(a, axes)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, np.argsort(ctx.axes)), None


class Expand(Function):
    """$f(a)$ = `a` broadcast to `shape`; the engine sums the gradient back to `a`'s shape."""
    label = "expand"

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


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


class IndexAdd(Function):
    """$f(g) = $ zeros of `shape` with `g` added at `index`: the derivative of indexing, and
    an op itself so that gradients of gradients go through it."""
    label = "index_add"

    @staticmethod
    def forward(ctx, grad, shape, index):
        ctx.index = index
        out = np.zeros(shape, dtype=grad.dtype)
        np.add.at(out, index, grad)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Index.in_backward(grad, ctx.index), None, None


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
