"""Normalisation layers: `BatchNorm1d`, `BatchNorm2d` and `LayerNorm`, with PyTorch's
arguments, parameters, buffers and state-dict keys (`weight`, `bias`, `running_mean`,
`running_var`, `num_batches_tracked`), so their weights move between the two libraries::

    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU())
    model.train(); model(x)     # batch statistics; the running ones move by `momentum`
    model.eval(); model(x)      # the running statistics
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd_lite as ag

from . import functional as F
from .module import Module, Parameter, _size

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]


class _BatchNorm(Module):
    """Shared by BatchNorm1d and BatchNorm2d; subclasses say which input ranks they take."""

    _ranks: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, dtype: Any = None,
                 bias: bool = True, *, device: Any = None) -> None:
        super().__init__()
        self.num_features = _size(num_features, "num_features", self)
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = ag.get_default_dtype() if dtype is None else dtype
        if affine:
            self.weight = Parameter(np.ones(self.num_features, dtype))
            self.bias = Parameter(np.zeros(self.num_features, dtype)) if bias else None
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", ag.from_numpy(np.zeros(self.num_features, dtype)))
            self.register_buffer("running_var", ag.from_numpy(np.ones(self.num_features, dtype)))
            self.register_buffer("num_batches_tracked", ag.from_numpy(np.array(0, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        if device is not None:
            self.to(device)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches counted."""
        if self.track_running_stats:
            with ag.no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, weight 1 and bias 0."""
        self.reset_running_stats()
        with ag.no_grad():
            if self.weight is not None:
                self.weight.fill_(1)
            if self.bias is not None:
                self.bias.zero_()

    def _check_input(self, input: ag.Tensor) -> None:
        if input.ndim not in self._ranks:
            wanted = " or ".join(f"{rank}D" for rank in self._ranks)
            raise ValueError(f"expected {wanted} input (got {input.ndim}D input)")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with ag.no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs over the batch (and length):
    $y = (x - \\mathrm{E}[x]) / \\sqrt{\\mathrm{Var}[x] + \\epsilon} \\cdot \\gamma + \\beta$.
    In training mode the batch's statistics are used and `running_mean` / `running_var`
    move towards them by `momentum` (`None`: a cumulative average); in eval mode the running
    ones are used.

    >>> bn = nn.BatchNorm1d(3)
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    _ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs over the batch and the spatial dimensions,
    per channel; otherwise as `BatchNorm1d`.

    >>> nn.BatchNorm2d(16)(ag.randn(8, 16, 5, 5)).shape
    (8, 16, 5, 5)
    """

    _ranks = (4,)


class LayerNorm(Module):
    """Layer normalisation over the last dimensions (`normalized_shape`), per sample:
    $y = (x - \\mathrm{E}[x]) / \\sqrt{\\mathrm{Var}[x] + \\epsilon} \\cdot \\gamma + \\beta$
    with `weight` ($\\gamma$, ones) and `bias` ($\\beta$, zeros) of shape `normalized_shape`.

    >>> nn.LayerNorm(4)(ag.randn(2, 3, 4)).shape
    (2, 3, 4)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, dtype: Any = None, *,
                 device: Any = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = ag.get_default_dtype() if dtype is None else dtype
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype))
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype)) if bias else None
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Weight 1 and bias 0."""
        with ag.no_grad():
            if self.weight is not None:
                self.weight.fill_(1)
            if self.bias is not None:
                self.bias.zero_()

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
