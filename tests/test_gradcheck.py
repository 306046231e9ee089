"""gradcheck and gradgradcheck compare in float64 whatever the dtype of the inputs: float32
(the default) and float16 inputs are checked on float64 copies, so a correct function passes,
a wrong derivative is still caught, and the tensors passed in are left as they were.

(The float64 basics, the table at two entries and second order on float64 inputs are in
test_functional.py and test_engine.py.)"""

import warnings

import numpy as np
import pytest
from user_functions import Cube

import autograd_lite as ag
from nn import Linear

RNG = np.random.default_rng(7)


def leaf32(*shape):
    """A float32 leaf (the default dtype) away from zero, requiring grad."""
    return ag.tensor(RNG.uniform(0.3, 1.2, shape).astype(np.float32), requires_grad=True)


class WrongSin(ag.Function):
    """sin(x) whose backward forgets the cos(x) factor."""

    @staticmethod
    def forward(ctx, x):
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class ThreeXSquared(ag.Function):
    """3 x^2, the derivative of Cube; its own backward is wrong (3x instead of 6x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 3 * x ** 2

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x


class CubeWithWrongSecondDerivative(ag.Function):
    """x^3 with a right first derivative whose own derivative is wrong."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ThreeXSquared.in_backward(x)


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ----- float32 inputs: correct functions pass, silently --------------------------------------

CORRECT = {
    "tanh_times_a": (lambda a: (a.tanh() * a).sum(), lambda: (leaf32(3),)),
    "sin": (lambda a: a.sin(), lambda: (leaf32(2, 3),)),
    "matmul": (lambda a, b: a @ b, lambda: (leaf32(2, 3), leaf32(3, 4))),
    "user_function_cube": (Cube.apply, lambda: (leaf32(4),)),
}


@pytest.mark.parametrize("name", CORRECT)
def test_float32_inputs_pass_for_a_correct_function_without_a_warning(name, no_warnings):
    fn, make = CORRECT[name]
    inputs = make()
    assert all(t.dtype == np.float32 for t in inputs)
    assert ag.gradcheck(fn, inputs) is True


def test_the_example_from_the_task_passes():
    x = ag.randn(3, requires_grad=True)
    assert x.dtype == np.float32
    assert ag.gradcheck(lambda a: (a.tanh() * a).sum(), (x,))


def test_a_single_float32_tensor_may_be_given_instead_of_a_tuple():
    assert ag.gradcheck(lambda a: a.exp() * a, leaf32(3))


def test_float16_inputs_are_checked_in_float64_too():
    x = ag.tensor(np.array([0.25, -0.5, 1.0], dtype=np.float16), requires_grad=True)
    assert ag.gradcheck(lambda a: a.sin() * a.exp(), (x,))
    assert x.dtype == np.float16


def test_fn_runs_on_float64_leaf_copies_of_the_floating_inputs():
    x, target = leaf32(3), ag.tensor([1.0, 2.0, 3.0])     # target: float32, no grad
    seen = []

    def fn(a, t, scale):
        seen.append((a, t, scale))
        return (a - t) * scale

    assert ag.gradcheck(fn, (x, target, 2.5))
    for a, t, scale in seen:
        assert a is not x and a.dtype == np.float64 and a.is_leaf and a.requires_grad
        assert t is not target and t.dtype == np.float64 and not t.requires_grad
        assert scale == 2.5
    assert len({id(a) for a, _, _ in seen}) == 1          # one copy, perturbed in place


def test_the_same_tensor_given_twice_is_one_copy():
    x = leaf32(3)
    pairs = []

    def fn(a, b):
        pairs.append((a, b))
        return a * b

    assert ag.gradcheck(fn, (x, x))
    assert all(a is b for a, b in pairs)


# ----- the user's tensors are left as they were ---------------------------------------------

