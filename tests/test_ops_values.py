"""Forward values of every op against NumPy, the independent oracle: same values, same shapes,
dtype kept (float32 in, float32 out), over random shapes, dims and indices, including what
PyTorch lacks (negative slice steps).

Each property is a `check_*(data, device)`: run on the CPU by its test, and again on "cuda"
played by the CuPy stand-in (tests/device_arrays.py) by `test_values_on_a_device`, with fewer
examples (the device path of an op is the same code whatever the shapes)."""

import numpy as np
import pytest
import strategies as S
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag


def assert_matches(ours, expected, rtol=1e-12, atol=1e-300, device=None):
    """Same shape, dtype and values; on `device` when given (values compared on the host)."""
    expected = np.asarray(expected)
    assert isinstance(ours, ag.Tensor)
    assert ours.shape == expected.shape
    assert ours.dtype is expected.dtype.type
    if device is not None:
        assert ours.device.type == device
    np.testing.assert_allclose(ours.cpu().numpy(), expected, rtol=rtol, atol=atol)


CHECKS = {}
"""name -> check(data, device, *params): each property, for the device run."""


def check(*params):
    """Register a property for the device run, once per element of `params` (a parameter
    the CPU test takes by parametrize)."""
    def register(fn):
        for param in params or [None]:
            key = fn.__name__.removeprefix("check_") + ("" if param is None else f"[{param}]")
            CHECKS[key] = (fn, () if param is None else (param,))
        return fn
    return register


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


@check(*(f"{name}-{dtype.__name__}" for name in UNARY for dtype in (np.float64, np.float32)))
def check_unary_values(data, device, name_dtype):
    name, dtype = name_dtype.rsplit("-", 1)
    dtype = np.dtype(dtype).type
    ours, reference, values = UNARY[name]
    a = data.draw(values(data.draw(S.shapes()), dtype=dtype))
    assert_matches(ours(ag.tensor(a, device=device)), reference(a).astype(dtype),
                   rtol=1e-12 if dtype == np.float64 else 1e-6, device=device)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_values(name, dtype, data):
    check_unary_values(data, "cpu", f"{name}-{dtype.__name__}")


BINARY = {
    "add": (lambda x, y: x + y, np.add, S.arrays), "sub": (lambda x, y: x - y, np.subtract,
                                                           S.arrays),
    "mul": (lambda x, y: x * y, np.multiply, S.arrays), "div": (lambda x, y: x / y, np.divide,
                                                                S.arrays),
    "pow": (lambda x, y: x ** y, np.power, S.positive_arrays),
    "maximum": (ag.maximum, np.maximum, S.arrays), "minimum": (ag.minimum, np.minimum, S.arrays),
}


@check(*BINARY)
def check_binary_values_and_broadcast_shapes(data, device, name):
    ours, reference, values_a = BINARY[name]
    shape_a, shape_b = data.draw(S.broadcastable_shapes())
    a = data.draw(values_a(shape_a))
    b = data.draw(S.arrays_away_from(shape_b, (0.0,), margin=0.5))
    on = dict(device=device)
    assert_matches(ours(ag.tensor(a, **on), ag.tensor(b, **on)), reference(a, b), **on)
    if device == "cpu":  # NumPy arrays are CPU data
        assert_matches(ours(ag.tensor(a), b), reference(a, b))      # an array on the right
        assert_matches(ours(a, ag.tensor(b)), reference(a, b))      # and on the left


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_binary_values_and_broadcast_shapes(name, data):
    check_binary_values_and_broadcast_shapes(data, "cpu", name)


@check()
def check_where_values(data, device):
    shape_c, shape_a, shape_b = data.draw(S.broadcastable_shapes(3))
    cond = data.draw(hnp.arrays(np.bool_, shape_c))
    a, b = data.draw(S.arrays(shape_a)), data.draw(S.arrays(shape_b))
    on = dict(device=device)
    assert_matches(ag.where(ag.tensor(cond, **on), ag.tensor(a, **on), ag.tensor(b, **on)),
                   np.where(cond, a, b), **on)
    assert_matches(ag.where(ag.tensor(cond, **on), ag.tensor(a, **on), 0.0),
                   np.where(cond, a, 0.0), **on)
    if device == "cpu":
        assert_matches(ag.where(cond, ag.tensor(a), 0.0), np.where(cond, a, 0.0))


@given(data=st.data())
def test_where_values(data):
    check_where_values(data, "cpu")


# ----- reductions ---------------------------------------------------------------------------

@check()
def check_sum_mean_amax_amin(data, device):
    a, dim, keepdim = data.draw(S.array_and_reduce_dims())
    t = ag.tensor(a, device=device)
    axis = axis_of(dim)
    on = dict(device=device)
    assert_matches(t.sum(dim, keepdim), np.sum(a, axis=axis, keepdims=keepdim), **on)
    assert_matches(t.mean(dim=dim, keepdim=keepdim), np.mean(a, axis=axis, keepdims=keepdim),
                   **on)
    assert_matches(t.amax(dim, keepdim), np.max(a, axis=axis, keepdims=keepdim), **on)
    assert_matches(t.amin(dim, keepdim), np.min(a, axis=axis, keepdims=keepdim), **on)


