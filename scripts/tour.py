"""Walk through every view of the dashboard in Chromium and screenshot each one.

Usage: ``.venv/bin/python scripts/tour.py [--out artifacts/tour] [--only NAME ...]``
Needs Debian's chromium and a built bundled checkpoint (``make model``). The
screenshots are what a user would see; look at them after a UI change.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, dashboard

TEXT = "The battery life is great, but the screen is not bright enough for me."
BATCH = (
    "The battery life is great, but the screen is not bright enough.\n"
    "Worst customer service I have ever had.\n"
    "Just landed in Lisbon, what a view!\n"
    "Meh. It works, I guess.\n"
    "I love this phone so much\n"
    "The update broke everything, thanks a lot."
)
TEACH_VIEWS = (
    "Integration path",
    "Baseline sensitivity",
    "Method comparison",
    "Faithfulness",
    "Sanity check",
    "Layers",
    "Attention",
    "Counterfactuals",
    "Two checkpoints",
)


def pick(page, label: str, option: str) -> None:
    """Choose ``option`` in the Streamlit selectbox labelled ``label``."""
    page.get_by_label(label, exact=True).first.click()
    page.get_by_role("option", name=option, exact=False).first.click()
    page.wait_for_timeout(800)


def settle(page, timeout_ms: int = 180_000) -> None:
    """Wait until Streamlit stops running the script."""
    page.wait_for_timeout(700)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="detached", timeout=timeout_ms)
    page.wait_for_timeout(900)


def run_text(page, method_title: str | None = None) -> None:
    area = page.get_by_role("textbox", name="Text to explain")
    area.wait_for(timeout=600_000)
    area.fill(TEXT)
    area.press("Control+Enter")
    settle(page)
    if method_title:
        pick(page, "Method", method_title)
        settle(page)
    page.get_by_role("button", name="Run", exact=True).click()
    settle(page)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("artifacts/tour"), help="PNG folder")
    parser.add_argument("--only", nargs="*", default=None, help="shot names to take")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    import explain

    args.out.mkdir(parents=True, exist_ok=True)
    shots: list[tuple[str, Callable]] = []
    for name, method in explain.METHODS.items():
        shots.append((f"method-{name}", lambda page, m=method: run_text(page, m.title)))

    def batch(page) -> None:
        page.get_by_text("Many texts", exact=True).click()
        settle(page)
        area = page.get_by_role("textbox", name="Texts, one per line")
        area.fill(BATCH)
        area.press("Control+Enter")
        settle(page)
        page.get_by_role("button", name="Run batch").click()
        settle(page)

    shots.append(("batch", batch))

    for baseline in explain.BASELINES:

        def with_baseline(page, baseline: str = baseline) -> None:
            area = page.get_by_role("textbox", name="Text to explain")
            area.wait_for(timeout=600_000)
            pick(page, "Baseline", f"{baseline}:")
            settle(page)
            run_text(page)

        shots.append((f"baseline-{baseline}", with_baseline))

    def contrast(page) -> None:
        page.get_by_role("textbox", name="Text to explain").wait_for(timeout=600_000)
        pick(page, "Compared with", "positive")
        settle(page)
        run_text(page)

    def auto_steps(page) -> None:
        page.get_by_role("textbox", name="Text to explain").wait_for(timeout=600_000)
        pick(page, "Baseline", "zero:")
        settle(page)
        page.get_by_text("Auto steps", exact=True).click()
        settle(page)
        run_text(page)

    def word_view(page) -> None:
        run_text(page)
        page.get_by_text("Word view", exact=True).first.click()
        settle(page)

    def sentence_pair(page) -> None:
        page.get_by_role("textbox", name="Text to explain").wait_for(timeout=600_000)
        page.get_by_text("Second text (for sentence-pair models)").click()
        settle(page)
        second = page.get_by_role("textbox", name="Second text")
        second.fill("Honestly the screen is fine indoors.")
        second.press("Control+Enter")
        settle(page)
        run_text(page)
        page.get_by_text("Word view", exact=True).first.click()
        settle(page)

    def precision(page) -> None:
        page.get_by_role("textbox", name="Text to explain").wait_for(timeout=600_000)
        pick(page, "Precision", "bfloat16")
        settle(page)
        run_text(page)

    shots += [
        ("target-contrast", contrast),
        ("precision-bfloat16", precision),
        ("auto-steps", auto_steps),
        ("word-view", word_view),
        ("sentence-pair", sentence_pair),
    ]
    for view in TEACH_VIEWS:

        def teach(page, view: str = view) -> None:
            run_text(page)
            page.get_by_text(view, exact=True).first.click()
            settle(page)
            for button in ("Run the sanity check", "Measure convergence", "Suggest edits"):
                target = page.get_by_role("button", name=button)
                if target.count():
                    target.first.click()
                    settle(page)

        shots.append((f"teach-{view.lower().replace(' ', '-')}", teach))

    with dashboard({}) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, action in shots:
            if args.only and name not in args.only:
                continue
            page = browser.new_page(viewport={"width": 1400, "height": 3000})
            errors: list[str] = []
            page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
            page.goto(url, wait_until="networkidle")
            action(page)
            page.mouse.move(5, 5)
            page.wait_for_timeout(800)
            path = args.out / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            exceptions = page.locator("[data-testid='stException']").count()
            print(f"{name}: {path} (page errors {len(errors)}, exceptions shown {exceptions})")
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
