"""Shareable links: the shown view's settings live in the page's URL.

Pressing Run writes the sentence, checkpoint, method, target, output, baseline
and steps into ``st.query_params``. Opening such a link fills the controls and
runs. A bad or missing value falls back to its default with a notice.
"""

from __future__ import annotations

import streamlit as st

import explain
from components.controls import LINK_VALUES, MAX_CHARS, Request, setting_key

PREDICTED_IN_LINK = "predicted"
LINK_NAMES = {"n_steps": "steps"}  # method setting -> its shorter name in links


def restore_from_link() -> list[str]:
    """On a session's first run, copy the URL's valid settings into the controls.

    Returns:
        Notices for the values that were unusable and fell back to defaults.
    """
    if st.session_state.get("link_restored"):
        return []
    st.session_state["link_restored"] = True
    params = st.query_params
    notices: list[str] = []
    state: dict[str, object] = {}  # initial widget values, by widget key
    st.session_state[LINK_VALUES] = state

    checkpoint = params.get("checkpoint", "").strip()
    if checkpoint in explain.CHECKPOINTS:
        state["checkpoint_choice"] = checkpoint
    elif checkpoint:
        # A link must not make the server download or read a checkpoint on its own.
        notices.append(
            f"This link names the checkpoint {checkpoint[:200]!r}. Links open registered "
            "checkpoints only: to use it, choose 'Other' in the sidebar and type it."
        )
    text = params.get("text")
    if text is not None:
        if len(text) > MAX_CHARS:
            notices.append(f"The link's text was cut to the first {MAX_CHARS} characters.")
        state["text"] = text[:MAX_CHARS]
        st.session_state["link_autorun"] = bool(text.strip())

    method = params.get("method", explain.DEFAULT_METHOD)
    if method not in explain.METHODS:
        notices.append(f"Unknown method {method!r} in the link; using {explain.DEFAULT_METHOD}.")
        method = explain.DEFAULT_METHOD
    state["method"] = method
    for name, valid, default in (
        ("output", explain.OUTPUT_KINDS, "probability"),
        ("baseline", tuple(explain.BASELINES), explain.DEFAULT_BASELINE),
    ):
        value = params.get(name)
        if value is None:
            continue
        if value in valid:
            state[name] = value
        else:
            notices.append(f"Unknown {name} {value!r} in the link; using {default}.")
    for spec in explain.get_method(method).settings:
        raw = params.get(LINK_NAMES.get(spec.name, spec.name))
        if raw is None:
            continue
        try:
            state[setting_key(method, spec.name)] = spec.check(parse_setting(spec, raw))
        except ValueError as error:
            notices.append(
                f"The link's {spec.label.lower()} {raw[:50]!r} is not usable ({error}); "
                f"using {spec.default}."
            )
    if "target" in params:
        st.session_state["link_target"] = params["target"]
    return notices


def parse_setting(spec: explain.Setting, raw: str) -> object:
    """A link's text for ``spec`` as the type the setting takes.

    Raises:
        ValueError: the text is not a number where one is needed.
    """
    if isinstance(spec, explain.IntSetting):
        return int(raw)
    if isinstance(spec, explain.FloatSetting):
        return float(raw)
    return raw


def restore_target(labels: tuple[str, ...]) -> list[str]:
    """Select the link's target label, once the model's labels are known."""
    name = st.session_state.pop("link_target", None)
    if name is None or name == PREDICTED_IN_LINK:
        return []
    if name in labels:
        st.session_state[LINK_VALUES]["target"] = labels.index(name)
        return []
    st.session_state["link_autorun"] = False
    return [
        f"The link's target label {name!r} is not one of this model's labels "
        f"({', '.join(labels)}); using the predicted label. Press Run to explain it."
    ]


def autorun_pending() -> bool:
    """True once, when a link with a sentence was opened: the page runs it."""
    return bool(st.session_state.pop("link_autorun", False))


def write_link(request: Request, labels: tuple[str, ...]) -> None:
    """Record ``request`` in the page's URL."""
    settings = {LINK_NAMES.get(name, name): str(value) for name, value in request.settings}
    st.query_params.from_dict(
        {
            "text": request.text,
            "checkpoint": request.checkpoint,
            "method": request.method,
            "target": PREDICTED_IN_LINK if request.target is None else labels[request.target],
            "output": request.output,
            "baseline": request.baseline,
            **settings,
        }
    )


def show_notices(notices: list[str]) -> None:
    for notice in notices:
        st.warning(notice)
