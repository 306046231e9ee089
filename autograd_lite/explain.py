"""`ag.explain(root)`: the backward pass as a worked chain-rule derivation, with numbers.

>>> k = ag.tensor(1.0, requires_grad=True); m = ag.tensor(3.0, requires_grad=True)
>>> x = 3 * k + 8 * m; y = 5 * m + 2; z = x * y
>>> print(ag.explain(z, params={"k": k, "m": m, "x": x, "y": y, "z": z}))

Each op says how it is written in its own class (`formula`, `derivatives`, `present`,
`gradient_text`: see `Function`), so a user's Function that declares them is explained like a
built-in. The numbers come from `viz.backward_flow`: what the engine recorded.

A step is one op, except that an unnamed scalar result is written inside the op that uses it
when that op is linear in it: ``x = 3*k + 8*m`` is one step (``dx/dk = 3``, ``dx/dm = 8``),
while the operands of a product or a function (``z = x * y``, ``sin(u)``) are named, so the
chain rule shows at each of them.
"""

from __future__ import annotations

import html
import re
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from .arrays import is_array, to_host
from .formula import (
    PRODUCT,
    Sym,
    constant,
    format_array,
    format_number,
    mul,
    names_in,
    neg,
    number,
)
from .function import Function, Released
from .tensor import Tensor
from .viz import (
    ROOT_NAME,
    Flow,
    Graph,
    Key,
    backward_flow,
    data_of,
    describe,
    is_generated,
    key_of,
    named_tensors,
    tensor_args,
    tensor_names,
)

__all__ = ["explain", "Explanation", "Step", "Term"]


def op_expr(node: Function, operands: list[Sym]) -> Sym:
    """What `node` computes, as a formula of its operands (the op's own `present`)."""
    return type(node).present(node, operands)


def is_elementwise(node: Function) -> bool:
    """Whether `node`'s op is applied number by number (it declares its derivatives)."""
    return type(node).derivatives is not None


def is_affine(node: Function) -> bool:
    """Whether every local derivative of `node`'s op is a constant (``+``, ``-``)."""
    derivatives = type(node).derivatives
    return derivatives is not None and not any(names_in(d) for d in derivatives if d)


def gradient_formula(node: Function, operands: list[Sym], i: int, g: Sym, out: Sym) -> str:
    """The gradient `node` passes to operand `i`, given the incoming gradient `g`."""
    op = type(node)
    if is_elementwise(node):
        local = op.local_derivative(node, operands, i)
        if local is not None:
            if local.number in (1, -1):
                text = g.text if local.number == 1 else neg(g).text
            else:
                text = mul(g, local).text
            shape = node.input_shapes[i]
            return text if shape == node.out_data.shape else f"{text}, summed to shape {shape}"
    text = op.gradient_text(node, operands, i, g, out)
    return text if text is not None else f"{op.__name__}.backward({g.text})[{i}]"


def sum_of_products(paths: list[list[Sym | None]]) -> str | None:
    """The derivative along several paths as one formula: numbers multiplied out, like terms
    added (``[[1, 3]]`` gives ``3``; ``[[y], [y]]`` gives ``2*y``). None when a factor is not
    known as a formula (an op outside the table)."""
    terms: dict[str, list] = {}
    for factors in paths:
        if None in factors:
            return None
        coefficient = 1.0
        symbols = []
        for factor in factors:
            if factor.number is not None:
                coefficient *= factor.number
            else:
                symbols.append(factor)
        if len(symbols) == 1:
            text, prec = symbols[0].text, symbols[0].prec
        else:
            text, prec = " * ".join(s.at(PRODUCT) for s in symbols), PRODUCT
        terms.setdefault(text, [0.0, prec])[0] += coefficient
    pieces = []
    for text, (coefficient, prec) in terms.items():
        if not text:
            pieces.append(format_number(coefficient))
        elif coefficient in (1, -1):
            pieces.append(text if coefficient == 1 else neg(Sym(text, prec)).text)
        else:
            pieces.append(mul(number(coefficient), Sym(text, prec)).text)
    return join_sum(pieces)


def join_sum(terms: list[str]) -> str:
    """``a + b``, with ``a - b`` for a negative `b`."""
    text = terms[0] if terms else "0"
    for term in terms[1:]:
        text += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return text


def _shape(shape: tuple) -> str:
    return "()" if not shape else "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1
                                                                        else "") + ")"


