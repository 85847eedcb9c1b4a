"""Shareable links: Run records the view in the URL, and opening the URL restores it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apphelpers import open_page, rendered_html


def test_run_writes_the_view_into_the_url(app: AppTest, tiny_dir: Path) -> None:
    app.text_area(key="text").input("the ride was smooth").run()
    app.selectbox(key="baseline").select("mask").run()
    app.selectbox(key="target").select(1).run()
    app.button(key="run").click().run()
    params = dict(app.query_params)
    assert params == {
        "text": "the ride was smooth",
        "checkpoint": str(tiny_dir),
        "method": "layer_integrated_gradients",
        "target": "positive",
        "output": "probability",
        "baseline": "mask",
        "integration": "adaptive",  # the steps apply to fixed integration only
        "error_tolerance": "0.001",
        "precision": "float32",
    }


def test_opening_a_link_reproduces_the_view(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(
        tiny_dir, monkeypatch, text="a quiet film", target="negative", output="logit",
        baseline="unk", steps="20", integration="fixed",
    )  # fmt: skip
    assert not at.exception
    assert not at.warning
    assert at.text_area(key="text").value == "a quiet film"
    assert at.selectbox(key="baseline").value == "unk"
    html = rendered_html(at)
    assert "quiet" in html
    assert "negative" in html
    assert any("20 steps" in caption.value for caption in at.caption)


def test_bad_link_values_fall_back_with_notices(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(
        tiny_dir, monkeypatch, text="the car", method="shapley", output="odds", baseline="nonsense",
        steps="many", target="happy", integration="fixed",
    )  # fmt: skip
    assert not at.exception
    # Which notice each value gets is tested without Streamlit, in test_links.py.
    warnings = " ".join(warning.value for warning in at.warning)
    assert "method 'shapley'" in warnings
    assert "'happy'" in warnings  # the labels' notices, shown once the model is loaded
    assert at.selectbox(key="baseline").value == "pad"
    assert at.number_input(key="setting_layer_integrated_gradients_n_steps").value == 50


def test_export_buttons_are_offered_after_a_run(app: AppTest) -> None:
    app.button(key="run").click().run()
    assert not app.exception
    keys = {button.key for button in app.get("download_button")}
    assert {"export_json", "export_csv", "export_html"} <= keys


def test_a_link_cannot_make_the_server_load_an_unregistered_checkpoint(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    at = open_page(tiny_dir, monkeypatch, text="the car", checkpoint="someone/some-model")
    assert not at.exception
    assert any("registered checkpoints only" in warning.value for warning in at.warning)
    assert not at.error  # nothing was fetched: the preselected checkpoint is still in use
    assert "<mark" in rendered_html(at)
