"""An interactive page of a graph: `page_html`, `save_page` and `show` (``.html`` of `save_graph`).

>>> z = (3 * k + 8 * m) * (5 * m + 2)
>>> ag.save_graph(z, "km.html", params={"k": k, "m": m})   # or ag.show(z, ...) in a notebook

One self-contained HTML file (its script and styles inline, system fonts, nothing fetched) that
steps through the graph: first the forward pass, op by op, each lighting up with its value; then
the backward pass in the order the engine runs it (`engine_order` mirrors `engine.backpropagate`,
and a test holds the two together), each step highlighting the node and the edges it sends
gradients along, with the chain rule in numbers (``dz/dk = dz/dx · dx/dk = 17 · 3 = 51``) and
the sums where paths meet (``dz/dm = 271 = 136 + 135``). Keys ArrowRight / ArrowLeft step,
Home / End jump; clicking a node shows its value, gradient, shape and local derivatives.

The steps are `explain`'s: the same names, the same formulas (each op's own), the same numbers
(what the engine recorded, `viz.backward_flow`), and the same grouping (an unnamed scalar that
an op uses linearly is written inside it: ``x = 3*k + 8*m`` is one node). The layout is a
layered one computed here, left to right; parameters named ``module.name`` (e.g. from
`named_parameters()`) put their module's ops in a box.

The "check" control compares a gradient with a central finite difference,
``(f(p + h) - f(p - h)) / 2h``, where f is the root (summed with the backward seed for a
non-scalar root) and p one element of a leaf: the two values of f were computed when the page
was made, by replaying every op's `forward` in float64 with p moved by ±h, and are stored in the
page, which divides and compares. A graph whose values a backward pass let go (see
`engine.KEEP_ELEMENTS`) or that does not replay to its own value (random ops such as dropout)
has no check.
"""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from .arrays import host
from .engine import count_dependencies
from .explain import _Derivation, d, join_sum, op_expr
from .formula import format_array, format_number
from .function import Function, Released
from .tensor import Tensor
from .viz import (
    PAGE_WRITERS,
    Flow,
    Graph,
    Key,
    _modules,
    _recorded_grad,
    backward_flow,
    data_of,
    key_of,
    named_tensors,
    norm,
    tensor_args,
    tensor_names,
    write_atomic,
)

__all__ = ["page_html", "save_page", "show", "Page", "engine_order"]

TEMPLATE = Path(__file__).with_name("page_template.html")

CHAR_WIDTH, LINE_HEIGHT, PAD = 7.3, 15, 8  # the boxes' text: 12px monospace
GAP_X, GAP_Y, MODULE_GAP = 80, 16, 36
MAX_LISTED = 16     # a value or gradient of at most this many numbers is listed in full
MAX_CHECKED = 24    # leaves with a finite-difference check


# --- the engine's order -------------------------------------------------------------------------

def engine_order(root: Tensor) -> list[Key]:
    """The nodes and leaves in the order `engine.backpropagate` takes them from `root`.

    The engine's loop without the arithmetic: Kahn's order over `inputs`, a node ready once every
    op using it has passed its gradient, the ready ones taken last in, first out, inputs sent on
    in argument order. (tests/test_page.py holds this to the order the engine runs hooks in.)
    """
    key = key_of(root)
    dependencies = count_dependencies([key])
    order: list[Key] = []
    ready = [key]
    while ready:
        node = ready.pop()
        order.append(node)
        if isinstance(node, Tensor):
            continue
        for parent in node.inputs:
            if parent is None:
                continue
            dependencies[parent] -= 1
            if not dependencies[parent]:
                ready.append(parent)
    return order


def _data(key: Key) -> Any:
    """The value of a tensor of the graph; `Released` where a backward pass let it go."""
    return key if isinstance(key, Released) else data_of(key)


# --- numbers as text ----------------------------------------------------------------------------

