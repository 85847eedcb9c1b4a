"""Shareable links: the shown view's settings live in the page's URL.

Pressing Run writes the sentence, checkpoint, method, target, output, baseline
and steps into ``st.query_params``, and, when they are set, the second text of
a sentence pair (``pair``), the contrast label (``contrast``, by name), auto
steps and their tolerance (``auto=1``, ``tol``), long texts in windows and
their stride (``long=windows``, ``stride``) and the baseline's options (by
their names, such as ``baseline_seed``). Opening such a link fills the
controls and runs. A bad or missing value falls back to its default with a
notice.
"""

from __future__ import annotations

import streamlit as st

import explain
from components.controls import (
    LINK_VALUES,
    MAX_CHARS,
    accepts,
    baseline_setting_key,
    baseline_settings,
    setting_key,
    tolerance_setting,
)

PREDICTED_IN_LINK = "predicted"
LINK_NAMES = {"n_steps": "steps"}  # method setting -> its shorter name in links
LINK_FLAGS = {"1": True, "0": False}  # how a link writes auto steps


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
        if raw is not None:
            restore_setting(spec, raw, setting_key(method, spec.name), state, notices)
    baseline = str(state.get("baseline", explain.DEFAULT_BASELINE))
    for option in baseline_settings(method, baseline):
        raw = params.get(option.name)
        if raw is not None:
            key = baseline_setting_key(baseline, option.name)
            restore_setting(option, raw, key, state, notices)
    notices += restore_method_options(method, state)
    if "target" in params:
        st.session_state["link_target"] = params["target"]
    return notices


def restore_method_options(method: str, state: dict[str, object]) -> list[str]:
    """Copy the link's sentence pair, contrast and auto steps into ``state``.

    Each goes in only where ``method`` takes it; otherwise a notice says so.

    Returns:
        Notices for the values that were unusable or that the method ignores.
    """
    params = st.query_params
    title = explain.get_method(method).title
    notices: list[str] = []
    pair = params.get("pair")
    if pair is not None and not accepts(method, "text_pair"):
        notices.append(f"{title} explains one text, so the link's second text is ignored.")
    elif pair is not None:
        if len(pair) > MAX_CHARS:
            notices.append(f"The link's second text was cut to the first {MAX_CHARS} characters.")
        state["text_pair"] = pair[:MAX_CHARS]
    contrast = params.get("contrast")
    if contrast is not None and not accepts(method, "contrast"):
        notices.append(f"{title} explains one label, so the link's contrast label is ignored.")
    elif contrast is not None:
        st.session_state["link_contrast"] = contrast
    tolerance = tolerance_setting(method)
    auto = params.get("auto")
    if auto is not None and tolerance is None:
        notices.append(f"{title} does not raise its own steps, so the link's auto steps are off.")
    elif auto is not None and auto not in LINK_FLAGS:
        notices.append(f"The link's auto steps {auto[:50]!r} is not 1 or 0; auto steps are off.")
    elif auto is not None:
        state["auto_steps"] = LINK_FLAGS[auto]
    raw = params.get("tol")
    if raw is not None and tolerance is not None:
        restore_setting(tolerance, raw, setting_key(method, tolerance.name), state, notices)
    notices += restore_long(method, state)
    return notices


def restore_long(method: str, state: dict[str, object]) -> list[str]:
    """Copy the link's long-text mode and stride into ``state``, where ``method`` takes windows.

    Returns:
        Notices for the values that were unusable or that the method ignores.
    """
    params = st.query_params
    long, raw = params.get("long"), params.get("stride")
    if long is None:
        return []
    if long not in explain.LONG_MODES:
        return [f"Unknown long {long[:50]!r} in the link; long texts are truncated."]
    spec = explain.get_method(method)
    if long == "windows" and not spec.capabilities.windows:
        return [f"{spec.title} cannot explain in windows, so the link's long text is truncated."]
    state["long"] = long
    if raw is None or long != "windows":
        return []
    if not raw.isdigit() or int(raw) < 1:
        return [
            f"The link's stride {raw[:50]!r} is not a positive whole number; using half a window."
        ]
    state["stride"] = int(raw)
    return []


def restore_setting(
    spec: explain.Setting | explain.TextSetting,
    raw: str,
    key: str,
    state: dict[str, object],
    notices: list[str],
) -> None:
    """Put the link's ``raw`` value for ``spec`` into ``state[key]``, or else a notice."""
    try:
        state[key] = spec.check(parse_setting(spec, raw))
    except ValueError as error:
        notices.append(
            f"The link's {spec.label.lower()} {raw[:50]!r} is not usable ({error}); "
            f"using {spec.default}."
        )


def parse_setting(spec: explain.Setting | explain.TextSetting, raw: str) -> object:
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
    """Select the link's target and contrast labels, once the model's labels are known."""
    notices: list[str] = []
    name = st.session_state.pop("link_target", None)
    target: int | None = None
    if name is not None and name != PREDICTED_IN_LINK and name in labels:
        target = labels.index(name)
        st.session_state[LINK_VALUES]["target"] = target
    elif name is not None and name != PREDICTED_IN_LINK:
        st.session_state["link_autorun"] = False
        notices.append(
            f"The link's target label {name!r} is not one of this model's labels "
            f"({', '.join(labels)}); using the predicted label. Press Run to explain it."
        )
    contrast = st.session_state.pop("link_contrast", None)
    if contrast is None:
        return notices
    if contrast not in labels or labels.index(contrast) == target:
        st.session_state["link_autorun"] = False
        reason = (
            "the target label itself"
            if contrast in labels
            else f"not one of this model's labels ({', '.join(labels)})"
        )
        notices.append(
            f"The link's contrast label {contrast[:100]!r} is {reason}; explaining the target "
            "alone. Pick a label to compare with and press Run."
        )
        return notices
    st.session_state[LINK_VALUES]["contrast"] = labels.index(contrast)
    return notices


def autorun_pending() -> bool:
    """True once, when a link with a sentence was opened: the page runs it."""
    return bool(st.session_state.pop("link_autorun", False))


def write_link(request: explain.AttributionRequest, labels: tuple[str, ...]) -> None:
    """Record ``request`` in the page's URL; options left at their defaults stay out of it."""
    settings = {LINK_NAMES.get(name, name): str(value) for name, value in request.settings}
    optional = {
        **({"pair": request.text_pair} if request.text_pair is not None else {}),
        **(
            {"contrast": label_name(labels, request.contrast)}
            if request.contrast is not None
            else {}
        ),
        **({"auto": "1"} if request.auto_steps else {}),
        **({"tol": str(request.tolerance)} if request.tolerance is not None else {}),
        **({"long": request.long} if request.long != "truncate" else {}),
        **({"stride": str(request.stride)} if request.stride is not None else {}),
        **{name: str(value) for name, value in request.baseline_options},
    }
    st.query_params.from_dict(
        {
            "text": request.text,
            "checkpoint": request.checkpoint,
            "method": request.method,
            "target": PREDICTED_IN_LINK
            if request.target is None
            else label_name(labels, request.target),
            "output": request.output,
            "baseline": request.baseline,
            **settings,
            **optional,
        }
    )


def label_name(labels: tuple[str, ...], label: int | str) -> str:
    """A label as a link names it: by name."""
    return label if isinstance(label, str) else labels[label]


def show_notices(notices: list[str]) -> None:
    for notice in notices:
        st.warning(notice)
