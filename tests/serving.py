"""Helpers for the attribution-service tests: comparing a served result with a local one."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

import explain
from explain.core.limits import MAX_TEXT_CHARS
from explain.serve.requests import MAX_CHECKPOINT_CHARS
from tests.tolerances import float32_model_tolerance

TIMINGS = ("seconds",)


def assert_same_result(got: explain.Attribution, alone: explain.Attribution) -> None:
    """Every field equal, numbers to float32 rounding; timings may differ."""
    for field in fields(explain.Attribution):
        if field.name in TIMINGS:
            continue
        mine, theirs = getattr(got, field.name), getattr(alone, field.name)
        if field.name == "delta" and theirs is not None:
            # A difference of float32 sums: rounding scales with its terms, not with it.
            terms = [alone.f_input, sum(abs(score) for score in alone.scores)]
            terms += [] if alone.f_baseline is None else [alone.f_baseline]
            assert mine == pytest.approx(theirs, abs=float32_model_tolerance(*terms)), field.name
        elif isinstance(theirs, float):
            assert mine == pytest.approx(theirs, rel=1e-4, abs=1e-6), field.name
        elif isinstance(theirs, tuple) and theirs and isinstance(theirs[0], float):
            # float32 sums in another order: rounding is relative to the largest value;
            # error bars are differences of score sums, so relative to the largest score.
            reference = alone.scores if field.name == "score_errors" else theirs
            scale = max(abs(value) for value in reference)
            assert mine == pytest.approx(theirs, rel=1e-4, abs=2e-5 * scale), field.name
        else:
            assert mine == theirs, field.name


EMOJI = "\U0001f697"  # beyond the Basic Multilingual Plane: ensure_ascii writes a surrogate pair


def worst_case_body(indent: int | None = None, size: int = 0, **changes: object) -> bytes:
    """The largest body a client's ``json.dumps`` writes for a request within every limit.

    Both texts and the checkpoint are at their limits, in the character JSON escapes
    the longest, and every other field a Layer IG request may hold is there.

    Args:
        indent: ``json.dumps``'s indent. Default: None, compact
        size: pad the body with trailing spaces (JSON allows them) to this many bytes.
            Default: 0, no padding
        **changes: fields to set instead, such as a real checkpoint.
    """
    asked: dict[str, object] = {
        "text": EMOJI * MAX_TEXT_CHARS,
        "text_pair": EMOJI * MAX_TEXT_CHARS,
        "checkpoint": EMOJI * MAX_CHECKPOINT_CHARS,
        "method": "layer_integrated_gradients",
        "target": "a rather long label name for the target class",
        "contrast": "a rather long label name for the contrast class",
        "output": "log_odds",
        "baseline": "custom",
        "baseline_token": "\u2603" * 50,
        "integration": "fixed",
        "n_steps": 500,
        "precision": "bfloat16",
        "internal_batch_size": 1000,
        "auto_steps": True,
        "tolerance": 0.012345678901234567,
        "long": "windows",
        "stride": 100000,
    }
    raw = json.dumps(asked | changes, indent=indent).encode()
    assert len(raw) <= size or not size, f"{len(raw):,} bytes do not fit in {size:,}"
    return raw + b" " * max(0, size - len(raw))
