"""`ag.autograd`: PyTorch's functional entry to the engine, `autograd.grad`, and `Function`.

As in `torch.autograd`, the grad-mode and anomaly-mode switches are here too, and
`ag.autograd.gradcheck` / `gradgradcheck` are the checks of `autograd_lite.gradcheck`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .engine import _root_grad, backpropagate
from .function import (
    Function,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from .tensor import Tensor

__all__ = ["grad", "backward", "Function", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "gradcheck", "gradgradcheck", "GradcheckError"]


def _as_list(x: Any, what: str = "") -> list:
    if isinstance(x, Tensor):
        return [x]
    try:
        return list(x)
    except TypeError:
        raise TypeError(f"{what}expected a Tensor or a sequence of Tensors, got "
                        f"{type(x).__name__}") from None


def _check_outputs(outputs: list, what: str) -> None:
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"{what}: element {i} of the outputs is a {type(out).__name__}, "
                            "not a Tensor")
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn: "
                "the output does not depend on any input that requires grad. Create the "
                "inputs with requires_grad=True (and compute outside no_grad()).")


def _check_inputs(inputs: list, what: str) -> None:
    if not inputs:
        raise RuntimeError(f"`inputs` argument to `{what}()` cannot be empty: name the tensors "
                           "to differentiate with respect to")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: input {i} is a {type(t).__name__}, not a Tensor")
        if not t.requires_grad:
            raise RuntimeError(
                f"One of the differentiated Tensors does not require grad: {what} input {i} "
                f"(shape {tuple(t.shape)}); create it with requires_grad=True")


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple:
    """The gradients of `outputs` with respect to `inputs`, returned (not put in `.grad`).

    `grad_outputs` are the vectors of the vector-Jacobian product (needed for non-scalar
    outputs; `None` entries stand for ones of scalar outputs). With `create_graph=True` the
    result can be differentiated again. An input the outputs do not depend on raises, unless
    `allow_unused=True` (its gradient is then None) or `materialize_grads=True` (zeros).

    >>> (dx,) = ag.autograd.grad((x ** 3).sum(), x, create_graph=True)
    """
    if materialize_grads:
        if allow_unused is False:
            raise ValueError(
                "Expected allow_unused to be True or not passed when materialize_grads=True, "
                "but got: allow_unused=False.")
        allow_unused = True
    outputs = _as_list(outputs, "autograd.grad: outputs: ")
    inputs = _as_list(inputs, "autograd.grad: inputs: ")
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = _as_list(grad_outputs, "autograd.grad: grad_outputs: ")
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"autograd.grad: got {len(outputs)} outputs and {len(grad_outputs)} grad_outputs; "
            "give one per output")
    _check_outputs(outputs, "autograd.grad")
    _check_inputs(inputs, "grad")
    root_grads = [_root_grad(out, g, "autograd.grad", create_graph)
                  for out, g in zip(outputs, grad_outputs)]
    if retain_graph is None:
        retain_graph = create_graph
    results = backpropagate(outputs, root_grads, retain_graph, create_graph, inputs=inputs)
    final = []
    for i, (t, g) in enumerate(zip(inputs, results)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}, shape {tuple(t.shape)}) "
                    "appears to not have been used in the graph. Set allow_unused=True if "
                    "this is the desired behavior.")
            final.append(Tensor._make(np.zeros_like(t.data), create_graph, None)
                         if materialize_grads else None)
        elif isinstance(g, Tensor):
            final.append(g)
        else:
            final.append(Tensor._make(g.astype(t.data.dtype, copy=False), False, None))
    return tuple(final)


def _accumulate(tensor: Tensor, grad: Any, create_graph: bool) -> None:
    """Add `grad` into `tensor.grad` (hooks have already run), in the tensor's dtype."""
    if create_graph:
        grad = grad if isinstance(grad, Tensor) else Tensor._make(np.asarray(grad), False, None)
        if grad.data.dtype != tensor.data.dtype:
            grad = grad.to(tensor.dtype)
        tensor._grad = grad if tensor._grad is None else tensor._grad + grad
        return
    data = grad.data if isinstance(grad, Tensor) else grad
    existing = tensor._grad
    if existing is None:
        tensor._grad = Tensor._make(np.array(data, dtype=tensor.data.dtype), False, None)
    elif existing.requires_grad:  # left over from a create_graph pass: do not write into it
        tensor._grad = Tensor._make(existing.data + data, False, None)
    else:
        existing.data += data
        existing._version += 1


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Tensor | Sequence[Tensor] | None = None) -> None:
    """Accumulate the gradients of several `tensors` into the leaves, in one pass.

    With `inputs`, only those tensors (leaves or not) get a gradient in `.grad`.
    """
    tensors = _as_list(tensors, "autograd.backward: tensors: ")
    grads = ([None] * len(tensors) if grad_tensors is None
             else _as_list(grad_tensors, "autograd.backward: grad_tensors: "))
    if len(grads) != len(tensors):
        raise RuntimeError(
            f"autograd.backward: got {len(tensors)} tensors and {len(grads)} gradients; give "
            "one per tensor")
    _check_outputs(tensors, "autograd.backward")
    if inputs is not None:
        inputs = list(dict.fromkeys(_as_list(inputs, "autograd.backward: inputs: ")))
        _check_inputs(inputs, "backward")
    roots = [_root_grad(t, g, "backward()", create_graph) for t, g in zip(tensors, grads)]
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        backpropagate(tensors, roots, retain, create_graph)
        return
    results = backpropagate(tensors, roots, retain, create_graph, inputs=inputs)
    for t, g in zip(inputs, results):
        if g is not None:
            _accumulate(t, g, create_graph)


Function = Function

# gradcheck uses autograd.grad (at call time), so it is imported last
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
