"""The Tensor methods and `ag.` functions PyTorch scripts use (issue 13), each against PyTorch:
one program runs on both libraries (`m` is `ag` or `torch`), on the same float64 data, and
gives the same values, dtypes and gradients; the differentiable ones pass gradcheck (and, where
their derivative is itself differentiable, gradgradcheck); one bad input each raises PyTorch's
error type with its message. Each runs on the CPU and on "cuda" played by the CuPy stand-in
(tests/device_arrays.py), made the default device so that the index tensors the programs make
land there too, as under PyTorch's `torch.set_default_device`."""

import math

import numpy as np
import pytest
import torch
from error_messages import raises
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from torch_reference import as_np, torch_dtype_name

import autograd_lite as ag

RNG = np.random.default_rng(13)
X = RNG.standard_normal((3, 4))
Y = RNG.standard_normal((4, 5))
B = RNG.standard_normal((2, 3, 4))
SQUARE = RNG.standard_normal((3, 3))
ZEROS = X.copy()
ZEROS[0, 1] = ZEROS[2, 0] = ZEROS[2, 3] = 0.0  # row 0: one zero, row 2: two zeros
INDEX = np.array([[0, 2], [1, 1], [3, 0]])
INF = math.inf


def tensors(lib, arrays, requires_grad=True):
    """The arrays as `lib`'s tensors; the floating ones require grad."""
    make = ag.tensor if lib is ag else torch.tensor
    return [make(a, requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays]


def first(out):
    """The differentiable part of a result: the values of (values, indices) pairs."""
    return out[0] if isinstance(out, tuple) else out


# name: (program over (m, *tensors), its arrays). Each program is the same text for both.
CASES = {
    "norm": (lambda m, a: a.norm(), [X]),
    "norm_fro_dim": (lambda m, a: m.norm(a, "fro", dim=1), [X]),
    "norm_fro_two_dims": (lambda m, a: a.norm(p="fro", dim=(0, 2), keepdim=True), [B]),
    "norm_p1": (lambda m, a: a.norm(1), [X]),
    "norm_p3_dim": (lambda m, a: a.norm(3, dim=0), [X]),
    "norm_p_half": (lambda m, a: a.norm(0.5, 1, True), [X]),
    "norm_inf": (lambda m, a: a.norm(INF, dim=1), [X]),
    "norm_minus_inf": (lambda m, a: m.norm(a, -INF), [X]),
    "norm_p0": (lambda m, a: a.norm(0, dim=1), [ZEROS]),
    "norm_of_zeros": (lambda m, a: a.norm(dim=1), [np.zeros((2, 3))]),
    "norm_inf_ties": (lambda m, a: a.norm(INF), [np.array([1.0, -3.0, 3.0, 2.0])]),
    "norm_p3_with_zeros": (lambda m, a: a.norm(3), [ZEROS]),
    "mm": (lambda m, a, b: a.mm(b), [X, Y]),
    "mm_function": (lambda m, a, b: m.mm(a, b), [X, Y]),
    "add_alpha": (lambda m, a, b: a.add(b, alpha=2.5), [X, X[0]]),
    "add_function": (lambda m, a, b: m.add(a, b), [X, Y[:, :1].T]),
    "add_number": (lambda m, a: m.add(a, 2, alpha=3), [X]),
    "sub_alpha": (lambda m, a, b: a.sub(b, alpha=-2), [X, X]),
    "sub_function": (lambda m, a, b: m.sub(a, b, alpha=0.5), [X, X[:, :1]]),
    "mul": (lambda m, a, b: a.mul(b), [X, X[0]]),
    "mul_function": (lambda m, a: m.mul(a, 3.0), [X]),
    "div": (lambda m, a, b: a.div(b), [X, Y[:, 0] + 3]),
    "div_function": (lambda m, a, b: m.div(a, b), [X, X + 5]),
    "div_floor": (lambda m, a: a.div(0.3, rounding_mode="floor"), [X]),
    "div_trunc": (lambda m, a, b: m.div(a, b, rounding_mode="trunc"), [X, X[0] + 0.1]),
    "div_trunc_integers": (lambda m, a: m.div(a, 3, rounding_mode="trunc"),
                           [np.array([-7, 7, -6, 6, 0])]),
    "div_floor_integers": (lambda m, a, b: a.div(b, rounding_mode="floor"),
                           [np.array([-7, 7, -6, 6]), np.array([2, -2, 4, -4])]),
    "neg": (lambda m, a: a.neg(), [X]),
    "neg_function": (lambda m, a: m.neg(a), [X]),
    "log10": (lambda m, a: m.log10(a), [np.abs(X) + 0.1]),
    "log2": (lambda m, a: a.log2(), [np.abs(X) + 0.1]),
    "log2_of_integers": (lambda m, a: a.log2(), [np.array([1, 2, 8])]),
    "all": (lambda m, a: a.all(), [X > -1]),
    "any_dim": (lambda m, a: a.any(dim=1), [X > 1]),
    "all_dim_keepdim": (lambda m, a: m.all(a, 0, keepdim=True), [X > -1]),
    "all_dims": (lambda m, a: a.all(dim=(0, 2)), [B > -2]),
    "all_uint8": (lambda m, a: a.all(), [np.array([1, 2], dtype=np.uint8)]),
    "any_of_floats": (lambda m, a: a.any(-1), [ZEROS]),
    "isclose": (lambda m, a, b: m.isclose(a, b), [X, X + np.array([0, 1e-6, 1e-4, 0])]),
    "isclose_method_tolerances": (lambda m, a, b: a.isclose(b, rtol=0.0, atol=1e-3),
                                  [X, X + 5e-4]),
    "isclose_nan": (lambda m, a, b: m.isclose(a, b, equal_nan=True),
                    [np.array([np.nan, 1.0, INF]), np.array([np.nan, np.nan, INF])]),
    "isclose_broadcast": (lambda m, a, b: m.isclose(a, b), [X, X[1]]),
    "argmax_axis": (lambda m, a: a.argmax(axis=1), [X]),
    "argmin_axis_keepdims": (lambda m, a: m.argmin(a, axis=0, keepdims=True), [X]),
    "max_axis": (lambda m, a: a.max(axis=1), [X]),
    "min_axis_keepdims": (lambda m, a: a.min(axis=0, keepdims=True), [X]),
    "sum_axis": (lambda m, a: m.sum(a, axis=1, keepdims=True), [X]),
    "mean_axis": (lambda m, a: a.mean(axis=(0, 1)), [B]),
    "std_axis": (lambda m, a: a.std(axis=1, keepdims=True), [X]),
    "logsumexp_axis": (lambda m, a: a.logsumexp(axis=1), [X]),
    "amax_axis": (lambda m, a: a.amax(axis=1), [X]),
    "chunk": (lambda m, a: a.chunk(2)[1], [RNG.standard_normal((5, 2))]),
    "chunk_dim": (lambda m, a: m.chunk(a, 3, dim=1)[-1], [X]),
    "chunk_more_than_size": (lambda m, a: m.cat(a.chunk(9), 0) * 2, [X]),
    "split_size": (lambda m, a: a.split(3, dim=1)[1], [X]),
    "split_sections": (lambda m, a: m.split(a, [1, 2], 0)[1], [X]),
    "split_all_used": (lambda m, a: m.stack([p.sum() for p in a.split([1, 0, 3], 1)]), [X]),
    "gather": (lambda m, a: a.gather(1, m.tensor(INDEX)), [X]),
    "gather_dim0_smaller_index": (lambda m, a: m.gather(a, 0, m.tensor([[2, 0], [2, 2]])),
                                  [X]),
    "gather_repeats": (lambda m, a: a.gather(0, m.tensor([1, 1, 1, 0])), [X[0]]),
    "gather_int32_index": (lambda m, a: a.gather(1, m.tensor(INDEX.astype(np.int32))), [X]),
    "scatter": (lambda m, a, s: a.scatter(1, m.tensor(INDEX[:, :1]), s), [X, Y[:3, :1]]),
    "scatter_value": (lambda m, a: a.scatter(0, m.tensor([[2, 0, 1, 1]]), 5.0), [X]),
    "scatter_function": (lambda m, a, s: m.scatter(a, 0, m.tensor([[2, 0, 1, 1]]), s),
                         [X, Y[:1, :4]]),
    "scatter_add": (lambda m, a, s: a.scatter_add(1, m.tensor(INDEX), s), [X, Y[:3, :2]]),
    "scatter_add_function": (lambda m, a, s: m.scatter_add(a, 0, m.tensor([0, 0, 2]), s),
                             [X[0], Y[0, :3]]),
    "masked_fill": (lambda m, a: a.masked_fill(a > 0, -1.0), [X]),
    "masked_fill_broadcast_mask": (lambda m, a: a.masked_fill(m.tensor([True, False, False,
                                                                        True]), 7),
                                   [X]),
    "masked_fill_tensor_value": (lambda m, a, v: m.masked_fill(a, a < 0, v),
                                 [X, np.array(2.0)]),
    "masked_fill_integers": (lambda m, a: a.masked_fill(a > 1, 1.7),
                             [np.array([0, 1, 2, 3])]),
    "einsum_matmul": (lambda m, a, b: m.einsum("ij,jk->ik", a, b), [X, Y]),
    "einsum_list_implicit": (lambda m, a, b: m.einsum("ij,jk", [a, b]), [X, Y]),
    "einsum_diagonal": (lambda m, a: m.einsum("ii->i", a), [SQUARE]),
    "einsum_trace": (lambda m, a: m.einsum("ii", a), [SQUARE]),
    "einsum_sum": (lambda m, a: m.einsum("ij->", a), [X]),
    "einsum_transpose": (lambda m, a: m.einsum("ij->ji", a), [X]),
    "einsum_ellipsis": (lambda m, a, b: m.einsum("...ij,jk->...ik", a, b), [B, Y]),
    "einsum_batch_broadcast": (lambda m, a, b: m.einsum("bij,bjk->bik", a, b),
                               [B, RNG.standard_normal((1, 4, 2))]),
    "einsum_outer": (lambda m, a, b: m.einsum("i, j -> ij", a, b), [X[0], Y[0]]),
    "einsum_three": (lambda m, a, b, c: m.einsum("ij,jk,k->i", a, b, c), [X, Y, Y[0]]),
    "einsum_own_label": (lambda m, a, b: m.einsum("ij,k->ik", a, b), [X, Y[0]]),
    "sort": (lambda m, a: a.sort(), [X]),
    "sort_descending_dim0": (lambda m, a: m.sort(a, 0, descending=True), [X]),
    "sort_indices": (lambda m, a: a.sort(dim=0).indices, [X]),
    "sort_ties_stable": (lambda m, a: a.sort(descending=True, stable=True)[1],
                         [np.array([1, 1, 0, 1, 2, 0])]),
    "sort_nan": (lambda m, a: a.sort()[1], [np.array([1.0, np.nan, 0.0, -INF])]),
    "sort_nan_descending": (lambda m, a: a.sort(descending=True).values,
                            [np.array([1.0, np.nan, 0.0, -INF])]),
    "topk": (lambda m, a: a.topk(2), [X]),
    "topk_indices": (lambda m, a: a.topk(3).indices, [X]),
    "topk_smallest_dim0": (lambda m, a: m.topk(a, 2, dim=0, largest=False), [X]),
    "topk_zero": (lambda m, a: a.topk(0).values, [X]),
    "cumsum": (lambda m, a: a.cumsum(1), [X]),
    "cumsum_function": (lambda m, a: m.cumsum(a, dim=0), [B]),
    "cumsum_integers": (lambda m, a: a.cumsum(0), [np.arange(4, dtype=np.int32)]),
    "cumsum_bools": (lambda m, a: a.cumsum(0), [np.array([True, False, True])]),
    "cumsum_dtype": (lambda m, a: a.cumsum(0, dtype=m.float64), [np.arange(4)]),
    "cumsum_axis": (lambda m, a: a.cumsum(axis=-1), [X]),
    "prod": (lambda m, a: a.prod(), [X]),
    "prod_dim": (lambda m, a: m.prod(a, 1), [X]),
    "prod_zeros_along_dim": (lambda m, a: a.prod(1), [ZEROS]),
    "prod_zeros_keepdim": (lambda m, a: a.prod(0, keepdim=True), [ZEROS]),
    "prod_zeros_all": (lambda m, a: a.prod(), [ZEROS]),
    "prod_one_zero_all": (lambda m, a: a.prod(), [np.array([2.0, 0.0, 3.0])]),
    "prod_integers": (lambda m, a: a.prod(), [np.array([2, 3, 4], dtype=np.int32)]),
    "prod_bools": (lambda m, a: a.prod(), [np.array([True, False])]),
    "nelement": (lambda m, a: m.tensor(a.nelement()), [X]),
}


@pytest.fixture
def on(device):
    """`device` made the default one for the test (the stand-in's teardown resets it)."""
    ag.set_default_device(device)
    return device


@pytest.mark.parametrize("name", CASES)
def test_values_dtypes_and_gradients_are_pytorchs(name, on):
    program, arrays = CASES[name]
    ours, theirs = tensors(ag, arrays), tensors(torch, arrays)
    out, expected = program(ag, *ours), program(torch, *theirs)
    if isinstance(expected, tuple):  # (values, indices): both the same, both named
        assert_array_equal(out.indices.cpu().array, expected.indices.numpy())
        assert out.indices.dtype == ag.int64
    out, expected = first(out), first(expected)
    assert np.dtype(out.dtype).name == torch_dtype_name(expected)
    assert out.device.type == on
    assert tuple(out.shape) == tuple(expected.shape)
    assert_allclose(as_np(out), as_np(expected), rtol=1e-10, atol=1e-12)
    assert out.requires_grad == expected.requires_grad
    if expected.requires_grad:
        upstream = RNG.standard_normal(tuple(expected.shape))
        (out * ag.tensor(upstream)).sum().backward()
        (expected * torch.tensor(upstream)).sum().backward()
        for a, b in zip(ours, theirs):
            if b.requires_grad:  # (PyTorch leaves a zero gradient out: p=0 norm)
                theirs_grad = np.zeros(b.shape) if b.grad is None else b.grad.numpy()
                assert a.grad.device == a.device
                assert_allclose(a.grad.cpu().array, theirs_grad, rtol=1e-10, atol=1e-12)


def test_zeros_in_prod_get_the_product_of_the_others_and_the_rest_get_zero(on):
    x = ag.tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0]], requires_grad=True)
    x.prod(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0]]


