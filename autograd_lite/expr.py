"""A safe compiler for the arithmetic expressions of the command line.

`parse("(3*k + 8*m) * (5*m + 2)")` reads the text with Python's own parser (`ast.parse`, which
only builds a syntax tree and runs nothing), then walks that tree against a whitelist: numbers,
variable names, ``+ - * / **``, unary ``-`` and ``+``, parentheses, and calls of a few named
functions. Everything else is rejected with an `ExprError` that knows which characters of the
text are at fault, so the caller can underline them. The accepted tree is copied into a few small
node classes of our own; `Expr.evaluate` walks those with Tensor operations, so the result is an
ordinary autograd graph. Nothing is ever passed to ``eval``, ``exec`` or ``compile``-to-code, and
no arithmetic is done on Python integers (numbers become floats as soon as they are read).
"""

from __future__ import annotations

import ast
import operator
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite.function import REGISTRY

__all__ = ["Expr", "ExprError", "parse", "FUNCTIONS", "MAX_LENGTH", "MAX_DEPTH"]

MAX_LENGTH = 1000
"""The longest expression text accepted, in characters."""

MAX_DEPTH = 100
"""The deepest nesting accepted: of brackets in the text, and of operations in the tree."""

REDUCTIONS = ("sum", "mean")
"""The reductions an expression may call: they reduce a vector to a scalar."""

FUNCTIONS = tuple(name for name, entry in REGISTRY.items() if entry.safe) + REDUCTIONS
"""The functions an expression may call, each with one argument: the registered ops marked
safe (exp, log, sin, ...; see ops/) and the reductions. Each is the Tensor method of that
name."""

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

_BINARY_OPS: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.Pow: ("**", operator.pow),
}
_BINARY_SYMBOLS = {op: symbol for op, (symbol, _) in _BINARY_OPS.items()}
_BINARY_FUNCS = {symbol: func for symbol, func in _BINARY_OPS.values()}
_UNARY_SYMBOLS = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not", ast.Invert: "~"}

# Why each construct outside the whitelist is refused, in the user's words.
_REJECTED: dict[type, str] = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "indexing is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.IfExp: "conditional expressions (if/else) are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and' / 'or' are not allowed",
    ast.NamedExpr: "assignment (:=) is not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.Tuple: "tuples are not allowed (write one expression)",
    ast.List: "lists are not allowed (give vectors with --at, e.g. x=1,2,3)",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Await: "await is not allowed",
    ast.Slice: "slices are not allowed",
}


