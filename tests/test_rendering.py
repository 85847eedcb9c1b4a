"""HTML highlighting is escaped and faithful; charts carry the exact scores."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import explain
from tests.hostile import HOSTILE_LABELS, HOSTILE_TEXT, HOSTILE_TOKENS, save_hostile_classifier


@pytest.fixture(scope="module")
def hostile_model(tmp_path_factory: pytest.TempPathFactory) -> explain.LoadedModel:
    return explain.load_checkpoint(
        str(save_hostile_classifier(tmp_path_factory.mktemp("hostile") / "checkpoint"))
    )


def hostile_result(model: explain.LoadedModel) -> explain.Attribution:
    return explain.attribute(model, HOSTILE_TEXT, target=0, n_steps=4)


def test_tokens_and_labels_are_escaped(hostile_model: explain.LoadedModel) -> None:
    result = hostile_result(hostile_model)
    html = explain.highlight_html(result)
    for payload in HOSTILE_TOKENS:
        assert payload not in html
        assert explain.escape(payload) in html
    assert explain.escape(HOSTILE_LABELS[0]) in html
    assert "<script" not in html
    assert "<img" not in html
    assert html.count("<mark") == len(result.tokens)


def test_record_fields_are_in_captum_order(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, "the ride was smooth", target=0, n_steps=4)
    record = explain.visualization_record(result)
    assert record.pred_class == result.predicted_label
    assert record.pred_prob == result.probabilities[result.predicted_index]
    assert record.attr_class == "negative"  # the explained label, not the sentence
    assert record.attr_score == pytest.approx(result.attribution_sum)
    assert record.raw_input_ids == list(result.tokens)
    assert record.convergence_score == result.delta
    assert record.word_attributions.tolist() == pytest.approx(list(result.normalized_scores))


def test_markup_closes_its_rows(tiny_model: explain.LoadedModel) -> None:
    html = explain.highlight_html(explain.attribute(tiny_model, "a good film", n_steps=2))
    assert html.count("<tr>") == html.count("</tr>") == 2
    assert "<table width: 100%>" not in html


def test_bar_chart_has_exact_scores_in_token_order(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, "the the movie", n_steps=4)
    figure = explain.token_bar_chart(result)
    bar = figure.data[0]
    assert list(bar.y) == list(result.scores)
    assert list(figure.layout.xaxis.ticktext) == ["[CLS]", "the", "the·2", "movie", "[SEP]"]
    assert [row[1] for row in bar.customdata] == list(result.scores)
    assert bar.marker.cmin == -bar.marker.cmax  # diverging scale centred on zero


def test_probability_chart_lists_every_label(three_label_model: explain.LoadedModel) -> None:
    result = explain.attribute(three_label_model, "good", n_steps=2)
    figure = explain.probability_chart(result)
    assert list(figure.data[0].y) == list(result.labels)
    assert sum(figure.data[0].x) == pytest.approx(1.0)


def test_result_checks_itself(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, "good", n_steps=2)
    with pytest.raises(ValueError, match="tokens but"):
        dataclasses.replace(result, scores=result.scores[:-1])
    with pytest.raises(ValueError, match="NaN"):
        dataclasses.replace(result, delta=float("nan"))
    with pytest.raises(ValueError, match="sum to 1"):
        dataclasses.replace(result, probabilities=(0.9, 0.9))
    with pytest.raises(ValueError, match="out of range"):
        dataclasses.replace(result, target_index=5)


def test_normalized_scores_peak_at_one(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, "the movie was terrible", n_steps=8)
    assert max(abs(s) for s in result.normalized_scores) == pytest.approx(1.0)
    peak = max(abs(s) for s in result.scores)
    for raw, norm in zip(result.scores, result.normalized_scores, strict=True):
        assert norm == pytest.approx(raw / peak)


def test_to_dict_is_json_ready(tiny_model: explain.LoadedModel, tmp_path: Path) -> None:
    import json

    result = explain.attribute(tiny_model, "good", n_steps=2)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["tokens"] == list(result.tokens)
    assert data["settings"]["n_steps"] == 2
    assert data["predicted_label"] == result.predicted_label


def test_unsigned_scores_are_drawn_on_the_magnitude_scale(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, "the movie was good", method="saliency")
    assert not result.signed
    html = explain.highlight_html(result)
    assert "Raises the target" not in html
    assert "Strong effect, either way" in html
    assert "hsl(210, 75%" in html
    assert "hsl(120, 75%" not in html
    figure = explain.token_bar_chart(result)
    assert figure.data[0].marker.cmin == 0.0
    assert "unsigned" in figure.layout.title.text
    signed = explain.attribute(tiny_model, "the movie was good", n_steps=4)
    assert "Raises the target" in explain.highlight_html(signed)
