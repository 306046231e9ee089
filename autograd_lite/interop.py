"""NumPy interoperability: np.exp(t), np.sum(t, axis=...), array + tensor, ... on Tensors.

This is what lets one derivative formula serve both a plain backward (arrays) and a recorded
one (Tensors, under create_graph). Importing this module installs `Tensor.__array_ufunc__` and
`Tensor.__array_function__`; tensor.py imports it at its end, so every Tensor has them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .function import NUMPY_METHODS, _mode
from .joins import cat, matmul, maximum, minimum, outer, stack, where
from .ops import Add, Div, Mul, Neg, Pow, Reshape, Sub
from .tensor import Tensor, _as_tensor, _binary, _operand


def _np_reduce(op_name: str) -> Callable:
    def reduce(a: Any, axis: Any = None, keepdims: bool = False, **kwargs: Any) -> Tensor:
        if isinstance(axis, tuple) and not axis:  # NumPy: over no axis, PyTorch: over all
            return _as_tensor(a).clone()
        return getattr(_as_tensor(a), op_name)(axis, keepdims)
    return reduce


_UFUNCS: dict = {
    np.add: lambda a, b: _binary(Add, _operand(a), _operand(b), "add"),
    np.subtract: lambda a, b: _binary(Sub, _operand(a), _operand(b), "sub"),
    np.multiply: lambda a, b: _binary(Mul, _operand(a), _operand(b), "mul"),
    np.true_divide: lambda a, b: _binary(Div, _operand(a), _operand(b), "div"),
    np.power: lambda a, b: _binary(Pow, _operand(a), _operand(b), "pow"),
    np.matmul: lambda a, b: matmul(_operand(a), _operand(b)),
    np.maximum: maximum,
    np.minimum: minimum,
    np.negative: lambda a: Neg.apply(a),
    np.square: lambda a: _binary(Mul, a, a, "mul"),
}
"""The ufuncs of more than one op or operand; those of one registered op (np.exp, np.log1p,
...) come from the registry (`function.NUMPY_METHODS`)."""

_FUNCTIONS: dict = {
    np.sum: _np_reduce("sum"),
    np.mean: _np_reduce("mean"),
    np.max: _np_reduce("amax"),
    np.min: _np_reduce("amin"),
    np.reshape: lambda a, shape, *args, **kw: _as_tensor(a).reshape(
        shape if isinstance(shape, (tuple, list)) else (shape,)),
    np.transpose: lambda a, axes=None: _as_tensor(a).permute(
        *(axes if axes is not None else range(_as_tensor(a).ndim - 1, -1, -1))),
    np.swapaxes: lambda a, axis1, axis2: _as_tensor(a).transpose(axis1, axis2),
    np.expand_dims: lambda a, axis: Reshape.apply(_as_tensor(a), np.expand_dims(
        np.broadcast_to(np.empty((), dtype=np.bool_), _as_tensor(a).shape), axis).shape),
    np.squeeze: lambda a, axis=None: _as_tensor(a).squeeze(axis),
    np.broadcast_to: lambda a, shape, **kw: _as_tensor(a).expand(*shape),
    np.where: lambda cond, a, b: where(cond, a, b),
    np.concatenate: lambda arrays, axis=0, **kw: cat(arrays, axis),
    np.stack: lambda arrays, axis=0, **kw: stack(arrays, axis),
    np.clip: lambda a, a_min=None, a_max=None, **kw: _as_tensor(a).clamp(a_min, a_max),
    np.dot: lambda a, b: matmul(a, b),
    np.outer: outer,
    np.zeros_like: lambda a, dtype=None, **kw: _as_tensor(np.zeros_like(_strip(a), dtype)),
    np.ones_like: lambda a, dtype=None, **kw: _as_tensor(np.ones_like(_strip(a), dtype)),
}


def vocabulary() -> dict[str, Any]:
    """The NumPy functions a derivative may call on Tensors (under `create_graph`), by name:
    each records a differentiable op (or, like `np.zeros_like`, makes a constant)."""
    functions = [*_UFUNCS, *NUMPY_METHODS, *_FUNCTIONS]
    return {f.__name__: f for f in functions}

_NON_DIFFERENTIABLE_UFUNCS = {
    np.sign, np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.isfinite, np.isnan, np.isinf, np.floor, np.ceil, np.rint, np.logical_and, np.logical_or,
    np.logical_not, np.logical_xor, np.signbit,
}


def _strip(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.array
    if isinstance(x, (list, tuple)):
        return type(x)(_strip(i) for i in x)
    return x


def _needs_grad(args: Any) -> bool:
    if isinstance(args, Tensor):
        return args.requires_grad
    if isinstance(args, (list, tuple)):
        return any(_needs_grad(a) for a in args)
    return False


def _array_ufunc(self: Tensor, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    if method == "__call__" and not kwargs:
        handler = _UFUNCS.get(ufunc)
        if handler is not None:
            return handler(*inputs)
        name = NUMPY_METHODS.get(ufunc)
        if name is not None:  # one registered op: reaches here only with a Tensor argument
            return getattr(inputs[0], name)()
    if (_mode.grad_enabled and _needs_grad(inputs)
            and ufunc not in _NON_DIFFERENTIABLE_UFUNCS):
        raise TypeError(
            f"np.{ufunc.__name__} is not differentiable in autograd_lite (no gradient is "
            "defined for it). Use the Tensor method (e.g. x.exp()), write an ag.Function, "
            "or apply it to x.detach().numpy().")
    result = getattr(ufunc, method)(*_strip(inputs), **_strip(kwargs))
    return result


# questions about a tensor, not computations on it: fine on tensors that require grad
_NON_DIFFERENTIABLE_FUNCTIONS = {
    np.shape, np.ndim, np.size, np.result_type, np.isclose, np.allclose, np.array_equal,
    np.argmax, np.argmin, np.argsort, np.count_nonzero, np.nonzero, np.any, np.all,
}


def _array_function(self: Tensor, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    handler = _FUNCTIONS.get(func)
    if handler is not None:
        return handler(*args, **kwargs)
    if (func not in _NON_DIFFERENTIABLE_FUNCTIONS and _mode.grad_enabled
            and (_needs_grad(args) or _needs_grad(tuple(kwargs.values())))):
        raise TypeError(
            f"np.{func.__name__} is not differentiable in autograd_lite. Use the Tensor "
            "methods and ag functions, write an ag.Function, or call it on "
            "x.detach().numpy().")
    return func(*_strip(args), **{k: _strip(v) for k, v in kwargs.items()})


Tensor.__array_ufunc__ = _array_ufunc
Tensor.__array_function__ = _array_function
