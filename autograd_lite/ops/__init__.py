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
    RoundedDiv,
    Sigmoid,
    Sin,
    Sqrt,
    Sub,
    Tanh,
    ToDevice,
    Where,
)
from .indexing import Gather, GatherBackward, Scatter, ScatterAdd
from .linalg import Einsum, MatMul
from .reduce import (
    Amax,
    Amin,
    Cumsum,
    LogSoftmax,
    LogSumExp,
    MaxAlong,
    Mean,
    Norm,
    Prod,
    ReverseCumsum,
    Softmax,
    Std,
    Sum,
)
from .shape import Cat, Expand, Index, IndexAdd, Pad, Permute, Reshape

__all__ = [
    "Abs", "Add", "Cast", "Clamp", "Clone", "Cos", "Div", "Exp", "Fill", "LeakyRelu", "Log",
    "Maximum", "Minimum", "Mul", "Neg", "Pow", "Relu", "Sigmoid", "Sin", "Sqrt", "Sub", "Tanh",
    "Where", "MatMul", "Amax", "Amin", "LogSoftmax", "LogSumExp", "MaxAlong", "Mean", "Softmax",
    "Std", "Sum",
    "Cat", "Expand", "Index", "IndexAdd", "Pad", "Permute", "Reshape",
    "RoundedDiv", "Gather", "GatherBackward", "Scatter", "ScatterAdd", "Einsum", "Cumsum",
    "ReverseCumsum", "Norm", "Prod", "ToDevice",
]
