"""Initialisers that fill a tensor in place, with PyTorch's names, formulas and fan rules.

Each random initialiser takes `generator=` (an `np.random.Generator`) or `seed=`; without either
it draws from autograd_lite's default generator, so `ag.manual_seed(n)` makes a run reproducible
to the bit. Values are drawn in float64 and stored in the tensor's dtype, under `ag.no_grad`::

    w = ag.zeros(64, 32)   # or any Tensor
    nn.init.kaiming_uniform_(w, nonlinearity="relu", seed=0)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_lite as ag

__all__ = [
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


def _generator(generator: np.random.Generator | None, seed: int | None) -> np.random.Generator:
    """The generator to draw from: the one given, a new one from `seed`, or the default."""
    if generator is not None and seed is not None:
        raise ValueError("pass either generator= or seed=, not both")
    if generator is not None:
        if not isinstance(generator, np.random.Generator):
            raise TypeError("generator must be an np.random.Generator "
                            f"(e.g. np.random.default_rng(0)), got {type(generator).__name__}")
        return generator
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
        return np.random.default_rng(int(seed) % 2**64)  # PyTorch takes negative seeds too
    return ag.default_generator()


def _fill(tensor: ag.Tensor, values: Any) -> ag.Tensor:
    if not isinstance(tensor, ag.Tensor):
        raise TypeError(f"nn.init expects a Tensor, got {type(tensor).__name__}")
    with ag.no_grad():
        tensor.copy_(values)
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table): 1 for linear and sigmoid,
    5/3 for tanh, $\\sqrt 2$ for relu, $\\sqrt{2 / (1 + a^2)}$ for leaky_relu with slope $a$
    (default 0.01), 3/4 for selu.

    >>> nn.init.calculate_gain("relu")
    1.4142135623730951
    """
    linear = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid"}
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: ag.Tensor) -> tuple[int, int]:
    """PyTorch's fans: for a weight of shape (out, in, *kernel), fan_in = in * prod(kernel)
    and fan_out = out * prod(kernel)."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         f"dimensions (got shape {tuple(tensor.shape)})")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fan(tensor: ag.Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: ag.Tensor, a: float = 0.0, b: float = 1.0, *,
             generator: np.random.Generator | None = None, seed: int | None = None
             ) -> ag.Tensor:
    """Fill with draws from $U(a, b)$.

    >>> nn.init.uniform_(ag.zeros(3), -1, 1, seed=0)
    """
    return _fill(tensor, _generator(generator, seed).uniform(a, b, tensor.shape))


def normal_(tensor: ag.Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: np.random.Generator | None = None, seed: int | None = None
            ) -> ag.Tensor:
    """Fill with draws from $N(\\mathrm{mean}, \\mathrm{std}^2)$.

    >>> nn.init.normal_(ag.zeros(3), std=0.01, seed=0)
    """
    return _fill(tensor, _generator(generator, seed).normal(mean, std, tensor.shape))


def constant_(tensor: ag.Tensor, val: float) -> ag.Tensor:
    """Fill with `val`."""
    return _fill(tensor, val)


def zeros_(tensor: ag.Tensor) -> ag.Tensor:
    """Fill with zeros."""
    return _fill(tensor, 0.0)


def ones_(tensor: ag.Tensor) -> ag.Tensor:
    """Fill with ones."""
    return _fill(tensor, 1.0)


def xavier_uniform_(tensor: ag.Tensor, gain: float = 1.0, *,
                    generator: np.random.Generator | None = None, seed: int | None = None
                    ) -> ag.Tensor:
    """Glorot uniform: $U(-b, b)$ with $b = \\mathrm{gain}\\sqrt{6 / (\\mathrm{fan_{in}} +
    \\mathrm{fan_{out}})}$.

    >>> nn.init.xavier_uniform_(layer.weight, gain=nn.init.calculate_gain("tanh"))
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if tensor.array.size == 0:
        return tensor
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator=_generator(generator, seed))


def xavier_normal_(tensor: ag.Tensor, gain: float = 1.0, *,
                   generator: np.random.Generator | None = None, seed: int | None = None
                   ) -> ag.Tensor:
    """Glorot normal: $N(0, \\sigma^2)$ with $\\sigma = \\mathrm{gain}\\sqrt{2 /
    (\\mathrm{fan_{in}} + \\mathrm{fan_{out}})}$.

    >>> nn.init.xavier_normal_(layer.weight)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if tensor.array.size == 0:
        return tensor
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator=_generator(generator, seed))


def kaiming_uniform_(tensor: ag.Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", *,
                     generator: np.random.Generator | None = None, seed: int | None = None
                     ) -> ag.Tensor:
    """He uniform: $U(-b, b)$ with $b = \\mathrm{gain}\\sqrt{3 / \\mathrm{fan}}$, gain from
    `calculate_gain(nonlinearity, a)`. With `a=sqrt(5)` (what `Linear` uses) this is
    $U(-1/\\sqrt{\\mathrm{fan_{in}}}, 1/\\sqrt{\\mathrm{fan_{in}}})$.

    >>> nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu", seed=0)
    """
    if tensor.array.size == 0:  # nothing to fill (and no fan to divide by), as in PyTorch
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator=_generator(generator, seed))


def kaiming_normal_(tensor: ag.Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", *,
                    generator: np.random.Generator | None = None, seed: int | None = None
                    ) -> ag.Tensor:
    """He normal: $N(0, \\sigma^2)$ with $\\sigma = \\mathrm{gain} / \\sqrt{\\mathrm{fan}}$.

    >>> nn.init.kaiming_normal_(layer.weight, mode="fan_out", nonlinearity="relu")
    """
    if tensor.array.size == 0:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator=_generator(generator, seed))
