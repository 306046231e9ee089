"""An audit of API.md against PyTorch 2.13: each test pins down one place where autograd_lite
differed from PyTorch (values, dtypes, shapes, gradients or the exception raised), and
now agrees with it.
"""

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF
from numpy.testing import assert_allclose, assert_array_equal

import autograd_lite as ag
import nn
from nn.data import DataLoader

RNG = np.random.default_rng(20240613)


def as_np(t):
    """The values of an autograd_lite or torch tensor as an ndarray."""
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach().data


def torch_dtype_name(t):
    return str(t.dtype).removeprefix("torch.")


def assert_same(ours, theirs, rtol=1e-6, atol=1e-7):
    """Equal values, shapes and dtypes (dtype compared by name: float32, int64, bool, ...)."""
    assert np.dtype(ours.dtype).name == torch_dtype_name(theirs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert_allclose(as_np(ours), as_np(theirs), rtol=rtol, atol=atol)


# ----- where ------------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [(1.0, 0.0), (1, 0.5), (2.5, True), (1, 0), (True, False)])
def test_where_of_two_python_numbers_has_torchs_dtype(a, b):
    cond = np.array([True, False, True])
    ours = ag.where(ag.tensor(cond), a, b)
    theirs = torch.where(torch.tensor(cond), a, b)
    assert_same(ours, theirs)


def test_where_of_two_python_floats_follows_the_default_dtype():
    cond = np.array([True, False])
    ag.set_default_dtype(ag.float64)
    torch.set_default_dtype(torch.float64)
    try:
        assert_same(ag.where(ag.tensor(cond), 1.0, 0.0), torch.where(torch.tensor(cond), 1.0, 0.0))
    finally:
        ag.set_default_dtype(ag.float32)
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("values", [
    [[True, False], [False, True]], [0.0, 2.0, -1.0], True, [[0, 0], [0, 0]], [[[1, 0, 2]]],
])
def test_where_with_only_a_condition_gives_the_nonzero_indices(values):
    ours = ag.where(ag.tensor(values))
    theirs = torch.where(torch.tensor(values))
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert_same(o, t)


# ----- cat and pad ------------------------------------------------------------------------------

@pytest.mark.parametrize("make, dim", [
    (lambda lib: [lib.ones(2, 3), lib.zeros(0)], 0),
    (lambda lib: [lib.zeros(0), lib.ones(2, 3)], 1),
    (lambda lib: [lib.ones(2, 3), lib.zeros(0, dtype=lib.float64)], -1),
    (lambda lib: [lib.zeros(0), lib.zeros(0)], 0),
    (lambda lib: [lib.ones(3), lib.zeros(0)], 0),
])
def test_cat_skips_one_dimensional_empty_tensors(make, dim):
    ours, theirs = make(ag), make(torch)
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
def test_pad_with_negative_widths_crops(widths, dtype):
    x = RNG.standard_normal((3, 4)).astype(dtype)
    ours, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ag.pad(ours, widths, value=1.5), TF.pad(theirs, widths, value=1.5)
    assert_same(out, expected)
    g = RNG.standard_normal(tuple(expected.shape)).astype(dtype)
    out.backward(ag.tensor(g))
    expected.backward(torch.tensor(g))
    assert_same(ours.grad, theirs.grad)


@pytest.mark.parametrize("widths", [(-5, 0), (-2, -3), (0, 0, -4, 0)])
def test_pad_cropping_more_than_the_input_raises(widths):
    with pytest.raises(RuntimeError, match="pad"):
        ag.pad(ag.ones(3, 4), widths)
    with pytest.raises(RuntimeError):
        TF.pad(torch.ones(3, 4), widths)


# ----- creation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{"end": 4}, {"start": 1, "end": 4}, {"end": 2.5},
                                    {"start": 3, "end": 0, "step": -1}])
def test_arange_by_keyword(kwargs):
    assert_same(ag.arange(**kwargs), torch.arange(**kwargs))


@pytest.mark.parametrize("args", [(0, 5, -1), (5, 0), (0.0, 1.0, -0.5), (3, 1, 1)])
def test_arange_with_a_step_of_the_wrong_sign_raises(args):
    with pytest.raises(RuntimeError, match="arange"):
        ag.arange(*args)
    with pytest.raises(RuntimeError):
        torch.arange(*args)


