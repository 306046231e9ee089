"""Randomness as PyTorch spells it: `ag.Generator().manual_seed(n)` (also an
np.random.Generator) and `generator=` on every random function, reproducible to the bit;
`ag.manual_seed` drives the functions without a generator; `normal`, `multinomial`,
`randperm`, `bernoulli` and the in-place samplers (`normal_`, `uniform_`, `random_`,
`bernoulli_`, `exponential_`) give PyTorch's shapes, dtypes, statistics, errors and (zero)
gradients; in-place samplers refuse a leaf that requires grad outside no_grad, as PyTorch."""

import copy
import pickle

import numpy as np
import pytest
import torch
from error_messages import raises

import autograd_lite as ag

SAMPLERS = {  # name: a draw taking generator=
    "randn": lambda g: ag.randn(3, 4, generator=g),
    "rand": lambda g: ag.rand(5, generator=g, dtype=ag.float64),
    "randint": lambda g: ag.randint(0, 100, (6,), generator=g),
    "randperm": lambda g: ag.randperm(20, generator=g),
    "randn_like": lambda g: ag.randn_like(ag.zeros(4), generator=g),
    "rand_like": lambda g: ag.rand_like(ag.zeros(4), generator=g, dtype=ag.float64),
    "normal": lambda g: ag.normal(1.0, 2.0, size=(5,), generator=g),
    "normal_tensor": lambda g: ag.normal(ag.zeros(5), ag.ones(5), generator=g),
    "multinomial": lambda g: ag.multinomial(ag.ones(10), 4, generator=g),
    "multinomial_replacement": lambda g: ag.multinomial(ag.ones(2, 10), 6, True, generator=g),
    "bernoulli": lambda g: ag.bernoulli(ag.full((8,), 0.5), generator=g),
    "normal_": lambda g: ag.empty(5).normal_(0.0, 1.0, generator=g),
    "uniform_": lambda g: ag.empty(5).uniform_(-1.0, 1.0, generator=g),
    "random_": lambda g: ag.empty(5).random_(0, 1000, generator=g),
    "bernoulli_": lambda g: ag.empty(8).bernoulli_(0.5, generator=g),
    "exponential_": lambda g: ag.empty(5).exponential_(2.0, generator=g),
}


def bits(t):
    return t.numpy().tobytes(), t.dtype


# ----- generators and seeds ----------------------------------------------------------------------

@pytest.mark.parametrize("name", SAMPLERS)
def test_every_sampler_is_reproducible_to_the_bit_from_a_generator(name):
    draw = SAMPLERS[name]
    first = bits(draw(ag.Generator().manual_seed(5)))
    assert bits(draw(ag.Generator().manual_seed(5))) == first
    assert bits(draw(np.random.default_rng(5))) == first  # NumPy's generator works the same
    g = ag.Generator().manual_seed(5)
    draw(g)
    assert bits(draw(g)) != first  # the stream moves on
    assert bits(draw(ag.Generator().manual_seed(6))) != first


@pytest.mark.parametrize("name", SAMPLERS)
def test_manual_seed_drives_every_sampler_without_a_generator(name):
    draw = SAMPLERS[name]
    ag.manual_seed(11)
    first = [bits(draw(None)), bits(draw(None))]
    ag.manual_seed(11)
    assert [bits(draw(None)), bits(draw(None))] == first
    assert bits(draw(ag.Generator().manual_seed(11))) == first[0]


def test_generator_has_pytorchs_methods():
    g, t = ag.Generator(), torch.Generator()
    assert g.initial_seed() == t.initial_seed() == 67280421310721  # PyTorch's default seed
    assert g.manual_seed(3) is g and t.manual_seed(3) is t
    assert g.initial_seed() == t.initial_seed() == 3
    assert g.manual_seed(-1).initial_seed() == t.manual_seed(-1).initial_seed() == 2**64 - 1
    assert isinstance(g, np.random.Generator)
    assert repr(g.device) == repr(t.device) == "device(type='cpu')"
    seed = g.seed()
    assert g.initial_seed() == seed and isinstance(seed, int)
    assert bits(ag.rand(4, generator=ag.Generator().manual_seed(seed))) == bits(
        ag.rand(4, generator=g))


def test_generator_state_saves_and_restores_the_stream():
    g = ag.Generator().manual_seed(1)
    state = g.get_state()
    first = bits(ag.randn(4, generator=g))
    assert g.set_state(state) is g and bits(ag.randn(4, generator=g)) == first
    for clone in (copy.deepcopy(g.set_state(state)), pickle.loads(pickle.dumps(g))):
        assert type(clone) is ag.Generator and clone.initial_seed() == 1
    assert bits(ag.randn(4, generator=copy.deepcopy(g.set_state(state)))) == first


