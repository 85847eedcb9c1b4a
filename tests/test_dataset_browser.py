"""The Dataset mode in a real Chromium: open a results directory, see the word table and a chart.

Skips like tests/test_browser.py when Chromium, Playwright or DuckDB is missing
outside CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import explain
from tests.browser import ROOT, browser_marks, dashboard, open_page
from tests.results_dirs import write_results_directory

ARTIFACTS = ROOT / "artifacts"

pytestmark = browser_marks()


def test_open_a_results_directory_and_see_the_words(
    chromium, tiny_dir: Path, tiny_model: explain.LoadedModel, tmp_path: Path
) -> None:
    pytest.importorskip("duckdb", reason="the Dataset mode needs the [report] extra")
    results = write_results_directory(tmp_path / "run", tiny_model, str(tiny_dir))
    problems: list[str] = []
    with dashboard({"TOKENLIGHT_CHECKPOINT": str(tiny_dir)}) as url:
        page = open_page(chromium, url, problems, height=2400)
        page.get_by_role("textbox", name="Text to explain").wait_for(timeout=60_000)
        page.get_by_text("Dataset", exact=True).click()
        box = page.get_by_role("textbox", name="Results directory")
        box.wait_for(timeout=60_000)
        box.fill(str(results))
        box.press("Enter")
        page.get_by_text("Read 9 row(s): 8 explained").wait_for(timeout=60_000)
        page.get_by_text("Words that drive each label").wait_for(timeout=60_000)
        grid = page.locator("[data-testid='stDataFrame']").first
        grid.wait_for(timeout=60_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        page.locator(".js-plotly-plot .bars").first.wait_for(timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-dataset.png"), full_page=True)
    assert not problems, problems
