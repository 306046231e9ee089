"""Each op against PyTorch, the reference: on the same float64 and float32 data every op of
the contract gives PyTorch's values, shapes, dtypes and gradients (for a random upstream
gradient), and so it does at the corner cases (ties, kinks, 0 ** 0, log 0, empty tensors) and
in the cases an audit of API.md against PyTorch 2.13 found differing.

The printed form is in test_tensor.py, default dtypes and type promotion in test_promotion.py,
the errors the ops raise in test_ops_errors.py."""

import numpy as np
import pytest
import strategies as S
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose
from torch_reference import TOLERANCE, as_np, assert_same

import autograd_lite as ag

RNG = np.random.default_rng(20240613)


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
            lambda a, b: ag.where(ag.tensor(cond, device=a.device), a, b),
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


def check_case(name, dtype, data, device):
    """One drawn case of the table on `device`: values, then gradients for a random upstream
    gradient on the same device, against PyTorch's on the CPU."""
    arrays, ours, theirs = CASES[name](data, dtype)
    xs = [ag.tensor(a, device=device, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = ours(*xs), theirs(*ts)
    assert out.device == xs[0].device
    assert_same(out, expected, dtype)
    upstream = data.draw(S.arrays(out.shape, dtype=dtype))
    out.backward(ag.tensor(upstream, device=device))
    expected.backward(torch.tensor(upstream))
    for x, t in zip(xs, ts):
        assert x.grad is not None and x.grad.device == x.device
        # a gradient summed from terms larger than itself (an expand's) is exact to the terms'
        # rounding: float32's absolute tolerance scales with the largest upstream term
        scale = max([1.0] + [float(np.abs(upstream).max() * np.abs(a).max())
                             for a in arrays if a.size and upstream.size]) \
            if dtype is np.float32 else 1.0
        assert_same(x.grad, t.grad, rtol=TOLERANCE[dtype]["rtol"],
                    atol=TOLERANCE[dtype]["atol"] * scale)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", CASES)
@given(data=st.data())
def test_values_and_gradients_match_torch(name, dtype, data):
    check_case(name, dtype, data, "cpu")


# The same table on "cuda" played by the CuPy stand-in (tests/device_arrays.py): fewer examples,
# as each op's device path is the same code whatever the shapes.
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", CASES)
@settings(max_examples=4, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_values_and_gradients_match_torch_on_a_device(name, dtype, standin_cuda, data):
    check_case(name, dtype, data, standin_cuda)


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


def test_argmax_argmin_match_torch(device):
    x = np.array([[1.0, 5.0, 5.0], [-2.0, -2.0, 0.0]])
    for op in ["argmax", "argmin"]:
        for dim in [None, 0, 1, -1]:
            t = ag.tensor(x, device=device)
            ours = getattr(t, op)(dim) if dim is not None else getattr(t, op)()
            theirs = getattr(torch.tensor(x), op)(dim)
            np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())
            assert ours.dtype is np.int64 and ours.device == t.device


# ----- corner cases: ties, kinks and the edges of the domain ---------------------------------

def grads(fn, values, library, dtype=np.float64, device="cpu"):
    """The gradient of `fn(x).sum()` at `values`, in `library` (ag, on `device`, or torch)."""
    if library is ag:
        x = ag.tensor(np.array(values, dtype=dtype), device=device, requires_grad=True)
    else:
        x = torch.tensor(np.array(values, dtype=dtype), requires_grad=True)
    fn(x).sum().backward()
    return x.grad.cpu().numpy()


def both(fn_ag, values, fn_torch=None, device="cpu"):
    return grads(fn_ag, values, ag, device=device), grads(fn_torch or fn_ag, values, torch)


@pytest.mark.parametrize("op", ["max", "min", "amax", "amin"])
def test_tie_in_a_full_reduction_shares_the_gradient_evenly(op, device):
    x = [3.0, -1.0, 3.0, -1.0, 3.0]
    ours, theirs = both(lambda t: getattr(t, op)() * 6, x, device=device)
    np.testing.assert_array_equal(ours, theirs)
    picked = [0, 2, 4] if op in ("max", "amax") else [1, 3]
    np.testing.assert_array_equal(ours, [6 / len(picked) if i in picked else 0 for i in range(5)])


def test_tie_in_max_along_a_dim_sends_the_gradient_to_the_reported_index(device):
    x = [[1.0, 4.0, 4.0], [2.0, 2.0, 2.0]]
    ours, theirs = both(lambda t: t.max(1).values, x, device=device)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, [[0, 1, 0], [1, 0, 0]])


def test_tie_in_amax_along_a_dim_shares_the_gradient(device):
    x = [[1.0, 4.0, 4.0], [2.0, 2.0, 2.0]]
    ours, theirs = both(lambda t: t.amax(1), x, device=device)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15)
    np.testing.assert_allclose(ours, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-15)


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_tie_sends_half_to_each_side(op, device):
    a = ag.tensor([1.0, 2.0, -3.0], dtype=ag.float64, device=device,
                  requires_grad=True)
    b = ag.tensor([1.0, 0.0, -3.0], dtype=ag.float64, device=device,
                  requires_grad=True)
    ta = torch.tensor([1.0, 2.0, -3.0], dtype=torch.float64, requires_grad=True)
    tb = torch.tensor([1.0, 0.0, -3.0], dtype=torch.float64, requires_grad=True)
    getattr(ag, op)(a, b).sum().backward()
    getattr(torch, op)(ta, tb).sum().backward()
    np.testing.assert_array_equal(a.grad.cpu().numpy(), ta.grad.numpy())
    np.testing.assert_array_equal(b.grad.cpu().numpy(), tb.grad.numpy())
    assert a.grad.cpu().numpy()[0] == b.grad.cpu().numpy()[0] == 0.5
    assert a.grad.cpu().numpy()[2] == b.grad.cpu().numpy()[2] == 0.5


