"""Every error path of the contract raises PyTorch's exception type (where PyTorch raises one)
with a message that names the op and the shapes (or dtypes) at fault."""

import re

import numpy as np
import pytest
import torch

import autograd_lite as ag


def raises(kind, *fragments):
    """`pytest.raises(kind)` whose message must contain every fragment, literally."""
    return pytest.raises(kind, match="(?s)" + "".join(f"(?=.*{re.escape(f)})" for f in fragments))


def torch_raises(kind, fn):
    """PyTorch raises `kind` for the same mistake: the type we match is PyTorch's."""
    with pytest.raises(kind):
        fn()


# ----- shapes -----------------------------------------------------------------------------

@pytest.mark.parametrize("op, name", [
    (lambda a, b: a + b, "add"), (lambda a, b: a - b, "sub"), (lambda a, b: a * b, "mul"),
    (lambda a, b: a / b, "div"), (lambda a, b: a ** b, "pow"), (lambda a, b: b + a, "add"),
    (ag.maximum, "maximum"), (ag.minimum, "minimum"),
])
def test_broadcasting_mismatch(op, name):
    with raises(RuntimeError, f"{name}:", "(2, 3)", "(4,)", "cannot be broadcast"):
        op(ag.ones(2, 3), ag.ones(4))
    torch_raises(RuntimeError, lambda: torch.ones(2, 3) + torch.ones(4))


def test_broadcasting_mismatch_with_a_numpy_array():
    with raises(RuntimeError, "mul:", "(2, 3)", "(4,)"):
        ag.ones(2, 3) * np.ones(4)
    with raises(RuntimeError, "add:", "(4,)", "(2, 3)"):
        np.ones(4) + ag.ones(2, 3, requires_grad=True)


def test_broadcasting_mismatch_in_a_comparison():
    with raises(RuntimeError, "less", "(2, 3)", "(4,)"):
        _ = ag.ones(2, 3) < ag.ones(4)
    torch_raises(RuntimeError, lambda: torch.ones(2, 3) < torch.ones(4))


def test_broadcasting_mismatch_in_where():
    with raises(RuntimeError, "where", "(2, 3)", "(4,)"):
        ag.where(ag.ones(2, 3) > 0, ag.ones(2, 3), ag.ones(4))


def test_broadcasting_mismatch_in_place():
    x = ag.ones(2, 3)
    with raises(RuntimeError, "add_", "(2, 3)", "(4,)"):
        x += ag.ones(4)
    with raises(RuntimeError, "add_", "(3,)", "(2, 3)"):  # the result would not fit in x
        ag.ones(3).add_(ag.ones(2, 3))


def test_in_place_update_of_an_int_tensor_with_floats():
    t = ag.tensor([1, 2])
    with raises(RuntimeError, "add_", "int64"):
        t += 1.5
    with raises(RuntimeError, "mul_", "float32", "int64"):
        t *= ag.tensor([0.5, 1.0], requires_grad=True)
    with raises(RuntimeError, "div_", "int64"):
        t /= 2
    assert t.tolist() == [1, 2]

    def torch_update():
        u = torch.tensor([1, 2])
        u += 1.5
    torch_raises(RuntimeError, torch_update)


def test_matmul_shape_mismatch():
    with raises(RuntimeError, "matmul", "(2, 3)", "(4, 2)", "3 != 4"):
        ag.ones(2, 3) @ ag.ones(4, 2)
    with raises(RuntimeError, "matmul", "(3,)", "(4,)"):
        ag.matmul(ag.ones(3), ag.ones(4))
    with raises(RuntimeError, "matmul", "batch", "(2, 2, 3)", "(3, 3, 2)"):
        ag.ones(2, 2, 3) @ ag.ones(3, 3, 2)
    torch_raises(RuntimeError, lambda: torch.ones(2, 3) @ torch.ones(4, 2))


@pytest.mark.parametrize("a, b", [((), (3,)), ((3,), ()), ((), ())])
def test_matmul_of_a_0d_operand(a, b):
    with raises(RuntimeError, "matmul", "at least 1D", f"{a}", f"{b}"):
        ag.ones(a) @ ag.ones(b)
    torch_raises(RuntimeError, lambda: torch.ones(a) @ torch.ones(b))


