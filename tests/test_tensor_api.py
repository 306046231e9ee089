"""The Tensor surface of the contract: construction, attributes, methods, comparisons, in-place
updates and NumPy arrays and functions mixing in on either side."""

import warnings

import numpy as np
import pytest

import autograd_lite as ag


@pytest.fixture
def default_dtype():
    """Restores the default dtype after a test that changes it."""
    before = ag.get_default_dtype()
    yield
    ag.set_default_dtype(before)


# ----- construction ---------------------------------------------------------------------------

def test_tensor_copies_lists_arrays_and_tensors():
    source = np.array([1.0, 2.0])
    t = ag.tensor(source)
    source[0] = 9.0
    assert t.tolist() == [1.0, 2.0]
    t.data[1] = 7.0
    assert source.tolist() == [9.0, 2.0]
    copy = ag.tensor(t)
    t.data[0] = -1.0
    assert copy.tolist() == [1.0, 7.0]
    nested = [[1.0, 2.0]]
    from_list = ag.tensor(nested)
    nested[0][0] = 5.0
    assert from_list.tolist() == [[1.0, 2.0]]


def test_tensor_constructor_class_form():
    t = ag.Tensor([[1.0, 2.0]], requires_grad=True)
    assert t.shape == (1, 2) and t.dtype is np.float32 and t.requires_grad and t.is_leaf
    assert ag.Tensor(np.arange(3)).dtype is np.int64


def test_from_numpy_shares_memory_both_ways():
    source = np.array([1.0, 2.0])
    t = ag.from_numpy(source)
    source[0] = 9.0
    assert t.tolist() == [9.0, 2.0]
    t.data[1] = -1.0
    assert source.tolist() == [9.0, -1.0]
    assert np.shares_memory(t.numpy(), source)
    assert t.dtype is np.float64
    with pytest.raises(TypeError, match="from_numpy"):
        ag.from_numpy([1.0, 2.0])


@pytest.mark.parametrize("data, dtype", [
    (1.0, np.float32), ([1.0, 2.5], np.float32), ([[1, 2]], np.int64), (True, np.bool_),
    (np.float64(1.0), np.float64), (np.ones(2, dtype=np.float16), np.float16),
    (np.arange(3, dtype=np.int32), np.int32), ([1, 2.5], np.float32),
])
def test_tensor_dtype_follows_the_data(data, dtype):
    assert ag.tensor(data).dtype is dtype


@pytest.mark.parametrize("dtype", [np.float64, "float64", ag.float64])
def test_dtype_argument_accepts_numpy_types_and_names(dtype):
    assert ag.tensor([1.0, 2.0], dtype=dtype).dtype is np.float64
    assert ag.zeros(2, dtype=dtype).dtype is np.float64


def test_set_default_dtype_changes_python_floats_and_factories(default_dtype):
    ag.set_default_dtype(ag.float64)
    assert ag.get_default_dtype() is np.float64
    assert ag.tensor(1.0).dtype is np.float64
    assert ag.zeros(2).dtype is np.float64 and ag.randn(2).dtype is np.float64
    assert (ag.tensor([1, 2]) / 2).dtype is np.float64
    assert ag.tensor([1, 2]).dtype is np.int64  # ints stay ints
    assert repr(ag.tensor([1.5])) == "tensor([1.5000])"  # the default is not printed
    assert repr(ag.tensor([1.5], dtype=ag.float32)) == "tensor([1.5000], dtype=float32)"
    with pytest.raises(TypeError, match="floating"):
        ag.set_default_dtype(ag.int64)


@pytest.mark.parametrize("make, shape", [
    (lambda: ag.zeros(2, 3), (2, 3)), (lambda: ag.zeros((2, 3)), (2, 3)),
    (lambda: ag.zeros([2, 3]), (2, 3)), (lambda: ag.ones(4), (4,)), (lambda: ag.zeros(()), ()),
    (lambda: ag.full((2, 2), 1.5), (2, 2)), (lambda: ag.full(3, 2), (3,)),
    (lambda: ag.eye(3), (3, 3)), (lambda: ag.eye(2, 3), (2, 3)),
    (lambda: ag.arange(5), (5,)), (lambda: ag.linspace(0, 1, 7), (7,)),
    (lambda: ag.randn(2, 3), (2, 3)), (lambda: ag.rand((4,)), (4,)),
])
def test_factory_shapes(make, shape):
    assert make().shape == shape