def test_relu_abs_and_leaky_relu_at_zero(device):
    x = [-1.0, 0.0, 1.0]
    for ours_fn, torch_fn, at_zero in [
        (lambda t: t.relu(), None, 0.0),
        (lambda t: t.abs(), None, 0.0),
        (lambda t: t.leaky_relu(0.2), lambda t: F.leaky_relu(t, 0.2), 0.2),
        (lambda t: ag.leaky_relu(t), lambda t: F.leaky_relu(t), 0.01),
    ]:
        ours, theirs = both(ours_fn, x, torch_fn, device=device)
        np.testing.assert_array_equal(ours, theirs)
        assert ours[1] == at_zero


def test_clamp_passes_the_gradient_on_its_boundaries(device):
    x = [-2.0, -1.0, 0.0, 1.0, 2.0]
    ours, theirs = both(lambda t: t.clamp(-1.0, 1.0), x, device=device)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, [0, 1, 1, 1, 0])
    ours, theirs = both(lambda t: t.clamp(min=0.0), x, device=device)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, [0, 0, 1, 1, 1])
    ours, theirs = both(lambda t: t.clamp(max=-1.0), x, device=device)
    np.testing.assert_array_equal(ours, [1, 1, 0, 0, 0])
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("exponent", [0, 0.0, 1, 2, 0.5, -1, 3])
def test_power_of_zero_and_exponent_zero(exponent, device):
    x = [0.0, 1.0, -2.0] if exponent == int(exponent) else [0.0, 1.0, 2.0]
    for fn in [lambda t: t ** exponent, lambda t: t.pow(exponent)]:
        xs = (ag.tensor(x, dtype=ag.float64, device=device),
              torch.tensor(x, dtype=torch.float64))
        assert_same(fn(xs[0]), fn(xs[1]), np.float64)
        ours, theirs = both(fn, x, device=device)
        np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)


