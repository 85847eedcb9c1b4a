"""A clicked word's texts in the Dataset mode, highlighted from their stored scores.

Nothing is explained again: each text's highlighting is drawn from the result
its row stored. One click opens a text in One text with the job's settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import streamlit as st

import explain
from components import dataset_cache, permalink
from components.inputs import MODE_ONE
from components.markdown import literal
from components.session_state import LINK_VALUES
from components.sidebar import CUSTOM_CHECKPOINT
from components.task_inputs import TASK_WIDGETS
from explain.core.report_results import DatasetReport
from explain.core.task_results import input_segment
from explain.io.links import link_params, read_link
from explain.render.word_figures import word_highlight_html
from explain.scale.replay import replay_request
from explain.scale.rows import result_from_row
from explain.text.words import merge_words

MAX_TEXTS = 20  # texts listed for a word; the caption says how many there are in all
OPEN_ERROR = "dataset_open_error"  # why the last 'Open in One text' could not open


def texts_panel(directory: Path, word: str, label: str, report: DatasetReport) -> None:
    """The texts explained towards ``label`` that hold ``word``, highest score first."""
    failed = st.session_state.pop(OPEN_ERROR, None)
    if failed:
        st.error(failed)
    try:
        found = dataset_cache.word_texts(directory, word, label, MAX_TEXTS)
    except explain.TokenlightError as error:
        st.error(str(error))
        return
    shown = len(found.texts)
    st.markdown(f"**Texts holding '{literal(word)}', explained towards '{literal(label)}'**")
    st.caption(
        f"{found.total} text(s) hold it"
        + (f"; the {shown} where it scores highest" if found.total > shown else "")
        + ", highest score of the word first. Highlighted from the stored scores, word by word."
    )
    manifest = {
        "checkpoint": report.checkpoint,
        "method": report.method,
        "options": report.options,
        "task_target": report.task_target,
    }
    for number, item in enumerate(found.texts):
        result = result_from_row(item.result_json)
        words = merge_words(result, "sum")
        segment = input_segment(result.task)  # a QA row's text is its context, the second
        st.html(word_highlight_html(words, item.text, segment=segment, legend=number == 0))
        st.caption(
            f"Row {literal(item.row_id)}: '{literal(word)}' scores {item.score:+.4g}"
            + (f" over {item.occurrences} occurrences" if item.occurrences > 1 else "")
            + f"; predicted {literal(result.predicted_label)}."
        )
        st.button(
            "Open in One text",
            key=f"dataset_open_{number}",
            on_click=open_in_one_text,
            args=(item.text, manifest, result.labels),
            help="Explain this text in the One text view, with the checkpoint, method and "
            "settings the results were computed with.",
        )


def open_in_one_text(text: str, manifest: Mapping[str, object], labels: tuple[str, ...]) -> None:
    """Callback: switch to One text with ``text`` and the job's settings, and run it."""
    try:
        request = replay_request(manifest, text)
    except explain.TokenlightError as error:
        st.session_state[OPEN_ERROR] = str(error)
        return
    link = read_link(link_params(request, labels))
    values = permalink.widget_values(link)
    names = explain.checkpoint_names()
    values["checkpoint_choice"] = (
        request.checkpoint if request.checkpoint in names else CUSTOM_CHECKPOINT
    )
    if request.checkpoint not in names:
        st.session_state["checkpoint_custom"] = request.checkpoint
    for key in values:  # each widget takes its first value from the link's values again
        if key != "checkpoint_choice":
            st.session_state.pop(key, None)
    st.session_state["checkpoint_choice"] = values["checkpoint_choice"]
    st.session_state.pop("target", None)
    st.session_state.pop("contrast", None)
    st.session_state[LINK_VALUES] = values
    if link.target is not None:
        st.session_state["link_target"] = link.target
    if link.contrast is not None:
        st.session_state["link_contrast"] = link.contrast
    if link.task is not None:  # a task's own inputs take the job's target, as a link sets them
        st.session_state["link_task"] = link.task
        for key in TASK_WIDGETS:
            st.session_state.pop(key, None)
    st.session_state["link_autorun"] = True
    # Set through session state, so the browser's radio shows the switch too.
    st.session_state["mode"] = MODE_ONE
