"""The sanity check: explain again as the model is scrambled from the top down."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import explain
from components import backend
from components.compare.parts import CHART, explainer_box, requested
from explain.evaluation.comparison import comparison_request
from explain.evaluation.sanity import verdict
from explain.render.evaluation_figures import sanity_curve


def render(loaded: explain.LoadedModel, request: explain.AttributionRequest) -> None:
    """The sanity check view: the request explained on ever more scrambled copies."""
    explainer_box(
        "sanity",
        "An explanation should explain *this trained model*, not just the sentence. The check "
        "scrambles the model's learned weights step by step, from the classifier down to the "
        "first layer, and explains the same sentence again each time.\n\n"
        "**Passing** looks like the correlation with the trained model's explanation falling "
        "towards 0 as more of the model is scrambled. An explanation that barely changes when "
        "the model is destroyed is describing the input or the architecture, not what the "
        "model learned (Adebayo et al., 2018).",
    )
    method = explain.METHODS[request.method]
    include_embeddings = st.checkbox(
        "Also scramble the embeddings",
        value=False,
        key="sanity_embeddings",
        help="Add a last step that re-initialises the word, position and token-type "
        "embeddings too.",
    )
    params = (request, include_embeddings)
    pressed = st.button(
        f"Run the sanity check for {method.title}",
        key="sanity_run",
        help="Explains the text once per layer of the model, plus the classifier (and the "
        "embeddings), on a scrambled copy; the shared model is not touched.",
    )
    if not requested(pressed, "teach_sanity_for", params):
        st.caption("Press the button to run the check with the request's method and settings.")
        return
    with st.spinner("Scrambling the model layer by layer and explaining again ..."):
        check = backend.sanity(comparison_request(request), include_embeddings)
    st.plotly_chart(sanity_curve(check), key="sanity_curve", config=CHART)
    st.dataframe(
        pd.DataFrame(
            {
                "re-initialised up to": list(check.steps),
                "Spearman (signed)": list(check.correlations),
                "Spearman (absolute)": list(check.absolute_correlations),
            }
        ),
        hide_index=True,
        key="sanity_table",
    )
    last = check.correlations[-1]
    if verdict(check) == "passes":
        st.success(
            f"Passes: with the model scrambled, the explanation's correlation with the trained "
            f"one is {last:+.2f}, so it depends on what the model learned."
        )
    else:
        st.warning(
            f"Suspicious: with the model scrambled, the correlation with the trained explanation "
            f"is still {last:+.2f}. This explanation may describe the input more than the model."
        )