def test_tensor_power_tensor_at_zero_base_and_zero_exponent(device):
    base, exponent = [0.0, 0.0, 0.0, 2.0, 0.0], [0.0, 1.0, 2.0, 0.0, -1.0]
    ours = [ag.tensor(v, dtype=ag.float64, device=device,
                  requires_grad=True) for v in (base, exponent)]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (base, exponent)]
    out, expected = ours[0] ** ours[1], theirs[0] ** theirs[1]
    assert_same(out, expected, np.float64)
    out.sum().backward()
    expected.sum().backward()
    for x, t in zip(ours, theirs):
        np.testing.assert_array_equal(x.grad.cpu().numpy(), t.grad.numpy())
    np.testing.assert_array_equal(ours[0].grad.cpu().numpy()[:4], [0, 1, 0, 0])  # 0**0: 0
    assert ours[1].grad.cpu().numpy()[4] == -np.inf


def test_scalar_base_zero_to_a_tensor_power(device):
    ours, theirs = both(lambda t: 0.0 ** t, [0.0, 1.0, 2.0, -1.0], device=device)
    np.testing.assert_array_equal(ours, theirs)


def test_sqrt_and_log_at_zero(device):
    for fn in [lambda t: t.sqrt(), lambda t: t.log()]:
        x = [0.0, 4.0]
        value = fn(ag.tensor(x, dtype=ag.float64, device=device))
        assert_same(value, fn(torch.tensor(x, dtype=torch.float64)), np.float64)
        ours, theirs = both(fn, x, device=device)
        np.testing.assert_array_equal(ours, theirs)
        assert ours[0] == np.inf
    assert ag.tensor([0.0]).log().item() == -np.inf


def test_log_and_sqrt_of_negatives_are_nan(device):
    x = [-1.0, 1.0]
    for fn in [lambda t: t.log(), lambda t: t.sqrt()]:
        assert_same(fn(ag.tensor(x, device=device)), fn(torch.tensor(x)), np.float32)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("fn", [
    lambda t: t ** -1.0, lambda t: t ** -2, lambda t: t ** 0.5, lambda t: (t - 1) ** 0.5,
    lambda t: t.log(), lambda t: t.sqrt(), lambda t: (t - 1).sqrt(), lambda t: (t - 1).log(),
    lambda t: 0.0 ** (t - 1), lambda t: (t - float("inf")).logsumexp(0),
])
def test_infinities_and_nans_come_silently_as_in_torch(fn, device):
    x = [0.0, 1.0, 2.0]
    ours = fn(ag.tensor(x, dtype=ag.float64, device=device,
                  requires_grad=True))
    assert_same(ours, fn(torch.tensor(x, dtype=torch.float64)), np.float64)
    ours.sum().backward()


def test_softmax_and_logsumexp_are_stable_for_large_inputs(device):
    x = [1000.0, 1001.0, -1000.0]
    for fn in [lambda t: t.softmax(0), lambda t: t.log_softmax(0), lambda t: t.logsumexp(0),
               lambda t: t.sigmoid(), lambda t: t.tanh()]:
        assert_same(fn(ag.tensor(x, device=device)), fn(torch.tensor(x)), np.float32)
        ours, theirs = both(fn, x, device=device)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-300)
        assert np.isfinite(ours).all()


@pytest.mark.parametrize("op", ["sum", "mean", "var", "std", "amax", "amin"])
@pytest.mark.parametrize("empty", [(), []])
@pytest.mark.parametrize("keepdim", [False, True])
def test_an_empty_dim_list_reduces_every_dimension(op, empty, keepdim, device):
    x = np.arange(6.0).reshape(2, 3)
    ours = getattr(ag.tensor(x, device=device), op)(empty, keepdim=keepdim)
    assert_same(ours, getattr(torch.tensor(x), op)(empty, keepdim=keepdim), np.float64)
    assert ours.shape == ((1, 1) if keepdim else ())


@pytest.mark.parametrize("fn", [
    lambda lib, t: t.softmax(0), lambda lib, t: t.log_softmax(1), lambda lib, t: t.logsumexp(0),
    lambda lib, t: t.logsumexp(1), lambda lib, t: t.sum(0), lambda lib, t: t.max(1).values,
    lambda lib, t: t.amin(1), lambda lib, t: t.T.amax(0, keepdim=True),
    lambda lib, t: t.reshape(2, 0, 1), lambda lib, t: lib.cat([t, t], 1),
])
def test_ops_on_empty_tensors(fn, device):
    ours = fn(ag, ag.zeros(0, 2, dtype=ag.float64, device=device,
                  requires_grad=True))
    assert_same(ours, fn(torch, torch.zeros(0, 2, dtype=torch.float64, requires_grad=True)),
                np.float64)


