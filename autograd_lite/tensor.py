"""`Tensor`: a NumPy array with a gradient and a link to the op that made it.

Methods are thin: they check arguments (so a mistake is reported with the op's name and the
shapes at fault), then hand the arrays to an op in `ops/`. Composite ops (var, outer, ...) are
written here as Tensor code over the primitives. This file also holds the operators
(`__add__`, ...) and the small argument helpers they share. Nearby: `promotion.py` (dtypes and
type promotion), `joins.py` (functions over several tensors: matmul, cat, stack, where, ...;
it installs the methods among them, `x.matmul(y)`, `x @ y`, `x.maximum(y)`), `interop.py`
(NumPy's ufuncs and functions on Tensors, installed as `__array_ufunc__`/`__array_function__`).
The elementwise ops registered in ops/ become methods through `Tensor._install`.
`random.py` installs the in-place samplers (`normal_`, `uniform_`, `random_`, ...) and
`device.py` says where a tensor lives (`x.device`, `x.to(device)`).
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections import namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np

from . import device as _device
from . import engine as _engine
from . import function as _function
from . import promotion as _promotion
from .arrays import is_array, is_host, like, ndarray, to_host
from .display import tensor_html, tensor_markdown, tensor_repr
from .function import _mode, mark_modified
from .ops import (
    Abs,
    Add,
    Amax,
    Amin,
    Cast,
    Clamp,
    Clone,
    Cumsum,
    Div,
    Expand,
    Fill,
    Index,
    LogSoftmax,
    LogSumExp,
    MaxAlong,
    Mean,
    Mul,
    Neg,
    Norm,
    Permute,
    Pow,
    Prod,
    Reshape,
    RoundedDiv,
    Softmax,
    Std,
    Sub,
    Sum,
    ToDevice,
)
from .ops.shape import IndexPut
from .promotion import (
    _CATEGORY,
    _default_dtype,
    _dtype_name,
    _floating,
    _is_integral,
    _needs_promotion,
    _promoted,
    as_array,
    get_default_dtype,
    result_type,
    set_default_dtype,
)

__all__ = ["Tensor", "get_default_dtype", "set_default_dtype"]

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _normalize_dim(dim: int, ndim: int, op: str) -> int:
    low = -ndim if ndim else -1
    high = ndim - 1 if ndim else 0
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}(): dim must be an int, got {type(dim).__name__}")
    if not low <= dim <= high:
        raise IndexError(
            f"{op}(): Dimension out of range (expected to be in range of [{low}, {high}], "
            f"but got {dim})")
    return int(dim) % ndim if ndim else 0


def _reduce_axes(dim: Any, ndim: int, op: str) -> tuple | None:
    """PyTorch's `dim` (None, an int, or a sequence) as NumPy's `axis`; an empty sequence
    means every dimension, as in PyTorch."""
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    axes = tuple(_normalize_dim(d, ndim, op) for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{op}(): dim {tuple(dims)} appears multiple times in the list of dims")
    return axes if ndim else None


def _check_nonempty(t: Tensor, axes: tuple | None, op: str) -> None:
    """A maximum or minimum over an empty dimension has no value."""
    if axes is None or not t.ndim:
        if t.array.size == 0:
            raise RuntimeError(
                f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument.")
        return
    for axis in axes:
        if t.shape[axis] == 0:
            raise IndexError(
                f"{op}(): Expected reduction dim {axis} to have non-zero size (the tensor has "
                f"shape {tuple(t.shape)})")


def _shape_args(shape: tuple, op: str) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{op}(): sizes must be ints, got {shape!r}")
    return tuple(int(s) for s in shape)


def _operand(x: Any) -> Any:
    """The other side of a binary op: Tensors and Python numbers as they are, NumPy scalars
    as Python numbers (so float32 stays float32, as in PyTorch), arrays and lists as arrays."""
    if isinstance(x, np.generic):  # first: np.float64 is also a Python float
        return x.item()
    if isinstance(x, Tensor | int | float) or is_array(x):
        return x
    if isinstance(x, (list, tuple)):
        return as_array(x)
    return NotImplemented


def _shape_of(x: Any) -> tuple:
    return tuple(np.shape(x.array if isinstance(x, Tensor) else x))


def _broadcast_error(name: str, a: Any, b: Any, error: ValueError) -> Exception:
    if "broadcast" not in str(error):
        return RuntimeError(f"{name}: {error}")
    return RuntimeError(
        f"{name}: the shapes {_shape_of(a)} and {_shape_of(b)} cannot be broadcast together: "
        "each dimension, from the last, must be equal or 1. "
        "Reshape one operand (e.g. with unsqueeze) so they line up.")


def _is_bool(x: Any) -> bool:
    if isinstance(x, Tensor):
        return x.array.dtype.kind == "b"
    return isinstance(x, bool) or (is_array(x) and x.dtype.kind == "b")


def _check_bool_sub(a: Any, b: Any, name: str = "sub") -> None:
    """PyTorch refuses `-` with a bool operand (NumPy would give an int, or raise TypeError)."""
    if _is_bool(a) or _is_bool(b):
        raise RuntimeError(
            f"{name}: subtraction, the `-` operator, with a bool tensor is not supported (operands "
            f"of dtypes {_dtype_of(a)} and {_dtype_of(b)}). If you are trying to invert a "
            "mask, use the `~` or `logical_not()` operator instead; otherwise convert it "
            "first, e.g. with .long() or .float().")


def _dtype_of(x: Any) -> str:
    if isinstance(x, Tensor) or is_array(x):
        return _dtype_name(x.dtype)
    return type(x).__name__


def _binary(op: type, a: Any, b: Any, name: str) -> Any:
    if _needs_promotion(a, b) or (op is Div and _is_integral(a) and _is_integral(b)):
        if op is Sub:  # a bool operand has another dtype than the other, or is promoted
            _check_bool_sub(a, b, name)
        a, b = _promoted((a, b), true_divide=op is Div)
    try:
        return op.apply(a, b)
    except ValueError as e:
        raise _broadcast_error(name, a, b, e) from None
    except TypeError:  # NumPy refuses bool - bool
        if op is Sub:
            _check_bool_sub(a, b, name)
        raise


def _index_arg(index: Any, shape: tuple) -> Any:
    """Tensors and lists inside an index become arrays; slices must step forward."""
    try:
        return _index_item(index)
    except ValueError as e:
        raise ValueError(f"tensor of shape {shape}[{_describe(index)}]: {e}") from None


def _result(value: Any) -> Any:
    """An array op's result as an array: a NumPy scalar (what 0-d NumPy arrays give) as a
    0-d array; an array (a device's too) as it is."""
    return value if type(value) is np.ndarray or is_array(value) else np.asarray(value)


def _index_on(index: Any, array: Any) -> Any:
    """An index for a device's `array`: its NumPy index arrays copied there, as CuPy takes
    its own (and `np.add.at` in the gradient refuses a mix)."""
    if isinstance(index, tuple):
        return tuple(_index_on(i, array) for i in index)
    return like(index, array) if isinstance(index, np.ndarray) else index


def _index_item(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_index_item(i) for i in index)
    if isinstance(index, Tensor):
        return index.array
    if isinstance(index, list):
        return np.asarray([i.item() if isinstance(i, Tensor) else i for i in index])
    if isinstance(index, slice) and index.step is not None and index.step <= 0:
        raise ValueError(
            f"step must be greater than zero, got {index.step} (as in PyTorch, slices do not "
            "reverse); to reverse a dimension of size n, index it with ag.arange(n - 1, -1, -1)")
    return index


def _options(op: type) -> tuple:
    """A registered op's forward arguments after the tensor, with their defaults."""
    parameters = list(inspect.signature(op.forward).parameters.values())[2:]
    return tuple((p.name, p.default) for p in parameters)


def _bind(name: str, options: tuple, args: tuple, kwargs: dict) -> list:
    """The values of `options` from a method call's arguments, as Python binds them."""
    if len(args) > len(options):
        raise TypeError(f"{name}() takes {len(options)} option(s) "
                        f"({', '.join(n for n, _ in options)}) but {len(args)} were given")
    values = list(args)
    for option, default in options[len(args):]:
        value = kwargs.pop(option, default)
        if value is inspect.Parameter.empty:
            raise TypeError(f"{name}() missing required argument: '{option}'")
        values.append(value)
    if kwargs:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    return values


class RemovableHandle:
    """Returned by `register_hook`; `remove()` takes the hook off."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class Tensor:
    """An n-dimensional array that records the ops applied to it, for reverse-mode autodiff.

    >>> x = ag.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([[2., 4.],
            [6., 8.]])
    """

    # _modified_at is set only by in-place ops and _received (what the last backward sent to
    # a leaf, for the pictures) only by the engine (both read with a default): creation stays
    # cheap.
    # `requires_grad` and `grad` are checked properties over `_requires_grad` and `_grad`,
    # which the ops and the engine read and write directly.
    __slots__ = ("array", "_grad", "_requires_grad", "grad_fn", "_version", "_hooks",
                 "_modified_at", "_received", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, data: Any = (), dtype: Any = None, requires_grad: Any = False,
                 *sizes: int) -> None:
        if type(data) is int and (dtype is None or type(dtype) is int):
            # PyTorch's legacy constructor: ag.Tensor(2, 3) is a (2, 3) tensor of the default
            # dtype (zeros here, where PyTorch leaves it uninitialised); ag.Tensor([2, 3]) data
            shape = (data, *(() if dtype is None else (dtype,)),
                     *((requires_grad,) if type(requires_grad) is int else ()), *sizes)
            if any(s < 0 for s in shape):
                raise RuntimeError(f"Tensor(): negative dimension in the size {shape}")
            data, dtype = np.zeros(shape, _default_dtype[0]), None
            requires_grad = requires_grad if type(requires_grad) is bool else False
        elif sizes:
            raise TypeError(f"Tensor(): give either data (and dtype, requires_grad) or sizes "
                            f"as ints, as ag.Tensor(2, 3); got {(data, dtype, requires_grad)}")
        self.array = as_array(data, dtype, copy=True, what="Tensor")
        self._grad = None
        self.grad_fn = None
        self._version = 0
        self._hooks = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data: np.ndarray, requires_grad: bool, grad_fn: Any) -> Tensor:
        """The fast constructor the ops use: no checks, no copy."""
        t = object.__new__(Tensor)
        t.array = data
        t._grad = None
        t._requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._version = 0
        t._hooks = None
        return t

    # ----- attributes
    @property
    def shape(self) -> tuple:
        """The shape, a tuple of ints."""
        return self.array.shape

    @property
    def dtype(self) -> type:
        """The element type, a NumPy scalar type (`ag.float32 is np.float32`)."""
        return self.array.dtype.type

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self.array.ndim

    @property
    def requires_grad(self) -> bool:
        """Whether backward computes a gradient for this tensor. Assigning it is allowed on
        leaves only (floating or complex ones for True), as in PyTorch."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        self.requires_grad_(value)

    @property
    def grad(self) -> Tensor | None:
        """The gradient backward accumulated into this leaf (or retained), or None. An
        assigned gradient must be a Tensor of this tensor's shape and dtype, or None."""
        grad = self._grad
        if grad is None and self.grad_fn is not None and not self.retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor.", UserWarning, stacklevel=2)
        return grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            if value.array.shape != self.array.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: the gradient has shape "
                    f"{tuple(value.array.shape)} and the tensor {tuple(self.array.shape)}")
            if value.array.dtype != self.array.dtype:
                raise RuntimeError(
                    f"assigned grad has dtype {_dtype_name(value.array.dtype)} but the tensor "
                    f"has dtype {_dtype_name(self.array.dtype)}; they must match (convert it "
                    "with .to())")
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded op (their `.grad` is filled by backward)."""
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        """The tensor with its dimensions reversed."""
        return self.permute(*range(self.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions transposed."""
        return self.transpose(-2, -1)

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the length of dimension `dim` (as `torch.Tensor.size`)."""
        if dim is None:
            return self.array.shape
        return self.array.shape[_normalize_dim(dim, self.ndim, "size")]

    def numel(self) -> int:
        """The number of elements."""
        return self.array.size

    def dim(self) -> int:
        """The number of dimensions."""
        return self.array.ndim

    nelement = numel

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.array)

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.array)))

    __hash__ = object.__hash__

    # ----- autograd
    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Compute the gradient of this tensor with respect to the graph leaves.

        Gradients accumulate into `.grad` of leaves with `requires_grad=True` (and of tensors
        that called `retain_grad()`); with `inputs`, only into those tensors. A non-scalar
        tensor needs `gradient`, the vector of the vector-Jacobian product. Saved buffers are
        freed unless `retain_graph=True`; `create_graph=True` records this backward pass, for
        gradients of gradients.
        """
        if inputs is not None:
            _engine.backward(self, None if gradient is None else [gradient], retain_graph,
                             create_graph, inputs=inputs)
            return
        _engine.run_backward(self, gradient, retain_graph, create_graph)

    @property
    def data(self) -> Tensor:
        """This tensor's values as a Tensor cut off from the graph, sharing memory (PyTorch's
        `.data`): `w.data -= lr * w.grad` updates `w` without recording. The NumPy array
        itself is `.array` (Chainer's name) or `.numpy()`.

        >>> w = ag.tensor([1.0, 2.0], requires_grad=True)
        >>> w.data.mul_(2); w
        tensor([2., 4.], requires_grad=True)
        """
        return Tensor._make(self.array, False, None)

    @data.setter
    def data(self, value: Any) -> None:
        array = value.array if isinstance(value, Tensor) else as_array(value, None, copy=False,
                                                                       what="Tensor.data")
        self.array = array

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, cut off from the graph."""
        return Tensor._make(self.array, False, None)

    def detach_(self) -> Tensor:
        """Cut this tensor off from the graph, in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether gradients are computed for this leaf tensor; returns it."""
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach().")
            return self
        if requires_grad and self.array.dtype.kind not in "fc":
            raise RuntimeError(
                f"Only Tensors of floating point dtype can require gradients, but this one is "
                f"{_dtype_name(self.array.dtype)}. Make it float first, e.g. "
                "ag.tensor(data, dtype=ag.float32, requires_grad=True).")
        self._requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in `.grad` during backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.is_leaf:
            return
        hooks = self.grad_fn.hooks
        if hooks is None:
            hooks = self.grad_fn.hooks = []
        if not any(isinstance(h, _engine.RetainGrad) and h.tensor() is self for h in hooks):
            hooks.append(_engine.RetainGrad(self))

    @property
    def retains_grad(self) -> bool:
        """Whether `retain_grad()` was called on this non-leaf tensor."""
        hooks = self.grad_fn.hooks if self.grad_fn is not None else None
        return bool(hooks) and any(isinstance(h, _engine.RetainGrad) and h.tensor() is self
                                   for h in hooks)

    def register_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(grad)` with the gradient flowing into this tensor during backward; a
        Tensor it returns replaces the gradient. Returns a handle with `remove()`.

        >>> x.register_hook(lambda g: g * 2)
        """
        if not self.requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient")
        if self.is_leaf:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = []
            hooks = self.grad_fn.hooks
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    # ----- conversion
    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise RuntimeError(
                f"a Tensor with {self.array.size} elements cannot be converted to Scalar; "
                "item() needs exactly one element")
        return self.array.item()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data as an ndarray, sharing memory (as `torch.Tensor.numpy`). A GPU tensor
        refuses, as PyTorch's does: `.cpu().numpy()` copies it (or `numpy(force=True)`)."""
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead.")
        if not is_host(self.array):
            if force:
                return to_host(self.array)
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first.")
        return self.array

    def tolist(self) -> Any:
        """The data as (nested) Python lists of numbers."""
        return self.array.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def _scalar(self, what: str) -> Any:
        if self.array.size != 1:
            raise ValueError(
                f"only one element tensors can be converted to Python scalars: {what}() of a "
                f"tensor of shape {tuple(self.shape)}")
        return self.array.item()

    def __index__(self) -> int:
        if self.array.dtype.kind not in "iu" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.array.item())

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous "
                f"(shape {tuple(self.shape)}); use .any() or .all()")
        return bool(self.array.item())

    def to(self, *args: Any, dtype: Any = None, device: Any = None, non_blocking: bool = False,
           copy: bool = False, memory_format: Any = None) -> Tensor:
        """This tensor on another device and/or in another dtype, as PyTorch's `to`:
        `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other)` (other's device and
        dtype), or by keyword. A differentiable cast; the tensor itself when nothing changes
        (a copy with `copy=True`).

        >>> x = ag.tensor([1, 2])
        >>> x.to("cpu") is x, x.to(ag.float).dtype
        (True, <class 'numpy.float32'>)
        """
        target_dtype, target_device = _to_args(args, dtype, device)
        result = self
        if target_device is not None:
            target = _device.as_device(target_device)
            if target != _device.device_of(self.array) and not (
                    target.index is None and target.type == self.device.type):
                result = ToDevice.apply(self, target)
        if target_dtype is not None and np.dtype(target_dtype) != self.array.dtype:
            result = Cast.apply(result, np.dtype(target_dtype))
        return Clone.apply(self) if copy and result is self else result

    def float(self) -> Tensor:
        """This tensor as float32."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """This tensor as float64."""
        return self.to(np.float64)

    def long(self) -> Tensor:
        """This tensor as int64 (not differentiable)."""
        return Tensor._make(self.array.astype(np.int64), False, None)

    def int(self) -> Tensor:
        """This tensor as int32 (not differentiable)."""
        return Tensor._make(self.array.astype(np.int32), False, None)

    def bool(self) -> Tensor:
        """This tensor as booleans (not differentiable)."""
        return Tensor._make(self.array.astype(bool), False, None)

    def clone(self) -> Tensor:
        """A copy that stays in the graph (its gradient flows back to this tensor)."""
        return Clone.apply(self)

    def contiguous(self) -> Tensor:
        """This tensor (NumPy arrays need no contiguity for the ops here)."""
        return self

    def cpu(self, memory_format: Any = None) -> Tensor:
        """This tensor on the CPU: itself when it is there, else a copy (differentiable, as
        every `to`)."""
        return self if is_host(self.array) else self.to("cpu")

    def cuda(self, device: Any = None, non_blocking: bool = False,
             memory_format: Any = None) -> Tensor:
        """This tensor on a CUDA GPU; without the GPU backend it raises, saying what to
        install (`ag.cuda.is_available()` tells beforehand)."""
        return self.to("cuda" if device is None else _cuda_device(device))

    def pin_memory(self) -> Tensor:
        """This tensor (page-locked memory matters only for copies to a GPU)."""
        return self

    def is_pinned(self) -> bool:
        """Whether the data is in page-locked memory: never, for a NumPy array."""
        return False

    @property
    def device(self) -> _device.device:
        """Where the data lives: `device(type='cpu')` for a NumPy array."""
        return _device.device_of(self.array)

    @property
    def is_cuda(self) -> bool:
        """Whether the data lives on a CUDA GPU."""
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        """Whether the data lives on the CPU."""
        return self.device.type == "cpu"

    def get_device(self) -> int:
        """The GPU's index holding the data, or -1 on the CPU (as PyTorch)."""
        dev = self.device
        return -1 if dev.type == "cpu" else (dev.index or 0)

    def half(self) -> Tensor:
        """This tensor as float16."""
        return self.to(np.float16)

    def short(self) -> Tensor:
        """This tensor as int16 (not differentiable)."""
        return Tensor._make(self.array.astype(np.int16), False, None)

    def char(self) -> Tensor:
        """This tensor as int8 (not differentiable)."""
        return Tensor._make(self.array.astype(np.int8), False, None)

    def byte(self) -> Tensor:
        """This tensor as uint8 (not differentiable)."""
        return Tensor._make(self.array.astype(np.uint8), False, None)

    def type(self, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
        """Without an argument, the type's name as PyTorch writes it ('torch.FloatTensor');
        with a dtype (or such a name), this tensor cast to it, as `to(dtype)`.

        >>> ag.tensor([1., 2.]).type(), ag.tensor([1., 2.]).type(ag.double).dtype
        ('torch.FloatTensor', <class 'numpy.float64'>)
        """
        if dtype is None:
            return f"torch.{_TYPE_NAMES.get(self.array.dtype.name, 'Tensor')}"
        if isinstance(dtype, str):
            name = dtype.removeprefix("torch.")
            if name.startswith("cuda."):
                return self.to("cuda")
            found = [k for k, v in _TYPE_NAMES.items() if v == name]
            if not found:
                raise ValueError(f"invalid type: {dtype!r} (give a dtype such as ag.float64, "
                                 "or a name such as 'torch.DoubleTensor')")
            dtype = found[0]
        return self.to(dtype)

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Tensor:
        """A new tensor of `data`, in this tensor's dtype unless `dtype` is given."""
        _device.check_device(device)
        return Tensor(data, self.array.dtype if dtype is None else dtype, requires_grad)

    def _new(self, fill: Callable, size: tuple, dtype: Any, device: Any,
             requires_grad: bool, name: str) -> Tensor:
        _device.check_device(device)
        shape = _shape_args(size, name)
        t = Tensor._make(fill(shape, self.array.dtype if dtype is None else dtype), False, None)
        return t.requires_grad_(True) if requires_grad else t

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        """Zeros of shape `size`, in this tensor's dtype unless `dtype` is given."""
        return self._new(np.zeros, size, dtype, device, requires_grad, "new_zeros")

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        """Ones of shape `size`, in this tensor's dtype unless `dtype` is given."""
        return self._new(np.ones, size, dtype, device, requires_grad, "new_ones")

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        """An uninitialised tensor of shape `size`, in this tensor's dtype."""
        return self._new(np.empty, size, dtype, device, requires_grad, "new_empty")

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        """`fill_value` in shape `size`, in this tensor's dtype unless `dtype` is given."""
        return self._new(lambda shape, dt: np.full(shape, fill_value, dt), (size,), dtype,
                         device, requires_grad, "new_full")

    # ----- display
    def __repr__(self) -> str:
        return tensor_repr(self)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """In a notebook: the repr, with the tensor's grad and grad_fn below it."""
        return tensor_html(self)

    def _repr_markdown_(self) -> str:
        """In a notebook, as Markdown: the repr, grad and grad_fn in a code block."""
        return tensor_markdown(self)

    # ----- arithmetic operators: made by _binary_operator below, from one op class each
    def __neg__(self) -> Tensor:
        if self.array.dtype.kind == "b":
            raise RuntimeError(
                f"neg: negation, the `-` operator, on a bool tensor (shape "
                f"{tuple(self.shape)}) is not supported. If you are trying to invert a mask, "
                "use the `~` or `logical_not()` operator instead.")
        return Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return Abs.apply(self)

    # ----- comparisons (no gradient, boolean result)
    def _compare(self, other: Any, compare: Callable) -> Tensor:
        other = _operand(other)
        if other is NotImplemented:
            return other
        other = other.array if isinstance(other, Tensor) else other
        try:
            return Tensor._make(_result(compare(self.array, other)), False, None)
        except ValueError:
            raise RuntimeError(
                f"{compare.__name__}: the shapes {tuple(self.shape)} and {_shape_of(other)} "
                "cannot be broadcast together: each dimension, from the last, must be equal "
                "or 1") from None

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    def _bitwise(self, other: Any, ufunc: Callable, name: str) -> Tensor:
        """`&` and `|` as in PyTorch: logical on bools, bitwise on integers (no gradient)."""
        other = _operand(other)
        if other is NotImplemented:
            return other
        value = other.array if isinstance(other, Tensor) else other
        if self.array.dtype.kind not in "biu" or np.result_type(value).kind not in "biu":
            raise NotImplementedError(
                f"{name}: only bool and integer tensors are supported, got dtypes "
                f"{_dtype_name(self.array.dtype)} and {_dtype_of(other)}; compare first "
                "(e.g. (x > 0) & (y > 0)) or convert with .bool() / .long()")
        try:  # in PyTorch's result dtype: a 0-d int64 tensor does not widen int32
            result = ufunc(self.array, value).astype(result_type(self, other), copy=False)
        except ValueError:
            raise RuntimeError(
                f"{name}: the shapes {tuple(self.shape)} and {_shape_of(value)} cannot be "
                "broadcast together: each dimension, from the last, must be equal or 1") from None
        return Tensor._make(_result(result), False, None)

    def __and__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_and, "bitwise_and")

    def __or__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_or, "bitwise_or")

    __rand__ = __and__
    __ror__ = __or__

    def __invert__(self) -> Tensor:
        if self.array.dtype != np.bool_:
            return Tensor._make(np.invert(self.array), False, None)
        return Tensor._make(np.logical_not(self.array), False, None)

    def eq(self, other: Any) -> Tensor:
        """Elementwise `==`."""
        return self == other

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether any element is true (along `dim`, an int or a tuple, when given)."""
        return self._logical_reduction(np.any, dim, keepdim, "any")

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether every element is true (along `dim`, an int or a tuple, when given)."""
        return self._logical_reduction(np.all, dim, keepdim, "all")

    def _logical_reduction(self, reduce: Callable, dim: Any, keepdim: bool,
                           name: str) -> Tensor:
        axes = _reduce_axes(dim, self.ndim, name)
        result = _result(reduce(self.array, axis=axes, keepdims=bool(keepdim)))
        if self.array.dtype == np.uint8:  # as PyTorch: uint8 in, uint8 out
            result = result.astype(np.uint8)
        return Tensor._make(result, False, None)

    # ----- in-place ops
    def _inplace(self, op: type, other: Any, name: str) -> Tensor:
        given, other = other, _operand(other)
        if other is NotImplemented:
            raise TypeError(f"{name}: unsupported operand type {type(given).__name__}")
        other_grad = isinstance(other, Tensor) and other._requires_grad
        if (self._requires_grad or other_grad) and _mode.grad_enabled:
            if self._requires_grad and self.grad_fn is None:
                raise RuntimeError(
                    f"{name}: a leaf Variable that requires grad is being used in an in-place "
                    "operation. Do it under `with ag.no_grad():` (e.g. a parameter update), "
                    "or use the out-of-place form (x = x + y).")
            previous = Tensor._make(self.array, self.requires_grad, self.grad_fn)  # no cycle
            out = _binary(op, previous, other, name)
            if out.shape != self.shape:
                raise RuntimeError(
                    f"{name}: output with shape {tuple(self.shape)} doesn't match the broadcast "
                    f"shape {tuple(out.shape)}")
            if out.array.dtype != self.array.dtype:  # an in-place op keeps the tensor's dtype
                if _CATEGORY[out.array.dtype.kind] > _CATEGORY[self.array.dtype.kind]:
                    raise RuntimeError(
                        f"{name}: result type {_dtype_name(out.array.dtype)} can't be cast to "
                        f"the desired output type {_dtype_name(self.array.dtype)}")
                out = out.to(self.array.dtype)
            # the op's result becomes this tensor's history; the old array stays intact for
            # any op that saved it, and mark_modified tells them it changed
            mark_modified(self)
            self.array, self.grad_fn, self._requires_grad = out.array, out.grad_fn, True
            return self
        else:
            if op is Sub:  # (recorded, _binary checks it)
                _check_bool_sub(self, other, name)
            ufunc = _INPLACE_UFUNCS[op]
            value = other.array if isinstance(other, Tensor) else other
            try:
                ufunc(self.array, value, out=self.array)
            except (ValueError, TypeError) as e:
                raise RuntimeError(
                    f"{name}: cannot update a tensor of shape {tuple(self.shape)} and dtype "
                    f"{_dtype_name(self.array.dtype)} in place with an operand of shape "
                    f"{_shape_of(value)}: {e}") from None
        mark_modified(self)
        return self

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace(Add, other, "add_")

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace(Sub, other, "sub_")

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace(Mul, other, "mul_")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace(Div, other, "div_")

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """`self += alpha * other`, in place."""
        return self._inplace(Add, other if alpha == 1 else other * alpha, "add_")

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """`self -= alpha * other`, in place."""
        return self._inplace(Sub, other if alpha == 1 else other * alpha, "sub_")

    def mul_(self, other: Any) -> Tensor:
        """`self *= other`, in place."""
        return self._inplace(Mul, other, "mul_")

    def div_(self, other: Any) -> Tensor:
        """`self /= other`, in place."""
        return self._inplace(Div, other, "div_")

    def _overwrite(self, value: Any, name: str) -> Tensor:
        """Fill with `value` (a number, an array, or a Tensor that requires grad), in place.

        While the graph is recorded, overwriting a non-leaf (or copying from a tensor that
        requires grad) is recorded as an op, as in PyTorch: the old values get a zero
        gradient, and a Tensor `value` gets the gradient.
        """
        if type(value) is not type(self.array) and (is_host(value) or is_array(value)):
            value = like(value, self.array)  # another device's array (a host draw): copied here
        value_grad = isinstance(value, Tensor)
        if _mode.grad_enabled and (self.requires_grad or value_grad):
            if self.requires_grad and self.is_leaf:
                raise RuntimeError(
                    f"{name}: a leaf Tensor that requires grad (shape {tuple(self.shape)}) is "
                    "being overwritten in place; do it under `with ag.no_grad():` (e.g. an "
                    "initialisation), or build a new tensor")
            previous = Tensor._make(self.array, self.requires_grad, self.grad_fn)  # no cycle
            out = Fill.apply(previous, value)
            mark_modified(self)  # before the new history: the old grad_fn's output changed
            self.array, self.grad_fn = out.array, out.grad_fn
            self._requires_grad = out.requires_grad  # False for an integer tensor
            return self
        self.array[...] = value.array if value_grad else value
        mark_modified(self)
        return self

    def zero_(self) -> Tensor:
        """Fill with zeros, in place."""
        return self._overwrite(0, "zero_")

    def fill_(self, value: float) -> Tensor:
        """Fill with `value`, in place."""
        return self._overwrite(value, "fill_")

    def copy_(self, src: Any) -> Tensor:
        """Copy `src` (broadcast to this shape) into this tensor, in place."""
        if isinstance(src, Tensor) and src.device != self.device:
            src = src.to(self.device)  # across devices, as PyTorch copies (differentiably)
        value = src.array if isinstance(src, Tensor) else src if is_array(src) else np.asarray(src)
        try:
            if value.shape != self.array.shape:  # (an optimizer's step copies same shapes)
                np.broadcast_to(value, self.shape)
        except ValueError:
            raise RuntimeError(
                f"copy_: the source of shape {tuple(value.shape)} cannot be broadcast to "
                f"this tensor's shape {tuple(self.shape)}") from None
        if isinstance(src, Tensor) and src.requires_grad and _mode.grad_enabled:
            value = src.to(self.array.dtype)  # the gradient flows back to src
        return self._overwrite(value, "copy_")

    def __setitem__(self, index: Any, value: Any) -> None:
        """`t[index] = value`, in place. While the graph is recorded and `t` or `value`
        requires grad, it is recorded as an op (PyTorch's CopySlices): the overwritten values
        get no gradient, `value` gets theirs, and ops that saved `t` before raise in backward.
        Into a leaf that requires grad it is refused, as in PyTorch, unless under `no_grad`.

        >>> p = logits.softmax(1) * 1
        >>> p[0, 1] -= 1           # recorded: the gradient flows back to logits
        """
        index = _index_arg(index, tuple(self.shape))
        if type(self.array) is not np.ndarray:  # on a device: the index and values there too
            index = _index_on(index, self.array)
            if isinstance(value, (np.ndarray, list)):
                value = like(value, self.array, self.array.dtype)
        value_grad = isinstance(value, Tensor) and value._requires_grad
        if (self._requires_grad or value_grad) and _mode.grad_enabled:
            if self._requires_grad and self.grad_fn is None:
                raise RuntimeError(
                    "a view of a leaf Variable that requires grad is being used in an in-place "
                    "operation. (tensor[...] = value on a leaf that requires grad: do it under "
                    "`with ag.no_grad():`, or assign into a copy, x = x.clone())")
            previous = Tensor._make(self.array, self._requires_grad, self.grad_fn)  # no cycle
            if isinstance(value, Tensor) and not value_grad:
                value = value.array
            try:
                out = IndexPut.apply(previous, value, index)
            except (IndexError, ValueError) as e:
                raise self._setitem_error(index, value, e) from None
            mark_modified(self)  # before the new history: the old grad_fn's output changed
            self.array, self.grad_fn = out.array, out.grad_fn
            self._requires_grad = out._requires_grad  # False for an integer tensor
            return
        try:
            self.array[index] = value.array if isinstance(value, Tensor) else value
        except (IndexError, ValueError) as e:
            raise self._setitem_error(index, value, e) from None
        mark_modified(self)

    def _setitem_error(self, index: Any, value: Any, error: Exception) -> Exception:
        """PyTorch's error for `self[index] = value`: IndexError for an index out of range,
        RuntimeError for a value that does not broadcast to the indexed part."""
        where = f"tensor of shape {tuple(self.shape)}[{_describe(index)}] = value"
        if isinstance(error, IndexError) or "broadcast" not in str(error):
            return type(error)(f"{where}: {error}")
        try:
            part = list(self.array[index].shape)
        except (IndexError, ValueError):
            return type(error)(f"{where}: {error}")
        return RuntimeError(
            f"shape mismatch: value tensor of shape {list(_shape_of(value))} cannot be "
            f"broadcast to indexing result of shape {part} ({where}: give a value of the "
            "indexed part's shape, or one that broadcasts to it)")

    # ----- elementwise math: the registered ops (exp, log, sin, relu, ...) are installed as
    # methods by `_install`, from their classes in ops/
    @classmethod
    def _install(cls, entry: Any) -> None:
        """Make the registered op `entry` a method: `x.<name>(*options)`."""
        apply, floating = entry.op.apply, entry.floating
        options = _options(entry.op)
        if not options:  # x.exp(): the common case, without a call to _floating for floats
            def method(self: Tensor) -> Tensor:
                if not floating or self.array.dtype.kind in "fc":
                    return apply(self)
                return apply(_floating(self))
        else:
            def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
                values = _bind(entry.name, options, args, kwargs)
                return apply(_floating(self) if floating else self, *values)
        method.__name__ = method.__qualname__ = entry.name
        method.__doc__ = entry.op.__doc__
        setattr(cls, entry.name, method)

    def pow(self, exponent: Any) -> Tensor:
        """`self ** exponent`."""
        return self ** exponent

    def square(self) -> Tensor:
        """`self * self`."""
        return self * self

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        """Limit values to [min, max]; the gradient passes where min <= x <= max."""
        if min is None and max is None:
            raise RuntimeError("clamp(): at least one of 'min' or 'max' must not be None")
        for v in (min, max):
            if isinstance(v, Tensor) and v.array.size != 1:
                raise RuntimeError(
                    f"clamp(): min and max must be numbers or one-element tensors, got a tensor "
                    f"of shape {tuple(v.shape)}; for elementwise bounds use ag.maximum and "
                    "ag.minimum")
        min, max = (v.item() if isinstance(v, Tensor) else v for v in (min, max))
        x = self
        if self.array.dtype.kind in "biu" and any(isinstance(v, float) for v in (min, max)):
            x = self.to(_default_dtype[0])  # an int tensor clamped to float bounds is float
        return Clamp.apply(x, min, max)

    clip = clamp

    # ----- reductions
    def sum(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool | None = None) -> Tensor:
        """Sum over `dim` (an int, a tuple, or None for all)."""
        dim, keepdim = (axis if dim is None else dim), (keepdim if keepdims is None else keepdims)
        return Sum.apply(self, _reduce_axes(dim, self.ndim, "sum"), bool(keepdim))

    def mean(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
             keepdims: bool | None = None) -> Tensor:
        """Mean over `dim` (an int, a tuple, or None for all)."""
        dim, keepdim = (axis if dim is None else dim), (keepdim if keepdims is None else keepdims)
        if self.array.dtype.kind not in "fc":
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {_dtype_name(self.array.dtype)}; "
                "use .float() first")
        return Mean.apply(self, _reduce_axes(dim, self.ndim, "mean"), bool(keepdim))

    def _spread_args(self, dim: Any, unbiased: bool, correction: float | None,
                     op: str) -> tuple:
        """The axes and the correction of `var` and `std`, checked."""
        if self.array.dtype.kind not in "fc":
            raise RuntimeError(
                f"{op}(): std and var only support floating point and complex dtypes, got "
                f"{_dtype_name(self.array.dtype)}; use .float() first")
        axes = _reduce_axes(dim, self.ndim, op)
        return axes, (1 if unbiased else 0) if correction is None else correction

    def var(self, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
            correction: float | None = None) -> Tensor:
        """Variance over `dim`, divided by n - 1 (`unbiased`) or n; `correction` sets the
        subtrahend directly, as in PyTorch."""
        axes, correction = self._spread_args(dim, unbiased, correction, "var")
        count = self.array.size if axes is None else math.prod(self.shape[a] for a in axes)
        centered = self - self.mean(dim=axes, keepdim=True)
        return (centered * centered).sum(dim=axes, keepdim=keepdim) / max(count - correction, 0)

    def std(self, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
            correction: float | None = None) -> Tensor:
        """Standard deviation: the square root of `var` (its gradient is 0 where it is 0, as
        in PyTorch, rather than the nan of `var().sqrt()`)."""
        axes, correction = self._spread_args(dim, unbiased, correction, "std")
        return Std.apply(self, axes, bool(keepdim), correction)

    def _extremum(self, dim: Any, keepdim: bool, name: str, op: type, pick: Callable) -> Any:
        if isinstance(dim, Tensor):
            return self.maximum(dim) if name == "max" else self.minimum(dim)
        if dim is None:
            _check_nonempty(self, None, name)
            return op.apply(self, None, False)
        axis = _normalize_dim(dim, self.ndim, name)
        _check_nonempty(self, (axis,), name)
        indices = pick(self.array, axis=axis, keepdims=keepdim) if self.ndim else \
            np.zeros_like(self.array, dtype=np.int64)
        values = MaxAlong.apply(self, axis, keepdim, indices) if self.ndim else \
            op.apply(self, None, False)
        return ValuesIndices(values, Tensor._make(
            _result(indices.astype(np.int64, copy=False)), False, None))

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The maximum: of all elements; or `(values, indices)` along `dim`; or, given a
        tensor, the elementwise maximum."""
        return self._extremum(dim, keepdim, "max", Amax, np.argmax)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The minimum: of all elements; or `(values, indices)` along `dim`; or, given a
        tensor, the elementwise minimum."""
        return self._extremum(dim, keepdim, "min", Amin, np.argmin)

    def amax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The maximum over `dim` (ties share the gradient evenly)."""
        axes = _reduce_axes(dim, self.ndim, "amax")
        _check_nonempty(self, axes, "amax")
        return Amax.apply(self, axes, keepdim)

    def amin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The minimum over `dim` (ties share the gradient evenly)."""
        axes = _reduce_axes(dim, self.ndim, "amin")
        _check_nonempty(self, axes, "amin")
        return Amin.apply(self, axes, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the maximum (of the flattened tensor when `dim` is None); no gradient."""
        return self._arg_extremum(dim, keepdim, "argmax", np.argmax)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the minimum (of the flattened tensor when `dim` is None); no gradient."""
        return self._arg_extremum(dim, keepdim, "argmin", np.argmin)

    def _arg_extremum(self, dim: int | None, keepdim: bool, name: str,
                      pick: Callable) -> Tensor:
        if self.array.dtype.kind == "b":
            raise RuntimeError(
                f"{name}(): does not support bool input (shape {tuple(self.shape)}); "
                "convert it first, e.g. with .long()")
        if dim is None:
            if self.array.size == 0:  # IndexError here, where max() raises RuntimeError
                raise IndexError(
                    f"{name}(): Expected reduction dim to be specified for input.numel() == 0 "
                    f"(the tensor has shape {tuple(self.shape)}); pass a `dim` whose size is "
                    "not 0")
            index = pick(self.array)  # of the flattened tensor; keepdim keeps every dim as 1
            shape = (1,) * self.ndim if keepdim else ()
            if not is_host(index):  # a device's 0-d array
                return Tensor._make(index.astype(np.int64).reshape(shape), False, None)
            return Tensor._make(np.full(shape, index, dtype=np.int64), False, None)
        axis = _normalize_dim(dim, self.ndim, name)
        _check_nonempty(self, (axis,), name)
        if not self.ndim:
            return Tensor._make(np.zeros_like(self.array, dtype=np.int64), False, None)
        return Tensor._make(pick(self.array, axis=axis, keepdims=keepdim).astype(np.int64),
                            False, None)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        """$\\log \\sum e^x$ over `dim`, computed without overflow."""
        return LogSumExp.apply(_floating(self), _reduce_axes(dim, self.ndim, "logsumexp"),
                               keepdim)

    def softmax(self, dim: int) -> Tensor:
        """$e^{x_i} / \\sum_j e^{x_j}$ along `dim`."""
        axis = _normalize_dim(dim, self.ndim, "softmax")
        return Softmax.apply(_floating(self), axis)

    def log_softmax(self, dim: int) -> Tensor:
        """$x_i - \\log \\sum_j e^{x_j}$ along `dim`, computed stably."""
        axis = _normalize_dim(dim, self.ndim, "log_softmax")
        return LogSoftmax.apply(_floating(self), axis)

    # ----- PyTorch's method forms of the operators, and more reductions
    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """`self + alpha * other`."""
        return self + _scaled(self, other, alpha, "add")

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """`self - alpha * other`."""
        return self - _scaled(self, other, alpha, "sub")

    def mul(self, other: Any) -> Tensor:
        """`self * other`."""
        return self * other

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """`self / other`; with `rounding_mode="trunc"` rounded toward zero, with "floor"
        rounded down (integers then stay integers, and the gradient is 0, as in PyTorch).

        >>> ag.tensor([-7, 7]).div(2, rounding_mode="floor")
        tensor([-4,  3])
        """
        if rounding_mode is None:
            return self / other
        if rounding_mode not in ("trunc", "floor"):
            raise RuntimeError(
                f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                f"{rounding_mode!r}")
        operand = _operand(other)
        if operand is NotImplemented:
            raise TypeError(f"div(): unsupported operand type {type(other).__name__}")
        a, b = _promoted((self, operand))
        divisor = b.array if isinstance(b, Tensor) else np.asarray(b)
        if divisor.dtype.kind in "biu" and _is_integral(a) and not bool(np.all(divisor)):
            raise RuntimeError("ZeroDivisionError: div(): integer division by zero (with "
                               f"rounding_mode={rounding_mode!r})")
        try:
            return RoundedDiv.apply(a, b, rounding_mode)
        except ValueError as e:
            raise _broadcast_error("div", a, b, e) from None

    def neg(self) -> Tensor:
        """`-self`."""
        return -self

    negative = neg
    subtract = sub
    multiply = mul
    divide = div
    true_divide = div

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False,
             dtype: Any = None) -> Tensor:
        """The p-norm over `dim` (of all elements when None), as `torch.Tensor.norm`: `p` is
        "fro" (the default: the 2-norm), a number, `inf` (max |x|), `-inf` (min |x|) or 0 (the
        count of nonzeros). Its gradient is 0 where the norm is 0, as in PyTorch.

        >>> ag.tensor([3.0, 4.0]).norm()
        tensor(5.)
        """
        if self.array.dtype.kind not in "fc" and dtype is None:
            raise RuntimeError(
                f"norm(): Expected a floating point or complex tensor as input. Got "
                f"{_dtype_name(self.array.dtype)} (shape {tuple(self.shape)}); use .float() "
                "first")
        if isinstance(p, str):
            if p == "nuc":
                raise NotImplementedError(
                    "norm(): p='nuc' (the nuclear norm, a sum of singular values) is not "
                    "implemented in autograd_lite; use p='fro' or a number")
            if p != "fro":
                raise RuntimeError(f"norm(): p must be a number, 'fro' or 'nuc', got {p!r}")
            if isinstance(dim, (tuple, list)) and len(dim) > 2:
                raise RuntimeError(
                    f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        p = 2.0 if p is None or isinstance(p, str) else float(p)
        x = self if dtype is None else self.to(dtype)
        return Norm.apply(x, p, _reduce_axes(dim, self.ndim, "norm"), bool(keepdim))

    def prod(self, dim: int | None = None, keepdim: bool = False, *,
             dtype: Any = None) -> Tensor:
        """The product of all elements, or along `dim` (one int, as in PyTorch). Its gradient
        is right where elements are 0 (it never divides by them). Integers give int64."""
        x = self if dtype is None else self.to(dtype)
        if x.array.dtype.kind in "biu" and x.array.dtype != np.int64:
            x = x.long()  # PyTorch's integer products are int64
        if dim is None or not self.ndim:
            if dim is not None:
                _normalize_dim(dim, self.ndim, "prod")
            return Prod.apply(x, None, False)
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"prod(): dim must be one int, got {dim!r}; take the product over "
                            "one dimension at a time (x.prod(0).prod(0))")
        return Prod.apply(x, _normalize_dim(dim, self.ndim, "prod"), bool(keepdim))

    def cumsum(self, dim: int, *, dtype: Any = None) -> Tensor:
        """Running sums along `dim`; integers and bools give int64, as in PyTorch."""
        axis = _normalize_dim(dim, self.ndim, "cumsum")
        x = self if dtype is None else self.to(dtype)
        if x.array.dtype.kind in "biu" and dtype is None and x.array.dtype != np.int64:
            x = x.long()
        return Cumsum.apply(x, axis) if self.ndim else x.clone()

    # ----- shape
    def reshape(self, *shape: Any) -> Tensor:
        """The same data in a new shape (one dimension may be -1)."""
        return self._reshape(shape, "reshape")

    def view(self, *shape: Any) -> Tensor:
        """The same data in a new shape (one dimension may be -1), as `reshape`."""
        return self._reshape(shape, "view")

    def _reshape(self, shape: tuple, name: str) -> Tensor:
        shape = _shape_args(shape, name)
        size = self.array.size
        known = math.prod(s for s in shape if s != -1)
        if (shape.count(-1) > 1 or any(s < -1 for s in shape)
                or (-1 in shape and (known == 0 or size % known))
                or (-1 not in shape and known != size)):
            raise RuntimeError(
                f"{name}(): shape '{list(shape)}' is invalid for input of size {size} "
                f"(shape {tuple(self.shape)})")
        if -1 in shape:
            shape = tuple(size // known if s == -1 else s for s in shape)
        if shape == self.shape:
            return self
        return Reshape.apply(self, shape)

    def view_as(self, other: Tensor) -> Tensor:
        """`reshape` to `other`'s shape."""
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dimensions `start_dim`..`end_dim` into one (a 0-d tensor becomes 1-d)."""
        start = _normalize_dim(start_dim, self.ndim, "flatten")
        end = _normalize_dim(end_dim, self.ndim, "flatten")
        if self.ndim == 0:
            return self.reshape(1)
        if start > end:
            raise RuntimeError(
                f"flatten() has invalid args: start_dim cannot come after end_dim (got "
                f"start_dim={start_dim}, end_dim={end_dim} for a tensor of shape "
                f"{tuple(self.shape)})")
        shape = self.shape
        merged = math.prod(shape[start:end + 1])  # not -1: an empty tensor keeps its sizes
        return self.reshape(shape[:start] + (merged,) + shape[end + 1:])

    def permute(self, *args: Any, dims: Any = None) -> Tensor:
        """The dimensions reordered: dimension i of the result is `dims[i]` of this one
        (given as separate ints, one sequence, or the `dims=` keyword)."""
        if dims is not None:
            if args:
                raise TypeError(
                    f"permute() takes the dims either as arguments or as the `dims=` keyword, "
                    f"not both (got {args} and dims={dims})")
            args = (dims,)
        dims = _shape_args(args, "permute")
        axes = tuple(_normalize_dim(d, self.ndim, "permute") for d in dims)
        if sorted(axes) != list(range(self.ndim)):
            raise RuntimeError(
                f"permute(): dims {dims} must be a permutation of the {self.ndim} dimensions "
                f"of a tensor of shape {tuple(self.shape)}")
        if axes == tuple(range(self.ndim)):
            return self
        return Permute.apply(self, axes)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions."""
        a = _normalize_dim(dim0, self.ndim, "transpose")
        b = _normalize_dim(dim1, self.ndim, "transpose")
        if self.ndim == 0:
            return self
        axes = list(range(self.ndim))
        axes[a], axes[b] = axes[b], axes[a]
        return self.permute(*axes)

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        """Alias of `transpose`, as in PyTorch (and NumPy's name for it)."""
        return self.transpose(axis0, axis1)

    def t(self) -> Tensor:
        """Transpose of a tensor of at most 2 dimensions."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self.ndim}D; use transpose(dim0, dim1) or permute")
        return self.T

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dimension of size 1 at `dim`."""
        axis = _normalize_dim(dim, self.ndim + 1, "unsqueeze")
        return Reshape.apply(self, self.shape[:axis] + (1,) + self.shape[axis:])

    def squeeze(self, dim: Any = None) -> Tensor:
        """Remove dimensions of size 1 (all, or only `dim` if it has size 1)."""
        if dim is None:
            shape = tuple(s for s in self.shape if s != 1)
        else:
            axes = _reduce_axes(dim, self.ndim, "squeeze") or ()
            shape = tuple(s for i, s in enumerate(self.shape) if not (i in axes and s == 1))
        if shape == self.shape:
            return self
        return Reshape.apply(self, shape)

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast to `sizes` (-1 keeps a dimension) without copying."""
        sizes = _shape_args(sizes, "expand")
        extra = len(sizes) - self.ndim
        if extra < 0:
            raise RuntimeError(
                f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal "
                f"to the number of dimensions in the tensor ({self.ndim})")
        target = []
        for i, size in enumerate(sizes):
            have = self.shape[i - extra] if i >= extra else None
            if size == -1:
                if have is None:
                    raise RuntimeError(
                        "expand: -1 is not allowed in a leading, non-existing dimension")
                size = have
            elif have is not None and have != 1 and have != size:
                raise RuntimeError(
                    f"The expanded size of the tensor ({size}) must match the existing size "
                    f"({have}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                    f"Tensor sizes: {list(self.shape)}")
            target.append(size)
        target = tuple(target)
        if target == self.shape:
            return self
        return Expand.apply(self, target)

    def expand_as(self, other: Tensor) -> Tensor:
        """`expand` to `other`'s shape."""
        return self.expand(*other.shape)

    def __getitem__(self, index: Any) -> Tensor:
        index = _index_arg(index, tuple(self.shape))
        if type(self.array) is not np.ndarray:
            index = _index_on(index, self.array)
        try:
            return Index.apply(self, index)
        except IndexError as e:
            raise IndexError(f"tensor of shape {tuple(self.shape)}[{_describe(index)}]: {e}") \
                from None



# PyTorch's names of the tensor types, by dtype: `x.type()` is 'torch.FloatTensor'.
_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
               "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor"}