def test_factory_values():
    np.testing.assert_array_equal(ag.zeros(2, 2).numpy(), np.zeros((2, 2)))
    np.testing.assert_array_equal(ag.ones(3).numpy(), np.ones(3))
    np.testing.assert_array_equal(ag.full((2,), 1.5).numpy(), [1.5, 1.5])
    np.testing.assert_array_equal(ag.eye(2, 3).numpy(), [[1, 0, 0], [0, 1, 0]])
    np.testing.assert_array_equal(ag.arange(1, 10, 3).numpy(), [1, 4, 7])
    np.testing.assert_array_equal(ag.arange(0.0, 1.0, 0.25).numpy(), [0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(ag.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    assert ag.arange(5, dtype=ag.float64).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_like_factories_keep_shape_and_dtype():
    ints, doubles = ag.tensor([[1, 2, 3]]), ag.ones(2, dtype=ag.float64)
    assert ag.zeros_like(ints).dtype is np.int64 and ag.zeros_like(ints).shape == (1, 3)
    assert ag.ones_like(doubles).dtype is np.float64
    assert ag.full_like(ints, 7).tolist() == [[7, 7, 7]]
    assert ag.zeros_like(doubles, dtype=ag.float32).dtype is np.float32
    assert ag.randn_like(doubles).dtype is np.float64 and ag.rand_like(ints * 1.0).shape == (1, 3)
    assert ag.ones_like(doubles, requires_grad=True).requires_grad


def test_factories_take_requires_grad():
    for make in [lambda: ag.zeros(2, requires_grad=True), lambda: ag.ones(2, requires_grad=True),
                 lambda: ag.randn(2, requires_grad=True), lambda: ag.full((2,), 1.0,
                                                                          requires_grad=True),
                 lambda: ag.tensor([1.0], requires_grad=True)]:
        t = make()
        assert t.requires_grad and t.is_leaf and t.grad is None


@pytest.mark.parametrize("sample", [ag.randn, ag.rand])
def test_random_with_a_generator_is_reproducible_to_the_bit(sample):
    a = sample(3, 4, generator=np.random.default_rng(42))
    b = sample(3, 4, generator=np.random.default_rng(42))
    c = sample(3, 4, generator=np.random.default_rng(43))
    assert a.numpy().tobytes() == b.numpy().tobytes()
    assert not np.array_equal(a.numpy(), c.numpy())
    assert a.dtype is np.float32


@pytest.mark.parametrize("sample", [ag.randn, ag.rand])
def test_manual_seed_makes_the_default_generator_reproducible(sample):
    ag.manual_seed(7)
    first = [sample(5).numpy().tobytes(), sample(5).numpy().tobytes()]
    ag.manual_seed(7)
    again = [sample(5).numpy().tobytes(), sample(5).numpy().tobytes()]
    assert first == again
    assert first[0] != first[1]  # the stream moves on between calls
    ag.manual_seed(8)
    assert sample(5).numpy().tobytes() != first[0]


def test_random_value_ranges():
    u = ag.rand(1000, generator=np.random.default_rng(0)).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0
    n = ag.randn(10000, generator=np.random.default_rng(0), dtype=ag.float64).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05


# ----- attributes -----------------------------------------------------------------------------

def test_shape_dtype_ndim_size_numel():
    t = ag.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, tuple)
    assert t.dtype is np.float32 and t.dtype is ag.float32
    assert t.ndim == 3 and t.dim() == 3
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.numel() == 24
    assert len(t) == 2
    assert ag.tensor(1.0).ndim == 0 and ag.tensor(1.0).numel() == 1


def test_T_reverses_the_dimensions():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.T.numpy(), np.arange(6.0).reshape(2, 3).T)
    assert ag.zeros(2, 3, 4).T.shape == (4, 3, 2)
    assert ag.zeros(5).T.shape == (5,)


def test_is_leaf_grad_fn_and_requires_grad_propagation():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    c = ag.tensor([3.0, 4.0])
    y = x * c
    assert x.is_leaf and x.grad_fn is None
    assert not y.is_leaf and y.requires_grad
    assert y.grad_fn.name() == "MulBackward" and repr(y.grad_fn) == "<MulBackward>"
    assert (x + c).grad_fn.name() == "AddBackward"
    assert x.exp().grad_fn.name() == "ExpBackward"
    constant = c * 2
    assert constant.is_leaf and not constant.requires_grad and constant.grad_fn is None
    with ag.no_grad():
        z = x * 2
    assert z.is_leaf and not z.requires_grad


# ----- methods --------------------------------------------------------------------------------

def test_detach_shares_data_and_leaves_the_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.numpy(), y.data)
    d.data[0] = 10.0
    assert y.data[0] == 10.0


