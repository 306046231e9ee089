"""Reductions over `axis` (a tuple of non-negative ints, or None for all) with `keepdims`.

Each derivative spreads the output gradient back over the reduced axes: `_keep` puts the reduced
axes back as size 1, and broadcasting against the input does the rest.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..arrays import is_array
from ..formula import PRODUCT, call, dims
from ..function import Function


def _count(shape, axis):
    """How many elements each output element of a reduction over `axis` summarises."""
    return math.prod(shape) if axis is None else math.prod(shape[i] for i in axis)


def _keep(grad, axis, keepdims, ndim):
    """`grad` with the reduced axes restored as size-1 dims."""
    if keepdims or axis is None and ndim == 0:
        return grad
    if axis is None:
        return np.reshape(grad, (1,) * ndim)
    return np.expand_dims(grad, axis)


class Reduction(Function):
    """What the reductions over `axis` with `keepdims` share: how they are written."""

    @classmethod
    def present(cls, ctx, operands):
        keepdim = "keepdim=True" if ctx.args[2] else ""
        return call(cls.label, *(o for o in (operands[0], dims(ctx.args[1]), keepdim) if o))

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        options = dims(ctx.args[1], bool(ctx.args[2]))
        return f"{cls.label}({options})" if options else cls.label


class Sum(Reduction):
    """$f(a) = \\sum_i a_i$, so $\\partial f / \\partial a_i = 1$"""
    label = "sum"

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return np.sum(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        grad = _keep(grad, ctx.axis, ctx.keepdims, len(ctx.shape))
        return np.broadcast_to(grad, ctx.shape), None, None

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return f"{g.text} copied to shape {ctx.shape}"


class Mean(Reduction):
    """$f(a) = \\frac1n \\sum_i a_i$, so $\\partial f / \\partial a_i = 1/n$"""
    label = "mean"

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        ctx.count = _count(a.shape, axis)
        if a.dtype.char in "fd" and a.size:  # np.mean's own steps, without its wrapper
            return np.true_divide(a.sum(axis=axis, keepdims=keepdims), ctx.count, dtype=a.dtype)
        with warnings.catch_warnings():  # half and complex; empty: nan, silently as PyTorch
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.mean(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        grad = _keep(grad, ctx.axis, ctx.keepdims, len(ctx.shape))
        return np.broadcast_to(grad / ctx.count, ctx.shape), None, None

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return f"{g.at(PRODUCT)} / {ctx.count} copied to shape {ctx.shape}"


class Std(Reduction):
    """$f(a) = \\sqrt{\\sum_i (a_i - \\bar a)^2 / (n - c)}$ with correction $c$, so
    $\\partial f / \\partial a_i = (a_i - \\bar a) / ((n - c) f)$, taken as 0 where $f = 0$
    (a kink, as of $|x|$ at 0), as PyTorch's StdBackward does: second derivatives too."""
    label = "std"

    @staticmethod
    def forward(ctx, a, axis, keepdims, correction):
        count = _count(a.shape, axis)
        ctx.axis, ctx.keepdims, ctx.ndim = axis, keepdims, a.ndim
        ctx.count, ctx.divisor = count, max(count - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):  # n <= c, or empty: nan, as torch
            centered = a - np.sum(a, axis=axis, keepdims=True) / count
            ans = np.sqrt(np.sum(centered * centered, axis=axis, keepdims=keepdims)
                          / ctx.divisor)
        ctx.save_for_backward(a, ans)
        return ans

    @staticmethod
    def backward(ctx, grad):
        a, ans = ctx.saved_tensors
        axis, keepdims, ndim = ctx.axis, ctx.keepdims, ctx.ndim
        centered = a - np.sum(a, axis=axis, keepdims=True) / ctx.count
        ans = _keep(ans, axis, keepdims, ndim)
        zero = ans == 0
        safe = np.where(zero, 1.0, ans)  # no 0 / 0 in the branch not taken, nor its gradient
        grad = _keep(grad, axis, keepdims, ndim)
        return np.where(zero, 0.0, grad * centered / (safe * ctx.divisor)), None, None, None

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return (f"{g.at(PRODUCT)} * ({operands[0].text} - its mean) / ({ctx.divisor:g} * "
                f"{out.text}), 0 where {out.text} = 0")