def test_randint_with_high_and_size_only():
    out = ag.randint(5, (200,), generator=np.random.default_rng(0))
    assert out.shape == tuple(torch.randint(5, (200,)).shape)
    assert out.dtype is ag.int64
    assert out.data.min() >= 0 and out.data.max() < 5


def test_randint_with_an_empty_range_raises():
    with pytest.raises(RuntimeError, match="randint"):
        ag.randint(5, 5, (2,))
    with pytest.raises(RuntimeError):
        torch.randint(5, 5, (2,))


@pytest.mark.parametrize("name", ["zeros", "ones", "randn", "rand"])
def test_creation_without_a_size_raises_type_error(name):
    with pytest.raises(TypeError, match=name):
        getattr(ag, name)()
    with pytest.raises(TypeError):
        getattr(torch, name)()
    assert getattr(ag, name)(()).shape == tuple(getattr(torch, name)(()).shape) == ()


@pytest.mark.parametrize("make", [
    lambda lib: lib.zeros(-1), lambda lib: lib.ones(2, -1), lambda lib: lib.full((-1,), 1.0),
    lambda lib: lib.randn(-1), lambda lib: lib.rand(3, -2), lambda lib: lib.eye(-1),
    lambda lib: lib.eye(2, -1), lambda lib: lib.linspace(0, 1, -1),
    lambda lib: lib.randint(0, 5, (-1,)),
])
def test_creation_with_a_negative_size_raises_runtime_error(make):
    with pytest.raises(RuntimeError):
        make(ag)
    with pytest.raises(RuntimeError):
        make(torch)


@pytest.mark.parametrize("name", ["randn_like", "rand_like"])
def test_random_like_of_a_zero_dimensional_tensor(name):
    out = getattr(ag, name)(ag.tensor(2.0, dtype=ag.float64))
    expected = getattr(torch, name)(torch.tensor(2.0, dtype=torch.float64))
    assert out.shape == tuple(expected.shape) == () and out.dtype is ag.float64


# ----- functional transforms --------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.func's use of torch.jit
@pytest.mark.parametrize("argnums", [(0, 1), (1, 0), [1]])
def test_hessian_with_several_argnums_gives_the_blocks(argnums):
    def f(a, b):
        return (a * b * b).sum() + (a ** 3).sum() * b.sum()

    a, b = RNG.standard_normal(3), RNG.standard_normal(3)
    ours = ag.hessian(f, argnums=argnums)(ag.tensor(a), ag.tensor(b))
    theirs = torch.func.hessian(f, argnums=tuple(argnums))(torch.tensor(a), torch.tensor(b))
    assert len(ours) == len(theirs)
    for row, expected_row in zip(ours, theirs):
        assert len(row) == len(expected_row)
        for block, expected in zip(row, expected_row):
            assert_same(block, expected, rtol=1e-12, atol=1e-12)


# ----- nn layers --------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda lib: lib.ReLU(inplace=True), lambda lib: lib.ReLU(True), lambda lib: lib.ReLU(),
    lambda lib: lib.LeakyReLU(0.2, inplace=True), lambda lib: lib.LeakyReLU(0.2, True),
    lambda lib: lib.LeakyReLU(negative_slope=0.1),
])
def test_activations_take_inplace_and_print_it(make):
    ours, theirs = make(nn), make(tnn)
    assert repr(ours) == repr(theirs)
    assert ours.inplace == theirs.inplace
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    assert_same(ours(ag.tensor(x)), theirs(torch.tensor(x)))


def _stack(lib):
    return lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 1))


