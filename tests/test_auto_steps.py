"""Auto steps: Layer IG raises its step count until the delta is within a tolerance."""

from __future__ import annotations

import pytest
import torch
from transformers import BertForSequenceClassification

import explain
from explain.methods.baselines import random_text_tokens
from explain.methods.layer_integrated_gradients import (
    N_STEPS,
    TOLERANCE,
    EmbeddingIntegratedGradients,
)
from explain.model.encoding import encode
from tests.tiny import save_tiny_classifier

TEXT = "The movie was not very good, but the ride was smooth!"


@pytest.fixture(scope="module")
def sharp_model(tmp_path_factory: pytest.TempPathFactory) -> explain.LoadedModel:
    """The tiny classifier with attention and classifier weights tripled.

    Sharper attention and logits bend the path from the zero baseline, so the
    integral needs several hundred steps to come within 1 %.
    """
    directory = save_tiny_classifier(tmp_path_factory.mktemp("sharp") / "checkpoint")
    model = BertForSequenceClassification.from_pretrained(directory)
    with torch.no_grad():
        for layer in model.bert.encoder.layer:
            layer.attention.self.query.weight.mul_(3.0)
            layer.attention.self.key.weight.mul_(3.0)
        model.classifier.weight.mul_(3.0)
    model.save_pretrained(directory)
    return explain.load_checkpoint(str(directory), device="cpu")


def test_auto_steps_converge_for_the_zero_baseline_with_more_steps(
    sharp_model: explain.LoadedModel,
) -> None:
    fixed = explain.attribute(sharp_model, TEXT, baseline="zero", n_steps=50)
    assert fixed.relative_delta > 0.01, "the fixture must need more than 50 steps"
    auto = explain.attribute(
        sharp_model, TEXT, baseline="zero", auto_steps=True, integration="fixed"
    )
    assert auto.settings.n_steps > 50
    assert auto.settings.n_steps in (100, 200, 400, 500)  # 50 doubled, capped at 500
    assert auto.converged is True
    assert auto.relative_delta <= 0.01
    assert auto.completeness_warning is None
    assert auto.settings.auto_steps is True
    assert auto.settings.tolerance == 0.01
    again = explain.attribute(sharp_model, TEXT, baseline="zero", n_steps=auto.settings.n_steps)
    assert auto.scores == pytest.approx(again.scores, abs=1e-9)
    assert auto.f_baseline == again.f_baseline


def test_the_step_before_the_one_used_was_not_enough(sharp_model: explain.LoadedModel) -> None:
    auto = explain.attribute(sharp_model, TEXT, baseline="zero", auto_steps=True)
    before = explain.attribute(
        sharp_model, TEXT, baseline="zero", n_steps=auto.settings.n_steps // 2
    )
    assert before.relative_delta > 0.01


def test_an_unreachable_tolerance_stops_at_the_cap(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(
        tiny_model, TEXT, baseline="pad", auto_steps=True, tolerance=0.0, n_steps=250
    )
    assert result.settings.n_steps == N_STEPS.maximum == 500
    assert result.converged is False
    assert result.completeness_warning is not None
    assert "500 steps" in result.completeness_warning
    assert "0 % tolerance" in result.completeness_warning


def test_input_and_baseline_are_run_once_however_many_rounds(
    tiny_model: explain.LoadedModel,
) -> None:
    """F(input) and F(baseline) come from one pass without gradients, reused by every round."""
    without_grad: list[bool] = []
    hook = tiny_model.model.register_forward_pre_hook(
        lambda _module, _args: without_grad.append(not torch.is_grad_enabled())
    )
    try:
        result = explain.attribute(
            tiny_model, TEXT, baseline="mask", auto_steps=True, tolerance=0.0, n_steps=100
        )
    finally:
        hook.remove()
    assert result.settings.n_steps == 500  # rounds of 100, 200, 400 and 500 steps
    assert sum(without_grad) == 1
    assert len(without_grad) > 4


def test_fixed_steps_report_no_auto_fields(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, TEXT, n_steps=8)
    assert result.settings.n_steps == 8
    assert result.settings.auto_steps is False
    assert result.settings.tolerance is None
    assert result.converged is None
    assert result.completeness_warning is None


def test_auto_steps_start_from_n_steps_and_stop_when_within_tolerance(
    tiny_model: explain.LoadedModel,
) -> None:
    """The smooth tiny model needs few steps: a loose tolerance is met by the first round."""
    result = explain.attribute(
        tiny_model, TEXT, baseline="zero", output="logit", auto_steps=True, tolerance=0.5, n_steps=3
    )
    assert result.settings.n_steps == 3
    assert result.converged is True
    assert result.relative_delta <= 0.5


def test_expected_gradients_auto_steps_bound_every_sample(
    tiny_model: explain.LoadedModel,
) -> None:
    result = explain.attribute(
        tiny_model,
        TEXT,
        baseline="expected_gradients",
        baseline_samples=3,
        output="logit",
        auto_steps=True,
        tolerance=1e-4,
        n_steps=2,
    )
    assert result.converged is True
    assert result.settings.n_steps > 2
    encoding = encode(tiny_model.tokenizer, TEXT, 64, torch.device("cpu"))
    samples = random_text_tokens(
        encoding.input_ids, encoding.special_mask, tiny_model.tokenizer, seed=0, samples=3
    )
    with torch.no_grad():
        logits = [tiny_model.model(input_ids=sample).logits[0] for sample in samples]
    for delta, sample_logits in zip(result.sample_deltas, logits, strict=True):
        change = result.f_input - float(sample_logits[result.target_index])
        assert abs(delta) <= 1e-4 * abs(change)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"tolerance": -0.1}, TOLERANCE.label),
        ({"tolerance": float("nan")}, TOLERANCE.label),
        ({"tolerance": "1%"}, TOLERANCE.label),
        ({"auto_steps": "yes"}, "auto_steps must be True or False"),
    ],
)
def test_bad_auto_settings_are_refused(
    tiny_model: explain.LoadedModel, options: dict, message: str
) -> None:
    with pytest.raises(explain.InputError, match=message):
        explain.attribute(tiny_model, TEXT, n_steps=2, **options)


def test_batch_goes_on_until_every_text_converges(sharp_model: explain.LoadedModel) -> None:
    texts = [TEXT, "the car"]
    cpu = torch.device("cpu")
    encodings = [encode(sharp_model.tokenizer, text, 64, cpu) for text in texts]
    explainer = EmbeddingIntegratedGradients(sharp_model)
    options = {"baseline": "zero", "auto_steps": True, "integration": "fixed"}
    alone = [explainer.attribute(text, **options) for text in texts]
    together = explainer.attribute_encoded(texts, encodings, **options)
    used = max(result.settings.n_steps for result in alone)
    assert {result.settings.n_steps for result in together} == {used}
    assert all(result.converged for result in together)
    assert all(result.relative_delta <= 0.01 for result in together)


def test_adaptive_auto_steps_tighten_the_error_tolerance_until_the_delta_fits(
    sharp_model: explain.LoadedModel,
) -> None:
    adaptive = {"integration": "adaptive", "error_tolerance": 0.05}
    loose = explain.attribute(sharp_model, TEXT, baseline="zero", **adaptive)
    auto = explain.attribute(sharp_model, TEXT, baseline="zero", auto_steps=True, **adaptive)
    assert auto.settings.integration == "gauss-kronrod adaptive"
    assert auto.converged is True
    assert auto.relative_delta <= 0.01
    if loose.relative_delta > 0.01:
        assert auto.settings.n_steps > loose.settings.n_steps
