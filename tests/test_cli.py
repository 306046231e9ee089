"""The `autograd-lite` command line: exact output, one-line errors, and no way to run code."""

import builtins
import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lite.cli import main
from autograd_lite.expr import parse

ROOT = Path(__file__).resolve().parents[1]

EXAMPLE = ["grad", "(3*k + 8*m) * (5*m + 2)", "--at", "k=1", "m=3"]
EXAMPLE_OUTPUT = """\
f(k, m) = (3*k + 8*m) * (5*m + 2)
at k = 1, m = 3
  f     = 459
  df/dk = 51
  df/dm = 271
"""


def run(argv):
    """Run main quietly: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def test_grad_prints_the_value_and_every_partial_derivative(capsys):
    assert main(EXAMPLE) == 0
    captured = capsys.readouterr()
    assert captured.out == EXAMPLE_OUTPUT
    assert captured.err == ""


def test_python_dash_m_runs_the_same_command():
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    done = subprocess.run([sys.executable, "-m", "autograd_lite", *EXAMPLE], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, EXAMPLE_OUTPUT, "")


def test_vectors_are_given_with_commas_and_printed_in_brackets():
    status, out, _ = run(["grad", "sum(x * x) + y", "--at", "x=1,2,3", "--at", "y=0.5"])
    assert status == 0
    assert out.splitlines()[1:] == [
        "at x = [1, 2, 3], y = 0.5",
        "  f     = 14.5",
        "  df/dx = [2, 4, 6]",
        "  df/dy = 1",
    ]


def test_numbers_are_printed_to_ten_significant_digits():
    status, out, _ = run(["grad", "k / 3", "--at", "k=1"])
    assert status == 0
    assert "  f     = 0.3333333333" in out.splitlines()


@pytest.mark.parametrize("text", ["-k * m", "-k*m", "--k*m", "-exp(k)*m"])
def test_an_expression_may_start_with_a_minus(text):
    status, out, err = run(["grad", text, "--at", "k=1", "m=3"])
    assert (status, err) == (0, "")
    assert f"f(k, m) = {text.strip()}" in out


def test_an_unknown_option_after_the_expression_is_still_an_argparse_error():
    status, _, err = run(["grad", "k", "--at", "k=1", "-x"])
    assert status == 2
    assert "unrecognized arguments: -x" in err


def test_an_expression_without_variables_just_has_a_value():
    assert run(["grad", "2 ** 10"]) == (0, "f() = 2 ** 10\n  f = 1024\n", "")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["grad", "k * m", "--at", "k=1"], "no value for m: add m=VALUE to --at"),
        (["grad", "k * m * n"], "no value for k, m, n: add k=VALUE m=VALUE n=VALUE to --at"),
        (["grad", "k", "--at", "k=1", "z=2"], "--at gives z, which is not in the expression"),
        (["grad", "k", "--at", "k1"], "--at 'k1' is not NAME=VALUE"),
        (["grad", "k", "--at", "=1"], "--at '=1' is not NAME=VALUE"),
        (["grad", "k", "--at", "k=one"], "--at k: 'one' is not a number"),
        (["grad", "k", "--at", "k=1,"], "--at k: '' is not a number"),
        (["grad", "k", "--at", "k=1", "k=2"], "--at gives k more than once"),
        (["grad", "x * 2", "--at", "x=1,2"], "wrap it in sum(...) or mean(...)"),
        (["grad", "x + y", "--at", "x=1,2", "y=1,2,3"], "cannot evaluate the expression"),
    ],
)
def test_variable_mistakes_are_one_line_with_status_2(argv, message):
    status, out, err = run(argv)
    assert status == 2
    assert out == ""
    assert err.startswith("autograd-lite: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_an_expression_error_points_at_the_offending_part():
    status, _, err = run(["grad", "(3*k).__class__", "--at", "k=1"])
    assert status == 2
    assert err == (
        "autograd-lite: error: attribute access is not allowed\n"
        "  (3*k).__class__\n"
        "       ^^^^^^^^^^\n"
    )


def test_argparse_errors_and_a_missing_command_return_2():
    assert run([])[0] == 2
    assert run(["grad"])[0] == 2
    assert run(["grad", "k", "--dtype", "int8", "--at", "k=1"])[0] == 2
    assert run(["--help"])[0] == 0


def test_explain_prints_the_derivation_with_the_variable_names():
    status, out, _ = run([*EXAMPLE, "--explain"])
    assert status == 0
    assert out.startswith(EXAMPLE_OUTPUT + "\n")
    lines = [line.strip() for line in out.splitlines()]
    assert "Backward pass of f = 459, by the chain rule" in lines
    assert "df/dk = 51" in lines
    assert "df/dm = 136 + 135 = 271" in lines


def test_render_saves_the_graph_with_the_variables_as_params(tmp_path):
    target = tmp_path / "graph.svg"
    status, out, _ = run([*EXAMPLE, "--render", str(target)])
    assert status == 0
    assert out == EXAMPLE_OUTPUT + f"wrote {target}\n"
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", target.read_text())
    assert {"k", "m", "data 459", "grad 51", "grad 271"} <= set(texts)


def test_render_to_an_unknown_suffix_is_one_line_with_status_2(tmp_path):
    status, out, err = run([*EXAMPLE, "--render", str(tmp_path / "graph.bmp")])
    assert status == 2 and "Traceback" not in err and ".svg" in err



@pytest.mark.parametrize("where, message", [
    ("missing/graph.svg", "does not exist"),
    (".", "is a folder"),
    ("graph.txt", "suffix must be one of"),
])
def test_render_is_checked_before_evaluating(tmp_path, monkeypatch, where, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.svg").mkdir()
    where = "folder.svg" if where == "." else where
    monkeypatch.setattr("autograd_lite.cli._evaluate", lambda *a: pytest.fail("evaluated"))
    status, out, err = run([*EXAMPLE, "--render", where])
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and f"--render {where}" in err and message in err


def test_save_graph_names_the_missing_folder(tmp_path):
    import autograd_lite as ag

    x = ag.tensor(2.0, requires_grad=True)
    with pytest.raises(FileNotFoundError, match="nope.*does not exist"):
        ag.save_graph(x * x, tmp_path / "nope" / "g.dot")
    (tmp_path / "dir.dot").mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        ag.save_graph(x * x, tmp_path / "dir.dot")


def test_a_variable_called_f_renames_the_function():
    status, out, err = run(["grad", "(f + t1) * t2", "--at", "f=2", "t1=3", "t2=4",
                            "--explain"])
    assert status == 0, err
    lines = [line.strip() for line in out.splitlines()]
    assert lines[:6] == ["g(f, t1, t2) = (f + t1) * t2", "at f = 2, t1 = 3, t2 = 4",
                         "g      = 20", "dg/df  = 4", "dg/dt1 = 4", "dg/dt2 = 5"]
    assert "Backward pass of g = 20, by the chain rule" in lines
    assert "dg/df  = 4" in lines[-3:]
    assert not any(line.startswith(("t1 =", "t2 =", "f =")) for line in lines)


def test_explain_does_not_leak_numpy_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        status, out, err = run(["grad", "log(x)*0", "--at", "x=0", "--explain"])
    assert status == 0 and "nan" in out and err == ""


def test_a_closed_pipe_ends_quietly_with_status_141():
    values = ",".join(str(k) for k in range(20000))  # far more output than a pipe holds
    command = (f"{sys.executable} -m autograd_lite grad 'sum(x*x)' --at x={values} "
               "| head -c 10; exit ${PIPESTATUS[0]}")
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": path})
    assert done.stdout == "f(x) = sum"
    assert (done.returncode, done.stderr) == (141, "")


def test_a_broken_pipe_inside_a_command_is_not_a_traceback(monkeypatch):
    class Gone(io.StringIO):
        def write(self, text):
            raise BrokenPipeError

    monkeypatch.setattr(sys, "stdout", Gone())
    assert main(EXAMPLE) == 141


def test_ctrl_c_prints_interrupted_and_returns_130(monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("autograd_lite.cli.run_grad", interrupted)
    status, out, err = run(EXAMPLE)
    assert (status, out, err.strip()) == (130, "", "autograd-lite: interrupted")

def test_eval_exec_and_code_compilation_are_never_used(monkeypatch):
    run(EXAMPLE)  # import everything first: imports may legitimately compile code

    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec must not be called")

    real_compile = builtins.compile

    def ast_only_compile(source, filename, mode, flags=0, *args, **kwargs):
        import ast

        assert flags & ast.PyCF_ONLY_AST, "compile() may only build a syntax tree"
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "compile", ast_only_compile)
    assert run(EXAMPLE) == (0, EXAMPLE_OUTPUT, "")
    assert run(["grad", "__import__('os').system('echo hi')"])[0] == 2


# --- fuzzing: any text gives 0 or 2, quickly, without an exception -------------------------

TOKENS = ["k", "m", "(", ")", "+", "-", "*", "/", "**", "exp(", "log(", "sum(", ".", "__", "[",
          "]", "lambda", ",", ":", "1e308", "2", "0", "'x'", "if", "else", "<", "=", " ", "@",
          "__class__", "__import__(", "x", "j", "\\", '"', "{", "}"]

token_soup = st.tuples(st.lists(st.sampled_from(TOKENS), max_size=40),
                       st.sampled_from(["", " "])).map(lambda pair: pair[1].join(pair[0]))


@settings(deadline=2000, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), token_soup))
def test_any_text_gives_status_0_or_2(text):
    status, _, err = run(["grad", text, "--at", "k=1", "m=3"])
    assert status in (0, 2)
    assert "Traceback" not in err


FUNCTIONS = ["exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "sqrt", "abs"]
expressions = st.recursive(
    st.sampled_from(["k", "m", "0", "2", "0.5", "1e308", "1e-308"]),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda x: f"-{x}"),
        st.tuples(st.sampled_from(FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})"),
    ),
    max_leaves=30,
)


@settings(deadline=2000, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_any_well_formed_expression_is_differentiated(text):
    names = parse(text).variables
    status, out, err = run(["grad", text, *(["--at", *(f"{n}=1" for n in names)] if names else [])])
    assert (status, err) == (0, "")
    assert len(out.splitlines()) == (3 + len(names) if names else 2)


def test_version():
    import autograd_lite

    status, out, _ = run(["--version"])
    assert status == 0 and out.strip() == f"autograd-lite {autograd_lite.__version__}"
