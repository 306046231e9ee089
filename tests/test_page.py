"""The interactive page (`autograd_lite.page`) without a browser: what the HTML holds.

tests/test_page_browser.py opens the same pages in Chromium and presses the keys.
"""

import html
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import autograd_lite as ag
import nn
from autograd_lite.page import CHAR_WIDTH, Page, engine_order, page_data, page_html
from autograd_lite.viz import Graph


def km():
    """z = (3k + 8m)(5m + 2) at k = 1, m = 3, every tensor named."""
    k = ag.tensor(1.0, dtype=ag.float64, requires_grad=True)
    m = ag.tensor(3.0, dtype=ag.float64, requires_grad=True)
    x = 3 * k + 8 * m
    y = 5 * m + 2
    z = x * y
    return z, {"k": k, "m": m, "x": x, "y": y, "z": z}


def mlp(seed=0):
    """nn's 2-3-1 MLP in float64 on a batch of two, squared error; its named parameters."""
    model = nn.Sequential(nn.Linear(2, 3, dtype=ag.float64,
                                    generator=np.random.default_rng(seed)), nn.ReLU(),
                          nn.Linear(3, 1, dtype=ag.float64,
                                    generator=np.random.default_rng(seed + 1)))
    x = ag.tensor([[0.5, -1.0], [1.0, 2.0]], dtype=ag.float64)
    loss = nn.MSELoss()(model(x), ag.tensor([[1.0], [0.0]], dtype=ag.float64))
    return loss, dict(model.named_parameters())


def data_of_page(text):
    """The JSON of the page's script."""
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    return json.loads(found.group(1).replace("<\\/", "</"))


def lines(data, kind=None):
    return [line for step in data["steps"] if kind in (None, step["kind"])
            for line in step["lines"]]


# --- self-contained ---------------------------------------------------------------------------

@pytest.mark.parametrize("make", [km, mlp])
def test_page_fetches_nothing(make):
    root, params = make()
    text = page_html(root, params)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", text, re.I)
    assert "<link" not in text and "@import" not in text
    assert re.findall(r"url\(([^)]*)\)", text) == ["#arrow"] * len(re.findall(r"url\(", text))
    assert "@font-face" not in text  # system fonts only
    assert text.count("<script") == 2  # the data, and the inline script (no src)


# --- the numbers of the steps -----------------------------------------------------------------

def test_km_steps_forward_then_backward_in_the_engines_order():
    z, params = km()
    data = page_data(z, params)
    kinds = [step["kind"] for step in data["steps"]]
    assert kinds == ["start"] + ["forward"] * 3 + ["backward"] * 3 + ["leaf"] * 2 + ["done"]
    assert lines(data, "forward") == ["x = 3*k + 8*m = 27", "y = 5*m + 2 = 17",
                                      "z = x * y = 459"]
    # the engine takes y before x (its ready list is last in, first out), so m gets 135 first
    assert [step["title"] for step in data["steps"][4:-1]] == [
        "Backward 1/5: z = x * y", "Backward 2/5: y = 5*m + 2", "Backward 3/5: x = 3*k + 8*m",
        "Backward 4/5: m (leaf)", "Backward 5/5: k (leaf)"]
    backward = lines(data, "backward")
    assert backward[:3] == ["dz/dz = 1", "dz/dx = y = 17", "dz/dy = x = 27"]
    assert "dz/dm = dz/dy · dy/dm = 27 · 5 = 135" in backward
    assert "dz/dk = dz/dx · dx/dk = 17 · 3 = 51" in backward
    assert "dz/dm += dz/dx · dx/dm = 17 · 8 = 136" in backward
    leaf = lines(data, "leaf")
    assert leaf[0] == "dz/dm = 135 + 136 = 271"  # as they arrived
    assert "dz/dk = 51" in leaf
    assert lines(data, "done") == ["dz/dk = 51", "dz/dm = 271 = 135 + 136"]


def test_km_nodes_edges_and_what_each_step_reveals():
    z, params = km()
    data = page_data(z, params)
    nodes = {node["name"]: node for node in data["nodes"]}
    assert {name: (node["value"], node["grad"]) for name, node in nodes.items()} == {
        "k": ("1", "grad 51"), "m": ("3", "grad 271"), "x": ("27", "grad 17"),
        "y": ("17", "grad 27"), "z": ("459", "grad 1")}
    assert nodes["x"]["details"]["local derivatives"] == ["dx/dk = 3", "dx/dm = 8"]
    assert nodes["z"]["kind"] == "root" and nodes["k"]["kind"] == "parameter"
    ids = {node["id"]: name for name, node in nodes.items()}
    edges = {(ids[e["from"]], ids[e["to"]]): e["label"] for e in data["edges"]}
    assert edges == {("k", "x"): "51", ("m", "x"): "136", ("m", "y"): "135",
                     ("x", "z"): "17", ("y", "z"): "27"}
    revealed = [step["show"] for step in data["steps"]]
    assert revealed[1] == [f"v-{nodes['x']['id']}"]
    step_x = data["steps"][6]
    assert step_x["node"] == nodes["x"]["id"]
    assert {ids[e["from"]] for e in data["edges"] if e["id"] in step_x["edges"]} == {"k", "m"}


