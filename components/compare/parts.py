"""Pieces every "Compare & teach" view shares: its note, its button memory, its charts."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace

import streamlit as st

import explain
from components.markdown import literal
from explain.core.task_results import DEFAULT_TASK
from explain.core.task_targets import target_task
from explain.evaluation.agreement import Ranking, agreement_matrix
from explain.evaluation.comparison import comparison_request
from explain.render.evaluation_figures import agreement_heatmap

CHART = {"displaylogo": False}


def requested(pressed: bool, state_key: str, params: Hashable) -> bool:
    """Whether the result for ``params`` should show: its button was pressed for these params.

    A press remembers ``params``, so the result stays on screen through
    reruns until a setting changes; then the button must be pressed again.
    """
    if pressed:
        st.session_state[state_key] = params
    return st.session_state.get(state_key) == params


def explainer_box(view: str, body: str) -> None:
    """The view's "What am I looking at?" expander, in plain language."""
    with st.expander("What am I looking at?", key=f"{view}_help"):
        st.markdown(body)


def compared(
    request: explain.AttributionRequest, method: str | None = None, baseline: str | None = None
) -> explain.AttributionRequest:
    """:func:`~explain.evaluation.comparison.comparison_request`, with the request's task target.

    A task's comparison explains the same span, candidate or answer end.
    """
    return replace(comparison_request(request, method, baseline), task_target=request.task_target)


def task_of(request: explain.AttributionRequest) -> explain.TaskName:
    """The task a request explains."""
    target = request.task_target
    return DEFAULT_TASK if target is None else target_task(target)


def output_name(request: explain.AttributionRequest) -> str:
    return request.output.replace("_", "-")


def target_name(request: explain.AttributionRequest, loaded: explain.LoadedModel) -> str:
    """The explained label, for captions; "the predicted label" when none was picked."""
    if request.target is None:
        return "the predicted label"
    name = request.target if isinstance(request.target, str) else loaded.labels[request.target]
    return f"'{literal(name)}'"


def agreement_panels(results: dict[str, explain.Attribution], ranking: Ranking, key: str) -> None:
    """Spearman and top-k overlap heatmaps of named attributions, side by side."""
    if len(results) < 2:
        st.info("Choose at least two to see how far they agree.")
        return
    left, right = st.columns(2)
    left.plotly_chart(
        agreement_heatmap(agreement_matrix(results, "spearman", ranking)),
        key=f"{key}_spearman",
        config=CHART,
    )
    right.plotly_chart(
        agreement_heatmap(agreement_matrix(results, "top_k", ranking)),
        key=f"{key}_top_k",
        config=CHART,
    )


def chart_grid(
    results: dict[str, explain.Attribution], key: str, normalized: bool, per_row: int = 2
) -> None:
    """One token bar chart per named attribution, ``per_row`` to a row."""
    names = list(results)
    for first in range(0, len(names), per_row):
        for column, name in zip(st.columns(per_row), names[first : first + per_row], strict=False):
            with column:
                st.markdown(f"**{literal(name)}**")
                st.plotly_chart(
                    explain.token_bar_chart(results[name], normalized=normalized),
                    key=f"{key}_{name}",
                    config=CHART,
                )
