"""Shared fixtures: tiny random classifiers saved to disk, loaded once per session."""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from streamlit.testing.v1 import AppTest

import explain
from tests.apphelpers import open_page
from tests.architectures import ARCHITECTURES, save_architecture
from tests.tiny import save_tiny_classifier

# Every Ray a test starts is local: keep its node on 127.0.0.1 (read when ray is first imported).
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

# CI explores the same examples every run; local runs explore new ones.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI", "").lower() in ("1", "true"):
    settings.load_profile("ci")


TIERS = ("app", "browser", "slow")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its tier: ``app`` when it drives the page, ``unit`` when it has none.

    ``pytest -m unit`` is the fast tier.
    """
    for item in items:
        if "app" in getattr(item, "fixturenames", ()) or "AppTest" in _text(item.path):
            item.add_marker(pytest.mark.app)
        if not any(item.get_closest_marker(tier) for tier in TIERS):
            item.add_marker(pytest.mark.unit)


@functools.cache
def _text(path: Path) -> str:
    return path.read_text()


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_classifier(tmp_path_factory.mktemp("tiny") / "checkpoint")


@pytest.fixture(scope="session")
def tiny_model(tiny_dir: Path) -> explain.LoadedModel:
    return explain.load_checkpoint(str(tiny_dir), device="cpu")


@pytest.fixture(scope="session")
def three_label_model(tmp_path_factory: pytest.TempPathFactory) -> explain.LoadedModel:
    directory = save_tiny_classifier(
        tmp_path_factory.mktemp("tiny3") / "checkpoint",
        labels=("negative", "neutral", "positive"),
        seed=1,
    )
    return explain.load_checkpoint(str(directory), device="cpu")


@pytest.fixture(scope="session", autouse=True)
def without_the_users_settings() -> Iterator[None]:
    """Unset the user's ``TOKENLIGHT_*`` variables for the session and its subprocesses.

    A newcomer's shell may hold a cache directory, a device, a default checkpoint
    or a service URL; the tests set the ones they need themselves.
    """
    patch = pytest.MonkeyPatch()
    for name in [name for name in os.environ if name.startswith("TOKENLIGHT_")]:
        patch.delenv(name)
    yield
    patch.undo()


@pytest.fixture(scope="session", autouse=True)
def allow_test_checkpoints(
    without_the_users_settings: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Let the dashboard load the checkpoints tests write under pytest's temp directory."""
    patch = pytest.MonkeyPatch()
    patch.setenv("TOKENLIGHT_ALLOWED_ROOTS", str(tmp_path_factory.getbasetemp()))
    yield
    patch.undo()


@pytest.fixture
def app(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The dashboard, run once, with the tiny checkpoint preselected."""
    return open_page(tiny_dir, monkeypatch)


@pytest.fixture(scope="session")
def serve_url(allow_test_checkpoints: None) -> Iterator[str]:
    """A loopback attribution service (Ray Serve) on a free port; stopped after the session.

    Batches wait 50 ms, so concurrent test requests meet in one.
    """
    pytest.importorskip("ray.serve", reason="needs requirements-scale.txt")
    from explain.serve.cli import start_ray, stop_ray
    from explain.serve.deployment import ServeOptions, start

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start_ray(num_cpus=2)
    try:
        start(ServeOptions(port=port, batch_wait_ms=50, max_batch_size=8))
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_ray()


@pytest.fixture(scope="session")
def load_architecture(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], explain.LoadedModel]:
    """Load (building once per session) the tiny checkpoint of a BERT-family architecture."""

    @functools.cache
    def load(name: str) -> explain.LoadedModel:
        directory = save_architecture(name, tmp_path_factory.mktemp(name) / "checkpoint")
        return explain.load_checkpoint(str(directory), device="cpu")

    return load


@pytest.fixture(params=list(ARCHITECTURES))
def architecture_model(
    request: pytest.FixtureRequest, load_architecture: Callable[[str], explain.LoadedModel]
) -> explain.LoadedModel:
    """Each architecture's tiny checkpoint, with its own tokenizer kind, in turn."""
    return load_architecture(request.param)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, for one browser test module (tests/browser.py's flags)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
