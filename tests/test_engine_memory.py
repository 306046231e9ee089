"""What a graph holds after backward (engine.KEEP_ELEMENTS, the teaching rule): without
`retain_graph` it lets every value and gradient of more than KEEP_ELEMENTS numbers go, as
PyTorch does, and keeps the small ones, so the pictures of a small example stay whole; with
`retain_graph=True` it keeps everything. The pictures read what the engine recorded."""

import gc
import weakref

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.engine import KEEP_ELEMENTS, NOT_KEPT
from autograd_lite.function import Released


def chain(size, ops=5):
    x = ag.tensor(np.linspace(-1, 1, size), requires_grad=True)
    h = x
    for _ in range(ops):
        h = (h * 1.01).sin()
    return x, h.sum()


def nodes(root):
    found, stack = [], [root.grad_fn]
    while stack:
        node = stack.pop()
        found.append(node)
        stack += [p for p in node.inputs if isinstance(p, ag.Function)]
    return found


def test_after_backward_no_large_value_or_gradient_is_held_by_the_graph():
    x, loss = chain(10_000)
    values = [weakref.ref(node.out_data) for node in nodes(loss)[1:]]
    loss.backward()
    gc.collect()
    assert all(ref() is None for ref in values)  # every intermediate array is gone
    for node in nodes(loss)[1:]:
        assert isinstance(node.out_data, Released) and node.out_grad is NOT_KEPT
        assert node.out_data.shape == (10_000,)
        assert all(not isinstance(a, ag.Tensor) or a.array.size <= KEEP_ELEMENTS
                   for a in node.args)


def test_a_kept_loss_holds_only_small_things():
    x, loss = chain(100_000)
    loss.backward()
    held = sum(a.nbytes for node in nodes(loss) for a in (node.out_data, node.out_grad)
               if isinstance(a, np.ndarray))
    assert held <= 64


def test_small_tensors_keep_their_values_and_gradients():
    x, loss = chain(KEEP_ELEMENTS)
    loss.backward()
    for node in nodes(loss):
        assert isinstance(node.out_data, np.ndarray) and isinstance(node.out_grad, np.ndarray)
    picture = ag.draw_graph(loss, show_backward=True).source
    assert "let go" not in picture and 'label="?"' not in picture


def test_retain_graph_keeps_everything_and_a_later_plain_backward_lets_it_go():
    x, loss = chain(1_000)
    loss.backward(retain_graph=True)
    assert all(isinstance(n.out_grad, np.ndarray) for n in nodes(loss))
    loss.backward()
    assert all(n.out_grad is NOT_KEPT for n in nodes(loss)[1:])
    np.testing.assert_allclose(x.grad.array, 2 * ag.autograd.grad(*chain(1_000)[::-1])[0].array)


def test_the_seed_example_keeps_every_value_and_gradient_for_its_pictures():
    k = ag.tensor(1.0, requires_grad=True)
    m = ag.tensor(3.0, requires_grad=True)
    x, y = 3 * k + 8 * m, 5 * m + 2
    z = x * y
    z.backward()
    names = {"k": k, "m": m, "x": x, "y": y, "z": z}
    source = ag.draw_graph(z, params=names, show_backward=True).source
    for text in ("data 459", "grad 1", "data 27", "grad 17", "grad 51", "grad 271"):
        assert text in source
    assert "dz/dm = 136 + 135 = 271" in str(ag.explain(z, params=names))


def test_a_large_graph_after_backward_is_drawn_with_shapes_and_says_values_went():
    x, loss = chain(1_000, ops=1)
    loss.backward()
    source = ag.draw_graph(loss, params={"x": x}).source
    assert "(1000,) float64|values let go by backward" in source
    assert "x\\n(1000,) float64|min -1" in source  # a leaf keeps its data: it is the user's


def test_pictures_before_backward_record_through_the_engine_without_touching_grad():
    x, loss = chain(3)
    calls = []
    x.register_hook(lambda g: calls.append(g))
    text = str(ag.explain(loss, params={"x": x}))
    assert x.grad is None and not calls
    loss.backward()  # the recording pass retained the graph
    assert "dloss" not in text and f"df/dx = shape (3,), norm {np.linalg.norm(x.grad.array):.4g}"\
        in text


def test_a_second_backward_through_a_graph_without_saved_tensors_still_works():
    x = ag.tensor(np.ones(1_000), requires_grad=True)
    loss = (x + 1).sum()
    loss.backward()
    loss.backward()
    np.testing.assert_array_equal(x.grad.array, 2.0)


def test_a_second_backward_after_release_still_names_the_op():
    x, loss = chain(1_000)
    loss.backward()
    with pytest.raises(RuntimeError, match="SinBackward.*retain_graph=True"):
        loss.backward()


def test_a_recorded_leaf_gradient_is_not_the_grad_array_that_later_steps_change():
    k = ag.tensor(1.0, requires_grad=True)
    z = (k * 3) * 2
    z.backward()
    k.grad.zero_()  # as an optimizer's zero_grad(set_to_none=False) does
    assert "label=6" in ag.draw_graph(z, show_backward=True).source
