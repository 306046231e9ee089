"""Rewrite a PyTorch script's import lines so that it runs on autograd_lite and nn.

Only import lines change; the rest of the script keeps PyTorch's spellings, which
`nn.torch` (the `torch` namespace), `nn`, `nn.functional`, `nn.optim` and `nn.data` provide:

    >>> print(port_source("import torch\\nimport torch.nn as nn\\nx = torch.ones(2)\\n"))
    import nn.torch as torch
    import nn
    x = torch.ones(2)
    <BLANKLINE>
"""

from __future__ import annotations

import re

# Where each torch module lives here. `torch.nn` is the nn package itself; the rest of torch's
# top level is nn.torch. Longest names first, so `torch.nn.functional` wins over `torch.nn`.
MODULES = {
    "torch.utils.data": "nn.data",
    "torch.optim.lr_scheduler": "nn.optim.lr_scheduler",
    "torch.nn.functional": "nn.functional",
    "torch.nn.init": "nn.init",
    "torch.nn.utils": "nn.utils",
    "torch.autograd": "autograd_lite.autograd",
    "torch.optim": "nn.optim",
    "torch.nn": "nn",
    "torch": "nn.torch",
}

_IMPORT = re.compile(r"^(?P<indent>\s*)import\s+(?P<names>[\w.]+(?:\s+as\s+\w+)?"
                     r"(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)\s*(?P<comment>#.*)?$")
_FROM = re.compile(r"^(?P<indent>\s*)from\s+(?P<module>[\w.]+)\s+import\s+(?P<rest>.*)$")


def port_module(name: str) -> str:
    """The module that stands for torch module `name` (`torch.nn` -> `nn`); others unchanged."""
    for torch_name, here in MODULES.items():
        if name == torch_name or name.startswith(torch_name + "."):
            return here + name[len(torch_name):]
    return name


def _port_import_item(item: str) -> str:
    parts = item.split()
    module, alias = parts[0], (parts[2] if len(parts) == 3 else None)
    if port_module(module) == module:
        return item
    if alias is None:
        # `import torch.nn` binds `torch`, so the name must stay bound to the torch namespace
        return "nn.torch as torch" if module.split(".")[0] == "torch" else item
    target = port_module(module)
    return target if target == alias else f"{target} as {alias}"


def port_line(line: str) -> str:
    """One line with its torch imports pointed at autograd_lite and nn; other lines unchanged."""
    match = _IMPORT.match(line)
    if match:
        items = [_port_import_item(item.strip()) for item in match["names"].split(",")]
        seen: list[str] = []
        for item in items:  # `import torch, torch.nn` would bind torch twice
            if item not in seen:
                seen.append(item)
        comment = f"  {match['comment']}" if match["comment"] else ""
        return f"{match['indent']}import {', '.join(seen)}{comment}"
    match = _FROM.match(line)
    if match and port_module(match["module"]) != match["module"]:
        module = match["module"]
        if module == "torch":  # `from torch import nn, optim` takes them from the namespace
            return f"{match['indent']}from nn.torch import {match['rest']}"
        return f"{match['indent']}from {port_module(module)} import {match['rest']}"
    return line


def port_source(source: str) -> str:
    """A PyTorch script with its import lines rewritten (see `MODULES`); nothing else changes."""
    return "".join(port_line(line.rstrip("\r\n")) + line[len(line.rstrip("\r\n")):]
                   for line in source.splitlines(keepends=True))
