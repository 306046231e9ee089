"""The backward pass: the chain rule over the graph, in reverse topological order.

Three steps a reader can find by name:
- `count_dependencies`: walk the graph from the roots (an explicit stack, no recursion) and count,
  for every node and leaf, how many edges bring it a gradient;
- `backpropagate`: Kahn's order: a node runs once every gradient for it has arrived, so fan-out
  is summed before it flows on;
- `unbroadcast`: the one place where a gradient of a broadcast shape is summed back to its
  input's shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import arrays
from .arrays import as_array, is_array, ndarray
from .device import device_of
from .function import FREED, Function, OutputOf, Released, _clock, _mode, freed_error

Tensor: Any = None  # registered by tensor.py, which imports this module (Function <-> Tensor)


def unbroadcast(grad: Any, shape: tuple, node: Function | None = None, index: int = 0) -> Any:
    """Sum `grad` over the dimensions that broadcasting added or stretched, to get `shape`
    (`node` and `index` name the op and its input in the error for a gradient that cannot)."""
    extra = grad.ndim - len(shape)
    if extra < 0 or any(n != 1 and n != g for n, g in zip(shape, grad.shape[extra:])):
        where = f"{node.name()} returned" if node is not None else "got"
        raise RuntimeError(
            f"{where} a gradient of shape {tuple(grad.shape)} for its input {index}, which has "
            f"shape {tuple(shape)}; a Function's backward must return one gradient per input, "
            "of the input's shape (or a shape that broadcasts to it)")
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)  # the method: a third quicker than np.sum
    if extra or grad.shape != shape:
        grad = np.reshape(grad, shape)
    return grad


def count_dependencies(roots: Sequence[Any]) -> dict:
    """For each node and leaf reachable from `roots`, the number of edges that lead into it
    (the roots themselves start at 0)."""
    dependencies = dict.fromkeys(roots, 0)
    stack = [r for r in dependencies if not isinstance(r, Tensor)]
    pop, push = stack.pop, stack.append
    while stack:
        for parent in pop().inputs:
            if parent is None:
                continue
            if parent in dependencies:
                dependencies[parent] += 1
            else:
                dependencies[parent] = 1
                if not isinstance(parent, Tensor):
                    push(parent)
    return dependencies


KEEP_ELEMENTS = 64
"""The teaching rule: after a backward pass without `retain_graph`, a graph keeps the values
and gradients of its tensors of at most this many numbers (so the pictures and `explain` of a
small example stay whole) and lets every larger one go, as PyTorch does. With
`retain_graph=True` or `create_graph=True` it keeps them all."""

class _NotKept:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<gradient not kept: see engine.KEEP_ELEMENTS>"


NOT_KEPT = _NotKept()
"""A node's `out_grad` after a backward pass that did not keep it (see `KEEP_ELEMENTS`)."""


