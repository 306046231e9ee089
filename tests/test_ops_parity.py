"""autograd_lite against PyTorch, the reference: every op of the contract on the same float64
and float32 data gives the same values, shapes, dtypes and gradients (for a random upstream
gradient); the corner cases (ties, kinks, 0 ** 0, log 0), the printed form, the default dtypes
and type promotion are PyTorch's too."""

import re

import numpy as np
import pytest
import strategies as S
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag

TOLERANCE = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}


def torch_dtype_name(t):
    return str(t.dtype).removeprefix("torch.")


def assert_same(ours, theirs, dtype):
    """Same shape, dtype and values (NaN and inf where PyTorch has them)."""
    assert ours.shape == tuple(theirs.shape)
    assert np.dtype(ours.dtype).name == torch_dtype_name(theirs)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), **TOLERANCE[dtype])


# ----- the op table: one case per op, each drawing its inputs and giving both programs -------
# A case is `f(data, dtype) -> (arrays, ours, theirs)`; `ours` runs on ag Tensors and `theirs`
# on torch tensors made from the same arrays.

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def same(fn):
    """One program for both libraries (operators and methods of the same name)."""
    return fn, fn


def draw_arrays(data, dtype, values=S.arrays, shape=None, **kw):
    shape = data.draw(S.shapes()) if shape is None else shape
    return data.draw(values(shape, dtype=dtype, **kw))


def away_from_zero(shape, dtype):
    return S.arrays_away_from(shape, (0.0,), dtype=dtype)


def _unary(name, ours, theirs=None, values=S.arrays):
    def make(data, dtype):
        return [draw_arrays(data, dtype, values)], ours, theirs or ours
    make.__name__ = name
    case(make)


_unary("neg", lambda x: -x)
_unary("abs", lambda x: x.abs(), values=away_from_zero)
_unary("builtin_abs", lambda x: abs(x), values=away_from_zero)
_unary("exp", lambda x: x.exp())
_unary("log", lambda x: x.log(), values=S.positive_arrays)
_unary("sqrt", lambda x: x.sqrt(), values=S.positive_arrays)
_unary("sin", lambda x: x.sin())
_unary("cos", lambda x: x.cos())
_unary("tanh", lambda x: x.tanh())
_unary("sigmoid", lambda x: x.sigmoid())
_unary("relu", lambda x: x.relu(), values=away_from_zero)
_unary("square", lambda x: x.square())
_unary("leaky_relu", lambda x: x.leaky_relu(0.1), lambda x: F.leaky_relu(x, 0.1),
       values=away_from_zero)
_unary("ag_functions", lambda x: ag.tanh(ag.exp(x)) + ag.sin(x) * ag.cos(x) + ag.sigmoid(x),
       lambda x: torch.tanh(torch.exp(x)) + torch.sin(x) * torch.cos(x) + torch.sigmoid(x))
_unary("pow_scalar", lambda x: x ** 3 + x ** 0.5 + x ** -1.5 + x.pow(2),
       values=S.positive_arrays)
_unary("rpow", lambda x: 2.0 ** x + 3 ** x)
_unary("scalars_both_sides", lambda x: (2 - x) * 3 / (x + 4.5) - 1 / (1.5 + x * x))


@case
def clamp(data, dtype):
    x = draw_arrays(data, dtype, S.arrays_away_from, points=(-0.5, 0.75), margin=0.05)
    lo, hi = data.draw(st.sampled_from([(-0.5, 0.75), (-0.5, None), (None, 0.75)]))
    return [x], lambda t: t.clamp(lo, hi), lambda t: t.clamp(lo, hi)


def _binary(name, fn, values_a=S.arrays, values_b=S.arrays):
    def make(data, dtype):
        shape_a, shape_b = data.draw(S.broadcastable_shapes())
        return ([data.draw(values_a(shape_a, dtype=dtype)), data.draw(values_b(shape_b,
                                                                                dtype=dtype))],
                fn, fn)
    make.__name__ = name
    case(make)


_binary("add", lambda a, b: a + b)
_binary("sub", lambda a, b: a - b)
_binary("mul", lambda a, b: a * b)
_binary("div", lambda a, b: a / b, values_b=lambda shape, dtype: S.arrays_away_from(
    shape, (0.0,), margin=0.5, dtype=dtype))
