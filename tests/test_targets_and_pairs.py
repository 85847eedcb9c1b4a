"""Contrastive targets ("label A rather than B") and sentence pairs, on tiny random BERTs."""

from __future__ import annotations

import math

import pytest
import torch

import explain
from explain.core.targets import resolve_contrast, target_output
from explain.methods.layer_integrated_gradients import EmbeddingIntegratedGradients
from explain.model.encoding import encode
from explain.text.words import group_words
from tests.tolerances import FLOAT32_EPS, float32_model_tolerance, ulps

TEXT = "The movie was not very good, but the ride was smooth!"
PREMISE = "the movie was great"
HYPOTHESIS = "i love this film"


def test_logit_difference_is_computed_as_defined() -> None:
    logits = torch.tensor([[1.0, 3.0, -2.0], [0.5, 0.0, 4.0]])  # (batch, num_labels)
    difference = target_output(logits, 1, "logit_difference", 2)
    assert difference.tolist() == [5.0, -4.0]  # 3 - (-2), 0 - 4
    per_row = target_output(logits, torch.tensor([0, 2]), "logit_difference", torch.tensor([1, 0]))
    assert per_row.tolist() == [-2.0, 3.5]
    log_ratio = torch.log_softmax(logits, dim=-1)
    # Each log-probability rounds to a few float32 ulps of the largest: so does their difference.
    rounding = ulps(16, FLOAT32_EPS) * float(log_ratio.abs().max())
    assert difference.tolist() == pytest.approx(
        (log_ratio[:, 1] - log_ratio[:, 2]).tolist(), rel=0, abs=rounding
    )
    with pytest.raises(ValueError, match="logit_difference"):
        target_output(logits, 1, "logit", 2)
    with pytest.raises(ValueError, match="logit_difference"):
        target_output(logits, 1, "logit_difference")


def test_contrastive_attribution_is_the_difference_of_two_logit_attributions(
    three_label_model: explain.LoadedModel,
) -> None:
    common = {"baseline": "mask", "n_steps": 40}
    contrastive = explain.attribute(three_label_model, TEXT, target=2, contrast=0, **common)
    positive = explain.attribute(three_label_model, TEXT, target=2, output="logit", **common)
    negative = explain.attribute(three_label_model, TEXT, target=0, output="logit", **common)
    expected = [a - b for a, b in zip(positive.scores, negative.scores, strict=True)]
    # One integral of a difference against the difference of two: float32 rounding apart.
    ends = (positive.f_input, positive.f_baseline, negative.f_input, negative.f_baseline)
    outputs = float32_model_tolerance(*ends)
    scores = float32_model_tolerance(positive.scores, negative.scores)
    assert contrastive.scores == pytest.approx(expected, abs=scores)
    assert contrastive.f_input == pytest.approx(positive.f_input - negative.f_input, abs=outputs)
    assert contrastive.f_baseline == pytest.approx(
        positive.f_baseline - negative.f_baseline, abs=outputs
    )
    assert contrastive.settings.output == "logit_difference"
    assert contrastive.settings.contrast == 0
    assert contrastive.target_index == 2


def test_contrastive_attribution_is_complete_and_ignores_the_single_label_output(
    three_label_model: explain.LoadedModel,
) -> None:
    by_name = explain.attribute(
        three_label_model, TEXT, target="positive", contrast="neutral", n_steps=300
    )
    by_index = explain.attribute(
        three_label_model, TEXT, target=2, contrast=1, output="log_odds", n_steps=300
    )
    assert by_name.scores == pytest.approx(by_index.scores, abs=1e-9)
    p = by_name.probabilities
    assert by_name.f_input == pytest.approx(math.log(p[2] / p[1]), abs=1e-5)
    change = by_name.f_input - by_name.f_baseline
    assert abs(change) > 1e-2
    assert abs(by_name.delta) <= 1e-3 * abs(change)


@pytest.mark.parametrize(
    ("target", "contrast"),
    [(2, 2), ("positive", 2), (2, "positive")],
)
def test_contrast_equal_to_the_target_is_refused(
    three_label_model: explain.LoadedModel, target: int | str, contrast: int | str
) -> None:
    with pytest.raises(explain.InputError, match="is the target label itself"):
        explain.attribute(three_label_model, TEXT, target=target, contrast=contrast, n_steps=2)


