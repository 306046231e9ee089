"""`nn.functional` (imported as `F`): layers and losses as plain functions.

`linear` is one fused op whose derivative is written beside it, like the engine's own ops; the
activations are the Tensor methods; the losses live in `nn.losses` and are re-exported here::

    from nn import functional as F
    logits = F.linear(x, w, b)
    loss = F.cross_entropy(logits, y)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
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
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)

__all__ = [
    "avg_pool2d",
    "conv2d",
    "lp_pool2d",
    "max_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "dropout2d",
    "embedding",
    "gelu",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "relu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
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
    return input * _mask(keep, p, input)




def dropout2d(input: ag.Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              *, generator: np.random.Generator | None = None, seed: int | None = None
              ) -> ag.Tensor:
    """Channel dropout: in training, zero whole channels of an (N, C, H, W) input with
    probability `p` and scale the rest by $1/(1-p)$. A 3-D input is taken as (N, C, L), with
    PyTorch's warning. `inplace` is accepted and ignored.

    >>> F.dropout2d(ag.ones(1, 2, 1, 1), seed=0).flatten()
    tensor([2., 0.])
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. Note "
                      "that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 3D or 4D inputs).", stacklevel=2)
    elif input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", stacklevel=2)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    shape = tuple(input.shape[:2]) + (1,) * max(input.ndim - 2, 0)
    keep = _generator(generator, seed).random(shape) >= p
    return input * _mask(keep, p, input)


def _mask(keep: np.ndarray, p: float, input: ag.Tensor) -> ag.Tensor:
    """Dropout's scaled mask, drawn on the host (from the generator, so that a seed gives the
    same mask on every device) and copied to where `input` lives."""
    return ag.from_numpy(ag.arrays.like((keep * (1.0 / (1.0 - p))).astype(input.dtype),
                                        input.array))


def gelu(input: ag.Tensor, approximate: str = "none") -> ag.Tensor:
    """Gaussian error linear unit: $x \\Phi(x) = x (1 + \\mathrm{erf}(x / \\sqrt 2)) / 2$, or
    with `approximate="tanh"` $x (1 + \\tanh(\\sqrt{2/\\pi} (x + 0.044715 x^3))) / 2$.

    >>> F.gelu(ag.tensor([0., 1.]))
    tensor([0.0000, 0.8413])
    """
    if approximate == "none":
        return input * 0.5 * (1.0 + (input * (1 / math.sqrt(2.0))).erf())
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (1.0 + inner.tanh())
    raise RuntimeError("approximate argument must be either none or tanh.")


def silu(input: ag.Tensor, inplace: bool = False) -> ag.Tensor:
    """Sigmoid linear unit (swish): $x \\sigma(x)$. `inplace` is accepted and ignored.

    >>> F.silu(ag.tensor([0., 1.]))
    tensor([0.0000, 0.7311])
    """
    return input * input.sigmoid()


def softplus(input: ag.Tensor, beta: float = 1.0, threshold: float = 20.0) -> ag.Tensor:
    """$\\frac1\\beta \\log(1 + e^{\\beta x})$, and $x$ where $\\beta x >$ `threshold`.

    >>> F.softplus(ag.tensor([0.]))
    tensor([0.6931])
    """
    return input.softplus(beta, threshold)


