"""The errors the ops raise: PyTorch's exception type, with a message that names the op and
the shapes, dims or dtypes at fault (and, where there is one, what to do instead)."""

import numpy as np
import pytest
from error_messages import raises

import autograd_lite as ag

# ----- shapes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("op, name", [
    (lambda a, b: a + b, "add"), (lambda a, b: a - b, "sub"), (lambda a, b: a * b, "mul"),
    (lambda a, b: a / b, "div"), (lambda a, b: a ** b, "pow"), (lambda a, b: b + a, "add"),
    (ag.maximum, "maximum"), (ag.minimum, "minimum"),
])
def test_a_broadcasting_mismatch_names_the_op_and_both_shapes(op, name):
    with raises(RuntimeError, f"{name}:", "(2, 3)", "(4,)", "cannot be broadcast"):
        op(ag.ones(2, 3), ag.ones(4))


def test_a_broadcasting_mismatch_with_a_numpy_array_names_both_shapes():
    with raises(RuntimeError, "mul:", "(2, 3)", "(4,)"):
        ag.ones(2, 3) * np.ones(4)
    with raises(RuntimeError, "add:", "(4,)", "(2, 3)"):
        np.ones(4) + ag.ones(2, 3, requires_grad=True)


def test_a_broadcasting_mismatch_in_a_comparison_names_the_op():
    with raises(RuntimeError, "less", "(2, 3)", "(4,)"):
        _ = ag.ones(2, 3) < ag.ones(4)


def test_a_broadcasting_mismatch_in_where_names_the_shapes():
    with raises(RuntimeError, "where", "(2, 3)", "(4,)"):
        ag.where(ag.ones(2, 3) > 0, ag.ones(2, 3), ag.ones(4))


def test_an_in_place_result_must_fit_the_tensors_shape():
    x = ag.ones(2, 3)
    with raises(RuntimeError, "add_", "(2, 3)", "(4,)"):
        x += ag.ones(4)
    with raises(RuntimeError, "add_", "(3,)", "(2, 3)"):  # the result would not fit in x
        ag.ones(3).add_(ag.ones(2, 3))


def test_matmul_names_both_shapes_and_the_unequal_sizes():
    with raises(RuntimeError, "matmul", "(2, 3)", "(4, 2)", "3 != 4"):
        ag.ones(2, 3) @ ag.ones(4, 2)
    with raises(RuntimeError, "matmul", "(3,)", "(4,)"):
        ag.matmul(ag.ones(3), ag.ones(4))
    with raises(RuntimeError, "matmul", "batch", "(2, 2, 3)", "(3, 3, 2)"):
        ag.ones(2, 2, 3) @ ag.ones(3, 3, 2)


@pytest.mark.parametrize("a, b", [((), (3,)), ((3,), ()), ((), ())])
def test_matmul_needs_operands_of_at_least_1d(a, b):
    with raises(RuntimeError, "matmul", "at least 1D", f"{a}", f"{b}"):
        ag.ones(a) @ ag.ones(b)


def test_dot_needs_two_1d_tensors_of_one_length():
    with raises(RuntimeError, "dot", "1D tensors expected", "2D and 2D"):
        ag.dot(ag.ones(2, 2), ag.ones(2, 2))
    with raises(RuntimeError, "dot", "[2]", "[3]"):
        ag.ones(2).dot(ag.ones(3))


def test_outer_needs_1d_tensors():
    with raises(RuntimeError, "outer", "2D"):
        ag.outer(ag.ones(2, 2), ag.ones(2))


@pytest.mark.parametrize("method", ["reshape", "view"])
@pytest.mark.parametrize("shape", [(4, 2), (-1, 4), (7,), (-1, -1), (-2, 3)])
def test_reshape_to_an_invalid_size_names_the_shape_and_the_size(method, shape):
    with raises(RuntimeError, f"{method}():", f"'{list(shape)}'", "size 6", "(2, 3)"):
        getattr(ag.ones(2, 3), method)(*shape)


