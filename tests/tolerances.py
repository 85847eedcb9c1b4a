"""Tolerances that floating-point arithmetic can keep, in units in the last place.

A computed value is compared relative to its own size (or to the size of the
quantity its error scales with), never at an absolute 1e-15 that is one ulp of
one number and hundreds of ulps of a smaller one.
"""

from __future__ import annotations

import numpy as np

FLOAT64_EPS = float(np.finfo(np.float64).eps)
FLOAT32_EPS = float(np.finfo(np.float32).eps)


def ulps(count: float, eps: float = FLOAT64_EPS) -> float:
    """A relative tolerance of ``count`` units in the last place."""
    return count * eps
