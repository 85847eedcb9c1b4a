"""The dashboard, run headless with Streamlit's AppTest on a tiny checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apphelpers import fixed_steps, rendered_html


def test_first_load_asks_for_a_run(app: AppTest) -> None:
    assert app.text_area(key="text").value
    assert any("press **Run**" in info.value for info in app.info)
    assert not app.get("plotly_chart")


def test_typing_and_running_shows_highlight_chart_and_completeness(app: AppTest) -> None:
    app.text_area(key="text").input("The movie was not very good!").run()
    app.button(key="run").click().run()
    assert not app.exception
    html = rendered_html(app)
    assert "<mark" in html
    assert "movie" in html
    charts = app.get("plotly_chart")
    assert len(charts) == 2  # label probabilities and token scores
    labels = [metric.label for metric in app.metric]
    assert {"F(input)", "F(baseline)", "Sum of attributions", "Convergence delta"} <= set(labels)


def test_empty_text_gets_a_friendly_message(app: AppTest) -> None:
    app.text_area(key="text").input("   ").run()
    app.button(key="run").click().run()
    assert not app.exception
    assert any("empty" in info.value for info in app.info)
    assert not app.get("html")


@pytest.mark.parametrize("baseline", ["pad", "mask", "unk", "zero"])
def test_each_baseline_runs(app: AppTest, baseline: str) -> None:
    app.selectbox(key="baseline").select(baseline).run()
    app.button(key="run").click().run()
    assert not app.exception
    assert "<mark" in rendered_html(app)
    assert any(f"'{baseline}' baseline" in caption.value for caption in app.caption)


def test_target_output_and_steps_controls_reach_the_result(app: AppTest) -> None:
    app.selectbox(key="target").select(0).run()
    app.selectbox(key="output").select("logit").run()
    fixed_steps(app, 20)
    app.button(key="run").click().run()
    assert not app.exception
    assert "negative" in rendered_html(app)
    assert any("raised the logit of 'negative'" in caption.value for caption in app.caption)
    assert any("20 steps" in caption.value for caption in app.caption)


def test_changed_inputs_after_a_run_are_flagged(app: AppTest) -> None:
    app.button(key="run").click().run()
    app.text_area(key="text").input("a different sentence").run()
    assert any("changed since the last run" in caption.value for caption in app.caption)


def test_unreachable_hub_id_fails_clearly_and_the_app_recovers(
    app: AppTest, tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    app.text_input(key="checkpoint_custom").input("someone/not-cached-model").run()
    assert not app.exception
    assert any("not in the local Hugging Face cache" in error.value for error in app.error)
    app.text_input(key="checkpoint_custom").input(str(tiny_dir)).run()
    app.button(key="run").click().run()
    assert not app.exception
    assert not app.error
    assert "<mark" in rendered_html(app)


def test_long_text_shows_a_truncation_notice(app: AppTest) -> None:
    app.text_area(key="text").input("good " * 100).run()
    app.button(key="run").click().run()
    assert not app.exception
    assert any(
        "cut off" in warning.value and "64 tokens" in warning.value for warning in app.warning
    )


def test_markdown_in_labels_is_shown_literally() -> None:
    from components.markdown import literal

    assert literal("[click](javascript:alert(1))") == r"\[click\]\(javascript\:alert\(1\)\)"
    assert literal("![x](http://e/x.png) $x$") == r"\!\[x\]\(http\://e/x\.png\) \$x\$"
