"""The notes a Layer IG result carries when its scores are not all that was asked for.

One says that auto steps stopped at the most steps allowed with a large
delta; another that bfloat16 missed the delta tolerance, so the scores were
computed again in float32. A result shows them joined, in its
``completeness_warning``.
"""

from __future__ import annotations


def completeness_warning(relative: float, tolerance: float, steps: int) -> str:
    """What to tell the user when auto steps stopped at the cap with a large delta."""
    size = percent(relative)
    return (
        f"Even with {steps} steps, the most allowed, |delta| is {size} of "
        f"|F(input) - F(baseline)|, above the {100 * tolerance:.3g} % tolerance: the scores do "
        "not add up to the change as closely as asked. If F(input) and F(baseline) are nearly "
        "equal, any delta is large beside their difference; otherwise try another baseline."
    )


def percent(relative: float) -> str:
    """A relative delta for a sentence: ``"2.5 %"``, or ``"unbounded"`` when infinite."""
    return "unbounded" if relative == float("inf") else f"{100 * relative:.3g} %"


def precision_note(relative: float | None, tolerance: float) -> str:
    """Why a result asked for in bfloat16 was computed in float32.

    Args:
        relative: this text's ``|delta| / |F(input) - F(baseline)|`` in
            bfloat16; None when it was within the tolerance and another text
            of its batch was not.
        tolerance: the tolerance it was held to.
    """
    if relative is None:
        return (
            "Another text batched with this one missed the delta tolerance in bfloat16, so "
            "they were all computed again in float32."
        )
    size = percent(relative)
    return (
        f"In bfloat16, |delta| was {size} of |F(input) - F(baseline)|, above the "
        f"{100 * tolerance:.3g} % tolerance, so these scores were computed again in float32."
    )


def joined(*notes: str | None) -> str | None:
    """The notes that are there, one after the other; None when there are none."""
    present = [note for note in notes if note]
    return " ".join(present) if present else None