class Amax(Reduction):
    """$f(a) = \\max_i a_i$ over `axis`; ties share the gradient evenly, as PyTorch's
    `amax` and full `max()` do."""
    label = "max"

    @staticmethod
    def forward(ctx, a, axis, keepdims, reduce=np.max):
        ans = reduce(a, axis=axis, keepdims=True)
        ctx.hit = a == ans
        ctx.axis, ctx.keepdims, ctx.ndim = axis, keepdims, a.ndim
        return ans if keepdims else np.squeeze(ans, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        hit = ctx.hit
        count = np.sum(hit, axis=ctx.axis, keepdims=True)
        grad = _keep(grad, ctx.axis, ctx.keepdims, ctx.ndim)
        share = (hit / count).astype(ctx.out_data.dtype)
        if ctx.axis is None:  # PyTorch's full max() puts grad / count at the maxima, 0 elsewhere
            return np.where(hit, grad * share, 0.0), None, None
        return grad * share, None, None  # amax(dim) multiplies, as PyTorch does

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return f"{g.text} at the {'maxima' if cls.label == 'max' else 'minima'}"


class Amin(Amax):
    """$f(a) = \\min_i a_i$ over `axis`; ties share the gradient evenly."""
    label = "min"

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        return Amax.forward(ctx, a, axis, keepdims, reduce=np.min)


class MaxAlong(Reduction):
    """The values of `max(dim)`: the gradient goes to the one element that was picked."""
    label = "max"

    @staticmethod
    def forward(ctx, a, axis, keepdims, indices):
        picked = np.expand_dims(indices, axis) if not keepdims else indices
        ctx.mask = np.zeros_like(a, dtype=bool)
        np.put_along_axis(ctx.mask, picked, True, axis=axis)
        ctx.axis, ctx.keepdims = axis, keepdims
        values = np.take_along_axis(a, picked, axis=axis)
        return values if keepdims else np.squeeze(values, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.keepdims:
            grad = np.expand_dims(grad, ctx.axis)
        return np.where(ctx.mask, grad, 0.0), None, None, None  # PyTorch scatters: 0 elsewhere

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return f"{g.text} at the argmax"


class LogSumExp(Reduction):
    """$f(a) = \\log \\sum_i e^{a_i}$, so $\\partial f / \\partial a_i = e^{a_i - f}$
    (the softmax)"""
    label = "logsumexp"

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        peak = np.max(a, axis=axis, keepdims=True, initial=-np.inf)
        peak = np.where(np.isfinite(peak), peak, 0)
        with np.errstate(divide="ignore"):  # an empty or all -inf row: log 0 = -inf
            ans = np.log(np.sum(np.exp(a - peak), axis=axis, keepdims=True)) + peak
        ans = ans if keepdims else np.squeeze(ans, axis=axis)
        ctx.save_for_backward(a, ans)
        ctx.axis, ctx.keepdims, ctx.ndim = axis, keepdims, a.ndim
        return ans

    @staticmethod
    def backward(ctx, grad):
        a, ans = ctx.saved_tensors
        ndim = ctx.ndim
        grad = _keep(grad, ctx.axis, ctx.keepdims, ndim)
        return grad * np.exp(a - _keep(ans, ctx.axis, ctx.keepdims, ndim)), None, None

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return f"{g.at(PRODUCT)} * exp({operands[0].text} - {out.text})"


class Softmax(Function):
    """$s_i = e^{a_i} / \\sum_j e^{a_j}$, so the vjp is $s (g - \\sum_j g_j s_j)$"""
    label = "softmax"

    @staticmethod
    def forward(ctx, a, axis):
        # the ndarray methods: NumPy's np.max/np.sum wrappers cost as much as these small sums
        e = np.exp(a - a.max(axis=axis, keepdims=True, initial=-np.inf))
        ans = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(ans)
        ctx.axis = axis
        return ans

    @staticmethod
    def backward(ctx, grad):
        (ans,) = ctx.saved_tensors
        return ans * (grad - (grad * ans).sum(axis=ctx.axis, keepdims=True)), None

    @classmethod
    def present(cls, ctx, operands):
        return call("softmax", operands[0], dims(ctx.axis))

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return f"{out.text} * ({g.text} - sum({g.text} * {out.text}, {dims(ctx.axis)}))"

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"softmax({dims(ctx.axis)})"


class LogSoftmax(Function):
    """$l_i = a_i - \\log \\sum_j e^{a_j}$, so the vjp is $g - e^{l} \\sum_j g_j$"""
    label = "log_softmax"

    @staticmethod
    def forward(ctx, a, axis):
        shifted = a - a.max(axis=axis, keepdims=True, initial=-np.inf)
        ans = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(ans)
        ctx.axis = axis
        return ans

    @staticmethod
    def backward(ctx, grad):
        (ans,) = ctx.saved_tensors
        return grad - np.exp(ans) * grad.sum(axis=ctx.axis, keepdims=True), None

    @classmethod
    def present(cls, ctx, operands):
        return call("log_softmax", operands[0], dims(ctx.axis))

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        return f"{g.text} - exp({out.text}) * sum({g.text}, {dims(ctx.axis)})"

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"log_softmax({dims(ctx.axis)})"


class Norm(Reduction):
    """$f(a) = (\\sum_i |a_i|^p)^{1/p}$ over `axis` ($\\max_i |a_i|$ for $p = \\infty$, the
    count of nonzeros for $p = 0$), so $\\partial f / \\partial a_i =
    \\mathrm{sign}(a_i) |a_i|^{p-1} / f^{p-1}$, taken as 0 where $f = 0$, as PyTorch's
    norm_backward does; for $p = \\pm\\infty$ the extrema share the gradient evenly."""
    label = "norm"

    @staticmethod
    def forward(ctx, a, p, axis, keepdims):
        ctx.p, ctx.axis, ctx.keepdims, ctx.ndim = p, axis, keepdims, a.ndim
        magnitude = np.abs(a)
        if p == math.inf or p == -math.inf:
            extreme = np.max if p > 0 else np.min
            ans = extreme(magnitude, axis=axis, keepdims=True)
            ctx.hit = magnitude == ans
            ans = ans if keepdims else np.squeeze(ans, axis=axis)
        elif p == 0:
            ans = np.sum(magnitude != 0, axis=axis, keepdims=keepdims).astype(magnitude.dtype)
        elif p == 1:
            ans = np.sum(magnitude, axis=axis, keepdims=keepdims)
        elif p == 2:
            ans = np.sqrt(np.sum(magnitude * magnitude, axis=axis, keepdims=keepdims))
        else:
            with np.errstate(divide="ignore"):
                ans = np.sum(magnitude ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)
        ans = ans.astype(magnitude.dtype, copy=False)  # (a NumPy scalar for a full norm)
        ctx.save_for_backward(a, ans)
        return ans

    @staticmethod
    def backward(ctx, grad):
        a, ans = ctx.saved_tensors
        p, axis, keepdims, ndim = ctx.p, ctx.axis, ctx.keepdims, ctx.ndim
        grad = _keep(grad, axis, keepdims, ndim)
        if p == 0:
            return np.zeros_like(a * grad), None, None, None
        if p == 1:
            return grad * np.sign(a), None, None, None
        if p == math.inf or p == -math.inf:
            hit = ctx.hit
            count = np.sum(hit, axis=axis, keepdims=True)
            share = (hit / count).astype(ctx.out_data.dtype)
            return grad * np.sign(a) * share, None, None, None
        ans = _keep(ans, axis, keepdims, ndim)
        zero = ans == 0
        safe = np.where(zero, 1.0, ans)  # no 0 / 0 in the branch not taken, nor its gradient
        if p == 2:
            scaled = a
        elif p < 1:  # |a|^(p-1) is infinite at 0: PyTorch takes 0 there
            at_zero = a == 0
            scaled = np.where(at_zero, 0.0, np.sign(a) * np.where(at_zero, 1.0, np.abs(a))
                              ** (p - 1))
        elif p < 2:
            scaled = np.sign(a) * np.abs(a) ** (p - 1)
        else:
            scaled = a * np.abs(a) ** (p - 2)
        return np.where(zero, 0.0, grad * scaled / safe ** (p - 1)), None, None, None

    @classmethod
    def present(cls, ctx, operands):
        keepdim = "keepdim=True" if ctx.keepdims else ""
        options = (operands[0], f"p={ctx.p:g}", dims(ctx.axis), keepdim)
        return call("norm", *(o for o in options if o))

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        options = dims(ctx.axis, bool(ctx.keepdims))
        return f"norm(p={ctx.p:g}{', ' + options if options else ''})"


def _product_of_others(a, axis):
    """For each element, the product of the others along `axis`, without dividing (exact
    where there are zeros): the exclusive products from the left times those from the right."""
    moved = np.moveaxis(a, axis, -1)
    ones = np.ones_like(moved[..., :1])
    left = np.cumprod(np.concatenate([ones, moved[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.flip(np.concatenate([moved[..., 1:], ones], axis=-1), -1),
                               axis=-1), -1)
    return np.moveaxis(left * right, -1, axis)


class Prod(Reduction):
    """$f(a) = \\prod_i a_i$ along `axis` (all when None), so
    $\\partial f / \\partial a_i = \\prod_{j \\ne i} a_j$: computed without dividing, so it is
    exact where elements are 0. Under `create_graph` it is $f / a_i$ (differentiable again)
    when no element is 0, else the products of the others as constants."""
    label = "prod"

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        ans = np.prod(a, axis=axis, keepdims=keepdims)
        ctx.save_for_backward(a, ans)
        return ans

    @staticmethod
    def backward(ctx, grad):
        a, ans = ctx.saved_tensors
        axis, shape = ctx.axis, ctx.shape
        grad = _keep(grad, None if axis is None else (axis,), ctx.keepdims, len(shape))
        values = a if is_array(a) else a.array
        if not is_array(a) and values.all():  # recorded: f / a keeps second derivatives
            whole = _keep(ans, None if axis is None else (axis,), ctx.keepdims, len(shape))
            return grad * whole / a, None, None
        if axis is None:
            others = _product_of_others(values.reshape(-1), 0).reshape(shape)
        else:
            others = _product_of_others(values, axis)
        return grad * others, None, None


class Cumsum(Function):
    """$f(a)_i = \\sum_{j \\le i} a_j$ along `axis`, so the gradient is the sum from the end:
    $\\partial L / \\partial a_j = \\sum_{i \\ge j} g_i$."""
    label = "cumsum"

    @staticmethod
    def forward(ctx, a, axis):
        ctx.axis = axis
        return np.cumsum(a, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return ReverseCumsum.in_backward(grad, ctx.axis), None

    @classmethod
    def present(cls, ctx, operands):
        return call("cumsum", operands[0], f"dim={ctx.axis}")

    @classmethod
    def picture_label(cls, ctx, max_elements=4):
        return f"cumsum(dim={ctx.axis})"


class ReverseCumsum(Function):
    """$f(g)_j = \\sum_{i \\ge j} g_i$ along `axis`: the derivative of `Cumsum`, and an op
    itself so that gradients of gradients go through it (its own derivative is `Cumsum`)."""
    label = "reverse_cumsum"

    @staticmethod
    def forward(ctx, grad, axis):
        ctx.axis = axis
        return np.flip(np.cumsum(np.flip(grad, axis), axis=axis), axis)

    @staticmethod
    def backward(ctx, grad):
        return Cumsum.in_backward(grad, ctx.axis), None