def test_logsumexp_of_an_all_minus_infinity_row(device):
    x = [[-np.inf, -np.inf], [0.0, 1.0]]
    assert_same(ag.tensor(x, device=device).logsumexp(1), torch.tensor(x).logsumexp(1),
                np.float32)


# ----- where, cat and pad ---------------------------------------------------------------------

@pytest.mark.parametrize("values", [
    [[True, False], [False, True]], [0.0, 2.0, -1.0], True, [[0, 0], [0, 0]], [[[1, 0, 2]]],
])
def test_where_with_only_a_condition_gives_the_nonzero_indices(values, device):
    ours = ag.where(ag.tensor(values, device=device))
    theirs = torch.where(torch.tensor(values))
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert_same(o, t)
        assert o.device.type == device


@pytest.mark.parametrize("make, dim", [
    (lambda lib: [lib.ones(2, 3), lib.zeros(0)], 0),
    (lambda lib: [lib.zeros(0), lib.ones(2, 3)], 1),
    (lambda lib: [lib.ones(2, 3), lib.zeros(0, dtype=lib.float64)], -1),
    (lambda lib: [lib.zeros(0), lib.zeros(0)], 0),
    (lambda lib: [lib.ones(3), lib.zeros(0)], 0),
])
def test_cat_skips_one_dimensional_empty_tensors(make, dim, device):
    ours, theirs = [o.to(device) for o in make(ag)], make(torch)
    for o in ours:
        o.requires_grad_()
    for t in theirs:
        t.requires_grad_()
    out, expected = ag.cat(ours, dim), torch.cat(theirs, dim)
    assert_same(out, expected)
    if out.numel():
        out.sum().backward()
        expected.sum().backward()
        for o, t in zip(ours, theirs):
            assert_same(o.grad, t.grad)


