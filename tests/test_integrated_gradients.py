"""Properties of Layer Integrated Gradients on tiny random BERTs."""

from __future__ import annotations

import math

import pytest
import torch
from captum.attr import LayerIntegratedGradients

import explain
from explain.methods.layer_integrated_gradients import EmbeddingIntegratedGradients
from tests.tolerances import float32_model_tolerance

TEXT = "The movie was not very good, but the ride was smooth!"


@pytest.mark.parametrize("baseline", list(explain.BASELINES))
@pytest.mark.parametrize("output", list(explain.OUTPUT_KINDS))
def test_completeness_at_high_steps(
    tiny_model: explain.LoadedModel, baseline: str, output: str
) -> None:
    result = explain.attribute(tiny_model, TEXT, baseline=baseline, output=output, n_steps=300)
    change = result.f_input - result.f_baseline
    assert abs(change) > 1e-3, "the tiny model must react to the input for this test to mean much"
    assert abs(sum(result.scores) - change) <= 1e-3 * abs(change) + 1e-6


def test_delta_shrinks_with_more_steps(tiny_model: explain.LoadedModel) -> None:
    coarse = explain.attribute(tiny_model, TEXT, baseline="zero", output="logit", n_steps=2)
    fine = explain.attribute(tiny_model, TEXT, baseline="zero", output="logit", n_steps=200)
    assert abs(fine.delta) < abs(coarse.delta)


def test_equals_captum_layer_integrated_gradients(tiny_model: explain.LoadedModel) -> None:
    encoded = tiny_model.tokenizer(TEXT, return_tensors="pt")
    ids = encoded["input_ids"]
    baseline_ids = ids.clone()
    baseline_ids[0, 1:-1] = tiny_model.tokenizer.pad_token_id

    def forward(input_ids, attention_mask, token_type_ids):
        logits = tiny_model.model(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).logits
        return torch.softmax(logits, dim=-1)[:, 1]

    lig = LayerIntegratedGradients(forward, tiny_model.model.bert.embeddings)
    expected, captum_delta = lig.attribute(
        ids,
        baseline_ids,
        additional_forward_args=(encoded["attention_mask"], encoded["token_type_ids"]),
        n_steps=50,
        return_convergence_delta=True,
    )
    result = explain.attribute(tiny_model, TEXT, target=1, baseline="pad", n_steps=50)
    # Captum batches and sums the same steps its own way: float32 rounding apart. A
    # delta is a difference of sums, so it rounds with its terms, not with its own size.
    captum_scores = expected.sum(dim=-1)[0]
    torch.testing.assert_close(
        torch.tensor(result.scores),
        captum_scores,
        atol=float32_model_tolerance(captum_scores),
        rtol=1e-5,
    )
    terms = (result.f_input, result.f_baseline, sum(map(abs, result.scores)))
    assert result.delta == pytest.approx(float(captum_delta), abs=float32_model_tolerance(*terms))


def test_forward_passes_the_attention_mask(tiny_model: explain.LoadedModel) -> None:
    """Every forward pass gets the attention mask and token types, not the ids alone."""
    calls: list[dict] = []
    hook = tiny_model.model.register_forward_pre_hook(
        lambda _module, _args, kwargs: calls.append(kwargs), with_kwargs=True
    )
    try:
        explain.attribute(tiny_model, TEXT, n_steps=4)
    finally:
        hook.remove()
    assert calls
    assert all(call.get("attention_mask") is not None for call in calls)
    assert all(call.get("token_type_ids") is not None for call in calls)


def test_internal_batch_size_does_not_change_the_result(tiny_model: explain.LoadedModel) -> None:
    whole = explain.attribute(tiny_model, TEXT, n_steps=20, internal_batch_size=20)
    chunked = explain.attribute(tiny_model, TEXT, n_steps=20, internal_batch_size=3)
    # Other chunks, so other matrix shapes: float32 rounding apart, not bit for bit.
    assert chunked.scores == pytest.approx(whole.scores, abs=float32_model_tolerance(whole.scores))


def test_model_weights_and_their_gradients_are_left_untouched(
    tiny_model: explain.LoadedModel,
) -> None:
    before = {name: p.detach().clone() for name, p in tiny_model.model.named_parameters()}
    explain.attribute(tiny_model, TEXT, n_steps=8)
    for name, parameter in tiny_model.model.named_parameters():
        assert parameter.grad is None, name
        assert torch.equal(parameter, before[name]), name
        assert parameter.requires_grad, f"{name}: requires_grad must be restored"
    assert not tiny_model.model.training
    assert not tiny_model.model.bert.embeddings._forward_hooks


def test_target_defaults_to_prediction_and_accepts_names(
    three_label_model: explain.LoadedModel,
) -> None:
    default = explain.attribute(three_label_model, TEXT, n_steps=8)
    assert default.target_index == default.predicted_index
    assert default.probabilities[default.predicted_index] == max(default.probabilities)
    by_name = explain.attribute(three_label_model, TEXT, target="neutral", n_steps=8)
    assert by_name.target_label == "neutral"
    assert by_name.f_input == pytest.approx(by_name.probabilities[1], abs=1e-6)


def test_output_kinds_relate_as_defined(three_label_model: explain.LoadedModel) -> None:
    runs = {
        output: explain.attribute(three_label_model, TEXT, target=2, output=output, n_steps=4)
        for output in explain.OUTPUT_KINDS
    }
    p = runs["probability"].f_input
    assert runs["log_odds"].f_input == pytest.approx(math.log(p / (1 - p)), abs=1e-5)
    assert p == pytest.approx(runs["probability"].probabilities[2], abs=1e-6)


def test_result_is_deterministic(tiny_model: explain.LoadedModel) -> None:
    first = explain.attribute(tiny_model, TEXT, n_steps=16)
    second = explain.attribute(tiny_model, TEXT, n_steps=16)
    assert first.scores == second.scores


def test_long_input_is_truncated_with_a_count(tiny_model: explain.LoadedModel) -> None:
    words = 100  # the tiny model allows 64 positions
    result = explain.attribute(tiny_model, "good " * words, n_steps=2)
    assert len(result.tokens) == tiny_model.max_length == 64
    assert result.tokens_dropped == words + 2 - 64
    assert result.tokens[-1] == "[SEP]"


@pytest.mark.parametrize("text", ["", "   \n\t"])
def test_empty_text_is_refused(tiny_model: explain.LoadedModel, text: str) -> None:
    with pytest.raises(explain.InputError, match="empty"):
        explain.attribute(tiny_model, text)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"baseline": "noise"}, "pad, mask, unk, zero"),
        ({"output": "odds"}, "probability, logit, log_odds"),
        ({"target": "happy"}, "0=negative, 1=positive"),
        ({"target": 7}, "0=negative, 1=positive"),
        ({"n_steps": 0}, "between 1 and 500"),
        ({"n_steps": 10_000}, "between 1 and 500"),
    ],
)
def test_bad_settings_name_the_valid_ones(
    tiny_model: explain.LoadedModel, options: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        explain.attribute(tiny_model, TEXT, **options)


def test_unknown_method_lists_the_methods(tiny_model: explain.LoadedModel) -> None:
    with pytest.raises(ValueError, match="layer_integrated_gradients"):
        explain.attribute(tiny_model, TEXT, method="shapley")


def test_explainer_class_is_usable_directly(tiny_model: explain.LoadedModel) -> None:
    result = EmbeddingIntegratedGradients(tiny_model).attribute(TEXT, n_steps=4)
    assert result.settings.method == "layer_integrated_gradients"
    assert len(result.scores) == len(result.tokens)
