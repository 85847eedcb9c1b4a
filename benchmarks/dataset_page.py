"""Time the Dataset page's first view of a results directory, in a real Chromium.

``python -m benchmarks.dataset_page --dir DIR`` starts the dashboard on
127.0.0.1 (the directory's parent allowed as a root), opens it in Debian's
headless Chromium, switches to Dataset, types the directory and presses Enter.
It times from the key press until the first view is on screen: the words
table and the first chart's bars. The issue's budget for a 1 M-row directory
(``python -m benchmarks.report_scale --rows 1000000 --keep DIR``) is 10 s on a
2-core machine. ``--screenshot`` saves the whole page once it is shown. Run it
on an otherwise idle machine; the dashboard stops when the script ends.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from tests.browser import CHROMIUM, CHROMIUM_ARGS, dashboard

FIRST_VIEW = "Words that drive each label"


def first_view_seconds(directory: Path, screenshot: Path | None, timeout_s: float) -> float:
    """Seconds from pressing Enter on the directory to the words table and a chart's bars."""
    from playwright.sync_api import sync_playwright

    env = {"TOKENLIGHT_ALLOWED_ROOTS": str(directory.resolve().parent)}
    with dashboard(env) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        page.goto(url, wait_until="networkidle")
        page.get_by_text("Dataset", exact=True).click()
        box = page.get_by_role("textbox", name="Results directory")
        box.wait_for(timeout=60_000)
        box.fill(str(directory))
        started = time.perf_counter()
        box.press("Enter")
        page.get_by_text(FIRST_VIEW).wait_for(timeout=timeout_s * 1000)
        page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=timeout_s * 1000)
        page.locator(".js-plotly-plot .bars").first.wait_for(timeout=timeout_s * 1000)
        seconds = time.perf_counter() - started
        if screenshot is not None:
            page.wait_for_timeout(2_000)  # let the later sections settle for the picture
            page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    build = argparse.ArgumentParser(prog="python -m benchmarks.dataset_page", description=__doc__)
    build.add_argument("--dir", type=Path, required=True, help="the results directory")
    build.add_argument("--screenshot", type=Path, help="save the page here once shown")
    build.add_argument("--timeout", type=float, default=300.0, help="give up after (seconds)")
    args = build.parse_args(argv)
    seconds = first_view_seconds(args.dir, args.screenshot, args.timeout)
    print(json.dumps({"directory": str(args.dir), "first_view_s": round(seconds, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
