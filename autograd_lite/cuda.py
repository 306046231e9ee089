"""`ag.cuda`: PyTorch's `torch.cuda` calls that scripts make. With CuPy installed and a GPU,
`is_available()` is True and the calls answer for it; without, `is_available()` is False,
`device_count()` is 0, seeding is a no-op (as PyTorch's is without CUDA), and what needs a GPU
raises the clear error of `ag.device`, saying what to install.

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
    """Whether the GPU backend is loaded (after the first use of "cuda")."""
    return "cuda" in _BACKENDS


def manual_seed(seed: int) -> None:
    """Nothing to do: tensors on the GPU draw from ag's one generator (`ag.manual_seed`), so a
    seeded script draws the same numbers on either device."""


def manual_seed_all(seed: int) -> None:
    """Nothing to do (see `manual_seed`)."""


def seed() -> None:
    """Nothing to do (see `manual_seed`)."""


def seed_all() -> None:
    """Nothing to do (see `manual_seed`)."""


def empty_cache() -> None:
    """Release the GPU memory CuPy keeps for reuse (nothing without a GPU, as in PyTorch)."""
    if "cuda" in _BACKENDS and _BACKENDS["cuda"].array_type.__module__.startswith("cupy"):
        import cupy
        cupy.get_default_memory_pool().free_all_blocks()


def _cuda(device: Any = None) -> Any:
    """The device `device` names (the current GPU for None), refused without a GPU backend."""
    if isinstance(device, int) and not isinstance(device, bool):
        device = f"cuda:{device}"
    return as_device("cuda" if device is None else device)


def synchronize(device: Any = None) -> None:
    """Wait until the GPU has finished its queued work (timing GPU code needs it before
    reading the clock); raises without a GPU backend."""
    dev = _cuda(device)
    _BACKENDS["cuda"].synchronize(dev.index)


def current_device() -> int:
    """The current GPU's index (0: tensors go to cuda:0 unless an index is given); raises
    without a GPU backend."""
    _cuda()
    return 0


def get_device_name(device: Any = None) -> str:
    """The GPU's name (e.g. "NVIDIA H100 80GB HBM3"); raises without a GPU backend."""
    dev = _cuda(device)
    return _BACKENDS["cuda"].device_name(dev.index or 0)


def set_device(device: Any) -> None:
    """Choose the current GPU: only cuda:0 here (name another as device="cuda:1"); raises
    without a GPU backend."""
    dev = _cuda(device)
    if dev.index not in (None, 0):
        raise NotImplementedError(
            f"set_device({device!r}): autograd_lite puts tensors without an index on cuda:0; "
            f"give the device explicitly instead (device='{dev}', .to('{dev}'))")
