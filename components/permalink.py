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
from components import demo_mode
from components.session_state import LINK_VALUES
from components.setting_widgets import baseline_setting_key, setting_key
from explain.core.task_results import DEFAULT_TASK
from explain.io.demo import read_demo_link
from explain.io.links import (
    LinkTask,
    LinkValues,
    link_params,
    read_link,
    read_link_labels,
    read_link_task,
)

TASK_PICKED = ("zero-shot", "sequence-classification")  # the tasks an NLI checkpoint offers


def restore_from_link() -> list[str]:
    """On a session's first run, copy the URL's valid settings into the controls.

    Returns:
        Notices for the values that were unusable and fell back to defaults.
    """
    if st.session_state.get("link_restored"):
        return []
    st.session_state["link_restored"] = True
    params, demo = st.query_params.to_dict(), demo_mode.policy()
    link = read_link(params) if demo is None else read_demo_link(params, demo)
    st.session_state[LINK_VALUES] = widget_values(link)
    if link.text is not None:
        st.session_state["link_autorun"] = link.runs
    if link.target is not None:
        st.session_state["link_target"] = link.target
    if link.contrast is not None:
        st.session_state["link_contrast"] = link.contrast
    st.session_state["link_task"] = link.task
    return list(link.notices)


def widget_values(link: LinkValues) -> dict[str, object]:
    """The link's values as the widgets' first values, by widget key."""
    method = link.method
    named: dict[str, object] = {
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
    if link.task is not None and link.task.task in TASK_PICKED:
        named["task"] = link.task.task
    return {
        "method": method,
        **{key: value for key, value in named.items() if value is not None},
        **{setting_key(method, name): value for name, value in link.settings},
        **{baseline_setting_key(baseline, name): value for name, value in link.baseline_options},
    }


def restore_target(labels: tuple[str, ...], task: explain.TaskName = DEFAULT_TASK) -> list[str]:
    """Select the link's target (and a task's own values), once the model and its task are known.

    Args:
        labels: the model's labels.
        task: the task the page explains. Default: ``"sequence-classification"``

    Returns:
        Notices for the values that were unusable; the page then waits for Run.
    """
    link_task: LinkTask | None = st.session_state.pop("link_task", None)
    target = st.session_state.pop("link_target", None)
    contrast = st.session_state.pop("link_contrast", None)
    values = st.session_state.setdefault(LINK_VALUES, {})
    checked = read_link_task(link_task, target, task, labels)
    notices = list(checked.notices)
    if task == DEFAULT_TASK:
        chosen = read_link_labels(target, contrast, labels)
        notices += chosen.notices
        if chosen.target is not None:
            values["target"] = chosen.target
        if chosen.contrast is not None:
            values["contrast"] = chosen.contrast
    else:
        unused = [
            name
            for name, given in (
                ("contrast label", contrast is not None),
                ("second text", values.get("text_pair") is not None),
                ("windows", values.get("long") == "windows"),
            )
            if given
        ]
        if unused:
            notices.append(
                f"A {task} explanation takes its whole input as it is, with no label to compare "
                f"with, so the link's {' and '.join(unused)} "
                f"{'is' if len(unused) == 1 else 'are'} not used."
            )
        values.update(task_values(checked.task, checked.label))
    if notices:
        st.session_state["link_autorun"] = False
    return notices


def task_values(task: LinkTask | None, label: str | None) -> dict[str, object]:
    """A link's task values as the task inputs' first values, by widget key."""
    named: dict[str, object] = {"entity_label": label, "candidate": label}
    if task is not None:
        named.update(
            {
                "entity": task.entity,
                "token": task.token,
                "candidate_labels": None if task.candidates is None else ", ".join(task.candidates),
                "hypothesis_template": task.template,
                "multi_label": task.multi_label,
                "with_hypothesis": task.with_hypothesis,
                "question": task.question,
                "answer_end": task.explained,
            }
        )
    return {key: value for key, value in named.items() if value is not None}


def autorun_pending() -> bool:
    """True once, when a link with a sentence was opened: the page runs it."""
    return bool(st.session_state.pop("link_autorun", False))


def write_link(
    request: explain.AttributionRequest,
    labels: tuple[str, ...],
    task: explain.TaskName | None = None,
) -> None:
    """Record ``request`` in the page's URL; options left at their defaults stay out of it.

    ``task`` is written for a request without a task target on a checkpoint
    whose own task is another (an NLI model explained as a sequence classifier).
    """
    st.query_params.from_dict(link_params(request, labels, task))


def show_notices(notices: list[str]) -> None:
    for notice in notices:
        st.warning(notice)
