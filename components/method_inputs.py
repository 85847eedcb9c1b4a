"""The method and its options in the sidebar: method, baseline, auto steps and long texts.

Options that only some methods take (baseline options, auto steps, windows)
are offered when the chosen method declares the capability, and the help
names the methods that do.
"""

from __future__ import annotations

import streamlit as st

import explain
from components.session_state import initial
from components.setting_widgets import (
    baseline_setting_key,
    setting_key,
    setting_widget,
    titles_with,
)
from explain.core.task_results import DEFAULT_TASK
from explain.methods.registry import baseline_settings, tolerance_setting
from explain.methods.request import Pairs
from explain.model.encoding import default_stride, window_width
from explain.render.task_figures import task_words
from explain.tasks.explain_task import refusal

LONG_MODES = {
    "truncate": "Truncate: cut to the model's length",
    "windows": "Windows: explain all of it",
}


def method_picker(task: explain.TaskName = DEFAULT_TASK) -> str:
    """The attribution method, with its description and paper.

    Only the methods that serve ``task`` are offered (:func:`explain.methods_for`);
    a caption names those left out. Default: ``"sequence-classification"``
    """
    methods = list(explain.methods_for(task))
    if st.session_state.get("method", methods[0]) not in methods:  # chosen for another task
        del st.session_state["method"]
    preset = initial("method", explain.DEFAULT_METHOD)
    left_out = [name for name in explain.METHODS if name not in methods]
    reasons = " ".join(
        reason for name in left_out if (reason := refusal(explain.METHODS[name], task)) is not None
    )
    name = st.selectbox(
        "Method",
        methods,
        index=methods.index(preset) if preset in methods else 0,
        format_func=lambda name: explain.METHODS[name].title,
        key="method",
        help="How token scores are computed. Gradient methods follow the model's slope, "
        "perturbation methods (occlusion, LIME, KernelSHAP) remove tokens and watch the "
        "output, attention reads where the model looked. Signed scores say which way a "
        "token pushed the target; unsigned ones (saliency, attention) only say how much."
        + (f" Not offered for this task: {reasons}" if reasons else ""),
    )
    if len(methods) == 1:
        st.caption(
            f"Only {explain.METHODS[methods[0]].title} serves {task_words(task)}; the other "
            f"{len(left_out)} methods cannot (the help says why)."
        )
    elif left_out:
        st.caption(
            f"Not offered for {task_words(task)} (the help says why): "
            + ", ".join(explain.METHODS[name].title for name in left_out)
            + "."
        )
    method = explain.get_method(name)
    st.caption(f"{method.description} [Paper]({method.paper})")
    return name


def baseline_picker(method: str) -> str:
    """The baseline, disabled for methods that use none."""
    baselines = list(explain.BASELINES)
    baseline = st.selectbox(
        "Baseline",
        baselines,
        index=baselines.index(initial("baseline", explain.DEFAULT_BASELINE)),
        format_func=lambda name: f"{name}: {explain.BASELINES[name].description.split(':')[0]}",
        key="baseline",
        disabled=not explain.get_method(method).uses_baseline,
        help="The 'absent input' the explanation is measured against: scores add up to "
        "F(input) - F(baseline). [CLS] and [SEP] stay in place; every other token changes.",
    )
    st.caption(explain.BASELINES[baseline].description)
    return baseline


def baseline_option_inputs(method: str, baseline: str) -> Pairs:
    """Inputs for the options ``baseline`` declares, where ``method`` takes them.

    Returns:
        ``(name, value)`` pairs, the keyword arguments of ``attribute``.
    """
    spec = explain.get_method(method)
    declared = explain.BASELINES[baseline].settings
    read = baseline_settings(method, baseline)
    if spec.uses_baseline and declared and not read:
        if explain.BASELINES[baseline].kind == "samples":
            st.caption(
                f"{spec.title} cannot average over several baselines. Methods that can: "
                f"{titles_with('baseline_options')}. Choose another baseline."
            )
        else:
            defaults = ", ".join(f"{option.label.lower()} {option.default}" for option in declared)
            st.caption(
                f"{spec.title} builds this baseline with its default options ({defaults}). "
                f"Methods that take others: {titles_with('baseline_options')}."
            )
    return tuple(
        (option.name, setting_widget(option, baseline_setting_key(baseline, option.name)))
        for option in read
    )


