"""Forward values of every op against NumPy, the independent oracle: same values, same shapes,
dtype kept (float32 in, float32 out), over random shapes, dims and indices, including what
PyTorch lacks (negative slice steps)."""

import numpy as np
import pytest
import strategies as S
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag


def assert_matches(ours, expected, rtol=1e-12, atol=1e-300):
    expected = np.asarray(expected)
    assert isinstance(ours, ag.Tensor)
    assert ours.shape == expected.shape
    assert ours.dtype is expected.dtype.type
    np.testing.assert_allclose(ours.numpy(), expected, rtol=rtol, atol=atol)


def axis_of(dim):
    return tuple(dim) if isinstance(dim, list) else dim


# ----- elementwise --------------------------------------------------------------------------

UNARY = {
    "neg": (lambda t: -t, np.negative, S.arrays),
    "abs": (lambda t: t.abs(), np.abs, S.arrays),
    "exp": (lambda t: t.exp(), np.exp, S.arrays),
    "log": (lambda t: t.log(), np.log, S.positive_arrays),
    "sqrt": (lambda t: t.sqrt(), np.sqrt, S.positive_arrays),
    "sin": (lambda t: t.sin(), np.sin, S.arrays),
    "cos": (lambda t: t.cos(), np.cos, S.arrays),
    "tanh": (lambda t: t.tanh(), np.tanh, S.arrays),
    "sigmoid": (lambda t: t.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), S.arrays),
    "relu": (lambda t: t.relu(), lambda a: np.maximum(a, 0), S.arrays),
    "leaky_relu": (lambda t: t.leaky_relu(0.2), lambda a: np.where(a > 0, a, 0.2 * a), S.arrays),
    "clamp": (lambda t: t.clamp(-0.5, 1.0), lambda a: np.clip(a, -0.5, 1.0), S.arrays),
    "square": (lambda t: t.square(), np.square, S.arrays),
    "pow 3": (lambda t: t ** 3, lambda a: a ** 3, S.arrays),
    "pow 0.5": (lambda t: t ** 0.5, np.sqrt, S.positive_arrays),
    "rpow": (lambda t: 2.0 ** t, lambda a: 2.0 ** a, S.arrays),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_values(name, dtype, data):
    ours, reference, values = UNARY[name]
    a = data.draw(values(data.draw(S.shapes()), dtype=dtype))
    assert_matches(ours(ag.tensor(a)), reference(a).astype(dtype),
                   rtol=1e-12 if dtype == np.float64 else 1e-6)


BINARY = {
    "add": (lambda x, y: x + y, np.add, S.arrays), "sub": (lambda x, y: x - y, np.subtract,
                                                           S.arrays),
    "mul": (lambda x, y: x * y, np.multiply, S.arrays), "div": (lambda x, y: x / y, np.divide,
                                                                S.arrays),
    "pow": (lambda x, y: x ** y, np.power, S.positive_arrays),
    "maximum": (ag.maximum, np.maximum, S.arrays), "minimum": (ag.minimum, np.minimum, S.arrays),
}


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_binary_values_and_broadcast_shapes(name, data):
    ours, reference, values_a = BINARY[name]
    shape_a, shape_b = data.draw(S.broadcastable_shapes())
    a = data.draw(values_a(shape_a))
    b = data.draw(S.arrays_away_from(shape_b, (0.0,), margin=0.5))
    assert_matches(ours(ag.tensor(a), ag.tensor(b)), reference(a, b))
    assert_matches(ours(ag.tensor(a), b), reference(a, b))      # an array on the right
    assert_matches(ours(a, ag.tensor(b)), reference(a, b))      # and on the left


@given(data=st.data())
def test_where_values(data):
    shape_c, shape_a, shape_b = data.draw(S.broadcastable_shapes(3))
    cond = data.draw(hnp.arrays(np.bool_, shape_c))
    a, b = data.draw(S.arrays(shape_a)), data.draw(S.arrays(shape_b))
    assert_matches(ag.where(ag.tensor(cond), ag.tensor(a), ag.tensor(b)), np.where(cond, a, b))
    assert_matches(ag.where(cond, ag.tensor(a), 0.0), np.where(cond, a, 0.0))