def test_dot_of_matrices_and_of_unequal_lengths():
    with raises(RuntimeError, "dot", "1D tensors expected", "2D and 2D"):
        ag.dot(ag.ones(2, 2), ag.ones(2, 2))
    with raises(RuntimeError, "dot", "[2]", "[3]"):
        ag.ones(2).dot(ag.ones(3))
    torch_raises(RuntimeError, lambda: torch.ones(2, 2).dot(torch.ones(2, 2)))


def test_outer_of_a_matrix():
    with raises(RuntimeError, "outer", "2D"):
        ag.outer(ag.ones(2, 2), ag.ones(2))


@pytest.mark.parametrize("method", ["reshape", "view"])
@pytest.mark.parametrize("shape", [(4, 2), (-1, 4), (7,), (-1, -1), (-2, 3)])
def test_reshape_to_an_invalid_size(method, shape):
    with raises(RuntimeError, f"{method}():", f"'{list(shape)}'", "size 6", "(2, 3)"):
        getattr(ag.ones(2, 3), method)(*shape)
    torch_raises(RuntimeError, lambda: getattr(torch.ones(2, 3), method)(*shape))


@pytest.mark.parametrize("dims", [(0,), (0, 0), (0, 1, 0)])
def test_permute_with_wrong_dims(dims):
    with raises(RuntimeError, "permute()", f"{dims}", "(2, 3)"):
        ag.ones(2, 3).permute(*dims)
    torch_raises(RuntimeError, lambda: torch.ones(2, 3).permute(*dims))


@pytest.mark.parametrize("call, name, low, high, got", [
    (lambda t: t.sum(2), "sum", -2, 1, 2),
    (lambda t: t.sum((0, -3)), "sum", -2, 1, -3),
    (lambda t: t.mean(dim=5, keepdim=True), "mean", -2, 1, 5),
    (lambda t: t.softmax(-3), "softmax", -2, 1, -3),
    (lambda t: t.log_softmax(2), "log_softmax", -2, 1, 2),
    (lambda t: t.unsqueeze(3), "unsqueeze", -3, 2, 3),
    (lambda t: t.unsqueeze(-4), "unsqueeze", -3, 2, -4),
    (lambda t: t.transpose(0, 2), "transpose", -2, 1, 2),
    (lambda t: t.max(2), "max", -2, 1, 2),
    (lambda t: t.permute(0, 2), "permute", -2, 1, 2),
    (lambda t: t.squeeze(-3), "squeeze", -2, 1, -3),
    (lambda t: t.logsumexp(2), "logsumexp", -2, 1, 2),
    (lambda t: ag.cat([t, t], dim=2), "cat", -2, 1, 2),
    (lambda t: ag.stack([t, t], dim=-4), "stack", -3, 2, -4),
])
def test_dim_out_of_range(call, name, low, high, got):
    with raises(IndexError, f"{name}():", f"[{low}, {high}]", f"got {got}"):
        call(ag.ones(2, 3))
    torch_raises(IndexError, lambda: call(torch.ones(2, 3)) if name not in ("cat", "stack")
                 else getattr(torch, name)([torch.ones(2, 3)] * 2, dim=got))


def test_cat_mismatch():
    with raises(RuntimeError, "cat()", "dimension 0", "(2, 3)", "(3, 2)"):
        ag.cat([ag.ones(2, 3), ag.ones(3, 2)])
    with raises(RuntimeError, "cat()", "same number of dimensions", "(3,)"):
        ag.cat([ag.ones(2, 3), ag.ones(3)])
    with raises(RuntimeError, "cat()", "zero-dimensional"):
        ag.cat([ag.tensor(1.0), ag.tensor(2.0)])
    with raises(ValueError, "cat()", "non-empty"):
        ag.cat([])
    torch_raises(RuntimeError, lambda: torch.cat([torch.ones(2, 3), torch.ones(3, 2)]))
    torch_raises(ValueError, lambda: torch.cat([]))


def test_stack_mismatch():
    with raises(RuntimeError, "stack", "[2, 3]", "[3, 2]", "entry 1"):
        ag.stack([ag.ones(2, 3), ag.ones(3, 2)])
    torch_raises(RuntimeError, lambda: torch.stack([torch.ones(2, 3), torch.ones(3, 2)]))


def test_expand_mismatch():
    with raises(RuntimeError, "expanded size", "Target sizes: [4, 4]", "Tensor sizes: [2, 3]"):
        ag.ones(2, 3).expand(4, 4)
    with raises(RuntimeError, "expand", "(1)", "(2)"):
        ag.ones(2, 3).expand(3)
    torch_raises(RuntimeError, lambda: torch.ones(2, 3).expand(4, 4))


