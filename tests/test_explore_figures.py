"""Figures of the explore views: counterfactual change, confusion matrix, two checkpoints."""

from __future__ import annotations

import pytest

import explain
from explain.evaluation.gold import gold_report
from explain.evaluation.two_checkpoints import compare_checkpoints
from explain.render.checkpoint_figures import checkpoint_word_bars
from explain.render.counterfactual_figures import alignment_html, word_change_chart
from explain.render.gold_figures import confusion_matrix_chart
from explain.views.counterfactuals import compare_texts


@pytest.fixture(scope="module")
def comparison(tiny_model: explain.LoadedModel):
    before = explain.attribute(tiny_model, "the ride was smooth", n_steps=4)
    after = explain.attribute(
        tiny_model, "the ride was not <b>loud", n_steps=4, target=before.target_label
    )
    return compare_texts(before, after)


def test_change_chart_has_one_bar_per_aligned_word(comparison) -> None:
    figure = word_change_chart(comparison)
    bar = figure.data[0]
    assert len(bar.y) == len(comparison.alignment)
    assert list(bar.y) == pytest.approx([slot.change for slot in comparison.alignment])
    ticks = list(figure.layout.xaxis.ticktext)
    assert "+not" in ticks
    assert "−smooth" in ticks
    assert all("<b>" not in tick for tick in ticks)
    assert "&lt;b&gt;" in "".join(ticks)
    patterns = list(bar.marker.pattern.shape)
    assert patterns[ticks.index("+not")] == "/"
    assert patterns[0] == ""


def test_alignment_html_marks_and_escapes(comparison) -> None:
    html = alignment_html(comparison)
    assert "line-through" in html
    assert "underline" in html
    assert "<b>" not in html
    assert html.count("<tr>") == 2


def test_confusion_chart_is_clickable_points(three_label_model: explain.LoadedModel) -> None:
    batch = explain.attribute_batch(
        three_label_model, ["the car", "i hate it", "a great film"], n_steps=2
    )
    report = gold_report(batch, ["negative", "neutral", "positive"])
    figure = confusion_matrix_chart(report)
    trace = figure.data[0]
    assert trace.type == "scatter"
    assert len(trace.x) == 9
    assert sum(int(text) for text in trace.text) == 3
    cells = {(c[0], c[1]): c[2] for c in trace.customdata}
    assert cells == {
        (g, p): report.confusion[i][j]
        for i, g in enumerate(report.labels)
        for j, p in enumerate(report.labels)
    }


def test_checkpoint_bars_side_by_side(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, "the car was great", n_steps=4)
    comparison = compare_checkpoints(result, result)
    figure = checkpoint_word_bars(comparison, "<i>first", "second")
    assert len(figure.data) == 2
    assert figure.data[0].name == "&lt;i&gt;first"
    assert list(figure.data[0].y) == list(figure.data[1].y)
    assert max(abs(v) for v in figure.data[0].y) == pytest.approx(1.0)
    assert "Spearman 1.00" in figure.layout.title.text
