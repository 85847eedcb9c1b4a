"""Helpers for Streamlit AppTest tests."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def rendered_html(at: AppTest) -> str:
    """All ``st.html`` bodies on the page, joined."""
    return "".join(element.proto.body for element in at.get("html"))
