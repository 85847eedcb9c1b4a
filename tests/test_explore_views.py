"""The Counterfactuals and Two checkpoints views, run headless with AppTest on tiny checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import explain
from explain.evaluation.two_checkpoints import compare_checkpoints
from explain.views.counterfactuals import compare_texts, suggest_edits
from tests.tiny import save_tiny_classifier

PAGE = str(Path(__file__).resolve().parent / "compare_teach_page.py")
TEXT = "The movie was not very good, but the ride was smooth!"
EDITED = "The movie was good, but the ride was loud!"


@pytest.fixture
def page(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("TOKENLIGHT_CHECKPOINT", str(tiny_dir))
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.run()
    assert not at.exception
    return at


def charts(at: AppTest) -> dict[str, dict]:
    return {
        chart.proto.id.split("-", 2)[2]: json.loads(chart.proto.spec)
        for chart in at.get("plotly_chart")
    }


def choose(at: AppTest, view: str) -> AppTest:
    at.segmented_control(key="teach_view").set_value(view).run()
    assert not at.exception
    assert not at.error, [error.value for error in at.error]
    assert [expander.label for expander in at.expander] == ["What am I looking at?"]
    return at


def test_view_labels_are_the_contract(page: AppTest) -> None:
    options = page.segmented_control(key="teach_view").options
    assert "Counterfactuals" in options
    assert "Two checkpoints" in options


def test_counterfactuals_view(page: AppTest, tiny_model: explain.LoadedModel) -> None:
    at = choose(page, "counterfactuals")
    assert at.text_area(key="cf_text").value == TEXT
    at.text_area(key="cf_text").input(EDITED).run()
    assert not at.exception
    before = explain.attribute(tiny_model, TEXT, n_steps=8)
    after = explain.attribute(tiny_model, EDITED, n_steps=8, target=before.target_index)
    comparison = compare_texts(before, after)
    figure = charts(at)["cf_change_chart"]
    assert figure["data"][0]["y"] == pytest.approx([s.change for s in comparison.alignment])
    ticks = figure["layout"]["xaxis"]["ticktext"]
    assert "−not" in ticks
    assert "+loud" in ticks
    assert {metric.label for metric in at.metric} >= {"Original prediction", "Edited prediction"}
    at.button(key="cf_suggest").click().run()
    assert not at.exception
    expected = suggest_edits(tiny_model, TEXT, target=before.target_index)
    first = expected.deletions[0]
    at.button(key="cf_apply_delete_0").click().run()
    assert not at.exception
    assert at.text_area(key="cf_text").value == first.text


def test_two_checkpoints_view(
    page: AppTest, tiny_model: explain.LoadedModel, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other_dir = save_tiny_classifier(tmp_path_factory.mktemp("second") / "ckpt", seed=7)
    at = choose(page, "checkpoints")
    assert at.selectbox(key="ckpt2_choice").value.startswith("Other")
    assert any("Type a Hub id" in info.value for info in at.info)
    at.text_input(key="ckpt2_custom").input(str(other_dir)).run()
    assert not at.exception
    assert not at.error, [error.value for error in at.error]
    other = explain.load_checkpoint(str(other_dir), device="cpu")
    first = explain.attribute(tiny_model, TEXT, n_steps=8)
    second = explain.attribute(other, TEXT, n_steps=8, target=first.target_label)
    k = at.slider(key="ckpt2_k").value
    expected = compare_checkpoints(first, second, k=k)
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Rank correlation"] == f"{expected.spearman:.2f}"
    assert metrics[f"Top-{k} overlap"] == f"{expected.top_k:.0%}"
    assert "ckpt2_bars" in charts(at)


def test_two_checkpoints_refuses_a_directory_outside_the_allowed_roots(page: AppTest) -> None:
    at = choose(page, "checkpoints")
    at.text_input(key="ckpt2_custom").input("/etc").run()
    assert not at.exception
    assert any("outside the directories" in error.value for error in at.error)