def _short(array: Any) -> str:
    """A value in a box: the number, or the shape and norm."""
    if isinstance(array, Released):
        return f"{_shape(array)} (let go)"
    array = host(array)
    if array.size == 1:
        return format_number(array.reshape(()))
    return f"{_shape(array)} ‖·‖ {format_number(norm(array))}"


def _shape(array: Any) -> str:
    return "scalar" if array.ndim == 0 else str(tuple(array.shape))


def _full(array: Any) -> dict[str, str]:
    """A value or gradient for the details panel."""
    if isinstance(array, Released):
        return {"values": "let go by backward (see engine.KEEP_ELEMENTS)"}
    array = host(array)
    out = {"shape": _shape(array), "dtype": array.dtype.name}
    if array.size <= MAX_LISTED:
        out["values"] = format_array(array)
    if array.size > 1 and array.dtype.kind in "fiub":
        out["norm"] = format_number(norm(array))
        out["max |·|"] = format_number(np.abs(array).max())
        out["min, mean, max"] = ", ".join(format_number(v) for v in
                                          (array.min(), array.mean(), array.max()))
    return out


def _dot(text: str) -> str:
    """The chain rule as the page writes it: ``·`` for products, single spaces."""
    return " ".join(text.replace(" * ", " · ").split())


# --- the page's model ---------------------------------------------------------------------------

