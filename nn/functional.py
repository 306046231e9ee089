"""`nn.functional` (imported as `F`): layers and losses as plain functions.

`linear` is one fused op whose derivative is written beside it, like the engine's own ops; the
activations are the Tensor methods; the losses live in `nn.losses` and are re-exported here::

    from nn import functional as F
    logits = F.linear(x, w, b)
    loss = F.cross_entropy(logits, y)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite.formula import ATOM, PRODUCT, SUM, Sym

from .conv import avg_pool2d, conv2d, lp_pool2d, max_pool2d
from .init import _generator
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
)

__all__ = [
    "avg_pool2d",
    "conv2d",
    "lp_pool2d",
    "max_pool2d",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "kl_div",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]


class Linear(ag.Function):
    """$y = x W^T + b$ for x of shape (..., in), W (out, in), b (out,), so
    $\\partial L/\\partial x = G W$, $\\partial L/\\partial W = G^T x$ and
    $\\partial L/\\partial b = \\sum G$ (G and x flattened to rows over the batch dims).

    The derivative uses operators and NumPy functions only, so it runs on arrays in a plain
    backward and records Tensor ops under `create_graph=True` (second derivatives).
    """
    label = "linear"

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        out = np.matmul(x, weight.T)
        return out if bias is None else out + bias

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        grad_x = grad_weight = grad_bias = None
        if need_x:
            grad_x = grad @ weight
        if need_weight or need_bias:
            rows = grad.reshape(-1, weight.shape[0])  # methods: on arrays and Tensors alike
            if need_weight:
                grad_weight = rows.T @ x.reshape(-1, weight.shape[1])
            if need_bias:
                grad_bias = rows.sum(axis=0)
        return grad_x, grad_weight, grad_bias

    @classmethod
    def present(cls, ctx, operands):
        x, weight, bias = operands
        product = f"{x.at(PRODUCT)} @ {weight.at(ATOM)}.T"
        return Sym(product if bias.text == "None" else f"{product} + {bias.at(SUM)}", SUM)

    @classmethod
    def gradient_text(cls, ctx, operands, index, g, out):
        x, weight, _ = operands
        return (f"{g.at(PRODUCT)} @ {weight.at(ATOM)}", f"{g.at(ATOM)}.T @ {x.at(ATOM)}",
                f"{g.text} summed over the batch")[index]


def _shape(x: Any) -> tuple:
    """The shape of a Tensor or array-like (np.shape refuses Tensors that require grad)."""
    return tuple(x.shape) if isinstance(x, ag.Tensor) else tuple(np.shape(x))


def linear(input: ag.Tensor, weight: ag.Tensor, bias: ag.Tensor | None = None) -> ag.Tensor:
    """$y = x W^T + b$, one fused op: `input` (..., in) or (in,), `weight` (out, in), `bias`
    (out,) or None.

    >>> F.linear(ag.ones(5, 3), ag.ones(2, 3), ag.zeros(2)).shape
    (5, 2)
    """
    in_shape, w_shape = _shape(input), _shape(weight)
    if len(w_shape) != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got {w_shape}")
    if not in_shape or in_shape[-1] != w_shape[1]:
        raise ValueError(
            f"linear: input of shape {in_shape} cannot be multiplied by weight of shape "
            f"{w_shape}: the input's last dimension must be in_features={w_shape[1]}")
    if bias is not None and _shape(bias) != (w_shape[0],):
        raise ValueError(
            f"linear: bias must have shape ({w_shape[0]},), got {_shape(bias)}")
    return Linear.apply(input, weight, bias)


def relu(input: ag.Tensor, inplace: bool = False) -> ag.Tensor:
    """$\\max(x, 0)$ elementwise. `inplace` is accepted for PyTorch compatibility and
    ignored: the result is always a new tensor."""
    return input.relu()


def leaky_relu(input: ag.Tensor, negative_slope: float = 0.01,
               inplace: bool = False) -> ag.Tensor:
    """$x$ where $x > 0$, else $\\mathrm{negative\\_slope} \\cdot x$. `inplace` is accepted
    for PyTorch compatibility and ignored: the result is always a new tensor."""
    return input.leaky_relu(negative_slope)


def sigmoid(input: ag.Tensor) -> ag.Tensor:
    """$1 / (1 + e^{-x})$ elementwise."""
    return input.sigmoid()


def tanh(input: ag.Tensor) -> ag.Tensor:
    """$\\tanh x$ elementwise."""
    return input.tanh()


def _softmax_dim(dim: int | None, ndim: int, name: str) -> int:
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: ag.Tensor, dim: int | None = None) -> ag.Tensor:
    """$e^{x_i} / \\sum_j e^{x_j}$ along `dim` (stable: the maximum is subtracted first)."""
    return input.softmax(_softmax_dim(dim, input.ndim, "softmax"))


def log_softmax(input: ag.Tensor, dim: int | None = None) -> ag.Tensor:
    """$x_i - \\log \\sum_j e^{x_j}$ along `dim`, computed stably."""
    return input.log_softmax(_softmax_dim(dim, input.ndim, "log_softmax"))


def dropout(input: ag.Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
            *, generator: np.random.Generator | None = None, seed: int | None = None
            ) -> ag.Tensor:
    """Inverted dropout: in training, zero each element with probability `p` and scale the
    rest by $1/(1-p)$, so the expected value is unchanged; the identity otherwise. `inplace`
    is accepted for PyTorch compatibility and ignored: the result is a new tensor (or `input`
    itself when nothing is dropped).

    >>> F.dropout(ag.ones(4), p=0.5, seed=0)
    tensor([2., 0., 0., 0.])
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = _generator(generator, seed).random(input.shape) >= p
    return input * (keep * (1.0 / (1.0 - p))).astype(input.dtype)