def _strip(text: str) -> str:
    """`text` without what may follow a shape or be an op: attributes (.T), calls, numbers."""
    return re.sub(r"\.T\b|\b(sum|mean|reshape|transpose|expand|broadcast_to|unsqueeze|squeeze|"
                  r"over|the|batch|copied|to|shape|dim|keepdim|True|False)\b|[\w]+\(", " ",
                  text)


def times(a: str, b: str) -> str:
    """``17 * 3``, with a negative right factor in parentheses."""
    return f"{a} * ({b})" if b.startswith("-") else f"{a} * {b}"


# --- the derivation ---------------------------------------------------------------------------

def d(name: str) -> str:
    """A name as it follows ``d`` in ``dz/dx``; names that are not identifiers in brackets."""
    return name if name.isidentifier() else f"({name})"


@dataclass
class Term:
    """What a step passes to one of its inputs: the local derivative and the chain rule."""

    name: str
    local: str                  # ``dx/dk = 3``, or for tensors ``dloss/dW = g @ x``
    chain: str                  # ``dz/dk  = dz/dx * dx/dk = 17 * 3 = 51``
    gradient: np.ndarray | None


@dataclass
class Step:
    """One op, or a small scalar expression of several, and what it passes back."""

    name: str
    expr: str
    value: np.ndarray
    incoming: str               # ``dz/dx = 17``
    terms: list[Term]


@dataclass
class _Path:
    """A way from a step's result down to one of its inputs, through results written inline:
    the local derivatives on the way, their product, and the last edge (node id, argument)."""

    factors: list[Sym | None]
    value: float
    key: Key
    edge: tuple[int, int] = (0, 0)


