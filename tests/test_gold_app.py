"""Gold labels in Many texts, driven through AppTest with an uploaded CSV."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import explain
from explain.evaluation.gold import gold_report
from tests.apphelpers import fixed_steps

CSV = (
    "id,review,sentiment\n"
    "1,the movie was great,positive\n"
    "2,i hate this loud car,negative\n"
    "3,,positive\n"
    "4,the ride was smooth and quiet,positive\n"
    "5,a terrible awful film,meh\n"
    "6,i love it,negative\n"
)
TEXTS = [
    "the movie was great",
    "i hate this loud car",
    "the ride was smooth and quiet",
    "a terrible awful film",
    "i love it",
]
GOLD = ["positive", "negative", "positive", "meh", "negative"]


@pytest.fixture
def gold_page(app: AppTest) -> AppTest:
    app.radio(key="mode").set_value("Many texts").run()
    app.radio(key="batch_source").set_value("Upload a file").run()
    app.file_uploader(key="batch_file").set_value(("reviews.csv", CSV.encode(), "text/csv")).run()
    assert not app.exception
    return app


def test_label_column_is_guessed_and_scored(
    gold_page: AppTest, tiny_model: explain.LoadedModel
) -> None:
    at = gold_page
    assert at.selectbox(key="batch_column").value == "review"
    assert at.selectbox(key="batch_label_column").value == "sentiment"
    fixed_steps(at, 4)
    at.button(key="batch_run").click().run()
    assert not at.exception
    batch = explain.attribute_batch(tiny_model, TEXTS, n_steps=4)
    report = gold_report(batch, GOLD)
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Accuracy"] == f"{report.accuracy:.1%}"
    assert metrics["Macro-F1"] == f"{report.macro_f1:.3f}"
    assert any("'meh'" in warning.value and "4" in warning.value for warning in at.warning)
    charts = {c.proto.id.split("-", 2)[2]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    assert "gold_confusion" in charts
    assert {"gold_tokens_correct", "gold_tokens_wrong"} & set(charts)
    (frame,) = [f.value for f in at.dataframe if "gold" in f.value.columns]
    scored = [value for value in frame["correct"] if value is not None]
    assert scored == sorted(scored)  # errors first
    assert len(scored) == report.scored
    assert list(frame["correct"])[: len(scored)] == scored  # unscored texts last
    assert len(frame) == len(TEXTS)


def test_no_label_column_means_no_scores(gold_page: AppTest) -> None:
    at = gold_page
    at.selectbox(key="batch_label_column").set_value("(no gold labels)").run()
    at.button(key="batch_run").click().run()
    assert not at.exception
    assert not [metric for metric in at.metric if metric.label == "Accuracy"]
    frame = at.dataframe[0].value
    assert isinstance(frame, pd.DataFrame)
    assert "gold" not in frame.columns


def test_a_rerun_after_a_batch_shows_it_again(app: AppTest) -> None:
    """Regression: a rerun after a batch (a chart click, a changed "Seen at least") crashed
    with CacheReplayClosureError, the cached batch replaying its progress bar."""
    app.radio(key="mode").set_value("Many texts").run()
    fixed_steps(app, 4)
    app.button(key="batch_run").click().run()
    assert not app.exception
    app.number_input(key="batch_min_count").set_value(2).run()
    assert not app.exception
    assert any("Explained" in success.value for success in app.success)