def backpropagate(
    roots: Sequence[Tensor],
    root_grads: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
    record: bool = False,
) -> list | None:
    """Run the chain rule from `roots` (seeded with `root_grads`), node by node in Kahn's
    order (`chain_rule` is one node's step), summing the gradients where paths meet.

    Without `inputs`, gradients accumulate into `.grad` of the leaves (and of tensors that
    called `retain_grad()`); with `inputs`, they are returned for those tensors instead and
    no `.grad` is touched (this is `autograd.grad`). Each node records the gradient it got
    and passed (`out_grad`, `passed`) for the pictures; without `retain_graph` the large ones
    are let go at once (`release`). `record` is a pass for the pictures: everything is kept,
    no hook runs and no `.grad` changes.
    """
    grads: dict = {}
    keys = []
    for root, grad in zip(roots, root_grads):
        key = root.grad_fn if root.grad_fn is not None else root
        grads[key] = grads[key] + grad if key in grads else grad
        keys.append(key)
    dependencies = count_dependencies(keys)
    wanted = None
    if inputs is not None:
        wanted = {(t.grad_fn if t.grad_fn is not None else t): None for t in inputs}

    previous_grad_mode = _mode.grad_enabled
    _mode.grad_enabled = create_graph
    check_finite = _mode.anomaly and _mode.check_nan
    keep_all = retain_graph or create_graph or record  # else the teaching rule: see release
    owned: set = set()
    # inf and nan flow on silently, as in PyTorch (anomaly mode is the way to catch them)
    errstate = np.errstate(divide="ignore", invalid="ignore", over="ignore")
    errstate.__enter__()
    try:
        # (node, gradient) pairs whose gradient is complete; gradients still waiting for more
        # consumers wait in `grads` (in a chain, a gradient goes straight to `ready`)
        ready = [(k, grads.pop(k)) for k in dict.fromkeys(keys) if not dependencies[k]]
        while ready:
            node, grad = ready.pop()
            if isinstance(node, Tensor):  # a leaf (what reached it is kept for the pictures)
                received = grad if keep_all or grad.size <= KEEP_ELEMENTS else None
                node._received = received
                if wanted is None:
                    if not record:  # (a recorded array is not handed over to .grad)
                        accumulate(node, grad, create_graph, owned if received is None else None)
                elif node in wanted:
                    if node._hooks and not record:
                        grad = _run_hooks(node._hooks, grad, create_graph)
                    wanted[node] = grad
                continue
            if node.hooks and not record:
                grad = _run_hooks(node.hooks, grad, create_graph)
            if wanted is not None and node in wanted:
                wanted[node] = grad
            if type(node) is OutputOf:  # one output of several: its owner waits for them all
                owner, grad = _gather(node, grad, grads, dependencies, create_graph)
                if not keep_all and node.out_grad.size > KEEP_ELEMENTS:
                    release(node)
                if owner is None:
                    continue
                # the owner's step, with one gradient per output, at once (it would be next
                # from `ready`)
                node = owner
                outputs = chain_rule(node, grad, retain_graph, create_graph, check_finite,
                                     several=True)
                node.out_grad, node.passed = [_as_array(g) for g in grad], None
                large = not keep_all and any(g.size > KEEP_ELEMENTS for g in node.out_data)
            else:
                outputs = chain_rule(node, grad, retain_graph, create_graph, check_finite)
                node.out_grad, node.passed = (grad.array if create_graph else grad), None
                large = not keep_all and grad.size > KEEP_ELEMENTS
            # each input's gradient, in the input's shape, is sent on
            args = node.args
            for index, parent in enumerate(node.inputs):
                parent_grad = outputs[index]
                if parent is None or parent_grad is None:
                    continue
                if type(parent_grad) is not ndarray:
                    parent_grad = _as_gradient(parent_grad, create_graph)
                shape = args[index].array.shape
                if parent_grad.shape != shape:
                    parent_grad = unbroadcast(parent_grad, shape, node, index)
                if not keep_all and parent_grad.size > KEEP_ELEMENTS:
                    large = True
                left = dependencies[parent] - 1
                if left:
                    dependencies[parent] = left
                    existing = grads.get(parent)
                    grads[parent] = parent_grad if existing is None else existing + parent_grad
                    _share(node, index, parent_grad)
                else:
                    if parent in grads:
                        _share(node, index, parent_grad)
                        parent_grad = grads.pop(parent) + parent_grad
                    ready.append((parent, parent_grad))
            if large:
                release(node)
    finally:
        _mode.grad_enabled = previous_grad_mode
        errstate.__exit__(None, None, None)
    if wanted is None:
        return None
    return [wanted[(t.grad_fn if t.grad_fn is not None else t)] for t in inputs]


def _gather(node: OutputOf, grad: Any, grads: dict, dependencies: dict,
            create_graph: bool) -> tuple:
    """Put the gradient of output `node.index` in its owner's list of gradients, one per
    output. Once every output that leads to the roots has sent its own, the owner is ready:
    `(owner, its list)`, else `(None, None)`."""
    owner = node.owner
    node.out_grad, node.passed = (grad.array if create_graph else grad), None
    slots = grads.get(owner)
    if slots is None:
        grads[owner] = slots = [None] * len(owner.out_data)
    existing = slots[node.index]  # (several edges of one output: saved ones under create_graph)
    slots[node.index] = grad if existing is None else existing + grad
    left = dependencies[owner] - 1
    if left:
        dependencies[owner] = left
        return None, None
    return owner, grads.pop(owner)


def _as_array(grad: Any) -> Any:
    return grad.array if isinstance(grad, Tensor) else grad


def _share(node: Function, index: int, grad: Any) -> None:
    """Record, for the pictures, the gradient `node` passed to its input `index` where paths
    meet (elsewhere the input's own recorded gradient tells it: recording every edge would
    keep a container alive per node, which the cyclic collector then scans, 2,600
    instructions per op on a chain)."""
    shares = node.passed
    if shares is None:
        node.passed = shares = [None] * len(node.inputs)
    shares[index] = grad