# ----- gradcheck: first and second order, in float64 -----------------------------------------

def leaves(*arrays):
    return tuple(ag.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays)


GRADCHECKS = {  # name: (function of leaves, arrays, whether its derivative is differentiable)
    "norm_2": (lambda a: a.norm(dim=1), [X], True),
    "norm_1": (lambda a: a.norm(1), [X], True),
    "norm_3": (lambda a: a.norm(3, dim=0, keepdim=True), [X], True),
    "norm_1_5": (lambda a: a.norm(1.5), [X], True),
    "norm_inf": (lambda a: a.norm(INF, dim=1), [X], True),
    "mm": (lambda a, b: a.mm(b), [X, Y], True),
    "add_sub_alpha": (lambda a, b: a.add(b, alpha=2).sub(b, alpha=0.5), [X, X[0]], True),
    "mul_div_neg": (lambda a, b: a.mul(b).div(b + 3).neg(), [X, X[0]], True),
    "log10_log2": (lambda a: a.log10() + a.log2(), [np.abs(X) + 0.5], True),
    "chunk": (lambda a: a.chunk(3, 1)[0] * a.chunk(3, 1)[1], [X], True),
    "split": (lambda a: a.split([1, 2])[1].exp(), [X], True),
    "gather": (lambda a: a.gather(1, ag.tensor(INDEX)) ** 2, [X], True),
    "scatter": (lambda a, s: a.scatter(1, ag.tensor(INDEX[:, :1]), s) ** 2,
                [X, Y[:3, :1]], True),
    "scatter_larger_src": (lambda a, s: a.scatter(1, ag.tensor(INDEX[:, :1]), s) ** 2,
                           [X, Y[:3, :3]], True),
    "scatter_add": (lambda a, s: a.scatter_add(1, ag.tensor(INDEX), s) ** 2,
                    [X, Y[:3, :2]], True),
    "masked_fill": (lambda a, v: a.masked_fill(ag.tensor(X > 0), v) ** 2,
                    [X, np.array(1.5)], True),
    "einsum_matmul": (lambda a, b: ag.einsum("ij,jk->ik", a, b), [X, Y], True),
    "einsum_diagonal": (lambda a: ag.einsum("ii->i", a) ** 2, [SQUARE], True),
    "einsum_own_label": (lambda a, b: ag.einsum("ij,k->ik", a, b) ** 2, [X, Y[0]], True),
    "einsum_ellipsis": (lambda a, b: ag.einsum("...ij,jk->...ik", a, b), [B, Y], True),
    "einsum_broadcast": (lambda a, b: ag.einsum("bij,bjk->bik", a, b) ** 2,
                         [B, RNG.standard_normal((1, 4, 2))], True),
    "sort": (lambda a: a.sort(0, descending=True).values ** 2, [X], True),
    "topk": (lambda a: a.topk(2, largest=False).values ** 2, [X], True),
    "cumsum": (lambda a: a.cumsum(1) ** 2, [X], True),
    "prod": (lambda a: a.prod(1), [X], True),
    "prod_all": (lambda a: a.prod(), [X[:2]], True),
    "prod_with_zeros": (lambda a: a.prod(1), [ZEROS], False),
    "matmul": (lambda a, b: ag.matmul(a, b), [X, Y], True),
}


