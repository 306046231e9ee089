"""Linear algebra: matrix products with NumPy's rules for 1-D and batched operands."""

from __future__ import annotations

import string

import numpy as np

from ..arrays import like
from ..formula import ATOM, PRODUCT, UNARY, Sym, call
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


class Einsum(Function):
    """$f(a_1, ..., a_n)$ = `np.einsum(equation, a_1, ..., a_n)`, with an explicit equation
    (`"ij,jk->ik"`: every label named, no `...`). The gradient of operand $k$ is itself an
    einsum: the incoming gradient times the other operands, summed to $k$'s labels; a label
    that only $k$ has is spread back by a vector of ones, and a repeated one (a diagonal,
    `"ii->i"`) by an identity matrix."""
    label = "einsum"

    @staticmethod
    def forward(ctx, equation, *operands):
        ctx.equation = equation
        ctx.save_for_backward(*operands)
        return np.einsum(equation, *operands)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        inputs, output = ctx.equation.split("->")
        subscripts = inputs.split(",")
        grads = [None]
        for k, need in enumerate(ctx.needs_input_grad[1:]):
            if not need:
                grads.append(None)
                continue
            equation, constants = _gradient_equation(subscripts, output, k,
                                                     np.shape(operands[k]), grad)
            others = [o for j, o in enumerate(operands) if j != k]
            grads.append(Einsum.in_backward(equation, grad, *others, *constants))
        return tuple(grads)

    @classmethod
    def present(cls, ctx, operands):
        return call("einsum", repr(ctx.equation), *operands[1:])

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"einsum({ctx.equation})"


def _gradient_equation(subscripts: list, output: str, k: int, shape: tuple, grad) -> tuple:
    """The einsum that gives operand `k`'s gradient from (grad, the other operands, the
    constants it returns): ones for labels only operand k has, identities for its repeats,
    made where `grad` lives in its dtype."""
    reference = getattr(grad, "array", grad)  # (a Tensor under create_graph)
    dtype = grad.dtype
    used = set("".join(subscripts) + output)
    fresh = [c for c in string.ascii_letters if c not in used]
    elsewhere = set(output + "".join(s for j, s in enumerate(subscripts) if j != k))
    target, seen, terms, constants = [], {}, [], []
    for letter, size in zip(subscripts[k], shape):
        if letter in seen:  # a repeated label: the gradient lies on the diagonal
            new = fresh.pop(0)
            terms.append(letter + new)
            constants.append(like(np.eye(size, dtype=dtype), reference))
            target.append(new)
        else:
            seen[letter] = size
            target.append(letter)
    for letter, size in seen.items():
        if letter not in elsewhere:  # summed over in operand k alone: spread back evenly
            terms.append(letter)
            constants.append(like(np.ones(size, dtype=dtype), reference))
    others = [s for j, s in enumerate(subscripts) if j != k]
    return ",".join([output, *others, *terms]) + "->" + "".join(target), constants