def test_global_seed_functions_as_pytorch():
    assert ag.manual_seed(7) is ag.default_generator
    assert isinstance(torch.manual_seed(7), torch.Generator)
    assert ag.initial_seed() == torch.initial_seed() == 7
    assert ag.default_generator() is ag.default_generator  # the older call spelling
    state = ag.get_rng_state()
    first = bits(ag.rand(3))
    ag.set_rng_state(state)
    assert bits(ag.rand(3)) == first
    seed = ag.seed()
    assert ag.initial_seed() == seed


def test_manual_seed_reseeds_the_default_generator_in_place():
    held = ag.default_generator  # as torch.default_generator, it follows manual_seed
    ag.manual_seed(4)
    first = bits(ag.randn(3, generator=held))
    ag.manual_seed(4)
    assert bits(ag.randn(3)) == first


def test_generator_argument_must_be_a_generator():
    with pytest.raises(TypeError):
        torch.randn(2, generator=3)
    with raises(TypeError, "randn()", "generator must be an ag.Generator", "int"):
        ag.randn(2, generator=3)


# ----- normal ------------------------------------------------------------------------------------

@pytest.mark.parametrize("mean, std, size", [
    (0.0, 1.0, (2, 3)), (0, 1, (4,)), ("zeros(3, 1)", "ones(1, 4)", None),
    ("zeros(2)", 2.0, None), (2.0, "ones(3)", None), ("zeros(2, dtype=float64)", 1.0, None),
    ("zeros(2)", "ones(2, dtype=float64)", None),
])
def test_normal_shapes_and_dtypes_as_pytorch(mean, std, size):
    def build(lib, value):
        if not isinstance(value, str):
            return value
        return eval(value, {"zeros": lib.zeros, "ones": lib.ones, "float64": lib.float64})

    kwargs = {} if size is None else {"size": size}
    ours = ag.normal(build(ag, mean), build(ag, std), **kwargs)
    theirs = torch.normal(build(torch, mean), build(torch, std), **kwargs)
    assert ours.shape == tuple(theirs.shape)
    assert np.dtype(ours.dtype).name == str(theirs.dtype).removeprefix("torch.")


def test_normal_statistics():
    g = ag.Generator().manual_seed(0)
    x = ag.normal(3.0, 2.0, size=(100_000,), generator=g, dtype=ag.float64).numpy()
    assert abs(x.mean() - 3.0) < 0.03 and abs(x.std() - 2.0) < 0.03
    means = ag.tensor([-5.0, 0.0, 5.0], dtype=ag.float64).unsqueeze(1).expand(3, 50_000)
    y = ag.normal(means, ag.tensor([[0.5]], dtype=ag.float64), generator=g).numpy()
    assert np.allclose(y.mean(axis=1), [-5, 0, 5], atol=0.02)
    assert np.allclose(y.std(axis=1), 0.5, atol=0.02)


def test_normal_errors_as_pytorch():
    cases = [
        (lambda lib: lib.normal(0.0, -1.0, size=(2,)), RuntimeError,
         "normal expects std >= 0.0, but found std -1"),
        (lambda lib: lib.normal(lib.zeros(2), -1.0), RuntimeError,
         "normal expects std >= 0.0, but found std -1"),
        (lambda lib: lib.normal(lib.zeros(2), lib.tensor([1.0, -1.0])), RuntimeError,
         "normal expects all elements of std >= 0.0"),
        (lambda lib: lib.normal(0.0, 1.0), TypeError, "normal()"),
        (lambda lib: lib.normal(lib.zeros(2), 1.0, size=(2,)), TypeError, "normal()"),
        (lambda lib: lib.normal(lib.zeros(3), lib.ones(4)), RuntimeError, "(3,)"),
        (lambda lib: lib.normal(lib.zeros(2, dtype=lib.int64), 1.0), NotImplementedError,
         "normal"),
    ]
    for call, kind, message in cases:
        with pytest.raises(kind):
            call(torch)
        with raises(kind, message):
            call(ag)