@given(data=st.data())
def test_sum_mean_amax_amin(data):
    check_sum_mean_amax_amin(data, "cpu")


@check()
def check_var_and_std(data, device):
    a, dim, keepdim = data.draw(S.array_and_reduce_dims(min_dims=1, min_side=2))
    unbiased = data.draw(st.booleans())
    axis, ddof = axis_of(dim), int(unbiased)
    t = ag.tensor(a, device=device)
    on = dict(device=device)
    assert_matches(t.var(dim, unbiased=unbiased, keepdim=keepdim),
                   np.var(a, axis=axis, ddof=ddof, keepdims=keepdim), rtol=1e-9, **on)
    assert_matches(t.std(dim, unbiased=unbiased, keepdim=keepdim),
                   np.std(a, axis=axis, ddof=ddof, keepdims=keepdim), rtol=1e-9, **on)
    assert_matches(t.var(dim, keepdim=keepdim, correction=0),
                   np.var(a, axis=axis, keepdims=keepdim), rtol=1e-9, **on)


@given(data=st.data())
def test_var_and_std(data):
    check_var_and_std(data, "cpu")


EXTREMA = {"max": (np.argmax, np.max), "min": (np.argmin, np.min)}


@check(*EXTREMA)
def check_max_min_along_a_dim(data, device, op):
    pick, reduce = EXTREMA[op]
    a, dim = data.draw(S.array_and_dim())
    keepdim = data.draw(S.keepdims)
    on = dict(device=device)
    values, indices = getattr(ag.tensor(a, **on), op)(dim, keepdim)
    assert_matches(values, reduce(a, axis=dim, keepdims=keepdim), **on)
    assert_matches(indices, pick(a, axis=dim, keepdims=keepdim).astype(np.int64), **on)
    assert_matches(getattr(ag.tensor(a, **on), op)(), reduce(a), **on)


@pytest.mark.parametrize("op", EXTREMA)
@given(data=st.data())
def test_max_min_along_a_dim(op, data):
    check_max_min_along_a_dim(data, "cpu", op)


@check()
def check_logsumexp_equals_the_naive_formula_and_survives_large_inputs(data, device):
    shape = data.draw(S.shapes(min_dims=1))
    dim = data.draw(st.one_of(S.dims(len(shape)), S.dim_tuples(len(shape))))
    keepdim = data.draw(S.keepdims)
    a = data.draw(S.arrays(shape, -20.0, 20.0))
    axis = axis_of(dim)
    on = dict(device=device)
    naive = np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdim))
    assert_matches(ag.tensor(a, **on).logsumexp(dim, keepdim), naive, rtol=1e-10, atol=1e-14,
                   **on)
    shifted = ag.tensor(a + 1000.0, **on).logsumexp(dim, keepdim)  # exp(1000) overflows
    assert_matches(shifted, naive + 1000.0, rtol=1e-10, **on)


@given(data=st.data())
def test_logsumexp_equals_the_naive_formula_and_survives_large_inputs(data):
    check_logsumexp_equals_the_naive_formula_and_survives_large_inputs(data, "cpu")


@check()
def check_softmax_is_a_distribution_and_log_softmax_its_log(data, device):
    a, dim = data.draw(S.array_and_dim())
    on = dict(device=device)
    p = ag.tensor(a, **on).softmax(dim)
    expected = np.exp(a) / np.sum(np.exp(a), axis=dim, keepdims=True)
    assert_matches(p, expected, rtol=1e-10, **on)
    np.testing.assert_allclose(p.sum(dim).cpu().numpy(), 1.0, rtol=1e-12)
    assert_matches(ag.tensor(a, **on).log_softmax(dim), np.log(expected), rtol=1e-10, **on)
    assert_matches(ag.tensor(a + 500.0, **on).softmax(dim), expected, rtol=1e-10,  # shift-
                   **on)                                                         # invariant


@given(data=st.data())
def test_softmax_is_a_distribution_and_log_softmax_its_log(data):
    check_softmax_is_a_distribution_and_log_softmax_its_log(data, "cpu")


# ----- shape and indexing ---------------------------------------------------------------------

@check()
def check_reshape_flatten_transpose_permute_squeeze_unsqueeze_expand(data, device):
    shape = data.draw(S.shapes(min_dims=1, max_side=2))
    ndim = len(shape)
    a = data.draw(S.arrays(shape))
    t = ag.tensor(a, device=device)
    on = dict(device=device)
    target = data.draw(S.reshape_targets(shape))
    assert_matches(t.reshape(target), np.reshape(a, target), **on)
    assert_matches(t.flatten(), a.reshape(-1), **on)
    start = data.draw(st.integers(0, ndim - 1))
    assert_matches(t.flatten(start), a.reshape(shape[:start] + (-1,)), **on)
    d0, d1 = data.draw(S.dims(ndim)), data.draw(S.dims(ndim))
    assert_matches(t.transpose(d0, d1), np.swapaxes(a, d0, d1), **on)
    perm = data.draw(st.permutations(range(ndim)))
    assert_matches(t.permute(*perm), np.transpose(a, perm), **on)
    assert_matches(t.T, a.T, **on)
    assert_matches(t.squeeze(), np.squeeze(a), **on)
    where = data.draw(st.integers(-ndim - 1, ndim))
    assert_matches(t.unsqueeze(where), np.expand_dims(a, where), **on)
    target = tuple(3 if s == 1 else s for s in shape)
    assert_matches(t.expand(2, *target), np.broadcast_to(a, (2,) + target), **on)


