"""Layers: the conductance of every encoder layer, as a layer by token heatmap."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import explain
from components import backend
from components.compare.parts import CHART, explainer_box
from components.markdown import literal
from explain.render.conductance_figures import conductance_heatmap
from explain.views.conductance import N_STEPS as CONDUCTANCE_STEPS


def render(loaded: explain.LoadedModel, request: explain.AttributionRequest) -> None:
    """The layers view: every layer's conductance for the request's text."""
    explainer_box(
        "layers",
        "A transformer passes every word through a stack of layers. *Layer conductance* "
        "measures how much of the change from the baseline to your text flows through each "
        "word's position in each layer. Rows are layers (the embeddings at the bottom), "
        "columns are words; green raised the score, red lowered it. Watch the credit move: "
        "in the top layers it often gathers on [CLS], which the classifier reads. Each row "
        "adds up to the same total, F(input) - F(baseline).",
    )
    n_steps = st.number_input(
        CONDUCTANCE_STEPS.label,
        min_value=CONDUCTANCE_STEPS.minimum,
        max_value=CONDUCTANCE_STEPS.maximum,
        value=CONDUCTANCE_STEPS.default,
        step=CONDUCTANCE_STEPS.step,
        key="layers_steps",
        help=CONDUCTANCE_STEPS.help,
    )
    with st.spinner("Measuring every layer's conductance ..."):
        result = backend.conductance(request, int(n_steps))
    st.plotly_chart(conductance_heatmap(result), key="layers_heatmap", config=CHART)
    st.dataframe(
        pd.DataFrame(
            {
                "layer": list(result.layer_names),
                "total conductance": list(result.layer_sums),
                "delta": list(result.deltas),
            }
        ),
        hide_index=True,
        key="layers_table",
    )
    st.caption(
        f"Against the '{literal(result.baseline)}' baseline; F(input) - F(baseline) = "
        f"{result.output_change:+.4f}. Computed in {result.seconds:.2f} s."
    )
