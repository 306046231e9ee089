"""`nn.utils`: gradient clipping and flattening parameters, as `torch.nn.utils`::

    loss.backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

import autograd_lite as ag

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "vector_to_parameters"]


def _tensors(parameters: ag.Tensor | Iterable[ag.Tensor]) -> list[ag.Tensor]:
    return [parameters] if isinstance(parameters, ag.Tensor) else list(parameters)


def get_total_norm(tensors: ag.Tensor | Iterable[ag.Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> ag.Tensor:
    """The `norm_type`-norm of the norms of `tensors` (the norm of all their entries as one
    vector), as a 0-d Tensor; `inf` is the largest absolute entry.

    >>> nn.utils.get_total_norm([ag.tensor([3.]), ag.tensor([4.])])
    tensor(5.)
    """
    arrays = [t.array for t in _tensors(tensors) if t is not None]
    if not arrays:
        return ag.tensor(0.0)
    norm_type = float(norm_type)
    dtype = np.result_type(*arrays)
    # each norm is a 0-d array where the tensors live (a NumPy scalar on the CPU)
    norms = np.stack([np.linalg.norm(a.ravel(), norm_type).astype(dtype) for a in arrays])
    total = ag.arrays.like(np.linalg.norm(norms, norm_type), arrays[0], dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return ag.from_numpy(total)


def clip_grads_with_norm_(parameters: ag.Tensor | Iterable[ag.Tensor], max_norm: float,
                          total_norm: ag.Tensor | float, foreach: bool | None = None) -> None:
    """Scale the gradients in place by $\\min(1, \\mathrm{max\\_norm} / (\\mathrm{total} +
    10^{-6}))$, with a total norm computed before (`get_total_norm`)."""
    grads = [p.grad for p in _tensors(parameters) if p.grad is not None]
    if isinstance(total_norm, ag.Tensor):  # computed where it lives: no copy to the host
        total = total_norm.array.astype(np.float64)
        scale = np.minimum(float(max_norm) / (total + 1e-6), 1.0)
    else:
        scale = np.float64(min(float(max_norm) / (float(total_norm) + 1e-6), 1.0))
    with ag.no_grad():
        for grad in grads:
            grad.copy_(grad.array * ag.arrays.like(scale, grad.array, grad.array.dtype))


def clip_grad_norm_(parameters: ag.Tensor | Iterable[ag.Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> ag.Tensor:
    """Rescale the gradients of `parameters` in place so that their total `norm_type`-norm
    (all gradients as one vector) is at most `max_norm`: each is multiplied by
    $\\min(1, \\mathrm{max\\_norm} / (\\mathrm{total} + 10^{-6}))$. Returns the total norm
    from before clipping, a 0-d Tensor, as PyTorch does.

    >>> loss.backward()
    >>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    tensor(3.2051)
    """
    params = _tensors(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return ag.tensor(0.0)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters: ag.Tensor | Iterable[ag.Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient entry of `parameters` to [-clip_value, clip_value], in place.

    >>> nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
    """
    limit = float(clip_value)
    with ag.no_grad():
        for param in _tensors(parameters):
            if param.grad is not None:
                param.grad.copy_(np.clip(param.grad.array, -limit, limit))


def parameters_to_vector(parameters: Iterable[ag.Tensor]) -> ag.Tensor:
    """All parameters flattened and joined into one 1-D Tensor (differentiable).

    >>> nn.utils.parameters_to_vector(nn.Linear(2, 3).parameters()).shape
    (9,)
    """
    return ag.cat([p.reshape(-1) for p in parameters], 0)


def vector_to_parameters(vec: ag.Tensor, parameters: Iterable[ag.Tensor]) -> None:
    """Copy consecutive pieces of the 1-D `vec` into `parameters`, in place."""
    if not isinstance(vec, ag.Tensor):
        raise TypeError(f"expected Tensor, but got: {type(vec).__name__}")
    values = vec.detach().array
    offset = 0
    with ag.no_grad():
        for param in parameters:
            count = math.prod(param.shape)
            param.copy_(values[offset:offset + count].reshape(param.shape))
            offset += count