_binary("pow", lambda a, b: a ** b, values_a=S.positive_arrays)
_binary("pow_method", lambda a, b: a.pow(b), values_a=S.positive_arrays)


@case
def maximum_minimum(data, dtype):
    shape_a, shape_b = data.draw(S.broadcastable_shapes())
    a, b = data.draw(S.interleaved_pair(shape_a, shape_b, dtype=dtype))
    return ([a, b], lambda x, y: ag.maximum(x, y) * 2 + ag.minimum(x, y),
            lambda x, y: torch.maximum(x, y) * 2 + torch.minimum(x, y))


@case
def where(data, dtype):
    shape_c, shape_a, shape_b = data.draw(S.broadcastable_shapes(3))
    cond = data.draw(hnp.arrays(np.bool_, shape_c))
    return ([draw_arrays(data, dtype, shape=shape_a), draw_arrays(data, dtype, shape=shape_b)],
            lambda a, b: ag.where(ag.tensor(cond), a, b),
            lambda a, b: torch.where(torch.tensor(cond), a, b))


@case
def sum_mean(data, dtype):
    x, dim, keepdim = data.draw(S.array_and_reduce_dims(dtype=dtype))
    return [x], *same(lambda t: t.sum(dim=dim, keepdim=keepdim) * 2
                      + t.mean(dim=dim, keepdim=keepdim))


@case
def var_std(data, dtype):
    x, dim, keepdim = data.draw(S.array_and_reduce_dims(values="distinct", min_dims=1,
                                                        min_side=2, dtype=dtype))
    unbiased = data.draw(st.booleans())
    return [x], *same(lambda t: t.var(dim=dim, unbiased=unbiased, keepdim=keepdim)
                      + t.std(dim=dim, unbiased=unbiased, keepdim=keepdim))


@case
def max_min_all(data, dtype):
    x = draw_arrays(data, dtype, S.distinct_arrays)
    return [x], *same(lambda t: t.max() * 2 + t.min())


@case
def max_min_dim(data, dtype):
    x, dim = data.draw(S.array_and_dim(values="distinct", dtype=dtype))
    keepdim = data.draw(st.booleans())
    return [x], *same(lambda t: t.max(dim, keepdim).values * 2 + t.min(dim=dim,
                                                                      keepdim=keepdim)[0])


@case
def amax_amin(data, dtype):
    x, dim, keepdim = data.draw(S.array_and_reduce_dims(values="distinct", dtype=dtype))
    return ([x], lambda t: t.amax(dim, keepdim) * 2 + ag.amin(t, dim, keepdim),
            lambda t: t.amax(() if dim is None else dim, keepdim) * 2
            + torch.amin(t, () if dim is None else dim, keepdim))


@case
def logsumexp(data, dtype):
    shape = data.draw(S.shapes(min_dims=1))
    dim = data.draw(st.one_of(S.dims(len(shape)), S.dim_tuples(len(shape))))
    keepdim = data.draw(st.booleans())
    return ([draw_arrays(data, dtype, shape=shape, low=-30.0, high=30.0)],
            *same(lambda t: t.logsumexp(dim, keepdim)))


@case
def softmax_log_softmax(data, dtype):
    x, dim = data.draw(S.array_and_dim(dtype=dtype))
    return ([x], lambda t: t.softmax(dim) + ag.log_softmax(t, dim) * 0.5,
            lambda t: t.softmax(dim) + torch.log_softmax(t, dim) * 0.5)


@case
def reshape_view_flatten(data, dtype):
    shape = data.draw(S.shapes(min_dims=1))
    target = data.draw(S.reshape_targets(shape))
    start = data.draw(S.dims(len(shape)))
    return ([draw_arrays(data, dtype, shape=shape)],
            *same(lambda t: t.reshape(target).sum() * t.view(-1) + t.flatten(start).sum()))


@case
def transpose_permute_T(data, dtype):
    shape = data.draw(S.shapes(min_dims=2))
    ndim = len(shape)
    d0, d1 = data.draw(S.dims(ndim)), data.draw(S.dims(ndim))
    perm = [d - ndim if data.draw(st.booleans()) else d
            for d in data.draw(st.permutations(range(ndim)))]
    return ([draw_arrays(data, dtype, shape=shape)],
            lambda t: t.transpose(d0, d1).permute(*perm).T * 1.0,
            lambda t: t.transpose(d0, d1).permute(*perm).permute(*range(ndim - 1, -1, -1)))