def _is_device_arg(x: Any) -> bool:
    """Whether a positional argument of `to` names a device (else it names a dtype)."""
    if isinstance(x, _device.device):
        return True
    if isinstance(x, str):
        return x.partition(":")[0] in _device._TYPES or not _is_dtype_name(x)
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _is_dtype_name(name: str) -> bool:
    try:
        np.dtype(name)
    except TypeError:
        return False
    return True


def _to_args(args: tuple, dtype: Any, device: Any) -> tuple:
    """`Tensor.to`'s positional forms, as (dtype, device): (dtype), (device), (device,
    dtype), (tensor); then PyTorch's non_blocking and copy, which are taken and ignored."""
    if not args:
        return dtype, device
    first, rest = args[0], list(args[1:])
    if isinstance(first, Tensor):
        found_dtype, found_device = first.array.dtype, first.device
    elif _is_device_arg(first):
        found_dtype, found_device = None, first
        if rest and not isinstance(rest[0], bool) and rest[0] is not None:
            found_dtype = rest.pop(0)
            if _is_device_arg(found_dtype):
                raise TypeError(f"to() received an invalid combination of arguments: a device "
                                f"{first!r} then another {found_dtype!r}; give "
                                "to(device, dtype)")
    else:
        found_dtype, found_device = first, None
    if len(rest) > 2 or not all(isinstance(r, bool) for r in rest):
        raise TypeError(f"to() received an invalid combination of arguments: {args!r}; give "
                        "to(dtype), to(device), to(device, dtype) or to(tensor), then "
                        "non_blocking and copy")
    if (found_dtype is not None and dtype is not None) or (
            found_device is not None and device is not None):
        raise TypeError("to() got the dtype or the device twice, positionally and by keyword")
    return (dtype if found_dtype is None else found_dtype,
            device if found_device is None else found_device)