# ----- reductions ---------------------------------------------------------------------------

@given(args=S.array_and_reduce_dims())
def test_sum_mean_amax_amin(args):
    a, dim, keepdim = args
    t = ag.tensor(a)
    axis = axis_of(dim)
    assert_matches(t.sum(dim, keepdim), np.sum(a, axis=axis, keepdims=keepdim))
    assert_matches(t.mean(dim=dim, keepdim=keepdim), np.mean(a, axis=axis, keepdims=keepdim))
    assert_matches(t.amax(dim, keepdim), np.max(a, axis=axis, keepdims=keepdim))
    assert_matches(t.amin(dim, keepdim), np.min(a, axis=axis, keepdims=keepdim))


@given(args=S.array_and_reduce_dims(min_dims=1, min_side=2), unbiased=st.booleans())
def test_var_and_std(args, unbiased):
    a, dim, keepdim = args
    axis, ddof = axis_of(dim), int(unbiased)
    t = ag.tensor(a)
    assert_matches(t.var(dim, unbiased=unbiased, keepdim=keepdim),
                   np.var(a, axis=axis, ddof=ddof, keepdims=keepdim), rtol=1e-9)
    assert_matches(t.std(dim, unbiased=unbiased, keepdim=keepdim),
                   np.std(a, axis=axis, ddof=ddof, keepdims=keepdim), rtol=1e-9)
    assert_matches(t.var(dim, keepdim=keepdim, correction=0),
                   np.var(a, axis=axis, keepdims=keepdim), rtol=1e-9)


@pytest.mark.parametrize("op, pick, reduce", [("max", np.argmax, np.max),
                                              ("min", np.argmin, np.min)])
@given(args=S.array_and_dim(), keepdim=S.keepdims)
def test_max_min_along_a_dim(op, pick, reduce, args, keepdim):
    a, dim = args
    values, indices = getattr(ag.tensor(a), op)(dim, keepdim)
    assert_matches(values, reduce(a, axis=dim, keepdims=keepdim))
    assert_matches(indices, pick(a, axis=dim, keepdims=keepdim).astype(np.int64))
    assert_matches(getattr(ag.tensor(a), op)(), reduce(a))


@given(data=st.data(), keepdim=S.keepdims)
def test_logsumexp_equals_the_naive_formula_and_survives_large_inputs(data, keepdim):
    shape = data.draw(S.shapes(min_dims=1))
    dim = data.draw(st.one_of(S.dims(len(shape)), S.dim_tuples(len(shape))))
    a = data.draw(S.arrays(shape, -20.0, 20.0))
    axis = axis_of(dim)
    naive = np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdim))
    assert_matches(ag.tensor(a).logsumexp(dim, keepdim), naive, rtol=1e-10, atol=1e-14)
    shifted = ag.tensor(a + 1000.0).logsumexp(dim, keepdim)  # exp(1000) overflows
    assert_matches(shifted, naive + 1000.0, rtol=1e-10)


@given(args=S.array_and_dim())
def test_softmax_is_a_distribution_and_log_softmax_its_log(args):
    a, dim = args
    p = ag.tensor(a).softmax(dim)
    expected = np.exp(a) / np.sum(np.exp(a), axis=dim, keepdims=True)
    assert_matches(p, expected, rtol=1e-10)
    np.testing.assert_allclose(p.sum(dim).numpy(), 1.0, rtol=1e-12)
    assert_matches(ag.tensor(a).log_softmax(dim), np.log(expected), rtol=1e-10)
    assert_matches(ag.tensor(a + 500.0).softmax(dim), expected, rtol=1e-10)  # shift-invariant


# ----- shape and indexing ---------------------------------------------------------------------

