"""Layers: `Linear`, the containers `Sequential` and `MLP`, activations, `Flatten`, `Dropout`.

Names, arguments, parameter shapes, initialisation and reprs are PyTorch's, so a model's
`state_dict()` has the same keys and shapes as the same model in PyTorch::

    model = nn.MLP([64, 32, 10], seed=0)    # Linear(64, 32), ReLU(), Linear(32, 10)
    logits = model(x)                       # x: (N, 64)
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

import autograd_lite as ag

from . import functional as F
from . import init
from .init import _generator
from .module import Module, Parameter, _addindent, _size

__all__ = [
    "GELU",
    "MLP",
    "Dropout",
    "Dropout2d",
    "Embedding",
    "Flatten",
    "Identity",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "ModuleDict",
    "ModuleList",
    "ReLU",
    "SiLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Softplus",
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
                 seed: int | None = None, device: Any = None) -> None:
        super().__init__()
        self.in_features = _size(in_features, "in_features", self)
        self.out_features = _size(out_features, "out_features", self)
        dtype = ag.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype))
        self.bias = Parameter(np.empty(self.out_features, dtype)) if bias else None
        self.reset_parameters(generator=_generator(generator, seed))
        if device is not None:  # drawn on the host (the same numbers anywhere), then moved
            self.to(device)

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
            names = ", ".join(sorted({"relu", "leaky_relu", "tanh", "sigmoid", "identity", "gelu",
                                      "silu", "softplus"}))
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


class GELU(Module):
    """Gaussian error linear unit, exact (`approximate="none"`) or with PyTorch's tanh
    approximation (`approximate="tanh"`); see `F.gelu`.

    >>> nn.GELU()(ag.tensor([0., 1.]))
    tensor([0.0000, 0.8413])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """Sigmoid linear unit (swish), $x \\sigma(x)$.

    >>> nn.SiLU()(ag.tensor([0., 1.]))
    tensor([0.0000, 0.7311])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.silu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """$\\frac1\\beta \\log(1 + e^{\\beta x})$, linear above `threshold`; see `F.softplus`.

    >>> nn.Softplus()(ag.tensor([0.]))
    tensor([0.6931])
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Dropout2d(Dropout):
    """Channel dropout for (N, C, H, W) inputs: each channel is zeroed whole with probability
    `p` in training mode; the identity in eval mode. See `F.dropout2d`.

    >>> nn.Dropout2d(0.5, seed=0).eval()(ag.ones(1, 2, 1, 1)).flatten()
    tensor([1., 1.])
    """

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.dropout2d(input, self.p, self.training, generator=self.generator)


