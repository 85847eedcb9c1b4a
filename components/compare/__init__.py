"""The "Compare & teach" section under the main result: one view at a time.

Each view explains one idea behind attribution (the integration path, the
baseline, how methods agree, whether an explanation is faithful, whether it
depends on the model at all, how credit moves through the layers, where the
model attends), and lives in a module of its own. Nothing is computed until a
view is chosen; the slow parts wait for a button. Results are cached per
checkpoint and request (see :mod:`components.backend`).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

import explain
from components import demo_mode
from components.compare import (
    attention_view,
    baselines_view,
    checkpoints_view,
    counterfactuals_view,
    faithfulness_view,
    layers_view,
    methods_view,
    path_view,
    sanity_view,
)
from explain.core.task_targets import target_task
from explain.evaluation.comparison import left_out
from explain.render.task_figures import task_words

VIEWS: dict[str, str] = {
    "path": "Integration path",
    "baselines": "Baseline sensitivity",
    "methods": "Method comparison",
    "faithfulness": "Faithfulness",
    "sanity": "Sanity check",
    "layers": "Layers",
    "attention": "Attention",
    "counterfactuals": "Counterfactuals",
    "checkpoints": "Two checkpoints",
}
TASK_VIEWS = ("methods", "baselines")  # the views that explain a task's result too
VIEW_RENDERERS: dict[str, Callable[[explain.LoadedModel, explain.AttributionRequest], None]] = {
    "path": path_view.render,
    "baselines": baselines_view.render,
    "methods": methods_view.render,
    "faithfulness": faithfulness_view.render,
    "sanity": sanity_view.render,
    "layers": layers_view.render,
    "attention": attention_view.render,
    "counterfactuals": counterfactuals_view.render,
    "checkpoints": checkpoints_view.render,
}


def render(spec: str, loaded: explain.LoadedModel, request: explain.AttributionRequest) -> None:
    """The "Compare & teach" section for the request on screen.

    Args:
        spec: the checkpoint as picked (name, directory or hub id).
        loaded: that checkpoint, loaded.
        request: the request whose result the page shows.
    """
    st.divider()
    st.subheader("Compare & teach")
    st.caption(
        "Look under the hood of the explanation above: one view at a time, computed only "
        "when you choose it."
    )
    view = st.segmented_control(
        "View",
        list(VIEWS),
        format_func=lambda view: VIEWS[view],
        key="teach_view",
        help="Each view explains one idea behind attribution and has a 'What am I looking "
        "at?' note. Slow views wait for a button.",
    )
    if view is None:
        return
    if request.checkpoint != spec:
        st.info(
            "The checkpoint in the sidebar changed since the result above was computed. "
            "Press **Run** to explain with it; these views follow the result on screen."
        )
        return
    task = request.task_target
    if task is not None and view not in TASK_VIEWS:
        st.info(
            f"{VIEWS[view]} explains sequence classifiers only in this version, so it does not "
            f"apply to {task_words(target_task(task))}. "
            + ", ".join(VIEWS[name] for name in TASK_VIEWS)
            + " do."
        )
        return
    ignored = left_out(request)
    if ignored:
        st.caption(
            f"These views leave out {', '.join(ignored)}: they explain the first text's target "
            "label with each baseline's default options and fixed steps."
        )
    try:
        with demo_mode.one_at_a_time():
            VIEW_RENDERERS[view](loaded, request)
    except explain.TokenlightError as error:
        st.error(str(error))
