"""The locked demo mode in the page: its banner, and one explanation in flight per viewer.

The policy itself, which checkpoints and caps a demo has, is
:mod:`explain.io.demo`'s, read from ``$TOKENLIGHT_DEMO_CHECKPOINTS`` (set by
``tokenlight run --demo --checkpoints``). The components that a demo limits
(the checkpoint pickers, links, Many texts) ask :func:`policy` themselves.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

import explain
from components.markdown import literal
from explain.io.demo import DemoError, DemoPolicy, banner, policy_from_env
from explain.io.in_flight import InFlight


def policy() -> DemoPolicy | None:
    """The page's demo policy; None when the page is not a demo.

    Raises:
        DemoError: the variable is set but unusable (:func:`banner_or_stop`
            has then stopped the page already).
    """
    return policy_from_env(os.environ)


def banner_or_stop() -> None:
    """Show the demo banner; if the demo is misconfigured, stop the page rather than open it."""
    try:
        demo = policy()
    except DemoError as error:
        st.error(f"This page is set up as a demo, but: {error}")
        st.stop()
    if demo is not None:
        st.info(literal(banner(demo)), icon=":material/lock:")


def checkpoint_caption(spec: str) -> str:
    """What the sidebar says under a demo's checkpoint: its description, or where it lives."""
    if spec in explain.CHECKPOINTS:
        return explain.CHECKPOINTS[spec].description
    return "A checkpoint that this demo's host offers from its own disk."


@st.cache_resource(show_spinner=False)
def _in_flight() -> InFlight:
    """The server's one registry of running explanations, shared by every session."""
    return InFlight()


@contextmanager
def one_at_a_time() -> Iterator[None]:
    """In a demo, hold this viewer's one explanation for the ``with`` block; else do nothing.

    A viewer is a page session: Streamlit starts a new run when Run is pressed
    again, while the earlier run's computation goes on.

    Raises:
        AlreadyRunning: this viewer's previous explanation is still running.
    """
    context = get_script_run_ctx()
    if policy() is None or context is None:
        yield
        return
    with _in_flight().claim(context.session_id):
        yield
