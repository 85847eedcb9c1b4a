"""Screenshot the dashboard on the bundled model, as the README shows it.

Usage: ``.venv/bin/python scripts/screenshot.py [--theme light|dark] [--out PATH]``
Needs Debian's chromium and a built bundled checkpoint (``make model``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, dashboard

TEXT = "Riding in a self-driving car today was smooth, quiet and honestly amazing!"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theme", choices=("light", "dark"), default="light", help="page theme")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshot.png"), help="PNG path")
    parser.add_argument("--baseline", default="pad", help="baseline to select before running")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with (
        dashboard({}, extra_args=("--theme.base", args.theme)) as url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        page.goto(url, wait_until="networkidle")
        area = page.get_by_role("textbox", name="Text to explain")
        area.wait_for(timeout=600_000)
        area.fill(TEXT)
        area.press("Control+Enter")
        if args.baseline != "pad":
            page.get_by_label("Baseline", exact=False).first.click()
            page.get_by_role("option", name=args.baseline, exact=False).first.click()
        page.get_by_role("button", name="Run").click()
        page.locator(".js-plotly-plot").nth(1).wait_for(timeout=120_000)
        page.mouse.move(5, 5)
        page.wait_for_timeout(1500)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out), full_page=True)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
