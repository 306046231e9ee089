"""Layers: `Linear`, the containers `Sequential` and `MLP`, activations, `Flatten`, `Dropout`.

Names, arguments, parameter shapes, initialisation and reprs are PyTorch's, so a model's
`state_dict()` has the same keys and shapes as the same model in PyTorch::

    model = nn.MLP([64, 32, 10], seed=0)    # Linear(64, 32), ReLU(), Linear(32, 10)
    logits = model(x)                       # x: (N, 64)
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

import autograd_lite as ag

from . import functional as F
from . import init
from .init import _generator
from .module import Module, Parameter, _size

__all__ = [
    "MLP",
    "Dropout",
    "Flatten",
    "Identity",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
]


class Linear(Module):
    """$y = x W^T + b$ on the last dimension: `weight` is (out_features, in_features), as in
    PyTorch, and both are drawn from $U(-1/\\sqrt{\\mathrm{in}}, 1/\\sqrt{\\mathrm{in}})$
    (PyTorch's default, `kaiming_uniform_` with `a=sqrt(5)`).

    Randomness comes from `generator`, a new generator from `seed`, or autograd_lite's default
    generator (seeded by `ag.manual_seed`).

    >>> layer = nn.Linear(3, 2, seed=0)
    >>> layer(ag.ones(5, 3)).shape
    (5, 2)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = None, *, generator: np.random.Generator | None = None,
                 seed: int | None = None) -> None:
        super().__init__()
        self.in_features = _size(in_features, "in_features", self)
        self.out_features = _size(out_features, "out_features", self)
        dtype = ag.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype))
        self.bias = Parameter(np.empty(self.out_features, dtype)) if bias else None
        self.reset_parameters(generator=_generator(generator, seed))

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Draw fresh weights and bias with PyTorch's default initialisation."""
        rng = _generator(generator, None)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound, generator=rng)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        shape = F._shape(input)
        if not shape or shape[-1] != self.in_features:
            raise ValueError(f"{self!r}: expected input with last dimension "
                             f"{self.in_features}, got shape {shape}")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Modules applied one after another; children are named "0", "1", ... (or by the keys
    of an OrderedDict). Indexable (an int gives a module, a slice a Sequential), with `len`
    and iteration.

    >>> model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> model[0], len(model)
    (Linear(in_features=2, out_features=8, bias=True), 3)
    """

    def __init__(self, *modules: Module | OrderedDict) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def add_module(self, name: str, module: Module | None) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: {type(module).__name__} is not a Module "
                            f"(got {module!r} for entry {name})")
        super().add_module(name, module)

    def append(self, module: Module) -> Sequential:
        """Add `module` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        try:
            return items[index][1]
        except IndexError:
            raise IndexError(f"index {index} is out of range for {type(self).__name__} of "
                             f"length {len(items)}") from None

    def __setitem__(self, index: int, module: Module) -> None:
        name = list(self._modules)[index]
        self.add_module(name, module)

    def __delitem__(self, index: int | slice) -> None:
        names = list(self._modules)
        try:
            doomed = names[index] if isinstance(index, slice) else [names[index]]
        except IndexError:
            raise IndexError(f"index {index} is out of range for {type(self).__name__} of "
                             f"length {len(names)}") from None
        for name in doomed:
            del self._modules[name]
        self._renumber()

    def _renumber(self) -> None:
        """Name the children "0", "1", ... in order again (as PyTorch does after a removal)."""
        modules = list(self._modules.values())
        self._modules.clear()
        for index, module in enumerate(modules):
            self._modules[str(index)] = module

    def insert(self, index: int, module: Module) -> Sequential:
        """Put `module` before position `index` (which may be negative or `len(self)`);
        returns self."""
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for length {n}")
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: {type(module).__name__} is not a Module")
        modules = list(self._modules.values())
        modules.insert(index + n if index < 0 else index, module)
        self._modules.clear()
        for position, child in enumerate(modules):
            self.add_module(str(position), child)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        """Append each of `modules` (a Sequential or any iterable of modules); returns self."""
        for module in list(modules):
            self.append(module)
        return self

    def pop(self, index: int | slice) -> Any:
        """Remove and return the module at `index` (a Sequential for a slice)."""
        module = self[index]
        del self[index]
        return module


_ACTIVATIONS: dict[str, Callable[[], Module]] = {}


