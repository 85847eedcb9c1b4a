"""Helpers for the attribution-service tests: comparing a served result with a local one."""

from __future__ import annotations

from dataclasses import fields

import pytest

import explain

TIMINGS = ("seconds",)


def assert_same_result(got: explain.Attribution, alone: explain.Attribution) -> None:
    """Every field equal, numbers to float32 rounding; timings may differ."""
    for field in fields(explain.Attribution):
        if field.name in TIMINGS:
            continue
        mine, theirs = getattr(got, field.name), getattr(alone, field.name)
        if isinstance(theirs, float):
            assert mine == pytest.approx(theirs, rel=1e-4, abs=1e-6), field.name
        elif isinstance(theirs, tuple) and theirs and isinstance(theirs[0], float):
            # float32 sums in another order: rounding is relative to the largest value;
            # error bars are differences of score sums, so relative to the largest score.
            reference = alone.scores if field.name == "score_errors" else theirs
            scale = max(abs(value) for value in reference)
            assert mine == pytest.approx(theirs, rel=1e-4, abs=2e-5 * scale), field.name
        else:
            assert mine == theirs, field.name