def test_normal_gradient_is_zero_as_pytorch():
    mean, std = ag.zeros(3, requires_grad=True), ag.ones(3, requires_grad=True)
    m, s = torch.zeros(3, requires_grad=True), torch.ones(3, requires_grad=True)
    ours, theirs = ag.normal(mean, std), torch.normal(m, s)
    assert ours.requires_grad and ours.grad_fn is not None and theirs.grad_fn is not None
    ours.sum().backward()
    theirs.sum().backward()
    assert mean.grad.tolist() == m.grad.tolist() == [0.0] * 3
    assert std.grad.tolist() == s.grad.tolist() == [0.0] * 3
    assert ag.normal(mean, 2.0).requires_grad
    assert not ag.normal(ag.zeros(2), 1.0).requires_grad


def test_normal_with_requires_grad_makes_a_leaf():
    x = ag.normal(0.0, 1.0, size=(2,), requires_grad=True)
    assert x.requires_grad and x.is_leaf
    assert torch.normal(0.0, 1.0, size=(2,), requires_grad=True).is_leaf


# ----- multinomial -------------------------------------------------------------------------------

def test_multinomial_without_replacement_draws_distinct_categories():
    g = ag.Generator().manual_seed(0)
    for _ in range(50):
        row = ag.multinomial(ag.rand(7, generator=g) + 0.01, 7, generator=g).tolist()
        assert sorted(row) == list(range(7))
    out = ag.multinomial(ag.ones(4, 9), 5, generator=g)
    assert out.shape == (4, 5) and out.dtype is np.int64
    assert all(len(set(r)) == 5 for r in out.tolist())


def test_multinomial_zero_weights_come_last_without_replacement_as_pytorch():
    p = [0.1, 0.0, 0.9]
    for seed in range(20):
        ours = ag.multinomial(ag.tensor(p), 3, generator=ag.Generator().manual_seed(seed))
        assert ours.tolist()[2] == 1  # the zero-weight category, once the others are used
        assert ag.multinomial(ag.tensor(p), 2, generator=ag.Generator().manual_seed(seed)
                              ).tolist() in ([0, 2], [2, 0])
    assert sorted(torch.multinomial(torch.tensor(p), 3).tolist()) == [0, 1, 2]


def test_multinomial_with_replacement_follows_the_weights():
    g = ag.Generator().manual_seed(1)
    weights = ag.tensor([[1.0, 0.0, 3.0, 6.0], [0.0, 0.0, 0.0, 2.0]], dtype=ag.float64)
    draws = ag.multinomial(weights, 200_000, replacement=True, generator=g).numpy()
    freq = np.stack([np.bincount(r, minlength=4) / r.size for r in draws])
    assert np.allclose(freq[0], [0.1, 0.0, 0.3, 0.6], atol=0.005)
    assert freq[0, 1] == 0.0 and freq[1].tolist() == [0.0, 0.0, 0.0, 1.0]


def test_multinomial_without_replacement_first_draw_follows_the_weights():
    g = ag.Generator().manual_seed(2)
    weights = ag.tensor([1.0, 2.0, 7.0]).unsqueeze(0).expand(100_000, 3)
    first = ag.multinomial(weights, 2, generator=g).numpy()[:, 0]
    assert np.allclose(np.bincount(first, minlength=3) / first.size, [0.1, 0.2, 0.7],
                       atol=0.005)


def test_multinomial_shapes_as_pytorch():
    for shape, n, replacement in [((3,), 2, False), ((2, 3), 3, False), ((3,), 5, True),
                                  ((0, 3), 2, False), ((3,), 1, False)]:
        ours = ag.multinomial(ag.ones(*shape), n, replacement)
        theirs = torch.multinomial(torch.ones(*shape), n, replacement)
        assert ours.shape == tuple(theirs.shape) and ours.dtype is np.int64
    assert not ag.multinomial(ag.ones(3, requires_grad=True), 2).requires_grad
    assert ag.multinomial(ag.tensor([0.0, 1.0, 0.0], dtype=ag.float16), 1).tolist() == [1]
    assert ag.ones(3).multinomial(2).shape == (2,)