def chain_rule(node: Function, grad: Any, retain_graph: bool, create_graph: bool,
               check_finite: bool, several: bool = False) -> tuple:
    """One node's step of the backward pass: its op's derivative, the gradient of each input
    (None where none is needed) from the gradient of its output.

    Before the op's `backward` runs, its saved tensors are checked (freed by an earlier pass;
    changed in place since); after it, they are freed unless `retain_graph`. The result is
    checked for one gradient per input (and, in anomaly mode, for NaN and inf).
    """
    saved = node.saved_tensors
    if saved:
        if saved is FREED:
            raise freed_error(node.name())
        if node._clock != _clock[0]:
            node._check_versions()
        if create_graph:
            node.saved_tensors = node._saved_as_tensors()
    if several:  # `grad` has one gradient per output of a node with several (see OutputOf)
        outputs = node.backward(node, *node._output_grads(grad, create_graph))
    else:
        outputs = node.backward(node, grad)
    if saved:  # freed, so that a second backward through it raises
        node.saved_tensors = saved if retain_graph else FREED
    if type(outputs) is not tuple:
        outputs = tuple(outputs) if isinstance(outputs, list) else (outputs,)
    if len(outputs) != len(node.inputs):
        raise RuntimeError(
            f"{node.name()}: backward returned {len(outputs)} gradient(s) but forward "
            f"took {len(node.inputs)} input(s); return one per input (None for those "
            "without one)")
    if check_finite:
        _check_finite(node, outputs)
    return outputs


def release(node: Function) -> None:
    """The teaching rule (`KEEP_ELEMENTS`), after a node's step in a backward pass without
    `retain_graph`: the node lets go of its values and gradients of more than KEEP_ELEMENTS
    numbers (a value's shape and dtype stay, as `Released`) and keeps the small ones."""
    if type(node.out_data) is tuple:  # several outputs: the large ones go
        node.out_data = tuple(Released(o) if is_array(o) and o.size > KEEP_ELEMENTS
                              else o for o in node.out_data)
        if any(o.size > KEEP_ELEMENTS for o in node.out_data):
            node.out_grad = NOT_KEPT
    elif node.out_grad.size > KEEP_ELEMENTS:
        node.out_grad = NOT_KEPT
        if is_array(node.out_data):  # (a second pass through a graph finds it Released)
            node.out_data = Released(node.out_data)
    if node.passed is not None:
        node.passed = [None if g is None or g.size > KEEP_ELEMENTS else g for g in node.passed]
    node.args = tuple(Released(a.array) if isinstance(a, Tensor) and a.array.size > KEEP_ELEMENTS
                      else a for a in node.args)


def _as_gradient(grad: Any, create_graph: bool) -> Any:
    """A gradient a backward returned, as the pass needs it: a Tensor when recording, else an
    ndarray (user Functions may return Tensors, NumPy scalars or numbers)."""
    if create_graph:
        return grad if isinstance(grad, Tensor) else Tensor._make(as_array(grad), False, None)
    return grad.array if isinstance(grad, Tensor) else as_array(grad)



def _check_finite(node: Function, outputs: list) -> None:
    for index, g in enumerate(outputs):
        data = g.array if isinstance(g, Tensor) else g
        if g is not None and data.dtype.kind in "fc" and not np.isfinite(data).all():
            kind = "nan" if np.isnan(data).any() else "inf"
            where = "".join(node.trace or ["  (no forward trace: the op ran before anomaly "
                                           "detection was enabled)\n"])
            raise RuntimeError(
                f"Function '{node.name()}' returned {kind} values in its {index}th output.\n"
                f"The forward call that created it:\n{where}")


def _run_hooks(hooks: list, grad: Any, create_graph: bool) -> Any:
    """Run a tensor's gradient hooks in order; each may replace the gradient. `retain_grad`
    stores it after all of them (whenever it was called), as in PyTorch."""
    retains = []
    for hook in hooks:
        if isinstance(hook, RetainGrad):
            retains.append(hook)
            continue
        as_tensor = grad if create_graph else Tensor._make(grad, False, None)
        result = hook(as_tensor)
        if result is not None:
            if not isinstance(result, Tensor):
                raise TypeError(
                    f"a gradient hook must return a Tensor or None, got {type(result).__name__}")
            if result.shape != grad.shape:
                raise RuntimeError(
                    f"a gradient hook returned shape {result.shape} for a gradient of shape "
                    f"{tuple(grad.shape)}; hooks must keep the shape")
            grad = result if create_graph else result.array
    for hook in retains:
        hook.store(grad, create_graph)
    return grad


class RetainGrad:
    """The hook `retain_grad()` puts on a non-leaf tensor: keeps its gradient in `.grad`."""

    __slots__ = ("tensor",)

    def __init__(self, tensor: Tensor) -> None:
        import weakref
        self.tensor = weakref.ref(tensor)

    def store(self, grad: Any, create_graph: bool) -> None:
        tensor = self.tensor()
        if tensor is not None:
            accumulate(tensor, grad, create_graph)


