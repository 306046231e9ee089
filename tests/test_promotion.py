"""Default dtypes and type promotion are PyTorch's: what dtype a factory, a Python number, a
NumPy scalar or array and each mix of operands give, checked against PyTorch on the same
program; and gradients keep each input's own dtype."""

import numpy as np
import pytest
import torch
from torch_reference import assert_same, torch_dtype_name

import autograd_lite as ag


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
def test_default_and_promoted_dtypes_are_torchs(make, dtype):
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


# ----- where, bool arithmetic and bitwise ops -------------------------------------------------

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


def test_bool_tensor_to_an_int_power():
    assert_same(ag.tensor([True, False]) ** 2, torch.tensor([True, False]) ** 2)


@pytest.mark.parametrize("op", [lambda a: a + 2, lambda a: a * 2, lambda a: a + True,
                                lambda a: a / 2, lambda a: 2 ** a, lambda a: a ** 3,
                                lambda a: a * 1.5])
def test_bool_tensor_arithmetic_dtypes(op):
    values = [True, False]
    assert_same(op(ag.tensor(values)), op(torch.tensor(values)))


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