@case
def unsqueeze_squeeze_expand(data, dtype):
    shape = data.draw(S.shapes(max_side=2))
    ndim = len(shape)
    where = data.draw(st.integers(-ndim - 1, ndim))
    target = [data.draw(st.integers(1, 3)) if s == 1 else s for s in shape]
    return ([draw_arrays(data, dtype, shape=shape)],
            *same(lambda t: t.unsqueeze(where).squeeze() * t.expand(2, *target).sum()))


@case
def basic_indexing(data, dtype):
    shape = data.draw(S.shapes(min_dims=1))
    index = data.draw(S.basic_indices(shape))
    return [draw_arrays(data, dtype, shape=shape)], *same(lambda t: t[index] * 1.0)


@case
def integer_array_index_with_repeats(data, dtype):
    shape = data.draw(S.shapes(min_dims=1))
    axis = data.draw(st.integers(0, len(shape) - 1))
    picks = data.draw(S.repeated_int_index(shape[axis]))
    index = (slice(None),) * axis + (picks,)
    return ([draw_arrays(data, dtype, shape=shape)], lambda t: t[index],
            lambda t: t[index[:-1] + (torch.tensor(picks),)])


@case
def boolean_mask_index(data, dtype):
    shape = data.draw(S.shapes(min_dims=1))
    mask = data.draw(S.boolean_mask(shape[:data.draw(st.integers(1, len(shape)))]))
    return ([draw_arrays(data, dtype, shape=shape)], lambda t: t[mask],
            lambda t: t[torch.tensor(mask)])


@case
def cat_stack(data, dtype):
    shape = data.draw(S.shapes(min_dims=1))
    dim = data.draw(S.dims(len(shape)))
    axis = dim % len(shape)
    other = shape[:axis] + (data.draw(st.integers(1, 3)),) + shape[axis + 1:]
    arrays = [draw_arrays(data, dtype, shape=shape), draw_arrays(data, dtype, shape=other),
              draw_arrays(data, dtype, shape=shape)]
    return (arrays, lambda a, b, c: ag.cat([a, b, c], dim).sum() * ag.stack([a, c], dim),
            lambda a, b, c: torch.cat([a, b, c], dim).sum() * torch.stack([a, c], dim))


@case
def pad(data, dtype):
    shape = data.draw(S.shapes(min_dims=1))
    widths = data.draw(S.pads(len(shape)))
    value = data.draw(st.sampled_from([0.0, -1.5, 2.0]))
    return ([draw_arrays(data, dtype, shape=shape)], lambda t: ag.pad(t, widths, value=value),
            lambda t: F.pad(t, widths, value=value))


def _matmul(kind):
    def make(data, dtype):
        shape_a, shape_b = data.draw(S.matmul_shapes(kind))
        return ([draw_arrays(data, dtype, shape=shape_a), draw_arrays(data, dtype, shape=shape_b)],
                *same(lambda a, b: a @ b))
    make.__name__ = f"matmul {kind}"
    case(make)


for _kind in ["1@1", "1@2", "2@1", "2@2", "batched", "batched@1", "1@batched"]:
    _matmul(_kind)


@case
def outer_dot(data, dtype):
    n = data.draw(st.integers(1, 4))
    a, b = draw_arrays(data, dtype, shape=(n,)), draw_arrays(data, dtype, shape=(n,))
    return ([a, b], lambda x, y: ag.outer(x, y) * x.dot(y),
            lambda x, y: torch.outer(x, y) * x.dot(y))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", CASES)
