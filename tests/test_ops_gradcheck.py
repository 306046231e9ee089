"""Every differentiable op of the contract agrees with central finite differences
(`ag.gradcheck`, float64) over random shapes; the smooth ones to second order too
(`ag.gradgradcheck`, which differentiates the backward pass recorded with create_graph)."""

import numpy as np
import pytest
import strategies as S
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_lite as ag


def leaf(values):
    return ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def check(fn, *arrays):
    assert ag.gradcheck(fn, tuple(leaf(a) for a in arrays))


def check2(fn, *arrays):
    assert ag.gradgradcheck(fn, tuple(leaf(a) for a in arrays))


# ----- elementwise, one input -----------------------------------------------------------------

def _anywhere(shape):
    return S.arrays(shape, -3.0, 3.0)


def _off_zero(shape):
    return S.arrays_away_from(shape, (0.0,))


UNARY = {
    "neg": (lambda x: -x, _anywhere),
    "pos": (lambda x: +x * 1.0, _anywhere),
    "abs": (lambda x: x.abs(), _off_zero),
    "builtin abs": (lambda x: abs(x), _off_zero),
    "exp": (lambda x: x.exp(), S.arrays),
    "log": (lambda x: x.log(), S.positive_arrays),
    "sqrt": (lambda x: x.sqrt(), S.positive_arrays),
    "sin": (lambda x: x.sin(), _anywhere),
    "cos": (lambda x: x.cos(), _anywhere),
    "tanh": (lambda x: x.tanh(), _anywhere),
    "sigmoid": (lambda x: x.sigmoid(), _anywhere),
    "relu": (lambda x: x.relu(), _off_zero),
    "square": (lambda x: x.square(), _anywhere),
    "clone": (lambda x: x.clone(), _anywhere),
}


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_op(name, data):
    fn, values = UNARY[name]
    check(fn, data.draw(values(data.draw(S.shapes()))))


@given(data=st.data(), slope=st.floats(0.0, 0.5))
def test_leaky_relu(data, slope):
    x = data.draw(S.arrays_away_from(data.draw(S.shapes()), (0.0,)))
    check(lambda t: t.leaky_relu(slope), x)


@given(data=st.data(), lo=st.integers(-4, 2), width=st.integers(1, 4),
       which=st.sampled_from(["both", "min", "max"]))
def test_clamp(data, lo, width, which):
    lo, hi = lo * 0.5, (lo + width) * 0.5
    x = data.draw(S.arrays_away_from(data.draw(S.shapes()), (lo, hi), margin=0.05,
                                     low=-3.0, high=3.0))
    bounds = {"both": (lo, hi), "min": (lo, None), "max": (None, hi)}[which]
    check(lambda t: t.clamp(*bounds), x)


# ----- elementwise, two inputs, broadcasting ---------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, S.arrays, S.arrays),
    "sub": (lambda a, b: a - b, S.arrays, S.arrays),
    "mul": (lambda a, b: a * b, S.arrays, S.arrays),
    "div": (lambda a, b: a / b, S.arrays,
            lambda shape: S.arrays_away_from(shape, (0.0,), margin=0.5)),
    "pow": (lambda a, b: a ** b, S.positive_arrays, S.arrays),
    "pow method": (lambda a, b: a.pow(b), S.positive_arrays, S.arrays),
    "ag.pow": (lambda a, b: ag.pow(a, b), S.positive_arrays, S.arrays),
}


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_binary_op_with_broadcasting(name, data):
    fn, values_a, values_b = BINARY[name]
    shape_a, shape_b = data.draw(S.broadcastable_shapes())
    check(fn, data.draw(values_a(shape_a)), data.draw(values_b(shape_b)))


@pytest.mark.parametrize("op", [ag.maximum, ag.minimum, lambda a, b: a.maximum(b),
                                lambda a, b: a.minimum(b), lambda a, b: a.max(b)],
                         ids=["maximum", "minimum", "Tensor.maximum", "Tensor.minimum",
                              "max(tensor)"])
