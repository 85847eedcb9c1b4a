"""The dashboard as a client of the attribution service (``TOKENLIGHT_BACKEND_URL``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import explain
from explain.serve.client import BACKEND_URL_ENV
from tests.apphelpers import APP, fixed_steps, rendered_html

pytestmark = pytest.mark.slow  # needs the loopback Serve instance


def _page(url: str, tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("TOKENLIGHT_CHECKPOINT", str(tiny_dir))
    monkeypatch.setenv(BACKEND_URL_ENV, url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _sidebar_text(at: AppTest) -> str:
    return " ".join(caption.value for caption in at.sidebar.caption)


def test_the_page_explains_through_the_service(
    serve_url: str, tiny_dir: Path, tiny_model: explain.LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(serve_url, tiny_dir, monkeypatch)
    assert f"attribution service at `{serve_url}`" in _sidebar_text(at)
    at.text_area(key="text").input("the ride was smooth").run()
    at.button(key="run").click().run()
    assert not at.exception
    assert not at.error, [error.value for error in at.error]
    local = explain.attribute(tiny_model, "the ride was smooth")
    shown = {metric.label: metric.value for metric in at.metric}
    assert shown["F(input)"] == f"{local.f_input:.4f}"


def test_a_long_text_is_explained_through_the_service_in_windows(
    serve_url: str, tiny_dir: Path, tiny_model: explain.LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10,000 characters, over the service's old 2,000 and the tiny model's 64 tokens."""
    text = ("the movie was good but the acting was bad and the cars were fast . " * 200)[:10_000]
    at = _page(serve_url, tiny_dir, monkeypatch)
    at.text_area(key="text").input(text).run()
    at.radio(key="long").set_value("windows").run()
    fixed_steps(at, 6)
    at.button(key="run").click().run()
    assert not at.exception
    assert not at.error, [error.value for error in at.error]
    local = explain.attribute(tiny_model, text, long="windows", integration="fixed", n_steps=6)
    assert local.windows > 1
    assert any(f"{local.windows} windows of 64 tokens" in info.value for info in at.info)
    shown = {metric.label: metric.value for metric in at.metric}
    assert shown["F(input)"] == f"{local.f_input:.4f}"
    assert rendered_html(at).count("<mark") >= len(local.tokens) - 2


def test_an_unreachable_service_is_reported_on_the_page(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page("http://127.0.0.1:9", tiny_dir, monkeypatch)
    at.button(key="run").click().run()
    assert not at.exception
    assert any("did not answer" in error.value for error in at.error)


def test_without_the_variable_the_page_says_it_computes_itself(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(BACKEND_URL_ENV, raising=False)
    monkeypatch.setenv("TOKENLIGHT_CHECKPOINT", str(tiny_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert "in this page's own process" in _sidebar_text(at)
