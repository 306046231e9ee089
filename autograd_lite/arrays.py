"""What counts as an array: the one place that knows.

The engine computes on NumPy arrays; a Tensor's `data` is one. Every test of "is this an
array?" in the package asks here, so another array type (a GPU backend's) is added in one place.
The hot paths compare `type(x) is ndarray`, the fastest test there is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ndarray", "ARRAY_TYPES", "is_array"]

ndarray = np.ndarray
"""The array type ops compute on and return."""

ARRAY_TYPES: tuple[type, ...] = (np.ndarray,)
"""Every type accepted as an array."""


def is_array(value: Any) -> bool:
    """Whether `value` is an array (not a Tensor, not a number, not a list)."""
    return isinstance(value, ARRAY_TYPES)