@pytest.mark.parametrize("name", GRADCHECKS)
def test_gradients_match_finite_differences(name, on):
    function, arrays, second_order = GRADCHECKS[name]
    assert ag.gradcheck(function, leaves(*arrays))
    if second_order:
        assert ag.gradgradcheck(function, leaves(*arrays))


@settings(max_examples=10)
@given(seed=st.integers(0, 2**16), p=st.sampled_from([1.0, 2.0, 3.0, INF]),
       dim=st.sampled_from([None, 0, 1, (0, 1)]), keepdim=st.booleans())
def test_norm_is_pytorchs_for_any_dims(seed, p, dim, keepdim):
    values = np.random.default_rng(seed).standard_normal((3, 4))
    ours, theirs = tensors(ag, [values]), tensors(torch, [values])
    out, expected = ours[0].norm(p, dim, keepdim), theirs[0].norm(p, dim, keepdim)
    assert_allclose(out.cpu().array, expected.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    assert_allclose(ours[0].grad.array, theirs[0].grad.numpy(), rtol=1e-10, atol=1e-12)


# ----- results, constructors and in-place forms ------------------------------------------------

@pytest.mark.parametrize("call", [lambda x: x.sort(), lambda x: x.topk(2),
                                  lambda x: x.max(1), lambda x: ag.sort(x, 0)])
def test_values_and_indices_results_unpack_and_have_names(call, on):
    x = ag.tensor(X)
    result = call(x)
    values, indices = result
    assert values is result.values and indices is result.indices
    assert indices.dtype == ag.int64 and indices.device == values.device == x.device


def test_the_legacy_constructor_takes_sizes_and_data_keeps_its_meaning():
    assert ag.Tensor(2, 3).shape == (2, 3) and ag.Tensor(2, 3).dtype == ag.float32
    assert ag.Tensor(5).shape == (5,) and ag.Tensor(2, 3, 4).shape == (2, 3, 4)
    assert ag.Tensor().shape == (0,)
    assert ag.Tensor(2, 3).sum().item() == 0.0  # zeros: PyTorch leaves the memory as it is
    assert ag.Tensor(2, 2, requires_grad=True).requires_grad
    data = ag.Tensor([1, 2])
    assert data.tolist() == [1, 2] and data.dtype == ag.int64
    assert ag.Tensor([[1.0]], dtype=ag.float64).dtype == ag.float64
    assert ag.Tensor(2.5).item() == 2.5


def test_matmul_and_mm_write_into_out_and_resize_it(on):
    a, b = ag.tensor(X), ag.tensor(Y)
    out = ag.zeros(0, dtype=ag.float64)
    assert ag.matmul(a, b, out=out) is out
    assert out.shape == (3, 5)
    assert_allclose(out.cpu().array, X @ Y, rtol=1e-12)
    same = ag.zeros(3, 5, dtype=ag.float64)
    view = same.data
    a.matmul(b, out=same)
    assert_allclose(view.cpu().array, X @ Y, rtol=1e-12)  # written in place: views see it
    assert ag.mm(a, b, out=ag.zeros(1, dtype=ag.float64)).shape == (3, 5)


def test_in_place_scatter_and_masked_fill_record_on_a_non_leaf_and_write_otherwise(on):
    w = ag.tensor(X, requires_grad=True)
    src = ag.tensor(Y[:3, :1], requires_grad=True)
    h = w * 2
    assert h.scatter_(1, ag.tensor(INDEX[:, :1]), src) is h
    assert h.masked_fill_(h > 1, 0.0) is h
    h.sum().backward()
    tw, tsrc = torch.tensor(X, requires_grad=True), torch.tensor(Y[:3, :1], requires_grad=True)
    th = tw * 2
    th.scatter_(1, torch.tensor(INDEX[:, :1]), tsrc).masked_fill_(th > 1, 0.0)
    th.sum().backward()
    assert_allclose(h.detach().cpu().array, th.detach().numpy(), rtol=1e-12)
    assert_allclose(w.grad.cpu().array, tw.grad.numpy(), rtol=1e-12)
    assert_allclose(src.grad.cpu().array, tsrc.grad.numpy(), rtol=1e-12)
    plain = ag.zeros(3)
    view = plain.data
    plain.scatter_add_(0, ag.tensor([0, 0, 2]), ag.ones(3))
    assert view.tolist() == [2.0, 0.0, 1.0]


def test_in_place_forms_refuse_a_leaf_that_requires_grad(on):
    w = ag.tensor(X, requires_grad=True)
    with raises(RuntimeError, "masked_fill_", "leaf", "no_grad"):
        w.masked_fill_(w > 0, 0.0)
    with ag.no_grad():
        w.masked_fill_(w > 0, 0.0)
    assert (w <= 0).all()


def test_rounded_division_has_a_zero_gradient_as_in_pytorch(on):
    x = ag.tensor(X, requires_grad=True)
    y = x.div(0.5, rounding_mode="floor")
    assert y.requires_grad
    y.sum().backward()
    assert_array_equal(x.grad.cpu().array, np.zeros_like(X))


def test_allclose_returns_a_python_bool_with_pytorchs_defaults(on):
    a = ag.tensor([1.0, 100.0])
    assert ag.allclose(a, ag.tensor([1.0 + 5e-9, 100.0 + 9e-4])) is True
    assert a.allclose(ag.tensor([1.0, 100.0 + 2e-3])) is False
    assert ag.allclose(ag.tensor([np.nan]), ag.tensor([np.nan])) is False
    assert ag.allclose(ag.tensor([np.nan]), ag.tensor([np.nan]), equal_nan=True) is True


def test_explain_and_pictures_name_the_new_ops(on):
    x = ag.tensor(X, requires_grad=True)
    y = ag.einsum("ij->i", x).norm() + x.cumsum(1).prod() + x.gather(1, ag.tensor(INDEX)).sum()
    source = ag.draw_graph(y).source
    for label in ("einsum(ij->i)", "norm(p=2)", "cumsum(dim=1)", "prod", "gather(dim=1)"):
        assert label in source
    y.backward()
    assert "einsum" in str(ag.explain(y))


# ----- errors: PyTorch's type, PyTorch's words, and the values at fault ------------------------

ERRORS = [
    (lambda: ag.tensor(X).gather(1, ag.tensor([0, 1])), RuntimeError,
     ("Index tensor must have the same number of dimensions as input tensor", "(2,)")),
    (lambda: ag.tensor(X).gather(1, ag.tensor([[0, 5]])), RuntimeError,
     ("index 5 is out of bounds for dimension 1 with size 4",)),
    (lambda: ag.tensor(X).gather(1, ag.tensor([[0.0]])), RuntimeError,
     ("gather(): Expected dtype int32/int64 for index",)),
    (lambda: ag.tensor(X).gather(1, ag.tensor([[0]] * 4)), RuntimeError,
     ("Size does not match at dimension 0",)),
    (lambda: ag.tensor(X).chunk(0), RuntimeError,
     ("chunk expects `chunks` to be greater than 0, got: 0",)),
    (lambda: ag.arange(5).split([2, 2]), RuntimeError,
     ("split_with_sizes expects split_sizes to sum exactly to 5", "[2, 2]")),
    (lambda: ag.arange(5).split(0), RuntimeError,
     ("split_size can only be 0 if dimension size is 0",)),
    (lambda: ag.tensor(X).scatter(1, ag.tensor(INDEX), ag.ones(1, 1, dtype=ag.float64)),
     RuntimeError, ("Expected index [3, 2] to be no larger than", "src [1, 1]")),
    (lambda: ag.tensor(X).scatter(1, ag.tensor(INDEX), ag.ones(3, 2)), RuntimeError,
     ("Expected self.dtype to be equal to src.dtype", "float64", "float32")),
    (lambda: ag.tensor(X).scatter_add(1, ag.tensor(INDEX), 1.0), TypeError,
     ("scatter_add(): src must be a Tensor",)),
    (lambda: ag.tensor(X).masked_fill(ag.tensor([1, 0, 1, 0]), 1.0), RuntimeError,
     ("masked_fill_ only supports boolean masks", "int64")),
    (lambda: ag.tensor(X).masked_fill(ag.tensor(X > 0), ag.tensor([1.0, 2.0])), RuntimeError,
     ("masked_fill_ only supports a 0-dimensional value tensor",)),
    (lambda: ag.zeros(3).masked_fill_(ag.ones(2, 3) > 0, 1.0), RuntimeError,
     ("output with shape [3] doesn't match the broadcast shape [2, 3]",)),
    (lambda: ag.einsum("ij,jk->ik", ag.tensor(X), ag.tensor(X)), RuntimeError,
     ("subscript j has size 3 for operand 1 which does not broadcast with previously seen "
      "size 4",)),
    (lambda: ag.einsum("ij->", ag.tensor(X), ag.tensor(X)), RuntimeError,
     ("more operands were provided than specified in the equation",)),
    (lambda: ag.einsum("ijk->", ag.tensor(X)), RuntimeError,
     ("number of subscripts in the equation (3) does not match the number of dimensions (2)",)),
    (lambda: ag.einsum("ij->ix", ag.tensor(X)), RuntimeError,
     ("output subscript x does not appear in the equation for any input operand",)),
    (lambda: ag.tensor(X).sort(2), IndexError, ("Dimension out of range",)),
    (lambda: ag.tensor(X).topk(5), RuntimeError, ("selected index k out of range", "size 4")),
    (lambda: ag.tensor(X).cumsum(3), IndexError, ("cumsum(): Dimension out of range",)),
    (lambda: ag.tensor(X).prod(dim=(0, 1)), TypeError, ("prod(): dim must be one int",)),
    (lambda: ag.arange(3).norm(), RuntimeError,
     ("Expected a floating point or complex tensor as input. Got int64",)),
    (lambda: ag.ones(2, 2, 2).norm("fro", dim=(0, 1, 2)), RuntimeError,
     ("linalg.matrix_norm: dim must be a 2-tuple",)),
    (lambda: ag.tensor(X).norm("nuc"), NotImplementedError, ("p='nuc'",)),
    (lambda: ag.tensor(X).mm(ag.tensor(X)), RuntimeError,
     ("mat1 and mat2 shapes cannot be multiplied (3x4 and 3x4)",)),
    (lambda: ag.tensor(X).mm(ag.ones(4)), RuntimeError, ("mat2 must be a matrix",)),
    (lambda: ag.arange(3).add(1, alpha=0.5), RuntimeError,
     ("For integral input tensors, argument alpha must not be a floating point number",)),
    (lambda: ag.tensor([True]).sub(ag.tensor([True])), RuntimeError,
     ("subtraction, the `-` operator, with a bool tensor is not supported",)),
    (lambda: ag.tensor([True]).neg(), RuntimeError, ("negation", "bool")),
    (lambda: ag.tensor(X).div(2, rounding_mode="round"), RuntimeError,
     ("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'",)),
    (lambda: ag.arange(3).div(0, rounding_mode="floor"), RuntimeError, ("ZeroDivisionError",)),
    (lambda: ag.isclose(ag.tensor(X), ag.tensor(X).float()), RuntimeError,
     ("float64 did not match float32",)),
    (lambda: ag.allclose(ag.tensor(X), ag.ones(5, dtype=ag.float64)), RuntimeError,
     ("The size of tensor a (4) must match the size of tensor b (5) at non-singleton "
      "dimension 1",)),
    (lambda: ag.allclose(ag.tensor(X), 1.0), TypeError,
     ("allclose", "argument 'other' must be Tensor, not float")),
    (lambda: ag.tensor(X).argmax(dim=1, axis=1), TypeError, ("both 'dim' and its alias 'axis'",)),
    (lambda: ag.matmul(ag.tensor(X, requires_grad=True), ag.tensor(Y), out=ag.zeros(0)),
     RuntimeError, ("matmul(): functions with out=... arguments don't support automatic "
                    "differentiation, but one of the arguments requires grad.",)),
    (lambda: ag.matmul(ag.tensor(X), ag.tensor(Y), out=ag.zeros(0, dtype=ag.int64)),
     RuntimeError, ("result type float64 can't be cast to the desired output type int64",)),
    (lambda: ag.Tensor(2, -1), RuntimeError, ("negative dimension",)),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_a_bad_input_raises_pytorchs_error(index, on):
    call, kind, fragments = ERRORS[index]
    with raises(kind, *fragments):
        call()
