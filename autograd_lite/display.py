"""How a tensor prints: like PyTorch (`tensor([1.5000, 2.0000], requires_grad=True)`)."""

from __future__ import annotations

from typing import Any

import numpy as np


def _float_formatter(values: np.ndarray) -> Any:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        fmt = "{:.4f}".format
    else:
        magnitude = np.abs(finite)
        nonzero = magnitude[magnitude > 0]
        if np.all(finite == np.round(finite)) and magnitude.max() < 1e8:
            def fmt(v: float) -> str:
                return f"{v:.0f}."
        elif magnitude.max() >= 1e8 or (nonzero.size and (nonzero.min() < 1e-4
                                                          or nonzero.max() / nonzero.min() > 1e3)):
            fmt = "{:.4e}".format
        else:
            fmt = "{:.4f}".format

    def render(v: float) -> str:
        if np.isnan(v):
            return "nan"
        if np.isinf(v):
            return "inf" if v > 0 else "-inf"
        return fmt(float(v))

    width = max((len(render(v)) for v in values.flat), default=0)
    return lambda v: render(v).rjust(width)


def format_data(data: np.ndarray, prefix: str = "tensor(") -> str:
    """The array as PyTorch prints a tensor's values."""
    kind = data.dtype.kind
    if data.size == 0:
        return "[]"
    formatter = {}
    if kind == "f":
        shown = data if data.size <= 1000 else np.concatenate(
            [data.ravel()[:3], data.ravel()[-3:]])
        formatter = {"float_kind": _float_formatter(np.asarray(shown, dtype=np.float64))}
    elif kind == "b":
        formatter = {"bool": lambda v: "True" if v else "False"}
    return np.array2string(data, separator=", ", prefix=prefix, formatter=formatter,
                           threshold=1000, edgeitems=3, max_line_width=80)


def tensor_repr(t: Any) -> str:
    """`tensor(<values>[, dtype=...][, requires_grad=True | grad_fn=<...>])`."""
    from .tensor import get_default_dtype

    parts = [format_data(t.data)]
    if t.data.size == 0:
        parts.append(f"size={tuple(t.shape)}")
    dtype = t.data.dtype
    if dtype.type is not get_default_dtype() and dtype.type not in (np.int64, np.bool_):
        parts.append(f"dtype={dtype.name}")
    if t.grad_fn is not None:
        parts.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        parts.append("requires_grad=True")
    return "tensor(" + ", ".join(parts) + ")"