class _Derivation:
    """The steps of `explain`, from a graph, its names and its gradient flow."""

    MAX_INLINE = 40  # longest expression written inline instead of getting a name
    MAX_LISTED = 4   # a leaf's gradient with at most this many numbers is written out

    def __init__(self, graph: Graph, names: dict[int, str], flow: Flow, given: set[int]) -> None:
        self.graph, self.names, self.flow = graph, names, flow
        self.root = names[id(graph.root_key)]
        self.received: dict[int, list[str]] = {}  # the contributions shown so far, per input
        self.inline: dict[int, Sym] = {}
        self._choose_inline(given)
        self._renumber(given)
        self._found: dict[int, dict[int, list[_Path]]] = {}

    # ----- which results are written inline
    @staticmethod
    def _scalar(node: Function) -> bool:
        """Whether `node` maps numbers to a number, so its step can show every value."""
        if isinstance(node.out_data, tuple):  # several outputs
            return False
        return node.out_data.size == 1 and all(
            a.array.size == 1 for a in node.args if isinstance(a, Tensor | Released))

    def _choose_inline(self, given: set[int]) -> None:
        user: dict[int, tuple[Function, int]] = {}
        for node in self.graph.ops():
            for index, child in tensor_args(node):
                user[id(child)] = (node, index)
        for node in self.graph.ops():
            if (node is self.graph.root_key or id(node) in given or self.graph.uses[node] != 1
                    or not is_elementwise(node) or not self._scalar(node)):
                continue
            consumer, index = user[id(node)]
            if not self._scalar(consumer) or not type(consumer).linear_in(index):
                continue
            others_constant = all(consumer.inputs[j] is None
                                  for j, _ in tensor_args(consumer) if j != index)
            expr = op_expr(node, self.operands(node))
            if ((others_constant or is_affine(consumer))
                    and len(expr.text) <= self.MAX_INLINE):
                self.inline[id(node)] = expr

    def _renumber(self, given: set[int]) -> None:
        """Number the made-up names ``t1``, ``t2``, ... again without the results written
        inline (which show no name), so that the steps' names skip no number; then write the
        inline formulas again with the new names."""
        if not self.inline:
            return
        taken = {name for key_id, name in self.names.items()
                 if key_id in given or not is_generated(name) or name == ROOT_NAME}
        counter = 0
        for key in self.graph.order:
            name = self.names[id(key)]
            if id(key) in given or not is_generated(name) or name == ROOT_NAME \
                    or id(key) in self.inline:
                continue
            counter += 1
            while f"t{counter}" in taken:
                counter += 1
            self.names[id(key)] = f"t{counter}"
        for node in self.graph.ops():  # inputs first: an inline formula may hold another
            if id(node) in self.inline:
                self.inline[id(node)] = op_expr(node, self.operands(node))

    def operand(self, node: Function, index: int) -> Sym:
        """Argument `index` of `node` in a formula: its name, its inline formula, or the
        constant."""
        arg = node.args[index]
        if not isinstance(arg, Tensor | Released):
            return constant(arg)
        key = node.inputs[index] if node.inputs[index] is not None else arg
        if id(key) in self.inline:
            return self.inline[id(key)]
        name = self.names[id(key)]
        if node.inputs[index] is None and arg.array.size == 1 and is_generated(name):
            return number(arg.array)  # an unnamed constant tensor: its value reads better
        return Sym(name)

    def operands(self, node: Function) -> list[Sym]:
        """Every argument of `node` as `operand` writes it."""
        return [self.operand(node, i) for i in range(len(node.args))]

    # ----- the steps, in the order the chain rule needs them
    def steps(self) -> list[Step]:
        """The steps in reverse topological order of the steps themselves: each after every
        step that uses its result, breadth first from the root."""
        heads = [key for key in self.graph.order if isinstance(key, Function)
                 and id(key) not in self.inline and (self.flow.grad(key) is not None
                                                     or type(key.out_grad) is list)]
        inputs = {id(head): self._inputs(head) for head in heads}
        pending = {id(head): 0 for head in heads}
        for head in heads:
            for key in inputs[id(head)]:
                if id(key) in pending:
                    pending[id(key)] += 1
        queue = deque([self.graph.root_key] if id(self.graph.root_key) in pending else [])
        steps = []
        while queue:
            head = queue.popleft()
            steps.append(self.step(head))
            for key in inputs[id(head)]:
                if id(key) in pending:
                    pending[id(key)] -= 1
                    if not pending[id(key)]:
                        queue.append(key)
        return steps

    def _inputs(self, head: Function) -> list[Key]:
        if self._scalar(head):
            return [paths[0].key for paths in self._paths(head).values()]
        seen: dict[int, Key] = {}
        for index, child in tensor_args(head):
            if head.inputs[index] is not None:
                seen.setdefault(id(child), child)
        return list(seen.values())

    def _paths(self, head: Function) -> dict[int, list[_Path]]:
        """For each input reached through `head` and the results written inline in it, the
        local derivative factors along each path to it."""
        if id(head) in self._found:
            return self._found[id(head)]
        found: dict[int, list[_Path]] = self._found.setdefault(id(head), {})
        stack = [_Path([], 1.0, head)]
        while stack:  # depth first, operands left to right
            path = stack.pop()
            node = path.key
            if node is not head and id(node) not in self.inline:
                found.setdefault(id(node), []).append(path)
                continue
            operands = self.operands(node)
            for index, child in reversed(tensor_args(node)):
                if node.inputs[index] is None:
                    continue
                local = type(node).local_derivative(node, operands, index)  # None: unknown
                value = self._local_value(node, index)
                stack.append(_Path(path.factors + [local], path.value * value, child,
                                   (id(node), index)))
        return found

    def _local_value(self, node: Function, index: int) -> float:
        """d `node` / d its argument `index` at the recorded values of a scalar step: from
        the derivative the op declares, else what the engine passed over what it received."""
        values = [parent.out_data if isinstance(parent, Function) else
                  arg.array if isinstance(arg, Tensor) else arg
                  for arg, parent in zip(node.args, node.inputs)]
        try:
            value = type(node).local_value(node, values, index)
        except Exception:  # a user's formula that does not evaluate: fall back to the ratio
            value = None
        if value is not None:
            value = to_host(value) if is_array(value) else value
            return float(np.asarray(value, dtype=np.float64).reshape(-1)[0])
        passed, grad = self.flow.edges.get((id(node), index)), self.flow.grad(node)
        if passed is None or grad is None or not np.any(grad):
            return float("nan")
        return float(np.asarray(passed).reshape(-1)[0] / np.asarray(grad).reshape(-1)[0])

    def step(self, head: Function) -> Step:
        """The step computing `head`: its formula, the gradient arriving, its terms."""
        name = self.names[id(head)]
        parts = self.received.get(id(head), [])
        if type(head.out_grad) is list:  # several outputs: a gradient for each, no total
            incoming = f"d{self.root}/d{d(name)} = one per output: [{'; '.join(parts)}]"
        else:
            total = describe(self.flow.grad(head))
            incoming = f"d{self.root}/d{d(name)} = " + (
                f"{join_sum(parts)} = {total}" if len(parts) > 1 else total)
        terms = self._scalar_terms(head, name) if self._scalar(head) else \
            self._tensor_terms(head, name)
        return Step(name, op_expr(head, self.operands(head)).text, head.out_data, incoming, terms)

    def _receive(self, key: Key, shown: str) -> str:
        sign = "+=" if id(key) in self.received else " ="
        self.received.setdefault(id(key), []).append(shown)
        return sign

    def _scalar_terms(self, head: Function, name: str) -> list[Term]:
        incoming = float(np.asarray(self.flow.grad(head)).item())
        at_root = head is self.graph.root_key and incoming == 1
        terms = []
        for paths in self._paths(head).values():
            key = paths[0].key
            key_name = self.names[id(key)]
            formula = sum_of_products([p.factors for p in paths])
            value = format_number(sum(p.value for p in paths))
            local_name = f"d{d(name)}/d{d(key_name)}"
            local = f"{local_name} = " + (
                value if formula in (None, value) else f"{formula} = {value}")
            edges = [self.flow.edges.get(p.edge) for p in paths]
            passed = float("nan") if None in edges else sum(edges)
            sign = self._receive(key, format_number(passed))
            chain = "" if at_root else (
                f"d{self.root}/d{d(key_name)} {sign} d{self.root}/d{d(name)} * {local_name} = "
                f"{times(format_number(incoming), value)} = {format_number(passed)}")
            terms.append(Term(key_name, local, chain, np.asarray(passed)))
        return terms

    def _tensor_terms(self, head: Function, name: str) -> list[Term]:
        operands = self.operands(head)
        g = Sym(f"d{self.root}/d{d(name)}")
        terms = []
        for index, key in tensor_args(head):
            if head.inputs[index] is None:
                continue
            key_name = self.names[id(key)]
            passed = self.flow.edges.get((id(head), index))
            shown = "?" if passed is None else describe(passed)
            sign = self._receive(key, shown)
            formula = gradient_formula(head, operands, index, g, Sym(name))
            shapes = self._in_shapes(formula, g.text, head)
            local = f"d{self.root}/d{d(key_name)} {sign} {formula}"
            terms.append(Term(key_name, local + (f"   [{shapes}]" if shapes else ""), shown,
                              passed))
        return terms

    def _in_shapes(self, formula: str, g: str, head: Function) -> str | None:
        """A matrix product's `formula` with each tensor written as its shape:
        ``(4, 3).T @ (4, 2)`` for ``dL/dW = dL/dy.T @ x``. None for other formulas, and where a
        name in it is not known."""
        if " @ " not in formula or "(" in g:  # (elementwise formulas keep their shapes)
            return None
        shapes = {g: head.out_data.shape}
        for key in self.graph.order:
            name = self.names[id(key)]
            if id(key) not in self.inline and name != self.root:
                shapes[name] = data_of(key).shape
        text, used = formula, []
        for name in sorted(shapes, key=len, reverse=True):
            pattern = r"(?<![\w./()])" + re.escape(name) + r"(?![\w(])"
            if re.search(pattern, text):
                used.append(shapes[name])
                text = re.sub(pattern, lambda _, s=shapes[name]: _shape(s), text)
        if not used or all(len(shape) < 2 for shape in used) or re.search(r"[A-Za-z_]\w*(?!\()",
                                                                         _strip(text)):
            return None
        return text



    def results(self) -> list[tuple[str, str]]:
        """(``dz/dm``, ``136 + 135 = 271``) for each leaf that requires grad."""
        rows = []
        for key in self.graph.order:
            grad = self.flow.grad(key)
            if isinstance(key, Function) or grad is None:
                continue
            parts = self.received.get(id(key), [])
            text = describe(grad)
            if len(parts) > 1 and np.size(grad) == 1:
                text = f"{join_sum(parts)} = {text}"
            elif 1 < np.size(grad) <= self.MAX_LISTED:
                text += f", values {format_array(grad)}"
            rows.append((f"d{self.root}/d{d(self.names[id(key)])}", text))
        return rows