def auto_steps_inputs(method: str, settings: Pairs = ()) -> tuple[bool, float | None]:
    """The auto-steps switch and its tolerance, for a method that can raise its own steps.

    The tolerance input is enabled while the method holds its scores to it:
    under auto steps, and under the settings the method declares (Layer IG's
    bfloat16, see :meth:`explain.Explainer.uses_tolerance`).

    Args:
        method: the method's registry name.
        settings: the method's chosen settings, ``(name, value)``. Default: ``()``

    Returns:
        (auto steps, tolerance); the tolerance is None when nothing uses it.
    """
    tolerance = tolerance_setting(method)
    title = explain.get_method(method).title
    auto = st.checkbox(
        "Auto steps",
        value=bool(initial("auto_steps", False)),
        key="auto_steps",
        disabled=tolerance is None,
        help="Double the integration steps, starting from the number above, until |delta| is "
        "at most the tolerance times |F(input) - F(baseline)|, or until the most steps "
        "allowed. The completeness check says how many steps were used."
        if tolerance is not None
        else f"{title} does not raise its own steps. Methods that do: {titles_with('auto_steps')}.",
    )
    if tolerance is None:
        return False, None
    used = explain.get_method(method).uses_tolerance({**dict(settings), "auto_steps": auto})
    value = setting_widget(tolerance, setting_key(method, tolerance.name), disabled=not used)
    return auto, float(value) if used else None


def long_text_inputs(
    method: str, loaded: explain.LoadedModel
) -> tuple[explain.LongMode, int | None]:
    """What to do with a text longer than the model's window, and the windows' stride.

    Windows are offered where the method declares them; the stride input
    shows only under windows, its default half a window.

    Returns:
        (mode, stride); the stride is None under truncation.
    """
    spec = explain.get_method(method)
    takes = spec.capabilities.windows
    modes = list(LONG_MODES)
    long = st.radio(
        "Long texts",
        modes,
        index=modes.index(initial("long", "truncate")),
        format_func=LONG_MODES.__getitem__,
        key="long",
        horizontal=True,
        disabled=not takes,
        help=f"For a text longer than the model's window of {loaded.max_length} tokens. "
        "Truncate cuts it to fit, and the page says how many tokens were dropped. Windows "
        "explains every token: overlapping windows of the model's length, run in batched "
        "passes; the text's output is the mean of the windows' outputs and each token's "
        "score the mean of its windows' scores, so the scores still add up to "
        "F(input) - F(baseline)."
        if takes
        else f"{spec.title} truncates long texts. Methods that explain them in windows: "
        f"{titles_with('windows')}.",
    )
    if not takes:
        if long == "windows":
            st.caption(
                f"{spec.title} cannot explain in windows, so long texts are truncated. "
                f"Methods that can: {titles_with('windows')}."
            )
        return "truncate", None
    if long != "windows":
        return "truncate", None
    width = window_width(loaded.tokenizer, loaded.max_length)
    if int(st.session_state.get("stride", 1)) > width:  # another model's, longer windows
        st.session_state["stride"] = default_stride(width)
    stride = st.number_input(
        "Stride (tokens)",
        min_value=1,
        max_value=width,
        value=min(int(initial("stride", default_stride(width))), width),
        step=1,
        key="stride",
        help=f"Text tokens from one window's start to the next's. A window holds {width} text "
        f"tokens; the default, {default_stride(width)}, is half a window, so each token is in "
        "about two windows. A smaller stride means more windows (slower, smoother); a stride "
        "of a whole window means windows that touch without overlapping.",
    )
    return "windows", int(stride)