@given(data=st.data())
def test_maximum_minimum_without_ties(op, data):
    shape_a, shape_b = data.draw(S.broadcastable_shapes())
    check(op, *data.draw(S.interleaved_pair(shape_a, shape_b)))


@given(data=st.data())
def test_where_with_broadcasting(data):
    shape_c, shape_a, shape_b = data.draw(S.broadcastable_shapes(3))
    cond = data.draw(S.boolean_mask(shape_c) if shape_c else st.booleans().map(np.array))
    check(lambda a, b: ag.where(ag.tensor(cond), a, b),
          data.draw(S.arrays(shape_a)), data.draw(S.arrays(shape_b)))


@given(data=st.data(), scalar=st.sampled_from([-2.5, -1, 0.5, 2, 3.0]),
       op=st.sampled_from(["add", "sub", "mul", "div"]), reflected=st.booleans())
def test_python_scalar_on_either_side(data, scalar, op, reflected):
    x = data.draw(S.arrays_away_from(data.draw(S.shapes()), (0.0,), margin=0.5))
    fns = {
        "add": (lambda t: t + scalar, lambda t: scalar + t),
        "sub": (lambda t: t - scalar, lambda t: scalar - t),
        "mul": (lambda t: t * scalar, lambda t: scalar * t),
        "div": (lambda t: t / scalar, lambda t: scalar / t),
    }
    check(fns[op][reflected], x)


@given(data=st.data(), exponent=st.sampled_from([0, 1, 2, 3, -1, -2, 0.5, 1.5, -0.5, 0.0]))
def test_tensor_to_a_scalar_power(data, exponent):
    x = data.draw(S.positive_arrays(data.draw(S.shapes())))
    check(lambda t: t ** exponent, x)


@given(data=st.data(), exponent=st.sampled_from([2, 3, -1]))
def test_integer_power_of_a_negative_base(data, exponent):
    x = data.draw(S.arrays_away_from(data.draw(S.shapes()), (0.0,), margin=0.3))
    check(lambda t: t ** exponent, x)


@given(data=st.data(), base=st.sampled_from([0.5, 2, 2.0, np.e, 10.0]))
def test_scalar_to_a_tensor_power(data, base):
    x = data.draw(S.arrays(data.draw(S.shapes())))
    check(lambda t: base ** t, x)


# ----- reductions ---------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["sum", "mean"])
@given(args=S.array_and_reduce_dims())
def test_sum_and_mean(op, args):
    x, dim, keepdim = args
    check(lambda t: getattr(t, op)(dim, keepdim), x)


@given(args=S.array_and_reduce_dims(values="distinct", min_dims=1, min_side=2),
       unbiased=st.booleans())
def test_var_and_std(args, unbiased):
    x, dim, keepdim = args
    check(lambda t: t.var(dim, unbiased=unbiased, keepdim=keepdim), x)
    check(lambda t: t.std(dim, unbiased=unbiased, keepdim=keepdim), x)


@pytest.mark.parametrize("op", ["max", "min"])
@given(data=st.data())
def test_max_min_of_all_elements(op, data):
    check(lambda t: getattr(t, op)(), data.draw(S.distinct_arrays(data.draw(S.shapes()))))


@pytest.mark.parametrize("op", ["max", "min"])
@given(args=S.array_and_dim(values="distinct"), keepdim=S.keepdims)
def test_max_min_along_a_dim(op, args, keepdim):
    x, dim = args
    check(lambda t: getattr(t, op)(dim, keepdim).values, x)
    check(lambda t: getattr(t, op)(dim=dim, keepdim=keepdim)[0], x)


@pytest.mark.parametrize("op", ["amax", "amin"])
@given(args=S.array_and_reduce_dims(values="distinct"))
def test_amax_amin(op, args):
    x, dim, keepdim = args
    check(lambda t: getattr(t, op)(dim, keepdim), x)


