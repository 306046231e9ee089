"""autograd_lite: a readable reverse-mode automatic-differentiation engine on NumPy.

>>> import autograd_lite as ag
>>> k = ag.tensor(1.0, requires_grad=True); m = ag.tensor(3.0, requires_grad=True)
>>> z = (3 * k + 8 * m) * (5 * m + 2)
>>> z.backward()
>>> z.item(), k.grad.item(), m.grad.item()
(459.0, 51.0, 271.0)
"""

import numpy as np

# interop installs NumPy's hooks on Tensor, random the in-place samplers (normal_, ...)
from . import arrays, autograd, cuda, interop, random  # noqa: F401
from .aliases import (
    add,
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    clamp,
    clip,
    clone,
    cumsum,
    div,
    divide,
    flatten,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    mul,
    multiply,
    neg,
    negative,
    norm,
    numel,
    permute,
    pow,
    prod,
    registered,
    reshape,
    softmax,
    square,
    squeeze,
    std,
    sub,
    subtract,
    sum,
    transpose,
    true_divide,
    unsqueeze,
    var,
)
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from .device import device, get_default_device, set_default_device
from .explain import explain
from .function import (
    Function,
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    register,
    set_detect_anomaly,
    set_grad_enabled,
)
from .functional import grad, hessian, jacobian, jvp, value_and_grad, vjp
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .joins import (
    allclose,
    cat,
    dot,
    einsum,
    isclose,
    matmul,
    maximum,
    minimum,
    mm,
    outer,
    pad,
    stack,
    where,
)
from .page import show
from .random import (
    Generator,
    bernoulli,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from .selection import chunk, gather, masked_fill, scatter, scatter_add, sort, split, topk
from .tensor import Tensor, get_default_dtype, set_default_dtype
from .viz import draw_graph, save_graph

# dtypes: NumPy's types under NumPy's and PyTorch's names (`ag.float32 is np.float32`)
float16 = half = np.float16
float32 = float = np.float32  # noqa: A001 - torch.float's counterpart
float64 = double = np.float64
int8 = np.int8
int16 = short = np.int16
int32 = int = np.int32  # noqa: A001 - torch.int's counterpart
int64 = long = np.int64
uint8 = np.uint8
bool = np.bool_  # noqa: A001 - torch.bool's counterpart
complex64 = cfloat = np.complex64
complex128 = cdouble = np.complex128

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
    "explain", "empty", "empty_like", "device", "get_default_device", "set_default_device",
    "cuda", "random", "Generator", "seed", "initial_seed", "get_rng_state", "set_rng_state",
    "randint_like", "randperm", "normal", "multinomial", "bernoulli", "inference_mode",
    "is_inference_mode_enabled", "half", "float", "double", "int8", "int16", "short", "int",
    "long", "complex64", "cfloat", "complex128", "cdouble",
    "add", "sub", "mul", "div", "neg", "subtract", "multiply", "divide",
    "true_divide", "negative", "norm", "prod", "cumsum", "all", "any", "numel", "mm", "einsum",
    "isclose", "allclose", "chunk", "split", "gather", "scatter", "scatter_add", "masked_fill",
    "sort", "topk",
    "show",
]


def __getattr__(name: str) -> object:
    """The function form of an op registered after import (`ag.register`)."""
    function = registered().get(name)
    if function is None:
        raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")
    return function
