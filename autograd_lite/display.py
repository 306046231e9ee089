"""How a tensor prints: like PyTorch (`tensor([1.5000, 2.0000], requires_grad=True)`).

The rules are PyTorch's (`torch/_tensor_str.py`, default print options): one width for every
element; floats print with 4 decimals, as integers with a trailing "." when all are whole, or in
scientific notation when their magnitudes span more than 1000x or leave [1e-4, 1e8]; lines wrap
at 80 columns; tensors of more than 1000 elements show 3 items at each edge.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .arrays import is_host, to_host
from .promotion import get_default_dtype

PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 4, 1000, 3, 80


class _Formatter:
    """Formats one element to a common width, chosen from the values shown."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if not self.floating:
            self.width = max((len(str(v)) for v in values.ravel().tolist()), default=1)
            return
        flat = values.astype(np.float64).ravel()
        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size == 0:
            return
        magnitude = np.abs(shown)
        low, high = magnitude.min(), magnitude.max()
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        self.sci_mode = bool(high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4)
        if self.sci_mode:
            lengths = (len(f"{v:.{PRECISION}e}") for v in shown.tolist())
        elif self.int_mode:
            lengths = (len(f"{v:.0f}") + 1 for v in shown.tolist())
        else:
            lengths = (len(f"{v:.{PRECISION}f}") for v in shown.tolist())
        self.width = max(lengths)

    def format(self, value: Any) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return text.rjust(self.width)


def _summarized(data: np.ndarray) -> np.ndarray:
    """The elements that a summarized print shows (the edges of every dimension)."""
    for axis, n in enumerate(data.shape):
        if n > 2 * EDGEITEMS:
            keep = np.r_[0:EDGEITEMS, n - EDGEITEMS:n]
            data = np.take(data, keep, axis=axis)
    return data


def _vector(data: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
    if summarize and len(data) > 2 * EDGEITEMS:
        items = ([fmt.format(v) for v in data[:EDGEITEMS].tolist()] + [" ..."]
                 + [fmt.format(v) for v in data[-EDGEITEMS:].tolist()])
    else:
        items = [fmt.format(v) for v in data.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(data: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if data.ndim == 0:
        return fmt.format(data.item())
    if data.ndim == 1:
        return _vector(data, indent, summarize, fmt)
    n = len(data)
    if summarize and n > 2 * EDGEITEMS:
        rows = ([_nested(data[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)]
                + ["..."]
                + [_nested(data[i], indent + 1, summarize, fmt) for i in range(n - EDGEITEMS, n)])
    else:
        rows = [_nested(row, indent + 1, summarize, fmt) for row in data]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def format_data(data: np.ndarray, indent: int = len("tensor(")) -> str:
    """The array as PyTorch prints a tensor's values (`indent`: the width of the prefix)."""
    if data.size == 0:
        return "[]"
    summarize = data.size > THRESHOLD
    fmt = _Formatter(_summarized(data) if summarize else data)
    return _nested(data, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(t: Any) -> str:
    """`tensor(<values>[, size=...][, dtype=...][, requires_grad=True | grad_fn=<...>])`."""

    prefix = "tensor("
    dtype = t.array.dtype
    suffixes = []
    if t.array.size == 0:
        if t.array.ndim != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if dtype.type is not get_default_dtype():  # no element shows whether it is int
            suffixes.append(f"dtype={dtype.name}")
    elif dtype.type is not get_default_dtype() and dtype.type not in (np.int64, np.bool_):
        suffixes.append(f"dtype={dtype.name}")
    if not is_host(t.array):  # on a GPU: printed from a copy on the host
        suffixes.insert(0, f"device='{t.device}'")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + format_data(to_host(t.array), len(prefix)), suffixes,
                         len(prefix))


def tensor_lines(t: Any) -> list[str]:
    """The repr, then ``grad: ...`` and ``grad_fn: ...``: what a notebook shows of a tensor."""
    grad = t._grad  # (not .grad: a non-leaf's warns)
    grad_text = "None" if grad is None else tensor_repr(grad).replace("\n", "\n" + " " * 6)
    grad_fn = "None" if t.grad_fn is None else f"<{t.grad_fn.name()}>"
    return [tensor_repr(t), f"grad: {grad_text}", f"grad_fn: {grad_fn}"]


def tensor_html(t: Any) -> str:
    """`tensor_lines` as HTML: a monospace block, the gradient in red."""
    import html

    value, grad, grad_fn = (html.escape(line) for line in tensor_lines(t))
    return (f'<pre style="margin: 0; line-height: 1.35">{value}\n'
            f'<span style="color: #dc2626">{grad}</span>\n'
            f'<span style="color: #6b7280">{grad_fn}</span></pre>')


def tensor_markdown(t: Any) -> str:
    """`tensor_lines` as a Markdown code block."""
    return "```text\n" + "\n".join(tensor_lines(t)) + "\n```"
