"""The Tensor of tensor.py: its attributes; which tensors may require grad and what may be
assigned to requires_grad and grad; its methods; conversions to Python and NumPy values; its
operators; indexing; in-place updates (under no_grad, on non-leaves where they are recorded, and
where they are refused); and its printed form, PyTorch's to the character.

Where the claim is "as PyTorch does", the test compares with PyTorch, the reference. Creation is
in test_creation.py, dtypes in test_promotion.py, NumPy on Tensors in test_interop.py, the
values and gradients of each op in test_ops_parity.py and the errors of each op in
test_ops_errors.py."""

import re
import warnings

import numpy as np
import pytest
import torch
from error_messages import raises
from numpy.testing import assert_array_equal
from torch_reference import as_np, assert_same

import autograd_lite as ag

RNG = np.random.default_rng(20240613)


# ----- attributes -----------------------------------------------------------------------------

def test_shape_dtype_ndim_size_and_numel_describe_the_tensor():
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


# ----- requires_grad and grad -----------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: ag.tensor([1, 2], requires_grad=True),
    lambda: ag.tensor([1, 2]).requires_grad_(),
    lambda: ag.zeros(2, dtype=ag.int64, requires_grad=True),
    lambda: ag.tensor([True], requires_grad=True),
    lambda: ag.arange(3, requires_grad=True),
])
def test_only_floating_tensors_can_require_grad(make):
    with raises(RuntimeError, "floating point", "require gradients"):
        make()


@pytest.mark.parametrize("make, value, message", [
    (lambda: ag.tensor([1, 2]), True, "Only Tensors of floating point dtype can require gradients"),
    (lambda: ag.tensor([1.0, 2.0], requires_grad=True) * 2, False,
     "you can only change requires_grad flags of leaf variables"),
])
def test_assigning_requires_grad_is_checked(make, value, message):
    with raises(RuntimeError, message):
        make().requires_grad = value


def test_assigning_a_gradient_of_the_wrong_shape_raises():
    with raises(RuntimeError, "assigned grad has data of a different size", "(3,)", "(2,)"):
        ag.ones(2, requires_grad=True).grad = ag.ones(3)


@pytest.mark.parametrize("value, error, message", [
    (lambda: ag.ones(2, dtype=ag.float64), RuntimeError,
     "assigned grad has dtype float64 but the tensor has dtype float32"),
    (lambda: [1.0, 2.0], TypeError,
     "assigned grad expected to be a Tensor or None but got grad of type list"),
])
def test_assigning_a_gradient_of_another_dtype_or_type_raises(value, error, message):
    x = ag.ones(2, requires_grad=True)
    with raises(error, message):
        x.grad = value()
    x.grad = ag.ones(2)
    assert_array_equal(np.asarray(x.grad.detach()), [1.0, 1.0])
    x.grad = None
    assert x.grad is None


# ----- methods --------------------------------------------------------------------------------

def test_detach_shares_data_and_leaves_the_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.numpy(), y.array)
    d.array[0] = 10.0
    assert y.array[0] == 10.0


def test_detach_of_a_result_cuts_the_graph_and_of_a_leaf_shares_its_data():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    y = x.detach()
    y.array[0] = 7.0
    assert x.array[0] == 7.0


def test_where_method_matches_torch():
    x = RNG.standard_normal(4).astype(np.float32)
    assert_same(ag.tensor(x).where(ag.tensor(x > 0), 0.0),
                torch.tensor(x).where(torch.tensor(x > 0), 0.0))


def test_tensor_where_method_passes_the_gradient():
    grads = []
    for lib in (torch, ag):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        x.where(x > 0, x * 10).sum().backward()
        grads.append(as_np(x.grad))
    assert_array_equal(grads[1], grads[0])


def test_requires_grad_returns_the_tensor():
    t = ag.tensor([1.0, 2.0])
    assert t.requires_grad_() is t and t.requires_grad
    assert t.requires_grad_(False) is t and not t.requires_grad


def test_item_numpy_and_tolist_give_python_and_numpy_values():
    assert ag.tensor(2.5).item() == 2.5 and type(ag.tensor(2.5).item()) is float
    assert type(ag.tensor(3).item()) is int and type(ag.tensor([True]).item()) is bool
    assert ag.tensor([[4.0]]).item() == 4.0
    t = ag.tensor([1.0, 2.0])
    array = t.numpy()
    assert isinstance(array, np.ndarray) and np.shares_memory(array, t.array)
    array[0] = 5.0
    assert t.tolist() == [5.0, 2.0]
    assert ag.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert type(ag.tensor([1.5]).tolist()[0]) is float
    assert ag.tensor(2.0).tolist() == 2.0
    assert float(ag.tensor([2.5])) == 2.5 and int(ag.tensor(3.7)) == 3


