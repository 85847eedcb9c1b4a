"""Start the dashboard on a free localhost port and open it in Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        return "Debian's chromium is not installed (apt-get install -y chromium)"
    return None


def browser_marks(*extra: pytest.MarkDecorator) -> list[pytest.MarkDecorator]:
    """A browser test module's ``pytestmark``: ``browser`` and ``extra``, and a skip saying why
    when Chromium or Playwright is missing outside CI (in CI, a missing browser fails)."""
    marks = [pytest.mark.browser, *extra]
    reason = browser_unavailable()
    if reason and os.environ.get("CI", "").lower() not in ("1", "true"):
        marks.append(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))
    return marks


def open_page(browser, url: str, problems: list[str], height: int = 1100):
    """A new page at ``url``, 1400 wide and ``height`` tall, once the network is idle.

    Console errors, page errors and dialogs are added to ``problems``.
    """
    page = browser.new_page(viewport={"width": 1400, "height": height})
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
    page.goto(url, wait_until="networkidle")
    return page


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def dashboard(
    env: dict[str, str],
    extra_args: tuple[str, ...] = (),
    timeout: float = 60.0,
    run_args: tuple[str, ...] | None = None,
) -> Iterator[str]:
    """Run ``streamlit run streamlit_app.py`` and yield its URL; stop it afterwards.

    With ``run_args``, start ``tokenlight run --port PORT *run_args`` instead,
    as a user does (``extra_args`` are then unused).
    """
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
        *extra_args,
    ]  # fmt: skip
    if run_args is not None:
        command = [sys.executable, "-m", "explain.io.entry", "run", "--port", str(port), *run_args]
        env = {"STREAMLIT_SERVER_HEADLESS": "true", **env}
    # A pipe nobody reads would fill up and block the server; a file cannot.
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"The dashboard did not start:\n{log.read()}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
