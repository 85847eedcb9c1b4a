"""Baseline sensitivity: one method's explanation against several baselines."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import explain
from components import backend
from components.compare.parts import agreement_panels, chart_grid, compared, explainer_box
from components.markdown import literal
from explain.evaluation.comparison import baseline_method, default_baselines


def render(loaded: explain.LoadedModel, request: explain.AttributionRequest) -> None:
    """The baseline sensitivity view: the request's method against several baselines."""
    explainer_box(
        "baselines",
        "An attribution answers *compared with what?* The *baseline* is the blank sentence "
        "the text is compared with: padding, [MASK] tokens, or all-zero vectors. Different "
        "blanks can give different word scores, and a robust explanation should not depend "
        "much on this arbitrary choice.\n\n"
        "- **Table**: the model's score for each blank, and how much the text changes it.\n"
        "- **Bars**: the word scores measured against each blank.\n"
        "- **Heatmap**: how similarly the blanks rank the words (1: same order, 0: unrelated, "
        "-1: reversed).",
    )
    method = baseline_method(request.method)
    if method != request.method:
        st.caption(
            f"{literal(explain.METHODS[request.method].title)} uses no baseline, so this view "
            f"uses {literal(explain.METHODS[method].title)} with its default settings."
        )
    chosen = st.multiselect(
        "Baselines",
        list(explain.BASELINES),
        default=list(default_baselines()),
        format_func=lambda name: f"{name}: {explain.BASELINES[name].description.split(':')[0]}",
        key="baselines_chosen",
        help="The blanks to compare. Each one's explanation is computed once and cached.",
    )
    if not chosen:
        st.info("Choose at least one baseline.")
        return
    with st.spinner(f"Explaining against {len(chosen)} baselines ..."):
        results = {name: backend.attribute(compared(request, method, name)) for name in chosen}
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "baseline": name,
                    "F(baseline)": result.f_baseline,
                    "F(input)": result.f_input,
                    "F(input) - F(baseline)": result.output_change,
                    "sum of scores": result.attribution_sum,
                    "delta": result.delta,
                }
                for name, result in results.items()
            ]
        ),
        hide_index=True,
        key="baselines_table",
    )
    chart_grid(results, "baselines_chart", normalized=False)
    agreement_panels(results, "signed", "baselines_agreement")
