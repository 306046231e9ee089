"""Functional transforms, JAX-style: `grad`, `value_and_grad`, `vjp`, `jvp`, `jacobian`,
`hessian`.

Each takes a function of Tensors (NumPy arrays and Python floats are accepted and converted) and
returns a function. They compose: `grad(grad(f))` and `hessian(f)` work because an inner
transform records its backward pass whenever its input is itself being differentiated.

As in JAX and `torch.func`, an argument or an output may also be a tuple, list or dict of
Tensors (a "pytree"): gradients, tangents and Jacobians come back in the same structure.
Misuse raises `TransformError` (a TypeError, as JAX raises, and a RuntimeError, as
`torch.func` raises); shapes that must agree and do not raise `TransformShapeError` (a
ValueError, as in JAX, and a RuntimeError).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import autograd
from .arrays import like
from .function import enable_grad, is_grad_enabled
from .joins import stack
from .tensor import Tensor, as_array

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "TransformError",
           "TransformShapeError"]


class TransformError(TypeError, RuntimeError):
    """A functional transform was called wrongly (an argument of the wrong kind, a non-scalar
    output for `grad`, ...): a TypeError, as JAX raises, and a RuntimeError, as `torch.func`
    raises, so code written for either catches it."""


class TransformShapeError(ValueError, RuntimeError):
    """Shapes or structures that must agree do not (a cotangent and its output, a tangent and
    its primal): a ValueError, as JAX raises, and a RuntimeError, as `torch.func` raises."""


class _ArgnumsRangeError(TransformError, IndexError):
    """An `argnums` entry names an argument that was not passed."""


# ----- pytrees: tuples, lists and dicts of Tensors --------------------------------------------

def _is_tree(value: Any) -> bool:
    """Whether `value` is a structure of Tensors rather than one value: a dict, or a tuple or
    list holding a Tensor somewhere (a list of numbers stays one value, converted to an
    array)."""
    if isinstance(value, dict):
        return True
    if isinstance(value, (tuple, list)):
        return any(isinstance(v, Tensor) or _is_tree(v) for v in value)
    return False


def _flatten(value: Any) -> tuple[list, Any]:
    """The leaves of `value` in order, and the spec `_unflatten` rebuilds it from."""
    if not _is_tree(value):
        return [value], None
    if isinstance(value, dict):
        keys, children = list(value), list(value.values())
    else:
        keys, children = None, list(value)
    leaves, specs = [], []
    for child in children:
        child_leaves, spec = _flatten(child)
        leaves += child_leaves
        specs.append((spec, len(child_leaves)))
    return leaves, (type(value), keys, specs)


def _unflatten(spec: Any, leaves: Sequence) -> Any:
    """`leaves` put back into the structure `spec` describes."""
    if spec is None:
        return leaves[0]
    kind, keys, specs = spec
    children, start = [], 0
    for child_spec, count in specs:
        children.append(_unflatten(child_spec, leaves[start:start + count]))
        start += count
    if keys is not None:
        return kind(zip(keys, children))
    if issubclass(kind, tuple) and hasattr(kind, "_fields"):  # a namedtuple
        return kind(*children)
    return kind(children)


def _detach_tree(value: Any) -> Any:
    leaves, spec = _flatten(value)
    return _unflatten(spec, [v.detach() if isinstance(v, Tensor) else v for v in leaves])


# ----- arguments and outputs -------------------------------------------------------------------

def _leaf(value: Any, what: str) -> tuple[Tensor, bool]:
    """The tensor to differentiate at, and whether an outer transform is watching it."""
    if isinstance(value, Tensor) and value.requires_grad and is_grad_enabled():
        return value, True
    data = value.array if isinstance(value, Tensor) else as_array(value, copy=False, what=what)
    if data.dtype.kind not in "fc":
        raise TransformError(
            f"{what}: differentiation needs floating-point inputs, got {data.dtype.name}; "
            "pass floats (e.g. 1.0 instead of 1)")
    return Tensor._make(data, True, None), False


def _argnums(argnums: Any, what: str) -> tuple:
    nums = (argnums,) if isinstance(argnums, int) else argnums
    if (not isinstance(nums, (tuple, list)) or isinstance(argnums, bool)
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in nums)):
        raise TransformError(
            f"{what}: argnums must be an int or a tuple of ints, got {argnums!r}")
    if not nums:
        raise TransformError(f"{what}: argnums must be non-empty: name at least one argument "
                             "to differentiate")
    return tuple(nums)


def _prepare(args: tuple, argnums: Any, what: str) -> tuple:
    """The arguments with those in `argnums` replaced by leaves to differentiate at; the flat
    list of those leaves; per argnum, `(spec, count)` to rebuild its structure; and whether an
    outer transform watches any of them."""
    nums = _argnums(argnums, what)
    for n in nums:
        if not -len(args) <= n < len(args):
            raise _ArgnumsRangeError(
                f"{what}: argnums {n} is out of range: the function was called with "
                f"{len(args)} positional argument(s)")
    positions = [n % len(args) for n in nums]
    if len(set(positions)) != len(positions):
        raise TransformError(f"{what}: argnums elements must be unique, got {argnums!r}")
    args = list(args)
    inputs, layout, watched = [], [], False
    for n in positions:
        leaves, spec = _flatten(args[n])
        converted = []
        for value in leaves:
            leaf, outer = _leaf(value, what)
            converted.append(leaf)
            watched = watched or outer
        args[n] = _unflatten(spec, converted)
        inputs += converted
        layout.append((spec, len(converted)))
    return args, inputs, layout, watched


def _per_argnum(flat: list, layout: list, argnums: Any) -> Any:
    """Results for the flat list of leaves, regrouped per argnum in each one's structure."""
    grouped, start = [], 0
    for spec, count in layout:
        grouped.append(_unflatten(spec, flat[start:start + count]))
        start += count
    return grouped[0] if isinstance(argnums, int) else tuple(grouped)


