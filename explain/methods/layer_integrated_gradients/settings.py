"""Layer IG's own settings: the integration rule, its error tolerance, the steps and precision."""

from __future__ import annotations

import dataclasses
from typing import Literal

from explain.core.settings import ChoiceSetting, FloatSetting
from explain.methods.step_settings import N_STEPS

PRECISION = ChoiceSetting(
    name="precision",
    label="Precision",
    default="float32",
    choices=("float32", "bfloat16"),
    help="bfloat16 runs the integration's matrix products at half width (autocast): much "
    "faster on GPUs, a little on recent CPUs, and less exact. Its scores are kept only when "
    "|delta| is within the delta tolerance of |F(input) - F(baseline)|; otherwise they are "
    "computed again in float32, and the page says so. The prediction is always float32.",
)
Precision = Literal["float32", "bfloat16"]
INTEGRATION = ChoiceSetting(
    name="integration",
    label="Integration",
    default="adaptive",
    choices=("adaptive", "fixed"),
    help="adaptive (the default): Gauss-Kronrod rules on the two halves of the path, each "
    "interval cut in two where its estimated error is large, until the scores are within "
    "the error tolerance; each score gets an error bar. fixed: the given number of "
    "Gauss-Legendre steps, no error bars (giving n_steps alone chooses it).",
)
Integration = Literal["adaptive", "fixed"]
ERROR_TOLERANCE = FloatSetting(
    name="error_tolerance",
    label="Error tolerance",
    default=1e-3,
    minimum=1e-5,
    maximum=0.1,
    step=1e-4,
    help="Adaptive integration stops when the estimated error of every token's score, with "
    "the scores scaled to unit length, is at most this. 0.001 is finer than a chart shows.",
    applies_when=("integration", "adaptive"),
)
FIXED_STEPS = dataclasses.replace(N_STEPS, applies_when=("integration", "fixed"))
"""The steps setting as Layer IG declares it: it applies to fixed integration only."""
INTEGRATION_NAMES = {"adaptive": "gauss-kronrod adaptive", "fixed": "gausslegendre"}