class _Model:
    """Nodes, edges and steps of the page for the graph of `root`."""

    def __init__(self, root: Tensor, params: Any) -> None:
        self.graph = graph = Graph(root)
        params = named_tensors(params)
        self.names = tensor_names(graph, params)
        self.given = {id(key_of(tensor)) for _, tensor in params}
        self.differentiable = root.requires_grad
        self.flow = backward_flow(graph) if self.differentiable else Flow(seed=np.ones(()))
        self.derivation = _Derivation(graph, self.names, self.flow, self.given)
        inline = self.derivation.inline
        self.visible = [key for key in graph.order if id(key) not in inline]
        self.ids = {id(key): f"n{i}" for i, key in enumerate(self.visible)}
        self.sources = {id(key): self._sources(key) for key in self.visible
                        if isinstance(key, Function)}
        self.edges: list[dict[str, Any]] = []
        self.edge_ids: dict[tuple[int, int], str] = {}
        for key in self.visible:
            for source, paths in self.sources.get(id(key), []):
                edge_id = f"e{len(self.edges)}"
                self.edge_ids[(id(source), id(key))] = edge_id
                self.edges.append({"id": edge_id, "from": self.ids[id(source)],
                                   "to": self.ids[id(key)], "paths": paths})
        self.modules = _modules(graph, self.names, self.given)
        self.locals: dict[int, list[str]] = {}

    def _sources(self, head: Function) -> list[tuple[Key, list[tuple[int, int]]]]:
        """The visible inputs of `head` (through the results written inside it), each with the
        edges (node id, argument) its gradient goes along."""
        found: dict[int, tuple[Key, list[tuple[int, int]]]] = {}
        stack = [head]
        while stack:
            node = stack.pop()
            for index, child in reversed(tensor_args(node)):
                if id(child) in self.derivation.inline:
                    stack.append(child)
                else:
                    found.setdefault(id(child), (child, []))[1].append((id(node), index))
        return list(reversed(found.values()))

    def name(self, key: Key) -> str:
        return self.names[id(key)]

    def expr(self, key: Key) -> str:
        return op_expr(key, self.derivation.operands(key)).text if isinstance(key, Function) \
            else ""

    def passed(self, paths: list[tuple[int, int]]) -> np.ndarray | None:
        """What went along an edge: the sum over the paths it stands for."""
        parts = [self.flow.edges.get(path) for path in paths]
        if not parts or any(part is None for part in parts):
            return None
        return sum(parts[1:], parts[0])

    # ----- the steps
    def steps(self) -> list[dict[str, Any]]:
        leaves = [key for key in self.visible if not isinstance(key, Function)]
        start = {"kind": "start", "title": "The graph, before the forward pass",
                 "lines": ["Inputs: " + ", ".join(
                     f"{self.name(k)} = {_short(_data(k))}" for k in leaves[:8])
                     + (" ..." if len(leaves) > 8 else ""),
                     "ArrowRight / ArrowLeft step, Home / End jump; click a node for details."],
                 "node": None, "edges": [], "show": []}
        steps = [start]
        ops = [key for key in self.visible if isinstance(key, Function)]
        for number, key in enumerate(ops, 1):
            line = f"{self.name(key)} = {self.expr(key)}"
            line += f" = {_short(key.out_data)}" if np.size(data_of(key)) == 1 else \
                f"   [{_short(key.out_data)}]"
            steps.append({"kind": "forward", "title": f"Forward {number}/{len(ops)}: "
                          f"{self.name(key)}", "lines": [line], "node": self.ids[id(key)],
                          "edges": [self.edge_ids[(id(s), id(key))]
                                    for s, _ in self.sources[id(key)]],
                          "show": [f"v-{self.ids[id(key)]}"]})
        if not self.differentiable:
            return steps
        order = [key for key in engine_order(self.graph.root) if id(key) in self.ids]
        number, total = 0, len(order)
        for key in order:
            number += 1
            if isinstance(key, Function):
                steps.append(self._backward_step(key, number, total))
            elif self.flow.grad(key) is not None:
                steps.append(self._leaf_step(key, number, total))
        results = self._results()
        if results:
            steps.append({"kind": "done", "title": "Done: the gradients backward() leaves",
                          "lines": results, "node": None, "edges": [], "show": []})
        return steps

    def _results(self) -> list[str]:
        """``dz/dm = 271 = 135 + 136`` for each leaf that requires grad, in forward order."""
        root = self.name(self.graph.root_key)
        rows = []
        for key in self.visible:
            grad = self.flow.grad(key)
            if isinstance(key, Function) or grad is None or not getattr(key, "requires_grad",
                                                                        False):
                continue
            text = f"d{root}/d{d(self.name(key))} = {_short(grad)}"
            parts = self.derivation.received.get(id(key), [])
            if len(parts) > 1 and np.size(grad) == 1:
                text += f" = {join_sum(parts)}"
            rows.append(text)
        return rows

    def _backward_step(self, head: Function, number: int, total: int) -> dict[str, Any]:
        node_id = self.ids[id(head)]
        title = f"Backward {number}/{total}: {self.name(head)} = {self.expr(head)}"
        edges = [self.edge_ids[(id(s), id(head))] for s, _ in self.sources[id(head)]]
        show = [f"g-{node_id}"] + [f"l-{edge}" for edge in edges]
        if self.flow.grad(head) is None:
            return {"kind": "backward", "title": title, "node": node_id, "edges": edges,
                    "show": show, "lines": ["(this gradient was not kept: draw the page before "
                                            "backward(), or after backward(retain_graph=True))"]}
        step = self.derivation.step(head)
        lines = [_dot(step.incoming)]
        parts = self.derivation.received.get(id(head), [])
        if np.size(head.out_data) != 1 and len(parts) > 1:  # the sum of tensors, in words
            lines = [f"{step.incoming.split(' = ')[0]} = the sum of the {len(parts)} "
                     f"gradients that arrived: {_short(self.flow.grad(head))}"]
        local = []
        for term in step.terms:
            local.append(_dot(term.local))
            if not term.chain:  # at the root: the local derivative is the gradient
                lines.append(_dot(term.local))
            elif "=" in term.chain:  # scalars: the chain rule with every number
                lines.append(_dot(term.chain))
            else:  # tensors: the formula, then the shape and norm of what it gave
                lines.append(f"{_dot(term.local)}  →  {term.chain}")
        self.locals[id(head)] = local
        return {"kind": "backward", "title": title, "lines": lines, "node": node_id,
                "edges": edges, "show": show}

    def _leaf_step(self, leaf: Tensor, number: int, total: int) -> dict[str, Any]:
        node_id = self.ids[id(leaf)]
        grad = self.flow.grad(leaf)
        root, name = self.name(self.graph.root_key), self.name(leaf)
        parts = self.derivation.received.get(id(leaf), [])
        text = f"d{root}/d{d(name)} = {_short(grad)}"
        if len(parts) > 1 and np.size(grad) == 1:
            text = f"d{root}/d{d(name)} = {join_sum(parts)} = {_short(grad)}"
        lines = [text, f"{name} is a leaf: this is what backward() adds to {name}.grad"
                 if leaf.requires_grad else f"{name} needs no gradient"]
        if len(parts) > 1:
            lines.insert(1, f"(the paths meet: {len(parts)} gradients summed)")
        return {"kind": "leaf", "title": f"Backward {number}/{total}: {name} (leaf)",
                "lines": lines, "node": node_id, "edges": [], "show": [f"g-{node_id}"]}

    # ----- nodes
    def nodes(self) -> list[dict[str, Any]]:
        root = self.graph.root_key
        nodes = []
        for key in self.visible:
            value = _data(key)
            grad = self.flow.grad(key) if self.differentiable else None
            if grad is None and self.differentiable and not isinstance(key, Function):
                grad = _recorded_grad(key)
            kind = "root" if key is root else "op" if isinstance(key, Function) else \
                "parameter" if isinstance(key, Tensor) and key.requires_grad else "constant"
            name, expr = self.name(key), self.expr(key)
            title = f"{name} = {expr}" if expr else name
            details = {"value": _full(value)}
            if grad is not None:
                details["gradient"] = _full(grad)
            if isinstance(key, Function):
                details["op"] = f"{type(key).__name__} ({key.name()})"
                if id(key) in self.locals:
                    details["local derivatives"] = self.locals[id(key)]
            nodes.append({"id": self.ids[id(key)], "name": name, "kind": kind,
                          "title": title, "value": _short(value),
                          "grad": "" if grad is None else "grad " + _short(grad),
                          "module": self.modules.get(id(key)), "details": details})
        return nodes

    # ----- the finite-difference checks
    def checks(self) -> tuple[list[dict[str, Any]], str]:
        """Per leaf that requires grad (at most MAX_CHECKED), one element: f at p ± h."""
        if not self.differentiable:
            return [], "the root does not require grad"
        leaves = [key for key in self.visible if isinstance(key, Tensor) and key.requires_grad
                  and self.flow.grad(key) is not None][:MAX_CHECKED]
        if not leaves:
            return [], ("no leaf's gradient was kept (see engine.KEEP_ELEMENTS): make the page "
                        "before backward(), or after backward(retain_graph=True)")
        seed = host(self.flow.seed, dtype=np.float64)
        try:
            value = self._replay(None, (), 0.0, seed)
        except _NoReplay as why:
            return [], str(why)
        root_value = host(data_of(self.graph.root_key), dtype=np.float64)
        if not np.allclose(value, float(np.sum(seed * root_value)), rtol=1e-4, atol=1e-6):
            return [], "the graph does not replay to its own value (a random op?)"
        checks = []
        for leaf in leaves:
            grad = host(self.flow.grad(leaf), dtype=np.float64)
            index = np.unravel_index(int(np.argmax(np.abs(grad))), grad.shape) \
                if grad.ndim else ()
            x = float(host(leaf.array, dtype=np.float64)[index])
            h = 1e-6 * max(1.0, abs(x))
            try:
                plus = self._replay(leaf, index, h, seed)
                minus = self._replay(leaf, index, -h, seed)
            except _NoReplay:
                continue
            where = self.name(leaf) + (f"[{', '.join(map(str, index))}]" if index else "")
            checks.append({"leaf": self.ids[id(leaf)], "what": where, "x": x, "h": h,
                           "f_plus": plus, "f_minus": minus, "grad": float(grad[index]),
                           "tol": 1e-6 if leaf.array.dtype == np.float64 else 2e-3})
        return checks, ""

    def _replay(self, leaf: Tensor | None, index: tuple, delta: float,
                seed: np.ndarray) -> float:
        """sum(seed * root) with one element of `leaf` moved by `delta`, every op's forward
        run again on float64 arrays."""
        values: dict[int, Any] = {}

        def value_of(key: Key) -> Any:
            if id(key) in values:
                return values[id(key)]
            array = data_of(key)
            if isinstance(key, Function | Released) or isinstance(array, Released):
                raise _NoReplay("the graph's values were let go by backward()")
            array = host(array, np.float64).copy() if array.dtype.kind == "f" else array
            if key is leaf:
                array[index] += delta
            values[id(key)] = array
            return array

        with np.errstate(all="ignore"):
            for node in self.graph.ops():
                args = list(node.args)
                for i, child in tensor_args(node):
                    args[i] = value_of(child)
                try:
                    out = type(node).in_backward(*args)
                except Exception as error:
                    raise _NoReplay(f"{type(node).__name__} does not replay ({error})") \
                        from None
                values[id(node)] = host(out)
            return float(np.sum(seed * value_of(self.graph.root_key)))


