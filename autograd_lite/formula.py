"""Formulas as text, for `explain` and the pictures: how an op says what it computes.

An op declares its formula in the names of its forward's arguments, as a Python expression
(``formula = "a * b"``, ``derivatives = ("b", "a")``); `render` writes it with the operands'
own formulas put in (``3*k``, ``x * y``, with parentheses only where precedence needs them), and
`evaluate` computes it on numbers. The text is read with `ast.parse`, which builds a syntax tree
and runs nothing.

>>> render("a * b", {"a": number(3), "b": Sym("k")}).text
'3*k'
"""

from __future__ import annotations

import ast
import inspect
import math
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np

from .arrays import is_array, to_host

__all__ = ["Sym", "number", "constant", "render", "evaluate", "argument_names",
           "format_number", "format_array", "describe_index", "dims"]

SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5  # operator precedence, for parentheses


# --- numbers as text --------------------------------------------------------------------------

def format_number(value: Any) -> str:
    """A number as ``format(v, '.4g')``; integers and booleans as they are."""
    if isinstance(value, np.ndarray | np.generic):
        value = value.item()
    if isinstance(value, bool | int | complex):
        return str(value)
    text = format(float(value), ".4g")
    return "0" if text == "-0" else text


def format_array(array: Any) -> str:
    """Every value of a small array (copied to the host from a device): ``3``, ``[1, 2]``,
    ``[[1, 2], [3, 4]]``."""
    array = to_host(array) if is_array(array) else np.asarray(array)
    if array.ndim == 0:
        return format_number(array)
    return "[" + ", ".join(format_array(row) for row in array) + "]"


def describe_index(index: Any) -> str:
    """An indexing key as written between brackets: ``0, 1:3, None``."""
    parts = []
    for item in index if isinstance(index, tuple) else (index,):
        if isinstance(item, slice):
            start = "" if item.start is None else item.start
            stop = "" if item.stop is None else item.stop
            parts.append(f"{start}:{stop}" + ("" if item.step is None else f":{item.step}"))
        elif item is Ellipsis:
            parts.append("...")
        elif is_array(item):
            parts.append(format_array(item) if item.size <= 4 else f"<{item.dtype} array>")
        else:
            parts.append(str(item))
    return ", ".join(parts)


def dims(axis: Any, keepdim: bool = False) -> str:
    """A reduction's options as written in a call: ``dim=1``, ``dim=(0, 1), keepdim``."""
    options = []
    if axis is not None:
        axis = tuple(axis) if isinstance(axis, tuple | list) else (axis,)
        options.append(f"dim={axis[0]}" if len(axis) == 1 else f"dim={axis}")
    if keepdim:
        options.append("keepdim")
    return ", ".join(options)


# --- formulas as text -------------------------------------------------------------------------

@dataclass(frozen=True)
class Sym:
    """A formula as text, with its precedence, and its value when it is a plain number."""

    text: str
    prec: int = ATOM
    number: float | None = None

    def at(self, prec: int) -> str:
        """The text, in parentheses if it binds less tightly than `prec`."""
        return self.text if self.prec >= prec else f"({self.text})"


def number(value: Any) -> Sym:
    """A numeric constant: a number, a small array written out, or ``const(shape)`` (a
    device's array is copied to the host to be written)."""
    array = to_host(value) if is_array(value) else np.asarray(value)
    if array.size != 1:
        if array.size <= 4:
            return Sym(format_array(array))
        return Sym(f"{'mask' if array.dtype.kind == 'b' else 'const'}{tuple(array.shape)}")
    value = float(array.reshape(()).real)
    return Sym(format_number(value), UNARY if value < 0 else ATOM, value)


def constant(value: Any) -> Sym:
    """A forward argument that is not a Tensor: numbers as `number`, others as written."""
    numeric = isinstance(value, int | float | np.number) and not isinstance(value, bool)
    if numeric or is_array(value) and value.dtype.kind in "biuf":
        return number(value)
    if isinstance(value, type):
        return Sym(value.__name__)
    return Sym(repr(value) if isinstance(value, str) else str(value))


def add(a: Sym, b: Sym) -> Sym:
    """``a + b``."""
    return Sym(f"{a.at(SUM)} + {b.at(SUM)}", SUM)


def sub(a: Sym, b: Sym) -> Sym:
    """``a - b``, with ``b`` in parentheses if it is a sum."""
    return Sym(f"{a.at(SUM)} - {b.at(PRODUCT)}", SUM)


def mul(a: Sym, b: Sym) -> Sym:
    """``3*k`` for a number and a short operand, ``x * y`` otherwise (``x`` for ``1*x``)."""
    if a.number == 1 or b.number == 1:
        return b if a.number == 1 else a
    left, right = a.at(PRODUCT), b.at(UNARY)
    compact = (a.number is not None or b.number is not None) and not any(
        c in left + right for c in " /")
    return Sym(f"{left}*{right}" if compact else f"{left} * {right}", PRODUCT)


def div(a: Sym, b: Sym) -> Sym:
    """``a / b``."""
    return Sym(f"{a.at(PRODUCT)} / {b.at(UNARY)}", PRODUCT)


