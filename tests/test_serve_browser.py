"""The dashboard in a real Chromium, explaining through the attribution service (Ray Serve).

The file's name sorts it after the Ray Data tests, which start and stop their
own local Ray: the session's Serve instance (``serve_url``) must start after them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import explain
from explain.serve.client import BACKEND_URL_ENV
from tests.browser import ROOT, browser_marks, dashboard, open_page
from tests.test_browser import type_and_run, wait_for_result

pytestmark = browser_marks(pytest.mark.slow)


def test_the_page_explains_through_the_service_in_a_browser(
    chromium, serve_url: str, tiny_dir: Path, tiny_model: explain.LoadedModel
) -> None:
    text = "The ride was smooth and quiet, but not very good!"
    problems: list[str] = []
    env = {"TOKENLIGHT_CHECKPOINT": str(tiny_dir), BACKEND_URL_ENV: serve_url}
    with dashboard(env) as url:
        page = open_page(chromium, url, problems)
        sidebar = page.locator("[data-testid='stSidebar']").inner_text()
        assert "attribution service at" in sidebar
        assert serve_url in sidebar
        type_and_run(page, text)
        marks = wait_for_result(page)
        assert marks[:3] == ["[CLS]", "the", "ride"]
        values = page.locator("[data-testid='stMetric']").all_inner_texts()
        local = explain.attribute(tiny_model, text)
        assert any("F(input)" in value and f"{local.f_input:.4f}" in value for value in values), (
            values
        )
        (ROOT / "artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "artifacts" / "browser-serve.png"), full_page=True)
    assert not problems, problems