def test_the_page_is_the_same_before_and_after_backward():
    z, params = km()
    before = page_data(z, params)
    z.backward(retain_graph=True)
    assert page_data(z, params)["steps"] == before["steps"]


def test_engine_order_is_the_order_the_engine_runs_hooks_in():
    for root, _ in (km(), mlp()):
        seen = []
        for key in Graph(root).order:
            hook = [lambda g, key=key, seen=seen: seen.append(key)]
            if isinstance(key, ag.Function):
                key.hooks = hook
            elif key.requires_grad:
                key._hooks = hook
        expected = engine_order(root)
        root.backward()
        assert [id(key) for key in seen] == [id(key) for key in expected]


def test_mlp_page_has_modules_shapes_and_norms():
    loss, params = mlp()
    data = page_data(loss, params)
    nodes = {node["name"]: node for node in data["nodes"]}
    assert nodes["0.weight"]["module"] == "0" and nodes["2.bias"]["module"] == "2"
    assert nodes["0.weight"]["value"].startswith("(3, 2) ‖·‖ ")
    loss.backward(retain_graph=True)
    norm = np.linalg.norm(params["0.weight"].grad.numpy())
    assert nodes["0.weight"]["grad"] == f"grad (3, 2) ‖·‖ {norm:.4g}"
    assert nodes["0.weight"]["details"]["gradient"]["norm"] == f"{norm:.4g}"
    assert "df/d(0.weight) = df/dt2.T @ t1 [(2, 3).T @ (2, 2)]  →  shape (3, 2), norm " \
        f"{norm:.4g}" in lines(data, "backward")
    by_id = {node["id"]: node for node in data["nodes"]}
    for box in data["size"]["modules"]:  # a module's box holds its nodes and no other
        for node in data["nodes"]:
            inside = (box["x"] <= node["x"] and node["x"] + node["w"] <= box["x"] + box["w"]
                      and box["y"] <= node["y"] and node["y"] + node["h"] <= box["y"] + box["h"])
            overlaps = not (node["x"] + node["w"] < box["x"] or box["x"] + box["w"] < node["x"]
                            or node["y"] + node["h"] < box["y"]
                            or box["y"] + box["h"] < node["y"])
            assert inside == (node["id"] in box["members"]) or not overlaps, (box, node)
            assert not overlaps or inside == (node["id"] in box["members"])
        assert {by_id[m]["module"] for m in box["members"]} == {box["name"]}


def test_boxes_fit_their_text_and_do_not_overlap():
    for root, params in (km(), mlp()):
        nodes = page_data(root, params)["nodes"]
        for node in nodes:
            longest = max(len(node["title"]), len(node["value"]), len(node["grad"]))
            assert node["w"] >= longest * CHAR_WIDTH + 16
        for a in nodes:
            for b in nodes:
                if a is not b:
                    assert (a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
                            or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"])


# --- the finite-difference check --------------------------------------------------------------

@pytest.mark.parametrize("make", [km, mlp])
def test_check_values_give_the_gradient_by_central_differences(make):
    root, params = make()
    checks = page_data(root, params)["checks"]
    assert {c["what"].split("[")[0] for c in checks} == {
        name for name, t in params.items() if t.requires_grad and t.grad_fn is None}
    root.backward()
    for c in checks:
        name, _, index = c["what"].partition("[")
        index = tuple(int(i) for i in index.rstrip("]").split(", ")) if index else ()
        assert c["grad"] == pytest.approx(float(params[name].grad.numpy()[index]), rel=1e-12)
        estimate = (c["f_plus"] - c["f_minus"]) / (2 * c["h"])
        assert estimate == pytest.approx(c["grad"], rel=1e-6, abs=1e-8)
        assert c["tol"] == 1e-6


def test_no_check_when_the_values_were_let_go():
    w = ag.tensor(np.ones((10, 10)), requires_grad=True)
    loss = (w * w).sum()
    loss.backward()  # a plain backward lets go of what has more than 64 numbers
    data = page_data(loss, {"w": w})
    assert data["checks"] == []
    assert "no leaf's gradient was kept" in data["no_check"]
    c = ag.tensor(np.full((10, 10), 2.0))  # a constant: its value is let go too
    loss = (w * c).sum() + (w * w).sum()
    loss.backward()
    data = page_data(loss, {"w": w})
    assert data["checks"] == []
    constants = [n for n in data["nodes"] if n["kind"] == "constant"]
    assert [n["value"] for n in constants] == ["(10, 10) (let go)"]


def test_a_root_that_needs_no_gradient_shows_the_forward_pass_only():
    a = ag.tensor(2.0)
    data = page_data(a * 3 + 1)  # no graph was recorded: one tensor, no step to take
    assert [step["kind"] for step in data["steps"]] == ["start"]
    assert [(n["title"], n["value"]) for n in data["nodes"]] == [("f", "7")]
    assert data["checks"] == [] and "does not require grad" in data["no_check"]


# --- files, the command line, notebooks -------------------------------------------------------

def test_save_graph_html_writes_the_page(tmp_path):
    z, params = km()
    path = ag.save_graph(z, tmp_path / "km.html", params=params)
    assert lines(data_of_page(path.read_text("utf-8")), "done")[1] == "dz/dm = 271 = 135 + 136"
    with pytest.raises(TypeError, match="rankdir do not apply to an .html page"):
        ag.save_graph(z, tmp_path / "other.html", rankdir="TB")
    assert not (tmp_path / "other.html").exists()


def test_cli_render_html(tmp_path):
    path = tmp_path / "graph.html"
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "grad", "(3*k + 8*m) * (5*m + 2)", "--at",
         "k=1", "m=3", "--render", str(path)], capture_output=True, text=True, check=True)
    assert f"wrote {path}" in result.stdout
    data = data_of_page(path.read_text("utf-8"))
    assert data["title"] == "f = 459"
    assert "df/dk = df/dt1 · dt1/dk = 17 · 3 = 51" in lines(data, "backward")
    assert lines(data, "done") == ["df/dk = 51", "df/dm = 271 = 135 + 136"]