# --- the result -------------------------------------------------------------------------------

class Explanation:
    """The backward pass as a worked derivation: prints as aligned text, and displays as
    Markdown or HTML in a notebook.

    `steps` are in the order backward runs them; `gradients` maps the name of each leaf that
    requires grad to d root / d leaf (an ndarray).
    """

    def __init__(self, title: str, start: str, steps: list[Step],
                 results: list[tuple[str, str]], gradients: dict[str, np.ndarray],
                 max_steps: int | None = None) -> None:
        self.title, self.start, self.steps = title, start, steps
        self.results, self.gradients = results, gradients
        self.lines = self._layout(max_steps)

    def _layout(self, max_steps: int | None) -> list[str]:
        shown = self.steps if max_steps is None else self.steps[:max_steps]
        heads = [f"{step.name} = {step.expr}" + (
            f"  [{len(step.value)} outputs]" if isinstance(step.value, tuple) else
            f" = {describe(step.value)}" if step.value.size == 1 else
            f"  [{describe(step.value)}]") for step in shown]
        chained = [any(term.chain for term in step.terms) for step in shown]
        width = max([len(term.local) + 4 for step, c in zip(shown, chained) if c
                     for term in step.terms]
                    + [len(head) for head, c in zip(heads, chained) if c], default=0) + 4
        lines = [self.title, "", self.start]
        for step, head, chain in zip(shown, heads, chained):
            lines += ["", f"{head:<{width}}incoming {step.incoming}" if chain else head]
            lines += [f"    {term.local:<{width - 4}}{term.chain}".rstrip()
                      for term in step.terms]
        if len(shown) < len(self.steps):
            lines += ["", f"... and {len(self.steps) - len(shown)} more steps"]
        if self.results:
            label_width = max(len(label) for label, _ in self.results)
            lines += ["", "Gradients"]
            lines += [f"    {label:<{label_width}} = {text}" for label, text in self.results]
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return str(self)

    def to_markdown(self) -> str:
        """The derivation as Markdown: the title in bold, the aligned text in a code block."""
        body = "\n".join(self.lines[2:])
        return f"**{self.title}**\n\n```text\n{body}\n```\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        body = html.escape("\n".join(self.lines[2:]))
        return (f"<div><p><b>{html.escape(self.title)}</b></p>"
                f"<pre style=\"line-height: 1.4\">{body}</pre></div>")