@pytest.mark.parametrize("widths", [(1,), (1, 1, 1), (1, 1, 1, 1, 1, 1)])
def test_pad_of_odd_or_too_long_length(widths):
    with raises(RuntimeError, "pad", "(2, 3)", f"{widths}"):
        ag.pad(ag.ones(2, 3), widths)
    torch_raises(RuntimeError, lambda: torch.nn.functional.pad(torch.ones(2, 3), widths))


@pytest.mark.parametrize("call, name, dim", [
    (lambda t: t.amax(0), "amax", 0), (lambda t: t.amin((1, 0)), "amin", 0),
    (lambda t: t.max(0), "max", 0), (lambda t: t.min(dim=-2), "min", 0),
])
def test_maximum_over_an_empty_dimension(call, name, dim):
    with raises(IndexError, f"{name}():", f"dim {dim}", "non-zero size", "(0, 2)"):
        call(ag.zeros(0, 2))
    torch_raises(IndexError, lambda: call(torch.zeros(0, 2)))


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_maximum_of_all_elements_of_an_empty_tensor(name):
    with raises(RuntimeError, f"{name}()", "numel() == 0"):
        getattr(ag.zeros(0, 2), name)()
    torch_raises(RuntimeError, lambda: getattr(torch.zeros(0, 2), name)())


def test_index_out_of_range():
    with raises(IndexError, "(3,)[3]", "out of bounds"):
        ag.ones(3)[3]
    with raises(IndexError, "(2, 3)[0, -4]", "out of bounds"):
        ag.ones(2, 3)[0, -4]
    with raises(IndexError, "(3,)", "array of shape (2,)", "index 5"):
        ag.ones(3)[ag.tensor([0, 5])]
    with raises(IndexError, "(3,)[0, 0]", "too many indices"):
        ag.ones(3)[0, 0]
    torch_raises(IndexError, lambda: torch.ones(3)[3])


def test_negative_slice_step():
    with raises(ValueError, "(2, 3)[1, ::-1]", "step must be greater than zero", "got -1",
                "ag.arange(n - 1, -1, -1)"):
        ag.ones(2, 3)[1, ::-1]
    torch_raises(ValueError, lambda: torch.ones(2, 3)[1, ::-1])


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_of_all_elements_of_an_empty_tensor(name):
    with raises(IndexError, f"{name}()", "numel() == 0", "(0, 2)", "dim"):
        getattr(ag.zeros(0, 2), name)()
    torch_raises(IndexError, lambda: getattr(torch.zeros(0, 2), name)())


def test_permute_with_dims_both_ways():
    with raises(TypeError, "permute()", "dims=", "not both"):
        ag.zeros(2, 3).permute(1, 0, dims=(1, 0))
    torch_raises(TypeError, lambda: torch.zeros(2, 3).permute(1, 0, dims=(1, 0)))


# ----- dtypes --------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: ag.tensor([1, 2], requires_grad=True),
    lambda: ag.tensor([1, 2]).requires_grad_(),
    lambda: ag.zeros(2, dtype=ag.int64, requires_grad=True),
    lambda: ag.tensor([True], requires_grad=True),
    lambda: ag.arange(3, requires_grad=True),
])
def test_requires_grad_on_a_non_floating_tensor(make):
    with raises(RuntimeError, "floating point", "require gradients"):
        make()
    torch_raises(RuntimeError, lambda: torch.tensor([1, 2], requires_grad=True))


def test_mean_and_var_of_an_int_tensor():
    with raises(RuntimeError, "mean()", "int64"):
        ag.tensor([1, 2]).mean()
    with raises(RuntimeError, "var()", "int64"):
        ag.tensor([1, 2]).var()
    with raises(RuntimeError, "std()", "int32"):
        ag.tensor([1, 2], dtype=ag.int32).std()
    torch_raises(RuntimeError, lambda: torch.tensor([1, 2]).mean())
    torch_raises(RuntimeError, lambda: torch.tensor([1, 2]).var())


def test_where_with_a_non_boolean_condition():
    with raises(RuntimeError, "where", "boolean", "int64"):
        ag.where(ag.tensor([1, 0]), ag.ones(2), ag.zeros(2))
    torch_raises(RuntimeError, lambda: torch.where(torch.tensor([1, 0]), torch.ones(2),
                                                   torch.zeros(2)))