@given(data=st.data(), keepdim=S.keepdims)
def test_logsumexp(data, keepdim):
    shape = data.draw(S.shapes(min_dims=1))
    dim = data.draw(st.one_of(S.dims(len(shape)), S.dim_tuples(len(shape))))
    check(lambda t: t.logsumexp(dim, keepdim), data.draw(S.arrays(shape, -5.0, 5.0)))


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@given(args=S.array_and_dim())
def test_softmax_and_log_softmax(op, args):
    x, dim = args
    check(lambda t: getattr(t, op)(dim), x)
    check(lambda t: getattr(ag, op)(t, dim=dim), x)


# ----- shape ----------------------------------------------------------------------------------

@given(data=st.data())
def test_reshape_and_view(data):
    shape = data.draw(S.shapes())
    target = data.draw(S.reshape_targets(shape))
    x = data.draw(S.arrays(shape))
    check(lambda t: t.reshape(target) * 1.0, x)
    check(lambda t: t.view(*target) * 1.0, x)


@given(data=st.data())
def test_flatten(data):
    shape = data.draw(S.shapes(min_dims=1))
    start = data.draw(S.dims(len(shape)))
    end = data.draw(S.dims(len(shape)).filter(lambda e: e % len(shape) >= start % len(shape)))
    check(lambda t: t.flatten(start, end), data.draw(S.arrays(shape)))


@given(data=st.data())
def test_transpose_permute_and_T(data):
    shape = data.draw(S.shapes(min_dims=1))
    ndim = len(shape)
    d0, d1 = data.draw(S.dims(ndim)), data.draw(S.dims(ndim))
    perm = data.draw(st.permutations(range(ndim)))
    perm = [d - ndim if data.draw(st.booleans()) else d for d in perm]
    x = data.draw(S.arrays(shape))
    check(lambda t: t.transpose(d0, d1) * 1.0, x)
    check(lambda t: t.permute(*perm) * 1.0, x)
    check(lambda t: t.permute(perm) * 1.0, x)
    check(lambda t: t.T * 1.0, x)


@given(data=st.data())
def test_unsqueeze_and_squeeze(data):
    shape = data.draw(S.shapes(max_side=2))  # many size-1 dims to squeeze
    ndim = len(shape)
    x = data.draw(S.arrays(shape))
    where = data.draw(st.integers(-ndim - 1, ndim))
    check(lambda t: t.unsqueeze(where), x)
    check(lambda t: t.squeeze() * 1.0, x)
    if ndim:
        dim = data.draw(S.dims(ndim))
        check(lambda t: t.squeeze(dim) * 1.0, x)


@given(data=st.data())
def test_expand(data):
    shape = data.draw(S.shapes(max_side=2))
    target = [data.draw(st.integers(1, 3)) if s == 1 else data.draw(st.sampled_from([s, -1]))
              for s in shape]
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2))
    check(lambda t: t.expand(*lead, *target), data.draw(S.arrays(shape)))


# ----- indexing -------------------------------------------------------------------------------

@given(data=st.data())
def test_basic_indexing(data):
    """Ints (negative too), slices with steps, None and ...; the gradient goes back to the
    picked places, zeros elsewhere."""
    shape = data.draw(S.shapes(min_dims=1))
    index = data.draw(S.basic_indices(shape))
    check(lambda t: t[index] * 1.0, data.draw(S.arrays(shape)))


@given(data=st.data(), tensor_index=st.booleans())
def test_integer_array_index_with_repeats_scatter_adds(data, tensor_index):
    shape = data.draw(S.shapes(min_dims=1))
    axis = data.draw(st.integers(0, len(shape) - 1))
    picks = data.draw(S.repeated_int_index(shape[axis]))
    index = (slice(None),) * axis + (ag.tensor(picks) if tensor_index else picks,)
    check(lambda t: t[index], data.draw(S.arrays(shape)))


@given(data=st.data())
def test_several_integer_arrays_broadcast_together(data):
    shape = data.draw(S.shapes(min_dims=2))
    rows = data.draw(S.repeated_int_index(shape[0]))
    cols = data.draw(st.integers(-shape[1], shape[1] - 1))
    check(lambda t: t[rows, cols], data.draw(S.arrays(shape)))
    check(lambda t: t[rows[:, None], [[0]]], data.draw(S.arrays(shape)))
    check(lambda t: t[list(rows)], data.draw(S.arrays(shape)))