def accumulate(leaf: Tensor, grad: Any, create_graph: bool, owned: set | None = None) -> None:
    """Add `grad` into `leaf.grad`, after the leaf's hooks, in the leaf's dtype.

    `owned` holds the ids of arrays this backward pass already handed to a `.grad`: an array
    the pass made itself and gave to no one else is kept as it is, any other is copied.
    """
    if leaf._hooks:
        grad = _run_hooks(leaf._hooks, grad, create_graph)
        owned = None  # a hook may return an array that lives elsewhere
    if create_graph:
        if grad.dtype != leaf.dtype:
            grad = grad.to(leaf.dtype)
        leaf._grad = grad if leaf._grad is None else leaf._grad + grad
        return
    if leaf._grad is None:
        if (owned is not None and type(grad) is ndarray and grad.flags.owndata
                and grad.flags.writeable and grad.dtype == leaf.array.dtype
                and id(grad) not in owned):
            owned.add(id(grad))
        else:  # shared, a broadcast view, or another dtype: take a copy of our own
            grad = arrays.copy(grad, leaf.array.dtype)
        leaf._grad = Tensor._make(grad, False, None)
    else:
        existing = leaf._grad
        if existing.requires_grad:  # left over from a create_graph pass: do not write into it
            leaf._grad = Tensor._make(existing.array + grad, False, None)
        else:
            existing.array += grad
            existing._version += 1


def run_backward(
    tensor: Tensor, gradient: Any = None, retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """`tensor.backward(...)`: check the arguments, then backpropagate into `.grad`."""
    if not tensor.requires_grad:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a grad_fn: "
            "nothing to differentiate. Create the inputs with requires_grad=True (or call "
            ".requires_grad_()) before computing this tensor.")
    root_grad = _root_grad(tensor, gradient, "backward()", create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    backpropagate([tensor], [root_grad], retain_graph, create_graph)


def _root_grad(tensor: Tensor, gradient: Any, what: str, create_graph: bool) -> Any:
    if gradient is None:
        if tensor.array.size != 1:
            raise RuntimeError(
                f"{what}: grad can be implicitly created only for scalar outputs, but this "
                f"tensor has shape {tuple(tensor.shape)}. Reduce it first (e.g. .sum()) or "
                "pass gradient=, a tensor of the same shape.")
        grad = np.ones_like(tensor.array)
        return Tensor._make(grad, False, None) if create_graph else grad
    if isinstance(gradient, Tensor):
        data = gradient.array
        if device_of(data) != device_of(tensor.array):
            raise RuntimeError(f"{what}: invalid gradient - expected device "
                               f"{device_of(tensor.array)} but got {device_of(data)}: move it "
                               "with .to(output.device)")
    else:
        try:
            data = arrays.like(gradient, tensor.array, tensor.array.dtype)
        except (TypeError, ValueError):
            raise TypeError(f"{what}: gradient must be a Tensor (or numbers of the output's "
                            f"shape {tuple(tensor.shape)}), got {type(gradient).__name__} "
                            f"{gradient!r:.60}") from None
    if data.shape != tensor.shape:
        raise RuntimeError(
            f"{what}: mismatch in shape: the gradient has shape {tuple(data.shape)} and the "
            f"output has shape {tuple(tensor.shape)}; they must be equal")
    if create_graph:
        return gradient if isinstance(gradient, Tensor) else Tensor._make(data, False, None)
    return arrays.copy(data, tensor.array.dtype)  # a copy: the pass may keep it as a .grad


# --- PyTorch's functional entries: autograd.grad and autograd.backward -------------------

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
            final.append(Tensor._make(np.zeros_like(t.array), create_graph, None)
                         if materialize_grads else None)
        elif isinstance(g, Tensor):
            final.append(g)
        else:
            final.append(Tensor._make(g.astype(t.array.dtype, copy=False), False, None))
    return tuple(final)


def _accumulate(tensor: Tensor, grad: Any, create_graph: bool) -> None:
    """Add `grad` into `tensor.grad` (hooks have already run), in the tensor's dtype."""
    if create_graph:
        grad = grad if isinstance(grad, Tensor) else Tensor._make(as_array(grad), False, None)
        if grad.array.dtype != tensor.array.dtype:
            grad = grad.to(tensor.dtype)
        tensor._grad = grad if tensor._grad is None else tensor._grad + grad
        return
    data = grad.array if isinstance(grad, Tensor) else grad
    existing = tensor._grad
    if existing is None:
        tensor._grad = Tensor._make(arrays.copy(data, tensor.array.dtype), False, None)
    elif existing.requires_grad:  # left over from a create_graph pass: do not write into it
        tensor._grad = Tensor._make(existing.array + data, False, None)
    else:
        existing.array += data
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