def test_integer_to_a_negative_integer_power():
    with raises(RuntimeError, "pow", "negative integer powers"):
        ag.tensor([1, 2]) ** -1
    torch_raises(RuntimeError, lambda: torch.tensor([1, 2]) ** -1)


@pytest.mark.parametrize("op, name, dtypes", [
    (lambda a, b: a - b, "sub:", "float32 and bool"),
    (lambda a, b: b - a, "sub:", "bool and float32"),
    (lambda a, b: a.sub_(b), "sub_:", "float32 and bool"),
    (lambda a, b: -b, "neg:", "shape (2,)"),
])
def test_subtracting_or_negating_a_bool_tensor(op, name, dtypes):
    with raises(RuntimeError, name, dtypes, "bool tensor", "not supported", "`~`"):
        op(ag.ones(2), ag.tensor([True, False]))
    torch_raises(RuntimeError, lambda: op(torch.ones(2), torch.tensor([True, False])))


@pytest.mark.parametrize("op, name", [(lambda a, b: a & b, "bitwise_and"),
                                      (lambda a, b: a | b, "bitwise_or")])
def test_bitwise_and_or_of_a_float_tensor(op, name):
    with raises(NotImplementedError, f"{name}:", "bool and integer", "float32 and int64"):
        op(ag.ones(2), ag.tensor([1, 0]))
    torch_raises(NotImplementedError, lambda: op(torch.ones(2), torch.tensor([1, 0])))


def test_argmax_of_a_bool_tensor():
    with raises(RuntimeError, "argmax()", "bool", "(2,)", ".long()"):
        ag.tensor([True, False]).argmax()
    torch_raises(RuntimeError, lambda: torch.tensor([True, False]).argmax())


# ----- autograd -------------------------------------------------------------------------------

def test_backward_on_a_non_scalar_without_gradient():
    y = ag.ones(2, 3, requires_grad=True) * 2
    with raises(RuntimeError, "backward()", "scalar outputs", "(2, 3)"):
        y.backward()
    torch_raises(RuntimeError, lambda: (torch.ones(2, requires_grad=True) * 2).backward())


def test_backward_with_a_gradient_of_the_wrong_shape():
    y = ag.ones(2, requires_grad=True) * 2
    with raises(RuntimeError, "backward()", "(3,)", "(2,)"):
        y.backward(ag.ones(3))


def test_backward_on_a_tensor_that_does_not_require_grad():
    with raises(RuntimeError, "does not require grad"):
        ag.ones(2).sum().backward()
    with ag.no_grad():
        y = (ag.ones(2, requires_grad=True) * 2).sum()
    with raises(RuntimeError, "does not require grad"):
        y.backward()
    torch_raises(RuntimeError, lambda: torch.ones(2).sum().backward())


def test_second_backward_through_a_freed_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with raises(RuntimeError, "second time", "retain_graph=True", "MulBackward"):
        y.backward()


def test_second_backward_works_with_retain_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])


@pytest.mark.parametrize("update", [
    lambda x: x.__iadd__(1), lambda x: x.__isub__(1), lambda x: x.__imul__(2),
    lambda x: x.__itruediv__(2), lambda x: x.add_(1), lambda x: x.sub_(1), lambda x: x.mul_(2),
], ids=["+=", "-=", "*=", "/=", "add_", "sub_", "mul_"])
def test_in_place_on_a_leaf_that_requires_grad(update):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with raises(RuntimeError, "leaf Variable that requires grad", "in-place", "no_grad"):
        update(x)
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0])  # untouched
    torch_raises(RuntimeError, lambda: update(torch.tensor([1.0, 2.0], requires_grad=True)))


@pytest.mark.parametrize("overwrite", [lambda x: x.zero_(), lambda x: x.fill_(3.0),
                                       lambda x: x.__setitem__(0, 5.0)],
                         ids=["zero_", "fill_", "setitem"])
def test_overwriting_a_tensor_that_requires_grad(overwrite):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with raises(RuntimeError, "requires grad", "no_grad"):
        overwrite(x)
    torch_raises(RuntimeError, lambda: overwrite(torch.tensor([1.0, 2.0], requires_grad=True)))


