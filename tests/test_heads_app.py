"""The page on multi-label and regression checkpoints: threshold, per-label view, score.

A multi-label checkpoint's sidebar has a threshold; its prediction is the set
of labels at or above it, drawn as independent bars with the threshold
marked, each predicted label explained side by side, and the batch table
lists each text's label set. A regression checkpoint's page calls its one
output "score" and offers no softmax output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import explain
from components.batch_view import NO_LABEL
from components.inputs import EXAMPLE_TEXT
from tests.apphelpers import open_page, rendered_html
from tests.tiny import save_tiny_classifier
from tests.tolerances import float32_model_tolerance

LABELS = ("toxic", "insult", "threat", "obscene")
COMPARE_PAGE = str(Path(__file__).resolve().parent / "compare_teach_page.py")
BATCH = ("the movie was bad", "i love this film", "the car is loud")


@pytest.fixture(scope="module")
def multi_label_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_classifier(
        tmp_path_factory.mktemp("multi") / "checkpoint",
        labels=LABELS,
        problem_type="multi_label_classification",
    )


@pytest.fixture(scope="module")
def regression_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_classifier(tmp_path_factory.mktemp("regression") / "checkpoint", ("score",))


@pytest.fixture(scope="module")
def multi_label_model(multi_label_dir: Path) -> explain.LoadedModel:
    return explain.load_checkpoint(str(multi_label_dir), device="cpu")


def expected_set(loaded: explain.LoadedModel, text: str, threshold: float) -> tuple[str, ...]:
    """The labels whose sigmoid is at or above ``threshold``, straight from the logits."""
    probabilities = explain.predict(loaded, text).probabilities
    return tuple(label for label, p in zip(LABELS, probabilities, strict=True) if p >= threshold)


def predicted_shown(at: AppTest) -> tuple[str, ...]:
    """The label set the prediction panel shows, one badge per label."""
    texts = [markdown.value for markdown in at.markdown]
    (heading,) = [i for i, text in enumerate(texts) if text.startswith("**Predicted labels**")]
    return tuple(re.findall(r":blue-badge\[(.+?) · \d+%\]", texts[heading + 1]))


def charts(at: AppTest) -> dict[str, dict]:
    """The page's Plotly figures, by the key they were given."""
    return {
        chart.proto.id.split("-", 2)[2]: json.loads(chart.proto.spec)
        for chart in at.get("plotly_chart")
    }


def label_panels(at: AppTest) -> list[str]:
    """The labels of the per-label view: the heatmap's rows, each also a panel of its own."""
    figure = charts(at).get("label_heatmap")
    rows = [name.rsplit(" (", 1)[0] for name in figure["data"][0]["y"]] if figure else []
    headings = [m.value.split("**")[1] for m in at.markdown if re.match(r"\*\*.+\*\* · ", m.value)]
    assert headings == rows
    return rows