def test_show_is_the_page_in_an_isolated_iframe(tmp_path):
    z, params = km()
    page = ag.show(z, params=params)
    assert isinstance(page, Page) and page.html == page_html(z, params)
    shown = page._repr_html_()
    assert shown.startswith('<iframe srcdoc="') and 'sandbox="allow-scripts"' in shown
    srcdoc = re.search(r'srcdoc="([^"]*)"', shown).group(1)
    assert html.unescape(srcdoc) == page.html
    assert page.save(tmp_path / "p.html").read_text("utf-8") == page.html


def test_tensor_displays_in_notebooks_with_grad_and_grad_fn():
    k = ag.tensor([1.0, 2.0], requires_grad=True)
    z = (k * k).sum()
    z.backward()
    assert k._repr_markdown_() == ("```text\ntensor([1., 2.], requires_grad=True)\n"
                                   "grad: tensor([2., 4.])\ngrad_fn: None\n```")
    assert z._repr_markdown_().splitlines()[1:3] == [
        "tensor(5., grad_fn=<SumBackward>)", "grad: None"]
    shown = k._repr_html_()
    assert shown.startswith("<pre") and "tensor([1., 2.], requires_grad=True)" in shown
    assert "grad: tensor([2., 4.])" in shown and "grad_fn: None" in shown
    assert html.escape("grad_fn: <SumBackward>") in z._repr_html_()


def test_a_graph_of_many_kinds_of_op_and_a_cnn_make_pages_whose_checks_agree():
    x = ag.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    mask = np.array([[True, False, True], [False, True, False]])
    parts = [x[0, 1:].sum(), ag.cat([x, x * 0.5], dim=1).logsumexp(dim=1).sum(),
             ag.where(mask, x, 1 - x).softmax(dim=0).max(), ag.pad(x, (1, 1)).var(),
             ag.stack([x, x.exp()], dim=0).amax(dim=0).mean(), (x.abs() ** x).std(),
             x[:1].expand(4, 3).log_softmax(dim=1).min(), ag.outer(x[0], x[1]).sum()]
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, dtype=ag.float64), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3, dtype=ag.float64))
    images = ag.tensor(np.random.default_rng(0).random((4, 1, 4, 4)))
    cnn = nn.CrossEntropyLoss()(model(images), ag.tensor([0, 1, 2, 0]))
    for root, params in ((sum(parts[1:], parts[0]), {"x": x}),
                         (cnn, dict(model.named_parameters()))):
        data = page_data(root, params)
        assert data["steps"][-1]["kind"] == "done" and data["no_check"] == ""
        assert len(data["checks"]) == len(params)
        root.backward()
        for c in data["checks"]:
            name, _, index = c["what"].partition("[")
            index = tuple(int(i) for i in index.rstrip("]").split(", "))
            assert c["grad"] == pytest.approx(float(params[name].grad.numpy()[index]))
            estimate = (c["f_plus"] - c["f_minus"]) / (2 * c["h"])
            assert estimate == pytest.approx(c["grad"], rel=1e-5, abs=1e-8)