def _cuda_device(device: Any) -> Any:
    """`cuda(device)`'s argument: an index (`cuda(0)`) or a device."""
    if isinstance(device, (int, np.integer)) and not isinstance(device, bool):
        return f"cuda:{int(device)}"
    return device


def _binary_operator(op: type, name: str, reflected: bool = False) -> Callable:
    """`Tensor.__mul__` and friends: normalise the other operand, then apply `op`."""
    scalar_as_array = op is not Pow  # Pow keeps a number exponent: its derivative is simpler
    apply = op.apply  # bound once, not per call

    def operator(self: Tensor, other: Any) -> Any:
        kind = type(other)  # a Python number that keeps the tensor's dtype goes straight to op
        if kind is float and (dtype := self.array.dtype).kind in "fc":
            if scalar_as_array:  # NumPy's kernels run twice as fast with a 0-d array of the
                constant = _constants.get(other)  # tensor's dtype than with a Python float
                if constant is None or constant.dtype is not dtype:
                    constant = _constant(other, dtype)
                # (a GPU's library takes NumPy scalars, not NumPy arrays)
                other = constant if type(self.array) is ndarray else constant[()]
        elif not (kind is int and ((dtype_kind := self.array.dtype.kind) in "fc"
                                   or dtype_kind != "b" and op is not Div)):
            other = _operand(other)  # everything else: promotion and its errors in _binary
            if other is NotImplemented:
                return NotImplemented
            return _binary(op, other, self, name) if reflected else _binary(op, self, other, name)
        a, b = (other, self) if reflected else (self, other)
        try:
            return apply(a, b)
        except ValueError as e:  # e.g. NumPy's integers to negative integer powers
            raise _broadcast_error(name, a, b, e) from None
    operator.__name__ = f"__{'r' if reflected else ''}{'truediv' if op is Div else name}__"
    return operator


