"""`t[index] = value` on a tensor in the graph, as PyTorch's CopySlices: recorded as an op
(IndexPut), so the overwritten values pass no gradient back and `value` gets its part; the
version counter bumps, so an op that saved the tensor before raises PyTorch's in-place error
in backward; a leaf that requires grad is refused (unless under no_grad); a tensor that does
not require grad takes on the history of a value that does. Gradients compared with PyTorch in
float64 and checked to second order."""

import numpy as np
import pytest
import torch
from error_messages import raises
from hypothesis import given
from hypothesis import strategies as st
from strategies import arrays, basic_indices, boolean_mask, shapes
from torch_reference import assert_same

import autograd_lite as ag

LOGITS = [[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [0.0, 0.0, 1.0]]
INPLACE_ERROR = "one of the variables needed for gradient computation has been modified by " \
    "an inplace operation"
LEAF_ERROR = "a view of a leaf Variable that requires grad is being used in an in-place " \
    "operation."


def both(values):
    return (ag.tensor(values, dtype=ag.float64, requires_grad=True),
            torch.tensor(values, dtype=torch.float64, requires_grad=True))


def run_both(values, program):
    """`program(lib, leaf)` with each library; returns the two leaves after it ran and what
    each program returned (the gradient of a second leaf, or None)."""
    ours, theirs = both(values)
    return ours, theirs, program(ag, ours), program(torch, theirs)


def _subtract_at(lib, logits):  # p[0, 1] -= 1 on a softmax (copied: softmax saves its output)
    p = logits.softmax(1) * 1
    p[0, 1] -= 1
    (p ** 2).sum().backward()


def _slice_from_tensor(lib, x):  # y = x * 2; y[1:] = z
    z = lib.tensor([5.0, 7.0], dtype=lib.float64, requires_grad=True)
    y = x * 2
    y[1:] = z * z
    (y * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
    return z.grad


def _broadcast_scalar(lib, x):  # a 0-d value written into a slice gets the slice's sum
    s = lib.tensor(3.0, dtype=lib.float64, requires_grad=True)
    y = x * 1
    y[1:] = s
    y[0] = s * 2
    (y * y).sum().backward()
    return s.grad


def _mask_and_fancy(lib, logits):  # boolean mask, then integer arrays
    y = logits * 1
    y[y > 1] = 0
    y[[0, 2], [1, 1]] = lib.tensor([5.0, 6.0], dtype=lib.float64)
    (y ** 2).sum().backward()


def _row_of_matrix(lib, logits):  # a row from another row of the same tensor
    y = logits.tanh() * 1  # (tanh saves its output: assign into a copy)
    y[2] = y[0] * 3
    y[:, 1] += y[:, 2]
    (y.exp() * lib.arange(9, dtype=lib.float64).reshape(3, 3)).sum().backward()


@pytest.mark.parametrize("program, values", [
    (_subtract_at, LOGITS), (_slice_from_tensor, [1.0, 2.0, 3.0]),
    (_broadcast_scalar, [1.0, 2.0, 3.0]), (_mask_and_fancy, LOGITS),
    (_row_of_matrix, LOGITS),
], ids=["sub-at", "slice-from-tensor", "broadcast-scalar", "mask-and-fancy", "row"])
def test_gradients_match_torch(program, values):
    ours, theirs, our_other, their_other = run_both(values, program)
    assert_same(ours.grad, theirs.grad, np.float64)
    if their_other is not None:
        assert_same(our_other, their_other, np.float64)


def test_makemore_manual_softmax_gradient_matches_torch():
    """`dlogits = F.softmax(logits, 1); dlogits[range(n), Yb] -= 1; dlogits /= n`, as the
    makemore lecture writes it on logits that require grad (no backward through it)."""
    results = []
    for lib, logits in zip((ag, torch), both(LOGITS)):
        labels = lib.tensor([2, 0, 1])
        dlogits = logits.softmax(1)
        dlogits[range(3), labels] -= 1
        dlogits /= 3
        assert dlogits.requires_grad and not dlogits.is_leaf
        results.append(dlogits)
    assert_same(results[0].detach(), results[1].detach(), np.float64)


def test_first_and_second_order_checks():
    def f(x, z):
        y = x * x
        y[1:] = z * x[:2]
        y[0] += z[0].sin()
        return y

    x = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64, requires_grad=True)
    z = ag.tensor([0.3, 1.5], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(f, (x, z))
    assert ag.gradgradcheck(f, (x, z))


def test_a_saved_tensor_changed_by_assignment_raises_torchs_error():
    for x in both([1.0, 2.0, 3.0]):  # ours, then torch
        p = x * 2
        q = p ** 2  # saves p
        p[0] = 5.0
        with raises(RuntimeError, INPLACE_ERROR):
            q.sum().backward()


def test_assigning_into_a_softmax_output_raises_in_backward_as_in_torch():
    for logits in both(LOGITS):  # ours, then torch
        p = logits.softmax(1)  # softmax saves its output for backward
        p[0, 1] -= 1
        with raises(RuntimeError, INPLACE_ERROR):
            p.sum().backward()


def test_the_version_counter_bumps_and_the_old_values_stay_for_earlier_ops():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    before = y._version
    y[1] = 0.0
    assert y._version == before + 1
    np.testing.assert_array_equal(y.detach().numpy(), [2.0, 0.0, 6.0])
    assert y.grad_fn.name() == "IndexPutBackward"


@pytest.mark.parametrize("assign", [
    lambda x: x.__setitem__(0, 1.0),
    lambda x: x.__setitem__(slice(1, None), ag.tensor([1.0, 2.0])),
], ids=["number", "tensor"])
def test_assignment_into_a_leaf_that_requires_grad_raises_torchs_error(assign):
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with raises(RuntimeError, LEAF_ERROR, "no_grad"):
        assign(x)
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0, 3.0])
    t = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with raises(RuntimeError, LEAF_ERROR):
        t[0] = 1.0


