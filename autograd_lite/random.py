"""Randomness, as PyTorch spells it: `ag.Generator().manual_seed(n)`, `ag.manual_seed`, and the
random functions (`randn`, `rand`, `randint`, `randperm`, `normal`, `multinomial`,
`bernoulli`) and in-place samplers (`normal_`, `uniform_`, `random_`, `bernoulli_`,
`exponential_`), each taking `generator=`.

`ag.Generator` is a NumPy `np.random.Generator` (PCG64), so `generator=` takes either, and
a NumPy user's `np.random.default_rng(0)` works everywhere PyTorch's spelling does. Without
`generator=` a function draws from `ag.default_generator`, which `ag.manual_seed(n)` reseeds in
place: a seeded run is reproducible to the bit. (The streams are NumPy's, not PyTorch's: the
same seed gives other numbers than in PyTorch.)

>>> a = ag.randn(2, generator=ag.Generator().manual_seed(0))
>>> a.tolist() == ag.randn(2, generator=ag.Generator().manual_seed(0)).tolist()
True
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .arrays import like, to_host
from .creation import _check_nonnegative, _finish, _float_dtype, _size
from .device import CPU, check_device
from .function import Function
from .tensor import Tensor, _dtype_name

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "randn", "rand", "randint", "randn_like",
           "rand_like", "randint_like", "randperm", "normal", "multinomial", "bernoulli"]

_DEFAULT_SEED = 67280421310721  # a new torch.Generator's seed, so ours start where its do


def _seed(seed: Any, what: str) -> int:
    """A seed as NumPy takes it: `int(seed)`, as PyTorch does, and a negative one modulo 2**64
    (PyTorch accepts negative seeds, NumPy only non-negative ones)."""
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: the seed must be an int, got {type(seed).__name__} "
                        f"{seed!r}") from None
    if not -2**63 <= seed < 2**64:
        raise ValueError(f"{what}: the seed {seed} is out of range; use an int in "
                         "[-2**63, 2**64)")
    return seed % 2**64


class Generator(np.random.Generator):
    """A random generator with PyTorch's methods, that is also NumPy's `np.random.Generator`
    (PCG64): `Generator().manual_seed(n)` seeds it and returns it, `seed()` seeds it from the
    OS's entropy, `initial_seed()` says its seed, `get_state()` / `set_state()` save and
    restore it. A new one starts from PyTorch's default seed, 67280421310721.

    >>> g = ag.Generator().manual_seed(42)
    >>> ag.rand(3, generator=g).shape
    (3,)
    """

    def __init__(self, device: Any = "cpu") -> None:
        check_device(device)
        self._initial_seed = _DEFAULT_SEED
        super().__init__(np.random.PCG64(_DEFAULT_SEED))

    def manual_seed(self, seed: int) -> Generator:
        """Reseed (in place) and return this generator; as `np.random.default_rng(seed)`."""
        self._initial_seed = _seed(seed, "manual_seed")
        self.bit_generator.state = np.random.PCG64(self._initial_seed).state
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the seed used."""
        value = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(value)
        return value

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._initial_seed

    def get_state(self) -> dict:
        """The generator's state (NumPy's PCG64 state dict), for `set_state`."""
        return {"bit_generator": self.bit_generator.state, "initial_seed": self._initial_seed}

    def set_state(self, state: dict) -> Generator:
        """Restore a state from `get_state`; returns this generator."""
        self.bit_generator.state = state["bit_generator"]
        self._initial_seed = state["initial_seed"]
        return self

    @property
    def device(self) -> Any:
        """Where this generator's numbers are made: the CPU."""
        return CPU

    def __reduce__(self) -> tuple:
        return _restore, (type(self), self.get_state())

    def __repr__(self) -> str:
        return f"<autograd_lite.Generator seed={self._initial_seed}>"


def _restore(cls: type, state: dict) -> Generator:
    generator = cls.__new__(cls)
    Generator.__init__(generator)
    return generator.set_state(state)


class _DefaultGenerator(Generator):
    """The generator the random functions use without `generator=` (`ag.default_generator`,
    as `torch.default_generator`); calling it returns it, the older `ag.default_generator()`."""

    def __call__(self) -> Generator:
        return self