def test_requires_grad_returns_the_tensor():
    t = ag.tensor([1.0, 2.0])
    assert t.requires_grad_() is t and t.requires_grad
    assert t.requires_grad_(False) is t and not t.requires_grad


def test_item_numpy_tolist():
    assert ag.tensor(2.5).item() == 2.5 and type(ag.tensor(2.5).item()) is float
    assert type(ag.tensor(3).item()) is int and type(ag.tensor([True]).item()) is bool
    assert ag.tensor([[4.0]]).item() == 4.0
    t = ag.tensor([1.0, 2.0])
    array = t.numpy()
    assert isinstance(array, np.ndarray) and np.shares_memory(array, t.data)
    array[0] = 5.0
    assert t.tolist() == [5.0, 2.0]
    assert ag.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert type(ag.tensor([1.5]).tolist()[0]) is float
    assert ag.tensor(2.0).tolist() == 2.0
    assert float(ag.tensor([2.5])) == 2.5 and int(ag.tensor(3.7)) == 3


def test_zero_in_place_returns_the_tensor():
    t = ag.tensor([1.0, 2.0])
    array = t.data
    assert t.zero_() is t
    assert t.tolist() == [0.0, 0.0] and t.data is array
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    x.grad.zero_()
    assert x.grad.tolist() == [0.0, 0.0]


# ----- comparisons ----------------------------------------------------------------------------

@pytest.mark.parametrize("compare, expected", [
    (lambda a, b: a < b, [True, False, False]), (lambda a, b: a <= b, [True, True, False]),
    (lambda a, b: a > b, [False, False, True]), (lambda a, b: a >= b, [False, True, True]),
    (lambda a, b: a == b, [False, True, False]), (lambda a, b: a != b, [True, False, True]),
])
def test_comparisons_give_bool_tensors_without_grad(compare, expected):
    a = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ag.tensor([2.0, 2.0, 2.0], requires_grad=True)
    for result in [compare(a, b), compare(a, 2.0), compare(a, np.array([2.0, 2.0, 2.0])),
                   compare(a, 2)]:
        assert isinstance(result, ag.Tensor)
        assert result.dtype is np.bool_
        assert not result.requires_grad and result.grad_fn is None
        assert result.tolist() == expected


def test_comparison_with_a_number_on_the_left():
    t = ag.tensor([1.0, 2.0, 3.0])
    assert (2 < t).tolist() == [False, False, True]
    assert (2 >= t).tolist() == [True, True, False]
    assert (2.0 == t).tolist() == [False, True, False]


def test_boolean_tensors_combine_and_mask():
    t = ag.tensor([-1.0, 0.5, 2.0])
    mask = (t > 0) & (t < 1)
    assert mask.tolist() == [False, True, False]
    assert ((t < 0) | (t > 1)).tolist() == [True, False, True]
    assert (~mask).tolist() == [True, False, True]
    assert t[t > 0].tolist() == [0.5, 2.0]


# ----- in-place updates ---------------------------------------------------------------------

def test_in_place_operators_under_no_grad_update_a_parameter():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    data = w.data
    with ag.no_grad():
        w += 1.0
        w -= ag.tensor([0.5, 0.5])
        w *= 2
        w /= 4
    assert w.data is data  # the same array, updated in place
    np.testing.assert_allclose(w.detach().numpy(), [0.75, 1.25])
    assert w.requires_grad and w.is_leaf and w.grad_fn is None


def test_in_place_methods_under_no_grad_with_alpha():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    grad = ag.tensor([0.5, -1.0])
    with ag.no_grad():
        assert w.sub_(grad, alpha=0.1) is w
        w.add_(grad, alpha=2)
        w.mul_(ag.tensor([2.0, 3.0]))
    np.testing.assert_allclose(w.detach().numpy(), [(1 - 0.05 + 1) * 2, (2 + 0.1 - 2) * 3],
                               rtol=1e-6)
    assert w.requires_grad and w.is_leaf