@given(data=st.data())
def test_values_and_gradients_match_torch(name, dtype, data):
    arrays, ours, theirs = CASES[name](data, dtype)
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = ours(*xs), theirs(*ts)
    assert_same(out, expected, dtype)
    upstream = data.draw(S.arrays(out.shape, dtype=dtype))
    out.backward(ag.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for x, t in zip(xs, ts):
        assert x.grad is not None
        assert_same(x.grad, t.grad, dtype)


# ----- max/min along a dim: the indices too ---------------------------------------------------

@pytest.mark.parametrize("op", ["max", "min"])
@given(data=st.data())
def test_max_min_dim_values_and_indices(op, data):
    shape = data.draw(S.shapes(min_dims=1))
    dim, keepdim = data.draw(S.dims(len(shape))), data.draw(st.booleans())
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.integers(-2, 2)))  # many ties
    ours = getattr(ag.tensor(x), op)(dim, keepdim)
    theirs = getattr(torch.tensor(x), op)(dim, keepdim)
    assert_same(ours.values, theirs.values, np.float64)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    assert ours.indices.dtype is np.int64
    values, indices = ours  # unpacks like torch.return_types.max
    assert values is ours.values and indices is ours.indices


def test_argmax_argmin_match_torch():
    x = np.array([[1.0, 5.0, 5.0], [-2.0, -2.0, 0.0]])
    for op in ["argmax", "argmin"]:
        for dim in [None, 0, 1, -1]:
            ours = getattr(ag.tensor(x), op)(dim) if dim is not None else getattr(
                ag.tensor(x), op)()
            theirs = getattr(torch.tensor(x), op)(dim)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
            assert ours.dtype is np.int64


# ----- corner cases: ties, kinks and the edges of the domain ---------------------------------

def grads(fn, values, library, dtype=np.float64):
    """The gradient of `fn(x).sum()` at `values`, in `library` (ag or torch)."""
    x = library.tensor(np.array(values, dtype=dtype), requires_grad=True)
    fn(x).sum().backward()
    return x.grad.numpy()


def both(fn_ag, values, fn_torch=None):
    return grads(fn_ag, values, ag), grads(fn_torch or fn_ag, values, torch)


@pytest.mark.parametrize("op", ["max", "min", "amax", "amin"])
def test_tie_in_a_full_reduction_shares_the_gradient_evenly(op):
    x = [3.0, -1.0, 3.0, -1.0, 3.0]
    ours, theirs = both(lambda t: getattr(t, op)() * 6, x)
    np.testing.assert_array_equal(ours, theirs)
    picked = [0, 2, 4] if op in ("max", "amax") else [1, 3]
    np.testing.assert_array_equal(ours, [6 / len(picked) if i in picked else 0 for i in range(5)])


def test_tie_in_max_along_a_dim_sends_the_gradient_to_the_reported_index():
    x = [[1.0, 4.0, 4.0], [2.0, 2.0, 2.0]]
    ours, theirs = both(lambda t: t.max(1).values, x)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, [[0, 1, 0], [1, 0, 0]])


def test_tie_in_amax_along_a_dim_shares_the_gradient():
    x = [[1.0, 4.0, 4.0], [2.0, 2.0, 2.0]]
    ours, theirs = both(lambda t: t.amax(1), x)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15)
    np.testing.assert_allclose(ours, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-15)


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_tie_sends_half_to_each_side(op):
    a = ag.tensor([1.0, 2.0, -3.0], dtype=ag.float64, requires_grad=True)
    b = ag.tensor([1.0, 0.0, -3.0], dtype=ag.float64, requires_grad=True)
    ta = torch.tensor([1.0, 2.0, -3.0], dtype=torch.float64, requires_grad=True)
    tb = torch.tensor([1.0, 0.0, -3.0], dtype=torch.float64, requires_grad=True)
    getattr(ag, op)(a, b).sum().backward()
    getattr(torch, op)(ta, tb).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_array_equal(b.grad.numpy(), tb.grad.numpy())
    assert a.grad.numpy()[0] == b.grad.numpy()[0] == 0.5
    assert a.grad.numpy()[2] == b.grad.numpy()[2] == 0.5


def test_relu_abs_and_leaky_relu_at_zero():
    x = [-1.0, 0.0, 1.0]
    for ours_fn, torch_fn, at_zero in [
        (lambda t: t.relu(), None, 0.0),
        (lambda t: t.abs(), None, 0.0),
        (lambda t: t.leaky_relu(0.2), lambda t: F.leaky_relu(t, 0.2), 0.2),
        (lambda t: ag.leaky_relu(t), lambda t: F.leaky_relu(t), 0.01),
    ]:
        ours, theirs = both(ours_fn, x, torch_fn)
        np.testing.assert_array_equal(ours, theirs)
        assert ours[1] == at_zero


