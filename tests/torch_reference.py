"""Comparing autograd_lite with PyTorch, the reference: the helpers the parity tests share.

`assert_same` compares one tensor of each library (dtype by name, shape and values);
`assert_same_tree` compares (nested) tuples, lists and dicts of them by shape and values, as the
functional transforms return them.
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.testing import assert_allclose

import autograd_lite as ag

# The tolerance of a comparison at a given float dtype (the op table's).
TOLERANCE = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}


def torch_dtype_name(t: torch.Tensor) -> str:
    """A torch tensor's dtype as NumPy names it: float32, int64, bool, ..."""
    return str(t.dtype).removeprefix("torch.")


def as_np(t) -> np.ndarray:
    """The values of an autograd_lite or torch tensor as an ndarray (copied to the host from a
    device)."""
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach().cpu().array


def assert_same(ours: ag.Tensor, theirs: torch.Tensor, dtype=None, *, rtol: float = 1e-6,
                atol: float = 1e-7) -> None:
    """Equal dtypes (by name), shapes and values (NaN and inf where PyTorch has them). With
    `dtype` (np.float32 or np.float64) the tolerance is that dtype's from TOLERANCE."""
    assert np.dtype(ours.dtype).name == torch_dtype_name(theirs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    tolerance = TOLERANCE[dtype] if dtype is not None else dict(rtol=rtol, atol=atol)
    assert_allclose(as_np(ours), as_np(theirs), **tolerance)


def assert_same_tree(ours, theirs, rtol: float = 1e-12, atol: float = 1e-12) -> None:
    """Same structure, shapes and values; `ours` and `theirs` may be (nested) tuples, lists or
    dicts of tensors, or None."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for key in theirs:
            assert_same_tree(ours[key], theirs[key], rtol, atol)
    elif isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same_tree(a, b, rtol, atol)
    elif theirs is None:
        assert ours is None
    else:
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert_allclose(np.asarray(as_np(ours), dtype=np.float64),
                        np.asarray(as_np(theirs), dtype=np.float64), rtol=rtol, atol=atol)
