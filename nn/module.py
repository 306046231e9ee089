"""`Module` and `Parameter`: the containers every layer and model is built from.

A module registers what it is given by attribute: a `Parameter` becomes one of its parameters, a
`Module` one of its children, so `named_parameters()` and `state_dict()` find them with
PyTorch's dotted names (`"0.weight"`)::

    class Affine(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(ag.ones(3))
            self.shift = nn.Parameter(ag.zeros(3))

        def forward(self, x):
            return x * self.scale + self.shift
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

import autograd_lite as ag

__all__ = ["Module", "Parameter", "RemovableHandle"]


def zero_grads(params: Any, set_to_none: bool = True) -> None:
    """Reset the `.grad` of each tensor in `params`: to `None`, or to zeros in place (used by
    `Module.zero_grad` and `Optimizer.zero_grad`)."""
    for param in params:
        if param.grad is None:
            continue
        if set_to_none:
            param.grad = None
        else:
            param.grad = param.grad.detach()
            param.grad.array[...] = 0


def device_error(devices: Any, what: str) -> RuntimeError:
    """PyTorch's error for tensors on different devices (`devices`: their names, such as
    "cuda:0" and "cpu"), followed by `what` (which op, and what to do)."""
    first, second = sorted(set(map(str, devices)), key=lambda d: (d == "cpu", d))[:2]
    return RuntimeError(f"Expected all tensors to be on the same device, but found at least "
                        f"two devices, {first} and {second}! ({what})")


def _size(value: Any, what: str, layer: object) -> int:
    """A layer's size argument: a non-negative int (PyTorch raises for 4.5 or -1 too)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{type(layer).__name__}: {what} must be an int, got "
                        f"{type(value).__name__} {value!r}")
    if value < 0:
        raise RuntimeError(f"{type(layer).__name__}: {what} must be at least 0, got {value}")
    return int(value)


class Parameter(ag.Tensor):
    """A Tensor that is a module's parameter: assigning it to a module attribute registers it.

    It requires grad by default. Made from a Tensor or an array (NumPy's, or a GPU's) it
    shares that memory, on its device, as `torch.nn.Parameter` does; from lists and numbers it
    is a new float tensor.

    >>> w = nn.Parameter(ag.zeros(2))
    >>> w
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        source = data.array if isinstance(data, ag.Tensor) else data
        super().__init__(np.empty(0, ag.get_default_dtype()) if source is None else source)
        if ag.arrays.is_array(source):  # shared, on its device
            self.array = source
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


class RemovableHandle:
    """What `register_forward_hook` and `register_forward_pre_hook` return: `remove()` takes
    the hook off again (also usable as a context manager, which removes it on exit)."""

    _next_id = 0

    def __init__(self, *tables: dict) -> None:
        self.tables = tables
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        for table in self.tables:
            if isinstance(table, set):
                table.discard(self.id)
            else:
                table.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.remove()


def _device_or_dtype(value: Any) -> tuple[Any, Any]:
    """`(device, dtype)` from one positional argument of `Module.to`: a device (a string such
    as "cpu" or "cuda:0", or an `ag.device`), a dtype, or a Tensor (its device and dtype)."""
    if isinstance(value, ag.Tensor):
        return value.device, value.dtype
    if isinstance(value, ag.device):
        return value, None
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return ag.device(f"cuda:{int(value)}"), None  # an accelerator's ordinal, as PyTorch
    if isinstance(getattr(value, "type", None), str) and not isinstance(value, type):
        return ag.device(str(value)), None  # another library's device (torch.device("cpu"))
    if isinstance(value, str):
        try:
            return ag.device(value), None
        except RuntimeError:  # not a device string: perhaps a dtype name ("float64")
            pass
    try:
        return None, np.dtype(value).type
    except TypeError:
        raise TypeError(f"Module.to: expected a device ('cpu', 'cuda'), a dtype (ag.float64) "
                        f"or a Tensor, got {type(value).__name__} {value!r}") from None


def _is_cpu(device: Any) -> bool:
    return (device if isinstance(device, ag.device) else ag.device(device)).type == "cpu"


_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _addindent(text: str, spaces: int) -> str:
    """Indent every line of `text` but the first (how PyTorch nests child reprs)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _checkpoint_array(value: Any, key: str) -> np.ndarray:
    """A state-dict value (Tensor, ndarray, torch tensor, list, number) as an ndarray."""
    if isinstance(value, ag.Tensor):
        return value.array
    if ag.arrays.is_array(value):
        return value
    try:
        array = np.asarray(value)
    except Exception as error:  # e.g. a torch tensor that requires grad
        raise TypeError(
            f'while copying the parameter named "{key}": cannot read {type(value).__name__} '
            f"as an array ({error})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f'while copying the parameter named "{key}": expected a Tensor or an array of '
            f"numbers from the checkpoint, got {type(value).__name__}")
    return array


