"""The settings of methods that integrate along a path: the steps and the delta tolerance."""

from __future__ import annotations

from explain.core.settings import FloatSetting, IntSetting

N_STEPS = IntSetting(
    name="n_steps",
    label="Integration steps",
    default=50,
    minimum=1,
    maximum=500,
    step=10,
    help="Points on the path from baseline to input (Gauss-Legendre rule). "
    "More steps: a smaller convergence delta, proportionally slower.",
)
TOLERANCE = FloatSetting(
    name="tolerance",
    label="Delta tolerance",
    default=0.01,
    minimum=0.0,
    maximum=1.0,
    step=0.005,
    help="With auto steps, the steps are doubled (up to the most allowed) until |delta| is "
    "at most this fraction of |F(input) - F(baseline)|; in bfloat16, a larger |delta| "
    "means running again in float32. 0.01 is 1 %.",
)