def test_contrast_equal_to_the_predicted_label_is_refused(
    three_label_model: explain.LoadedModel,
) -> None:
    predicted = explain.attribute(three_label_model, TEXT, n_steps=2).predicted_index
    with pytest.raises(explain.InputError, match="is the target label itself"):
        explain.attribute(three_label_model, TEXT, contrast=predicted, n_steps=2)


def test_unknown_contrast_lists_the_labels() -> None:
    labels = ("negative", "neutral", "positive")
    with pytest.raises(ValueError, match=r"Unknown contrast label 'happy'.*0=negative"):
        resolve_contrast("happy", labels, 0)
    with pytest.raises(ValueError, match="Unknown contrast label 3"):
        resolve_contrast(3, labels, 0)
    assert resolve_contrast("neutral", labels, 0) == 1


def test_pair_encoding_has_token_types_segments_and_offsets_per_text(
    tiny_model: explain.LoadedModel,
) -> None:
    encoding = encode(tiny_model.tokenizer, PREMISE, 64, torch.device("cpu"), text_pair=HYPOTHESIS)
    assert encoding.tokens == (
        "[CLS]", "the", "movie", "was", "great", "[SEP]", "i", "love", "this", "film", "[SEP]",
    )  # fmt: skip
    assert encoding.token_type_ids[0].tolist() == [0] * 6 + [1] * 5
    assert encoding.segments == (0,) * 6 + (1,) * 5
    assert encoding.special_mask[0].tolist() == [True] + [False] * 4 + [True] + [False] * 4 + [True]
    # Offsets restart at 0 in the second text: "i" is HYPOTHESIS[0:1], "film" HYPOTHESIS[12:16].
    assert encoding.offsets[6] == (0, 1)
    assert encoding.offsets[9] == (12, 16)
    assert encoding.offsets[4] == (14, 19)  # "great" in PREMISE
    assert encoding.text_pair == HYPOTHESIS
    single = encode(tiny_model.tokenizer, PREMISE, 64, torch.device("cpu"))
    assert single.segments == (0,) * 6
    assert single.text_pair is None


def test_long_pair_is_truncated_longest_first_with_a_count(tiny_model: explain.LoadedModel) -> None:
    # 50 + 30 words and 3 special tokens make 83; the tiny model keeps 64.
    encoding = encode(
        tiny_model.tokenizer, "good " * 50, 64, torch.device("cpu"), text_pair="bad " * 30
    )
    assert len(encoding.tokens) == 64
    assert encoding.tokens_dropped == 83 - 64
    # Longest first: the 19 tokens all come off the longer first text (50 -> 31 words).
    assert encoding.tokens.count("good") == 31
    assert encoding.tokens.count("bad") == 30
    assert encoding.segments.count(1) == 31  # 30 words and the last [SEP]
    assert encoding.tokens[-1] == "[SEP]"
    result = explain.attribute(tiny_model, "good " * 50, text_pair="bad " * 30, n_steps=2)
    assert result.tokens_dropped == 19


def test_empty_second_text_is_refused(tiny_model: explain.LoadedModel) -> None:
    with pytest.raises(explain.InputError, match="second text is empty"):
        explain.attribute(tiny_model, PREMISE, text_pair="  ", n_steps=2)


@pytest.mark.parametrize("baseline", ["pad", "zero", "random"])
def test_pair_attribution_records_segments_and_is_complete(
    tiny_model: explain.LoadedModel, baseline: str
) -> None:
    calls: list[dict] = []
    hook = tiny_model.model.register_forward_pre_hook(
        lambda _module, _args, kwargs: calls.append(kwargs), with_kwargs=True
    )
    try:
        result = explain.attribute(
            tiny_model, PREMISE, text_pair=HYPOTHESIS, baseline=baseline, n_steps=300
        )
    finally:
        hook.remove()
    assert result.text_pair == HYPOTHESIS
    assert result.segments == (0,) * 6 + (1,) * 5
    assert result.baseline_tokens[5] == result.baseline_tokens[10] == "[SEP]"
    assert all(call["token_type_ids"][:, 6:].eq(1).all() for call in calls)
    change = result.f_input - result.f_baseline
    assert abs(change) > 1e-3
    assert abs(sum(result.scores) - change) <= 1e-3 * abs(change)