class ExprError(ValueError):
    """An expression that cannot be compiled or evaluated.

    `message` says what is wrong; `text` is the whole expression; `start` and `end` are the
    character offsets in `text` of the offending part (both `None` when no single part is to
    blame), which `caret_lines` underlines.
    """

    def __init__(self, message: str, text: str = "", start: int | None = None,
                 end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.start = start
        self.end = end

    def caret_lines(self, indent: str = "  ") -> list[str]:
        """The expression and a line of carets under the offending part (empty if none)."""
        if self.start is None or not self.text:
            return []
        start = min(max(self.start, 0), len(self.text))
        end = min(max(self.end if self.end is not None else start + 1, start + 1),
                  len(self.text) + 1)
        shown = "".join(_printable(c) for c in self.text)
        # The caret line copies tabs and counts wide characters twice, so it stays aligned.
        pad = "".join("\t" if c == "\t" else " " * _width(c) for c in shown[:start])
        carets = "^" * max(1, sum(_width(c) for c in shown[start:end]))
        return [indent + shown, indent + pad + carets]


def _printable(c: str) -> str:
    return c if c.isprintable() or c == "\t" else "?"


def _width(c: str) -> int:
    if unicodedata.combining(c):
        return 0
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


# --- the compiled form ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Num:
    value: float


@dataclass(frozen=True)
class _Var:
    name: str


@dataclass(frozen=True)
class _Neg:
    operand: _Node


@dataclass(frozen=True)
class _Binary:
    symbol: str
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Call:
    function: str
    argument: _Node


_Node = _Num | _Var | _Neg | _Binary | _Call


class Expr:
    """A compiled expression: `variables` in order of first appearance, and `evaluate`."""

    __slots__ = ("text", "variables", "_root")

    def __init__(self, text: str, variables: tuple[str, ...], root: _Node) -> None:
        self.text = text
        self.variables = variables
        self._root = root

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"

    def evaluate(self, env: Mapping[str, Any]) -> ag.Tensor:
        """The expression's value, built from the Tensors in `env` with autograd ops.

        Constants are Python floats mixed into the Tensor operations; where an operation has
        only constants it runs on a Tensor of the variables' dtype (float64 if there are none),
        so overflow gives ``inf`` as it does everywhere else.
        """
        missing = [name for name in self.variables if name not in env]
        if missing:
            raise ExprError(f"no value for {', '.join(missing)}", self.text)
        dtype = next((value.dtype for value in env.values() if isinstance(value, ag.Tensor)),
                     np.float64)
        return _as_tensor(_evaluate(self._root, env, dtype), dtype)


def _evaluate(node: _Node, env: Mapping[str, Any], dtype: Any) -> Any:
    # Recursion is safe: parse() refuses trees deeper than MAX_DEPTH.
    if isinstance(node, _Num):
        return node.value
    if isinstance(node, _Var):
        return env[node.name]
    if isinstance(node, _Neg):
        return -_evaluate(node.operand, env, dtype)
    if isinstance(node, _Binary):
        left = _evaluate(node.left, env, dtype)
        right = _evaluate(node.right, env, dtype)
        if isinstance(left, float) and isinstance(right, float):
            left = _as_tensor(left, dtype)
        return _BINARY_FUNCS[node.symbol](left, right)
    argument = _as_tensor(_evaluate(node.argument, env, dtype), dtype)
    return getattr(argument, node.function)()


def _as_tensor(value: Any, dtype: Any) -> Any:
    return ag.tensor(value, dtype=dtype) if isinstance(value, float) else value


# --- parsing ----------------------------------------------------------------------------------

def parse(text: str) -> Expr:
    """Compile `text` into an `Expr`, or raise `ExprError` pointing at what is not allowed."""
    if not isinstance(text, str):
        raise TypeError(f"parse() needs a str, not {type(text).__name__}")
    _check_text(text)
    body = text.lstrip(" \t\f")
    shift = len(text) - len(body)  # ast.parse refuses leading blanks ("unexpected indent")
    tree = _parse_tree(text, body, shift)
    compiler = _Compiler(text, body, shift)
    compiler.check_depth(tree)
    root = compiler.convert(tree)
    return Expr(text, tuple(compiler.variables), root)


def _check_text(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the expression is too long ({len(text):,} characters; "
                        f"the limit is {MAX_LENGTH:,})", text)
    if not text.strip():
        raise ExprError("the expression is empty", text)
    if "\n" in text or "\r" in text:
        raise ExprError("the expression must be on one line", text)
    depth = 0
    for index, char in enumerate(text):
        if char in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExprError(f"the expression is nested too deeply "
                                f"(more than {MAX_DEPTH} levels)", text, index, index + 1)
        elif char in ")]}":
            depth -= 1


def _parse_tree(text: str, body: str, shift: int) -> ast.expr:
    try:
        with warnings.catch_warnings():
            # Python's warnings about odd literals ("1if", "\\d") would leak onto stderr.
            warnings.simplefilter("ignore")
            return ast.parse(body, mode="eval").body
    except SyntaxError as exc:
        if exc.lineno == 1 and exc.offset and exc.offset >= 1:
            start = shift + exc.offset - 1
        else:  # Python knows no position: the input ended too soon
            start = len(text)
        end = shift + (exc.end_offset or 0) - 1
        if exc.end_lineno != 1 or end <= start:
            end = start + 1
        raise ExprError(f"invalid expression: {exc.msg}", text, start, end) from None
    except (RecursionError, MemoryError):
        raise ExprError("the expression is nested too deeply to parse", text) from None
    except ValueError as exc:  # e.g. null bytes, on some Python versions
        raise ExprError(f"invalid expression: {exc}", text) from None


class _Compiler:
    """Checks a syntax tree against the whitelist and converts it to the compiled nodes."""

    def __init__(self, text: str, body: str, shift: int) -> None:
        self.text = text
        self.shift = shift
        self.variables: list[str] = []
        # ast columns count UTF-8 bytes; the error spans count characters.
        self._char_at: list[int] = []
        for index, char in enumerate(body):
            self._char_at.extend([index] * len(char.encode("utf-8")))
        self._char_at.append(len(body))

    # positions

    def offset(self, byte_col: int) -> int:
        """The character offset in the whole text of a byte column of the parsed body."""
        return self.shift + self._char_at[min(max(byte_col, 0), len(self._char_at) - 1)]

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(node.col_offset), self.offset(node.end_col_offset)

    def between(self, left: ast.AST, right: ast.AST, whole: ast.AST) -> tuple[int, int]:
        """The span of the operator between two operands (parentheses and blanks excluded)."""
        lo, hi = self.offset(left.end_col_offset), self.offset(right.col_offset)
        inside = [i for i in range(lo, hi) if self.text[i] not in " \t\f()"]
        return (inside[0], inside[-1] + 1) if inside else self.span(whole)

    def after(self, value: ast.AST, whole: ast.AST) -> tuple[int, int]:
        """The span of the part of `whole` that follows `value` (``.name``, ``[index]``)."""
        lo, hi = self.offset(value.end_col_offset), self.offset(whole.end_col_offset)
        while lo < hi and self.text[lo] in " \t\f)":
            lo += 1
        return (lo, hi) if lo < hi else self.span(whole)

    def error(self, message: str, span: tuple[int, int]) -> ExprError:
        return ExprError(message, self.text, *span)

    # checks

    def check_depth(self, tree: ast.expr) -> None:
        """Refuse trees deeper than MAX_DEPTH, without recursion (the tree may be deep)."""
        stack = [(tree, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise self.error(f"the expression is nested too deeply "
                                 f"(more than {MAX_DEPTH} levels)", self.span(node))
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    stack.append((child, depth + 1))

    def convert(self, node: ast.expr) -> _Node:
        """The compiled node for `node`; the leftmost forbidden construct raises first."""
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        return self.reject(node)

    def constant(self, node: ast.Constant) -> _Num:
        value = node.value
        if type(value) is int:
            try:
                return _Num(float(value))
            except OverflowError:
                raise self.error("the number is too large", self.span(node)) from None
        if type(value) is float:
            return _Num(value)
        if isinstance(value, str):
            raise self.error("strings are not allowed", self.span(node))
        if isinstance(value, complex):
            raise self.error("complex numbers are not allowed", self.span(node))
        shown = "..." if value is Ellipsis else repr(value)
        raise self.error(f"{shown} is not allowed: only numbers and variables",
                         self.span(node))

    def name(self, node: ast.Name) -> _Var:
        span = self.span(node)
        written = self.text[span[0]:span[1]]
        if written.startswith("_"):
            raise self.error("names starting with '_' are not allowed", span)
        if not _NAME.fullmatch(written):
            # Python would also accept (and NFKC-normalise) non-ASCII names; we do not.
            raise self.error("names must be ASCII letters, digits and '_'", span)
        if written in FUNCTIONS:
            raise self.error(f"'{written}' is a function: call it as {written}(...)", span)
        if written not in self.variables:
            self.variables.append(written)
        return _Var(written)

    def unary(self, node: ast.UnaryOp) -> _Node:
        symbol = _UNARY_SYMBOLS.get(type(node.op), "?")
        if symbol not in ("-", "+"):
            start = self.offset(node.col_offset)
            raise self.error(f"operator '{symbol}' is not allowed (allowed: + - * / **)",
                             (start, start + len(symbol)))
        operand = self.convert(node.operand)
        return _Neg(operand) if symbol == "-" else operand

    def binary(self, node: ast.BinOp) -> _Binary:
        left = self.convert(node.left)
        symbol = _BINARY_SYMBOLS.get(type(node.op))
        if symbol is None:
            raise self.error("this operator is not allowed (allowed: + - * / **)",
                             self.between(node.left, node.right, node))
        return _Binary(symbol, left, self.convert(node.right))

    def call(self, node: ast.Call) -> _Call:
        func = node.func
        if not isinstance(func, ast.Name):
            self.convert(func)  # an attribute or other forbidden callee reports itself
            raise self.error(f"only these functions can be called: {', '.join(FUNCTIONS)}",
                             self.span(func))
        if func.id not in FUNCTIONS:
            raise self.error(f"'{self.text[slice(*self.span(func))]}' is not an allowed "
                             f"function (allowed: {', '.join(FUNCTIONS)})", self.span(func))
        if node.keywords:
            raise self.error("keyword arguments are not allowed", self.span(node.keywords[0]))
        if len(node.args) != 1:
            raise self.error(f"{func.id}() takes exactly one argument", self.span(node))
        return _Call(func.id, self.convert(node.args[0]))

    def reject(self, node: ast.expr) -> _Node:
        message = _REJECTED.get(type(node), "this syntax is not allowed")
        if isinstance(node, ast.Attribute | ast.Subscript):
            self.convert(node.value)
            raise self.error(message, self.after(node.value, node))
        if isinstance(node, ast.Compare):
            raise self.error(message, self.between(node.left, node.comparators[0], node))
        if isinstance(node, ast.BoolOp):
            raise self.error(message, self.between(node.values[0], node.values[1], node))
        raise self.error(message, self.span(node))
