"""Helpers shared by the example scripts in this folder: command line, output folder, seeding,
tables and pictures.

The examples import it as a sibling module (`from _common import ...`): run as a script, an
example has its own folder on sys.path. Nothing heavy is imported here at load time:
matplotlib and Pillow are imported inside save_png, once the example has chosen its backend.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import numpy as np

if TYPE_CHECKING:
    import matplotlib.pyplot as plt

__all__ = [
    "existing_file",
    "fail",
    "is_number",
    "output_folder",
    "positive_int",
    "make_parser",
    "parse_args",
    "prepare",
    "print_table",
    "save_png",
    "shuffled_split",
]


# ----- command line, output folder, seed -------------------------------------------------------

def make_parser(doc: str, name: str, quick_help: str) -> argparse.ArgumentParser:
    """A parser with the options every example takes: --quick and --out.

    doc: the example's module docstring (its first paragraph becomes the description); name: the
    example's name (the default output folder is out/NAME); quick_help: what --quick does.
    Add further options to the parser before parsing.
    """
    parser = argparse.ArgumentParser(description=" ".join(doc.split("\n\n")[0].split()))
    parser.add_argument("--quick", action="store_true", help=quick_help)
    # A string default goes through the type too, so a bad default folder is reported alike.
    parser.add_argument("--out", type=output_folder, default=str(Path("out") / name),
                        help=f"output folder, created if need be (default: out/{name})")
    return parser


def output_folder(text: str) -> Path:
    """An argparse type: the folder `text`, created (with its parents) if it does not exist;
    an argparse error if it cannot be (a file is in the way, no permission, /proc/...)."""
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise argparse.ArgumentTypeError(
            f"cannot create the folder {text}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"the folder {text} is not writable")
    return folder


def existing_file(text: str) -> Path:
    """An argparse type: `text` as a Path, which must be a readable file."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} is not a file")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{text}: no permission to read it")
    return path


def positive_int(text: str) -> int:
    """An argparse type: a positive integer."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def fail(message: str) -> NoReturn:
    """Stop the example with a one-line error, as argparse does: ``NAME: error: message`` on
    stderr and exit status 2 (for problems found after parsing, such as a corrupt file)."""
    print(f"{Path(sys.argv[0]).name}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def parse_args(doc: str, name: str, quick_help: str,
               argv: list[str] | None) -> argparse.Namespace:
    """Parse argv (None: sys.argv[1:]) with only the common options; see make_parser."""
    return make_parser(doc, name, quick_help).parse_args(argv)


def prepare(args: argparse.Namespace, seed: int | None = None) -> Path:
    """Create the output folder args.out (and its parents) and, if seed is given, seed the
    engine's global generator with it (ag.manual_seed). Returns the output folder."""
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create the output folder {out}: {exc.strerror or exc}")
    if seed is not None:
        import autograd_lite as ag

        ag.manual_seed(seed)
    return out


def shuffled_split(n: int, seed: int, train_fraction: float = 0.8
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a seeded shuffle of range(n), cut into train (round(train_fraction * n) of
    them) and test (the rest)."""
    order = np.random.default_rng(seed).permutation(n)
    n_train = int(round(train_fraction * n))
    return order[:n_train], order[n_train:]


# ----- tables ----------------------------------------------------------------------------------

def is_number(text: str, suffixes: str = "%") -> bool:
    """Whether text reads as a number once any trailing characters in suffixes are stripped."""
    try:
        float(text.rstrip(suffixes))
    except ValueError:
        return False
    return True


def print_table(headers: list[str], rows: list[list[object]], suffixes: str = "%") -> None:
    """Print rows under headers: numeric columns right-aligned, text columns left-aligned.

    A column is numeric when every non-empty cell in it is a number, allowing for trailing
    characters in suffixes (e.g. "%" for percentages, "s" for seconds).
    """
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    right = [all(is_number(row[i], suffixes) for row in cells if row[i])
             for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right)
        ).rstrip()

    print(line([str(h) for h in headers]))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))


# ----- pictures --------------------------------------------------------------------------------

def save_png(fig: plt.Figure, path: Path) -> Path:
    """Save a figure as a small PNG: 80 dpi, 64 colours (a third of the size, same look).
    Closes the figure; returns path."""
    import matplotlib.pyplot as plt
    from PIL import Image  # Pillow comes with matplotlib

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    Image.open(buffer).convert("RGB").quantize(64).save(path, optimize=True)
    return path
