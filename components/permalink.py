"""Shareable links in the page: the shown view's settings live in the page's URL.

Pressing Run writes the request into ``st.query_params``; opening such a link
fills the controls and runs. :mod:`explain.io.links` writes, reads and checks
the link (a bad or missing value falls back to its default with a notice);
this module only moves its values into the widgets' first values, by widget
key, and into the session state.
"""

from __future__ import annotations

import streamlit as st

import explain
from components.session_state import LINK_VALUES
from components.setting_widgets import baseline_setting_key, setting_key
from explain.io.links import LinkValues, link_params, read_link, read_link_labels


def restore_from_link() -> list[str]:
    """On a session's first run, copy the URL's valid settings into the controls.

    Returns:
        Notices for the values that were unusable and fell back to defaults.
    """
    if st.session_state.get("link_restored"):
        return []
    st.session_state["link_restored"] = True
    link = read_link(st.query_params.to_dict())
    st.session_state[LINK_VALUES] = widget_values(link)
    if link.text is not None:
        st.session_state["link_autorun"] = link.runs
    if link.target is not None:
        st.session_state["link_target"] = link.target
    if link.contrast is not None:
        st.session_state["link_contrast"] = link.contrast
    return list(link.notices)


def widget_values(link: LinkValues) -> dict[str, object]:
    """The link's values as the widgets' first values, by widget key."""
    method = link.method
    named = {
        "checkpoint_choice": link.checkpoint,
        "text": link.text,
        "output": link.output,
        "baseline": link.baseline,
        "text_pair": link.text_pair,
        "auto_steps": link.auto_steps,
        "long": link.long,
        "stride": link.stride,
        setting_key(method, "tolerance"): link.tolerance,
    }
    baseline = link.baseline or explain.DEFAULT_BASELINE
    return {
        "method": method,
        **{key: value for key, value in named.items() if value is not None},
        **{setting_key(method, name): value for name, value in link.settings},
        **{baseline_setting_key(baseline, name): value for name, value in link.baseline_options},
    }


def restore_target(labels: tuple[str, ...]) -> list[str]:
    """Select the link's target and contrast labels, once the model's labels are known."""
    chosen = read_link_labels(
        st.session_state.pop("link_target", None),
        st.session_state.pop("link_contrast", None),
        labels,
    )
    values = st.session_state.setdefault(LINK_VALUES, {})
    if chosen.target is not None:
        values["target"] = chosen.target
    if chosen.contrast is not None:
        values["contrast"] = chosen.contrast
    if chosen.notices:
        st.session_state["link_autorun"] = False
    return list(chosen.notices)


def autorun_pending() -> bool:
    """True once, when a link with a sentence was opened: the page runs it."""
    return bool(st.session_state.pop("link_autorun", False))


def write_link(request: explain.AttributionRequest, labels: tuple[str, ...]) -> None:
    """Record ``request`` in the page's URL; options left at their defaults stay out of it."""
    st.query_params.from_dict(link_params(request, labels))


def show_notices(notices: list[str]) -> None:
    for notice in notices:
        st.warning(notice)