def test_gradcheck_and_gradgradcheck_leave_the_inputs_untouched():
    x, w = leaf32(2, 3), leaf32(3)
    w.grad = ag.tensor(np.full(3, 7.0, dtype=np.float32))
    x_before, w_before = x.array.copy(), w.array.copy()
    fn = lambda a, b: (a * b).tanh()                          # noqa: E731
    assert ag.gradcheck(fn, (x, w))
    assert ag.gradgradcheck(fn, (x, w))
    for t, before in ((x, x_before), (w, w_before)):
        assert t.dtype == np.float32 and t.array.dtype == np.float32
        np.testing.assert_array_equal(t.array, before)
        assert t.requires_grad and t.is_leaf
    assert x.grad is None
    np.testing.assert_array_equal(w.grad.numpy(), np.full(3, 7.0))
    assert w.grad.dtype == np.float32


def test_given_float32_grad_outputs_are_left_untouched():
    x, v = leaf32(3), ag.tensor([1.0, -2.0, 0.5])
    assert ag.gradgradcheck(lambda a: a ** 3, (x,), v)
    assert v.dtype == np.float32 and not v.requires_grad and v.grad is None
    np.testing.assert_array_equal(v.numpy(), [1.0, -2.0, 0.5])


# ----- a function closing over float32 tensors: mixed float32 / float64 ---------------------

def test_mixing_float32_with_float64_computes_in_float64():
    w = ag.tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    a = ag.tensor(np.ones(3), dtype=ag.float64, requires_grad=True)
    assert (w * a[:2]).dtype == np.float64                    # elementwise: PyTorch's promotion
    assert (a @ w).dtype == np.float64                        # matmul too (PyTorch refuses)
    (g,) = ag.autograd.grad((a @ w).sum() + (w * a[:2]).sum(), [w])
    assert g.dtype == np.float32                              # a gradient keeps its leaf's dtype


def test_a_function_closing_over_float32_tensors_passes(no_warnings):
    scale, shift = ag.tensor([0.5, -2.0, 3.0], requires_grad=True), ag.tensor([1.0, 0.0, -1.0])
    x = leaf32(2, 3)
    assert ag.gradcheck(lambda a: (a * scale + shift).tanh(), (x,))
    assert ag.gradgradcheck(lambda a: (a * scale + shift).tanh(), (x,))
    assert scale.dtype == np.float32 and scale.grad is None


def test_a_function_closing_over_float32_parameters_passes_and_leaves_them_alone(no_warnings):
    ag.manual_seed(0)
    layer = Linear(3, 2)
    params = list(layer.parameters())
    before = [p.array.copy() for p in params]
    x = leaf32(4, 3)
    assert ag.gradcheck(lambda a: layer(a).tanh(), (x,))
    assert ag.gradgradcheck(lambda a: layer(a).tanh(), (x,))
    for p, b in zip(params, before):
        assert p.dtype == np.float32 and p.grad is None
        np.testing.assert_array_equal(p.array, b)


def test_float32_parameters_can_be_checked_as_inputs():
    ag.manual_seed(0)
    layer = Linear(3, 2)
    x = leaf32(4, 3)
    assert ag.gradcheck(lambda a, w, b: (a @ w.T + b).sigmoid(), (x, layer.weight, layer.bias))
    assert layer.weight.dtype == np.float32 and layer.weight.grad is None


# ----- wrong derivatives are still caught at float32 ----------------------------------------

def test_a_wrong_first_derivative_is_caught_at_float32():
    x = leaf32(3)
    with pytest.raises(ag.GradcheckError, match=r"3 Jacobian entries differ"):
        ag.gradcheck(WrongSin.apply, (x,))


def test_gradgradcheck_passes_at_float32_for_a_double_differentiable_function(no_warnings):
    x = leaf32(4)
    assert ag.gradgradcheck(Cube.apply, (x,))
    assert ag.gradgradcheck(lambda a: (a.tanh() * a.sin()).sum(), (x,))


def test_gradgradcheck_catches_a_wrong_second_derivative_at_float32():
    x = leaf32(3)
    assert ag.gradcheck(CubeWithWrongSecondDerivative.apply, (x,))   # first order is right
    with pytest.raises(ag.GradcheckError, match=r"Jacobian entries differ"):
        ag.gradgradcheck(CubeWithWrongSecondDerivative.apply, (x,))