# The Python floats the operators met, as read-only 0-d arrays: `x * 0.5` in a loop makes its
# array once (np.asarray costs as much as multiplying four numbers). Zeros are made afresh each
# time: -0.0 == 0.0 as a dict key.
_constants: dict[float, np.ndarray] = {}


def _constant(value: float, dtype: np.dtype) -> np.ndarray:
    array = np.asarray(value, dtype)
    if value:
        array.flags.writeable = False
        if len(_constants) >= 1024:
            _constants.clear()
        _constants[value] = array
    return array


for _name, _op, _op_name in (("add", Add, "add"), ("sub", Sub, "sub"), ("mul", Mul, "mul"),
                             ("pow", Pow, "pow"), ("truediv", Div, "div")):
    setattr(Tensor, f"__{_name}__", _binary_operator(_op, _op_name))
    setattr(Tensor, f"__r{_name}__", _binary_operator(_op, _op_name, reflected=True))


def _describe(index: Any) -> str:
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for i in items:
        if isinstance(i, slice):
            out.append(":" if i == slice(None) else
                       f"{'' if i.start is None else i.start}:{'' if i.stop is None else i.stop}"
                       + ("" if i.step is None else f":{i.step}"))
        elif i is Ellipsis:
            out.append("...")
        elif is_array(i):
            out.append(f"<{i.dtype} array of shape {i.shape}>")
        else:
            out.append(repr(i))
    return ", ".join(out)