@given(data=st.data())
def test_reshape_flatten_transpose_permute_squeeze_unsqueeze_expand(data):
    check_reshape_flatten_transpose_permute_squeeze_unsqueeze_expand(data, "cpu")


@check()
def check_indexing_equals_numpy_indexing(data, device):
    shape = data.draw(S.shapes(min_dims=1))
    a = data.draw(S.arrays(shape))
    on = dict(device=device)
    t = ag.tensor(a, **on)
    basic = data.draw(S.basic_indices(shape))
    assert_matches(t[basic], a[basic], **on)
    picks = data.draw(S.repeated_int_index(shape[0]))
    assert_matches(t[picks], a[picks], **on)  # a NumPy index: copied to the tensor's device
    assert_matches(t[ag.tensor(picks, **on)], a[picks], **on)
    assert_matches(t[list(picks)], a[list(picks)], **on)
    mask = data.draw(hnp.arrays(np.bool_, shape))
    assert_matches(t[mask], a[mask], **on)
    assert_matches(t[ag.tensor(mask, **on)], a[mask], **on)


@given(data=st.data())
def test_indexing_equals_numpy_indexing(data):
    check_indexing_equals_numpy_indexing(data, "cpu")


@check()
def check_cat_stack_pad(data, device):
    shape = data.draw(S.shapes(min_dims=1))
    dim = data.draw(S.dims(len(shape)))
    a, b = data.draw(S.arrays(shape)), data.draw(S.arrays(shape))
    on = dict(device=device)
    ta, tb = ag.tensor(a, **on), ag.tensor(b, **on)
    assert_matches(ag.cat([ta, tb], dim), np.concatenate([a, b], dim), **on)
    assert_matches(ag.stack([ta, tb], dim), np.stack([a, b], dim), **on)
    widths = data.draw(S.pads(len(shape)))
    pairs = [(0, 0)] * len(shape)
    for i in range(len(widths) // 2):  # F.pad order: last dimension first
        pairs[len(shape) - 1 - i] = (widths[2 * i], widths[2 * i + 1])
    assert_matches(ag.pad(ta, widths, value=-1.5), np.pad(a, pairs, constant_values=-1.5),
                   **on)


@given(data=st.data())
def test_cat_stack_pad(data):
    check_cat_stack_pad(data, "cpu")


MATMUL_KINDS = ["1@1", "1@2", "2@1", "2@2", "batched", "batched@1", "1@batched"]


@check(*MATMUL_KINDS)
def check_matmul_equals_numpy(data, device, kind):
    shape_a, shape_b = data.draw(S.matmul_shapes(kind))
    a, b = data.draw(S.arrays(shape_a)), data.draw(S.arrays(shape_b))
    on = dict(device=device)
    assert_matches(ag.tensor(a, **on) @ ag.tensor(b, **on), np.matmul(a, b), **on)
    if device == "cpu":
        assert_matches(ag.matmul(a, ag.tensor(b)), np.matmul(a, b))


@pytest.mark.parametrize("kind", MATMUL_KINDS)
@given(data=st.data())
def test_matmul_equals_numpy(kind, data):
    check_matmul_equals_numpy(data, "cpu", kind)


@check()
def check_outer_and_dot_equal_numpy(data, device):
    n, m = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    a, b, c = data.draw(S.arrays((n,))), data.draw(S.arrays((m,))), data.draw(S.arrays((n,)))
    on = dict(device=device)
    assert_matches(ag.outer(ag.tensor(a, **on), ag.tensor(b, **on)), np.outer(a, b), **on)
    assert_matches(ag.dot(ag.tensor(a, **on), ag.tensor(c, **on)), np.dot(a, c), **on)


@given(data=st.data())
def test_outer_and_dot_equal_numpy(data):
    check_outer_and_dot_equal_numpy(data, "cpu")


# ----- every property again on "cuda" played by the CuPy stand-in ---------------------------

@pytest.mark.parametrize("name", CHECKS)
@settings(max_examples=4, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_values_on_a_device(name, standin_cuda, data):
    fn, params = CHECKS[name]
    fn(data, standin_cuda, *params)


def test_worked_example_value_and_gradients(device):
    k = ag.tensor(1.0, device=device, requires_grad=True)
    m = ag.tensor(3.0, device=device, requires_grad=True)
    z = (3 * k + 8 * m) * (5 * m + 2)
    z.backward()
    assert (z.item(), k.grad.item(), m.grad.item()) == (459.0, 51.0, 271.0)
