"""Method comparison: several methods side by side, and how far they agree."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import explain
from components import backend
from components.compare.parts import (
    agreement_panels,
    chart_grid,
    compared,
    explainer_box,
    task_of,
)
from explain.evaluation.agreement import RANKINGS
from explain.evaluation.comparison import default_methods


def render(loaded: explain.LoadedModel, request: explain.AttributionRequest) -> None:
    """The method comparison view: several methods on the request's text."""
    explainer_box(
        "methods",
        "There are many ways to score words. Gradient methods ask how sensitive the score is "
        "to each word; perturbation methods (occlusion, LIME, SHAP) remove words and watch "
        "the score; attention reads where the model looked. When methods agree, trust grows; "
        "when they disagree, at least one is not telling the whole story.\n\n"
        "- **Bars**: each method's scores, scaled so the strongest word is ±1.\n"
        "- **Rank correlation**: 1 means two methods order the words identically.\n"
        "- **Top-k overlap**: the share of the most important words that two methods share.",
    )
    offered = list(explain.methods_for(task_of(request)))
    if len(offered) < 2:
        st.info(
            f"Only {explain.METHODS[offered[0]].title} serves this task, so there is no other "
            "method to compare it with."
        )
        return
    chosen = st.multiselect(
        "Methods",
        offered,
        default=[name for name in default_methods(request.method) if name in offered],
        format_func=lambda name: explain.METHODS[name].title,
        key="compare_methods",
        help="The request's method uses your settings from the sidebar; the others use their "
        "defaults. Perturbation methods (LIME, Kernel SHAP) are the slowest.",
    )
    ranking = st.radio(
        "Rank words by",
        list(RANKINGS),
        horizontal=True,
        key="compare_ranking",
        help="Signed: most positive first. Absolute: largest effect either way first, which "
        "is fairer to methods that give sizes only (saliency, attention).",
    )
    if not chosen:
        st.info("Choose at least one method.")
        return
    with st.spinner(f"Explaining with {len(chosen)} methods ..."):
        results = {
            explain.METHODS[name].title: backend.attribute(compared(request, name))
            for name in chosen
        }
    chart_grid(results, "compare_chart", normalized=True)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "method": title,
                    "signed": result.signed,
                    "sum of scores": result.attribution_sum,
                    "delta": result.delta,
                    "seconds": result.seconds,
                }
                for title, result in results.items()
            ]
        ),
        hide_index=True,
        key="compare_table",
    )
    agreement_panels(results, ranking or "signed", "compare_agreement")
