"""`ag.autograd`: PyTorch's functional entry to the engine, `autograd.grad`, and `Function`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .engine import _root_grad, backpropagate
from .function import Function, detect_anomaly, set_detect_anomaly
from .tensor import Tensor

__all__ = ["grad", "backward", "Function", "detect_anomaly", "set_detect_anomaly"]


def _as_list(x: Any) -> list:
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """The gradients of `outputs` with respect to `inputs`, returned (not put in `.grad`).

    `grad_outputs` are the vectors of the vector-Jacobian product (needed for non-scalar
    outputs). With `create_graph=True` the result can be differentiated again.

    >>> (dx,) = ag.autograd.grad((x ** 3).sum(), x, create_graph=True)
    """
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = _as_list(grad_outputs) if not isinstance(grad_outputs, Tensor) \
            else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"autograd.grad: grad_outputs has {len(grad_outputs)} entries but there are "
            f"{len(outputs)} outputs; give one per output")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(
                f"autograd.grad: input {i} does not require grad; create it with "
                "requires_grad=True")
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor) or not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn: "
                "the output does not depend on any input that requires grad")
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
            final.append(None)
        elif isinstance(g, Tensor):
            final.append(g)
        else:
            final.append(Tensor._make(g.astype(t.data.dtype, copy=False), False, None))
    return tuple(final)


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
             retain_graph: bool | None = None, create_graph: bool = False) -> None:
    """Accumulate the gradients of several `tensors` into the leaves, in one pass."""
    tensors = _as_list(tensors)
    grads = [None] * len(tensors) if grad_tensors is None else _as_list(grad_tensors)
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
    roots = [_root_grad(t, g, "backward()", create_graph) for t, g in zip(tensors, grads)]
    backpropagate(tensors, roots, create_graph if retain_graph is None else retain_graph,
                  create_graph)


Function = Function
