"""Faithfulness: delete or keep the top words and watch the prediction."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import explain
from components import backend
from components.compare.parts import CHART, explainer_box
from explain.evaluation.comparison import comparison_request, default_methods
from explain.evaluation.faithfulness import DEFAULT_PERCENTS, Faithfulness, rank_methods
from explain.render.evaluation_figures import aopc_curves, faithfulness_bars


def render(loaded: explain.LoadedModel, request: explain.AttributionRequest) -> None:
    """The faithfulness view: chosen methods judged by deleting and keeping words."""
    percents = "/".join(str(k) for k in DEFAULT_PERCENTS)
    explainer_box(
        "faithfulness",
        "Does the explanation point at the words the model really relies on? Delete the words "
        "it ranks highest and the prediction should collapse; keep only those words and the "
        "prediction should survive.\n\n"
        f"- **Comprehensiveness** ({percents} % of words deleted): how far the probability "
        "falls. Higher is better.\n"
        f"- **Sufficiency** ({percents} % kept): how far it falls with only the top words. "
        "Lower is better.\n"
        "- **Curves**: the probability as more top words are deleted (left, should fall fast) "
        "or kept (right, should rise fast).\n"
        "- **Ranking**: methods ordered by mean comprehensiveness minus mean sufficiency.",
    )
    chosen = st.multiselect(
        "Methods to judge",
        list(explain.METHODS),
        default=list(default_methods(request.method)),
        format_func=lambda name: explain.METHODS[name].title,
        key="faith_methods",
        help="Each method's explanation is judged by deleting words, two model passes per word.",
    )
    if not chosen:
        st.info("Choose at least one method.")
        return
    results: dict[str, Faithfulness] = {}
    with st.spinner(f"Deleting and keeping words for {len(chosen)} methods ..."):
        for name in chosen:
            results[explain.METHODS[name].title] = backend.faithfulness(
                comparison_request(request, name)
            )
    st.plotly_chart(faithfulness_bars(results), key="faith_bars", config=CHART)
    st.plotly_chart(aopc_curves(results), key="faith_curves", config=CHART)
    st.markdown("**Ranking, most faithful first**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "rank": rank,
                    "method": title,
                    "score": result.score,
                    **{
                        f"comprehensiveness {k}%": value
                        for k, value in zip(result.percents, result.comprehensiveness, strict=True)
                    },
                    **{
                        f"sufficiency {k}%": value
                        for k, value in zip(result.percents, result.sufficiency, strict=True)
                    },
                    "deletion AOPC": result.deletion_aopc,
                    "insertion AOPC": result.insertion_aopc,
                }
                for rank, (title, result) in enumerate(rank_methods(results), start=1)
            ]
        ),
        hide_index=True,
        key="faith_table",
    )