def test_in_place_on_a_plain_tensor_needs_no_no_grad():
    t = ag.tensor([1.0, 2.0])
    t += 1
    t *= ag.tensor([2.0, 3.0])
    t -= np.array([1.0, 1.0])
    t /= 2
    assert t.tolist() == [1.5, 4.0]


def test_in_place_on_a_non_leaf_is_recorded():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y += x * x   # y = 3x + x^2
    y *= 2       # y = 6x + 2x^2
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6 + 4 * 1.0, 6 + 4 * 2.0])


def test_in_place_keeps_the_tensors_dtype():
    plain = ag.tensor([1.0, 2.0])
    plain += ag.tensor([1.0, 2.0], dtype=ag.float64)
    assert plain.dtype is np.float32 and plain.tolist() == [2.0, 4.0]
    x0 = ag.tensor([1.0, 2.0], requires_grad=True)
    w = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    x = x0 * 1
    x += w * 3   # recorded: float32 stays float32
    assert x.dtype is np.float32 and x.tolist() == [4.0, 8.0]
    x.sum().backward()
    assert x0.grad.dtype is np.float32 and w.grad.dtype is np.float64
    assert x0.grad.tolist() == [1.0, 1.0] and w.grad.tolist() == [3.0, 3.0]


def test_gradient_descent_step_in_place():
    w = ag.tensor([3.0, -2.0], requires_grad=True)
    for _ in range(50):
        loss = (w * w).sum()
        loss.backward()
        with ag.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
    assert np.abs(w.detach().numpy()).max() < 1e-3


# ----- NumPy and Python numbers mixing in -----------------------------------------------------

def test_numpy_arrays_mix_in_on_either_side():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    results = [np.ones(3) + x, x + np.ones(3), np.full(3, 2.0) * x, x * np.full(3, 2.0),
               np.ones(3) - x, np.ones(3) / x, x ** np.full(3, 2.0)]
    for r in results:
        assert isinstance(r, ag.Tensor) and r.requires_grad and r.grad_fn is not None
    (np.ones(3) + x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 1.0])
    x.grad = None
    (np.array([1.0, 2.0, 3.0]) * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0, 3.0])
    x.grad = None
    (np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]) @ x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 0.0])


def test_python_numbers_mix_in_on_either_side():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = 2 * x + x * 3 - 1 + (1 - x) / 2 + x / 4 + 2 ** x + x ** 2
    y.sum().backward()
    expected = 2 + 3 - 0.5 + 0.25 + np.log(2) * 2 ** np.array([1.0, 2.0]) + 2 * np.array([1, 2])
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)
    assert y.dtype is np.float32


@pytest.mark.parametrize("call, derivative", [
    (np.exp, np.exp), (np.log, lambda v: 1 / v), (np.sqrt, lambda v: 0.5 / np.sqrt(v)),
    (np.sin, np.cos), (np.cos, lambda v: -np.sin(v)), (np.tanh, lambda v: 1 - np.tanh(v) ** 2),
    (np.negative, lambda v: -np.ones_like(v)), (np.square, lambda v: 2 * v),
    (np.abs, np.sign),
])
def test_numpy_ufuncs_on_tensors_return_tensors_with_gradients(call, derivative):
    values = np.array([0.5, 1.5, 2.0])
    x = ag.tensor(values, dtype=ag.float64, requires_grad=True)
    y = call(x)
    assert isinstance(y, ag.Tensor) and y.requires_grad
    np.testing.assert_allclose(y.detach().numpy(), call(values))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), derivative(values), rtol=1e-12)


def test_numpy_float_ufuncs_on_int_tensors_give_the_default_float_dtype():
    for call in [np.exp, np.log, np.sqrt, np.sin, np.cos, np.tanh]:
        y = call(ag.tensor([1, 2]))
        assert isinstance(y, ag.Tensor) and y.dtype is np.float32
        np.testing.assert_allclose(y.numpy(), call(np.array([1.0, 2.0])), rtol=1e-6)


def test_numpy_reductions_on_tensors_return_tensors_with_gradients():
    x = ag.tensor([[1.0, 2.0, 3.0], [4.0, 6.0, 5.0]], dtype=ag.float64, requires_grad=True)
    s = np.sum(x, axis=0)
    assert isinstance(s, ag.Tensor) and s.shape == (3,) and s.requires_grad
    np.testing.assert_array_equal(s.detach().numpy(), [5.0, 8.0, 8.0])
    (s * np.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 2, 3], [1, 2, 3]])
    x.grad = None
    m = np.mean(x, axis=1, keepdims=True)
    assert m.shape == (2, 1)
    m.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 1 / 3))
    x.grad = None
    np.max(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 0], [0, 1, 0]])