@pytest.mark.parametrize("call, kind, message", [
    (lambda lib: lib.multinomial(lib.tensor([0.1, 0.0, 0.9]), 4), RuntimeError,
     "cannot sample n_sample > prob_dist.size(-1) samples without replacement"),
    (lambda lib: lib.multinomial(lib.ones(3), 0), RuntimeError,
     "cannot sample n_sample <= 0 samples"),
    (lambda lib: lib.multinomial(lib.ones(3), -1), RuntimeError,
     "cannot sample n_sample <= 0 samples"),
    (lambda lib: lib.multinomial(lib.tensor([1.0, -1.0]), 1), RuntimeError,
     "probability tensor contains either `inf`, `nan` or element < 0"),
    (lambda lib: lib.multinomial(lib.tensor([1.0, float("nan")]), 1), RuntimeError,
     "probability tensor contains either `inf`, `nan` or element < 0"),
    (lambda lib: lib.multinomial(lib.tensor([1.0, float("inf")]), 1, True), RuntimeError,
     "probability tensor contains either `inf`, `nan` or element < 0"),
    (lambda lib: lib.multinomial(lib.tensor([0.0, 0.0]), 1), RuntimeError,
     "invalid multinomial distribution (sum of probabilities <= 0)"),
    (lambda lib: lib.multinomial(lib.tensor([[1.0, 1.0], [0.0, 0.0]]), 1, True), RuntimeError,
     "invalid multinomial distribution (sum of probabilities <= 0)"),
    (lambda lib: lib.multinomial(lib.tensor([1, 2]), 1), RuntimeError,
     "multinomial only supports floating-point dtypes for input, got: Long"),
    (lambda lib: lib.multinomial(lib.ones(2, 2, 2), 1), RuntimeError,
     "prob_dist must be 1 or 2 dim"),
    (lambda lib: lib.multinomial(lib.tensor(1.0), 1), RuntimeError,
     "prob_dist must be 1 or 2 dim"),
    (lambda lib: lib.multinomial(lib.ones(3), 2.0), TypeError,
     "argument 'num_samples' (position 2) must be int, not float"),
])
def test_multinomial_errors_as_pytorch(call, kind, message):
    with pytest.raises(kind, match=message.split("(")[0].split("`")[0]):
        call(torch)
    with raises(kind, message):
        call(ag)


# ----- randperm, bernoulli, like forms -----------------------------------------------------------

def test_randperm_as_pytorch():
    g = ag.Generator().manual_seed(0)
    assert sorted(ag.randperm(50, generator=g).tolist()) == list(range(50))
    for kwargs in ({}, {"dtype": ag.float32}):
        their_kwargs = {"dtype": torch.float32} if kwargs else {}
        ours, theirs = ag.randperm(3, **kwargs), torch.randperm(3, **their_kwargs)
        assert np.dtype(ours.dtype).name == str(theirs.dtype).removeprefix("torch.")
    assert ag.randperm(0).tolist() == [] and ag.randperm(0).dtype is np.int64
    assert ag.randperm(3, dtype=ag.float32, requires_grad=True).requires_grad
    for call, kind, message in [
        (lambda lib: lib.randperm(-1), RuntimeError,
         "Trying to create tensor with negative dimension -1: [-1]"),
        (lambda lib: lib.randperm(2.0), TypeError, "must be int, not float"),
        (lambda lib: lib.randperm(3, requires_grad=True), RuntimeError, ""),
        (lambda lib: lib.randperm(300, dtype=lib.uint8), RuntimeError, "overflow"),
    ]:
        with pytest.raises(kind):
            call(torch)
        with raises(kind, message):
            call(ag)


def test_bernoulli_as_pytorch():
    g = ag.Generator().manual_seed(0)
    assert ag.bernoulli(ag.tensor([0.0, 1.0, 1.0, 0.0])).tolist() == [0.0, 1.0, 1.0, 0.0]
    x = ag.bernoulli(ag.full((100_000,), 0.3, dtype=ag.float64), generator=g)
    assert x.dtype is np.float64 and set(np.unique(x.numpy())) <= {0.0, 1.0}
    assert abs(x.numpy().mean() - 0.3) < 0.005
    assert abs(ag.bernoulli(ag.zeros(100_000), 0.8, generator=g).numpy().mean() - 0.8) < 0.005
    assert ag.zeros(3).bernoulli(1.0).tolist() == [1.0, 1.0, 1.0]
    p, q = ag.tensor([0.5], requires_grad=True), torch.tensor([0.5], requires_grad=True)
    ours, theirs = ag.bernoulli(p), torch.bernoulli(q)
    ours.sum().backward()
    theirs.sum().backward()
    assert p.grad.tolist() == q.grad.tolist() == [0.0]
    for call, kind in [(lambda lib: lib.bernoulli(lib.tensor([2.0])), RuntimeError),
                       (lambda lib: lib.bernoulli(lib.tensor([1, 0])), NotImplementedError)]:
        with pytest.raises(kind):
            call(torch)
        with pytest.raises(kind):
            call(ag)