@pytest.mark.parametrize("edit", [
    lambda lib, s: s.insert(1, lib.Tanh()),
    lambda lib, s: s.insert(-1, lib.Tanh()),
    lambda lib, s: s.insert(3, lib.Tanh()),
    lambda lib, s: s.extend([lib.Tanh(), lib.Sigmoid()]),
    lambda lib, s: s.extend(_stack(lib)),
    lambda lib, s: s.__delitem__(1),
    lambda lib, s: s.__delitem__(-1),
    lambda lib, s: s.__delitem__(slice(0, 2)),
    lambda lib, s: s.pop(0),
])
def test_sequential_editing_as_in_torch(edit):
    ours, theirs = _stack(nn), _stack(tnn)
    result, expected = edit(nn, ours), edit(tnn, theirs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert type(result).__name__ == type(expected).__name__
    if isinstance(expected, tnn.Module):
        assert repr(result) == repr(expected)


def test_sequential_insert_out_of_range_raises_index_error():
    with pytest.raises(IndexError):
        _stack(nn).insert(4, nn.Tanh())
    with pytest.raises(IndexError):
        _stack(tnn).insert(4, tnn.Tanh())


# ----- nn.data ----------------------------------------------------------------------------------

class _Floats:
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return float(i) / 2, (i, float(i))


def test_dataloader_collates_python_floats_as_float64():
    ours = next(iter(DataLoader(_Floats(), batch_size=3)))
    theirs = next(iter(torch.utils.data.DataLoader(_Floats(), batch_size=3)))
    assert_same(ours[0], theirs[0])
    assert_same(ours[1][0], theirs[1][0])
    assert_same(ours[1][1], theirs[1][1])


# ----- discrepancies fixed after the audit ------------------------------------------------------

def test_tensor_where_method():
    x = RNG.standard_normal(4).astype(np.float32)
    assert_same(ag.tensor(x).where(ag.tensor(x > 0), 0.0),
                torch.tensor(x).where(torch.tensor(x > 0), 0.0))


def test_permute_with_the_dims_keyword():
    x = RNG.standard_normal((2, 3, 4))
    assert_same(ag.tensor(x).permute(dims=(2, 0, 1)), torch.tensor(x).permute(dims=(2, 0, 1)))


@pytest.mark.parametrize("shape, start, end", [((0, 3), 1, -1), ((0, 3, 2), 1, 2),
                                               ((2, 0, 3), 0, 0)])
def test_flatten_of_an_empty_tensor(shape, start, end):
    assert ag.zeros(shape).flatten(start, end).shape == \
        tuple(torch.zeros(shape).flatten(start, end).shape)


@pytest.mark.parametrize("op", [lambda t: t.flatten(1), lambda t: t.transpose(0, 2)])
def test_dims_of_a_zero_dimensional_tensor_are_checked(op):
    with pytest.raises(IndexError):
        op(torch.tensor(1.0))
    with pytest.raises(IndexError):
        op(ag.tensor(1.0))


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_keepdim_without_a_dim(op):
    x = RNG.standard_normal((2, 3))
    assert_same(getattr(ag.tensor(x), op)(keepdim=True), getattr(torch.tensor(x), op)(keepdim=True))


@pytest.mark.parametrize("dim", [None, 0])
def test_argmax_of_an_empty_tensor_raises_index_error(dim):
    with pytest.raises(IndexError):
        torch.zeros(0, 3).argmax(dim)
    with pytest.raises(IndexError):
        ag.zeros(0, 3).argmax(dim)


def test_argmax_of_a_bool_tensor_raises():
    with pytest.raises(RuntimeError):
        torch.tensor([True, False]).argmax()
    with pytest.raises(RuntimeError):
        ag.tensor([True, False]).argmax()


@pytest.mark.parametrize("values, kwargs", [([1.5], {"unbiased": False}),
                                            ([2.0, 2.0, 2.0], {}),
                                            ([[1.0, 1.0], [0.0, 3.0]], {"dim": 1})])
def test_std_gradient_where_the_std_is_zero(values, kwargs):
    ours = ag.tensor(values, dtype=ag.float64, requires_grad=True)
    theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    ours.std(**kwargs).sum().backward()
    theirs.std(**kwargs).sum().backward()
    assert_same(ours.grad, theirs.grad)


def test_zero_of_a_non_leaf_is_recorded():
    grads = []
    for lib in (torch, ag):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.zero_()
        (y + x).sum().backward()
        grads.append(as_np(x.grad))
    assert_array_equal(grads[1], grads[0])


def test_retained_gradient_is_the_one_after_every_hook():
    results = []
    for lib in (torch, ag):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
        (y * y).sum().backward()
        results.append((as_np(y.grad), as_np(x.grad)))
    assert_array_equal(results[1][0], results[0][0])
    assert_array_equal(results[1][1], results[0][1])


def test_bool_tensor_to_an_int_power():
    assert_same(ag.tensor([True, False]) ** 2, torch.tensor([True, False]) ** 2)


@pytest.mark.parametrize("op", [lambda a, b: a - b, lambda a, b: b - a, lambda a, b: -a,
                                lambda a, b: a - True])
def test_bool_subtraction_and_negation_raise_runtime_error(op):
    with pytest.raises(RuntimeError):
        op(torch.tensor([True, False]), torch.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError):
        op(ag.tensor([True, False]), ag.tensor([1.0, 2.0]))


def test_integer_tensor_to_negative_integer_tensor_powers():
    base, exponent = np.array([2, 1, -1, -1, 3]), np.array([-1, -3, -2, -3, 2])
    assert_same(ag.tensor(base) ** ag.tensor(exponent),
                torch.tensor(base) ** torch.tensor(exponent))


def test_negative_slice_step_raises_value_error():
    with pytest.raises(ValueError):
        torch.arange(4.0)[::-1]
    with pytest.raises(ValueError):
        ag.arange(4.0)[::-1]


@pytest.mark.parametrize("op", [lambda a, b: a & b, lambda a, b: a | b])
def test_bitwise_and_or_of_integer_tensors(op):
    a, b = [1, 2, 6], [3, 1, 4]
    assert_same(op(ag.tensor(a), ag.tensor(b)), op(torch.tensor(a), torch.tensor(b)))


@pytest.mark.filterwarnings("ignore:.*reduction.*'mean'")  # kl_div's default, both libraries
@pytest.mark.parametrize("loss", ["l1_loss", "mse_loss", "binary_cross_entropy_with_logits",
                                  "kl_div"])
def test_regression_losses_promote_mixed_float_dtypes(loss):
    x = RNG.random((4, 3)).astype(np.float32)
    y = RNG.random((4, 3))
    ours = getattr(nn.functional, loss)(ag.tensor(x), ag.tensor(y))
    theirs = getattr(TF, loss)(torch.tensor(x), torch.tensor(y))
    assert_same(ours, theirs, rtol=1e-6)


def test_bce_of_an_input_outside_zero_one_raises_runtime_error():
    with pytest.raises(RuntimeError):
        TF.binary_cross_entropy(torch.tensor([0.5]), torch.tensor([1.0], dtype=torch.float64))
    with pytest.raises(RuntimeError, match="dtype"):
        nn.functional.binary_cross_entropy(ag.tensor([0.5]), ag.tensor([1.0], dtype=ag.float64))
    with pytest.raises(RuntimeError):
        TF.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0]))
    with pytest.raises(RuntimeError):
        nn.functional.binary_cross_entropy(ag.tensor([1.5]), ag.tensor([1.0]))


