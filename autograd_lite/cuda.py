"""`ag.cuda`: PyTorch's `torch.cuda` calls that ported scripts make, answered for an
installation without a GPU backend: `is_available()` is False, `device_count()` is 0, seeding
is a no-op (as PyTorch's is without CUDA), and what needs a GPU raises the clear error of
`ag.device`, saying what to install.

>>> device = "cuda" if ag.cuda.is_available() else "cpu"
"""

from __future__ import annotations

from typing import Any

from .device import _BACKENDS, as_device, load_cuda

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "empty_cache", "synchronize", "current_device", "get_device_name", "set_device",
           "is_initialized"]


def is_available() -> bool:
    """Whether a CUDA GPU can hold tensors here: CuPy is installed and finds one."""
    return load_cuda()


def device_count() -> int:
    """The number of CUDA GPUs that can hold tensors here (0 without the GPU backend)."""
    return _BACKENDS["cuda"].device_count() if load_cuda() else 0


def is_initialized() -> bool:
    """Whether CUDA has been initialised (never, without the GPU backend)."""
    return False


def manual_seed(seed: int) -> None:
    """Seed the current GPU's generator: without one, nothing to do (as in PyTorch)."""


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's generator: without one, nothing to do (as in PyTorch)."""


def seed() -> None:
    """Seed the current GPU's generator randomly: without one, nothing to do."""


def seed_all() -> None:
    """Seed every GPU's generator randomly: without one, nothing to do."""


def empty_cache() -> None:
    """Release cached GPU memory: without a GPU, nothing to release (as in PyTorch)."""


def _needs_cuda(device: Any = None) -> None:
    as_device("cuda" if device is None else device)


def synchronize(device: Any = None) -> None:
    """Wait for the GPU's queued work; raises without a GPU backend."""
    _needs_cuda(device)


def current_device() -> int:
    """The current GPU's index; raises without a GPU backend."""
    _needs_cuda()
    return 0


def get_device_name(device: Any = None) -> str:
    """The GPU's name; raises without a GPU backend."""
    _needs_cuda(device)
    return "cuda"


def set_device(device: Any) -> None:
    """Choose the current GPU; raises without a GPU backend."""
    _needs_cuda(device)