class Module:
    """Base class of layers and models: subclass it, assign parameters and submodules in
    `__init__`, and compute the output in `forward`.

    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = nn.Linear(2, 8)
    ...         self.out = nn.Linear(8, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> [name for name, _ in TwoLayer().named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_hooks_with_kwargs", set())
        object.__setattr__(self, "_hooks_always_called", set())

    # ----- computing
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses define it, and callers call the module itself."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        attributes = self.__dict__
        if attributes.get("_forward_pre_hooks") or attributes.get("_forward_hooks"):
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        with_kwargs = self._hooks_with_kwargs
        for key, hook in list(self._forward_pre_hooks.items()):
            if key in with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        try:
            output = self.forward(*args, **kwargs)
        except Exception:
            for key, hook in list(self._forward_hooks.items()):
                if key in self._hooks_always_called:
                    try:
                        hook(self, args, kwargs, None) if key in with_kwargs \
                            else hook(self, args, None)
                    except Exception:  # the forward's error is the one to report
                        pass
            raise
        for key, hook in list(self._forward_hooks.items()):
            result = (hook(self, args, kwargs, output) if key in with_kwargs
                      else hook(self, args, output))
            if result is not None:
                output = result
        return output

    # ----- hooks
    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call `hook(module, args)` before every `forward`: it may return new positional
        arguments (a tuple, or one value) or None. With `with_kwargs=True` it is called as
        `hook(module, args, kwargs)` and may return `(args, kwargs)`. Returns a handle whose
        `remove()` unregisters it.

        >>> handle = model.register_forward_pre_hook(lambda m, args: print(args[0].shape))
        >>> handle.remove()
        """
        return self._add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs, False)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False
                              ) -> RemovableHandle:
        """Call `hook(module, args, output)` after every `forward`: a non-None return value
        replaces the output. With `with_kwargs=True` it is called as
        `hook(module, args, kwargs, output)`; with `always_call=True` also (with output None)
        when `forward` raises. Returns a handle whose `remove()` unregisters it.

        >>> features = {}
        >>> model[0].register_forward_hook(lambda m, args, out: features.update(h=out))
        """
        return self._add_hook(self._forward_hooks, hook, prepend, with_kwargs, always_call)

    def _add_hook(self, table: OrderedDict, hook: Callable[..., Any], prepend: bool,
                  with_kwargs: bool, always_call: bool) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"hook must be callable, got {type(hook).__name__}")
        handle = RemovableHandle(table, self._hooks_with_kwargs, self._hooks_always_called)
        table[handle.id] = hook
        if prepend:
            table.move_to_end(handle.id, last=False)
        if with_kwargs:
            self._hooks_with_kwargs.add(handle.id)
        if always_call:
            self._hooks_always_called.add(handle.id)
        return handle

    # ----- registration by attribute
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep=self._parameters)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep=self._modules)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (nn.Module or None expected)")
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, ag.Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: dict | None = None) -> None:
        """Remove `name` from wherever it was registered before registering it anew (in
        `keep`, where reassignment keeps its place in the order)."""
        self.__dict__.pop(name, None)
        for table in (self._parameters, self._buffers, self._modules):
            if table is not keep:
                table.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str) -> Any:
        # only reached when normal lookup fails: parameters, buffers and children live here
        for table in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(table)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a `None` placeholder, like a Linear without bias)."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameters before Module.__init__() call")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"parameter name must be a non-empty string without '.', got {name!r}")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: ag.Tensor | None,
                        persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (a running mean, say); persistent
        buffers are part of `state_dict()`."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if tensor is not None and not isinstance(tensor, ag.Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (Tensor or None required)")
        self._forget(name, keep=self._buffers)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under `name` (what attribute assignment does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name, keep=self._modules)
        self._modules[name] = module

    register_module = add_module

    # ----- walking the tree
    def named_modules(self, prefix: str = "", memo: set | None = None
                      ) -> Iterator[tuple[str, Module]]:
        """This module and all below it, depth first, each once, with dotted names."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(f"{prefix}.{name}" if prefix else name, memo)

    def modules(self) -> Iterator[Module]:
        """This module and all below it."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct children with their names."""
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct children."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, table: str, prefix: str, recurse: bool
                       ) -> Iterator[tuple[str, ag.Tensor]]:
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        seen = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, table).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True
                         ) -> Iterator[tuple[str, Parameter]]:
        """`(name, parameter)` pairs, names as in `state_dict()`; shared ones once."""
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters, for an optimiser: `SGD(model.parameters(), lr=0.1)`."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True
                      ) -> Iterator[tuple[str, ag.Tensor]]:
        """`(name, buffer)` pairs."""
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[ag.Tensor]:
        """The buffers."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call `fn` on every child (recursively), then on this module; returns self.

        >>> model.apply(lambda m: nn.init.zeros_(m.bias) if isinstance(m, nn.Linear) else None)
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ----- training state
    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout active) here and below; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (Dropout off); same as `train(False)`."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Turn gradient recording on or off for every parameter (to freeze layers)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's `.grad`: to `None` (default), or to zeros in place."""
        zero_grads(self.parameters(), set_to_none)

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Move and/or cast in place, as `torch.nn.Module.to`: `to("cuda")` / `to("cpu")` (a
        device), `to(ag.float64)` (a dtype: the floating parameters and buffers), `to(tensor)`
        (its device and dtype), `to(device, dtype)`, or the keywords `device=`, `dtype=`,
        `non_blocking=`. Returns self.

        The Parameter objects stay the same and get new arrays (their gradients too), as
        PyTorch's do: build the optimiser after the move (PyTorch's advice); one built before
        keeps working as long as it has no state yet. Buffers move in place as well.

        >>> model = nn.Linear(784, 10).to("cuda" if ag.cuda.is_available() else "cpu")
        >>> model.to("cpu").to(ag.float64) is model
        True
        """
        device, dtype = None, None
        for value in args:
            found_device, found_dtype = _device_or_dtype(value)
            device, dtype = found_device or device, found_dtype or dtype
        for name, value in kwargs.items():
            if name == "device":
                device = None if value is None else _device_or_dtype(value)[0] or value
            elif name == "dtype":
                dtype = None if value is None else np.dtype(value).type
            elif name not in ("non_blocking", "memory_format", "copy"):
                raise TypeError(f"to() got an unexpected keyword argument '{name}'")
        if dtype is not None and np.dtype(dtype).kind not in "fc":
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but "
                            f"got desired dtype={np.dtype(dtype).name}")
        if device is not None and _is_cpu(device):
            device = "cpu"
        elif device is not None:
            ag.empty(0, device=device)  # an unavailable device raises before anything moves
        return self._apply_to(device, dtype)

    def _apply_to(self, device: Any, dtype: Any) -> Module:
        """Give every parameter, buffer and gradient its array on `device` (None: where it is)
        and, if floating, in `dtype` (None: its own)."""
        def convert(tensor: ag.Tensor) -> Any:
            moved = tensor.detach()
            if device is not None:
                moved = moved.to(device)
            if dtype is not None and moved.array.dtype.kind == "f":
                moved = moved.to(dtype)
            return moved.array

        for module in self.modules():
            for table in (module._parameters, module._buffers):
                for value in table.values():
                    if value is None:
                        continue
                    value.array = convert(value)
                    if value.grad is not None:
                        value.grad.array = convert(value.grad)
        return self

    def cpu(self) -> Module:
        """Move every parameter and buffer to the CPU (in place; returns self)."""
        return self._apply_to("cpu", None)

    def cuda(self, device: Any = None) -> Module:
        """Move every parameter and buffer to a CUDA GPU: `cuda()` (the current one),
        `cuda(1)` or `cuda("cuda:1")` (in place; returns self). Without the GPU backend it
        raises, saying what to install."""
        if device is None:
            device = "cuda"
        elif isinstance(device, (int, np.integer)) and not isinstance(device, bool):
            device = f"cuda:{int(device)}"
        return self.to(device)

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64."""
        return self.to(np.float64)

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32."""
        return self.to(np.float32)

    def half(self) -> Module:
        """Cast floating parameters and buffers to float16."""
        return self.to(np.float16)

    # ----- checkpoints
    def state_dict(self, *, prefix: str = "", keep_vars: bool = False
                   ) -> OrderedDict[str, ag.Tensor]:
        """An ordered dict of every parameter and persistent buffer, by PyTorch's names
        (`"0.weight"`), holding detached Tensors that share memory with the model.

        >>> list(nn.MLP([4, 8, 3]).state_dict())
        ['0.weight', '0.bias', '2.weight', '2.bias']
        """
        destination: OrderedDict[str, ag.Tensor] = OrderedDict()
        self._save_to(destination, prefix, keep_vars)
        return destination

    def _save_to(self, destination: OrderedDict, prefix: str, keep_vars: bool) -> None:
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, module in self._modules.items():
            if module is not None:
                module._save_to(destination, f"{prefix}{name}.", keep_vars)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True
                        ) -> _IncompatibleKeys:
        """Copy parameters and buffers from `state_dict` (Tensors or NumPy arrays, e.g. from
        `nn.load` or a converted PyTorch state dict) into this module, in place.

        Values are cast to each parameter's dtype and copied to its device (a checkpoint from
        a GPU loads into a CPU model and back, as in PyTorch). Missing and unexpected keys (with
        `strict=True`) and shape mismatches (always) are reported together in one
        `RuntimeError` naming the keys, and then nothing is copied. Returns
        `(missing_keys, unexpected_keys)`.

        >>> model.load_state_dict(nn.load("model.ckpt"))
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors, updates = [], []
        for key, target in own.items():
            if key not in state_dict:
                continue
            try:
                array = _checkpoint_array(state_dict[key], key)
            except TypeError as error:
                errors.append(str(error))
                continue
            if array.shape != target.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {array.shape} from "
                    f"checkpoint, the shape in current model is {tuple(target.shape)}.")
                continue
            updates.append((target, array))
        if strict and unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{key}"' for key in unexpected) + ". ")
        if strict and missing:
            errors.insert(0, "Missing key(s) in state_dict: "
                          + ", ".join(f'"{key}"' for key in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        with ag.no_grad():
            for target, array in updates:
                target.copy_(array)
        return _IncompatibleKeys(missing, unexpected)

    # ----- display
    def extra_repr(self) -> str:
        """The constructor arguments shown inside this module's repr (override it)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(module), 2)
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{type(self).__name__}({body})"