@pytest.mark.parametrize("call", [
    lambda F, x: F.relu(x, inplace=False), lambda F, x: F.leaky_relu(x, 0.2, inplace=False),
    lambda F, x: F.dropout(x, 0.5, False, inplace=False),
])
def test_functional_activations_take_inplace(call):
    x = RNG.standard_normal(5).astype(np.float32)
    assert_same(call(nn.functional, ag.tensor(x)), call(TF, torch.tensor(x)))


# ----- around those fixes: neighbouring cases, compared with PyTorch the same way ---------------

def test_tensor_where_method_passes_the_gradient():
    grads = []
    for lib in (torch, ag):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        x.where(x > 0, x * 10).sum().backward()
        grads.append(as_np(x.grad))
    assert_array_equal(grads[1], grads[0])


def test_permute_with_dims_twice_raises_type_error():
    with pytest.raises(TypeError):
        torch.zeros(2, 3).permute(1, 0, dims=(1, 0))
    with pytest.raises(TypeError, match="permute"):
        ag.zeros(2, 3).permute(1, 0, dims=(1, 0))


@pytest.mark.parametrize("op", [lambda t: t.flatten(), lambda t: t.flatten(-1, 0),
                                lambda t: t.transpose(0, -1), lambda t: t.argmax(0, True),
                                lambda t: t.argmin(keepdim=True)])
def test_valid_dims_of_a_zero_dimensional_tensor(op):
    assert_same(op(ag.tensor(2.0)), op(torch.tensor(2.0)))


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax_along_a_non_empty_dim_of_an_empty_tensor(op, keepdim):
    assert_same(getattr(ag.zeros(0, 3), op)(1, keepdim), getattr(torch.zeros(0, 3), op)(1, keepdim))