def test_zero_in_place_returns_the_tensor():
    t = ag.tensor([1.0, 2.0])
    array = t.array
    assert t.zero_() is t
    assert t.tolist() == [0.0, 0.0] and t.array is array
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    x.grad.zero_()
    assert x.grad.tolist() == [0.0, 0.0]


def test_swapaxes_is_transpose():
    data = np.arange(24.0).reshape(2, 3, 4)
    x = ag.tensor(data, requires_grad=True)
    y = x.swapaxes(0, -1)
    assert y.shape == (4, 3, 2)
    np.testing.assert_array_equal(y.detach().numpy(), np.swapaxes(data, 0, -1))
    weights = np.arange(24.0).reshape(4, 3, 2)
    (y * ag.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.swapaxes(weights, 0, -1))


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


def test_function_forms_take_tensors_and_array_likes():
    np.testing.assert_allclose(ag.exp(ag.tensor([0.0, 1.0])).numpy(), [1.0, np.e], rtol=1e-6)
    np.testing.assert_allclose(ag.sum(ag.tensor([[1.0, 2.0]]), dim=1).numpy(), [3.0])
    assert ag.relu([-1.0, 2.0]).tolist() == [0.0, 2.0]
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    ag.sum(ag.abs(ag.clamp(x, -1.0, 0.5))).backward()
    assert x.grad.tolist() == [0.0, -0.0]


def test_iterating_gives_the_rows_and_len_counts_them():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert len(rows) == 2 and all(isinstance(r, ag.Tensor) for r in rows)
    (rows[0] * 2 + rows[1]).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 2.0], [1.0, 1.0]])


# ----- conversions ----------------------------------------------------------------------------

def test_item_needs_a_single_element():
    with raises(RuntimeError, "2 elements", "item()"):
        ag.ones(2).item()


def test_float_and_int_need_a_single_element():
    with raises(ValueError, "only one element", "float()", "(2,)"):
        float(ag.ones(2))
    with raises(ValueError, "only one element", "int()", "(1, 2)"):
        int(ag.ones(1, 2))


def test_bool_of_several_elements_is_ambiguous():
    with raises(RuntimeError, "ambiguous", "(2,)"):
        bool(ag.ones(2))
    with raises(RuntimeError, "ambiguous"):
        if ag.ones(2) > 0:
            pass


def test_numpy_of_a_tensor_that_requires_grad_says_to_detach():
    with raises(RuntimeError, "numpy()", "requires grad", "detach()"):
        ag.ones(2, requires_grad=True).numpy()


# ----- operators ------------------------------------------------------------------------------

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


def test_python_numbers_mix_in_on_either_side():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = 2 * x + x * 3 - 1 + (1 - x) / 2 + x / 4 + 2 ** x + x ** 2
    y.sum().backward()
    expected = 2 + 3 - 0.5 + 0.25 + np.log(2) * 2 ** np.array([1.0, 2.0]) + 2 * np.array([1, 2])
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)
    assert y.dtype is np.float32


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


# ----- indexing -------------------------------------------------------------------------------

def test_an_index_out_of_range_names_the_shape_and_the_index():
    with raises(IndexError, "(3,)[3]", "out of bounds"):
        ag.ones(3)[3]
    with raises(IndexError, "(2, 3)[0, -4]", "out of bounds"):
        ag.ones(2, 3)[0, -4]
    with raises(IndexError, "(3,)", "array of shape (2,)", "index 5"):
        ag.ones(3)[ag.tensor([0, 5])]
    with raises(IndexError, "(3,)[0, 0]", "too many indices"):
        ag.ones(3)[0, 0]


def test_a_negative_slice_step_says_how_to_reverse():
    with raises(ValueError, "(2, 3)[1, ::-1]", "step must be greater than zero", "got -1",
                "ag.arange(n - 1, -1, -1)"):
        ag.ones(2, 3)[1, ::-1]


def test_negative_slice_step_raises_value_error():
    with raises(ValueError, "(4,)[::-1]", "step must be greater than zero", "ag.arange(n - 1"):
        ag.arange(4.0)[::-1]