def test_augmented_assignment_into_a_leaf_raises_torchs_error():
    for x in both([1.0, 2.0, 3.0]):  # ours, then torch
        with raises(RuntimeError, LEAF_ERROR):
            x[0] += 1


def test_under_no_grad_a_leaf_is_written_in_place():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    array = x.array
    with ag.no_grad():
        x[1:] = ag.tensor([7.0, 8.0], requires_grad=True)
    assert x.is_leaf and x.requires_grad and x.array is array
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 7.0, 8.0])


def test_a_value_that_requires_grad_makes_the_tensor_require_grad_as_in_torch():
    for lib in (ag, torch):
        z = lib.tensor([5.0, 7.0], requires_grad=True)
        y = lib.zeros(3)
        y[1:] = z
        assert y.requires_grad and not y.is_leaf
        y.sum().backward()
        np.testing.assert_array_equal(z.grad.numpy(), [1.0, 1.0])
        ints = lib.zeros(3, dtype=lib.int64)  # an integer tensor takes the values only
        ints[1:] = z
        assert not ints.requires_grad and ints.grad_fn is None
        assert ints.tolist() == [0, 5, 7]


def test_plain_assignment_needs_no_graph():
    y = ag.zeros(3)
    array = y.array
    y[0] = 1.0
    assert not y.requires_grad and y.array is array and y.tolist() == [1.0, 0.0, 0.0]


@pytest.mark.parametrize("grad", [True, False], ids=["recorded", "plain"])
def test_a_value_of_the_wrong_shape_raises_torchs_error(grad):
    y = ag.zeros(3, 3, requires_grad=grad) * 1
    with raises(RuntimeError, "shape mismatch: value tensor of shape [2] cannot be broadcast "
                "to indexing result of shape [3]", "[0] = value"):
        y[0] = ag.tensor([1.0, 2.0])
    with raises(IndexError, "index 5 is out of bounds"):
        y[5] = 1.0
    t = torch.zeros(3, 3)
    with pytest.raises(IndexError, match="index 5 is out of bounds"):
        t[5] = 1.0


def test_pictures_and_explain_show_the_assignment():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    z = ag.tensor([5.0, 7.0], requires_grad=True)
    y = x * 2
    y[1:] = z
    loss = y.sum()
    loss.backward()
    assert 'label="index_put(t2, [1:], t3)"' in ag.draw_graph(loss, show_backward=True).source
    text = str(ag.explain(loss, params={"x": x, "z": z}))
    assert "t2 = index_put(t1, [1:], z)" in text
    assert "df/dt1  = df/dt2 with zeros at [1:]" in text and "df/dz  = df/dt2[1:]" in text
    assert "df/dx = shape (3,), norm 2, values [2, 0, 0]" in text


@st.composite
def assignments(draw):
    """A base array, an index into it (basic, or a boolean mask) and a value of the indexed
    part's shape (or a shape that broadcasts to it)."""
    shape = draw(shapes(min_dims=1))
    index = draw(st.one_of(basic_indices(shape), boolean_mask(shape)))
    part = np.zeros(shape)[index].shape
    value_shape = draw(st.sampled_from([part, part[1:], ()])) if part else ()
    return draw(arrays(shape)), index, draw(arrays(value_shape))


@given(assignments())
def test_assignment_gradients_match_torch_for_any_index(case):
    base, index, value = case
    weights = np.arange(base.size, dtype=np.float64).reshape(base.shape) - 2.0
    grads = []
    for lib in (ag, torch):
        x = lib.tensor(base, dtype=lib.float64, requires_grad=True)
        v = lib.tensor(value, dtype=lib.float64, requires_grad=True)
        y = x * 3
        y[lib.tensor(index) if isinstance(index, np.ndarray) else index] = v * 2
        (y * lib.tensor(weights)).sum().backward()
        grads.append((x.grad, v.grad, y))
    (ours_x, ours_v, ours_y), (theirs_x, theirs_v, theirs_y) = grads
    assert_same(ours_y.detach(), theirs_y.detach(), np.float64)
    assert_same(ours_x, theirs_x, np.float64)
    assert_same(ours_v, theirs_v, np.float64)