class Embedding(Module):
    """A lookup table of `num_embeddings` vectors of size `embedding_dim`: integer indices of
    any shape in, `indices.shape + (embedding_dim,)` out. `weight` is drawn from N(0, 1)
    (PyTorch's default); the row at `padding_idx` starts at zero and gets no gradient.

    >>> emb = nn.Embedding(10, 3, padding_idx=0, seed=0)
    >>> emb(ag.tensor([[1, 2], [0, 9]])).shape
    (2, 2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Any = None, _freeze: bool = False, dtype: Any = None, *,
                 generator: np.random.Generator | None = None, seed: int | None = None,
                 device: Any = None) -> None:
        super().__init__()
        self.num_embeddings = _size(num_embeddings, "num_embeddings", self)
        self.embedding_dim = _size(embedding_dim, "embedding_dim", self)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")  # PyTorch's
            if padding_idx < 0:
                padding_idx = self.num_embeddings + padding_idx
        self.padding_idx = padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        dtype = ag.get_default_dtype() if dtype is None else dtype
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            self.weight = Parameter(np.empty(shape, dtype))
            self.reset_parameters(generator=_generator(generator, seed))
        else:
            weight = _weight.array if isinstance(_weight, ag.Tensor) else (
                _weight if ag.arrays.is_array(_weight) else np.asarray(_weight))
            if weight.shape != shape:
                raise ValueError(f"Embedding: _weight has shape {weight.shape}, expected "
                                 f"{shape} (num_embeddings, embedding_dim)")
            self.weight = Parameter(weight, requires_grad=not _freeze)
        if device is not None:
            self.to(device)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Draw the table from N(0, 1) and zero the padding row."""
        init.normal_(self.weight, generator=_generator(generator, None))
        if self.padding_idx is not None:
            with ag.no_grad():
                self.weight.array[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding holding `embeddings` (2-D), frozen unless `freeze=False`."""
        shape = tuple(embeddings.shape)
        if len(shape) != 2:
            raise ValueError("Embeddings parameter is expected to be 2-dimensional")
        return cls(shape[0], shape[1], padding_idx, max_norm, norm_type, scale_grad_by_freq,
                   sparse, _weight=embeddings, _freeze=freeze)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        if self.sparse:
            text += ", sparse=True"
        return text


# ----- containers without a forward -------------------------------------------------------------

class ModuleList(Module):
    """A list of modules whose parameters the parent registers (children "0", "1", ...), for
    models that loop over their layers in `forward`. Indexing, `len`, iteration, `append`,
    `extend`, `insert`, `+=` and `del` work as on a list.

    >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
    >>> [name for name, _ in layers.named_parameters()][:2]
    ['0.weight', '0.bias']
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _index(self, index: int) -> str:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range")
        return str(index + n if index < 0 else index)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return self._modules[self._index(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(self._index(index), module)

    def __delitem__(self, index: int | slice) -> None:
        if isinstance(index, slice):
            for name in list(self._modules)[index]:
                del self._modules[name]
        else:
            del self._modules[self._index(index)]
        modules = list(self._modules.values())
        self._modules.clear()
        for position, module in enumerate(modules):
            self._modules[str(position)] = module

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return type(self)(list(self) + list(other))

    def append(self, module: Module) -> ModuleList:
        """Add `module` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append each of `modules`; returns self."""
        if not isinstance(modules, Iterable):
            raise TypeError("ModuleList.extend should be called with an iterable, but got "
                            + type(modules).__name__)
        for module in list(modules):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put `module` before position `index`."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        for position, child in enumerate(modules):
            self.add_module(str(position), child)

    def pop(self, index: int = -1) -> Module:
        """Remove and return the module at `index`."""
        module = self[index]
        del self[index]
        return module

    def __repr__(self) -> str:
        """PyTorch's: runs of equal children fold into one line, `(0-2): 3 x Linear(...)`."""
        reprs = [repr(module) for module in self]
        if not reprs:
            return f"{type(self).__name__}()"
        runs: list[list] = []  # [first index, last index, repr]
        for index, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = index
            else:
                runs.append([index, index, text])
        lines = [_addindent(f"({first}): {text}" if first == last else
                            f"({first}-{last}): {last - first + 1} x {text}", 2)
                 for first, last, text in runs]
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules (children named by their keys, in insertion order), registered with
    the parent. `d[key]`, `d[key] = m`, `del d[key]`, `in`, `len`, `keys()`, `values()`,
    `items()`, `update()`, `pop()` and `clear()` work as on a dict.

    >>> heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "box": nn.Linear(8, 4)})
    >>> list(heads.state_dict())
    ['cls.weight', 'cls.bias', 'box.weight', 'box.bias']
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
                 ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        """The modules, in insertion order."""
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        """`(key, module)` pairs, in insertion order."""
        return self._modules.items()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add (or replace) entries from a mapping or an iterable of `(key, module)` pairs."""
        if isinstance(modules, Mapping):
            pairs = list(modules.items())
        else:
            pairs = []
            for index, pair in enumerate(modules):
                if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                    raise ValueError(f"ModuleDict update sequence element #{index} should be "
                                     "a (key, module) pair")
                pairs.append(tuple(pair))
        for key, module in pairs:
            self[key] = module

    def pop(self, key: str) -> Module:
        """Remove and return the module under `key`."""
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        """Remove every entry."""
        self._modules.clear()


_ACTIVATIONS.update({
    "relu": ReLU, "leakyrelu": LeakyReLU, "tanh": Tanh, "sigmoid": Sigmoid,
    "identity": Identity, "linear": Identity, "gelu": GELU, "silu": SiLU, "softplus": Softplus,
})
