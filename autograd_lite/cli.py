"""The `autograd-lite` command line.

`main` is a dispatcher: each subcommand adds its parser with a ``register_*`` function listed in
`COMMANDS` and sets ``run`` to the function that carries it out, which returns the exit status.
A user error is raised as `CommandError` and reported as ``autograd-lite: error: ...`` on stderr
with exit status 2, as argparse reports its own errors; never as a traceback. Ctrl-C ends a
command with ``autograd-lite: interrupted`` and status 130; a closed pipe (``| head``) ends it
quietly.

    autograd-lite grad "(3*k + 8*m) * (5*m + 2)" --at k=1 m=3 [--explain] [--render graph.svg]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite.expr import MAX_LENGTH, Expr, ExprError, parse

__all__ = ["main", "build_parser", "CommandError", "COMMANDS"]

PROG = "autograd-lite"
USAGE_ERROR = 2
INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
BROKEN_PIPE = 141  # 128 + SIGPIPE, as shells report `yes | head -1`'s yes


class CommandError(Exception):
    """A user error: its lines go to stderr after ``autograd-lite: error:``, exit status 2."""

    def __init__(self, message: str, *detail: str) -> None:
        super().__init__(message)
        self.lines = [message, *detail]


# --- grad -------------------------------------------------------------------------------------

def register_grad(subparsers: Any) -> None:
    """Add the ``grad`` subcommand: the value and partial derivatives of an expression."""
    parser = subparsers.add_parser(
        "grad",
        allow_abbrev=False,  # "--e" is an expression, not short for --explain
        help="value and partial derivatives of an expression",
        description="Print the value of EXPR and its derivative with respect to every variable. "
        "EXPR uses numbers, variables, + - * / ** and the functions exp log sin cos tanh "
        "sigmoid relu sqrt abs sum mean.",
        epilog='example: autograd-lite grad "(3*k + 8*m) * (5*m + 2)" --at k=1 m=3',
    )
    parser.add_argument("expr", metavar="EXPR", help=f"the expression (at most {MAX_LENGTH} "
                        "characters)")
    parser.add_argument("--at", metavar="NAME=VALUE", nargs="+", action="extend", default=[],
                        help="the value of each variable: a number, or a vector as x=1,2,3")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                        help="floating-point type of the variables (default: float64)")
    parser.add_argument("--explain", action="store_true",
                        help="also print the backward pass as a step-by-step chain-rule trace")
    parser.add_argument("--render", metavar="PATH",
                        help="also draw the graph to PATH (.svg, .png, .pdf or .dot; .html: "
                        "a page that steps through the backward pass)")
    parser.set_defaults(run=run_grad)


def run_grad(args: argparse.Namespace) -> int:
    """Carry out ``grad``: evaluate, run backward, print the value and the derivatives."""
    expr = _parse_expr(args.expr)
    values = _parse_assignments(args.at)
    _check_variables(expr, values)
    if args.render:
        _check_render_path(args.render)
    explain = ag.explain if args.explain else None
    save_graph = ag.save_graph if args.render else None

    leaves = {name: ag.tensor(values[name], dtype=args.dtype, requires_grad=True)
              for name in expr.variables}
    # inf and nan are legitimate answers here (exp(1000), log(0)), not warnings.
    with np.errstate(all="ignore"):
        root = _evaluate(expr, leaves)
        if root.requires_grad:
            # explain and render may read the graph's saved values after backward.
            root.backward(retain_graph=bool(explain or save_graph))
    name = function_name(expr.variables)
    print("\n".join(_report(expr, leaves, root, name)))

    named = {name: root, **leaves}  # explain and render call the result what the report does
    if explain is not None:
        print()
        with np.errstate(all="ignore"):  # log(0) and the like: the trace shows the inf or nan
            print(explain(root, params=named))
    if save_graph is not None:
        _render(save_graph, root, args.render, named)
    return 0


def function_name(variables: Sequence[str]) -> str:
    """The name for the expression's value: ``f``, unless a variable is called that."""
    for name in ("f", "g", "h", "F", "G", "H"):
        if name not in variables:
            return name
    n = 1
    while f"f{n}" in variables:
        n += 1
    return f"f{n}"


def _check_render_path(path: str) -> None:
    """Fail before evaluating if --render cannot be written: a known suffix, an existing
    folder, not a folder itself."""
    from autograd_lite.viz import _graph_path

    try:
        _graph_path(path, f"--render {path}: ")
    except (ValueError, OSError) as e:
        raise CommandError(str(e)) from None


_GRAD_OPTIONS = {"-h", "--help", "--at", "--dtype", "--explain", "--render"}
_GRAD_OPTIONS_WITH_A_VALUE = {"--dtype", "--render"}


def _shield_expression(argv: list[str]) -> list[str]:
    """`argv` with an EXPR that starts with "-" (``grad -k*m``) prefixed by a space.

    argparse would read such an EXPR as an unknown option; with a leading space it reads it as
    the positional argument, and `parse` ignores leading blanks.
    """
    if not argv or argv[0] != "grad":
        return argv
    argv = list(argv)
    in_at = expects_value = False
    for index in range(1, len(argv)):
        token = argv[index]
        if token == "--":
            break
        if expects_value:
            expects_value = False
        elif token.partition("=")[0] in _GRAD_OPTIONS:
            in_at = token == "--at"
            expects_value = token in _GRAD_OPTIONS_WITH_A_VALUE
        elif token.startswith("-"):
            argv[index] = " " + token
            break
        elif not in_at:
            break  # EXPR is already there: leave any later "-x" to argparse
    return argv


def _parse_expr(text: str) -> Expr:
    try:
        return parse(text)
    except ExprError as exc:
        raise CommandError(exc.message, *exc.caret_lines()) from None