class _NoReplay(Exception):
    """The graph cannot be run again from the values it kept."""


# --- the layout ---------------------------------------------------------------------------------

def _box_lines(node: dict[str, Any]) -> list[str]:
    return [node["title"], node["value"], node["grad"] or " "]


def layout(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    """Layered, left to right: an op one column right of its furthest input, a leaf just left
    of its first user; in a column, nodes ordered by their inputs' places (a few sweeps) and
    a module's nodes kept together. Sets x, y, w, h on each node; returns the size and the
    module boxes."""
    by_id = {node["id"]: node for node in nodes}
    preds: dict[str, list[str]] = {node["id"]: [] for node in nodes}
    succs: dict[str, list[str]] = {node["id"]: [] for node in nodes}
    for edge in edges:
        preds[edge["to"]].append(edge["from"])
        succs[edge["from"]].append(edge["to"])
    layer: dict[str, int] = {}
    for node in nodes:  # nodes come in forward order
        layer[node["id"]] = 1 + max((layer[p] for p in preds[node["id"]]), default=-1)
    for node in nodes:
        if not preds[node["id"]] and succs[node["id"]]:
            layer[node["id"]] = min(layer[s] for s in succs[node["id"]]) - 1
    columns: dict[int, list[str]] = {}
    for node in nodes:
        columns.setdefault(layer[node["id"]], []).append(node["id"])
    place = {node_id: i for column in columns.values() for i, node_id in enumerate(column)}

    def sweep(neighbours: dict[str, list[str]], layers: list[int]) -> None:
        for number in layers:
            column = columns[number]
            centre = {n: (sum(place[m] for m in neighbours[n]) / len(neighbours[n])
                          if neighbours[n] else place[n]) for n in column}
            column.sort(key=lambda n: centre[n])
            grouped: list[str] = []
            for n in column:  # a module's nodes together, where its first one is
                module = by_id[n]["module"]
                if n in grouped:
                    continue
                grouped += [m for m in column if m == n or
                            (module is not None and by_id[m]["module"] == module)]
            columns[number] = grouped
            for i, n in enumerate(grouped):
                place[n] = i

    numbers = sorted(columns)
    for _ in range(3):
        sweep(preds, numbers[1:])
        sweep(succs, numbers[-2::-1])
    for node in nodes:
        node["w"] = math.ceil(max(len(line) for line in _box_lines(node)) * CHAR_WIDTH + 2 * PAD)
        node["h"] = 3 * LINE_HEIGHT + PAD
    heights = _place_vertically(columns, by_id)
    top = 24 + (MODULE_GAP if any(node["module"] is not None for node in nodes) else 0)
    height = max(heights.values(), default=0)
    centred = all(node["module"] is None for node in nodes)  # else a module's rows align
    x = 16.0
    for number in numbers:
        width = max(by_id[n]["w"] for n in columns[number])
        offset = top + ((height - heights[number]) / 2 if centred else 0)
        for n in columns[number]:
            by_id[n]["x"] = x + (width - by_id[n]["w"]) / 2
            by_id[n]["y"] = round(by_id[n]["y"] + offset, 1)
        x += width + GAP_X
    modules: dict[str, list[dict[str, Any]]] = {}
    for node in nodes:
        if node["module"] is not None:
            modules.setdefault(node["module"], []).append(node)
    boxes = []
    for name, members in modules.items():
        left = min(n["x"] for n in members) - 10
        right = max(n["x"] + n["w"] for n in members) + 10
        upper = min(n["y"] for n in members) - 20
        lower = max(n["y"] + n["h"] for n in members) + 8
        boxes.append({"name": name, "x": left, "y": upper, "w": right - left,
                      "h": lower - upper, "members": [n["id"] for n in members]})
    return {"width": round(x - GAP_X + 16), "height": round(height + top + 24),
            "modules": boxes}


def _place_vertically(columns: dict[int, list[str]],
                      by_id: dict[str, dict[str, Any]]) -> dict[int, float]:
    """y of each node within its column, a module's nodes starting at the same height in every
    column it spans (so that its box holds no other node); returns each column's height."""
    blocks: dict[int, list[tuple[str | None, list[str]]]] = {}
    extent: dict[str, float] = {}  # a module's height: its tallest column
    for number, column in columns.items():
        blocks[number] = []
        for n in column:
            module = by_id[n]["module"]
            if module is not None and blocks[number] and blocks[number][-1][0] == module:
                blocks[number][-1][1].append(n)
            else:
                blocks[number].append((module, [n]))
        for module, members in blocks[number]:
            if module is not None:
                tall = sum(by_id[m]["h"] for m in members) + GAP_Y * (len(members) - 1)
                extent[module] = max(extent.get(module, 0.0), tall)
    tops = dict.fromkeys(extent, 0.0)
    heights: dict[int, float] = {}
    for _ in range(len(columns) + 1):  # until every module starts at one height
        starts = dict.fromkeys(extent, 0.0)
        for number in columns:
            y = 0.0
            for module, members in blocks[number]:
                if module is None:
                    by_id[members[0]]["y"] = y
                    y += by_id[members[0]]["h"] + GAP_Y
                    continue
                y = max(y + MODULE_GAP - GAP_Y, tops[module])
                starts[module] = max(starts[module], y)
                inner = y
                for m in members:
                    by_id[m]["y"] = inner
                    inner += by_id[m]["h"] + GAP_Y
                y += extent[module] + MODULE_GAP
            heights[number] = y - GAP_Y
        if starts == tops:
            break
        tops = starts
    return heights


# --- the SVG ------------------------------------------------------------------------------------

def _svg(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], size: dict[str, Any]) -> str:
    by_id = {node["id"]: node for node in nodes}
    esc = html.escape
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="graph" width="{size["width"]}" '
             f'height="{size["height"]}" viewBox="0 0 {size["width"]} {size["height"]}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z"/>'
             '</marker></defs>']
    for box in size["modules"]:
        parts.append(f'<g class="module" data-members="{" ".join(box["members"])}">'
                     f'<rect x="{box["x"]}" y="{box["y"]}" width="{box["w"]}" '
                     f'height="{box["h"]}" rx="8"/><text x="{box["x"] + 8}" '
                     f'y="{box["y"] + 13}">module {esc(box["name"])} ▾</text></g>')
    for edge in edges:
        a, b = by_id[edge["from"]], by_id[edge["to"]]
        x1, y1 = a["x"] + a["w"], a["y"] + a["h"] / 2
        x2, y2 = b["x"], b["y"] + b["h"] / 2
        mid = (x1 + x2) / 2
        parts.append(f'<g class="edge" id="{edge["id"]}" data-from="{edge["from"]}" '
                     f'data-to="{edge["to"]}"><path d="M{x1:.1f},{y1:.1f} '
                     f'C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" '
                     f'marker-end="url(#arrow)"/>'
                     f'<text class="elabel" id="l-{edge["id"]}" x="{mid:.1f}" '
                     f'y="{(y1 + y2) / 2 - 4:.1f}">{esc(edge["label"])}</text></g>')
    for node in nodes:
        x, y, w, h = node["x"], node["y"], node["w"], node["h"]
        title, value, grad = _box_lines(node)
        value_class = "value" if node["kind"] in ("op", "root") else "value shown"
        parts.append(
            f'<g class="node {node["kind"]}" id="{node["id"]}" tabindex="0">'
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6"/>'
            f'<text x="{x + PAD}" y="{y + PAD + 10}" class="title">{esc(title)}</text>'
            f'<text x="{x + PAD}" y="{y + PAD + 10 + LINE_HEIGHT}" class="{value_class}" '
            f'id="v-{node["id"]}">{esc(value)}</text>'
            f'<text x="{x + PAD}" y="{y + PAD + 10 + 2 * LINE_HEIGHT}" class="grad" '
            f'id="g-{node["id"]}">{esc(grad)}</text></g>')
    parts.append("</svg>")
    return "\n".join(parts)


