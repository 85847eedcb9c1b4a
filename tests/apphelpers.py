"""Helpers for Streamlit AppTest tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def open_page(
    checkpoint: Path,
    monkeypatch: pytest.MonkeyPatch,
    /,
    page: str = APP,
    timeout: float = 60,
    **params: str,
) -> AppTest:
    """Run ``page`` once with ``checkpoint`` preselected and ``params`` in its address.

    Args:
        checkpoint: The checkpoint directory the page preselects.
        monkeypatch: Sets ``TOKENLIGHT_CHECKPOINT`` for this test only.
        page: The script to run. Default: the dashboard.
        timeout: Seconds each run may take. Default: 60.
        **params: Query parameters, as a shared link carries them (``checkpoint`` too).

    Returns:
        The page after its first run, which raised nothing.
    """
    monkeypatch.setenv("TOKENLIGHT_CHECKPOINT", str(checkpoint))
    at = AppTest.from_file(page, default_timeout=timeout)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def rendered_html(at: AppTest) -> str:
    """All ``st.html`` bodies on the page, joined."""
    return "".join(element.proto.body for element in at.get("html"))


def fixed_steps(at: AppTest, steps: int) -> AppTest:
    """Choose Layer IG's fixed integration (adaptive is the default) with ``steps`` steps."""
    method = "layer_integrated_gradients"
    at.selectbox(key=f"setting_{method}_integration").set_value("fixed").run()
    at.number_input(key=f"setting_{method}_n_steps").set_value(steps).run()
    return at
