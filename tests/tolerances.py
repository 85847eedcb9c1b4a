"""Tolerances that floating-point arithmetic can keep, in units in the last place.

A computed value is compared relative to its own size (or to the size of the
quantity its error scales with), never at an absolute 1e-15 that is one ulp of
one number and hundreds of ulps of a smaller one.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

FLOAT64_EPS = float(np.finfo(np.float64).eps)
FLOAT32_EPS = float(np.finfo(np.float32).eps)
BFLOAT16_EPS = 2.0**-7  # 8 significant bits

FLOAT32_MODEL_ULPS = 256
"""How many float32 ulps apart a tiny model's results may be when computed two ways.

Another batch (and its padding), another chunk of steps, the pooled or path
shortcut, Captum's code: each sums in another order, and each CPU's kernels
(AVX2, AVX-512, NEON; MKL, OpenBLAS) in another again. Between such paths the
differences measured 16 ulps of :func:`float32_model_tolerance`'s size at most,
on AVX-512 and on AVX2 with one thread; 256 leaves room for other CPUs and
stays far below what a wrong computation changes (1e-3 of the size and more).
"""


def ulps(count: float, eps: float = FLOAT64_EPS) -> float:
    """A relative tolerance of ``count`` units in the last place."""
    return count * eps


def float32_model_tolerance(
    *sizes: float | Iterable[float], count: float = FLOAT32_MODEL_ULPS
) -> float:
    """An absolute tolerance for a tiny float32 model's results computed two ways.

    A forward or backward pass rounds each sum relative to the numbers it adds:
    hidden states of order one (LayerNorm keeps them there), or larger where the
    values compared are larger. So rounding is ``count`` ulps of the largest of
    1 and ``sizes``, whatever the size of a result that happens to be small.

    Args:
        sizes: the values compared, or for a difference such as a convergence
            delta, the terms it is the difference of (numbers, sequences,
            arrays or tensors).
        count: float32 ulps. Default: :data:`FLOAT32_MODEL_ULPS`

    Returns:
        The absolute tolerance.
    """
    largest = max([1.0, *(_largest(size) for size in sizes)])
    return ulps(count, FLOAT32_EPS) * largest


def _largest(size: object) -> float:
    if hasattr(size, "detach"):  # a tensor, perhaps on a GPU or with a gradient
        size = size.detach().cpu().double().numpy()
    return float(np.max(np.abs(np.asarray(size, dtype=float)), initial=0.0))