def test_gradgradcheck_uses_float64_grad_outputs_at_float32():
    seen = []

    class Recording(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, grad):
            seen.append(np.asarray(grad.array if isinstance(grad, ag.Tensor) else grad).dtype)
            (x,) = ctx.saved_tensors
            return grad * 2 * x

    assert ag.gradgradcheck(Recording.apply, (leaf32(3),))
    assert seen and set(seen) == {np.dtype(np.float64)}


# ----- float64 behaviour unchanged ----------------------------------------------------------

def test_float64_inputs_are_passed_as_given_and_restored(no_warnings):
    x = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64, requires_grad=True)
    before = x.array.copy()
    seen = set()

    def fn(a):
        seen.add(id(a))
        return a.sin() * a

    assert ag.gradcheck(fn, (x,)) and ag.gradgradcheck(fn, (x,))
    assert seen == {id(x)}
    np.testing.assert_array_equal(x.array, before)
    assert x.dtype == np.float64 and x.grad is None


def test_a_wrong_derivative_is_caught_at_float64():
    x = ag.tensor([0.5, 1.0], dtype=ag.float64, requires_grad=True)
    with pytest.raises(ag.GradcheckError, match=r"2 Jacobian entries differ"):
        ag.gradcheck(WrongSin.apply, (x,))


def test_complex_inputs_are_used_as_given_with_a_warning():
    x = ag.tensor(np.array([1 + 2j, 0.5 - 1j]), requires_grad=True)
    seen = set()

    def fn(a):
        seen.add(id(a))
        return (a * a).sum()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        with pytest.warns(UserWarning, match="input 0 is complex128"):
            ag.gradcheck(fn, (x,))
    assert seen == {id(x)} and x.dtype == np.complex128


# ----- the error table and raise_exception=False --------------------------------------------

class ScaledWithZeroDerivative(ag.Function):
    """x * c elementwise, c = 1 .. 12; backward returns zero, so entry k is off by c[k]."""

    @staticmethod
    def forward(ctx, x):
        return x * np.arange(1, x.size + 1).reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


def test_the_table_lists_the_ten_worst_entries_worst_first():
    x = leaf32(12)
    with pytest.raises(ag.GradcheckError, match=r"12 Jacobian entries differ") as info:
        ag.gradcheck(ScaledWithZeroDerivative.apply, (x,))
    lines = str(info.value).splitlines()
    assert lines[1].split() == ["output", "input", "out", "idx", "in", "idx", "analytical",
                                "numerical", "|diff|"]
    rows = [line.split() for line in lines[2:]]
    assert len(rows) == 10
    assert [int(r[3]) for r in rows] == list(range(11, 1, -1))   # in idx, the worst first
    assert all(r[2] == r[3] and float(r[4]) == 0.0 for r in rows)
    assert [float(r[5]) for r in rows] == pytest.approx(range(12, 2, -1), rel=1e-6)


def test_the_table_names_the_output_and_input_at_fault():
    x, y = leaf32(2), leaf32(2)
    fn = lambda a, b: (a * 2, WrongSin.apply(b))              # noqa: E731
    with pytest.raises(ag.GradcheckError, match=r"2 Jacobian entries differ") as info:
        ag.gradcheck(fn, (x, y))
    rows = [line.split() for line in str(info.value).splitlines()[2:]]
    assert {(r[0], r[1]) for r in rows} == {("1", "1")}       # output 1, input 1


def test_raise_exception_false_returns_false_at_float32():
    x = leaf32(3)
    assert ag.gradcheck(WrongSin.apply, (x,), raise_exception=False) is False
    assert ag.gradcheck(Cube.apply, (x,), raise_exception=False) is True
    assert ag.gradgradcheck(CubeWithWrongSecondDerivative.apply, (x,),
                            raise_exception=False) is False
