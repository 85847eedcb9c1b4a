"""The Dataset mode's figures: a label's words with their intervals, and the confusion matrix."""

from __future__ import annotations

import pytest

from explain.core.report_results import ErrorSummary, WordStat
from explain.render.dataset_figures import confusion_chart, word_stats_chart


def stat(word: str, mean: float, low: float | None, high: float | None, count: int) -> WordStat:
    return WordStat(word, "positive", count, mean, low, high, share=mean / 2)


def test_the_word_chart_has_each_words_interval_as_error_bars() -> None:
    stats = (stat("great", 0.5, 0.25, 0.9, 4), stat("<b>x</b>", -0.2, None, None, 1))
    figure = word_stats_chart(stats, "pos<i>")
    bar = figure.data[0]
    assert list(bar.x) == [-0.2, 0.5]  # the highest mean on top, which Plotly draws last
    assert list(bar.error_x.array) == pytest.approx([0.0, 0.4], rel=1e-12)
    assert list(bar.error_x.arrayminus) == pytest.approx([0.0, 0.25], rel=1e-12)
    assert bar.y[0] == "&lt;b&gt;x&lt;/b&gt; "  # a word is shown, never run as markup
    assert "seen once" in bar.customdata[0][3]
    assert "pos&lt;i&gt;" in figure.layout.title.text


def test_the_confusion_chart_shows_the_counts_gold_down() -> None:
    errors = ErrorSummary(
        rows=10, accuracy=0.7, labels=("negative", "positive"), confusion=((4, 1), (2, 3))
    )
    figure = confusion_chart(errors)
    heatmap = figure.data[0]
    assert [list(row) for row in heatmap.z] == [[4, 1], [2, 3]]
    assert list(heatmap.y) == ["negative", "positive"]
    assert "10 texts" in figure.layout.title.text
