"""`ag.autograd`: PyTorch's names for the engine's entries (`autograd.grad`, `autograd.backward`,
which live in engine.py) and for `Function`.

As in `torch.autograd`, the grad-mode and anomaly-mode switches are here too, and
`ag.autograd.gradcheck` / `gradgradcheck` are the checks of `autograd_lite.gradcheck`.
"""

from __future__ import annotations

from .engine import backward, grad
from .function import (
    Function,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)

__all__ = ["grad", "backward", "Function", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "gradcheck", "gradgradcheck", "GradcheckError"]


Function = Function

# gradcheck uses autograd.grad (at call time), so it is imported last
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