def _split_aux(result: Any, has_aux: bool, what: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TransformError(
            f"{what}: with has_aux=True the function must return a pair (output, aux), got "
            f"{type(result).__name__}" + (f" of length {len(result)}"
                                          if isinstance(result, (tuple, list)) else ""))
    return result[0], result[1]


def _as_output(value: Any, what: str) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if _is_tree(value):
        raise TransformError(
            f"{what}: the function must return one Tensor, got a {type(value).__name__} of "
            "Tensors (use has_aux=True to return more, or jacobian / vjp for several outputs)")
    return Tensor._make(as_array(value, what=what), False, None)


def _outputs(value: Any, what: str) -> tuple[list, Any]:
    """The output leaves of `f` as Tensors, and the spec of their structure."""
    leaves, spec = _flatten(value)
    return [_as_output(v, what) for v in leaves], spec


def _zeros(t: Tensor) -> Tensor:
    return Tensor._make(np.zeros_like(t.array), False, None)


def _grads(outs: list, inputs: list, grad_outputs: list, create_graph: bool) -> list:
    """The vector-Jacobian products of `outs` (with `grad_outputs`) for each input; zeros for
    inputs the outputs do not depend on."""
    pairs = [(o, g) for o, g in zip(outs, grad_outputs) if o.requires_grad]
    if not pairs:
        return [_zeros(t) for t in inputs]
    results = autograd.grad([o for o, _ in pairs], inputs, [g for _, g in pairs],
                            retain_graph=True, create_graph=create_graph, allow_unused=True)
    return [_zeros(t) if g is None else g for t, g in zip(inputs, results)]


# ----- the transforms -------------------------------------------------------------------------

def _value_and_grad(f: Callable, argnums: Any, has_aux: bool, what: str) -> Callable:
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        args, inputs, layout, watched = _prepare(args, argnums, what)
        with enable_grad():
            result = f(*args, **kwargs)
        value, aux = _split_aux(result, has_aux, what)
        value = _as_output(value, what)
        if value.ndim != 0:
            raise TransformError(
                f"{what}: the function must return a scalar (a 0-d tensor), but its output has "
                f"shape {tuple(value.shape)}; use jacobian or vjp for non-scalar outputs, or "
                "reduce it (e.g. .sum())")
        grads = _grads([value], inputs, [None], create_graph=watched)
        if not watched:
            value, aux = value.detach(), _detach_tree(aux)
        gradient = _per_argnum(grads, layout, argnums)
        return ((value, aux) if has_aux else value), gradient
    return value_and_grad_f


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable:
    """A function returning `(f(*args), gradient of f w.r.t. args[argnums])`.

    `f` must return a scalar (or `(scalar, aux)` with `has_aux=True`, giving
    `((value, aux), gradient)`). With a tuple `argnums` the gradient is a tuple.

    >>> ag.value_and_grad(lambda x: (x ** 2).sum())(ag.tensor([1., 2.]))
    (tensor(5.), tensor([2., 4.]))
    """
    return _value_and_grad(f, argnums, has_aux, "value_and_grad")


def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """A function returning the gradient of scalar-valued `f` w.r.t. `args[argnums]`
    (`(gradient, aux)` with `has_aux=True`).

    >>> df = ag.grad(lambda x: x.sin())
    >>> df(0.0)
    tensor(1.)
    >>> ag.grad(ag.grad(lambda x: x ** 3))(2.0)    # gradients of gradients
    tensor(12.)
    """
    value_and_grad_f = _value_and_grad(f, argnums, has_aux, "grad")

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, gradient = value_and_grad_f(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient
    return grad_f


def vjp(f: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """`(f(*primals), vjp_fn)`, where `vjp_fn(cotangent)` returns the tuple of
    cotangent-Jacobian products, one per primal; `(output, vjp_fn, aux)` with `has_aux=True`.
    The cotangent has the output's structure and shapes."""
    args, inputs, layout, watched = _prepare(primals, tuple(range(len(primals))), "vjp")
    with enable_grad():
        result, aux = _split_aux(f(*args), has_aux, "vjp")
    outs, spec = _outputs(result, "vjp")

    def vjp_fn(cotangent: Any) -> tuple:
        cots, _ = _flatten(cotangent)
        if len(cots) != len(outs):
            raise TransformShapeError(
                f"vjp: the cotangent has {len(cots)} tensor(s) but the function has "
                f"{len(outs)} output(s); give one per output, in the output's structure")
        converted = []
        for i, (c, out) in enumerate(zip(cots, outs)):
            c = c if isinstance(c, Tensor) else Tensor._make(
                as_array(c, dtype=out.array.dtype), False, None)
            if c.shape != out.shape:
                raise TransformShapeError(
                    f"vjp: the cotangent{f' {i}' if spec is not None else ''} has shape "
                    f"{tuple(c.shape)} but the output has shape {tuple(out.shape)}; they must "
                    "be equal")
            converted.append(c)
        grads = _grads(outs, inputs, converted, create_graph=watched)
        return tuple(_per_argnum(grads, layout, tuple(range(len(primals)))))

    out = _unflatten(spec, outs if watched else [o.detach() for o in outs])
    if has_aux:
        return out, vjp_fn, (aux if watched else _detach_tree(aux))
    return out, vjp_fn


def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool = False) -> tuple:
    """`(f(*primals), J @ tangents)`: the Jacobian-vector product (forward-mode result),
    computed as the transpose of a vector-Jacobian product (two reverse passes).
    `primals` and `tangents` are tuples (one entry per argument of `f`); with `has_aux=True`
    the result is `(output, tangent, aux)`."""
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, (tuple, list)):
            raise TransformError(
                f"jvp: {name} must be a tuple with one entry per argument of f (f(*{name}) is "
                f"called), got {type(value).__name__}; write ({name[:-1]},) for one argument")
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise TransformShapeError(f"jvp: got {len(primals)} primals but {len(tangents)} "
                                  "tangents; give one tangent per primal")
    args, inputs, layout, watched = _prepare(primals, tuple(range(len(primals))), "jvp")
    flat_tangents = []
    for n, (tangent, (_, count)) in enumerate(zip(tangents, layout)):
        leaves, _ = _flatten(tangent)
        if len(leaves) != count:
            raise TransformShapeError(
                f"jvp: tangent {n} has {len(leaves)} tensor(s) but primal {n} has {count}; "
                "they must have the same structure")
        flat_tangents += leaves
    tangents = [t if isinstance(t, Tensor) else Tensor._make(as_array(t, dtype=x.array.dtype),
                                                             False, None)
                for t, x in zip(flat_tangents, inputs)]
    for i, (t, x) in enumerate(zip(tangents, inputs)):
        if t.shape != x.shape:
            raise TransformShapeError(f"jvp: tangent {i} has shape {tuple(t.shape)} but primal "
                                      f"{i} has shape {tuple(x.shape)}")
    with enable_grad():
        result, aux = _split_aux(f(*args), has_aux, "jvp")
        outs, spec = _outputs(result, "jvp")
        live = [o for o in outs if o.requires_grad]
        results: dict = {}
        if live:
            # the vjp is linear in its cotangents u; differentiating <vjp(u), tangents> in u
            # gives J t
            us = [Tensor._make(np.zeros_like(o.array), True, None) for o in live]
            vjps = autograd.grad(live, inputs, us, retain_graph=True, create_graph=True,
                                 allow_unused=True)
            inner = None
            for g, t in zip(vjps, tangents):
                if g is not None and g.requires_grad:
                    term = (g * t).sum()
                    inner = term if inner is None else inner + term
            if inner is not None:
                found = autograd.grad(inner, us, create_graph=watched, allow_unused=True)
                results = {id(o): g for o, g in zip(live, found) if g is not None}
    tangent_outs = [results[id(o)] if id(o) in results else _zeros(o) for o in outs]
    out = _unflatten(spec, outs if watched else [o.detach() for o in outs])
    tangent_out = _unflatten(spec, tangent_outs)
    if has_aux:
        return out, tangent_out, (aux if watched else _detach_tree(aux))
    return out, tangent_out


def jacobian(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """A function returning the Jacobian of `f` w.r.t. `args[argnums]`, of shape
    `output.shape + input.shape` (a tuple of those for a tuple `argnums`; for several outputs,
    one per output in the output's structure, as `jax.jacrev` and `torch.func.jacrev`).
    With `has_aux=True` it returns `(jacobian, aux)`."""
    def jacobian_f(*args: Any, **kwargs: Any) -> Any:
        args, inputs, layout, watched = _prepare(args, argnums, "jacobian")
        with enable_grad():
            result, aux = _split_aux(f(*args, **kwargs), has_aux, "jacobian")
            outs, spec = _outputs(result, "jacobian")
            all_rows = []
            for out in outs:
                rows: list[list] = [[] for _ in inputs]
                flat_size = out.array.size
                for i in range(flat_size):
                    onehot = np.zeros(flat_size, dtype=out.array.dtype)
                    onehot[i] = 1
                    onehot = like(onehot.reshape(out.shape), out.array)  # where out lives
                    seed = Tensor._make(onehot, False, None)
                    for row, g in zip(rows, _grads([out], inputs, [seed], create_graph=watched)):
                        row.append(g)
                all_rows.append(rows)
        per_output = []
        for out, rows in zip(outs, all_rows):
            jacobians = []
            for x, row in zip(inputs, rows):
                if row:
                    jac = stack(row).reshape(tuple(out.shape) + tuple(x.shape))
                else:
                    jac = Tensor._make(np.zeros_like(x.array, shape=tuple(out.shape)
                                                     + tuple(x.shape)), False, None)
                jacobians.append(jac if watched else jac.detach())
            per_output.append(_per_argnum(jacobians, layout, argnums))
        jac = _unflatten(spec, per_output)
        if has_aux:
            return jac, (aux if watched else _detach_tree(aux))
        return jac
    return jacobian_f


def hessian(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """A function returning the Hessian of `f`: the Jacobian of its Jacobian, of shape
    `output.shape + input.shape + input.shape` (`input.shape * 2` for a scalar `f`). With a
    tuple `argnums` it is a tuple of tuples of blocks, `H[i][j]` of shape
    `args[argnums[i]].shape + args[argnums[j]].shape`, as in JAX and `torch.func.hessian`."""
    return jacobian(jacobian(f, argnums), argnums)
