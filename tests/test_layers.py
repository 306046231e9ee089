"""How the package is layered: no module of autograd_lite imports another that imports it back
(Function and Tensor know each other by registration: tensor.py hands its class to function,
engine and promotion); autograd_lite never imports nn; importing it needs no graphviz."""

import ast
import pathlib
import subprocess
import sys

import autograd_lite

PACKAGE = pathlib.Path(autograd_lite.__file__).parent


def imports() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (at any depth of its code)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[:len(package.split(".")) - node.level + 1] \
                    if node.level else []
                target = ".".join(base + [node.module] if node.module else base)
                named = {f"{target}.{a.name}" for a in node.names} & modules.keys()
                edges[name] |= (named or ({target} & modules.keys())) - {name}
            elif isinstance(node, ast.Import):
                edges[name] |= {a.name for a in node.names} & modules.keys() - {name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_imports_one_that_imports_it_back():
    assert cycles(imports()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_autograd_lite_never_imports_nn():
    assert not any(target == "nn" or target.startswith("nn.")
                   for targets in imports().values() for target in targets)
    code = "import sys, autograd_lite; print('nn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_importing_autograd_lite_does_not_import_graphviz():
    code = "import sys, autograd_lite; print('graphviz' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
