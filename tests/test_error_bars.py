"""The error bars of adaptive Layer IG cover the true error, against a 1,000-step reference.

The true error of a case is the largest absolute difference over tokens
between its scores and the reference's, both scaled to unit length (the
metric of the error tolerance). Adaptive integration estimates it
(``Attribution.error_estimate``); at least 95 % of the cases must have the
true error at or below the estimate, and within the tolerance.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
from collections.abc import Sequence

import pytest

import explain
from explain.methods import layer_integrated_gradients as layer_ig
from explain.methods.layer_integrated_gradients import checks
from explain.model import bundled
from explain.model.encoding import encode

TINY_TEXTS = (
    "the movie was not very good, but the ride was smooth!",
    "i hate this loud car",
    "a great film and i love it.",
)
BUNDLED_TEXTS = (  # short tweets: the 1,000-step references dominate the time
    "Self-driving cars are finally safe.",
    "Worst customer service ever, nobody answered.",
    "The screen is great but the battery dies by noon.",
    "meh, it is ok I guess",
)
BASELINES = ("pad", "zero", "mask", "random")
OUTPUTS = ("probability", "logit", "log_odds")


def unit_error(scores: Sequence[float], reference: Sequence[float]) -> float:
    """Largest absolute difference over tokens of the two score vectors at unit length."""
    length, reference_length = math.dist(scores, [0] * len(scores)), math.hypot(*reference)
    if reference_length == 0:
        return 0.0 if length == 0 else math.inf
    return max(
        abs(a / length - b / reference_length) for a, b in zip(scores, reference, strict=True)
    )


@pytest.fixture
def thousand_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the fixed rule take the reference's 1,000 steps (the dashboard allows 500)."""
    monkeypatch.setattr(checks, "N_STEPS", dataclasses.replace(checks.N_STEPS, maximum=1000))


def coverage(
    model: explain.LoadedModel, texts: Sequence[str], tolerance: float = 1e-3
) -> list[tuple[float, float, int]]:
    """``(true error, estimate, gradients)`` of each text x baseline x output case."""
    explainer = layer_ig.EmbeddingIntegratedGradients(model)
    encodings = [encode(model.tokenizer, text, model.max_length, model.device) for text in texts]
    cases = []
    for baseline, output in itertools.product(BASELINES, OUTPUTS):
        references = explainer.attribute_encoded(
            texts,
            encodings,
            output=output,
            baseline=baseline,
            n_steps=1000,
            target=0,
            internal_batch_size=1000 * len(texts),
        )
        for text, reference in zip(texts, references, strict=True):
            result = explain.attribute(
                model,
                text,
                output=output,
                baseline=baseline,
                target=0,
                integration="adaptive",
                error_tolerance=tolerance,
            )
            assert result.settings.integration == "gauss-kronrod adaptive"
            assert result.error_estimate is not None
            assert len(result.score_errors) == len(result.tokens)
            cases.append(
                (
                    unit_error(result.scores, reference.scores),
                    result.error_estimate,
                    result.settings.n_steps,
                )
            )
    return cases


def _check(cases: list[tuple[float, float, int]], tolerance: float = 1e-3) -> None:
    covered = sum(true <= estimate for true, estimate, _ in cases) / len(cases)
    within = sum(true <= tolerance for true, _, _ in cases) / len(cases)
    gradients = sum(count for _, _, count in cases) / len(cases)
    logging.getLogger(__name__).warning(  # the README's figures: pytest --log-cli-level=WARNING
        f"coverage {covered:.1%} of {len(cases)} cases, within tolerance {within:.1%}, "
        f"mean gradients {gradients:.1f}, largest true error {max(c[0] for c in cases):.1e}"
    )
    assert len(cases) >= 40
    assert covered >= 0.95, f"the estimate covers the true error in {covered:.0%} of the cases"
    assert within >= 0.95, f"the true error is within the tolerance in {within:.0%} of the cases"


def test_error_bars_cover_the_true_error_on_tiny_models(
    thousand_steps: None, tiny_model: explain.LoadedModel, three_label_model: explain.LoadedModel
) -> None:
    cases = coverage(tiny_model, TINY_TEXTS[:2]) + coverage(three_label_model, TINY_TEXTS[1:])
    _check(cases)


@pytest.mark.slow
def test_error_bars_cover_the_true_error_on_the_bundled_model(thousand_steps: None) -> None:
    # Asked when the test runs, not at collection: the session has unset the user's
    # TOKENLIGHT_CACHE_DIR by then (conftest), so this looks where the load will.
    if not bundled.is_built():
        pytest.skip("the bundled checkpoint is not built (make model)")
    model = explain.load_checkpoint(explain.DEFAULT_CHECKPOINT, device="cpu")
    _check(coverage(model, BUNDLED_TEXTS))


def test_bar_chart_draws_the_error_bars_and_fixed_steps_have_none(
    tiny_model: explain.LoadedModel,
) -> None:
    adaptive = explain.attribute(tiny_model, TINY_TEXTS[0], integration="adaptive")
    (bars,) = explain.token_bar_chart(adaptive).data
    assert tuple(bars.error_y.array) == adaptive.score_errors
    assert max(adaptive.score_errors) > 0
    (scaled,) = explain.token_bar_chart(adaptive, normalized=True).data
    peak = max(abs(score) for score in adaptive.scores)
    assert scaled.error_y.array[1] == pytest.approx(adaptive.score_errors[1] / peak)
    fixed = explain.attribute(tiny_model, TINY_TEXTS[0], n_steps=20)
    assert fixed.score_errors == ()
    assert fixed.error_estimate is None
    assert fixed.settings.integration == "gausslegendre"
    (plain,) = explain.token_bar_chart(fixed).data
    assert plain.error_y.array is None


def test_adaptive_is_the_default_and_naming_the_steps_alone_fixes_them(
    tiny_model: explain.LoadedModel,
) -> None:
    default = explain.attribute(tiny_model, TINY_TEXTS[1])
    assert default.settings.integration == "gauss-kronrod adaptive"
    assert default.error_estimate is not None
    assert default.error_estimate <= 1e-3
    fixed = explain.attribute(tiny_model, TINY_TEXTS[1], n_steps=20)
    assert (fixed.settings.integration, fixed.settings.n_steps) == ("gausslegendre", 20)
    assert fixed.error_estimate is None
    both = explain.attribute(tiny_model, TINY_TEXTS[1], n_steps=20, integration="adaptive")
    assert both.settings.integration == "gauss-kronrod adaptive"
