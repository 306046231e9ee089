"""Functional transforms, JAX-style: `grad`, `value_and_grad`, `vjp`, `jvp`, `jacobian`,
`hessian`.

Each takes a function of Tensors (NumPy arrays and Python floats are accepted and converted) and
returns a function. They compose: `grad(grad(f))` and `hessian(f)` work because an inner
transform records its backward pass whenever its input is itself being differentiated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import autograd
from .function import enable_grad, is_grad_enabled
from .tensor import Tensor, as_array

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian"]


def _leaf(value: Any, what: str) -> tuple[Tensor, bool]:
    """The tensor to differentiate at, and whether an outer transform is watching it."""
    if isinstance(value, Tensor) and value.requires_grad and is_grad_enabled():
        return value, True
    data = value.data if isinstance(value, Tensor) else as_array(value, copy=False, what=what)
    if data.dtype.kind not in "fc":
        raise TypeError(
            f"{what}: differentiation needs floating-point inputs, got {data.dtype.name}; "
            "pass floats (e.g. 1.0 instead of 1)")
    return Tensor._make(data, True, None), False


def _prepare(args: tuple, argnums: int | Sequence[int], what: str) -> tuple:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for n in nums:
        if not -len(args) <= n < len(args):
            raise IndexError(f"{what}: argnums {n} is out of range for {len(args)} arguments")
    args = list(args)
    inputs, watched = [], False
    for n in nums:
        args[n], outer = _leaf(args[n], what)
        inputs.append(args[n])
        watched = watched or outer
    return args, inputs, watched


def _as_output(value: Any, what: str) -> Tensor:
    if isinstance(value, Tensor):
        return value
    return Tensor._make(as_array(value, what=what), False, None)


def _grads(out: Tensor, inputs: list, grad_output: Any, create_graph: bool) -> list:
    if not out.requires_grad:
        return [Tensor._make(np.zeros_like(t.data), False, None) for t in inputs]
    results = autograd.grad(out, inputs, grad_output, retain_graph=True,
                            create_graph=create_graph, allow_unused=True)
    return [Tensor._make(np.zeros_like(t.data), False, None) if g is None else g
            for t, g in zip(inputs, results)]


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable:
    """A function returning `(f(*args), gradient of f w.r.t. args[argnums])`.

    `f` must return a scalar (or `(scalar, aux)` with `has_aux=True`, giving
    `((value, aux), gradient)`). With a tuple `argnums` the gradient is a tuple.

    >>> ag.value_and_grad(lambda x: (x ** 2).sum())(ag.tensor([1., 2.]))
    (tensor(5.), tensor([2., 4.]))
    """
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        args, inputs, watched = _prepare(args, argnums, "value_and_grad")
        with enable_grad():
            result = f(*args, **kwargs)
        value, aux = result if has_aux else (result, None)
        value = _as_output(value, "value_and_grad")
        if value.data.size != 1:
            raise TypeError(
                f"grad: the function must return a scalar, but its output has shape "
                f"{tuple(value.shape)}; use jacobian or vjp for non-scalar outputs, or reduce "
                "it (e.g. .sum())")
        grads = _grads(value, inputs, None, create_graph=watched)
        if not watched:
            value = value.detach()
        gradient = grads[0] if isinstance(argnums, int) else tuple(grads)
        return ((value, aux) if has_aux else value), gradient
    return value_and_grad_f


def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """A function returning the gradient of scalar-valued `f` w.r.t. `args[argnums]`.

    >>> df = ag.grad(lambda x: x.sin())
    >>> df(0.0)
    tensor(1.)
    >>> ag.grad(ag.grad(lambda x: x ** 3))(2.0)    # gradients of gradients
    tensor(12.)
    """
    value_and_grad_f = value_and_grad(f, argnums, has_aux)

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, gradient = value_and_grad_f(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient
    return grad_f


def vjp(f: Callable, *primals: Any) -> tuple[Tensor, Callable]:
    """`(f(*primals), vjp_fn)`, where `vjp_fn(cotangent)` returns the tuple of
    cotangent-Jacobian products, one per primal."""
    args, inputs, watched = _prepare(primals, tuple(range(len(primals))), "vjp")
    with enable_grad():
        out = _as_output(f(*args), "vjp")

    def vjp_fn(cotangent: Any) -> tuple:
        cot = cotangent if isinstance(cotangent, Tensor) else Tensor._make(
            as_array(cotangent, dtype=out.data.dtype), False, None)
        if cot.shape != out.shape:
            raise ValueError(
                f"vjp: the cotangent has shape {tuple(cot.shape)} but the output has shape "
                f"{tuple(out.shape)}; they must be equal")
        return tuple(_grads(out, inputs, cot, create_graph=watched))
    return (out if watched else out.detach()), vjp_fn


def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Tensor, Tensor]:
    """`(f(*primals), J @ tangents)`: the Jacobian-vector product (forward-mode result),
    computed as the transpose of a vector-Jacobian product (two reverse passes)."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents")
    args, inputs, watched = _prepare(primals, tuple(range(len(primals))), "jvp")
    tangents = [t if isinstance(t, Tensor) else Tensor._make(as_array(t, dtype=x.data.dtype),
                                                             False, None)
                for t, x in zip(tangents, inputs)]
    for i, (t, x) in enumerate(zip(tangents, inputs)):
        if t.shape != x.shape:
            raise ValueError(f"jvp: tangent {i} has shape {tuple(t.shape)} but primal {i} has "
                             f"shape {tuple(x.shape)}")
    with enable_grad():
        out = _as_output(f(*args), "jvp")
        if not out.requires_grad:
            return out, Tensor._make(np.zeros_like(out.data), False, None)
        # the vjp is linear in its cotangent u; differentiating <vjp(u), tangents> in u gives J t
        u = Tensor._make(np.zeros_like(out.data), True, None)
        vjps = autograd.grad(out, inputs, u, retain_graph=True, create_graph=True,
                             allow_unused=True)
        inner = None
        for g, t in zip(vjps, tangents):
            if g is not None and g.requires_grad:
                term = (g * t).sum()
                inner = term if inner is None else inner + term
        if inner is None:
            return out.detach(), Tensor._make(np.zeros_like(out.data), False, None)
        (tangent_out,) = autograd.grad(inner, [u], create_graph=watched, allow_unused=True)
    if tangent_out is None:
        tangent_out = Tensor._make(np.zeros_like(out.data), False, None)
    return (out if watched else out.detach()), tangent_out