@pytest.mark.parametrize("index", [slice(None, None, 0), (0, slice(None, None, -2))])
def test_zero_and_negative_steps_raise_value_error(index):
    with pytest.raises(ValueError, match="step must be greater than zero"):
        ag.zeros(3, 4)[index]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        ag.zeros(3, 4)[index] = 1.0


# ----- in-place updates -----------------------------------------------------------------------

def test_in_place_operators_under_no_grad_update_a_parameter():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    data = w.array
    with ag.no_grad():
        w += 1.0
        w -= ag.tensor([0.5, 0.5])
        w *= 2
        w /= 4
    assert w.array is data  # the same array, updated in place
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


def test_an_int_tensor_takes_no_floats_in_place():
    t = ag.tensor([1, 2])
    with raises(RuntimeError, "add_", "int64"):
        t += 1.5
    with raises(RuntimeError, "mul_", "float32", "int64"):
        t *= ag.tensor([0.5, 1.0], requires_grad=True)
    with raises(RuntimeError, "div_", "int64"):
        t /= 2
    assert t.tolist() == [1, 2]


@pytest.mark.parametrize("update", [
    lambda x: x.__iadd__(1), lambda x: x.__isub__(1), lambda x: x.__imul__(2),
    lambda x: x.__itruediv__(2), lambda x: x.add_(1), lambda x: x.sub_(1), lambda x: x.mul_(2),
], ids=["+=", "-=", "*=", "/=", "add_", "sub_", "mul_"])
def test_in_place_on_a_leaf_that_requires_grad_is_refused_and_leaves_it(update):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with raises(RuntimeError, "leaf Variable that requires grad", "in-place", "no_grad"):
        update(x)
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0])  # untouched


@pytest.mark.parametrize("overwrite", [lambda x: x.zero_(), lambda x: x.fill_(3.0),
                                       lambda x: x.__setitem__(0, 5.0)],
                         ids=["zero_", "fill_", "setitem"])
def test_overwriting_a_leaf_that_requires_grad_is_refused(overwrite):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with raises(RuntimeError, "requires grad", "no_grad"):
        overwrite(x)


def test_zero_of_a_non_leaf_is_recorded():
    grads = []
    for lib in (torch, ag):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.zero_()
        (y + x).sum().backward()
        grads.append(as_np(x.grad))
    assert_array_equal(grads[1], grads[0])


@pytest.mark.parametrize("fill", [lambda lib, y: y.zero_(), lambda lib, y: y.fill_(3.0),
                                  lambda lib, y: y.copy_(lib.tensor([4.0, 5.0, 6.0]))])
def test_a_filled_non_leaf_passes_a_zero_gradient(fill):
    for lib in (torch, ag):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        fill(lib, y)
        assert y.requires_grad and y.grad_fn is not None
        y.sum().backward()
        assert_array_equal(as_np(x.grad), [0.0, 0.0, 0.0])  # zeros, not None


@pytest.mark.parametrize("target", [
    lambda lib: lib.tensor([1.0, 2.0, 3.0], requires_grad=True) * 2,  # a non-leaf
    lambda lib: lib.zeros(3),                                          # a plain leaf
    lambda lib: lib.zeros(3, dtype=lib.float64),                       # another dtype
])
def test_copy_from_a_tensor_that_requires_grad_passes_the_gradient_to_it(target):
    results = []
    for lib in (torch, ag):
        src = lib.tensor([5.0], requires_grad=True)  # broadcast over the target
        y = target(lib)
        y.copy_(src * 1)
        assert y.requires_grad and not y.is_leaf
        (y * lib.tensor([1.0, 2.0, 3.0], dtype=y.dtype)).sum().backward()
        results.append((y, src.grad))
    assert_same(results[1][0], results[0][0])
    assert_same(results[1][1], results[0][1])


# ----- the printed form: PyTorch's ------------------------------------------------------------

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



def test_data_is_a_detached_tensor_sharing_memory_as_in_pytorch():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    assert isinstance(w.data, ag.Tensor) and not w.data.requires_grad and w.data.grad_fn is None
    w.data -= 0.5 * w.grad.data  # the classic hand-written SGD step, without recording
    np.testing.assert_array_equal(w.array, [0.0, 0.0])
    assert w.requires_grad and w.is_leaf
    assert np.shares_memory(w.data.array, w.array)


def test_assigning_data_replaces_the_values_and_keeps_the_flags():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    w.data = ag.tensor([5.0, 6.0, 7.0])
    assert w.shape == (3,) and w.requires_grad
    np.testing.assert_array_equal(w.array, [5.0, 6.0, 7.0])
