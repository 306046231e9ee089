"""`ag.explain`: the backward pass written out as a chain-rule derivation, with the engine's
numbers, before or after backward."""

from pathlib import Path

import numpy as np
import pytest
from user_functions import Cube

import autograd_lite as ag

KM_NAMED = """\
Backward pass of z = 459, by the chain rule

dz/dz = 1

z = x * y = 459
    dz/dx = y = 17
    dz/dy = x = 27

x = 3*k + 8*m = 27    incoming dz/dx = 17
    dx/dk = 3         dz/dk  = dz/dx * dx/dk = 17 * 3 = 51
    dx/dm = 8         dz/dm  = dz/dx * dx/dm = 17 * 8 = 136

y = 5*m + 2 = 17      incoming dz/dy = 27
    dy/dm = 5         dz/dm += dz/dy * dy/dm = 27 * 5 = 135

Gradients
    dz/dk = 51
    dz/dm = 136 + 135 = 271"""

# Only the leaves named (as the command line does): the operands of the product are t1 and
# t2 (numbered without the results written inline, so that no number is skipped), the root f.
KM_LEAVES_NAMED = """\
Backward pass of f = 459, by the chain rule

df/df = 1

f = t1 * t2 = 459
    df/dt1 = t2 = 17
    df/dt2 = t1 = 27

t1 = 3*k + 8*m = 27    incoming df/dt1 = 17
    dt1/dk = 3         df/dk  = df/dt1 * dt1/dk = 17 * 3 = 51
    dt1/dm = 8         df/dm  = df/dt1 * dt1/dm = 17 * 8 = 136

t2 = 5*m + 2 = 17      incoming df/dt2 = 27
    dt2/dm = 5         df/dm += df/dt2 * dt2/dm = 27 * 5 = 135

Gradients
    df/dk = 51
    df/dm = 136 + 135 = 271"""


def km(dtype=ag.float32):
    k = ag.tensor(1.0, dtype=dtype, requires_grad=True)
    m = ag.tensor(3.0, dtype=dtype, requires_grad=True)
    x = 3 * k + 8 * m
    y = 5 * m + 2
    z = x * y
    return {"k": k, "m": m, "x": x, "y": y, "z": z}


def assert_lines(actual, expected):
    assert str(actual).splitlines() == expected.splitlines()


def test_km_reads_as_the_worked_derivation():
    t = km()
    assert_lines(ag.explain(t["z"], params=t), KM_NAMED)


def test_km_with_only_the_leaves_named():
    t = km(ag.float64)
    assert_lines(ag.explain(t["z"], params={"k": t["k"], "m": t["m"]}), KM_LEAVES_NAMED)


@pytest.mark.parametrize("retain_graph", [False, True])
def test_the_same_text_before_and_after_backward(retain_graph):
    t = km()
    before = str(ag.explain(t["z"], params=t))
    t["z"].backward(retain_graph=retain_graph)
    after = ag.explain(t["z"], params=t)
    assert str(after) == before == KM_NAMED
    assert after.gradients["k"] == t["k"].grad.item() == 51
    assert after.gradients["m"] == t["m"].grad.item() == 271


def test_gradients_are_the_engines_for_scalar_functions():
    a = ag.tensor(0.7, dtype=ag.float64, requires_grad=True)
    w = ag.tensor(-1.3, dtype=ag.float64, requires_grad=True)
    u = a * w - 1
    f = (u.tanh() + (a / 3) ** 2 - a.exp() * 2 + (w * w).sigmoid() + u.sin() * a.cos()
         + (a * a + 1).log() + (w.abs() + 2).sqrt() + 2 ** a + a ** w.abs()
         + (1 - w).relu() + w.leaky_relu(0.1) + w.clamp(-1, 1) - a.maximum(w) / (w - 4))
    explanation = ag.explain(f, params={"a": a, "w": w, "u": u})
    f.backward()
    assert explanation.gradients["a"] == pytest.approx(a.grad.item(), rel=1e-12)
    assert explanation.gradients["w"] == pytest.approx(w.grad.item(), rel=1e-12)
    text = str(explanation)
    # u is a named operand of the product sin(u) * cos(a): the chain goes through it
    assert "du/da = w = -1.3" in text
    assert "du/dw = a = 0.7" in text
    final = text.splitlines()[-2:]
    assert final[0].startswith("    df/da = ") and final[0].endswith(f"= {a.grad.item():.4g}")
    assert final[1].startswith("    df/dw = ") and final[1].endswith(f"= {w.grad.item():.4g}")