def _parse_assignments(items: Sequence[str]) -> dict[str, float | list[float]]:
    """``["k=1", "x=1,2,3"]`` as ``{"k": 1.0, "x": [1.0, 2.0, 3.0]}``, in the order given."""
    values: dict[str, float | list[float]] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CommandError(f"--at {item!r} is not NAME=VALUE (for example k=1 or x=1,2,3)")
        if name in values:
            raise CommandError(f"--at gives {name} more than once")
        numbers = [_parse_number(name, part) for part in text.split(",")]
        values[name] = numbers if len(numbers) > 1 else numbers[0]
    return values


def _parse_number(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise CommandError(f"--at {name}: {text.strip()!r} is not a number "
                           f"(write {name}=1.5, or {name}=1,2,3 for a vector)") from None


def _check_variables(expr: Expr, values: dict[str, Any]) -> None:
    missing = [name for name in expr.variables if name not in values]
    if missing:
        given = " ".join(f"{name}=VALUE" for name in missing)
        raise CommandError(f"no value for {_names(missing)}: add {given} to --at")
    extra = [name for name in values if name not in expr.variables]
    if extra:
        raise CommandError(f"--at gives {_names(extra)}, which "
                           f"{'is' if len(extra) == 1 else 'are'} not in the expression")


def _names(names: Sequence[str]) -> str:
    return ", ".join(names)


def _evaluate(expr: Expr, leaves: dict[str, Any]) -> Any:
    try:
        root = expr.evaluate(leaves)
    except (ValueError, ArithmeticError, RuntimeError) as exc:  # e.g. shapes that don't match
        raise CommandError(f"cannot evaluate the expression: {exc}") from None
    if root.ndim != 0:
        raise CommandError(f"the expression's value has shape {tuple(root.shape)}, not a "
                           "single number: wrap it in sum(...) or mean(...)")
    return root


def _report(expr: Expr, leaves: dict[str, Any], root: Any, f: str = "f") -> list[str]:
    """The lines ``f(k, m) = ...``, ``at k = 1, m = 3`` and the aligned results, calling the
    value `f`."""
    names = expr.variables
    lines = [f"{f}({', '.join(names)}) = {' '.join(expr.text.split())}"]
    if names:
        lines.append("at " + ", ".join(f"{name} = {format_value(leaves[name].array)}"
                                       for name in names))
    results = [(f, format_value(root.array))]
    for name in names:
        grad = leaves[name].grad
        data = grad.array if grad is not None else np.zeros_like(leaves[name].array)
        results.append((f"d{f}/d{name}", format_value(data)))
    width = max(len(label) for label, _ in results)
    lines += [f"  {label:<{width}} = {value}" for label, value in results]
    return lines


def format_value(value: Any) -> str:
    """A number with ``format(v, ".10g")``; an array as ``[a, b, c]`` (nested if need be)."""
    array = np.asarray(value)
    if array.ndim == 0:
        return format(float(array), ".10g")
    return "[" + ", ".join(format_value(row) for row in array) + "]"


def _render(save_graph: Callable[..., Any], root: Any, path: str, leaves: dict[str, Any]) -> None:
    try:
        save_graph(root, path, params=leaves)
    except (OSError, RuntimeError, ValueError) as exc:
        raise CommandError(f"--render {path}: {exc}") from None
    print(f"wrote {path}")


# --- the dispatcher ---------------------------------------------------------------------------

COMMANDS: list[Callable[[Any], None]] = [register_grad]
"""The subcommands' ``register_*(subparsers)`` functions, in the order ``--help`` lists them."""


def plugin_commands() -> list[Callable[[Any], None]]:
    """Subcommands other packages register under the entry-point group
    ``autograd_lite.commands`` (this is how `nn` adds ``demo``, ``train`` and ``eval`` without
    the engine importing `nn`)."""
    from importlib.metadata import entry_points

    found = sorted(entry_points(group="autograd_lite.commands"), key=lambda ep: ep.name)
    return [ep.load() for ep in found]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand in `COMMANDS` and the plugins'."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="autograd_lite: reverse-mode automatic differentiation on NumPy.")
    from autograd_lite import __version__
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in COMMANDS + plugin_commands():
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: ``sys.argv[1:]``); return the exit status."""
    if sys.stdout is None:  # started with stdout closed (`autograd-lite ... >&-`)
        if sys.stderr is not None:
            print(f"{PROG}: error: standard output is closed; redirect it to a file or "
                  "/dev/null", file=sys.stderr)
        return USAGE_ERROR
    for stream in (sys.stdout, sys.stderr):  # an ASCII-only terminal gets escapes, not a crash
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    parser = build_parser()
    argv = _shield_expression(sys.argv[1:] if argv is None else list(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its message (or --help)
        return exc.code if isinstance(exc.code, int) else USAGE_ERROR
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: error: a command is required", file=sys.stderr)
        return USAGE_ERROR
    try:
        status = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return status
    except CommandError as exc:
        first, *rest = exc.lines
        print(f"{PROG}: error: {first}", *rest, sep="\n", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE
    except OSError as exc:  # stdout on a full disk or /dev/full, or a device that fails
        if exc.filename is not None:
            raise
        _silence_stdout()
        print(f"{PROG}: error: cannot write the output ({exc.strerror or exc})",
              file=sys.stderr)
        return USAGE_ERROR


def _silence_stdout() -> None:
    """After the reader of a pipe has gone (``autograd-lite demo | head -1``): point stdout
    at /dev/null so that the interpreter's final flush does not fail again. The command then
    stops quietly with status 141, as a Unix tool killed by SIGPIPE does."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (stdout replaced, as in tests)
        pass


if __name__ == "__main__":
    raise SystemExit(main())
