"""The Run button and the request it records: what the results below are about."""

from __future__ import annotations

import streamlit as st

import explain
from components import backend, permalink


def run_button() -> bool:
    """The Run button: compute the explanation for the text and the sidebar's settings."""
    return st.button(
        "Run",
        type="primary",
        key="run",
        help="Compute the explanation for the text and the settings in the sidebar.",
    )


def requested_result(
    current: explain.AttributionRequest, labels: tuple[str, ...]
) -> explain.Attribution:
    """Record ``current`` when Run is pressed (or a link opens), and return its result.

    Stops the page with a message when there is nothing to show yet, or when
    the attribution fails.
    """
    if run_button() or permalink.autorun_pending():
        if not current.text.strip():
            st.info("The text is empty. Type a sentence to explain, then press Run.")
            st.stop()
        st.session_state["request"] = current
        permalink.write_link(current, labels)
    request: explain.AttributionRequest | None = st.session_state.get("request")
    if request is None:
        st.info("Type a sentence, pick the settings in the sidebar, and press **Run**.")
        st.stop()
    if request != current:
        st.caption(
            "The inputs changed since the last run: press **Run** to update the explanation."
        )
    try:
        with st.spinner("Computing attributions ..."):
            return backend.attribute(request)
    except explain.TokenlightError as error:
        st.error(str(error))
        st.stop()


def shown_request() -> explain.AttributionRequest:
    """The request whose result is on screen (call after :func:`requested_result`)."""
    return st.session_state["request"]