def test_local_derivative_formulas():
    x = ag.tensor(2.0, requires_grad=True)
    cases = {
        "sin": ("dy/dx = cos(x) = -0.4161", lambda: x.sin()),
        "exp": ("dy/dx = exp(x) = 7.389", lambda: x.exp()),
        "pow": ("dy/dx = 3*x**2 = 12", lambda: x ** 3),
        "reciprocal": ("dy/dx = -1 / x**2 = -0.25", lambda: 1 / x),
        "log": ("dy/dx = 1 / x = 0.5", lambda: x.log()),
        "tanh": ("dy/dx = 1 - tanh(x)**2 = 0.07065", lambda: x.tanh()),
        "relu": ("dy/dx = [x > 0] = 1", lambda: x.relu()),
        "sqrt": ("dy/dx = 1 / (2*sqrt(x)) = 0.3536", lambda: x.sqrt()),
        "sigmoid": ("dy/dx = sigmoid(x) * (1 - sigmoid(x)) = 0.105", lambda: x.sigmoid()),
    }
    for what, (local, make) in cases.items():
        y = make()  # the named operand of a product: a step of its own
        lines = str(ag.explain(y * y, params={"x": x, "y": y})).splitlines()
        assert any(line.startswith(f"    {local}  ") for line in lines), (what, lines)


def test_like_terms_of_one_step_are_combined():
    m = ag.tensor(3.0, requires_grad=True)
    z = m * m
    lines = str(ag.explain(z, params={"m": m, "z": z})).splitlines()
    assert "    dz/dm = 2*m = 6" in lines
    assert lines[-1] == "    dz/dm = 6"


def mlp():
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.normal(size=(4, 2)))
    params = {"0.weight": ag.tensor(rng.normal(size=(3, 2)), requires_grad=True),
              "0.bias": ag.tensor(np.zeros(3), requires_grad=True),
              "2.weight": ag.tensor(rng.normal(size=(1, 3)), requires_grad=True),
              "2.bias": ag.tensor(np.zeros(1), requires_grad=True)}
    h = (x @ params["0.weight"].T + params["0.bias"]).relu()
    out = h @ params["2.weight"].T + params["2.bias"]
    loss = ((out - 1) ** 2).mean()
    return loss, {"x": x, **params, "h": h, "loss": loss}


def test_tensors_show_shapes_and_norms_and_vjp_formulas():
    loss, names = mlp()
    explanation = ag.explain(loss, params=iter(names.items()))
    loss.backward()
    lines = str(explanation).splitlines()
    weight = names["0.weight"]
    norm = f"{np.linalg.norm(weight.grad.array):.4g}"
    assert f"    dloss/d(0.weight) = shape (3, 2), norm {norm}" in lines
    assert any(line.startswith("h = relu(t3)  [shape (4, 3), norm ") for line in lines)
    assert any("dloss/dt3  = dloss/dh * [t3 > 0]" in line and "shape (4, 3), norm" in line
               for line in lines)
    assert any("dloss/dh  = dloss/dt5 @ t4.T   [(4, 1) @ (3, 1).T]" in line for line in lines)
    assert any("dloss/dt1  = x.T @ dloss/dt2   [(4, 2).T @ (4, 3)]" in line for line in lines)
    assert not any("dloss/dt3  = dloss/dh * [t3 > 0]   [" in line for line in lines)
    assert any(line.startswith("t1 = 0.weight.T  [shape (2, 3)") for line in lines)
    assert any("dloss/dt8  = dloss/dloss / 4 copied to shape (4, 1)" in line for line in lines)
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        np.testing.assert_allclose(explanation.gradients[name], names[name].grad.array,
                                   rtol=1e-12)


def test_steps_run_in_reverse_topological_order():
    loss, names = mlp()
    steps = [step.name for step in ag.explain(loss, params=names).steps]
    assert steps[0] == "loss"
    assert steps.index("h") < steps.index("t3") < steps.index("t2") < steps.index("t1")


def test_a_user_function_is_explained_after_its_saved_tensors_are_freed():
    x = ag.tensor(2.0, requires_grad=True)
    y = Cube.apply(x)
    z = y * y
    z.backward()
    explanation = ag.explain(z, params={"x": x, "y": y, "z": z})
    assert explanation.gradients["x"] == x.grad.item() == 2 * 8 * 12
    lines = str(explanation).splitlines()
    assert lines[7].startswith("y = Cube(x) = 8    ")
    assert lines[8].split() == "dy/dx = 12 dz/dx = dz/dy * dy/dx = 16 * 12 = 192".split()