def test_pair_changes_the_prediction_input(tiny_model: explain.LoadedModel) -> None:
    """The second text is really read: the pair scores differ from the first text alone."""
    pair = explain.attribute(tiny_model, PREMISE, text_pair=HYPOTHESIS, n_steps=4)
    alone = explain.attribute(tiny_model, PREMISE, n_steps=4)
    assert pair.probabilities != alone.probabilities
    assert alone.segments == (0,) * 6
    assert alone.text_pair is None


def test_pairs_and_single_texts_batch_together(tiny_model: explain.LoadedModel) -> None:
    cpu = torch.device("cpu")
    encodings = [
        encode(tiny_model.tokenizer, PREMISE, 64, cpu, text_pair=HYPOTHESIS),
        encode(tiny_model.tokenizer, TEXT, 64, cpu),
    ]
    explainer = EmbeddingIntegratedGradients(tiny_model)
    together = explainer.attribute_encoded([PREMISE, TEXT], encodings, n_steps=8)
    alone = [
        explainer.attribute(PREMISE, text_pair=HYPOTHESIS, n_steps=8),
        explainer.attribute(TEXT, n_steps=8),
    ]
    for batched, single in zip(together, alone, strict=True):
        # Padded in a batch, alone without padding: float32 rounding apart.
        assert batched.scores == pytest.approx(
            single.scores, abs=float32_model_tolerance(single.scores)
        )
        assert batched.segments == single.segments
        assert batched.text_pair == single.text_pair


def test_pair_renders_both_texts_with_the_separator_between(
    tiny_model: explain.LoadedModel,
) -> None:
    result = explain.attribute(tiny_model, PREMISE, text_pair=HYPOTHESIS, n_steps=4)
    html = explain.highlight_html(result)
    assert html.count("[SEP]") == 2
    assert html.index("great") < html.index("[SEP]") < html.index("love")


def test_words_are_grouped_once_per_segment(tiny_model: explain.LoadedModel) -> None:
    """How the UI groups a pair's tokens into words: one call per text, the other marked special."""
    result = explain.attribute(tiny_model, PREMISE, text_pair=HYPOTHESIS, n_steps=4)
    texts = (result.text, result.text_pair)
    words = []
    for segment, text in enumerate(texts):
        special = tuple(
            is_special or token_segment != segment
            for is_special, token_segment in zip(
                result.special_tokens, result.segments, strict=True
            )
        )
        words.append([w.text for w in group_words(result.tokens, result.offsets, special, text)])
    assert words == [["the", "movie", "was", "great"], ["i", "love", "this", "film"]]


def test_merge_words_finds_each_texts_words_on_that_text(
    tiny_model: explain.LoadedModel,
) -> None:
    result = explain.attribute(tiny_model, "The movie, GREAT", text_pair="I love  it", n_steps=4)
    merged = explain.merge_words(result, "sum")
    texts = (result.text, result.text_pair)
    assert [w.text for w in merged.words] == ["The", "movie", ",", "GREAT", "I", "love", "it"]
    assert merged.segments == (0, 0, 0, 0, 1, 1, 1)
    for word, segment in zip(merged.words, merged.segments, strict=True):
        assert texts[segment][word.start : word.end] == word.text
    assert sum(merged.scores) + merged.special_score == pytest.approx(sum(result.scores))


def test_new_fields_survive_a_json_round_trip(three_label_model: explain.LoadedModel) -> None:
    result = explain.attribute(
        three_label_model,
        PREMISE,
        text_pair=HYPOTHESIS,
        target=2,
        contrast="negative",
        baseline="expected_gradients",
        baseline_samples=2,
        auto_steps=True,
        n_steps=4,
    )
    (back,) = explain.from_json(explain.to_json([result]))
    assert back == result
    assert len(back.sample_deltas) == 2
    assert back.settings.baseline_options == (("baseline_samples", 2), ("baseline_seed", 0))