def _activation(spec: Any, where: str) -> Module | None:
    """An activation module from a name ("relu", "tanh", ...), a Module class or a factory."""
    if spec is None:
        return None
    if isinstance(spec, str):
        key = spec.lower().replace("_", "")
        if key not in _ACTIVATIONS:
            names = ", ".join(sorted({"relu", "leaky_relu", "tanh", "sigmoid", "identity"}))
            raise ValueError(f"MLP: unknown {where} {spec!r}; use one of {names}, a Module "
                             "class, or a function returning a Module")
        return _ACTIVATIONS[key]()
    if isinstance(spec, Module):
        raise TypeError(f"MLP: pass the {where} as a class or a name (e.g. nn.ReLU or "
                        "'relu'), not an instance: every layer needs its own module")
    module = spec()
    if not isinstance(module, Module):
        raise TypeError(f"MLP: the {where} must make a Module, got {type(module).__name__}")
    return module


class MLP(Sequential):
    """A multilayer perceptron: Linear layers of the given `sizes` with `activation` between
    them (and `output_activation` after the last, if given). It is a Sequential, so its
    state-dict keys are PyTorch's for the same stack: `0.weight`, `0.bias`, `2.weight`, ...

    `activation`: "relu", "leaky_relu", "tanh", "sigmoid", "identity", a Module class, or a
    function returning a Module. One `seed` (or `generator`) draws all the layers.

    >>> nn.MLP([2, 8, 2], seed=0)
    MLP(
      (0): Linear(in_features=2, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=2, bias=True)
    )
    """

    def __init__(self, sizes: Sequence[int], activation: Any = "relu",
                 output_activation: Any = None, bias: bool = True, dtype: Any = None, *,
                 generator: np.random.Generator | None = None, seed: int | None = None
                 ) -> None:
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or any(s <= 0 for s in sizes):
            raise ValueError(f"MLP: sizes must list at least two positive layer widths "
                             f"(inputs, ..., outputs), got {sizes}")
        rng = _generator(generator, seed)
        layers: list[Module] = []
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(fan_in, fan_out, bias, dtype, generator=rng))
            last = index == len(sizes) - 2
            act = _activation(output_activation if last else activation,
                              "output_activation" if last else "activation")
            if act is not None:
                layers.append(act)
        super().__init__(*layers)
        self.sizes = sizes


# ----- activations -----------------------------------------------------------------------------

class ReLU(Module):
    """$\\max(x, 0)$ elementwise. `inplace` is accepted for PyTorch compatibility (and shown
    in the repr); the result is always a new tensor.

    >>> nn.ReLU()(ag.tensor([-1., 2.]))
    tensor([0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return input.relu()

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """$x$ for $x > 0$, else $\\mathrm{negative\\_slope} \\cdot x$ (`inplace`, as for `ReLU`,
    is accepted and computes out of place).

    >>> nn.LeakyReLU(0.1)(ag.tensor([-1., 2.]))
    tensor([-0.1000,  2.0000])
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return input.leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """$1 / (1 + e^{-x})$ elementwise.

    >>> nn.Sigmoid()(ag.tensor([0.]))
    tensor([0.5000])
    """

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return input.sigmoid()


class Tanh(Module):
    """$\\tanh x$ elementwise.

    >>> nn.Tanh()(ag.tensor([0.]))
    tensor([0.])
    """

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return input.tanh()


class Softmax(Module):
    """$e^{x_i} / \\sum_j e^{x_j}$ along `dim`.

    >>> nn.Softmax(dim=1)(ag.tensor([[0., 0.]]))
    tensor([[0.5000, 0.5000]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """$x_i - \\log \\sum_j e^{x_j}$ along `dim`, stable; pair it with `NLLLoss`.

    >>> nn.LogSoftmax(dim=1)(ag.tensor([[0., 0.]]))
    tensor([[-0.6931, -0.6931]])
    """

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.log_softmax(input, self.dim)


class Identity(Module):
    """Returns its input (a placeholder, e.g. for a removed layer).

    >>> nn.Identity()(ag.tensor([1.]))
    tensor([1.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Flatten(Module):
    """Flattens dimensions `start_dim` to `end_dim` into one (by default all but the batch).

    >>> nn.Flatten()(ag.zeros(2, 3, 4)).shape
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout: in training mode each element is zeroed with probability `p` and the
    rest scaled by $1/(1-p)$; in eval mode (`model.eval()`) the identity.

    >>> drop = nn.Dropout(0.5, seed=0)
    >>> drop.eval()(ag.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, *,
                 generator: np.random.Generator | None = None, seed: int | None = None
                 ) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace
        self.generator = generator if generator is not None else (
            None if seed is None else np.random.default_rng(seed))

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.dropout(input, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


_ACTIVATIONS.update({
    "relu": ReLU, "leakyrelu": LeakyReLU, "tanh": Tanh, "sigmoid": Sigmoid,
    "identity": Identity, "linear": Identity,
})
