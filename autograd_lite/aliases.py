"""The Tensor methods as functions, as in PyTorch: `ag.exp(x)`, `ag.sum(x, dim=1)`, ..."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .creation import as_tensor
from .function import REGISTRY


def _method(name: str, doc: str) -> Callable:
    def function(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        return getattr(as_tensor(input), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{doc}\n\nThe function form of `Tensor.{name}`."
    return function


sum = _method("sum", "Sum over `dim`.")
mean = _method("mean", "Mean over `dim`.")
var = _method("var", "Variance over `dim`.")
std = _method("std", "Standard deviation over `dim`.")
max = _method("max", "Maximum (or `(values, indices)` along `dim`).")
min = _method("min", "Minimum (or `(values, indices)` along `dim`).")
amax = _method("amax", "Maximum over `dim`.")
amin = _method("amin", "Minimum over `dim`.")
argmax = _method("argmax", "Index of the maximum.")
argmin = _method("argmin", "Index of the minimum.")
logsumexp = _method("logsumexp", "$\\log\\sum e^x$ over `dim`.")
softmax = _method("softmax", "Softmax along `dim`.")
log_softmax = _method("log_softmax", "Log-softmax along `dim`.")
reshape = _method("reshape", "The same data in a new shape.")
flatten = _method("flatten", "Merge dimensions into one.")
transpose = _method("transpose", "Swap two dimensions.")
permute = _method("permute", "Reorder the dimensions.")
unsqueeze = _method("unsqueeze", "Insert a size-1 dimension.")
squeeze = _method("squeeze", "Remove size-1 dimensions.")
clone = _method("clone", "A differentiable copy.")
clamp = _method("clamp", "Limit values to [min, max].")
pow = _method("pow", "`input ** exponent`.")
square = _method("square", "`x * x`.")
clip = clamp
add = _method("add", "`input + alpha * other`.")
sub = _method("sub", "`input - alpha * other`.")
mul = _method("mul", "`input * other`.")
div = _method("div", "`input / other`, optionally rounded (`rounding_mode`).")
neg = _method("neg", "`-input`.")
subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
norm = _method("norm", "The p-norm over `dim`.")
prod = _method("prod", "The product over `dim`.")
cumsum = _method("cumsum", "Running sums along `dim`.")
all = _method("all", "Whether every element is true.")
any = _method("any", "Whether any element is true.")
numel = _method("numel", "The number of elements.")


def registered() -> dict[str, Callable]:
    """The function form of every registered op (`ag.exp`, `ag.softplus`, ...)."""
    return {name: _method(name, entry.op.__doc__ or "") for name, entry in REGISTRY.items()}


__all__ = [
    "sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin", "logsumexp",
    "softmax", "log_softmax", "reshape", "flatten", "transpose", "permute", "unsqueeze",
    "squeeze", "clone", "clamp", "pow", "square", "clip", "registered", "add", "sub", "mul",
    "div", "neg", "subtract", "multiply", "divide", "true_divide", "negative", "norm", "prod",
    "cumsum", "all", "any", "numel",
]