_INPLACE_UFUNCS = {Add: np.add, Sub: np.subtract, Mul: np.multiply, Div: np.true_divide}


def _as_tensor(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return Tensor._make(as_array(x), False, None)


_function._tensor_type = _engine.Tensor = _promotion.Tensor = Tensor  # the knot, registered
for _entry in _function.REGISTRY.values():
    Tensor._install(_entry)


def _scaled(tensor: Tensor, other: Any, alpha: Any, name: str) -> Any:
    """`alpha * other` for `add` and `sub`: PyTorch refuses a float alpha with integers."""
    if alpha == 1 and type(alpha) is not float:
        return other
    if isinstance(alpha, float) and _is_integral(tensor) and _is_integral(other):
        raise RuntimeError(
            f"{name}(): For integral input tensors, argument alpha must not be a floating point "
            f"number (got alpha={alpha})")
    return other * alpha


def _numpy_names(method: Callable) -> Callable:
    """`method` that also takes NumPy's spellings of its options, as PyTorch does:
    `axis=` for `dim=` and `keepdims=` for `keepdim=` (`x.argmax(axis=1)`)."""
    name = method.__name__

    def wrapper(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        if "axis" in kwargs:
            if "dim" in kwargs:
                raise TypeError(f"{name}() got both 'dim' and its alias 'axis'")
            kwargs["dim"] = kwargs.pop("axis")
        if "keepdims" in kwargs:
            if "keepdim" in kwargs:
                raise TypeError(f"{name}() got both 'keepdim' and its alias 'keepdims'")
            kwargs["keepdim"] = kwargs.pop("keepdims")
        return method(self, *args, **kwargs)

    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = method.__doc__
    wrapper.__wrapped__ = method
    return wrapper


for _name in ("argmax", "argmin", "max", "min", "amax", "amin", "var", "std", "logsumexp",
              "norm", "prod", "cumsum", "any", "all"):
    setattr(Tensor, _name, _numpy_names(getattr(Tensor, _name)))
