"""``tokenlight run --demo`` in a real Chromium: only its checkpoints, and links kept to them.

Outside CI these tests skip when Chromium or Playwright is missing; in CI
(``CI=true``) a browser that cannot start is a failure.
"""

from __future__ import annotations

from pathlib import Path

from tests.browser import ROOT, browser_marks, dashboard, open_page
from tests.tiny import save_tiny_classifier

ARTIFACTS = ROOT / "artifacts"

pytestmark = browser_marks()


def picked_checkpoint(page) -> str:
    """The checkpoint the sidebar's picker shows."""
    return page.get_by_role("combobox", name="Checkpoint").input_value()


def offered_checkpoints(page) -> list[str]:
    """Open the sidebar's Checkpoint picker and read every option it offers."""
    page.locator(".st-key-checkpoint_choice").get_by_role("button", name="Open").click()
    listbox = page.get_by_role("listbox")
    listbox.wait_for(timeout=30_000)
    options = [text.strip() for text in listbox.get_by_role("option").all_inner_texts()]
    page.keyboard.press("Escape")
    return options


def wait_for_marks(page) -> list[str]:
    page.locator("mark").first.wait_for(timeout=60_000)
    return [text.strip() for text in page.locator("mark").all_inner_texts()]


def test_the_demo_offers_only_its_checkpoints_and_a_link_to_another_opens_the_default(
    chromium, tiny_dir: Path, tmp_path: Path
) -> None:
    second = save_tiny_classifier(tmp_path / "second", seed=3)
    problems: list[str] = []
    run_args = ("--demo", "--checkpoints", f"{tiny_dir},{second}")
    with dashboard({}, run_args=run_args) as url:
        page = open_page(chromium, url, problems)
        page.get_by_text("Demo: this page offers the checkpoints").wait_for(timeout=60_000)
        area = page.get_by_role("textbox", name="Text to explain")
        area.wait_for(timeout=60_000)
        area.fill("the ride was smooth")
        area.press("Control+Enter")
        page.get_by_role("button", name="Run").click()
        assert wait_for_marks(page)[:3] == ["[CLS]", "the", "ride"]
        assert picked_checkpoint(page) == str(tiny_dir)
        assert offered_checkpoints(page) == [str(tiny_dir), str(second)]

        for named in ("tokenlight-sentiment", "/etc", "someone/some-model"):
            linked = open_page(chromium, f"{url}/?text=the+car&checkpoint={named}", problems)
            notice = linked.get_by_text("which this demo does not offer")
            notice.wait_for(timeout=60_000)
            assert f"'{named}'" in notice.inner_text()
            assert wait_for_marks(linked)[:3] == ["[CLS]", "the", "car"]
            assert picked_checkpoint(linked) == str(tiny_dir)
            ARTIFACTS.mkdir(exist_ok=True)
            linked.screenshot(path=str(ARTIFACTS / "demo-link-notice.png"), full_page=True)
            linked.close()
    assert not problems, problems