def test_clamp_passes_the_gradient_on_its_boundaries():
    x = [-2.0, -1.0, 0.0, 1.0, 2.0]
    ours, theirs = both(lambda t: t.clamp(-1.0, 1.0), x)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, [0, 1, 1, 1, 0])
    ours, theirs = both(lambda t: t.clamp(min=0.0), x)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, [0, 0, 1, 1, 1])
    ours, theirs = both(lambda t: t.clamp(max=-1.0), x)
    np.testing.assert_array_equal(ours, [1, 1, 0, 0, 0])
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("exponent", [0, 0.0, 1, 2, 0.5, -1, 3])
def test_power_of_zero_and_exponent_zero(exponent):
    x = [0.0, 1.0, -2.0] if exponent == int(exponent) else [0.0, 1.0, 2.0]
    for fn in [lambda t: t ** exponent, lambda t: t.pow(exponent)]:
        xs = (ag.tensor(x, dtype=ag.float64), torch.tensor(x, dtype=torch.float64))
        assert_same(fn(xs[0]), fn(xs[1]), np.float64)
        ours, theirs = both(fn, x)
        np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)


def test_tensor_power_tensor_at_zero_base_and_zero_exponent():
    base, exponent = [0.0, 0.0, 0.0, 2.0, 0.0], [0.0, 1.0, 2.0, 0.0, -1.0]
    ours = [ag.tensor(v, dtype=ag.float64, requires_grad=True) for v in (base, exponent)]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (base, exponent)]
    out, expected = ours[0] ** ours[1], theirs[0] ** theirs[1]
    assert_same(out, expected, np.float64)
    out.sum().backward()
    expected.sum().backward()
    for x, t in zip(ours, theirs):
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    np.testing.assert_array_equal(ours[0].grad.numpy()[:4], [0.0, 1.0, 0.0, 0.0])  # 0**0: 0
    assert ours[1].grad.numpy()[4] == -np.inf


def test_scalar_base_zero_to_a_tensor_power():
    ours, theirs = both(lambda t: 0.0 ** t, [0.0, 1.0, 2.0, -1.0])
    np.testing.assert_array_equal(ours, theirs)


def test_sqrt_and_log_at_zero():
    for fn in [lambda t: t.sqrt(), lambda t: t.log()]:
        x = [0.0, 4.0]
        value = fn(ag.tensor(x, dtype=ag.float64))
        assert_same(value, fn(torch.tensor(x, dtype=torch.float64)), np.float64)
        ours, theirs = both(fn, x)
        np.testing.assert_array_equal(ours, theirs)
        assert ours[0] == np.inf
    assert ag.tensor([0.0]).log().item() == -np.inf


def test_log_and_sqrt_of_negatives_are_nan():
    x = [-1.0, 1.0]
    for fn in [lambda t: t.log(), lambda t: t.sqrt()]:
        assert_same(fn(ag.tensor(x)), fn(torch.tensor(x)), np.float32)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("fn", [
    lambda t: t ** -1.0, lambda t: t ** -2, lambda t: t ** 0.5, lambda t: (t - 1) ** 0.5,
    lambda t: t.log(), lambda t: t.sqrt(), lambda t: (t - 1).sqrt(), lambda t: (t - 1).log(),
    lambda t: 0.0 ** (t - 1), lambda t: (t - float("inf")).logsumexp(0),
])
def test_infinities_and_nans_come_silently_as_in_torch(fn):
    x = [0.0, 1.0, 2.0]
    ours = fn(ag.tensor(x, dtype=ag.float64, requires_grad=True))
    assert_same(ours, fn(torch.tensor(x, dtype=torch.float64)), np.float64)
    ours.sum().backward()


def test_softmax_and_logsumexp_are_stable_for_large_inputs():
    x = [1000.0, 1001.0, -1000.0]
    for fn in [lambda t: t.softmax(0), lambda t: t.log_softmax(0), lambda t: t.logsumexp(0),
               lambda t: t.sigmoid(), lambda t: t.tanh()]:
        assert_same(fn(ag.tensor(x)), fn(torch.tensor(x)), np.float32)
        ours, theirs = both(fn, x)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-300)
        assert np.isfinite(ours).all()


