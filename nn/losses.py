"""Loss functions, as functions (`F.mse_loss`) and as modules (`nn.MSELoss()`), with PyTorch's
formulas, arguments and `reduction` ("mean" | "sum" | "none").

The classification losses are fused ops whose gradient is written out: cross-entropy's gradient
with respect to the logits is $(\\mathrm{softmax}(z) - \\mathrm{onehot}(y)) / N$, and the
gradient of sigmoid + binary cross-entropy is $(\\sigma(z) - y) / N$ -- the "output error"
$a - y$ that backpropagation starts from, the same as squared error gives for a linear output::

    loss = nn.CrossEntropyLoss()(logits, labels)     # logits (N, C), labels (N,) int64
    loss.backward()
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite.formula import PRODUCT, call

from .module import Module, device_error

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "KLDivLoss",
    "L1Loss",
    "HuberLoss",
    "MSELoss",
    "NLLLoss",
    "SmoothL1Loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "kl_div",
    "l1_loss",
    "huber_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]

_REDUCTIONS = ("mean", "sum", "none")


# ----- argument checks shared by the losses ----------------------------------------------------

def _check_reduction(name: str, reduction: str, allowed: tuple = _REDUCTIONS) -> None:
    if reduction not in allowed:
        options = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"{name}: reduction must be one of {options}, got {reduction!r}")


def _reduce(loss: ag.Tensor, reduction: str) -> ag.Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _input(name: str, x: Any) -> ag.Tensor:
    """The prediction as a floating-point Tensor (arrays and lists are wrapped)."""
    tensor = x if isinstance(x, ag.Tensor) else ag.as_tensor(x)
    if tensor.array.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point input, got "
                        f"{tensor.array.dtype.name} of shape {tuple(tensor.shape)}")
    return tensor


def _target_like(name: str, input: ag.Tensor, target: Any, promote: bool = True) -> tuple:
    """`(input, target)` of one shape and one dtype: a float target of another float dtype
    promotes both to the wider one, as in PyTorch (with `promote=False` it is an error, as
    PyTorch's BCELoss makes it); an integer or bool target takes the input's dtype.

    PyTorch broadcasts a differently shaped target with a warning; here it is an error, since
    an (N, 1) prediction against an (N,) target silently compares every pair.
    """
    target = target if isinstance(target, ag.Tensor) else ag.as_tensor(target)
    if target.shape != input.shape:
        raise ValueError(
            f"{name}: target shape {tuple(target.shape)} does not match input shape "
            f"{tuple(input.shape)}; they must be equal (reshape one, e.g. "
            f"target.reshape{tuple(input.shape)}), since broadcasting them would compare "
            "every pair of elements")
    if target.dtype is input.dtype:
        return input, target
    if target.array.dtype.kind not in "fc":
        return input, target.to(input.dtype)
    if not promote:
        raise RuntimeError(
            f"{name}: the target has dtype {target.dtype} but the input has dtype "
            f"{input.dtype}; they must be equal (cast one with .to(), e.g. "
            f"target.to({input.dtype}))")
    dtype = np.promote_types(input.array.dtype, target.array.dtype)
    return (input if input.array.dtype == dtype else input.to(dtype),
            target if target.array.dtype == dtype else target.to(dtype))


def _constant(value: Any, input: ag.Tensor) -> np.ndarray | None:
    """A weight-like argument as an array of the input's dtype (no gradient flows to it): a
    Tensor's own array (on its device: another device than the input's is PyTorch's error in
    the op), numbers and host arrays where the input lives."""
    if value is None:
        return None
    dtype = input.array.dtype
    if isinstance(value, ag.Tensor):
        return value.array.astype(dtype, copy=False)
    return ag.arrays.like(value if ag.arrays.is_array(value) else np.asarray(value),
                          input.array).astype(dtype, copy=False)


# ----- regression -----------------------------------------------------------------------------

def l1_loss(input: ag.Tensor, target: Any, reduction: str = "mean") -> ag.Tensor:
    """Mean absolute error: $\\ell_i = |x_i - y_i|$, then the reduction.

    >>> F.l1_loss(ag.tensor([1., 2.]), ag.tensor([0., 4.]))
    tensor(1.5000)
    """
    _check_reduction("L1Loss", reduction)
    input, target = _target_like("L1Loss", _input("L1Loss", input), target)
    return _reduce((input - target).abs(), reduction)


def mse_loss(input: ag.Tensor, target: Any, reduction: str = "mean") -> ag.Tensor:
    """Mean squared error: $\\ell_i = (x_i - y_i)^2$, then the reduction. Its gradient with
    reduction "sum" is $2(x - y)$: twice the output error.

    >>> F.mse_loss(ag.tensor([1., 2.]), ag.tensor([0., 4.]))
    tensor(2.5000)
    """
    _check_reduction("MSELoss", reduction)
    input, target = _target_like("MSELoss", _input("MSELoss", input), target)
    diff = input - target
    return _reduce(diff * diff, reduction)


def smooth_l1_loss(input: ag.Tensor, target: Any, reduction: str = "mean",
                   beta: float = 1.0) -> ag.Tensor:
    """Smooth L1: $\\ell_i = 0.5 d_i^2 / \\beta$ where $|d_i| < \\beta$, else
    $|d_i| - 0.5 \\beta$, for $d = x - y$; `beta=0` is the L1 loss (PyTorch's rule).

    >>> F.smooth_l1_loss(ag.tensor([0.5, 3.]), ag.tensor([0., 0.]))
    tensor(1.3125)
    """
    _check_reduction("SmoothL1Loss", reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = _target_like("SmoothL1Loss", _input("SmoothL1Loss", input), target)
    diff = input - target
    size = diff.abs()
    if beta == 0:
        return _reduce(size, reduction)
    small = ag.from_numpy(size.array < beta)
    return _reduce(ag.where(small, diff * diff * (0.5 / beta), size - 0.5 * beta), reduction)


def huber_loss(input: ag.Tensor, target: Any, reduction: str = "mean",
               delta: float = 1.0) -> ag.Tensor:
    """Huber: $\\ell_i = 0.5 d_i^2$ where $|d_i| < \\delta$, else
    $\\delta (|d_i| - 0.5 \\delta)$, for $d = x - y$ (`delta` times `smooth_l1_loss` with
    `beta=delta`).

    >>> F.huber_loss(ag.tensor([0.5, 3.]), ag.tensor([0., 0.]))
    tensor(1.3125)
    """
    _check_reduction("HuberLoss", reduction)
    if not delta > 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    input, target = _target_like("HuberLoss", _input("HuberLoss", input), target)
    diff = input - target
    size = diff.abs()
    return _reduce(ag.where(size < delta, diff * diff * 0.5,
                            (size - 0.5 * delta) * delta), reduction)


# ----- binary classification ------------------------------------------------------------------

class BinaryCrossEntropy(ag.Function):
    """$\\ell = -[y \\max(\\log x, -100) + (1 - y) \\max(\\log(1 - x), -100)]$ (PyTorch clamps
    the logs so that $x \\in \\{0, 1\\}$ stays finite), so
    $\\partial \\ell/\\partial x = (x - y) / \\max(x(1 - x), 10^{-12})$ and
    $\\partial \\ell/\\partial y = \\max(\\log(1 - x), -100) - \\max(\\log x, -100)$.
    """
    label = "bce"

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        with np.errstate(divide="ignore"):
            log_x, log_1mx = np.maximum(np.log(x), -100), np.maximum(np.log(1 - x), -100)
        return -(y * log_x + (1 - y) * log_1mx)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad * (x - y) / np.maximum(x * (1 - x), 1e-12) if need_x else None
        grad_y = None
        if need_y:
            grad_y = grad * (np.maximum(np.log(1 - x), -100) - np.maximum(np.log(x), -100))
        return grad_x, grad_y


def binary_cross_entropy(input: ag.Tensor, target: Any, weight: Any = None,
                         reduction: str = "mean") -> ag.Tensor:
    """Binary cross-entropy of probabilities `input` in [0, 1] against targets in [0, 1]:
    $\\ell_i = -w_i [y_i \\log x_i + (1 - y_i) \\log(1 - x_i)]$, logs clamped at -100.

    Prefer `binary_cross_entropy_with_logits` on the raw scores: it is stabler. The gradient
    with respect to the target is that of the clamped formula, so it stays finite at
    $x \\in \\{0, 1\\}$ (PyTorch's is ±inf there).

    >>> F.binary_cross_entropy(ag.tensor([0.8, 0.4]), ag.tensor([1., 0.]))
    tensor(0.3670)
    """
    _check_reduction("BCELoss", reduction)
    input, target = _target_like("BCELoss", _input("BCELoss", input), target, promote=False)
    values = input.array
    if np.any((values < 0) | (values > 1)):
        raise RuntimeError(
            f"BCELoss: all elements of input should be between 0 and 1 (got values in "
            f"[{float(values.min()):g}, {float(values.max()):g}]); apply sigmoid first, or use "
            "BCEWithLogitsLoss on the raw scores")
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * _constant(weight, input)
    return _reduce(loss, reduction)


class BinaryCrossEntropyWithLogits(ag.Function):
    """Sigmoid + binary cross-entropy on logits x, in the stable form
    $\\ell = (1 - y) x + l_w (\\log(1 + e^{-|x|}) + \\max(-x, 0))$ with
    $l_w = 1 + (p - 1) y$ for `pos_weight` p, so
    $\\partial \\ell/\\partial x = l_w \\sigma(x) - p y$ ($= \\sigma(x) - y$ without pos_weight) and
    $\\partial \\ell/\\partial y = -x + (p - 1)(\\log(1 + e^{-|x|}) + \\max(-x, 0))$.
    """
    label = "bce_with_logits"

    @staticmethod
    def forward(ctx, x, y, pos_weight):
        ctx.save_for_backward(x, y)
        ctx.pos_weight = pos_weight
        softplus = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)  # log(1 + e^{-x})
        if pos_weight is None:
            return (1 - y) * x + softplus
        return (1 - y) * x + (1 + (pos_weight - 1) * y) * softplus

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y, _ = ctx.needs_input_grad
        pos_weight = ctx.pos_weight
        grad_x = grad_y = None
        if need_x:
            sigmoid = 1 / (1 + np.exp(-x))
            if pos_weight is None:
                grad_x = grad * (sigmoid - y)
            else:
                grad_x = grad * ((1 + (pos_weight - 1) * y) * sigmoid - pos_weight * y)
        if need_y:
            grad_y = -x
            if pos_weight is not None:
                softplus = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)
                grad_y = grad_y + (pos_weight - 1) * softplus
            grad_y = grad * grad_y
        return grad_x, grad_y, None


def binary_cross_entropy_with_logits(input: ag.Tensor, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None
                                     ) -> ag.Tensor:
    """Sigmoid and binary cross-entropy in one stable op, on raw scores (logits):
    $\\ell_i = w_i[\\max(x_i, 0) - x_i y_i + \\log(1 + e^{-|x_i|})]$, and with `pos_weight`
    p the positive term is weighted: $-w_i[p\\, y_i \\log\\sigma(x_i) + (1 - y_i)
    \\log(1 - \\sigma(x_i))]$. Finite for logits of any size.

    >>> F.binary_cross_entropy_with_logits(ag.tensor([2., -1.]), ag.tensor([1., 0.]))
    tensor(0.2201)
    """
    _check_reduction("BCEWithLogitsLoss", reduction)
    input, target = _target_like("BCEWithLogitsLoss", _input("BCEWithLogitsLoss", input),
                                 target)
    loss = BinaryCrossEntropyWithLogits.apply(input, target, _constant(pos_weight, input))
    if weight is not None:
        loss = loss * _constant(weight, input)
    return _reduce(loss, reduction)


# ----- multi-class classification -------------------------------------------------------------

class NllLoss(ag.Function):
    """$\\ell_i = -\\sum_c q_{ic} \\log p_{ic}$ along the class axis, where q is the target
    distribution (a weighted one-hot row for a class index, possibly smoothed) and $\\log p$ is
    the input itself. The reduction is done here too: "mean" divides by `divisor` (N, or the
    total weight of the targets), as PyTorch does.
    """
    label = "nll"
    from_logits = False

    @staticmethod
    def forward(ctx, x, q, axis, divisor, reduction):
        ctx.save_for_backward(x, q)
        ctx.axis, ctx.divisor, ctx.reduction = axis, divisor, reduction
        log_p = _log_softmax(x, axis) if ctx.from_logits else x
        return _reduce_losses(-np.sum(q * log_p, axis=axis), reduction, divisor)

    @staticmethod
    def backward(ctx, grad):
        x, q = ctx.saved_tensors
        need_x, need_q = ctx.needs_input_grad[:2]
        axis = ctx.axis
        scale = _loss_scale(grad, ctx.reduction, ctx.divisor, axis)
        log_p = _log_softmax(x, axis) if ctx.from_logits else x
        grad_x = grad_q = None
        if need_x:
            if ctx.from_logits:
                grad_x = scale * (np.exp(log_p) * np.sum(q, axis=axis, keepdims=True) - q)
            else:
                grad_x = -scale * q
        if need_q:
            grad_q = -scale * log_p
        return grad_x, grad_q, None, None, None


class CrossEntropy(NllLoss):
    """Log-softmax and NLL fused: $\\ell_i = -\\sum_c q_{ic} \\log p_{ic}$ with
    $p = \\mathrm{softmax}(z)$, so
    $\\partial \\ell_i/\\partial z_{ic} = p_{ic} \\sum_k q_{ik} - q_{ic}$, which is
    $\\mathrm{softmax} - \\mathrm{onehot}$ for a plain class index. The log-softmax subtracts
    the maximum first, so logits of any size stay finite. The derivative recomputes the
    softmax from the saved logits with NumPy functions, so it is itself differentiable.
    """
    label = "cross_entropy"
    from_logits = True


class CrossEntropyAtIndices(ag.Function):
    """`CrossEntropy` for plain class indices (no weights, no smoothing), the common case,
    without a dense one-hot target: the loss picks $-\\log p_{i y_i}$ and the derivative,
    $\\mathrm{softmax} - \\mathrm{onehot}$, is the saved softmax with 1 taken off at each
    target. `kept` masks targets equal to `ignore_index` (None when there are none).
    """
    label = "cross_entropy"

    def name(self) -> str:
        return "CrossEntropyBackward"  # one op to the user, whatever form the target takes

    @staticmethod
    def forward(ctx, x, labels, kept, axis, divisor, reduction):
        shifted = x - x.max(axis=axis, keepdims=True)  # _log_softmax, with array methods
        log_p = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(x, log_p)
        ctx.labels, ctx.kept, ctx.axis = labels, kept, axis
        ctx.divisor, ctx.reduction = divisor, reduction
        losses = -log_p[_at_labels(labels, axis)]
        if kept is not None:
            losses = losses * kept
        return _reduce_losses(losses, reduction, divisor)

    @staticmethod
    def backward(ctx, grad):
        x, log_p = ctx.saved_tensors
        labels, kept, axis = ctx.labels, ctx.kept, ctx.axis
        scale = _loss_scale(grad, ctx.reduction, ctx.divisor, axis)
        if kept is not None:  # ignored targets get no gradient
            scale = scale * np.expand_dims(kept, axis)
        grad_x = CrossEntropyGrad.in_backward(x, scale, labels, axis, log_p)
        return grad_x, None, None, None, None, None

    @classmethod
    def present(cls, ctx, operands):
        return call("cross_entropy", operands[0], "labels", f"reduction={ctx.reduction!r}")

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        scale = f" / {ctx.divisor:g}" if ctx.reduction == "mean" else ""
        return f"{g.at(PRODUCT)} * (softmax({operands[0].text}) - onehot(labels)){scale}"


class CrossEntropyGrad(ag.Function):
    """The derivative of cross-entropy at class indices, $s\\,(\\mathrm{softmax}(x) -
    \\mathrm{onehot})$ for the loss scale s, bilinear-like in x and s: its derivatives are
    $\\sum H (\\mathrm{softmax}(x) - \\mathrm{onehot})$ (for s) and the softmax's vjp of
    $H s$ (for x). `log_p`, the forward's log-softmax, spares computing it again."""
    label = "cross_entropy_backward"

    @staticmethod
    def forward(ctx, x, scale, labels, axis, log_p=None):
        ctx.save_for_backward(x, scale)
        ctx.labels, ctx.axis = labels, axis
        grad_x = np.exp(_log_softmax(x, axis) if log_p is None else log_p)
        grad_x[_at_labels(labels, axis)] -= 1
        grad_x *= scale
        return grad_x

    @staticmethod
    def backward(ctx, h):
        x, scale = ctx.saved_tensors
        need_x, need_scale = ctx.needs_input_grad[:2]
        axis = ctx.axis
        p = np.exp(_log_softmax(x, axis))
        d_x = d_scale = None
        if need_scale:
            d_scale = h * (p - _onehot(ctx.labels, axis, x.shape[axis]).astype(p.dtype))
        if need_x:
            hs = h * scale
            d_x = p * (hs - (hs * p).sum(axis=axis, keepdims=True))
        return d_x, d_scale, None, None, None


def _at_labels(labels: np.ndarray, axis: int) -> tuple:
    """The index that picks entry `labels[i, ...]` along `axis` for every position i, ...: for
    (N, C) logits, `(arange(N), labels)`."""
    if axis == 0:  # (C,) logits and a 0-d label
        return (labels,)
    last = labels.ndim - 1
    grids = [ag.arrays.like(np.arange(n).reshape((-1,) + (1,) * (last - d)), labels)
             for d, n in enumerate(labels.shape)]  # made on the host, moved where labels are
    return (grids[0], labels, *grids[1:])


def _onehot(labels: np.ndarray, axis: int, classes: int) -> np.ndarray:
    """Booleans with the class axis inserted at `axis`: True at each label."""
    classes_row = ag.arrays.like(np.arange(classes), labels)
    return np.expand_dims(labels, axis) == _along(classes_row, axis, labels.ndim + 1)


def _along(row: np.ndarray, axis: int, ndim: int) -> np.ndarray:
    """A per-class row shaped to broadcast along `axis` of an `ndim`-d array."""
    shape = [1] * ndim
    shape[axis] = len(row)
    return row.reshape(shape)


def _reduce_losses(losses: Any, reduction: str, divisor: float) -> Any:
    """Per-target losses reduced as PyTorch does; "mean" divides by `divisor` (N, or the total
    weight of the targets), and is nan when every target was ignored (0 / 0)."""
    if reduction == "none":
        return losses
    total = np.sum(losses)
    if reduction == "sum":
        return total
    if divisor:
        return total / divisor
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / divisor


def _loss_scale(grad: Any, reduction: str, divisor: float, axis: int) -> Any:
    """The incoming gradient as a factor on each per-class derivative: expanded along the
    class axis for "none", divided by the divisor for "mean" (zero when every target was
    ignored, as PyTorch)."""
    if reduction == "none":
        return np.expand_dims(grad, axis)
    if reduction == "sum":
        return grad
    return grad / divisor if divisor else grad * 0.0


def _log_softmax(x: Any, axis: int) -> Any:
    """$x - \\log\\sum e^x$ along `axis`, shifted by the maximum (arrays or Tensors)."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _class_axis(name: str, input: ag.Tensor) -> int:
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, shape (C,), (N, C) or "
                         "(N, C, d1, ...); got a 0-d tensor")
    return 0 if input.ndim == 1 else 1


def _class_weight(name: str, weight: Any, classes: int, input: ag.Tensor) -> np.ndarray | None:
    weight = _constant(weight, input)
    if weight is not None and weight.shape != (classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({classes},); "
                         f"got {weight.shape}")
    return weight


def _same_device(name: str, input: ag.Tensor, target: ag.Tensor) -> None:
    """Class indices index the input where it lives: on another device, PyTorch's error (an
    array library would index across devices silently, or copy)."""
    if type(input.array) is np.ndarray and type(target.array) is np.ndarray:
        return
    if input.device != target.device:
        raise device_error((input.device, target.device),
                           f"{name}: the target is on {target.device}, the input on "
                           f"{input.device}; move them with .to(device) first")


def _index_targets(name: str, input: ag.Tensor, target: ag.Tensor, axis: int,
                   ignore_index: int, probabilities_allowed: bool) -> tuple:
    """Check class-index targets; returns (targets, mask of the ones not ignored)."""
    shape, classes = tuple(input.shape), input.shape[axis]
    expected = shape[:axis] + shape[axis + 1:]
    alternative = (f", or float class probabilities of the input's shape {shape}"
                   if probabilities_allowed else "")
    _same_device(name, input, target)
    labels = target.array
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: class-index targets must be integers (int64), got "
            f"{labels.dtype.name} of shape {labels.shape} for input of shape {shape}"
            + (f"; pass labels as ints{alternative}" if probabilities_allowed else ""))
    if labels.shape != expected:
        raise ValueError(
            f"{name}: expected class-index targets of shape {expected} for input of shape "
            f"{shape}{alternative}; got target of shape {labels.shape}")
    kept = labels != ignore_index
    outside = kept & ((labels < 0) | (labels >= classes))
    if outside.any():
        raise IndexError(
            f"{name}: target {labels[outside].flat[0]} is out of bounds for {classes} classes "
            f"(input shape {shape}); class indices must be in [0, {classes - 1}] "
            f"(or equal ignore_index={ignore_index})")
    return labels, kept


def _index_distribution(labels: np.ndarray, kept: np.ndarray, weight: np.ndarray | None,
                        axis: int, classes: int, smoothing: float, dtype: Any) -> tuple:
    """The target distribution q for class indices and PyTorch's divisor for "mean":
    $q_{ic} = m_i[(1 - \\varepsilon) w_{y_i} [c = y_i] + \\varepsilon w_c / C]$, divisor
    $\\sum_i m_i w_{y_i}$ (m: not ignored)."""
    safe = np.where(kept, labels, 0)
    picked = (np.ones_like(labels, dtype) if weight is None else weight[safe]) * kept
    q = _onehot(safe, axis, classes) * np.expand_dims(picked * (1 - smoothing), axis)
    if smoothing:
        row = ag.arrays.like(np.ones(classes, dtype), labels) if weight is None else weight
        q = q + np.expand_dims(kept, axis) * (smoothing / classes) * _along(row, axis, q.ndim)
    return q.astype(dtype, copy=False), float(picked.sum())


def cross_entropy(input: ag.Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> ag.Tensor:
    """Cross-entropy of logits `input` (N, C) or (N, C, d1, ...) or (C,) against class indices
    (N,) / (N, d1, ...) / () of int dtype, or class probabilities of the input's shape:
    log-softmax and NLL fused in one stable op. For indices
    $\\ell_i = -w_{y_i} \\log \\mathrm{softmax}(x_i)_{y_i}$ and "mean" divides by
    $\\sum_i w_{y_i}$ over targets not equal to `ignore_index`; `label_smoothing` ε mixes
    the target with the uniform distribution, $(1 - \\varepsilon)\\,\\mathrm{onehot} +
    \\varepsilon / C$. The gradient for "mean" without weights is
    $(\\mathrm{softmax}(x) - \\mathrm{onehot}(y)) / N$.

    >>> F.cross_entropy(ag.tensor([[2., 0.], [0., 2.]]), ag.tensor([0, 1]))
    tensor(0.1269)
    """
    name = "CrossEntropyLoss"
    _check_reduction(name, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    input = _input(name, input)
    target = target if isinstance(target, ag.Tensor) else ag.as_tensor(target)
    axis = _class_axis(name, input)
    classes, dtype = input.shape[axis], input.array.dtype
    weight = _class_weight(name, weight, classes, input)
    if target.array.dtype.kind == "f" and target.shape == input.shape:  # probabilities
        q = target if target.dtype is input.dtype else target.to(input.dtype)
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / classes
        if weight is not None:
            q = q * _along(weight, axis, input.ndim)
        divisor = float(input.array.size // classes) if classes else 0.0
        if not q.requires_grad:
            q = q.array
    else:
        labels, kept = _index_targets(name, input, target, axis, ignore_index, True)
        if weight is None and not label_smoothing:
            if kept.all():
                return CrossEntropyAtIndices.apply(input, labels, None, axis, float(kept.size),
                                                   reduction)
            return CrossEntropyAtIndices.apply(input, np.where(kept, labels, 0),
                                               kept.astype(dtype), axis,
                                               float(np.count_nonzero(kept)), reduction)
        q, divisor = _index_distribution(labels, kept, weight, axis, classes, label_smoothing,
                                         dtype)
    return CrossEntropy.apply(input, q, axis, divisor, reduction)


def nll_loss(input: ag.Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> ag.Tensor:
    """Negative log-likelihood of log-probabilities `input` (N, C) or (N, C, d1, ...) or (C,)
    (e.g. from `log_softmax`) at class indices `target`: $\\ell_i = -w_{y_i} x_{i, y_i}$;
    "mean" is the weighted mean $\\sum_i \\ell_i / \\sum_i w_{y_i}$ over targets not equal to
    `ignore_index`, as in PyTorch.

    >>> F.nll_loss(ag.tensor([[-0.1, -2.3], [-1.2, -0.4]]), ag.tensor([0, 1]))
    tensor(0.2500)
    """
    name = "NLLLoss"
    _check_reduction(name, reduction)
    input = _input(name, input)
    target = target if isinstance(target, ag.Tensor) else ag.as_tensor(target)
    axis = _class_axis(name, input)
    classes, dtype = input.shape[axis], input.array.dtype
    weight = _class_weight(name, weight, classes, input)
    labels, kept = _index_targets(name, input, target, axis, ignore_index, False)
    q, divisor = _index_distribution(labels, kept, weight, axis, classes, 0.0, dtype)
    return NllLoss.apply(input, q, axis, divisor, reduction)


def kl_div(input: ag.Tensor, target: Any, reduction: str = "mean",
           log_target: bool = False) -> ag.Tensor:
    """Kullback-Leibler divergence with `input` as log-probabilities:
    $\\ell_i = y_i (\\log y_i - x_i)$ (0 where $y_i = 0$), or with `log_target`
    $\\ell_i = e^{y_i} (y_i - x_i)$. "batchmean" divides the sum by the batch size, which is
    the mathematical KL divergence; "mean" (the default, as in PyTorch, which warns about it)
    divides by the number of elements. Where $y_i = 0$ the gradient with respect to the target
    is 0 (PyTorch gives nan).

    >>> F.kl_div(ag.tensor([[-0.5, -1.0]]), ag.tensor([[0.6, 0.4]]), reduction="batchmean")
    tensor(0.0270)
    """
    name = "KLDivLoss"
    _check_reduction(name, reduction, _REDUCTIONS + ("batchmean",))
    input, target = _target_like(name, _input(name, input), target)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = ag.from_numpy(target.array > 0)
        entropy = ag.where(positive, target * ag.where(positive, target, 1.0).log(), 0.0)
        loss = entropy - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    if reduction == "mean":
        warnings.warn(
            "KLDivLoss: reduction 'mean' divides the total loss by both the batch size and the "
            "support size. 'batchmean' divides only by the batch size, and aligns with the KL "
            "div math definition (as in PyTorch, 'mean' stays the default).", stacklevel=2)
    return _reduce(loss, reduction)


# ----- the loss modules ------------------------------------------------------------------------

class _Loss(Module):
    """A loss module: stores its options and calls the function of the same name."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(type(self).__name__, reduction, self._reductions)
        self.reduction = reduction

    _reductions = _REDUCTIONS


class L1Loss(_Loss):
    """Mean absolute error, $|x - y|$ then `reduction`.

    >>> nn.L1Loss()(ag.tensor([1., 2.]), ag.tensor([0., 4.]))
    tensor(1.5000)
    """

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return l1_loss(input, target, self.reduction)


class MSELoss(_Loss):
    """Mean squared error, $(x - y)^2$ then `reduction`.

    >>> nn.MSELoss()(ag.tensor([1., 2.]), ag.tensor([0., 4.]))
    tensor(2.5000)
    """

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return mse_loss(input, target, self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities; see `F.binary_cross_entropy`.

    >>> nn.BCELoss()(ag.tensor([0.8, 0.4]), ag.tensor([1., 0.]))
    tensor(0.3670)
    """

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else ag.tensor(weight))

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy on logits, stable; see
    `F.binary_cross_entropy_with_logits`.

    >>> nn.BCEWithLogitsLoss(pos_weight=ag.tensor([2.]))(ag.tensor([0.5]), ag.tensor([1.]))
    tensor(0.9482)
    """

    def __init__(self, weight: Any = None, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else ag.tensor(weight))
        self.register_buffer("pos_weight", None if pos_weight is None else ag.tensor(pos_weight))

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Log-softmax + negative log-likelihood of logits, fused and stable; see
    `F.cross_entropy`.

    >>> nn.CrossEntropyLoss()(ag.tensor([[2., 0.], [0., 2.]]), ag.tensor([0, 1]))
    tensor(0.1269)
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else ag.tensor(weight))
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                             self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities; see `F.nll_loss`.

    >>> nn.NLLLoss()(ag.tensor([[-0.1, -2.3], [-1.2, -0.4]]), ag.tensor([0, 1]))
    tensor(0.2500)
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else ag.tensor(weight))
        self.ignore_index = ignore_index

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence, input as log-probabilities; see `F.kl_div`.
    Use `reduction="batchmean"` for the mathematical definition.

    >>> nn.KLDivLoss(reduction="batchmean")(ag.tensor([[-0.5, -1.]]), ag.tensor([[.6, .4]]))
    tensor(0.0270)
    """

    _reductions = _REDUCTIONS + ("batchmean",)

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return kl_div(input, target, self.reduction, self.log_target)


class SmoothL1Loss(_Loss):
    """Smooth L1 loss (quadratic below `beta`, linear above); see `F.smooth_l1_loss`.

    >>> nn.SmoothL1Loss(beta=1.0)(ag.tensor([0.5, 3.]), ag.tensor([0., 0.]))
    tensor(1.3125)
    """

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """Huber loss (quadratic below `delta`, linear with slope `delta` above); see
    `F.huber_loss`.

    >>> nn.HuberLoss(delta=1.0)(ag.tensor([0.5, 3.]), ag.tensor([0., 0.]))
    tensor(1.3125)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return huber_loss(input, target, self.reduction, self.delta)