default_generator = _DefaultGenerator()
default_generator.seed()  # as PyTorch: an unseeded process draws a fresh seed


def manual_seed(seed: int) -> Generator:
    """Reseed the default generator, so a seeded run is reproducible to the bit; returns it.
    Any int in PyTorch's range [-2**63, 2**64) is a seed (a negative one counts modulo
    2**64)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Reseed the default generator from the OS's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    """The default generator's state, for `set_rng_state` (a dict here, not a ByteTensor)."""
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    """Restore the default generator to a state from `get_rng_state`."""
    default_generator.set_state(state)


def _rng(generator: Any, op: str) -> np.random.Generator:
    if generator is None:
        return default_generator
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"{op}(): generator must be an ag.Generator (or np.random.Generator), "
                        f"got {type(generator).__name__}")
    return generator


def _draw(op: str, what: str, rng: np.random.Generator, shape: tuple, dtype: Any) -> np.ndarray:
    """Samples of `what` ("normal" or "uniform") in a floating `dtype`, drawn in that dtype
    (float16 through float32, which NumPy's generators need)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise NotImplementedError(
            f'{op}: "{what}" is not implemented for dtype {_dtype_name(dtype)}; sample in a '
            "floating dtype (float32, float64) and convert")
    wide = dtype if dtype.itemsize >= 4 else np.dtype(np.float32)
    out = rng.standard_normal(shape, dtype=wide) if what == "normal" else rng.random(shape, wide)
    return out if wide is dtype else out.astype(dtype)


class Sample(Function):
    r"""$x \sim p(\theta)$: a random draw whose parameters require grad. As in PyTorch, the
    derivative with respect to the parameters is zero (a draw is not reparameterised; write
    `mean + std * ag.randn_like(std)` for that)."""
    label = "sample"

    @staticmethod
    def forward(ctx, draw, *params):
        ctx.params = [(np.shape(p), np.result_type(p)) for p in params]
        ctx.device_draw = None if type(draw) is np.ndarray else draw  # zeros made there
        return draw

    @staticmethod
    def backward(ctx, grad):
        where = ctx.device_draw
        return (None, *((np.zeros(shape, dtype) if where is None else
                         np.zeros_like(where, dtype, shape=shape)) if needed else None
                        for (shape, dtype), needed in zip(ctx.params, ctx.needs_input_grad[1:])))


def _sampled(draw: np.ndarray, *params: Any) -> Tensor:
    """`draw` as a tensor: recorded (with a zero derivative) when a parameter requires grad."""
    if any(isinstance(p, Tensor) and p.requires_grad for p in params):
        return Sample.apply(draw, *params)
    return Tensor._make(draw, False, None)


# ----- functions ------------------------------------------------------------------------------

def randn(*sizes: Any, size: Any = None, generator: Any = None, dtype: Any = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard-normal samples of shape `sizes` (or `size=`).

    >>> ag.randn(2, 3, generator=ag.Generator().manual_seed(0)).shape
    (2, 3)
    """
    return _random("randn", "normal", sizes, size, generator, dtype, device, requires_grad)


def rand(*sizes: Any, size: Any = None, generator: Any = None, dtype: Any = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) of shape `sizes` (or `size=`)."""
    return _random("rand", "uniform", sizes, size, generator, dtype, device, requires_grad)


def _random(op: str, what: str, sizes: tuple, size: Any, generator: Any, dtype: Any,
            device: Any, requires_grad: bool) -> Tensor:
    check_device(device)
    shape = _size(sizes, op, keyword=size)
    rng = _rng(generator, op)
    return _finish(_draw(op, what, rng, shape, _float_dtype(dtype)), requires_grad, device)


def randint(low: int, high: Any = None, size: Any = None, *, generator: Any = None,
            dtype: Any = np.int64, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers in [low, high) of shape `size`; `randint(high, size)` draws from [0, high),
    as in PyTorch."""
    check_device(device)
    if size is None:
        if high is None:
            raise TypeError("randint() missing the required argument 'size' (call "
                            "randint(low, high, size) or randint(high, size))")
        low, high, size = 0, low, high
    if low >= high:
        raise RuntimeError(
            f"randint: expects 'low' to be less than 'high', but got low={low} >= high={high}")
    rng = _rng(generator, "randint")
    shape = (size,) if isinstance(size, int) else tuple(size)
    _check_nonnegative(shape, "randint")
    return _finish(rng.integers(low, high, shape).astype(dtype), requires_grad, device)