def test_numpy_reductions_keep_numpy_meaning_of_an_empty_axis_tuple():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert np.sum(x, axis=()).shape == (2, 2)  # NumPy: over no axis
    assert x.sum(()).shape == ()               # PyTorch: over every axis
    assert np.sum(x, axis=()).requires_grad


def test_numpy_shape_functions_on_tensors_keep_the_graph():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for y in [np.reshape(x, (3, 2)), np.transpose(x), np.expand_dims(x, 0), np.squeeze(x[None]),
              np.concatenate([x, x]), np.stack([x, x]), np.where(x.detach() > 2, x, 0.0),
              np.clip(x, 1.0, 4.0), np.maximum(x, 2.5), np.broadcast_to(x, (2, 2, 3))]:
        assert isinstance(y, ag.Tensor) and y.requires_grad
    np.concatenate([x, 2 * x], axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 3.0))


def test_numpy_scalars_do_not_promote_a_float32_tensor():
    x = ag.tensor([1.0, 2.0])
    for y in [x * np.float64(2.0), np.float64(2.0) * x, x + np.float32(1.0), x / np.int64(2)]:
        assert y.dtype is np.float32


def test_function_forms_take_tensors_and_array_likes():
    np.testing.assert_allclose(ag.exp(ag.tensor([0.0, 1.0])).numpy(), [1.0, np.e], rtol=1e-6)
    np.testing.assert_allclose(ag.sum(ag.tensor([[1.0, 2.0]]), dim=1).numpy(), [3.0])
    assert ag.relu([-1.0, 2.0]).tolist() == [0.0, 2.0]
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    ag.sum(ag.abs(ag.clamp(x, -1.0, 0.5))).backward()
    assert x.grad.tolist() == [0.0, -0.0]


def test_iterating_and_len():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert len(rows) == 2 and all(isinstance(r, ag.Tensor) for r in rows)
    (rows[0] * 2 + rows[1]).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 2.0], [1.0, 1.0]])


def test_shape_questions_from_numpy_work_on_tensors_that_require_grad():
    x = ag.ones(2, 3, requires_grad=True)
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.complex64])
@pytest.mark.parametrize(("dim", "keepdim"),
                         [(None, False), (0, False), (1, True), ((0, 2), False)])
def test_mean_is_numpys_mean_to_the_last_bit(dtype, dim, keepdim):
    data = np.random.default_rng(7).standard_normal((5, 6, 7)).astype(dtype)
    got = ag.tensor(data).mean(dim, keepdim).numpy()
    expected = np.mean(data, axis=dim, keepdims=keepdim)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_mean_of_an_empty_tensor_is_nan_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(ag.zeros(0).mean().item())


def test_swapaxes_is_transpose():
    data = np.arange(24.0).reshape(2, 3, 4)
    x = ag.tensor(data, requires_grad=True)
    y = x.swapaxes(0, -1)
    assert y.shape == (4, 3, 2)
    np.testing.assert_array_equal(y.detach().numpy(), np.swapaxes(data, 0, -1))
    weights = np.arange(24.0).reshape(4, 3, 2)
    (y * ag.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.swapaxes(weights, 0, -1))


def test_python_float_operands_keep_their_sign_and_value():
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    for _ in range(2):  # the second time the constants come from the operators' cache
        assert np.signbit((x * 0.0).detach().numpy()).tolist() == [False, True]
        assert np.signbit((x * -0.0).detach().numpy()).tolist() == [True, False]
        y = x * 0.25 + 0.5
        np.testing.assert_array_equal(y.detach().numpy(), [0.75, 0.0])
        assert np.isnan((x * float("nan")).detach().numpy()).all()
    (x.double() * 0.25).sum().backward()  # a cached float32 constant is not reused for float64
    np.testing.assert_array_equal(x.grad.numpy(), [0.25, 0.25])


def test_the_operators_constant_cache_stays_small():
    from autograd_lite.tensor import _constants
    x = ag.tensor([1.0])
    for i in range(3000):
        x * (1.0 + i)
    assert 0 < len(_constants) <= 1024
