"""`Function`: the one mechanism behind every op, built-in or user-defined.

An op is a subclass with two static methods side by side::

    class Cube(Function):
        @staticmethod
        def forward(ctx, x):             # x is an np.ndarray
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):          # an ndarray, or a Tensor under create_graph
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2

`Cube.apply(t)` runs `forward` on the inputs' arrays and, when a gradient is needed, keeps the
`ctx` as the output's `grad_fn`: the graph is made of these contexts. Derivatives are written with
operators and NumPy functions, which `Tensor` also implements, so the same formula runs on plain
arrays in a normal backward and records Tensor ops under `create_graph=True`.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import device as _device
from .arrays import host, is_array, is_host, ndarray
from .formula import (
    Sym,
    argument_names,
    call,
    evaluate,
    format_array,
    format_number,
    names_in,
    render,
)

__all__ = [
    "Function",
    "register",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "set_detect_anomaly",
    "detect_anomaly",
    "is_anomaly_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
]


# --- grad mode and anomaly mode (thread-local, as in PyTorch) -------------------------------

# The modes are ContextVars: per thread, as PyTorch keeps them (a new thread starts with the
# defaults), and per asyncio task. `_record` is grad mode and anomaly mode folded into the one
# value `Function.apply` reads per op: 0 (grad mode off), 1 (graph), 2 (graph and forward stacks).
_record = ContextVar("autograd_lite.record", default=1)
_anomaly = ContextVar("autograd_lite.anomaly", default=False)
_check_nan = ContextVar("autograd_lite.check_nan", default=True)  # anomaly mode's NaN/Inf check
_current_record = _record.get


class _Mode:
    """The modes as attributes: `_mode.grad_enabled = False` sets them for this thread."""

    __slots__ = ()

    @property
    def grad_enabled(self) -> bool:
        return _record.get() != 0

    @grad_enabled.setter
    def grad_enabled(self, value: bool) -> None:
        _record.set((1 + _anomaly.get()) if value else 0)

    @property
    def anomaly(self) -> bool:
        return _anomaly.get()

    @anomaly.setter
    def anomaly(self, value: bool) -> None:
        _anomaly.set(value)
        if _record.get():
            _record.set(1 + value)

    @property
    def check_nan(self) -> bool:
        return _check_nan.get()

    @check_nan.setter
    def check_nan(self, value: bool) -> None:
        _check_nan.set(value)


_mode = _Mode()


def is_grad_enabled() -> bool:
    """Whether ops record the graph in this thread."""
    return _mode.grad_enabled


class set_grad_enabled:
    """Context manager (and decorator) that sets grad mode on or off.

    >>> with set_grad_enabled(False):
    ...     y = x * 2          # not recorded
    """

    def __init__(self, mode: bool) -> None:
        self.prev = _mode.grad_enabled
        self.mode = bool(mode)
        _mode.grad_enabled = self.mode  # like torch: takes effect on construction too

    def __enter__(self) -> None:
        _mode.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _mode.grad_enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode
        _mode.grad_enabled = self.prev  # used as a decorator: do not leak the mode

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        wrapper.__wrapped__ = fn
        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = getattr(fn, "__doc__", None)
        return wrapper


class _GradModeContext:
    mode = True

    def __new__(cls, fn: Callable | None = None) -> Any:
        if fn is not None:  # used as a bare decorator: @no_grad
            return cls()(fn)
        return super().__new__(cls)

    def __init__(self, fn: Callable | None = None) -> None:
        pass

    def __enter__(self) -> None:
        self.prev = _mode.grad_enabled
        _mode.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _mode.grad_enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        cls = type(self)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with cls():
                return fn(*args, **kwargs)

        wrapper.__wrapped__ = fn
        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = getattr(fn, "__doc__", None)
        return wrapper


class no_grad(_GradModeContext):
    """Context manager and decorator: ops inside do not record the graph.

    >>> with ag.no_grad():
    ...     w -= 0.1 * w.grad
    """

    mode = False


class enable_grad(_GradModeContext):
    """Context manager and decorator: turn graph recording back on inside `no_grad`."""

    mode = True


_inference = ContextVar("autograd_lite.inference", default=False)


def is_inference_mode_enabled() -> bool:
    """Whether inference mode is on in this thread."""
    return _inference.get()


class inference_mode:  # noqa: N801 - torch.inference_mode's name
    """Context manager and decorator for evaluation, as PyTorch's: inside, ops record no graph
    (as under `no_grad`) and `ag.is_inference_mode_enabled()` is True. `inference_mode(False)`
    turns it off again and grad mode on, as PyTorch does. (PyTorch's further checks on
    "inference tensors" used later in autograd are not made: they are plain tensors here.)

    >>> with ag.inference_mode():
    ...     y = model(x)
    >>> @ag.inference_mode
    ... def predict(x): ...
    """

    def __new__(cls, mode: Any = True) -> Any:
        self = super().__new__(cls)
        if callable(mode) and not isinstance(mode, bool):  # a bare decorator: @inference_mode
            self.mode = True
            return self(mode)
        return self

    def __init__(self, mode: Any = True) -> None:
        self.mode = bool(mode) if isinstance(mode, bool) else True

    def __enter__(self) -> None:
        self.prev = (_mode.grad_enabled, _inference.get())
        _mode.grad_enabled = not self.mode
        _inference.set(self.mode)

    def __exit__(self, *exc: object) -> None:
        grad, inference = self.prev
        _mode.grad_enabled = grad
        _inference.set(inference)

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return fn(*args, **kwargs)

        wrapper.__wrapped__ = fn
        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = getattr(fn, "__doc__", None)
        return wrapper

    def clone(self) -> inference_mode:
        """A new context with the same mode (as PyTorch's)."""
        return inference_mode(self.mode)


class set_detect_anomaly:
    """Turn anomaly detection on or off: backward then raises at the first NaN/Inf gradient,
    naming the op and showing where it was created in the forward pass. Takes effect at once,
    and as a context manager restores the previous mode on exit. With `check_nan=False` only
    the forward stacks are recorded."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = (_mode.anomaly, _mode.check_nan)
        _mode.anomaly, _mode.check_nan = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _mode.anomaly, _mode.check_nan = self.prev


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on in this thread."""
    return _mode.anomaly


class detect_anomaly:
    """Context manager (and decorator) form of `set_detect_anomaly(True)`; with
    `check_nan=False` it records forward stacks without checking gradients."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = bool(check_nan)

    def __enter__(self) -> None:
        self.prev = (_mode.anomaly, _mode.check_nan)
        _mode.anomaly, _mode.check_nan = True, self.check_nan

    def __exit__(self, *exc: object) -> None:
        _mode.anomaly, _mode.check_nan = self.prev

    def __call__(self, fn: Callable) -> Callable:
        check_nan = self.check_nan

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(check_nan):
                return fn(*args, **kwargs)

        wrapper.__wrapped__ = fn
        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = getattr(fn, "__doc__", None)
        return wrapper


_tensor_type: Any = None  # set by tensor.py: Function and Tensor know each other


# --- registration: one line that makes an op a Tensor method, an `ag.` function, ... ---------

@dataclass(frozen=True)
class Registration:
    """What `register` made of an op: the method name, the NumPy functions that run it on
    Tensors, whether the command line may call it, and whether an integer input is made
    floating first (as PyTorch's exp, sin, ... do)."""

    name: str
    op: type
    numpy: tuple
    safe: bool
    floating: bool


REGISTRY: dict[str, Registration] = {}
"""Every registered op by name, in the order registered."""

NUMPY_METHODS: dict[Any, str] = {}
"""NumPy function -> the Tensor method that runs it on Tensors (`np.exp` -> "exp"): what makes
`np.exp(t)` work on a Tensor, and so what a derivative may call under `create_graph`."""


def register(name: str, *, numpy: Any = (), safe: bool = False,
             floating: bool = True) -> Callable[[type], type]:
    """Class decorator: make the op `Tensor.<name>(*options)` (its forward's other arguments,
    with their defaults, are the method's options), the function `ag.<name>(x, ...)`, and the
    Tensor form of the NumPy functions in `numpy`; `safe` ops may be called from the command
    line's expressions.

    >>> @register("cube", safe=True)
    ... class Cube(Function): ...
    >>> x.cube()
    """
    def decorate(op: type) -> type:
        functions = numpy if isinstance(numpy, tuple | list) else (numpy,)
        entry = Registration(name, op, tuple(functions), safe, floating)
        REGISTRY[name] = entry
        for function in functions:
            NUMPY_METHODS[function] = name
        if _tensor_type is not None:
            _tensor_type._install(entry)
        return op
    return decorate


# --- Function --------------------------------------------------------------------------------

_clock = [0]  # bumped by every in-place change; lets backward skip version checks when 0 happened
_BOTH, _FIRST, _SECOND, _NEITHER = (True, True), (True, False), (False, True), (False, False)
_ONLY, _NONE = (True,), (False,)
# dtypes whose results carry gradients (`.kind in "fc"`; the set is the quick test)
_DIFFERENTIABLE = frozenset(map(np.dtype, (np.float16, np.float32, np.float64, np.complex64,
                                           np.complex128)))
_new = object.__new__  # a module global: cheaper than an attribute lookup


def freed_error(name: str | None = None) -> RuntimeError:
    """The error for saved tensors a backward pass has freed (`name`: the op's node)."""
    whose = f"the saved tensors of {name}" if name else "saved tensors"
    return RuntimeError(
        f"Trying to backward through the graph a second time (or to use {whose} after they "
        "have been freed). Saved intermediate values of the graph are freed when you call "
        ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
        "through the graph a second time or if you need to access saved tensors after calling "
        "backward.")


class _FreedTensors:
    """What `ctx.saved_tensors` holds once a backward pass has freed it: using it raises."""

    __slots__ = ()

    def _raise(self, *args: Any) -> Any:
        raise freed_error()

    __iter__ = __getitem__ = __len__ = _raise

    def __bool__(self) -> bool:  # the engine's `if ctx.saved_tensors:` leads it to the check
        return True

    def __repr__(self) -> str:
        return "<saved tensors freed by backward>"


FREED = _FreedTensors()


def mark_modified(tensor: Any) -> None:
    """Record an in-place change of `tensor`, so a backward that saved it can tell."""
    _clock[0] += 1
    tensor._version += 1
    tensor._modified_at = _clock[0]
    if tensor.grad_fn is not None:  # the op that produced it saved a now-stale output
        tensor.grad_fn._output_modified_at = _clock[0]


class Released:
    """What a graph keeps of a forward value once a backward pass has let it go: its shape and
    dtype. `array` is a read-only stand-in of that shape and dtype that holds no memory (a
    broadcast zero): the engine reads shapes from it; the pictures say the values are gone."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = np.broadcast_to(np.zeros((), dtype=array.dtype), array.shape)

    shape = property(lambda self: self.array.shape)
    dtype = property(lambda self: self.array.dtype)
    size = property(lambda self: self.array.size)
    ndim = property(lambda self: self.array.ndim)

    def __repr__(self) -> str:
        return f"<released {self.array.dtype.name} values of shape {self.array.shape}>"


class Function:
    """Base class of every differentiable op; an instance is the `ctx` and the graph node.

    Subclasses define `forward(ctx, *args)` on NumPy arrays (Tensor arguments arrive as their
    `.data`; other arguments as they are) and `backward(ctx, grad)` returning one gradient per
    forward argument (`None` where there is none; a single value when there is one argument).
    Gradients may have the broadcast shape: the engine reduces them to each input's shape.

    A forward may return several arrays (`return values, indices`), as in PyTorch: `apply`
    then returns a tuple of Tensors and `backward(ctx, grad_values, grad_indices)` gets one
    gradient per output, zeros for an output no gradient reached (None after
    `ctx.set_materialize_grads(False)`); `ctx.mark_non_differentiable(indices)` keeps an
    output out of the graph.
    """

    # The slots are the node: what the engine needs to walk the graph and what a picture shows.
    __slots__ = (
        "inputs",            # per forward argument: its grad_fn node, a leaf Tensor, or None
        "args",              # the forward arguments as given (Tensors and constants), to draw
        "needs_input_grad",
        "out_data",          # the forward result, kept so the graph can be drawn and explained
        "saved_tensors",     # what save_for_backward kept (FREED once backward freed it)
        "_clock",            # the in-place clock when it was saved
        "out_grad",          # the gradient that reached this node in the last backward
        "passed",            # what it passed to each input where paths meet (see engine)
        "__dict__",
        "__weakref__",
    )

    # How `explain` and the pictures present the op (a user's Function may declare them too):
    label: str = ""          # the short name drawn in graph pictures ("*", "+", "relu", ...)
    formula: str | None = None   # what it computes, in forward's argument names: "a * b"
    derivatives: tuple[str | None, ...] | None = None  # an elementwise op's d out / d argument
    commutative = False      # pictures fold a constant operand in on the right: "* 3"

    hooks: list | None = None  # hooks of the output tensor (register_hook, retain_grad)
    trace: list | None = None  # the forward-pass stack, recorded in anomaly mode
    _output_modified_at = 0
    _non_differentiable: frozenset | None = None  # ids of outputs mark_non_differentiable named
    _materialize = True      # set_materialize_grads
    _stamps: list | None = None  # per output, the clock of its last in-place change (several)

    # ----- the user's side
    @staticmethod
    def forward(ctx: Function, *args: Any) -> np.ndarray:
        raise NotImplementedError(
            "a Function subclass must define `forward(ctx, *args)` as a @staticmethod")

    @staticmethod
    def backward(ctx: Function, grad: Any) -> Any:
        raise NotImplementedError(
            "a Function subclass must define `backward(ctx, grad)` as a @staticmethod")

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep forward inputs or the forward output for `backward`, as `ctx.saved_tensors`.

        Before `backward` runs, the engine checks them for in-place changes and, under
        `create_graph`, hands them over as Tensors; they are freed after backward unless
        `retain_graph=True`.
        """
        self.saved_tensors = arrays

    @classmethod
    def in_backward(cls, *args: Any) -> Any:
        """Use this op inside another op's `backward`: on arrays it returns what `forward`
        returns (nothing is recorded); on Tensors, as under `create_graph=True`, it is applied
        and recorded, so the derivative stays differentiable.

        >>> class Double(Function):  # the derivative of Half, and the other way round
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return 2 * x
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         return Half.in_backward(grad)
        """
        if any(isinstance(a, _tensor_type) for a in args):
            return cls.apply(*args)
        ctx = cls()  # a context as apply makes one: every input wants its gradient
        ctx.saved_tensors, ctx.needs_input_grad = (), (True,) * len(args)
        return cls.forward(ctx, *args)

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Mark outputs (the arrays `forward` returns) as not differentiable, as PyTorch's
        does: their Tensors do not require grad, and `backward` gets zeros (or None, see
        `set_materialize_grads`) for them. Outputs of integer dtype never carry gradients.

        >>> def forward(ctx, x):
        ...     order = np.argsort(x)
        ...     ctx.mark_non_differentiable(order)
        ...     return np.take(x, order), order
        """
        self._non_differentiable = frozenset(map(id, outputs))

    def set_materialize_grads(self, value: bool) -> None:
        """Whether `backward` of a Function with several outputs gets zeros (the default, as
        in PyTorch) or None for the outputs that no gradient reached."""
        self._materialize = bool(value)

    # ----- the engine's side
    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run the op on Tensors (and plain values) and record it when a gradient is needed."""
        Tensor = _tensor_type
        ctx = cls()
        ctx.saved_tensors = ()
        try:
            # Per argument: the array forward sees, and the parent backward sends a gradient to
            # (its grad_fn, the leaf itself, or None). Unrolled for one and two arguments, the
            # common cases, because this runs once per op.
            if len(args) == 2:
                a, b = args
                if isinstance(a, Tensor):
                    array_a, parent_a = a.array, ((a.grad_fn or a) if a._requires_grad else None)
                else:
                    array_a, parent_a = a, None
                if isinstance(b, Tensor):
                    array_b, parent_b = b.array, ((b.grad_fn or b) if b._requires_grad else None)
                else:
                    array_b, parent_b = b, None
                if parent_a is not None:  # shared tuples: no allocation per op
                    ctx.needs_input_grad = _BOTH if parent_b is not None else _FIRST
                else:
                    ctx.needs_input_grad = _SECOND if parent_b is not None else _NEITHER
                out = cls.forward(ctx, array_a, array_b)
                requires_grad = parent_a is not None or parent_b is not None
                ctx.inputs = (parent_a, parent_b)
            elif len(args) == 1 and isinstance(args[0], Tensor):
                a = args[0]
                parent_a = (a.grad_fn or a) if a._requires_grad else None
                ctx.needs_input_grad = _ONLY if parent_a is not None else _NONE
                out = cls.forward(ctx, a.array)
                requires_grad = parent_a is not None
                ctx.inputs = (parent_a,)
            else:
                arrays = tuple(a.array if isinstance(a, Tensor) else a for a in args)
                inputs = tuple((a.grad_fn or a) if isinstance(a, Tensor) and a._requires_grad
                               else None for a in args)
                ctx.needs_input_grad = tuple(parent is not None for parent in inputs)
                out = cls.forward(ctx, *arrays)
                requires_grad = inputs.count(None) != len(inputs)
                ctx.inputs = inputs
        except (TypeError, ValueError):
            # Zero cost unless an op failed: arrays of different devices are the usual cause
            # (the device's library refuses the others), said as PyTorch says it.
            retry = _on_one_device(args, cls.__name__)
            if retry is None:
                raise
            return cls.apply(*retry)
        if type(out) is not ndarray:
            if type(out) is tuple:
                return ctx._outputs(out, args, requires_grad)
            out = ctx._forward_result(out)
        record = _current_record()
        if not (requires_grad and record and (out.dtype in _DIFFERENTIABLE
                                              or out.dtype.kind in "fc")) \
                or ctx._non_differentiable is not None and id(out) in ctx._non_differentiable:
            return Tensor._make(out, False, None)
        ctx.args = args
        ctx.out_data = out
        ctx.out_grad = None
        if ctx.saved_tensors:
            ctx._clock = _clock[0]
        if record == 2:
            ctx.trace = traceback.format_stack()[:-2]
        result = _new(Tensor)  # Tensor._make, inlined on the hottest path
        result.array, result._grad, result._requires_grad = out, None, True
        result.grad_fn, result._version, result._hooks = ctx, 0, None
        return result

    def _outputs(self, outs: tuple, args: tuple, requires_grad: bool) -> tuple:
        """`apply` of a forward that returned several arrays: a tuple of Tensors, each
        differentiable one with its own `OutputOf` node leading to this one."""
        outs = tuple(o if type(o) is ndarray else self._forward_result(o) for o in outs)
        record = _current_record()
        if not (requires_grad and record):
            return tuple(_tensor_type._make(o, False, None) for o in outs)
        self.args, self.out_data, self.out_grad = args, outs, None
        self._stamps = [0] * len(outs)
        if self.saved_tensors:
            self._clock = _clock[0]
        if record == 2:
            self.trace = traceback.format_stack()[:-2]  # (up to the caller of apply)
        skip = self._non_differentiable or ()
        make = _tensor_type._make
        return tuple(make(o, True, OutputOf(self, i))
                     if (o.dtype in _DIFFERENTIABLE or o.dtype.kind in "fc") and id(o) not in skip
                     else make(o, False, None) for i, o in enumerate(outs))

    def _output_grads(self, grads: list, create_graph: bool) -> list:
        """The gradients `backward` of a node with several outputs gets: zeros (a Tensor under
        `create_graph`) where none arrived, unless `set_materialize_grads(False)`."""
        if self._materialize:
            for i, grad in enumerate(grads):
                if grad is None:
                    out = self.out_data[i]
                    zeros = np.zeros_like(out)
                    grads[i] = _tensor_type._make(zeros, False, None) if create_graph else zeros
        return grads

    def _forward_result(self, out: Any) -> np.ndarray:
        """A forward result that is not an ndarray, as one: NumPy gives scalars for 0-d inputs
        (and then what was saved is re-pointed to the array returned). A device's array (a
        GPU's) is one already."""
        if is_array(out):
            return out
        scalar, out = out, np.asarray(out)
        if self.saved_tensors:
            self.saved_tensors = tuple(out if a is scalar else a for a in self.saved_tensors)
        return out

    @property
    def input_shapes(self) -> list:
        """The shape of each Tensor argument (None for constants)."""
        return [a.array.shape if isinstance(a, _tensor_type | Released) else None
                for a in self.args]

    def _source(self, array: Any) -> Any:
        """Which forward input (a Tensor) or output (`self`) a saved array is, if any.

        An input's array at forward time is its producer's output (an in-place op may have
        rebound the tensor to a new array since) or, for a leaf or a constant, its own array
        (which in-place ops change in place).
        """
        if array is self.out_data:
            return self
        if self._stamps is not None:  # several outputs: the output's number
            for i, out in enumerate(self.out_data):
                if array is out:
                    return i
        for arg, parent in zip(self.args, self.inputs):
            if isinstance(arg, _tensor_type):
                forward_array = parent.out_data if isinstance(parent, Function) else arg.array
                if forward_array is array:
                    return arg
        return None

    def _check_versions(self) -> None:
        """Raise if a saved input or output was changed in place since the forward pass."""
        for index, array in enumerate(self.saved_tensors):
            source = self._source(array)
            if source is self:
                stamp, what = self._output_modified_at, f"the output of {self.name()}"
            elif type(source) is int:
                stamp, what = self._stamps[source], f"output {source} of {self.name()}"
            elif source is not None:
                stamp = getattr(source, "_modified_at", 0)
                what = f"an input of {self.name()}"
            else:
                continue
            if stamp > self._clock:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: saved tensor {index} of {self.name()} ({what}, "
                    f"shape {tuple(np.shape(array))}) was changed in place after the forward "
                    "pass used it. Do the in-place change on a copy (x = x * 2 instead of "
                    "x *= 2), or .clone() the tensor before the op that saves it.")

    def _saved_as_tensors(self) -> tuple:
        """The saved arrays as the Tensors they came from, for a backward pass that is
        recorded (the op's own output is rebuilt as a Tensor pointing at this node)."""
        tensors = []
        for array in self.saved_tensors:
            source = self._source(array)
            if source is self:
                source = _tensor_type._make(array, True, self)
            elif type(source) is int:  # an output of several: a new edge to this node
                source = _tensor_type._make(array, True, OutputOf(self, source))
            tensors.append(array if source is None else source)
        return tuple(tensors)

    # ----- presentation: what `explain` and the pictures say of the op
    @classmethod
    def present(cls, ctx: Function, operands: list[Sym]) -> Sym:
        """What the op computes, as a formula of its operands (`formula` filled in)."""
        if cls.formula is None:
            return call(cls.label or cls.__name__, *operands)
        return render(cls.formula, dict(zip(argument_names(cls), operands)))

    @classmethod
    def _derivative(cls, index: int) -> str | None:
        """The declared d output / d argument `index`, or None."""
        return cls.derivatives[index] if cls.derivatives is not None else None

    @classmethod
    def local_derivative(cls, ctx: Function, operands: list[Sym], index: int) -> Sym | None:
        """d output / d argument `index` of an elementwise op, as a formula (None if unknown)."""
        text = cls._derivative(index)
        return None if text is None else render(text, dict(zip(argument_names(cls), operands)))

    @classmethod
    def local_value(cls, ctx: Function, values: list[Any], index: int) -> Any:
        """d output / d argument `index` of an elementwise op at the arguments' `values`
        (None if the op declares no derivatives)."""
        text = cls._derivative(index)
        return None if text is None else evaluate(text, dict(zip(argument_names(cls), values)))

    @classmethod
    def linear_in(cls, index: int) -> bool:
        """Whether an elementwise op is linear in argument `index` (its derivative there does
        not depend on it): `explain` may then write that operand inline."""
        text = cls._derivative(index)
        return text is not None and argument_names(cls)[index] not in names_in(text)

    @classmethod
    def gradient_text(cls, ctx: Function, operands: list[Sym], index: int, g: Sym,
                      out: Sym) -> str | None:
        """The gradient a non-elementwise op passes to argument `index`, given the incoming
        gradient `g` and the output's name `out` (None: not known as a formula)."""
        return None

    @classmethod
    def picture_label(cls, ctx: Function, max_elements: int = 4) -> str:
        """The text of the op's oval: its label, with a constant operand of a binary op folded
        in on its side (``* 3``, ``1 /``, ``maximum(0)``) and other constants as options
        of an elementwise op (``leaky_relu(0.2)``, ``clamp(0, 1)``)."""
        base = cls.label or cls.__name__
        tensor = _tensor_type
        args = ctx.args
        constants = [(i, a) for i, a in enumerate(args)
                     if not isinstance(a, tensor | Released) and ctx.inputs[i] is None]
        if cls.derivatives is not None and len(args) == 2 and len(constants) == 1:
            index, value = constants[0]
            array = host(value)
            text = format_array(array) if array.size <= max_elements else \
                f"const{tuple(array.shape)}"
            if base.isidentifier():
                return f"{base}({text})"
            return f"{base} {text}" if index == 1 or cls.commutative else f"{text} {base}"
        if cls.derivatives is None:
            return base
        options = [format_number(a) for _, a in constants if isinstance(a, int | float)]
        return f"{base}({', '.join(options)})" if options else base

    # ----- naming and display
    def name(self) -> str:
        """The node's name as PyTorch prints it, e.g. `MulBackward`."""
        return type(self).__name__ + "Backward"

    @property
    def next_functions(self) -> tuple:
        """PyTorch-style view of the graph edges: (node or leaf, output number) per input."""
        return tuple((n.owner, n.index) if type(n) is OutputOf else (n, 0)
                     for n in getattr(self, "inputs", ()))

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class OutputOf(Function):
    """The edge from output `index` of a Function with several outputs to that Function
    (`owner`): the output Tensor's `grad_fn`. The engine gathers the gradients of all outputs
    here before the owner's `backward` runs once with one per output; the pictures draw it
    as ``[index]`` taken from the owner's outputs."""

    label = "output"

    def __init__(self, owner: Function, index: int) -> None:
        self.owner, self.index = owner, index
        self.inputs = (owner,)
        self.args = (Released(owner.out_data[index]),)  # (the owner's outputs, for pictures)
        self.out_data, self.out_grad = owner.out_data[index], None
        self.saved_tensors = ()
        self.needs_input_grad = _ONLY

    @property
    def _output_modified_at(self) -> int:  # an in-place change of the output: the owner's
        return self.owner._stamps[self.index]

    @_output_modified_at.setter
    def _output_modified_at(self, stamp: int) -> None:
        self.owner._stamps[self.index] = stamp

    def name(self) -> str:
        """The owner's name, as PyTorch's `grad_fn` of every output is the owner."""
        return self.owner.name()

    @classmethod
    def present(cls, ctx: Function, operands: list[Sym]) -> Sym:
        return Sym(f"{operands[0].text}[{ctx.index}]")

    @classmethod
    def gradient_text(cls, ctx: Function, operands: list[Sym], index: int, g: Sym,
                      out: Sym) -> str | None:
        return f"{g.text} as output {ctx.index}"

    @classmethod
    def picture_label(cls, ctx: Function, max_elements: int = 4) -> str:
        return f"[{ctx.index}]"

    def __repr__(self) -> str:
        return f"<{self.name()} output {self.index}>"


def _on_one_device(args: tuple, op: str) -> tuple | None:
    """After an op failed: None when its arrays were all on one device (devices are not the
    cause). Else the arguments again with each 0-d CPU array or constant tensor as a scalar,
    as PyTorch lets a CPU scalar meet a tensor on any device; or, when that changes nothing,
    PyTorch's error for arrays on different devices."""
    arrays = [a.array if isinstance(a, _tensor_type) else a for a in args]
    if len({_device.device_of(a) for a in arrays if is_array(a)}) < 2:
        return None
    retry = tuple(_as_scalar(a) for a in args)
    if all(new is old for new, old in zip(retry, args)):
        _device.same_device(arrays, op)
    return retry


def _as_scalar(value: Any) -> Any:
    """A 0-d CPU array (or a tensor of one that needs no gradient) as a NumPy scalar."""
    array = value.array if isinstance(value, _tensor_type) and not value._requires_grad else value
    return array[()] if is_host(array) and is_array(array) and array.ndim == 0 else value
