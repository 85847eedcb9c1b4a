"""Layer IG in bfloat16: kept only within the tolerance, otherwise run again in float32."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import explain
from components.setting_widgets import setting_key
from explain.methods.layer_integrated_gradients import EmbeddingIntegratedGradients, convergence
from explain.model.encoding import encode
from tests.apphelpers import open_page
from tests.tolerances import BFLOAT16_EPS

TEXT = "the movie was not very good"
PRECISION_KEY = setting_key("layer_integrated_gradients", "precision")


def precision_of(result: explain.Attribution) -> str:
    return dict(result.settings.options)["precision"]


def test_float32_is_the_default_and_is_recorded(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, TEXT)
    assert precision_of(result) == "float32"
    assert result.settings.tolerance is None


def test_bfloat16_within_tolerance_is_kept_and_close_to_float32(
    tiny_model: explain.LoadedModel,
) -> None:
    exact = explain.attribute(tiny_model, TEXT, output="logit")
    fast = explain.attribute(tiny_model, TEXT, output="logit", precision="bfloat16", tolerance=0.5)
    assert precision_of(fast) == "bfloat16"
    assert fast.settings.tolerance == 0.5
    assert fast.completeness_warning is None
    # the prediction and the ends of the path stay float32
    assert fast.probabilities == exact.probabilities
    assert (fast.f_input, fast.f_baseline) == (exact.f_input, exact.f_baseline)
    assert abs(fast.delta) <= 0.5 * abs(exact.f_input - exact.f_baseline)
    assert fast.scores != exact.scores, "bfloat16 must have been used"
    # bfloat16 keeps 8 significant bits: every layer rounds its inputs to that, and the
    # errors add up through the layers and along the path. Measured: 5.5 bfloat16 ulps of
    # the largest score (the same on AVX-512 and on plain SSE); a bar of 16 leaves room for
    # CPUs that multiply in bfloat16 natively, and still catches a wrong computation.
    largest = max(abs(score) for score in exact.scores)
    assert fast.scores == pytest.approx(exact.scores, abs=16 * BFLOAT16_EPS * largest)


def test_bfloat16_beyond_tolerance_falls_back_to_float32(tiny_model: explain.LoadedModel) -> None:
    exact = explain.attribute(tiny_model, TEXT, tolerance=0.0)
    fallback = explain.attribute(tiny_model, TEXT, precision="bfloat16", tolerance=0.0)
    assert precision_of(fallback) == "float32"
    assert fallback.scores == pytest.approx(exact.scores, abs=1e-7)
    assert "bfloat16" in fallback.completeness_warning
    assert "computed again in float32" in fallback.completeness_warning


def test_unknown_precision_names_the_choices(tiny_model: explain.LoadedModel) -> None:
    with pytest.raises(explain.InputError, match="float32, bfloat16"):
        explain.attribute(tiny_model, TEXT, precision="float16")


def test_the_sidebar_offers_precision_and_the_page_reports_it(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(tiny_dir, monkeypatch)
    box = at.selectbox(key=PRECISION_KEY)
    assert box.value == "float32"
    assert box.help
    box.select("bfloat16").run()
    at.text_area(key="text").input(TEXT).run()
    at.button(key="run").click().run()
    assert not at.exception
    assert at.query_params["precision"] == "bfloat16"
    footer = " ".join(caption.value for caption in at.caption)
    warnings = " ".join(warning.value for warning in at.warning)
    if "precision float32" in footer:  # bfloat16 missed the 1 % tolerance: the page says so
        assert "computed again in float32" in warnings
    else:
        assert "precision bfloat16" in footer


def test_bfloat16_enables_the_tolerance_and_the_link_keeps_it(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(tiny_dir, monkeypatch)
    tolerance = setting_key("layer_integrated_gradients", "tolerance")
    assert at.number_input(key=tolerance).disabled, "without auto steps or bfloat16, unused"
    at.selectbox(key=PRECISION_KEY).select("bfloat16").run()
    assert not at.number_input(key=tolerance).disabled
    at.number_input(key=tolerance).set_value(0.5).run()
    at.text_area(key="text").input(TEXT).run()
    at.button(key="run").click().run()
    assert not at.exception
    assert at.query_params["tol"] == "0.5"
    assert "auto" not in at.query_params
    footer = " ".join(caption.value for caption in at.caption)
    assert "precision bfloat16" in footer  # the tiny model stays within 50 %


def test_bfloat16_gets_one_try_then_auto_steps_go_on_in_float32(
    tiny_model: explain.LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, bool]] = []
    integrate = convergence.integrate_fixed

    def recording(paths, steps, low_precision=False):
        calls.append((steps, low_precision))
        return integrate(paths, steps, low_precision)

    monkeypatch.setattr(convergence, "integrate_fixed", recording)
    result = explain.attribute(
        tiny_model, TEXT, precision="bfloat16", auto_steps=True, tolerance=1e-9, n_steps=10
    )
    assert calls[0] == (10, True)
    assert all(not low for _, low in calls[1:])
    assert [steps for steps, _ in calls[1:]] == [10, 20, 40, 80, 160, 320, 500]
    assert precision_of(result) == "float32"
    assert result.settings.n_steps == 500


def test_a_batch_note_names_the_text_that_missed(tiny_model: explain.LoadedModel) -> None:
    texts = [TEXT, "bad", "i love this car , but the ride is loud !"]
    encodings = [
        encode(tiny_model.tokenizer, text, tiny_model.max_length, tiny_model.device)
        for text in texts
    ]
    explainer = EmbeddingIntegratedGradients(tiny_model)

    def run(tolerance: float) -> list[explain.Attribution]:
        return explainer.attribute_encoded(
            texts, encodings, output="logit", precision="bfloat16", tolerance=tolerance
        )

    kept = run(1.0)
    assert all(precision_of(result) == "bfloat16" for result in kept)
    relative = [abs(r.delta) / abs(r.f_input - r.f_baseline) for r in kept]
    assert len(set(relative)) == len(relative), "the texts must miss by different amounts"
    tolerance = sorted(relative)[1] * 1.0001  # the two smallest pass, the largest misses
    results = run(tolerance)
    assert [precision_of(result) for result in results] == ["float32"] * 3
    for result, missed in zip(results, relative, strict=True):
        note = result.completeness_warning
        if missed > tolerance:
            assert note.startswith("In bfloat16, |delta| was")
        else:
            assert note.startswith("Another text batched with this one missed")


def test_works_inside_no_grad(tiny_model: explain.LoadedModel) -> None:
    expected = explain.attribute(tiny_model, TEXT)
    with torch.no_grad():
        result = explain.attribute(tiny_model, TEXT)
    assert result.scores == pytest.approx(expected.scores, abs=1e-7)