def neg(a: Sym) -> Sym:
    """``-a`` (a negative number for a number)."""
    if a.number is not None:
        return number(-a.number)
    return Sym(f"-{a.at(POWER)}", UNARY)


def power(a: Sym, b: Sym) -> Sym:
    """``a**b``."""
    return Sym(f"{a.at(ATOM)}**{b.at(UNARY)}", POWER)


def call(function: str, *args: Any) -> Sym:
    """``function(arg, ...)``."""
    return Sym(f"{function}({', '.join(a.text if isinstance(a, Sym) else str(a) for a in args)})")


ONE = number(1.0)

_BINARY = {ast.Add: add, ast.Sub: sub, ast.Mult: mul, ast.Div: div, ast.Pow: power}
_COMPARE = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==",
            ast.NotEq: "!="}


@lru_cache(maxsize=512)
def _parse(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def render(text: str, operands: dict[str, Sym]) -> Sym:
    """The formula `text` with each name in `operands` replaced by its formula.

    Understood: numbers, names, ``+ - * / **``, unary ``-``, calls, comparisons, ``x if c else
    y`` and Iverson brackets ``[a > 0]`` (1 where the condition holds, else 0).
    """
    return _render(_parse(text), operands)


def _render(node: ast.expr, operands: dict[str, Sym]) -> Sym:
    if isinstance(node, ast.Constant):
        return number(node.value) if node.value is not None else Sym("None")
    if isinstance(node, ast.Name):
        return operands.get(node.id, Sym(node.id))
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_render(node.left, operands),
                                      _render(node.right, operands))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return neg(_render(node.operand, operands))
    if isinstance(node, ast.Call):
        return call(node.func.id, *(_render(a, operands) for a in node.args))
    if isinstance(node, ast.Compare):
        terms = [_render(term, operands) for term in (node.left, *node.comparators)]
        text = ""
        for index, term in enumerate(terms):
            if term.text == "None":  # an absent bound (clamp's min or max): no condition
                continue
            text += f" {_COMPARE[type(node.ops[index - 1])]} " if text else ""
            text += term.at(SUM)
        return Sym(text, 0)
    if isinstance(node, ast.List):  # an Iverson bracket
        return Sym(f"[{_render(node.elts[0], operands).text}]")
    if isinstance(node, ast.IfExp):
        return Sym(f"{_render(node.body, operands).at(SUM)} if "
                   f"{_render(node.test, operands).text} else "
                   f"{_render(node.orelse, operands).at(SUM)}", 0)
    raise ValueError(f"formula: cannot render {ast.dump(node)}")


def names_in(text: str) -> set[str]:
    """The names a formula uses (not those it calls)."""
    called = {id(n.func) for n in ast.walk(_parse(text)) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(_parse(text)) if isinstance(n, ast.Name) and id(n) not in called}


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + np.exp(-x))


_erf = np.vectorize(math.erf, otypes=[np.float64])

FUNCTIONS: dict[str, Any] = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh, "atan": np.arctan,
    "log1p": np.log1p, "expm1": np.expm1, "abs": np.abs, "sign": np.sign,
    "sigmoid": _sigmoid, "erf": _erf, "maximum": np.maximum, "minimum": np.minimum,
}
"""The functions a formula may call when it is evaluated on numbers."""

_OPERATORS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
              ast.Div: np.true_divide, ast.Pow: np.power}
_TESTS = {ast.Gt: np.greater, ast.GtE: np.greater_equal, ast.Lt: np.less,
          ast.LtE: np.less_equal, ast.Eq: np.equal, ast.NotEq: np.not_equal}


def evaluate(text: str, values: dict[str, Any]) -> Any:
    """The formula `text` computed on the numbers (or arrays) in `values`."""
    with np.errstate(all="ignore"):
        return _evaluate(_parse(text), values)


def _evaluate(node: ast.expr, values: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id == "pi":
            return math.pi
        return values[node.id]
    if isinstance(node, ast.BinOp):
        return _OPERATORS[type(node.op)](_evaluate(node.left, values),
                                         _evaluate(node.right, values))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return np.negative(_evaluate(node.operand, values))
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](*(_evaluate(a, values) for a in node.args))
    if isinstance(node, ast.Compare):
        result, left = True, _evaluate(node.left, values)
        for op, right_node in zip(node.ops, node.comparators):
            right = _evaluate(right_node, values)
            if left is not None and right is not None:  # None: an absent bound, no condition
                result = np.logical_and(result, _TESTS[type(op)](left, right))
            left = right
        return result
    if isinstance(node, ast.List):
        return np.asarray(_evaluate(node.elts[0], values), dtype=np.float64)
    if isinstance(node, ast.IfExp):
        return np.where(_evaluate(node.test, values), _evaluate(node.body, values),
                        _evaluate(node.orelse, values))
    raise ValueError(f"formula: cannot evaluate {ast.dump(node)}")


@cache
def argument_names(op: type) -> tuple[str, ...]:
    """The names of an op's forward arguments after `ctx`: what its formulas call them."""
    parameters = list(inspect.signature(op.forward).parameters.values())[1:]
    return tuple(p.name for p in parameters
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