@pytest.mark.filterwarnings("ignore:std.*degrees of freedom")  # torch, for the nan cases
@pytest.mark.parametrize("values, kwargs", [
    ([1.5], {}),                                          # n - 1 = 0: nan, as in PyTorch
    ([[1.0, 1.0], [0.0, 3.0]], {"dim": 1, "correction": 2}),
    ([[1.0, 2.0], [0.0, 3.0]], {"dim": (0, 1), "keepdim": True}),
    ([[1.0, 2.0, 4.0], [5.0, 5.0, 5.0]], {"dim": -1, "unbiased": False}),
])
def test_std_values_and_gradients_at_the_edges(values, kwargs):
    ours = ag.tensor(values, dtype=ag.float64, requires_grad=True)
    theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    assert_same(ours.std(**kwargs), theirs.std(**kwargs))
    ours.std(**kwargs).sum().backward()
    theirs.std(**kwargs).sum().backward()
    assert_same(ours.grad, theirs.grad)


@pytest.mark.parametrize("values", [[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
def test_std_second_derivative(values):
    weights = [1.0, 2.0, 3.0]
    hessian_rows = []
    for lib, grad in ((torch, torch.autograd.grad), (ag, ag.autograd.grad)):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        (g,) = grad(x.std(), x, create_graph=True)
        (h,) = grad((g * lib.tensor(weights, dtype=lib.float64)).sum(), x)
        hessian_rows.append(as_np(h))
    assert_allclose(hessian_rows[1], hessian_rows[0], rtol=1e-12, atol=1e-15)


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


def test_filling_an_output_that_was_saved_then_backward_raises():
    for lib in (torch, ag):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()  # exp saves its output
        y.zero_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


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


def test_retained_gradient_is_the_one_after_hooks_on_either_side():
    results = []
    for lib in (torch, ag):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: g + 1)
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
        (y * y).sum().backward()
        results.append((as_np(y.grad), as_np(x.grad)))
    assert_array_equal(results[1][0], results[0][0])
    assert_array_equal(results[1][1], results[0][1])


@pytest.mark.parametrize("op", [lambda a: a + 2, lambda a: a * 2, lambda a: a + True,
                                lambda a: a / 2, lambda a: 2 ** a, lambda a: a ** 3,
                                lambda a: a * 1.5])
def test_bool_tensor_arithmetic_dtypes(op):
    values = [True, False]
    assert_same(op(ag.tensor(values)), op(torch.tensor(values)))


@pytest.mark.parametrize("op", [lambda a, b: a - b, lambda a, b: b - a, lambda a, b: a.sub_(b),
                                lambda a, b: b - b])
def test_subtracting_a_bool_tensor_raises(op):
    with pytest.raises(RuntimeError, match="bool"):
        op(ag.tensor([1.0, 2.0]), ag.tensor([True, False]))
    with pytest.raises(RuntimeError):
        op(torch.tensor([1.0, 2.0]), torch.tensor([True, False]))


def test_subtracting_a_bool_array_raises():
    with pytest.raises(RuntimeError, match="bool"):
        ag.tensor([1.0, 2.0]) - np.array([True, False])


@pytest.mark.parametrize("base, exponent", [
    ([0, 0, 5], [-1, -2, 0]),          # 0 to a negative power: 0, as PyTorch's integer division
    (2, [-1, 1, 3]),                   # a number base
    ([3, -1, 1], -1),                  # a 0-d exponent tensor
    (np.array([2, 3], np.int32), [-1, 2]),
])
def test_more_integer_powers_with_a_tensor_exponent(base, exponent):
    ours_base = ag.tensor(base) if isinstance(base, (list, np.ndarray)) else base
    theirs_base = torch.tensor(base) if isinstance(base, (list, np.ndarray)) else base
    assert_same(ours_base ** ag.tensor(exponent), theirs_base ** torch.tensor(exponent))


def test_integer_to_a_negative_number_power_still_raises():
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]) ** -1
    with pytest.raises(RuntimeError, match="negative integer powers"):
        ag.tensor([1, 2]) ** -1


