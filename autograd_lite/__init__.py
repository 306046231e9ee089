"""autograd_lite: a readable reverse-mode automatic-differentiation engine on NumPy.

>>> import autograd_lite as ag
>>> k = ag.tensor(1.0, requires_grad=True); m = ag.tensor(3.0, requires_grad=True)
>>> z = (3 * k + 8 * m) * (5 * m + 2)
>>> z.backward()
>>> z.item(), k.grad.item(), m.grad.item()
(459.0, 51.0, 271.0)
"""

import numpy as np

from . import autograd, interop  # noqa: F401 - interop installs NumPy's hooks on Tensor
from .aliases import (
    amax,
    amin,
    argmax,
    argmin,
    clamp,
    clip,
    clone,
    flatten,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    permute,
    pow,
    registered,
    reshape,
    softmax,
    square,
    squeeze,
    std,
    sum,
    transpose,
    unsqueeze,
    var,
)
from .creation import (
    arange,
    as_tensor,
    default_generator,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from .explain import explain
from .function import (
    Function,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    register,
    set_detect_anomaly,
    set_grad_enabled,
)
from .functional import grad, hessian, jacobian, jvp, value_and_grad, vjp
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .joins import cat, dot, matmul, maximum, minimum, outer, pad, stack, where
from .page import show
from .tensor import Tensor, get_default_dtype, set_default_dtype
from .viz import draw_graph, save_graph

float16 = np.float16
float32 = np.float32
float64 = np.float64
int32 = np.int32
int64 = np.int64
uint8 = np.uint8
bool = np.bool_  # noqa: A001 - torch.bool's counterpart

__version__ = "0.1.0"

# the function form of each registered op: ag.exp, ag.sin, ag.softplus, ... (ops/ has the list)
globals().update(registered())

__all__ = [
    "Tensor", "Function", "register", "tensor", "from_numpy", "as_tensor", "zeros", "ones", "full",
    "arange", "linspace", "eye", "zeros_like", "ones_like", "full_like", "randn", "rand",
    "randint", "randn_like", "rand_like", "manual_seed", "default_generator",
    "get_default_dtype", "set_default_dtype", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "set_detect_anomaly", "detect_anomaly", "is_anomaly_enabled",
    "autograd", "grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "gradcheck",
    "gradgradcheck", "GradcheckError", "cat", "stack", "pad", "where", "matmul", "dot",
    "outer", "maximum", "minimum", "amax", "amin", "argmax", "argmin", "clamp", "clip",
    "clone", "flatten", "log_softmax", "logsumexp", "max", "mean", "min", "permute", "pow",
    "reshape", "softmax", "square", "squeeze", "std", "sum", "transpose", "unsqueeze", "var",
    *registered(), "float16",
    "float32", "float64", "int32", "int64", "uint8", "bool", "draw_graph", "save_graph",
    "explain", "show",
]


def __getattr__(name: str) -> object:
    """The function form of an op registered after import (`ag.register`)."""
    function = registered().get(name)
    if function is None:
        raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")
    return function