@given(data=st.data())
def test_boolean_mask_index(data):
    shape = data.draw(S.shapes(min_dims=1))
    lead = data.draw(st.integers(1, len(shape)))
    mask = data.draw(S.boolean_mask(shape[:lead]))
    x = data.draw(S.arrays(shape))
    check(lambda t: t[mask], x)
    check(lambda t: t[ag.tensor(mask)], x)


# ----- joining and padding --------------------------------------------------------------------

@given(data=st.data(), count=st.integers(1, 3))
def test_cat(data, count):
    shape = data.draw(S.shapes(min_dims=1))
    dim = data.draw(S.dims(len(shape)))
    axis = dim % len(shape)
    parts = [data.draw(S.arrays(shape[:axis] + (data.draw(st.integers(1, 3)),)
                                + shape[axis + 1:])) for _ in range(count)]
    check(lambda *ts: ag.cat(ts, dim), *parts)
    check(lambda *ts: ag.cat(list(ts), dim=dim), *parts)


@given(data=st.data(), count=st.integers(1, 3))
def test_stack(data, count):
    shape = data.draw(S.shapes())
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    parts = [data.draw(S.arrays(shape)) for _ in range(count)]
    check(lambda *ts: ag.stack(ts, dim), *parts)


@given(data=st.data(), value=st.floats(-2, 2))
def test_pad(data, value):
    shape = data.draw(S.shapes(min_dims=1))
    widths = data.draw(S.pads(len(shape)))
    check(lambda t: ag.pad(t, widths, value=value), data.draw(S.arrays(shape)))


# ----- linear algebra -------------------------------------------------------------------------

MATMUL_KINDS = ["1@1", "1@2", "2@1", "2@2", "batched", "batched@1", "1@batched"]


@pytest.mark.parametrize("kind", MATMUL_KINDS)
@given(data=st.data())
def test_matmul(kind, data):
    shape_a, shape_b = data.draw(S.matmul_shapes(kind))
    a, b = data.draw(S.arrays(shape_a)), data.draw(S.arrays(shape_b))
    check(lambda x, y: x @ y, a, b)
    check(ag.matmul, a, b)


@given(data=st.data(), n=st.integers(1, 4), m=st.integers(1, 4))
def test_outer_and_dot(data, n, m):
    a, b, c = data.draw(S.arrays((n,))), data.draw(S.arrays((m,))), data.draw(S.arrays((n,)))
    check(ag.outer, a, b)
    check(lambda x, y: x.outer(y), a, b)
    check(ag.dot, a, c)
    check(lambda x, y: x.dot(y), a, c)


# ----- composites: an op's gradient stays right when it is one step of many -----------------

@given(data=st.data())
def test_a_chain_of_ops(data):
    shape_a, shape_b = data.draw(S.broadcastable_shapes(min_dims=1))
    a = data.draw(S.positive_arrays(shape_a))
    b = data.draw(S.arrays(shape_b))
    check(lambda x, y: ((x.log() * y).sigmoid() + (x / (1 + y * y)) ** 2).softmax(-1), a, b)


# ----- second order: the backward formulas are differentiable -------------------------------