@pytest.mark.parametrize("widths", [
    (-1, 2), (-1, 2, 1, -2), (-2, -2), (-4, 0), (-3, -1), (-1, -1, -1, -1), (0, -1), (1, 1, -1, 0),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pad_with_negative_widths_crops(widths, dtype, device):
    x = RNG.standard_normal((3, 4)).astype(dtype)
    ours = ag.tensor(x, device=device, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out, expected = ag.pad(ours, widths, value=1.5), F.pad(theirs, widths, value=1.5)
    assert_same(out, expected)
    g = RNG.standard_normal(tuple(expected.shape)).astype(dtype)
    out.backward(ag.tensor(g, device=device))
    expected.backward(torch.tensor(g))
    assert_same(ours.grad, theirs.grad)


# ----- shapes and dims at the edges: empty and 0-d tensors ------------------------------------

def test_permute_with_the_dims_keyword():
    x = RNG.standard_normal((2, 3, 4))
    assert_same(ag.tensor(x).permute(dims=(2, 0, 1)), torch.tensor(x).permute(dims=(2, 0, 1)))


@pytest.mark.parametrize("shape, start, end", [((0, 3), 1, -1), ((0, 3, 2), 1, 2),
                                               ((2, 0, 3), 0, 0)])
def test_flatten_of_an_empty_tensor(shape, start, end):
    assert ag.zeros(shape).flatten(start, end).shape == \
        tuple(torch.zeros(shape).flatten(start, end).shape)


@pytest.mark.parametrize("op", [lambda t: t.flatten(), lambda t: t.flatten(-1, 0),
                                lambda t: t.transpose(0, -1), lambda t: t.argmax(0, True),
                                lambda t: t.argmin(keepdim=True)])
def test_valid_dims_of_a_zero_dimensional_tensor(op):
    assert_same(op(ag.tensor(2.0)), op(torch.tensor(2.0)))


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_keepdim_without_a_dim(op):
    x = RNG.standard_normal((2, 3))
    assert_same(getattr(ag.tensor(x), op)(keepdim=True), getattr(torch.tensor(x), op)(keepdim=True))


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax_along_a_non_empty_dim_of_an_empty_tensor(op, keepdim):
    assert_same(getattr(ag.zeros(0, 3), op)(1, keepdim), getattr(torch.zeros(0, 3), op)(1, keepdim))


# ----- std where it is zero or undefined ------------------------------------------------------

@pytest.mark.parametrize("values, kwargs", [([1.5], {"unbiased": False}),
                                            ([2.0, 2.0, 2.0], {}),
                                            ([[1.0, 1.0], [0.0, 3.0]], {"dim": 1})])
def test_std_gradient_where_the_std_is_zero(values, kwargs, device):
    ours = ag.tensor(values, dtype=ag.float64, device=device, requires_grad=True)
    theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    ours.std(**kwargs).sum().backward()
    theirs.std(**kwargs).sum().backward()
    assert_same(ours.grad, theirs.grad)


@pytest.mark.filterwarnings("ignore:std.*degrees of freedom")  # torch, for the nan cases
@pytest.mark.parametrize("values, kwargs", [
    ([1.5], {}),                                          # n - 1 = 0: nan, as in PyTorch
    ([[1.0, 1.0], [0.0, 3.0]], {"dim": 1, "correction": 2}),
    ([[1.0, 2.0], [0.0, 3.0]], {"dim": (0, 1), "keepdim": True}),
    ([[1.0, 2.0, 4.0], [5.0, 5.0, 5.0]], {"dim": -1, "unbiased": False}),
])
def test_std_values_and_gradients_at_the_edges(values, kwargs, device):
    ours = ag.tensor(values, dtype=ag.float64, device=device, requires_grad=True)
    theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    assert_same(ours.std(**kwargs), theirs.std(**kwargs))
    ours.std(**kwargs).sum().backward()
    theirs.std(**kwargs).sum().backward()
    assert_same(ours.grad, theirs.grad)


@pytest.mark.parametrize("values", [[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
def test_std_second_derivative(values, device):
    weights = [1.0, 2.0, 3.0]
    hessian_rows = []
    for lib, grad in ((torch, torch.autograd.grad), (ag, ag.autograd.grad)):
        on = dict(device=device) if lib is ag else {}
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True, **on)
        (g,) = grad(x.std(), x, create_graph=True)
        (h,) = grad((g * lib.tensor(weights, dtype=lib.float64, **on)).sum(), x)
        hessian_rows.append(as_np(h))
    assert_allclose(hessian_rows[1], hessian_rows[0], rtol=1e-12, atol=1e-15)


# ----- integer powers and bitwise ops ---------------------------------------------------------

def test_integer_tensor_to_negative_integer_tensor_powers(device):
    base, exponent = np.array([2, 1, -1, -1, 3]), np.array([-1, -3, -2, -3, 2])
    assert_same(ag.tensor(base, device=device) ** ag.tensor(exponent, device=device),
                torch.tensor(base) ** torch.tensor(exponent))


@pytest.mark.parametrize("base, exponent", [
    ([0, 0, 5], [-1, -2, 0]),          # 0 to a negative power: 0, as PyTorch's integer division
    (2, [-1, 1, 3]),                   # a number base
    ([3, -1, 1], -1),                  # a 0-d exponent tensor
    (np.array([2, 3], np.int32), [-1, 2]),
])
def test_more_integer_powers_with_a_tensor_exponent(base, exponent, device):
    tensor = isinstance(base, (list, np.ndarray))
    ours_base = ag.tensor(base, device=device) if tensor else base
    theirs_base = torch.tensor(base) if tensor else base
    assert_same(ours_base ** ag.tensor(exponent, device=device),
                theirs_base ** torch.tensor(exponent))


@pytest.mark.parametrize("op", [lambda a, b: a & b, lambda a, b: a | b])
def test_bitwise_and_or_of_integer_tensors(op, device):
    a, b = [1, 2, 6], [3, 1, 4]
    assert_same(op(ag.tensor(a, device=device), ag.tensor(b, device=device)),
                op(torch.tensor(a), torch.tensor(b)))