def test_markdown_and_html():
    t = km()
    explanation = ag.explain(t["z"], params=t)
    markdown = explanation._repr_markdown_()
    assert markdown == explanation.to_markdown()
    assert markdown.startswith("**Backward pass of z = 459, by the chain rule**\n\n```text\n")
    assert "dz/dm += dz/dy * dy/dm = 27 * 5 = 135" in markdown
    assert markdown.rstrip().endswith("```")
    page = explanation._repr_html_()
    assert "<pre" in page and "dz/dk  = dz/dx * dx/dk = 17 * 3 = 51" in page
    assert repr(explanation) == str(explanation)


def test_roots_without_a_graph():
    plain = ag.tensor(2.0)
    assert "does not require grad" in str(ag.explain(plain))
    leaf = ag.tensor(2.0, requires_grad=True)
    explanation = ag.explain(leaf, params={"w": leaf})
    assert explanation.steps == []
    assert explanation.gradients == {"w": 1.0}
    with pytest.raises(TypeError, match="needs a Tensor"):
        ag.explain(2.0)


def test_long_graphs_without_recursion_and_max_steps():
    x = ag.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y.sin() * 1.0001
    explanation = ag.explain(y, params={"x": x}, max_steps=5)
    assert len(explanation.steps) == 3000
    assert str(explanation).splitlines()[-4].startswith("... and 2995 more steps")
    y.backward()
    assert explanation.gradients["x"] == pytest.approx(x.grad.item(), rel=1e-5)


OPS = {
    "index": lambda x: x[0, 1:] * 2,
    "fancy index": lambda x: x[np.array([0, 0, 1])],
    "cat": lambda x: ag.cat([x, x * 2], dim=1),
    "stack": lambda x: ag.stack([x, x], dim=0),
    "pad": lambda x: ag.pad(x, (1, 1)),
    "where": lambda x: ag.where(x > 0, x, x * 3),
    "expand": lambda x: x[:1].expand(4, 3),
    "softmax": lambda x: x.softmax(dim=1),
    "log_softmax": lambda x: x.log_softmax(dim=0),
    "logsumexp": lambda x: x.logsumexp(dim=1),
    "max along": lambda x: x.max(dim=1).values,
    "amax": lambda x: x.amax(dim=0),
    "permute": lambda x: x.reshape(2, 3, 1).permute(2, 0, 1),
    "var": lambda x: x.var(dim=0),
    "clamp": lambda x: x.clamp(min=0),
    "cast": lambda x: x.to(ag.float32) * 1,
    "maximum": lambda x: ag.maximum(x, x * 0.5),
    "outer": lambda x: ag.outer(x[0], x[1]),
    "matvec": lambda x: x @ ag.tensor(np.ones(3)),
    "broadcast": lambda x: x * ag.tensor(np.ones(3), requires_grad=True),
    "tensor power": lambda x: x.abs() ** x,
}


@pytest.mark.parametrize("op", OPS)
def test_every_op_is_explained_with_the_engines_gradients(op):
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    y = OPS[op](x)
    loss = (y * ag.tensor(rng.normal(size=y.shape))).sum()
    before = ag.explain(loss, params={"x": x})
    loss.backward()
    after = ag.explain(loss, params={"x": x})
    assert str(before) == str(after)
    np.testing.assert_allclose(after.gradients["x"], x.grad.array, rtol=1e-10)
    result = f"df/dx = shape (2, 3), norm {np.linalg.norm(x.grad.array):.4g}".split()
    assert result in [line.split() for line in str(after).splitlines()]


def test_the_derivation_in_the_docs_is_current():
    path = Path(__file__).resolve().parents[1] / "docs" / "images" / "km_explain.txt"
    assert path.read_text() == KM_NAMED + "\n"


def test_nn_linear_and_cross_entropy_are_explained_by_their_formulas():
    import nn

    model = nn.MLP([4, 3, 2])
    x = ag.tensor(np.linspace(-1, 1, 8).reshape(2, 4))
    loss = nn.CrossEntropyLoss()(model(x), ag.tensor([0, 1]))
    loss.backward()  # every tensor has at most 64 numbers: all kept
    text = str(ag.explain(loss, params=dict(model.named_parameters())))
    assert "cross_entropy(t4, labels, reduction='mean')" in text
    assert "(softmax(t4) - onehot(labels)) / 2" in text
    assert "t2 = t1 @ 0.weight.T + 0.bias" in text and "df/dt2.T @ t1" in text
    assert "backward(" not in text


def test_a_root_that_is_a_leaf_says_its_derivative_by_the_leafs_name():
    x = ag.tensor(2.0, requires_grad=True)
    explanation = ag.explain(x, params={"f": x, "x": x})  # as `grad "x"` names them
    lines = str(explanation).splitlines()
    assert lines[2:4] == ["df/df = 1", "f is x itself: df/dx = 1"]
    assert lines[-2:] == ["Gradients", "    df/dx = 1"]
    assert explanation.gradients == {"x": 1.0}
