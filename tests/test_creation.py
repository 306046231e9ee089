"""Creating tensors: `ag.tensor` and `ag.Tensor` copy their data and take its dtype,
`from_numpy` shares memory, the factories (zeros, ones, full, eye, arange, linspace, the
`_like` forms, the random ones) give the asked shapes, values and dtypes, as PyTorch's do, and
refuse a missing or negative size or an empty range; random streams are reproducible from a
generator or a seed, seeds taken as PyTorch takes them."""

import numpy as np
import pytest
import torch
from error_messages import raises
from torch_reference import assert_same

import autograd_lite as ag


@pytest.fixture
def default_dtype():
    """Restores the default dtype after a test that changes it."""
    before = ag.get_default_dtype()
    yield
    ag.set_default_dtype(before)


# ----- tensor(), Tensor() and from_numpy -------------------------------------------------------

def test_tensor_copies_lists_arrays_and_tensors():
    source = np.array([1.0, 2.0])
    t = ag.tensor(source)
    source[0] = 9.0
    assert t.tolist() == [1.0, 2.0]
    t.array[1] = 7.0
    assert source.tolist() == [9.0, 2.0]
    copy = ag.tensor(t)
    t.array[0] = -1.0
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
    t.array[1] = -1.0
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


@pytest.mark.parametrize("data", [[[1, 2], [3]], [1, [2, 3]], [[1.0], [2.0, 3.0]]])
def test_tensor_of_ragged_lists_is_refused(data):
    with raises(ValueError, "tensor()", "regular shape"):
        ag.tensor(data)


@pytest.mark.parametrize("data", ["abc", ["a", "b"], [1, "b"], None, {1: 2}])
def test_tensor_of_strings_and_other_non_numbers_is_refused(data):
    with raises(TypeError, "tensor()"):
        ag.tensor(data)


# ----- the factories ---------------------------------------------------------------------------

@pytest.mark.parametrize("make, shape", [
    (lambda: ag.zeros(2, 3), (2, 3)), (lambda: ag.zeros((2, 3)), (2, 3)),
    (lambda: ag.zeros([2, 3]), (2, 3)), (lambda: ag.ones(4), (4,)), (lambda: ag.zeros(()), ()),
    (lambda: ag.full((2, 2), 1.5), (2, 2)), (lambda: ag.full(3, 2), (3,)),
    (lambda: ag.eye(3), (3, 3)), (lambda: ag.eye(2, 3), (2, 3)),
    (lambda: ag.arange(5), (5,)), (lambda: ag.linspace(0, 1, 7), (7,)),
    (lambda: ag.randn(2, 3), (2, 3)), (lambda: ag.rand((4,)), (4,)),
])
def test_factories_give_the_asked_shape(make, shape):
    assert make().shape == shape


def test_factories_give_their_values():
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


@pytest.mark.parametrize("kwargs", [{"end": 4}, {"start": 1, "end": 4}, {"end": 2.5},
                                    {"start": 3, "end": 0, "step": -1}])
def test_arange_takes_its_arguments_by_keyword(kwargs):
    assert_same(ag.arange(**kwargs), torch.arange(**kwargs))


@pytest.mark.parametrize("args", [(0, 5, -1), (5, 0), (0.0, 1.0, -0.5), (3, 1, 1)])
def test_arange_with_a_step_of_the_wrong_sign_raises(args):
    with pytest.raises(RuntimeError, match="arange: upper bound and lower bound inconsistent "
                                            "with step sign"):
        ag.arange(*args)


@pytest.mark.parametrize("name", ["zeros", "ones", "randn", "rand"])
def test_creation_without_a_size_raises_type_error(name):
    with raises(TypeError, f"{name}() missing 1 required positional argument", f"{name}(())"):
        getattr(ag, name)()
    assert getattr(ag, name)(()).shape == tuple(getattr(torch, name)(()).shape) == ()


@pytest.mark.parametrize("make, message", [
    (lambda: ag.zeros(-1), "zeros(): Trying to create tensor with negative dimension -1"),
    (lambda: ag.ones(2, -1), "ones(): Trying to create tensor with negative dimension -1"),
    (lambda: ag.full((-1,), 1.0), "full(): Trying to create tensor with negative dimension"),
    (lambda: ag.randn(-1), "randn(): Trying to create tensor with negative dimension -1"),
    (lambda: ag.rand(3, -2), "rand(): Trying to create tensor with negative dimension -2"),
    (lambda: ag.eye(-1), "eye: n must be greater or equal to 0, got -1"),
    (lambda: ag.eye(2, -1), "eye: m must be greater or equal to 0, got -1"),
    (lambda: ag.linspace(0, 1, -1), "linspace: number of steps must be non-negative"),
    (lambda: ag.randint(0, 5, (-1,)), "randint(): Trying to create tensor with negative"),
])
def test_creation_with_a_negative_size_raises_runtime_error(make, message):
    with raises(RuntimeError, message):
        make()


# ----- random tensors --------------------------------------------------------------------------

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


def test_rand_is_in_zero_one_and_randn_is_standard_normal():
    u = ag.rand(1000, generator=np.random.default_rng(0)).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0
    n = ag.randn(10000, generator=np.random.default_rng(0), dtype=ag.float64).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05


def test_randint_takes_high_and_size_only():
    out = ag.randint(5, (200,), generator=np.random.default_rng(0))
    assert out.shape == tuple(torch.randint(5, (200,)).shape)
    assert out.dtype is ag.int64
    assert out.array.min() >= 0 and out.array.max() < 5


def test_randint_with_an_empty_range_raises():
    with raises(RuntimeError, "randint:", "'low' to be less than 'high'", "low=5 >= high=5"):
        ag.randint(5, 5, (2,))


@pytest.mark.parametrize("name", ["randn_like", "rand_like"])
def test_random_like_of_a_zero_dimensional_tensor(name):
    out = getattr(ag, name)(ag.tensor(2.0, dtype=ag.float64))
    expected = getattr(torch, name)(torch.tensor(2.0, dtype=torch.float64))
    assert out.shape == tuple(expected.shape) == () and out.dtype is ag.float64


def test_seeds_as_pytorch_takes_them():
    first = ag.manual_seed(-1).random()
    assert ag.manual_seed(-1).random() == first  # negative seeds work and reproduce
    assert ag.manual_seed(2**64 - 1).random() == first  # -1 is 2**64 - 1
    with pytest.raises(ValueError, match="out of range"):
        ag.manual_seed(2**64)
    with pytest.raises(TypeError, match="seed must be an int"):
        ag.manual_seed("x")