SMOOTH_UNARY = {
    "exp": (lambda x: x.exp(), S.arrays),
    "log": (lambda x: x.log(), S.positive_arrays),
    "sqrt": (lambda x: x.sqrt(), S.positive_arrays),
    "sin": (lambda x: x.sin(), S.arrays),
    "cos": (lambda x: x.cos(), S.arrays),
    "tanh": (lambda x: x.tanh(), S.arrays),
    "sigmoid": (lambda x: x.sigmoid(), S.arrays),
    "pow scalar": (lambda x: x ** 3, S.arrays),
    "rpow": (lambda x: 2.0 ** x, S.arrays),
    "relu": (lambda x: x.relu() * x, lambda shape: S.arrays_away_from(shape, (0.0,))),
    "abs": (lambda x: x.abs() * x, lambda shape: S.arrays_away_from(shape, (0.0,))),
    "softmax": (lambda x: x.softmax(-1), S.arrays),
    "log_softmax": (lambda x: x.log_softmax(0), S.arrays),
    "logsumexp": (lambda x: x.logsumexp(-1, keepdim=True), S.arrays),
    "sum": (lambda x: (x * x).sum(0), S.arrays),
    "mean": (lambda x: (x * x).mean(-1), S.arrays),
    "var": (lambda x: x.var(0), S.arrays),
    "max": (lambda x: x.max(0).values ** 2, S.distinct_arrays),
    "amax": (lambda x: x.amax() ** 2, S.distinct_arrays),
    "index": (lambda x: (x ** 2)[np.array([0, 0, -1])], S.arrays),
    "mask": (lambda x: (x ** 2)[np.arange(x.numel()).reshape(x.shape) % 2 == 0], S.arrays),
    "index tensor": (lambda x: (x ** 2)[ag.tensor([1, 1]), ...], S.arrays),
    "pad": (lambda x: ag.pad(x ** 2, (1, 2)), S.arrays),
    "shape ops": (lambda x: (x ** 2).T.reshape(-1).unsqueeze(0).expand(2, -1), S.arrays),
}


@pytest.mark.parametrize("name", SMOOTH_UNARY)
@settings(max_examples=8)
@given(data=st.data())
def test_second_order_unary(name, data):
    fn, values = SMOOTH_UNARY[name]
    shape = data.draw(S.shapes(min_dims=1, max_dims=2, min_side=2, max_side=3))
    check2(fn, data.draw(values(shape)))


SMOOTH_BINARY = {
    "mul": (lambda a, b: a * b, S.arrays, S.arrays),
    "div": (lambda a, b: a / b, S.arrays,
            lambda shape: S.arrays_away_from(shape, (0.0,), margin=0.5)),
    "pow": (lambda a, b: a ** b, S.positive_arrays, S.arrays),
    "add sub": (lambda a, b: (a + b) * (a - b), S.arrays, S.arrays),
    "where": (lambda a, b: ag.where(a.detach() > 0, a * a, b * a),
              lambda shape: S.arrays_away_from(shape, (0.0,)), S.arrays),
    "cat": (lambda a, b: ag.cat([(a * b).reshape(-1), a.reshape(-1)]) ** 2, S.arrays, S.arrays),
}


@pytest.mark.parametrize("name", SMOOTH_BINARY)
@settings(max_examples=8)
@given(data=st.data())
def test_second_order_binary_with_broadcasting(name, data):
    fn, values_a, values_b = SMOOTH_BINARY[name]
    shape_a, shape_b = data.draw(S.broadcastable_shapes(min_dims=0, max_dims=2))
    check2(fn, data.draw(values_a(shape_a)), data.draw(values_b(shape_b)))


class Cube(ag.Function):
    """A user's Function that saves its output, as the built-in exp, sqrt, tanh do."""

    @staticmethod
    def forward(ctx, x):
        ans = x ** 3
        ctx.save_for_backward(x, ans)
        return ans

    @staticmethod
    def backward(ctx, grad):
        x, ans = ctx.saved_tensors
        return grad * 3 * ans / x


@pytest.mark.parametrize("fn", [
    lambda x: x.exp(), lambda x: x.sqrt(), lambda x: x.tanh(), lambda x: 2.0 ** x,
    lambda x: x.logsumexp(0) ** 2, lambda x: x ** x, Cube.apply,
], ids=["exp", "sqrt", "tanh", "rpow", "logsumexp", "pow", "user Function"])
@pytest.mark.parametrize("shape", [(), (1,)], ids=["0-d", "1-d"])
def test_second_order_through_a_saved_output(fn, shape):
    """NumPy returns a scalar, not an array, for a 0-d input: the saved output must still be
    recognised as the op's output under create_graph."""
    check2(fn, np.full(shape, 0.7))


