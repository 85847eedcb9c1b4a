"""A multi-label head's predicted labels, each explained, side by side."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

import explain
from components import backend
from components.markdown import literal

PER_ROW = 3  # labels side by side before a new row starts
TOP_OFFERED = 2  # labels offered when none reaches the threshold


def label_panels(
    result: explain.Attribution, request: explain.AttributionRequest, threshold: float
) -> None:
    """For a multi-label result: the attributions of every predicted label, side by side.

    Each label is explained alone (no contrast) with the request's method and
    settings; the labels come from the result on screen and ``threshold``.
    When no label reaches the threshold, the most probable ones are offered.

    Args:
        result: the result on screen.
        request: the request that produced it.
        threshold: the sidebar's multi-label threshold.
    """
    if result.head != "multi_label" or result.task == "question-answering":
        return  # an answer's start and end are charted with the attributions
    zero_shot = isinstance(request.task_target, explain.ZeroShotTarget)
    st.subheader("Every likely candidate" if zero_shot else "Every predicted label")
    chosen = [result.labels.index(label) for label in result.predicted_labels_at(threshold)]
    if not chosen:
        ranked = sorted(range(len(result.labels)), key=lambda i: -result.probabilities[i])
        top = ranked[:TOP_OFFERED]
        names = ", ".join(
            f"'{literal(result.labels[i])}' ({result.probabilities[i]:.0%})" for i in top
        )
        noun = "candidate" if zero_shot else "label"
        st.info(
            f"No {noun} reaches the threshold {threshold:.2f}, so the model predicts no {noun} "
            f"for this text. The most probable are {names}: lower the threshold in the sidebar, "
            "or tick below to explain them anyway."
        )
        if not st.checkbox(
            f"Explain the most probable {noun}s",
            key="labels_top",
            help=f"Explain the {noun}s with the highest probabilities, though none is predicted.",
        ):
            return
        chosen = top
    st.caption(
        "In multi-label mode each candidate is scored on its own (entailment against "
        "contradiction), so each has its own explanation: the same method and settings, one "
        "candidate at a time. Green tokens raised that candidate's output, red tokens lowered it."
        if zero_shot
        else "Each label is a sigmoid of its own, so each has its own explanation: the same "
        "method and settings, one label at a time, with no label to compare with. Green tokens "
        "raised that label's output, red tokens lowered it."
    )
    bar = st.progress(0.0, text="Explaining each label ...")
    results: list[explain.Attribution] = []
    try:
        for done, index in enumerate(chosen, start=1):
            results.append(backend.attribute(one_label(request, result.labels[index], index)))
            bar.progress(done / len(chosen), text=f"Explained {done} of {len(chosen)} labels ...")
    except explain.TokenlightError as error:
        bar.empty()
        st.error(str(error))
        return
    bar.empty()
    st.plotly_chart(
        explain.label_token_heatmap(results), key="label_heatmap", config={"displaylogo": False}
    )
    for first in range(0, len(results), PER_ROW):
        row = results[first : first + PER_ROW]
        for column, shown in zip(st.columns(PER_ROW), row, strict=False):
            with column, st.container(border=True, key=f"label_panel_{shown.target_index}"):
                st.markdown(f"**{literal(shown.target_label)}** · {shown.target_probability:.0%}")
                words = explain.merge_words(shown)
                st.html(explain.word_highlight_html(words, shown.text, legend=False))
                change = shown.output_change
                st.caption(
                    f"Sum of scores {shown.attribution_sum:+.3f}"
                    + (f"; F(input) − F(baseline) {change:+.3f}" if change is not None else "")
                )


def one_label(
    request: explain.AttributionRequest, name: str, index: int
) -> explain.AttributionRequest:
    """``request`` for one label alone: by index, or, for zero-shot, as the candidate ``name``."""
    target = request.task_target
    if isinstance(target, explain.ZeroShotTarget):
        return replace(request, task_target=replace(target, label=name))
    return replace(request, target=index, contrast=None)