def one_hot(tensor: ag.Tensor, num_classes: int = -1) -> ag.Tensor:
    """Class indices (int64, any shape) as one-hot rows: a new last dimension of
    `num_classes` (by default the largest index + 1), int64, no gradient.

    >>> F.one_hot(ag.tensor([0, 2]))
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    labels = tensor.array if isinstance(tensor, ag.Tensor) else np.asarray(tensor)
    if labels.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if labels.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(labels.max()) + 1
    if labels.size and labels.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if labels.size and labels.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    classes = ag.arrays.like(np.arange(num_classes), labels)
    return ag.from_numpy((labels[..., None] == classes).astype(np.int64))


def batch_norm(input: ag.Tensor, running_mean: ag.Tensor | None, running_var: ag.Tensor | None,
               weight: ag.Tensor | None = None, bias: ag.Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> ag.Tensor:
    """Batch normalisation over every dimension but the channels (dim 1):
    $y = (x - \\mu) / \\sqrt{\\sigma^2 + \\epsilon} \\cdot w + b$. In training $\\mu$,
    $\\sigma^2$ are the batch's (biased variance), and the running statistics, if given, move
    towards them in place by `momentum` (the variance unbiased); otherwise the running ones.

    >>> F.batch_norm(ag.tensor([[1.], [3.]]), None, None, training=True)
    tensor([[-1.0000],
            [ 1.0000]])
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dimensions (N, C, ...), "
                         f"got shape {tuple(input.shape)}")
    channels = input.shape[1]
    for name, value in (("running_mean", running_mean), ("running_var", running_var),
                        ("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != (channels,):
            raise RuntimeError(f"{name} should contain {channels} elements not "
                               f"{int(np.prod(value.shape))}")
    dims = (0,) + tuple(range(2, input.ndim))
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // channels
        if count == 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size torch.Size({list(input.shape)})")
        mean = input.mean(dims, keepdim=True)
        centered = input - mean
        var = (centered * centered).mean(dims, keepdim=True)
        with ag.no_grad():
            if running_mean is not None:
                running_mean.copy_(running_mean.array * (1 - momentum)
                                   + mean.array.reshape(-1) * momentum)
            if running_var is not None:
                unbiased = var.array.reshape(-1) * (count / (count - 1))
                running_var.copy_(running_var.array * (1 - momentum) + unbiased * momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not "
                             "training (or pass training=True to use the batch's statistics)")
        centered = input - running_mean.array.reshape(shape)
        var = running_var.array.reshape(shape)
    out = centered * (var + eps) ** -0.5
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def layer_norm(input: ag.Tensor, normalized_shape: int | Sequence[int],
               weight: ag.Tensor | None = None, bias: ag.Tensor | None = None,
               eps: float = 1e-5) -> ag.Tensor:
    """Layer normalisation over the last `len(normalized_shape)` dimensions:
    $y = (x - \\mu) / \\sqrt{\\sigma^2 + \\epsilon} \\cdot w + b$ (biased variance).

    >>> F.layer_norm(ag.tensor([[1., 3.]]), (2,))
    tensor([[-1.0000,  1.0000]])
    """
    normalized = ((normalized_shape,) if isinstance(normalized_shape, (int, np.integer))
                  else tuple(normalized_shape))
    k = len(normalized)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != normalized or input.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(normalized)}, expected input with "
                           f"shape [*, {', '.join(map(str, normalized))}], but got input of "
                           f"size{list(input.shape)}")
    dims = tuple(range(input.ndim - k, input.ndim))
    mean = input.mean(dims, keepdim=True)
    centered = input - mean
    var = (centered * centered).mean(dims, keepdim=True)
    out = centered * (var + eps) ** -0.5
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def embedding(input: ag.Tensor, weight: ag.Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> ag.Tensor:
    """The rows of `weight` (num_embeddings, dim) at the integer indices `input`: an output of
    shape `input.shape + (dim,)`. The row at `padding_idx` gets no gradient; with `max_norm`,
    the rows looked up are first rescaled in place to at most that norm (as in PyTorch).

    >>> F.embedding(ag.tensor([1, 0]), ag.tensor([[0., 0.], [1., 2.]]))
    tensor([[1., 2.],
            [0., 0.]])
    """
    indices = input.array if isinstance(input, ag.Tensor) else np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{indices.dtype.name} instead (while checking arguments for "
                           "embedding)")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not "
                                  "supported; leave them False")
    rows = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        with ag.no_grad():
            table = weight.array
            used = np.unique(indices)
            norms = np.linalg.norm(table[used], ord=norm_type, axis=1)
            scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
            table[used] *= scale[:, None].astype(table.dtype)
            weight.copy_(table)
    out = weight[indices]
    if padding_idx is not None:
        padding_idx = padding_idx + rows if padding_idx < 0 else padding_idx
        pad = (indices == padding_idx)[..., None]
        if pad.any():
            out = ag.where(pad, weight.detach()[indices], out)
    return out