def test_the_threshold_shows_for_a_multi_label_checkpoint_only(
    multi_label_dir: Path, regression_dir: Path, tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    multi = open_page(multi_label_dir, monkeypatch)
    slider = multi.slider(key="threshold")
    assert slider.value == pytest.approx(0.5)
    assert (slider.min, slider.max) == (pytest.approx(0.05), pytest.approx(0.95))
    assert slider.help
    for directory in (regression_dir, tiny_dir):
        page = open_page(directory, monkeypatch)
        assert not [s for s in page.slider if s.key == "threshold"]


def test_the_predicted_set_follows_the_threshold(
    multi_label_dir: Path,
    multi_label_model: explain.LoadedModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = open_page(multi_label_dir, monkeypatch)
    at.button(key="run").click().run()
    assert not at.exception
    seen = {}
    for threshold in (0.05, 0.5, 0.95):
        at.slider(key="threshold").set_value(threshold).run()
        assert not at.exception
        chosen = expected_set(multi_label_model, EXAMPLE_TEXT, threshold)
        seen[threshold] = chosen
        assert predicted_shown(at) == chosen
        sidebar = " ".join(caption.value for caption in at.sidebar.caption)
        for label in chosen:
            assert f"**{label}**" in sidebar
        assert sorted(label_panels(at)) == sorted(chosen), threshold
    assert len(set(seen.values())) > 1  # the threshold changed the set
    assert len(seen[0.05]) > 1  # several labels side by side


def test_no_predicted_label_offers_the_top_labels(
    multi_label_dir: Path,
    multi_label_model: explain.LoadedModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = open_page(multi_label_dir, monkeypatch)
    at.slider(key="threshold").set_value(0.95).run()
    at.button(key="run").click().run()
    assert expected_set(multi_label_model, EXAMPLE_TEXT, 0.95) == ()
    assert any("No label reaches the threshold 0.95" in info.value for info in at.info)
    assert label_panels(at) == []
    at.checkbox(key="labels_top").check().run()
    assert not at.exception
    probabilities = explain.predict(multi_label_model, EXAMPLE_TEXT).probabilities
    top = sorted(LABELS, key=lambda label: -probabilities[LABELS.index(label)])[:2]
    assert sorted(label_panels(at)) == sorted(top)


def test_each_label_panel_explains_its_own_label(
    multi_label_dir: Path,
    multi_label_model: explain.LoadedModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = open_page(multi_label_dir, monkeypatch)
    at.slider(key="threshold").set_value(0.05).run()
    at.button(key="run").click().run()
    shown = label_panels(at)
    assert len(shown) > 1
    heatmap = charts(at)["label_heatmap"]["data"][0]["z"]
    for row, label in zip(heatmap, shown, strict=True):
        own = explain.attribute(multi_label_model, EXAMPLE_TEXT, target=label)
        assert row == pytest.approx(own.scores, abs=1e-5)
        assert own.target_label == label
    assert rendered_html(at).count("tokenlight-words-text") == len(shown)


def test_a_regression_page_explains_its_score_without_softmax(
    regression_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(regression_dir, monkeypatch)
    assert not [box for box in at.selectbox if box.key == "output"]
    sidebar = " ".join(caption.value for caption in at.sidebar.caption)
    assert "**score** itself" in sidebar
    assert "no softmax" in sidebar
    at.button(key="run").click().run()
    assert not at.exception
    (metric,) = [m for m in at.metric if m.label == "Predicted score"]
    loaded = explain.load_checkpoint(str(regression_dir), device="cpu")
    assert float(metric.value) == pytest.approx(
        explain.predict(loaded, EXAMPLE_TEXT).probabilities[0], rel=1e-3
    )
    assert any(header.value.startswith("Why a score of") for header in at.subheader)
    assert any("raised the score" in caption.value for caption in at.caption)
    assert not [m for m in at.metric if m.label == "Predicted label"]
    assert not [t for t in at.markdown if t.value.startswith("**Predicted labels**")]
    assert "softmax probability" not in " ".join(caption.value for caption in at.caption)
    f_input = next(m for m in at.metric if m.label == "F(input)")
    assert float(f_input.value) == pytest.approx(float(metric.value), rel=1e-3)


def run_batch(at: AppTest) -> AppTest:
    at.radio(key="mode").set_value("Many texts").run()
    at.text_area(key="batch_text").input("\n".join(BATCH)).run()
    at.button(key="batch_run").click().run()
    assert not at.exception
    return at


def test_the_batch_table_lists_each_texts_label_set(
    multi_label_dir: Path,
    multi_label_model: explain.LoadedModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = run_batch(open_page(multi_label_dir, monkeypatch))
    for threshold in (0.5, 0.05):
        at.slider(key="threshold").set_value(threshold).run()
        table = at.dataframe(key="batch_table").value
        assert "predicted" not in table.columns
        expected = [
            ", ".join(expected_set(multi_label_model, text, threshold)) or NO_LABEL
            for text in BATCH
        ]
        assert list(table["predicted labels"]) == expected, threshold


def test_a_regression_batch_lists_scores(
    regression_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_batch(open_page(regression_dir, monkeypatch))
    table = at.dataframe(key="batch_table").value
    loaded = explain.load_checkpoint(str(regression_dir), device="cpu")
    alone = [explain.predict(loaded, text).probabilities[0] for text in BATCH]
    # Padded in the batch, alone without padding: float32 rounding apart.
    assert list(table["score"]) == pytest.approx(alone, abs=float32_model_tolerance(alone))
    assert "probability" not in table.columns


@pytest.mark.parametrize("head", ["multi_label", "regression"])
@pytest.mark.parametrize("view", ["path", "methods", "faithfulness", "counterfactuals"])
def test_compare_views_run_on_each_head(
    multi_label_dir: Path,
    regression_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    head: str,
    view: str,
) -> None:
    directory = multi_label_dir if head == "multi_label" else regression_dir
    at = open_page(directory, monkeypatch, page=COMPARE_PAGE)
    at.segmented_control(key="teach_view").set_value(view).run()
    assert not at.exception
    assert not at.error, [error.value for error in at.error]
    if view == "path":
        axis = charts(at)["path_probabilities"]["layout"]["xaxis"]["title"]["text"]
        assert axis == ("predicted score" if head == "regression" else "probability")
    if view == "counterfactuals":
        note = "A regression checkpoint" if head == "regression" else "A multi-label checkpoint"
        assert any(note in caption.value for caption in at.caption)