def randn_like(input: Tensor, *, generator: Any = None, dtype: Any = None,  # noqa: A002
               device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard-normal samples of `input`'s shape and dtype (or `dtype`)."""
    return _random("randn_like", "normal", (input.shape,), None, generator,
                   dtype or input.array.dtype,
                   input.device if device is None else device, requires_grad)


def rand_like(input: Tensor, *, generator: Any = None, dtype: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples of `input`'s shape and dtype (or `dtype`)."""
    return _random("rand_like", "uniform", (input.shape,), None, generator,
                   dtype or input.array.dtype,
                   input.device if device is None else device, requires_grad)


def randint_like(input: Tensor, low: int, high: Any = None, *,  # noqa: A002
                 generator: Any = None, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
    """Integers in [low, high) of `input`'s shape and dtype (`randint_like(x, high)` draws
    from [0, high))."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, generator=generator,
                   dtype=dtype or input.array.dtype,
                   device=input.device if device is None else device, requires_grad=requires_grad)


def randperm(n: int, *, generator: Any = None, dtype: Any = np.int64, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0, ..., n-1.

    >>> sorted(ag.randperm(4).tolist())
    [0, 1, 2, 3]
    """
    check_device(device)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    _check_nonnegative((n,), "randperm")
    dtype = np.dtype(dtype)
    if dtype.kind in "iu" and n > 0 and n - 1 > np.iinfo(dtype).max:
        raise RuntimeError(f"randperm: n={n} does not fit dtype {dtype.name} (value cannot be "
                           "converted without overflow); use a wider dtype such as int64")
    rng = _rng(generator, "randperm")
    return _finish(rng.permutation(int(n)).astype(dtype), requires_grad, device)


def _check_std(std: Any, op: str) -> None:
    if isinstance(std, Tensor):
        if (std.array < 0).any():
            raise RuntimeError(f"{op} expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"{op} expects std >= 0.0, but found std {std:g}")


def normal(mean: Any, std: Any = 1.0, size: Any = None, *, generator: Any = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Normal samples: with tensor `mean` and/or `std`, one per element of their broadcast
    shape (and of their dtype); with two numbers, of shape `size` (and the default dtype).
    As in PyTorch, the gradient with respect to `mean` and `std` is zero.

    >>> ag.normal(0.0, 2.0, size=(2, 3)).shape
    (2, 3)
    >>> ag.normal(ag.zeros(4), ag.ones(4)).shape
    (4,)
    """
    check_device(device)
    rng = _rng(generator, "normal")
    _check_std(std, "normal")
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal(): with a number for both mean and std, give the shape: "
                            "normal(mean, std, size=(2, 3)) (or pass tensors of means or stds)")
        shape = _size((), "normal", keyword=size)
        eps = _draw("normal", "normal", rng, shape, _float_dtype(dtype))
        return _finish(eps * eps.dtype.type(std) + eps.dtype.type(mean), requires_grad, device)
    if size is not None:
        raise TypeError("normal(): size= is taken only with a number for both mean and std; "
                        "with tensors the shape is theirs")
    arrays = [p.array for p in (mean, std) if isinstance(p, Tensor)]
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        a, b = arrays
        raise RuntimeError(f"normal: the shapes of mean {tuple(a.shape)} and std "
                           f"{tuple(b.shape)} cannot be broadcast together") from None
    # as PyTorch: the result is like `mean` when it is a tensor, else like `std`
    model = mean if isinstance(mean, Tensor) else std
    out_dtype = model.array.dtype if dtype is None else np.dtype(dtype)
    eps = like(_draw("normal", "normal", rng, shape, out_dtype), arrays[0])  # (a device's)
    value = (eps * _plain(std, out_dtype) + _plain(mean, out_dtype)).astype(out_dtype, copy=False)
    return _sampled(value, mean, std)


def _plain(x: Any, dtype: Any) -> Any:
    return x.array.astype(dtype, copy=False) if isinstance(x, Tensor) else np.dtype(dtype).type(x)


def _torch_type_name(dtype: Any) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(np.dtype(dtype).name, np.dtype(dtype).name)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False,  # noqa: A002
                *, generator: Any = None) -> Tensor:
    """Indices drawn from the categories of each row of `input` (non-negative weights, not
    necessarily summing to one; 1-D or 2-D), `num_samples` per row, int64. Without
    `replacement` each category is drawn at most once per row, so `num_samples` may not
    exceed their number.

    >>> ag.multinomial(ag.tensor([0., 1., 0.]), 2, replacement=True).tolist()
    [1, 1]
    """
    if not isinstance(num_samples, (int, np.integer)) or isinstance(num_samples, bool):
        raise TypeError("multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    p = input.array if isinstance(input, Tensor) else np.asarray(input)
    where = p  # the picks go back to the device of the weights; drawn on the host
    p = to_host(p)
    if p.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim (multinomial got shape {p.shape})")
    if p.dtype.kind != "f":
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{_torch_type_name(p.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    categories = p.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement (n_sample={num_samples}, size(-1)={categories})")
    rows = p.reshape(-1, categories).astype(np.float64)
    shape = (*p.shape[:-1], num_samples)
    if rows.shape[0] == 0:
        return Tensor._make(like(np.zeros(shape, np.int64), where), False, None)
    if not (np.all(rows >= 0) and np.all(rows < np.inf)):  # (NaN fails both)
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = rows.sum(axis=1)
    if np.any(totals <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng(generator, "multinomial")
    if replacement:
        # inverse CDF, all rows at once: row r's CDF is shifted to [2r, 2r + 1]
        offsets = 2.0 * np.arange(rows.shape[0])[:, None]
        cdf = np.cumsum(rows, axis=1) / totals[:, None] + offsets
        u = rng.random((rows.shape[0], num_samples)) + offsets
        picks = np.searchsorted(cdf.ravel(), u.ravel(), side="right").reshape(u.shape)
        picks -= np.arange(rows.shape[0])[:, None] * categories
        last = categories - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)  # (rounding at the end)
        picks = np.minimum(picks, last[:, None])
    else:
        # the exponential race (PyTorch's way): the k largest of p / Exp(1) are a draw of k
        # categories without replacement, each in proportion to its weight
        keys = rows / rng.standard_exponential(rows.shape)
        picks = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    return Tensor._make(like(picks.astype(np.int64).reshape(shape), where), False, None)


def bernoulli(input: Tensor, p: float | None = None, *,  # noqa: A002
              generator: Any = None) -> Tensor:
    """0/1 samples, each 1 with the probability in `input` (or with `p` when given), in
    `input`'s dtype. The gradient with respect to `input` is zero, as in PyTorch."""
    probs = input.array
    if probs.dtype.kind != "f":
        raise NotImplementedError(f'bernoulli: "bernoulli" is not implemented for dtype '
                                  f"{_dtype_name(probs.dtype)}; use floating probabilities")
    if p is None and not (np.all(probs >= 0) and np.all(probs <= 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false. "
                           "(bernoulli: every probability must be in [0, 1])")
    if p is not None:
        _check_probability(p, "bernoulli")
    rng = _rng(generator, "bernoulli")
    draw = (like(rng.random(probs.shape), probs) < (probs if p is None else p)).astype(probs.dtype)
    return _sampled(draw, input)


def _check_probability(p: Any, op: str) -> None:
    if isinstance(p, Tensor):
        if not (np.all(p.array >= 0) and np.all(p.array <= 1)):
            raise RuntimeError(f"{op} expects all elements of p to be in [0, 1]")
    elif not 0 <= p <= 1:
        raise RuntimeError(f"{op} expects p to be in [0, 1], but got p={p:g}")


# ----- in-place samplers (installed as Tensor methods) -----------------------------------------

def _fill_floating(t: Tensor, op: str, what: str, generator: Any) -> np.ndarray:
    return _draw(op, what, _rng(generator, op), t.shape, t.array.dtype)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Any = None) -> Tensor:
    """Fill with normal samples of `mean` and `std`, in place.

    >>> w = ag.empty(3, 2)
    >>> w.normal_(0.0, 0.01).shape
    (3, 2)
    """
    _check_std(std, "normal")
    eps = _fill_floating(self, "normal_", "normal", generator)
    kind = eps.dtype.type
    return self._overwrite(eps * kind(std) + kind(mean), "normal_")


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None,
             **bounds: float) -> Tensor:
    """Fill with uniform samples in [a, b) (PyTorch's `from` and `to`), in place."""
    a, b = bounds.pop("from", a), bounds.pop("to", b)
    if bounds:
        raise TypeError(f"uniform_() got an unexpected keyword argument {next(iter(bounds))!r}")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={a:g} > to={b:g}")
    u = _fill_floating(self, "uniform_", "uniform", generator)
    kind = u.dtype.type
    return self._overwrite(u * kind(b - a) + kind(a), "uniform_")


def _random_bounds(dtype: np.dtype) -> tuple:
    """`random_()`'s range without bounds, as PyTorch: [0, 2**mantissa] for floats (every
    integer there is exact), [0, max] for integers, {0, 1} for bool."""
    if dtype.kind == "f":
        return 0, 2 ** (np.finfo(dtype).nmant + 1) + 1
    if dtype.kind == "b":
        return 0, 2
    return 0, int(np.iinfo(dtype).max) + 1


def random_(self: Tensor, *args: int, generator: Any = None, **bounds: int) -> Tensor:
    """Fill with integers, in place: `random_(to)` from [0, to), `random_(from, to)` from
    [from, to), `random_()` from [0, 2**mantissa] for floats and [0, max] for integers."""
    low, high = _random_bounds(self.array.dtype)
    if len(args) == 1:
        high = args[0]
    elif len(args) == 2:
        low, high = args
    elif args:
        raise TypeError(f"random_() takes at most 2 positional arguments ({len(args)} given)")
    low, high = bounds.pop("from", low), bounds.pop("to", high)
    if bounds:
        raise TypeError(f"random_() got an unexpected keyword argument {next(iter(bounds))!r}")
    if high is None:
        high = _random_bounds(self.array.dtype)[1]
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    values = _rng(generator, "random_").integers(low, high, self.shape)
    return self._overwrite(values.astype(self.array.dtype), "random_")


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill with 0/1 samples, each 1 with probability `p` (a number or a tensor), in place."""
    _check_probability(p, "bernoulli_")
    probs = p.array if isinstance(p, Tensor) else p
    draw = like(_rng(generator, "bernoulli_").random(self.shape), self.array) < probs
    return self._overwrite(draw.astype(self.array.dtype), "bernoulli_")


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with exponential samples of rate `lambd`, in place."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    dtype = self.array.dtype
    if dtype.kind != "f":
        raise NotImplementedError(f'exponential_: "exponential" is not implemented for dtype '
                                  f"{_dtype_name(dtype)}; use a floating tensor")
    draw = _rng(generator, "exponential_").standard_exponential(self.shape)
    return self._overwrite((draw / lambd).astype(dtype), "exponential_")


def _bernoulli_method(self: Tensor, p: float | None = None, *, generator: Any = None) -> Tensor:
    """0/1 samples with the probabilities in this tensor (or `p`): `ag.bernoulli(self)`."""
    return bernoulli(self, p, generator=generator)


def _multinomial_method(self: Tensor, num_samples: int, replacement: bool = False, *,
                        generator: Any = None) -> Tensor:
    """Category indices drawn with this tensor's weights: `ag.multinomial(self, ...)`."""
    return multinomial(self, num_samples, replacement, generator=generator)


_bernoulli_method.__name__ = "bernoulli"
_multinomial_method.__name__ = "multinomial"
for _method in (normal_, uniform_, random_, bernoulli_, exponential_, _bernoulli_method,
                _multinomial_method):
    setattr(Tensor, _method.__name__, _method)
