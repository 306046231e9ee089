"""PyTorch's top-level namespace over autograd_lite and nn, so a script ports by its imports.

    import nn.torch as torch          # instead of: import torch

    model = torch.nn.Linear(3, 1)                      # nn.Linear
    opt = torch.optim.SGD(model.parameters(), lr=0.1)  # nn.optim.SGD
    loader = torch.utils.data.DataLoader(dataset)      # nn.data.DataLoader
    torch.save(model.state_dict(), "model.safetensors")

Every name of `autograd_lite` is here (`torch.tensor`, `torch.no_grad`, `torch.float`, ...),
plus `nn`, `optim`, `utils.data`, `save` and `load` from `nn`. This module lives in `nn`
because `autograd_lite` never imports `nn`. `nn.porting.port_source` rewrites a script's
import lines to it; the README's "Porting from PyTorch" lists them.
"""

from __future__ import annotations

import sys
import types

import autograd_lite
import nn
from autograd_lite import autograd
from nn import data as _data
from nn import load, optim, save

utils = types.ModuleType(__name__ + ".utils", "PyTorch's `torch.utils`: `utils.data` is nn.data.")
utils.data = _data
# `import nn.torch.nn as nn` or `from nn.torch.utils.data import DataLoader` find these.
sys.modules[utils.__name__] = utils
sys.modules[utils.__name__ + ".data"] = _data
sys.modules[__name__ + ".nn"] = nn
sys.modules[__name__ + ".optim"] = optim
sys.modules[__name__ + ".autograd"] = autograd

__all__ = [*autograd_lite.__all__, "nn", "optim", "utils", "save", "load"]


def __getattr__(name: str) -> object:
    """Every other name is autograd_lite's (`torch.tensor`, `torch.float64`, `torch.relu`)."""
    try:
        return getattr(autograd_lite, name)
    except AttributeError:
        raise AttributeError(
            f"module 'nn.torch' has no attribute {name!r}: autograd_lite has no {name!r} "
            "yet (the README's 'Porting from PyTorch' lists what does not port)") from None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(dir(autograd_lite)))