def explain(root: Tensor, params: Any = None, max_steps: int | None = 200) -> Explanation:
    """The backward pass from `root` as a step-by-step chain-rule derivation with numbers.

    Step by step, in the order backward runs (reverse topological order): what was computed,
    each local derivative as a formula and a value, the gradient arriving, and what reaches
    each input (summed where paths meet), ending with the gradient of every leaf that requires
    grad. Scalars show every number; other tensors show their shape and norm. An unnamed
    scalar result is written inside the op that uses it when that op is linear in it, so
    ``x = 3*k + 8*m`` is one step with ``dx/dk = 3`` and ``dx/dm = 8``.

    `params` names tensors, leaves or intermediates: a dict name -> Tensor, or (name, Tensor)
    pairs such as `model.named_parameters()`. Unnamed ones are ``t1``, ``t2``, ... (as in
    `draw_graph`) and an unnamed root ``f``. Works before and after `backward()`: the numbers
    are the engine's, recorded in the graph (before any backward, from a recording pass that
    runs no hook and changes no `.grad`); after a plain `backward()` of a large graph, only the
    tensors of at most `engine.KEEP_ELEMENTS` numbers kept theirs. At most
    `max_steps` steps are written out (None for all).

    >>> print(ag.explain(z, params={"k": k, "m": m, "x": x, "y": y, "z": z}))
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"explain() needs a Tensor, not {type(root).__name__}")
    graph = Graph(root)
    params = named_tensors(params)  # once: it may be a generator such as named_parameters()
    names = tensor_names(graph, params)
    name = names[id(graph.root_key)]
    title = f"Backward pass of {name} = {describe(root.array)}, by the chain rule"
    if not root.requires_grad:
        return Explanation(title, f"{name} does not require grad: there is nothing to "
                           "differentiate.", [], [], {})
    flow = backward_flow(graph)
    given = {id(key_of(tensor)) for _, tensor in params}
    derivation = _Derivation(graph, names, flow, given)
    steps = derivation.steps()
    gradients = {names[id(key)]: flow.grad(key) for key in graph.order
                 if not isinstance(key, Function) and flow.grad(key) is not None}
    start = f"d{name}/d{d(name)} = {describe(flow.seed)}"
    if flow.seed.size != 1:
        start += (f" (ones, as for {name}.sum())" if np.all(flow.seed == 1)
                  else " (the gradient given to backward)")
    results = derivation.results()
    aliases = [other for other, tensor in params
               if key_of(tensor) is graph.root_key and other != name]
    if aliases and not isinstance(graph.root_key, Function):  # f = x: the root is a leaf
        start += "".join(f"\n{name} is {other} itself: d{name}/d{d(other)} = "
                         f"{describe(flow.seed)}" for other in aliases)
        results = [(f"d{name}/d{d(other)}", describe(flow.seed)) for other in aliases]
        gradients = {other: flow.seed for other in aliases}
    return Explanation(title, start, steps, results, gradients, max_steps)
