"""The built-in ops, each an `autograd_lite.Function` with its forward and derivative together."""

from .elementwise import (
    Abs,
    Add,
    Cast,
    Clamp,
    Clone,
    Cos,
    Div,
    Exp,
    Fill,
    LeakyRelu,
    Log,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    Relu,
    Sigmoid,
    Sin,
    Sqrt,
    Sub,
    Tanh,
    Where,
)
from .linalg import MatMul
from .reduce import Amax, Amin, LogSoftmax, LogSumExp, MaxAlong, Mean, Softmax, Std, Sum
from .shape import Cat, Expand, Index, IndexAdd, Pad, Permute, Reshape

__all__ = [
    "Abs", "Add", "Cast", "Clamp", "Clone", "Cos", "Div", "Exp", "Fill", "LeakyRelu", "Log",
    "Maximum", "Minimum", "Mul", "Neg", "Pow", "Relu", "Sigmoid", "Sin", "Sqrt", "Sub", "Tanh",
    "Where", "MatMul", "Amax", "Amin", "LogSoftmax", "LogSumExp", "MaxAlong", "Mean", "Softmax",
    "Std", "Sum",
    "Cat", "Expand", "Index", "IndexAdd", "Pad", "Permute", "Reshape",
]
