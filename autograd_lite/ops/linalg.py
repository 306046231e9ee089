"""Linear algebra: matrix products with NumPy's rules for 1-D and batched operands."""

from __future__ import annotations

import numpy as np

from ..formula import ATOM, PRODUCT, UNARY, Sym
from ..function import Function


class MatMul(Function):
    """$C = AB$, so $\\partial L/\\partial A = G B^T$ and $\\partial L/\\partial B = A^T G$.

    A 1-D operand is a row (on the left) or a column (on the right), as in NumPy; batch
    dimensions broadcast, and the engine sums their gradients back.
    """
    label = "@"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a_vec, b_vec = a.ndim == 1, b.ndim == 1
        if a_vec and b_vec:
            return (grad * b if need_a else None), (grad * a if need_b else None)
        if a_vec:                      # (k) @ (..., k, n) -> (..., n)
            a, grad = a[None, :], np.expand_dims(grad, -2)
        if b_vec:                      # (..., m, k) @ (k) -> (..., m)
            b, grad = b[:, None], np.expand_dims(grad, -1)
        grad_a = grad_b = None
        if need_a:
            grad_a = np.matmul(grad, b.swapaxes(-1, -2))  # a method: on arrays and Tensors
            if a_vec:
                grad_a = grad_a[..., 0, :]
        if need_b:
            grad_b = np.matmul(a.swapaxes(-1, -2), grad)
            if b_vec:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b

    @classmethod
    def present(cls, ctx, operands):
        return Sym(f"{operands[0].at(PRODUCT)} @ {operands[1].at(UNARY)}", PRODUCT)

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        if index == 0:
            return f"{g.at(PRODUCT)} @ {operands[1].at(ATOM)}.T"
        return f"{operands[0].at(ATOM)}.T @ {g.at(UNARY)}"