def test_like_forms_take_dtype_as_pytorch():
    for name in ("rand_like", "randn_like"):
        ours = getattr(ag, name)(ag.ones(2), dtype=ag.float64)
        theirs = getattr(torch, name)(torch.ones(2), dtype=torch.float64)
        assert ours.dtype is np.float64 and theirs.dtype == torch.float64
        with pytest.raises(NotImplementedError):
            getattr(torch, name)(torch.ones(2, dtype=torch.int64))
        with raises(NotImplementedError, name, "int64", "floating"):
            getattr(ag, name)(ag.ones(2, dtype=ag.int64))
    assert ag.randint_like(ag.zeros(3, dtype=ag.long), 5).dtype is np.int64
    assert ag.randn(2, dtype=ag.float16).dtype is np.float16


# ----- in-place samplers -------------------------------------------------------------------------

def test_inplace_samplers_fill_with_the_asked_law():
    g = ag.Generator().manual_seed(3)
    n = ag.empty(200_000, dtype=ag.float64).normal_(2.0, 0.5, generator=g).numpy()
    assert abs(n.mean() - 2.0) < 0.01 and abs(n.std() - 0.5) < 0.01
    u = ag.empty(200_000).uniform_(-2.0, 3.0, generator=g).numpy()
    assert u.min() >= -2.0 and u.max() < 3.0 and abs(u.mean() - 0.5) < 0.02
    assert ag.empty(5).uniform_(**{"from": 1.0, "to": 2.0}).numpy().min() >= 1.0
    r = ag.empty(10_000).random_(3, generator=g).numpy()
    assert set(np.unique(r)) == {0.0, 1.0, 2.0}
    r = ag.zeros(10_000, dtype=ag.long).random_(2, 5, generator=g).numpy()
    assert set(np.unique(r)) == {2, 3, 4} and r.dtype == np.int64
    big = ag.empty(1000).random_(generator=g).numpy()
    assert big.min() >= 0 and big.max() <= 2**24 and big.max() > 2**20
    b = ag.zeros(100_000, dtype=ag.long).bernoulli_(0.25, generator=g).numpy()
    assert abs(b.mean() - 0.25) < 0.005 and b.dtype == np.int64
    e = ag.empty(200_000, dtype=ag.float64).exponential_(4.0, generator=g).numpy()
    assert e.min() >= 0 and abs(e.mean() - 0.25) < 0.005
    x = ag.empty(3)
    assert x.normal_() is x and x.uniform_() is x and x.fill_(2.0) is x
    assert x.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("call", [
    lambda t: t.normal_(), lambda t: t.uniform_(), lambda t: t.fill_(1.0),
    lambda t: t.random_(3), lambda t: t.bernoulli_(0.5), lambda t: t.exponential_(),
])
def test_inplace_samplers_refuse_a_leaf_that_requires_grad_outside_no_grad(call):
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        call(torch.ones(2, requires_grad=True))
    w = ag.ones(2, requires_grad=True)
    with raises(RuntimeError, "leaf", "requires grad", "ag.no_grad()"):
        call(w)
    with ag.no_grad():
        assert call(w) is w
    assert w.requires_grad and w.is_leaf


def test_inplace_sampler_on_a_non_leaf_gives_a_zero_gradient_as_pytorch():
    w, v = ag.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    y, z = w * 2, v * 2
    y.normal_()
    z.normal_()
    y.sum().backward()
    z.sum().backward()
    assert w.grad.tolist() == v.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("call, kind, message", [
    (lambda t: t.uniform_(1, 0), RuntimeError,
     "uniform_ expects to return a [from, to) range, but found from=1 > to=0"),
    (lambda t: t.normal_(0, -1), RuntimeError, "normal expects std >= 0.0, but found std -1"),
    (lambda t: t.random_(5, 2), RuntimeError,
     "random_ expects 'from' to be less than 'to', but got from=5 >= to=2"),
    (lambda t: t.random_(0), RuntimeError,
     "random_ expects 'from' to be less than 'to', but got from=0 >= to=0"),
    (lambda t: t.bernoulli_(1.5), RuntimeError,
     "bernoulli_ expects p to be in [0, 1], but got p=1.5"),
    (lambda t: t.exponential_(-1), RuntimeError,
     "exponential_ expects lambda > 0.0, but found lambda=-1"),
    (lambda t: t.long().normal_(), NotImplementedError, "int64"),
    (lambda t: t.long().uniform_(), NotImplementedError, "int64"),
])
def test_inplace_sampler_errors_as_pytorch(call, kind, message):
    with pytest.raises(kind):
        call(torch.ones(2))
    with raises(kind, message):
        call(ag.ones(2))