@pytest.mark.parametrize("dims", [(0,), (0, 0), (0, 1, 0)])
def test_permute_needs_each_dim_once(dims):
    with raises(RuntimeError, "permute()", f"{dims}", "(2, 3)"):
        ag.ones(2, 3).permute(*dims)


def test_permute_takes_the_dims_one_way_not_both():
    with raises(TypeError, "permute()", "dims=", "not both"):
        ag.zeros(2, 3).permute(1, 0, dims=(1, 0))


def test_expand_names_the_target_and_the_tensor_sizes():
    with raises(RuntimeError, "expanded size", "Target sizes: [4, 4]", "Tensor sizes: [2, 3]"):
        ag.ones(2, 3).expand(4, 4)
    with raises(RuntimeError, "expand", "(1)", "(2)"):
        ag.ones(2, 3).expand(3)


@pytest.mark.parametrize("widths", [(1,), (1, 1, 1), (1, 1, 1, 1, 1, 1)])
def test_pad_widths_come_in_pairs_two_per_dim_at_most(widths):
    with raises(RuntimeError, "pad", "(2, 3)", f"{widths}"):
        ag.pad(ag.ones(2, 3), widths)


@pytest.mark.parametrize("widths", [(-5, 0), (-2, -3), (0, 0, -4, 0)])
def test_pad_cropping_more_than_the_input_raises(widths):
    with raises(RuntimeError, "pad:", "(shape (3, 4))", "would be negative", f"got {widths}"):
        ag.pad(ag.ones(3, 4), widths)


def test_cat_names_the_mismatching_dimension_and_shapes():
    with raises(RuntimeError, "cat()", "dimension 0", "(2, 3)", "(3, 2)"):
        ag.cat([ag.ones(2, 3), ag.ones(3, 2)])
    with raises(RuntimeError, "cat()", "same number of dimensions", "(3,)"):
        ag.cat([ag.ones(2, 3), ag.ones(3)])
    with raises(RuntimeError, "cat()", "zero-dimensional"):
        ag.cat([ag.tensor(1.0), ag.tensor(2.0)])
    with raises(ValueError, "cat()", "non-empty"):
        ag.cat([])


def test_stack_needs_tensors_of_one_shape():
    with raises(RuntimeError, "stack", "[2, 3]", "[3, 2]", "entry 1"):
        ag.stack([ag.ones(2, 3), ag.ones(3, 2)])


# ----- dims -----------------------------------------------------------------------------------

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
def test_a_dim_out_of_range_names_the_op_and_the_valid_range(call, name, low, high, got):
    with raises(IndexError, f"{name}():", f"[{low}, {high}]", f"got {got}"):
        call(ag.ones(2, 3))


@pytest.mark.parametrize("op", [lambda t: t.flatten(1), lambda t: t.transpose(0, 2)])
def test_dims_of_a_zero_dimensional_tensor_are_checked(op):
    with raises(IndexError, "Dimension out of range", "[-1, 0]"):
        op(ag.tensor(1.0))


@pytest.mark.parametrize("call, name, dim", [
    (lambda t: t.amax(0), "amax", 0), (lambda t: t.amin((1, 0)), "amin", 0),
    (lambda t: t.max(0), "max", 0), (lambda t: t.min(dim=-2), "min", 0),
])
def test_a_maximum_over_an_empty_dimension_raises_index_error(call, name, dim):
    with raises(IndexError, f"{name}():", f"dim {dim}", "non-zero size", "(0, 2)"):
        call(ag.zeros(0, 2))


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_the_maximum_of_all_elements_of_an_empty_tensor_raises(name):
    with raises(RuntimeError, f"{name}()", "numel() == 0"):
        getattr(ag.zeros(0, 2), name)()


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_of_an_empty_tensor_needs_a_dim(name):
    with raises(IndexError, f"{name}()", "numel() == 0", "(0, 2)", "dim"):
        getattr(ag.zeros(0, 2), name)()


@pytest.mark.parametrize("dim, says", [(None, "dim to be specified"),
                                       (0, "dim 0 to have non-zero size")])
def test_argmax_of_an_empty_tensor_raises_index_error(dim, says):
    with raises(IndexError, "argmax():", says, "(0, 3)"):
        ag.zeros(0, 3).argmax(dim)


