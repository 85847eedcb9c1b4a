"""The dashboard in a real Chromium: type, run, see the highlighting and the chart.

Outside CI these tests skip when Chromium or Playwright is missing; in CI
(``CI=true``) a browser that cannot start is a failure.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser import ROOT, browser_marks, dashboard, open_page
from tests.hostile import HOSTILE_TEXT, HOSTILE_TOKENS, save_hostile_classifier
from tests.tiny import save_tiny_classifier

ARTIFACTS = ROOT / "artifacts"

pytestmark = browser_marks()


def type_and_run(page, text: str) -> None:
    area = page.get_by_role("textbox", name="Text to explain")
    area.wait_for(timeout=60_000)
    area.fill(text)
    area.press("Control+Enter")
    page.get_by_role("button", name="Run").click()


def wait_for_result(page) -> list[str]:
    page.locator("mark").first.wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)
    return [text.strip() for text in page.locator("mark").all_inner_texts()]


def test_type_run_and_see_highlight_and_chart(chromium, tiny_dir: Path) -> None:
    problems: list[str] = []
    with dashboard({"TOKENLIGHT_CHECKPOINT": str(tiny_dir)}) as url:
        page = open_page(chromium, url, problems)
        type_and_run(page, "The ride was smooth and quiet, but not very good!")
        marks = wait_for_result(page)
        assert marks[:3] == ["[CLS]", "the", "ride"]
        assert page.get_by_text("Convergence delta").is_visible()
        predicted = page.locator("[data-testid='stMetricValue']").first.inner_text().strip()
        sidebar = page.locator("[data-testid='stSidebar']").inner_text()
        assert f"The model predicts {predicted} (" in sidebar, "the sidebar names the prediction"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-run.png"), full_page=True)
    assert not problems, problems


def test_hostile_checkpoint_runs_nothing_and_shows_the_text(chromium, tmp_path: Path) -> None:
    directory = save_hostile_classifier(tmp_path / "hostile")
    problems: list[str] = []
    with dashboard({"TOKENLIGHT_CHECKPOINT": str(directory)}) as url:
        page = open_page(chromium, url, problems)
        type_and_run(page, HOSTILE_TEXT)
        marks = wait_for_result(page)
        page.wait_for_timeout(1000)  # give any injected handler time to fire
        for payload in HOSTILE_TOKENS:
            assert payload in marks
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("svg[onload]").count() == 0
        assert page.locator("mark script, td script").count() == 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-hostile.png"), full_page=True)
    assert not problems, problems


def test_four_pages_on_one_server_each_get_their_own_result(chromium, tiny_dir: Path) -> None:
    sentences = {
        "the movie was great": ["the", "movie", "was", "great"],
        "i hate loud cars": ["i", "hate", "loud", "cars"],
        "a quiet smooth ride": ["a", "quiet", "smooth", "ride"],
        "this film is terrible": ["this", "film", "is", "terrible"],
    }
    problems: list[str] = []
    with dashboard({"TOKENLIGHT_CHECKPOINT": str(tiny_dir)}) as url:
        pages = {text: open_page(chromium, url, problems) for text in sentences}
        for text, page in pages.items():
            type_and_run(page, text)
        for text, page in pages.items():
            assert wait_for_result(page) == ["[CLS]", *sentences[text], "[SEP]"]
    assert not problems, problems


def test_quick_typing_and_running_keeps_every_setting(chromium, tmp_path: Path) -> None:
    """Typing then pressing Run at once triggers two quick reruns; no setting may reset.

    The model is wide enough that a rerun takes a moment, as the bundled one does:
    with a tiny model the first rerun ends before the click arrives.
    """
    wide = save_tiny_classifier(tmp_path / "wide", layers=6, hidden=512)
    texts = ["the movie was great", "a quiet ride", "i hate cars", "this film is bad", "good"]
    problems: list[str] = []
    with dashboard({"TOKENLIGHT_CHECKPOINT": str(wide)}) as url:
        page = open_page(chromium, url, problems)
        for round_number, text in enumerate(texts):
            type_and_run(page, text)
            page.get_by_text("measured against the 'pad' baseline").wait_for(timeout=60_000)
            page.wait_for_function(
                "(words) => [...document.querySelectorAll('mark')].map(m => m.innerText.trim())"
                ".join(' ').includes(words)",
                arg=text,
                timeout=60_000,
            )
            tolerance = page.get_by_role("spinbutton", name="Error tolerance").input_value()
            assert float(tolerance) == 0.001, (
                f"round {round_number}: tolerance reset to {tolerance}"
            )
            # the completeness caption renders after the highlighting: wait for it too
            footer = r"\d+ gradients, integration adaptive, error tolerance 0.001, precision"
            page.get_by_text(re.compile(footer)).wait_for(timeout=60_000)
            assert page.get_by_role("textbox", name="Text to explain").input_value() == text
    assert not problems, problems


def test_upload_a_csv_run_a_batch_and_open_a_row(chromium, tiny_dir: Path, tmp_path: Path) -> None:
    table = tmp_path / "reviews.csv"
    table.write_text(
        'id,review\n1,"i love this car"\n2,"the ride was bad and loud"\n3,""\n', encoding="utf-8"
    )
    problems: list[str] = []
    with dashboard({"TOKENLIGHT_CHECKPOINT": str(tiny_dir)}) as url:
        page = open_page(chromium, url, problems)
        page.get_by_role("textbox", name="Text to explain").wait_for(timeout=60_000)
        page.get_by_text("Many texts", exact=True).click()
        page.get_by_text("Upload a file", exact=True).click()
        page.locator("input[type='file']").set_input_files(str(table))
        page.get_by_text("2 text(s) ready from reviews.csv, column 'review'.").wait_for(
            timeout=60_000
        )
        page.get_by_role("button", name="Run batch").click()
        page.get_by_text("Explained 2 of 2 texts").wait_for(timeout=60_000)
        grid = page.locator("[data-testid='stDataFrame']").first.bounding_box()
        page.mouse.click(grid["x"] + 15, grid["y"] + 36 + 35 + 17)  # the second row's box
        area = page.get_by_role("textbox", name="Text to explain")
        page.wait_for_function(
            "() => [...document.querySelectorAll('textarea')]"
            ".some(t => t.value === 'the ride was bad and loud')",
            timeout=60_000,
        )
        assert page.get_by_role("radio", name="One text").is_checked()
        assert area.input_value() == "the ride was bad and loud"
        page.locator("mark").first.wait_for(timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-batch-row.png"), full_page=True)
    assert not problems, problems