@pytest.mark.parametrize("index", [slice(None, None, 0), (0, slice(None, None, -2))])
def test_zero_and_negative_steps_raise_value_error(index):
    with pytest.raises(ValueError):
        torch.zeros(3, 4)[index]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        ag.zeros(3, 4)[index]
    with pytest.raises(ValueError):
        ag.zeros(3, 4)[index] = 1.0


@pytest.mark.parametrize("a, b", [
    ([True, False, True], [True, True, False]),               # bool: logical, stays bool
    ([True, False, True], [3, 2, 1]),                          # bool with int: int64
    (np.array([1, 2, 6], np.int32), 3),                        # int32 with a number: int32
    (np.array([1, 2, 6], np.int32), np.array(3)),             # a 0-d int64 does not widen
    (np.array([1, 2, 6], np.uint8), np.array([3, 1, 4], np.int16)),
])
@pytest.mark.parametrize("op", [lambda a, b: a & b, lambda a, b: a | b, lambda a, b: b & a])
def test_bitwise_and_or_dtypes(op, a, b):
    def as_lib(lib, v):
        return lib.tensor(v) if isinstance(v, (list, np.ndarray)) else v
    assert_same(op(as_lib(ag, a), as_lib(ag, b)), op(as_lib(torch, a), as_lib(torch, b)))


@pytest.mark.parametrize("op", [lambda a, b: a & b, lambda a, b: a | b])
def test_bitwise_and_or_of_float_tensors_raise(op):
    with pytest.raises(NotImplementedError):
        op(torch.tensor([1.0]), torch.tensor([True]))
    with pytest.raises(NotImplementedError, match="float32"):
        op(ag.tensor([1.0]), ag.tensor([True]))


@pytest.mark.parametrize("call", [
    lambda F, x: F.relu(x, inplace=True), lambda F, x: F.leaky_relu(x, 0.2, True),
    lambda F, x: F.dropout(x, 0.5, False, True),
])
def test_functional_activations_take_inplace_positionally(call):
    x = RNG.standard_normal(5).astype(np.float32)
    assert_same(call(nn.functional, ag.tensor(x)), call(TF, torch.tensor(x)))


# ----- assigning requires_grad and grad is checked ----------------------------------------------

@pytest.mark.parametrize("make, value", [
    (lambda lib: lib.tensor([1, 2]), True),
    (lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) * 2, False),
])
def test_assigning_requires_grad_is_checked(make, value):
    with pytest.raises(RuntimeError):
        make(torch).requires_grad = value
    with pytest.raises(RuntimeError):
        make(ag).requires_grad = value


def test_assigning_a_gradient_of_the_wrong_shape_raises():
    with pytest.raises(RuntimeError):
        torch.ones(2, requires_grad=True).grad = torch.ones(3)
    with pytest.raises(RuntimeError):
        ag.ones(2, requires_grad=True).grad = ag.ones(3)


@pytest.mark.parametrize("value, error", [
    (lambda lib: lib.ones(2, dtype=lib.float64), RuntimeError),
    (lambda lib: [1.0, 2.0], TypeError),
])
def test_assigning_a_gradient_of_another_dtype_or_type_raises(value, error):
    for lib in (torch, ag):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(error):
            x.grad = value(lib)
        x.grad = lib.ones(2)
        assert_array_equal(np.asarray(x.grad.detach()), [1.0, 1.0])
        x.grad = None
        assert x.grad is None


def test_seeds_as_pytorch_takes_them():
    torch.manual_seed(-1)
    first = ag.manual_seed(-1).random()
    assert ag.manual_seed(-1).random() == first  # negative seeds work and reproduce
    assert ag.manual_seed(2**64 - 1).random() == first  # -1 is 2**64 - 1
    with pytest.raises(ValueError):
        torch.manual_seed(2**64)
    with pytest.raises(ValueError, match="out of range"):
        ag.manual_seed(2**64)
    with pytest.raises(TypeError, match="seed must be an int"):
        ag.manual_seed("x")
    assert nn.Linear(3, 2, seed=-5).weight.shape == (2, 3)


@pytest.mark.parametrize("size, error", [(4.5, TypeError), (-1, RuntimeError)])
def test_linear_sizes_must_be_non_negative_ints(size, error):
    with pytest.raises(error):
        tnn.Linear(size, 3)
    with pytest.raises(error, match="in_features"):
        nn.Linear(size, 3)