@pytest.mark.parametrize("op", ["sum", "mean", "var", "std", "amax", "amin"])
@pytest.mark.parametrize("empty", [(), []])
@pytest.mark.parametrize("keepdim", [False, True])
def test_an_empty_dim_list_reduces_every_dimension(op, empty, keepdim):
    x = np.arange(6.0).reshape(2, 3)
    ours = getattr(ag.tensor(x), op)(empty, keepdim=keepdim)
    assert_same(ours, getattr(torch.tensor(x), op)(empty, keepdim=keepdim), np.float64)
    assert ours.shape == ((1, 1) if keepdim else ())


@pytest.mark.parametrize("fn", [
    lambda lib, t: t.softmax(0), lambda lib, t: t.log_softmax(1), lambda lib, t: t.logsumexp(0),
    lambda lib, t: t.logsumexp(1), lambda lib, t: t.sum(0), lambda lib, t: t.max(1).values,
    lambda lib, t: t.amin(1), lambda lib, t: t.T.amax(0, keepdim=True),
    lambda lib, t: t.reshape(2, 0, 1), lambda lib, t: lib.cat([t, t], 1),
])
def test_ops_on_empty_tensors(fn):
    ours = fn(ag, ag.zeros(0, 2, dtype=ag.float64, requires_grad=True))
    assert_same(ours, fn(torch, torch.zeros(0, 2, dtype=torch.float64, requires_grad=True)),
                np.float64)


def test_logsumexp_of_an_all_minus_infinity_row():
    x = [[-np.inf, -np.inf], [0.0, 1.0]]
    assert_same(ag.tensor(x).logsumexp(1), torch.tensor(x).logsumexp(1), np.float32)


# ----- the printed form ------------------------------------------------------------------------

def torch_repr(t):
    """PyTorch's repr with its dtypes' `torch.` prefix and grad_fn's version digit dropped."""
    return re.sub(r"(Backward)\d+", r"\1", repr(t).replace("torch.", ""))


REPR_DATA = [
    "1.", "[1.5, 2.]", "[[1., 2.], [3., 4.]]", "[1e-5, 1.]", "[1e8, 1.]", "[123456., 1.]",
    "[0.1, 1000.]", "[0.1, 10000.]", "[-1.5, 2.]", "[float('nan'), 1.5]", "[float('inf'), -1.]",
    "-0.", "[0., 0.]", "[1.23456789]", "[[[1.5, -2.25]], [[3., 4.]]]", "[0.001, 2.]",
    "[[1.5] * 10] * 3", "[1.5] * 30", "[[0.5] * 7] * 7", "[2.5] * 1001",
    "[[float(i) for i in range(40)]] * 40", "[[[1.25] * 10] * 2] * 2", "[[[[-0.5] * 9]]]",
]


@pytest.mark.parametrize("text", REPR_DATA)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_repr_of_floats_matches_torch(text, dtype, requires_grad):
    values = eval(text)  # the literals above, nothing else
    ours = ag.tensor(values, dtype=getattr(ag, dtype), requires_grad=requires_grad)
    theirs = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=requires_grad)
    if dtype == "float32":
        assert repr(ours) == torch_repr(theirs)
    else:  # we wrap by our own line, torch by one with "dtype=torch.float64" in it
        assert re.sub(r",\s+", ", ", repr(ours)) == re.sub(r",\s+", ", ", torch_repr(theirs))
    assert max(len(line) for line in repr(ours).splitlines()) <= 80
    assert str(ours) == repr(ours)


@pytest.mark.parametrize("values", [[1, -200], [True, False], [True, True], 7,
                                    list(range(1001)), [[1, 2], [3, 4]]])
def test_repr_of_ints_and_bools_matches_torch(values):
    assert repr(ag.tensor(values)) == torch_repr(torch.tensor(values))


@pytest.mark.parametrize("make", [
    lambda lib: lib.zeros(0), lambda lib: lib.zeros(2, 0), lambda lib: lib.ones(3, dtype=lib.int32),
    lambda lib: lib.ones(2, dtype=lib.float64), lambda lib: lib.zeros(0, dtype=lib.int64),
    lambda lib: lib.ones(2, dtype=lib.float16), lambda lib: lib.ones(2, dtype=lib.uint8),
    lambda lib: lib.arange(6).reshape(2, 3) > 2,
])
def test_repr_of_empty_tensors_and_other_dtypes_matches_torch(make):
    assert repr(make(ag)) == torch_repr(make(torch))