# ----- dtypes ---------------------------------------------------------------------------------

def test_mean_var_and_std_need_a_floating_tensor():
    with raises(RuntimeError, "mean()", "int64"):
        ag.tensor([1, 2]).mean()
    with raises(RuntimeError, "var()", "int64"):
        ag.tensor([1, 2]).var()
    with raises(RuntimeError, "std()", "int32"):
        ag.tensor([1, 2], dtype=ag.int32).std()


def test_where_needs_a_boolean_condition():
    with raises(RuntimeError, "where", "boolean", "int64"):
        ag.where(ag.tensor([1, 0]), ag.ones(2), ag.zeros(2))


def test_integers_to_negative_integer_powers_are_refused():
    with raises(RuntimeError, "pow", "negative integer powers"):
        ag.tensor([1, 2]) ** -1


@pytest.mark.parametrize("op, name, dtypes", [
    (lambda a, b: a - b, "sub:", "float32 and bool"),
    (lambda a, b: b - a, "sub:", "bool and float32"),
    (lambda a, b: a.sub_(b), "sub_:", "float32 and bool"),
    (lambda a, b: -b, "neg:", "shape (2,)"),
])
def test_subtracting_or_negating_a_bool_tensor_names_the_op_and_points_to_not(op, name, dtypes):
    with raises(RuntimeError, name, dtypes, "bool tensor", "not supported", "`~`"):
        op(ag.ones(2), ag.tensor([True, False]))


# The minus of a bool tensor: refused, pointing to `~` for inverting a mask.
BOOL_MINUS = r"(sub|sub_|neg): .* bool tensor .*not supported.*`~`"


@pytest.mark.parametrize("op", [lambda a, b: a - b, lambda a, b: b - a, lambda a, b: -a,
                                lambda a, b: a - True])
def test_bool_subtraction_and_negation_raise_runtime_error(op):
    with pytest.raises(RuntimeError, match=BOOL_MINUS):
        op(ag.tensor([True, False]), ag.tensor([1.0, 2.0]))


@pytest.mark.parametrize("op", [lambda a, b: a - b, lambda a, b: b - a, lambda a, b: a.sub_(b),
                                lambda a, b: b - b])
def test_subtracting_a_bool_tensor_raises(op):
    with pytest.raises(RuntimeError, match=BOOL_MINUS):
        op(ag.tensor([1.0, 2.0]), ag.tensor([True, False]))


def test_subtracting_a_bool_array_raises():
    with pytest.raises(RuntimeError, match=BOOL_MINUS):
        ag.tensor([1.0, 2.0]) - np.array([True, False])


@pytest.mark.parametrize("op, name", [(lambda a, b: a & b, "bitwise_and"),
                                      (lambda a, b: a | b, "bitwise_or")])
def test_bitwise_and_or_need_bool_or_integer_tensors(op, name):
    with raises(NotImplementedError, f"{name}:", "bool and integer", "float32 and int64"):
        op(ag.ones(2), ag.tensor([1, 0]))


@pytest.mark.parametrize("op", [lambda a, b: a & b, lambda a, b: a | b])
def test_bitwise_and_or_of_float_tensors_raise(op):
    with raises(NotImplementedError, "only bool and integer tensors", "float32 and bool"):
        op(ag.tensor([1.0]), ag.tensor([True]))


def test_argmax_of_a_bool_tensor_says_to_convert_it():
    with raises(RuntimeError, "argmax()", "bool", "(2,)", ".long()"):
        ag.tensor([True, False]).argmax()


# ----- arguments ------------------------------------------------------------------------------

def test_clamp_needs_a_bound_given_as_a_number():
    with raises(RuntimeError, "clamp()", "min", "max"):
        ag.ones(3).clamp()
    with raises(RuntimeError, "clamp()"):
        ag.clamp(ag.ones(3), None, None)
    with raises(RuntimeError, "clamp()", "(3,)", "ag.maximum"):
        ag.ones(3).clamp(min=ag.zeros(3))