# --- the page -----------------------------------------------------------------------------------

def page_data(root: Tensor, params: Any = None) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data: nodes (with their places), edges, steps,
    checks. `params` names tensors as in `draw_graph`."""
    if not isinstance(root, Tensor):
        raise TypeError(f"page_html() needs a Tensor, not {type(root).__name__}")
    model = _Model(root, params)
    steps = model.steps()  # first: the backward steps record each op's local derivatives
    nodes = model.nodes()
    for edge in model.edges:
        passed = model.passed(edge.pop("paths")) if model.differentiable else None
        edge["label"] = "" if passed is None else _short(passed) if np.size(passed) == 1 \
            else f"‖·‖ {format_number(norm(passed))}"  # (the shape is the source's)
    size = layout(nodes, model.edges)
    checks, no_check = model.checks()
    name = model.name(model.graph.root_key)
    return {"title": f"{name} = {_short(data_of(model.graph.root_key))}", "nodes": nodes,
            "edges": model.edges, "steps": steps, "size": size, "checks": checks,
            "no_check": no_check}


def page_html(root: Tensor, params: Any = None) -> str:
    """The page of the graph of `root`, as one self-contained HTML document (see the module)."""
    data = page_data(root, params)
    svg = _svg(data["nodes"], data["edges"], data["size"])
    payload = json.dumps({k: data[k] for k in ("title", "nodes", "steps", "checks",
                                               "no_check")}, ensure_ascii=False)
    payload = payload.replace("</", "<\\/")
    template = TEMPLATE.read_text(encoding="utf-8")
    return (template.replace("{{TITLE}}", html.escape(data["title"]))
            .replace("{{SVG}}", svg).replace("{{DATA}}", payload))


PAGE_WRITERS["html"] = page_html


def save_page(root: Tensor, path: str | os.PathLike, params: Any = None) -> Path:
    """Write `page_html(root, params)` to `path` (atomically) and return the path."""
    path = Path(path)
    write_atomic(path, page_html(root, params).encode("utf-8"))
    return path


class Page:
    """The page of a graph for a notebook: displays inline (in an iframe, so that its script
    runs apart from the notebook's); `html` is the document, `save(path)` writes it."""

    def __init__(self, document: str, height: int = 640) -> None:
        self.html, self.height = document, height

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts"'
                f' style="width: 100%; height: {self.height}px; border: 1px solid #ddd">'
                "</iframe>")

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to `path`."""
        path = Path(path)
        write_atomic(path, self.html.encode("utf-8"))
        return path


def show(root: Tensor, params: Any = None, height: int = 640) -> Page:
    """The interactive page of the graph of `root`, to display in a notebook.

    >>> ag.show(z, params={"k": k, "m": m})   # the last line of a cell
    """
    return Page(page_html(root, params), height)