@pytest.mark.parametrize("make, op", [
    (lambda y: y * y, "MulBackward"),
    (lambda y: y.sin(), "SinBackward"),
    (lambda y: y / 3.0, "DivBackward"),
    (lambda y: y ** 2, "PowBackward"),
    (lambda y: y @ y, "MatMulBackward"),
])
def test_in_place_on_a_saved_tensor_then_backward(make, op):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = make(y)
    y.mul_(2)
    with raises(RuntimeError, "modified by an inplace operation", op):
        z.sum().backward()


def test_in_place_on_a_saved_output_then_backward():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # exp saves its output
    y += 1
    with raises(RuntimeError, "modified by an inplace operation", "ExpBackward"):
        y.sum().backward()


# ----- conversions ----------------------------------------------------------------------------

def test_item_of_several_elements():
    with raises(RuntimeError, "2 elements", "item()"):
        ag.ones(2).item()
    torch_raises(RuntimeError, lambda: torch.ones(2).item())


def test_float_and_int_of_several_elements():
    with raises(ValueError, "only one element", "float()", "(2,)"):
        float(ag.ones(2))
    with raises(ValueError, "only one element", "int()", "(1, 2)"):
        int(ag.ones(1, 2))
    torch_raises(ValueError, lambda: float(torch.ones(2)))


def test_bool_of_several_elements():
    with raises(RuntimeError, "ambiguous", "(2,)"):
        bool(ag.ones(2))
    with raises(RuntimeError, "ambiguous"):
        if ag.ones(2) > 0:
            pass
    torch_raises(RuntimeError, lambda: bool(torch.ones(2)))


def test_numpy_of_a_tensor_that_requires_grad():
    with raises(RuntimeError, "numpy()", "requires grad", "detach()"):
        ag.ones(2, requires_grad=True).numpy()
    torch_raises(RuntimeError, lambda: torch.ones(2, requires_grad=True).numpy())


def test_clamp_without_bounds():
    with raises(RuntimeError, "clamp()", "min", "max"):
        ag.ones(3).clamp()
    with raises(RuntimeError, "clamp()"):
        ag.clamp(ag.ones(3), None, None)
    with raises(RuntimeError, "clamp()", "(3,)", "ag.maximum"):
        ag.ones(3).clamp(min=ag.zeros(3))
    torch_raises(RuntimeError, lambda: torch.ones(3).clamp())


@pytest.mark.parametrize("data", [[[1, 2], [3]], [1, [2, 3]], [[1.0], [2.0, 3.0]]])
def test_tensor_of_ragged_lists(data):
    with raises(ValueError, "tensor()", "regular shape"):
        ag.tensor(data)
    torch_raises(ValueError, lambda: torch.tensor([[1, 2], [3]]))


@pytest.mark.parametrize("data", ["abc", ["a", "b"], [1, "b"], None, {1: 2}])
def test_tensor_of_strings_and_other_non_numbers(data):
    with raises(TypeError, "tensor()"):
        ag.tensor(data)


@pytest.mark.parametrize("call, name", [
    (lambda t: np.arcsinh(t), "arcsinh"),
    (lambda t: np.floor_divide(t, 2), "floor_divide"),
    (lambda t: np.cumsum(t), "cumsum"),
    (lambda t: np.sort(t), "sort"),
])
def test_numpy_function_without_a_gradient_on_a_tensor_requiring_grad(call, name):
    # PyTorch fails here too (RuntimeError from .numpy()); ours says which function has no
    # gradient, and is a TypeError: the function does not support this argument
    with raises(TypeError, f"np.{name}", "not differentiable", "detach()"):
        call(ag.ones(3, requires_grad=True))


def test_numpy_function_without_a_gradient_runs_where_no_gradient_is_needed():
    np.testing.assert_allclose(np.arcsinh(ag.ones(3)), np.arcsinh(np.ones(3)))
    with ag.no_grad():
        np.testing.assert_allclose(np.cumsum(ag.ones(3, requires_grad=True)), [1.0, 2.0, 3.0])


def test_optimizer_given_the_parameters_method_says_to_call_it():
    import nn
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"model.parameters\(\)"):
        nn.optim.Adam(model.parameters)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        nn.optim.SGD(5, lr=0.1)


def test_backward_with_a_gradient_that_is_not_numbers():
    y = ag.ones(2, requires_grad=True) * 2
    with pytest.raises(TypeError, match=r"gradient must be a Tensor.*shape \(2,\).*str"):
        y.backward("a")