@pytest.mark.parametrize("fn", [
    lambda k, m: (3 * k + 8 * m) * (5 * m + 2),
    lambda k, m: k + m, lambda k, m: k - m, lambda k, m: k / m, lambda k, m: -k,
    lambda k, m: k.exp(), lambda k, m: k.sigmoid(), lambda k, m: k.tanh(), lambda k, m: k.sum(),
    lambda k, m: k.mean(), lambda k, m: k.relu(), lambda k, m: k.log(), lambda k, m: k.sin(),
    lambda k, m: k.sqrt(), lambda k, m: k.abs(), lambda k, m: k.cos(), lambda k, m: k ** 2,
], ids=["worked example", "add", "sub", "div", "neg", "exp", "sigmoid", "tanh", "sum", "mean",
        "relu", "log", "sin", "sqrt", "abs", "cos", "pow"])
def test_repr_with_grad_fn_matches_torch(fn):
    k, m = ag.tensor(1.0, requires_grad=True), ag.tensor(3.0, requires_grad=True)
    tk, tm = torch.tensor(1.0, requires_grad=True), torch.tensor(3.0, requires_grad=True)
    assert repr(fn(k, m)) == torch_repr(fn(tk, tm))


def test_repr_of_the_worked_example():
    k, m = ag.tensor(1.0, requires_grad=True), ag.tensor(3.0, requires_grad=True)
    assert repr((3 * k + 8 * m) * (5 * m + 2)) == "tensor(459., grad_fn=<MulBackward>)"
    assert repr(ag.tensor([1.5, 2.0])) == "tensor([1.5000, 2.0000])"
    assert repr(ag.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"


# ----- default dtypes and type promotion ------------------------------------------------------

def same_dtype(make):
    ours, theirs = make(ag), make(torch)
    assert np.dtype(ours.dtype).name == torch_dtype_name(theirs), (ours, theirs)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    return ours.dtype


@pytest.mark.parametrize("make, dtype", [
    (lambda lib: lib.tensor(1.0), np.float32),
    (lambda lib: lib.tensor([1, 2]), np.int64),
    (lambda lib: lib.tensor([True]), np.bool_),
    (lambda lib: lib.arange(5), np.int64),
    (lambda lib: lib.arange(0.0, 1.0, 0.25), np.float32),
    (lambda lib: lib.arange(1, 4, 0.5), np.float32),
    (lambda lib: lib.full((2,), 3), np.int64),
    (lambda lib: lib.full((2,), 3.0), np.float32),
    (lambda lib: lib.full((2,), True), np.bool_),
    (lambda lib: lib.zeros(2), np.float32),
    (lambda lib: lib.ones(2, 3), np.float32),
    (lambda lib: lib.eye(3), np.float32),
    (lambda lib: lib.linspace(0, 1, 5), np.float32),
    (lambda lib: lib.tensor([1, 2]) / lib.tensor([2, 4]), np.float32),
    (lambda lib: lib.tensor(3) / 2, np.float32),
    (lambda lib: 3 / lib.tensor([1, 2]), np.float32),
    (lambda lib: lib.tensor([1, 2]) * 1.5, np.float32),
    (lambda lib: 1.5 - lib.tensor([1, 2]), np.float32),
    (lambda lib: lib.tensor([1, 2]) ** 0.5, np.float32),
    (lambda lib: 2.5 ** lib.tensor([1, 2]), np.float32),
    (lambda lib: lib.tensor([True, False]) * 1.5, np.float32),
    (lambda lib: lib.tensor([True, False]) + 1, np.int64),
    (lambda lib: lib.tensor([1, 2]) + 1, np.int64),
    (lambda lib: lib.tensor([1, 2], dtype=lib.int32) * 2, np.int32),
    (lambda lib: lib.tensor([1, 2], dtype=lib.int32) + lib.tensor(5), np.int32),
    (lambda lib: lib.tensor([1.0, 2.0]) * 2, np.float32),
    (lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float64) * 2.5, np.float64),
    (lambda lib: lib.tensor([1.0, 2.0]) + lib.tensor([1.0, 2.0], dtype=lib.float64), np.float64),
    (lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float64) - lib.tensor([1.0, 2.0]), np.float64),
    (lambda lib: lib.tensor([1.0, 2.0]) * lib.tensor(2.0, dtype=lib.float64), np.float32),
    (lambda lib: lib.tensor(1.0) * lib.tensor(2.0, dtype=lib.float64), np.float64),
    (lambda lib: lib.tensor([1, 2]) * lib.tensor([2.0, 1.0]), np.float32),
    (lambda lib: lib.tensor([1, 2]) * lib.tensor(2.0, dtype=lib.float64), np.float64),
    (lambda lib: lib.tensor([1.0, 2.0]) * np.float64(2.0), np.float32),
    (lambda lib: np.float64(2.0) * lib.tensor([1.0, 2.0]), np.float32),
    (lambda lib: lib.tensor([1.0, 2.0]) - np.int64(2), np.float32),
    (lambda lib: lib.tensor([1, 2], dtype=lib.int32) * np.float32(2), np.float32),
    (lambda lib: lib.tensor([1.0, 2.0]) + np.array([1.0, 2.0]), np.float64),
    (lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float16) * 3.0, np.float16),
    (lambda lib: lib.tensor([1, 2]).exp(), np.float32),
    (lambda lib: lib.tensor([1, 2]).sigmoid(), np.float32),
    (lambda lib: lib.tensor([1, 2]).sqrt(), np.float32),
    (lambda lib: lib.tensor([1, 2]).logsumexp(0), np.float32),
    (lambda lib: lib.tensor([1, 2]).clamp(0.5, 1.5), np.float32),
    (lambda lib: lib.tensor([1, 2]).clamp(0, 1), np.int64),
    (lambda lib: lib.tensor([1, -2]).abs(), np.int64),
    (lambda lib: lib.tensor([1, -2]).relu(), np.int64),
    (lambda lib: lib.tensor([1, 2]).sum(), np.int64),
    (lambda lib: lib.tensor([True, True]).sum(), np.int64),
    (lambda lib: lib.tensor([1, 2]).max(), np.int64),
    (lambda lib: lib.where(lib.tensor([True, False]), lib.tensor([1, 2]), 0.5), np.float32),
    (lambda lib: lib.where(lib.tensor([True, False]), lib.tensor([1.0, 2.0]), 1), np.float32),
    (lambda lib: lib.where(lib.tensor([True, False]), lib.tensor([1.0, 2.0]),
                           lib.tensor([1.0, 2.0], dtype=lib.float64)), np.float64),
    (lambda lib: lib.maximum(lib.tensor([1, 2]), lib.tensor([1.5, 1.0])), np.float32),
    (lambda lib: lib.minimum(lib.tensor([1.0, 2.0]), lib.tensor(1.0, dtype=lib.float64)),
     np.float32),
    (lambda lib: lib.cat([lib.tensor([1]), lib.tensor([1.5])]), np.float32),
    (lambda lib: lib.stack([lib.tensor([1.0]), lib.tensor([1.5], dtype=lib.float64)]),
     np.float64),
    (lambda lib: lib.tensor([1.0, 2.0]) > 1, np.bool_),
    (lambda lib: lib.tensor([1, 2]) == lib.tensor([1.0, 3.0]), np.bool_),
])
@pytest.mark.filterwarnings("ignore:__array_wrap__:DeprecationWarning")  # torch's, not ours
def test_dtype_matches_torch(make, dtype):
    assert same_dtype(make) is dtype


def test_promotion_keeps_gradients_in_each_inputs_dtype():
    a = ag.tensor([1.0, 2.0], requires_grad=True)                       # float32
    b = ag.tensor([3.0, 4.0], dtype=ag.float64, requires_grad=True)
    c = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)            # 0-d: does not promote
    out = (a * b).sum() + (a * c).sum()
    assert out.dtype is np.float64
    out.backward()
    assert a.grad.dtype is np.float32 and b.grad.dtype is np.float64 and c.grad.dtype is np.float64
    np.testing.assert_allclose(a.grad.numpy(), [5.0, 6.0])
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 2.0])
    assert c.grad.item() == pytest.approx(3.0)
