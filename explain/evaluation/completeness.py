"""Whether an attribution's scores add up as its method promises: one verdict for every front end.

A method with completeness promises ``sum of scores = F(input) - F(baseline)``;
the convergence delta is how far off the sum is. :func:`completeness` judges
that once, and the page, the exports (JSON, CSV, HTML, notebook), the command
line and the service all show the same verdict, under ``"completeness"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from explain.core.results import Attribution
from explain.methods.registry import DEFAULT_METHOD, get_method

CompletenessLevel = Literal["ok", "large_delta", "warning", "no_change", "not_defined"]
"""The verdict: the scores add up (``"ok"``); they do not add up well (``"large_delta"``);
the method warns about its own result, such as auto steps that stopped at the most steps
allowed or bfloat16 computed again in float32 (``"warning"``); input and baseline score the
same, so there is nothing to attribute (``"no_change"``); or the method promises no sum, so
there is nothing to check (``"not_defined"``)."""
LARGE_DELTA = 0.05
"""The relative delta above which the scores do not add up well."""


@dataclass(frozen=True)
class Completeness:
    """The completeness verdict on one attribution, with the figures behind it.

    Args:
        level: the verdict (see :data:`CompletenessLevel`).
        message: the verdict in words, for a reader.
        delta: sum of scores minus ``F(input) - F(baseline)``; None for a
            method that defines none.
        output_change: ``F(input) - F(baseline)``; None for a method without
            a baseline.
        relative_delta: ``|delta| / |output_change|``; None when either is
            None, ``inf`` when the change is about zero.
        large_delta: the relative delta above which the level is
            ``"large_delta"``. Default: :data:`LARGE_DELTA`
        method_warning: the method's own words about its result (see
            :attr:`explain.Attribution.completeness_warning`). Default: None
    """

    level: CompletenessLevel
    message: str
    delta: float | None
    output_change: float | None
    relative_delta: float | None
    large_delta: float = LARGE_DELTA
    method_warning: str | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict of every field; an infinite relative delta is written as None."""
        relative = self.relative_delta
        return {
            "level": self.level,
            "message": self.message,
            "delta": self.delta,
            "output_change": self.output_change,
            "relative_delta": None if relative is None or math.isinf(relative) else relative,
            "large_delta": self.large_delta,
            "method_warning": self.method_warning,
        }


def completeness(result: Attribution, large_delta: float = LARGE_DELTA) -> Completeness:
    """Judge whether ``result``'s scores add up to ``F(input) - F(baseline)``.

    Args:
        result: the attribution.
        large_delta: the relative delta above which the scores do not add up
            well. Default: 0.05

    Returns:
        The verdict. The method's own warning comes before the size of the
        delta, and an output that does not change before both.
    """
    relative = result.relative_delta

    def verdict(level: CompletenessLevel, message: str) -> Completeness:
        return Completeness(
            level,
            message,
            delta=result.delta,
            output_change=result.output_change,
            relative_delta=relative,
            large_delta=large_delta,
            method_warning=result.completeness_warning,
        )

    if result.delta is None or result.f_baseline is None or relative is None:
        return verdict(
            "not_defined",
            f"{get_method(result.settings.method).title} does not promise that its scores add "
            "up to a change in the output, so there is no convergence delta to check. Compare "
            f"it with {get_method(DEFAULT_METHOD).title}, whose scores do add up.",
        )
    if math.isinf(relative):
        return verdict(
            "no_change",
            "The input and the baseline get the same score, so there is nothing to attribute: "
            "every score is (close to) zero. Try another baseline or target.",
        )
    if result.completeness_warning is not None:
        return verdict("warning", result.completeness_warning)
    if relative > large_delta:
        return verdict(
            "large_delta",
            f"The delta is {relative:.1%} of F(input) - F(baseline): the scores do not add "
            "up well. For integrated gradients, raise the steps; for DeepLift, the rules do "
            "not cover every layer of a transformer, so some gap is expected. Or the input "
            "and baseline score almost the same, so there is little to explain.",
        )
    return verdict(
        "ok",
        f"The scores add up: the delta is {relative:.2%} of F(input) - F(baseline), within "
        f"the {large_delta:.0%} this check allows.",
    )
