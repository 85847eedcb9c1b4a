"""The Run button and the request it records: what the results below are about."""

from __future__ import annotations

import streamlit as st

import explain
from components import backend, demo_mode, permalink
from explain.io.in_flight import AlreadyRunning


def run_button() -> bool:
    """The Run button: compute the explanation for the text and the sidebar's settings."""
    return st.button(
        "Run",
        type="primary",
        key="run",
        help="Compute the explanation for the text and the settings in the sidebar.",
    )


def requested_result(
    current: explain.AttributionRequest,
    labels: tuple[str, ...],
    task: explain.TaskName | None = None,
) -> explain.Attribution:
    """Record ``current`` when Run is pressed (or a link opens), and return its result.

    Stops the page with a message when there is nothing to show yet, when
    the result on record is of another task than the page's, or when the
    attribution fails.

    Args:
        current: the request the page's inputs make now.
        labels: the model's labels, for the link.
        task: the task the page explains a request without a task target as,
            for the link, where the checkpoint's own task is another. Default: None
    """
    if run_button() or permalink.autorun_pending():
        if not current.text.strip():
            st.info("The text is empty. Type a sentence to explain, then press Run.")
            st.stop()
        st.session_state["request"] = current
        permalink.write_link(current, labels, task)
    request: explain.AttributionRequest | None = st.session_state.get("request")
    if request is None:
        st.info("Type a sentence, pick the settings in the sidebar, and press **Run**.")
        st.stop()
    if _kind(request) != _kind(current):
        st.info(
            "The result on record explains another task than this page's (the checkpoint or "
            "the task changed): press **Run** to explain this one."
        )
        st.stop()
    if request != current:
        st.caption(
            "The inputs changed since the last run: press **Run** to update the explanation."
        )
    try:
        with demo_mode.one_at_a_time(), st.spinner("Computing attributions ..."):
            return backend.attribute(request)
    except AlreadyRunning as error:
        st.warning(str(error))
        st.stop()
    except explain.TokenlightError as error:
        st.error(str(error))
        st.stop()


def shown_request() -> explain.AttributionRequest:
    """The request whose result is on screen (call after :func:`requested_result`)."""
    return st.session_state["request"]


def _kind(request: explain.AttributionRequest) -> type | None:
    """What a request's result is about: its task target's kind, or None for a label."""
    return None if request.task_target is None else type(request.task_target)