@pytest.mark.parametrize("op", [ag.maximum, ag.minimum], ids=["maximum", "minimum"])
@settings(max_examples=8)
@given(data=st.data())
def test_second_order_maximum_minimum(op, data):
    shape_a, shape_b = data.draw(S.broadcastable_shapes(min_dims=0, max_dims=2))
    check2(lambda a, b: op(a, b) * a * b, *data.draw(S.interleaved_pair(shape_a, shape_b)))


@pytest.mark.parametrize("kind", MATMUL_KINDS)
@settings(max_examples=8)
@given(data=st.data())
def test_second_order_matmul(kind, data):
    shape_a, shape_b = data.draw(S.matmul_shapes(kind))
    check2(lambda x, y: (x @ y) ** 2, data.draw(S.arrays(shape_a)), data.draw(S.arrays(shape_b)))


# ----- on a device: "cuda" played by the CuPy stand-in (tests/device_arrays.py) -------------
# gradcheck perturbs the inputs where they live and reads the outputs back to the host; the
# second-order checks run the recorded backward of each kind of op on device arrays.

RNG = np.random.default_rng(16)


def device_leaf(values, device, dtype=np.float64):
    return ag.tensor(np.asarray(values, dtype=dtype), device=device, requires_grad=True)


DEVICE_SECOND_ORDER = {
    **{name: (fn, values) for name, (fn, values) in SMOOTH_UNARY.items()},
    **{name: (fn, values_a, values_b) for name, (fn, values_a, values_b)
       in SMOOTH_BINARY.items()},
    "maximum": (lambda a, b: ag.maximum(a, b) * a * b, S.arrays, S.arrays),
    "matmul": (lambda a, b: (a @ b) ** 2, S.arrays, S.arrays),
    "gather": (lambda a: a.gather(1, ag.tensor([[0, 2], [1, 1]], device=a.device)) ** 2,
               S.arrays),
    "sort": (lambda a: a.sort(1).values ** 2, S.distinct_arrays),
    "cumsum prod": (lambda a: a.cumsum(1).prod(1), S.positive_arrays),  # (no 0: see Prod)
    "norm": (lambda a: a.norm(dim=1), S.positive_arrays),
}


@pytest.mark.parametrize("name", DEVICE_SECOND_ORDER)
@settings(max_examples=2, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_first_and_second_order_on_a_device(name, standin_cuda, data):
    fn, *values = DEVICE_SECOND_ORDER[name]
    shapes = [(2, 3), (3, 3)] if name == "matmul" else [(2, 3)] * len(values)
    arrays = [data.draw(v(s)) for v, s in zip(values, shapes)]
    assert ag.gradcheck(fn, tuple(device_leaf(a, standin_cuda) for a in arrays))
    assert ag.gradgradcheck(fn, tuple(device_leaf(a, standin_cuda) for a in arrays))


def test_gradcheck_on_a_device_leaves_the_inputs_as_they_were(standin_cuda):
    x32 = device_leaf(RNG.standard_normal((2, 3)), standin_cuda, np.float32)
    x64 = device_leaf(RNG.standard_normal(3), standin_cuda)
    before32, before64 = x32.detach().cpu().numpy().copy(), x64.detach().cpu().numpy().copy()
    seen = []

    def fn(a, b):
        seen.append((a.device.type, a.dtype, b.device.type))
        return (a * b).tanh()

    assert ag.gradcheck(fn, (x32, x64))
    assert ag.gradgradcheck(fn, (x32, x64))
    assert set(seen) == {("cuda", np.float64, "cuda")}  # float64 copies, on the device
    np.testing.assert_array_equal(x32.detach().cpu().numpy(), before32)
    np.testing.assert_array_equal(x64.detach().cpu().numpy(), before64)
    assert x32.grad is None and x64.grad is None and x32.device.type == "cuda"


class WrongSquare(ag.Function):
    """x**2 with a derivative of 3x: gradcheck must catch it on a device too."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x


def test_gradcheck_on_a_device_finds_a_wrong_derivative(standin_cuda):
    x = device_leaf([0.5, -1.0, 2.0], standin_cuda)
    with pytest.raises(ag.GradcheckError, match="Jacobian entries differ"):
        ag.gradcheck(WrongSquare.apply, (x,))
    assert ag.gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False