def jacobian(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """A function returning the Jacobian of `f` w.r.t. `args[argnums]`, of shape
    `output.shape + input.shape` (a tuple of those for a tuple `argnums`)."""
    def jacobian_f(*args: Any, **kwargs: Any) -> Any:
        args, inputs, watched = _prepare(args, argnums, "jacobian")
        with enable_grad():
            out = _as_output(f(*args, **kwargs), "jacobian")
            rows: list[list] = [[] for _ in inputs]
            flat_size = out.data.size
            for i in range(flat_size):
                onehot = np.zeros(flat_size, dtype=out.data.dtype)
                onehot[i] = 1
                seed = Tensor._make(onehot.reshape(out.shape), False, None)
                for row, g in zip(rows, _grads(out, inputs, seed, create_graph=watched)):
                    row.append(g)
        from .tensor import stack
        jacobians = []
        for x, row in zip(inputs, rows):
            if row:
                jac = stack(row).reshape(tuple(out.shape) + tuple(x.shape))
            else:
                jac = Tensor._make(np.zeros(tuple(out.shape) + tuple(x.shape),
                                            dtype=x.data.dtype), False, None)
            jacobians.append(jac if watched else jac.detach())
        return jacobians[0] if isinstance(argnums, int) else tuple(jacobians)
    return jacobian_f


def hessian(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """A function returning the Hessian of scalar-valued `f`: the Jacobian of its gradient,
    of shape `input.shape + input.shape`. With a tuple `argnums` it is a tuple of tuples of
    blocks, `H[i][j]` of shape `args[argnums[i]].shape + args[argnums[j]].shape`, as in JAX
    and `torch.func.hessian`."""
    if isinstance(argnums, int):
        return jacobian(grad(f, argnums), argnums)
    nums = tuple(argnums)
    gradient = grad(f, nums)

    def hessian_f(*args: Any, **kwargs: Any) -> tuple:
        return tuple(
            jacobian(lambda *a, i=i, **kw: gradient(*a, **kw)[i], nums)(*args, **kwargs)
            for i in range(len(nums)))
    return hessian_f