@given(data=st.data())
def test_reshape_flatten_transpose_permute_squeeze_unsqueeze_expand(data):
    shape = data.draw(S.shapes(min_dims=1, max_side=2))
    ndim = len(shape)
    a = data.draw(S.arrays(shape))
    t = ag.tensor(a)
    target = data.draw(S.reshape_targets(shape))
    assert_matches(t.reshape(target), np.reshape(a, target))
    assert_matches(t.flatten(), a.reshape(-1))
    start = data.draw(st.integers(0, ndim - 1))
    assert_matches(t.flatten(start), a.reshape(shape[:start] + (-1,)))
    d0, d1 = data.draw(S.dims(ndim)), data.draw(S.dims(ndim))
    assert_matches(t.transpose(d0, d1), np.swapaxes(a, d0, d1))
    perm = data.draw(st.permutations(range(ndim)))
    assert_matches(t.permute(*perm), np.transpose(a, perm))
    assert_matches(t.T, a.T)
    assert_matches(t.squeeze(), np.squeeze(a))
    where = data.draw(st.integers(-ndim - 1, ndim))
    assert_matches(t.unsqueeze(where), np.expand_dims(a, where))
    target = tuple(3 if s == 1 else s for s in shape)
    assert_matches(t.expand(2, *target), np.broadcast_to(a, (2,) + target))


@given(data=st.data())
def test_indexing_equals_numpy_indexing(data):
    shape = data.draw(S.shapes(min_dims=1))
    a = data.draw(S.arrays(shape))
    t = ag.tensor(a)
    basic = data.draw(S.basic_indices(shape))
    assert_matches(t[basic], a[basic])
    picks = data.draw(S.repeated_int_index(shape[0]))
    assert_matches(t[picks], a[picks])
    assert_matches(t[ag.tensor(picks)], a[picks])
    assert_matches(t[list(picks)], a[list(picks)])
    mask = data.draw(hnp.arrays(np.bool_, shape))
    assert_matches(t[mask], a[mask])
    assert_matches(t[ag.tensor(mask)], a[mask])


@given(data=st.data())
def test_cat_stack_pad(data):
    shape = data.draw(S.shapes(min_dims=1))
    dim = data.draw(S.dims(len(shape)))
    a, b = data.draw(S.arrays(shape)), data.draw(S.arrays(shape))
    assert_matches(ag.cat([ag.tensor(a), ag.tensor(b)], dim), np.concatenate([a, b], dim))
    assert_matches(ag.stack([ag.tensor(a), ag.tensor(b)], dim), np.stack([a, b], dim))
    widths = data.draw(S.pads(len(shape)))
    pairs = [(0, 0)] * len(shape)
    for i in range(len(widths) // 2):  # F.pad order: last dimension first
        pairs[len(shape) - 1 - i] = (widths[2 * i], widths[2 * i + 1])
    assert_matches(ag.pad(ag.tensor(a), widths, value=-1.5),
                   np.pad(a, pairs, constant_values=-1.5))


@pytest.mark.parametrize("kind", ["1@1", "1@2", "2@1", "2@2", "batched", "batched@1",
                                  "1@batched"])
@given(data=st.data())
def test_matmul_equals_numpy(kind, data):
    shape_a, shape_b = data.draw(S.matmul_shapes(kind))
    a, b = data.draw(S.arrays(shape_a)), data.draw(S.arrays(shape_b))
    assert_matches(ag.tensor(a) @ ag.tensor(b), np.matmul(a, b))
    assert_matches(ag.matmul(a, ag.tensor(b)), np.matmul(a, b))


@given(data=st.data(), n=st.integers(1, 4), m=st.integers(1, 4))
def test_outer_and_dot_equal_numpy(data, n, m):
    a, b, c = data.draw(S.arrays((n,))), data.draw(S.arrays((m,))), data.draw(S.arrays((n,)))
    assert_matches(ag.outer(ag.tensor(a), ag.tensor(b)), np.outer(a, b))
    assert_matches(ag.dot(ag.tensor(a), ag.tensor(c)), np.dot(a, c))


def test_worked_example_value_and_gradients():
    k, m = ag.tensor(1.0, requires_grad=True), ag.tensor(3.0, requires_grad=True)
    z = (3 * k + 8 * m) * (5 * m + 2)
    z.backward()
    assert (z.item(), k.grad.item(), m.grad.item()) == (459.0, 51.0, 271.0)
