"""Ops that pick or place elements by an index tensor along one dimension, as PyTorch's
gather and scatter: `index` has the input's number of dimensions, and element `index[i, j]`
stands for position `i` or `j` along `axis`. Each derivative is the other op of the pair."""

from __future__ import annotations

import numpy as np

from ..arrays import like
from ..formula import ATOM, Sym, call
from ..function import Function
from .shape import Pad, zeros


def full_index(index: np.ndarray, axis: int) -> tuple:
    """`index` along `axis` as a NumPy advanced index: the other dimensions count up."""
    grid = list(np.indices(index.shape, sparse=True))
    if type(index) is not np.ndarray:  # a device's index: the counting ones there too
        grid = [like(g, index) for g in grid]
    grid[axis] = index
    return tuple(grid)


def _cut(src: np.ndarray, shape: tuple) -> np.ndarray:
    """The leading `shape` block of `src` (the part of src that scatter reads)."""
    if src.shape == shape:
        return src
    return src[tuple(slice(0, n) for n in shape)]


def _src_gradient(grad, axis: int, index: np.ndarray, src_shape: tuple):
    """The gradient of scatter's `src`: the gathered gradient, zero beyond index's block."""
    picked = Gather.in_backward(grad, axis, index)
    if src_shape == index.shape:
        return picked
    widths = tuple((0, s - n) for s, n in zip(src_shape, index.shape))
    return Pad.in_backward(picked, widths, 0.0)


class Gather(Function):
    """$f(a)_{ij} = a_{index_{ij}, j}$ (for `axis` 0): the gradient is added back at the
    picked positions (`GatherBackward`), adding where an index repeats."""
    label = "gather"

    @staticmethod
    def forward(ctx, a, axis, index):
        ctx.shape, ctx.axis, ctx.index = a.shape, axis, index
        return a[full_index(index, axis)]

    @staticmethod
    def backward(ctx, grad):
        return GatherBackward.in_backward(grad, ctx.shape, ctx.axis, ctx.index), None, None

    @classmethod
    def present(cls, ctx, operands):
        return call("gather", operands[0], f"dim={ctx.axis}", f"index{ctx.index.shape}")

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return f"{g.text} added at the gathered positions of zeros{ctx.shape}"

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"gather(dim={ctx.axis})"


class GatherBackward(Function):
    """$f(g)$ = zeros of `shape` with `g` added at the positions `index` names along `axis`
    (PyTorch's `scatter_add` into zeros): the derivative of `Gather`, whose own derivative is
    `Gather`."""
    label = "scatter_add"

    @staticmethod
    def forward(ctx, grad, shape, axis, index):
        ctx.axis, ctx.index = axis, index
        out = zeros(shape, grad)
        np.add.at(out, full_index(index, axis), grad)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Gather.in_backward(grad, ctx.axis, ctx.index), None, None, None


class Scatter(Function):
    """$f(a, s)$ = `a` with `s` (or a number) written at the positions `index` names along
    `axis`: the gradient of `a` is the incoming one with those positions zeroed, that of `s`
    the incoming one gathered from them."""
    label = "scatter"

    @staticmethod
    def forward(ctx, a, axis, index, src):
        ctx.axis, ctx.index, ctx.src_shape = axis, index, np.shape(src)
        out = a.copy()
        out[full_index(index, axis)] = _cut(src, index.shape) if np.ndim(src) else src
        return out

    @staticmethod
    def backward(ctx, grad):
        need_a, need_src = ctx.needs_input_grad[0], ctx.needs_input_grad[3]
        axis, index = ctx.axis, ctx.index
        return ((Scatter.in_backward(grad, axis, index, 0.0) if need_a else None), None, None,
                (_src_gradient(grad, axis, index, ctx.src_shape) if need_src else None))

    @classmethod
    def present(cls, ctx, operands):
        src = operands[3] if isinstance(operands[3], Sym) else Sym(str(ctx.args[3]))
        return call("scatter", operands[0], f"dim={ctx.axis}", f"index{ctx.index.shape}", src)

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"scatter(dim={ctx.axis})"


class ScatterAdd(Function):
    """$f(a, s)$ = `a` with `s` added at the positions `index` names along `axis` (adding
    again where an index repeats): the gradient of `a` is the incoming one, that of `s` the
    incoming one gathered from those positions."""
    label = "scatter_add"

    @staticmethod
    def forward(ctx, a, axis, index, src):
        ctx.axis, ctx.index, ctx.src_shape = axis, index, src.shape
        out = a.copy()
        np.add.at(out, full_index(index, axis), _cut(src, index.shape))
        return out

    @staticmethod
    def backward(ctx, grad):
        need_a, need_src = ctx.needs_input_grad[0], ctx.needs_input_grad[3]
        return ((grad if need_a else None), None, None,
                (_src_gradient(grad, ctx.axis, ctx.index, ctx.src_shape) if need_src else None))

    @classmethod
    def present(cls, ctx, operands):
        return Sym(f"{operands[0].at(ATOM)}.scatter_add(dim={ctx.axis}, "
                   f"index{ctx.index.shape}, {operands[3].text})")

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"scatter_add(dim={ctx.axis})"
