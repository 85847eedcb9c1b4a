"""The dashboard in a real Chromium: type, run, see the highlighting and the chart.

Outside CI these tests skip when Chromium or Playwright is missing; in CI
(``CI=true``) a browser that cannot start is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, browser_unavailable, dashboard

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "artifacts"

reason = browser_unavailable()
if reason and os.environ.get("CI", "").lower() not in ("1", "true"):
    pytestmark = [pytest.mark.browser, pytest.mark.skip(reason=f"browser tests skipped: {reason}")]


def test_type_run_and_see_highlight_and_chart(tiny_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with (
        dashboard({"TOKENLIGHT_CHECKPOINT": str(tiny_dir)}) as url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
            page.goto(url, wait_until="networkidle")
            area = page.get_by_role("textbox", name="Text to explain")
            area.wait_for(timeout=60_000)
            area.fill("The ride was smooth and quiet, but not very good!")
            area.press("Control+Enter")
            page.get_by_role("button", name="Run").click()
            page.locator("mark").first.wait_for(timeout=60_000)
            page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)
            marks = page.locator("mark").all_inner_texts()
            assert [text.strip() for text in marks][:3] == ["[CLS]", "the", "ride"]
            assert page.get_by_text("Convergence delta").is_visible()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "browser-run.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
