"""Render an attribution: prediction, Captum highlighting, bar chart, completeness."""

from __future__ import annotations

import streamlit as st

import explain
from components.markdown import literal

LARGE_DELTA = 0.05  # relative |delta| above which the page warns


def prediction_panel(result: explain.Attribution) -> None:
    st.subheader("Prediction")
    left, right = st.columns([1, 2])
    left.metric(
        "Predicted label",
        result.predicted_label,
        f"{result.probabilities[result.predicted_index]:.1%} probability",
        delta_color="off",
        delta_arrow="off",
        help="The label with the highest softmax probability.",
    )
    right.plotly_chart(
        explain.probability_chart(result), key="probability_chart", config={"displaylogo": False}
    )


def truncation_notice(result: explain.Attribution) -> None:
    if result.tokens_dropped:
        st.warning(
            f"The text is longer than this model's limit of {result.max_length} tokens: the last "
            f"{result.tokens_dropped} tokens were cut off and are not explained."
        )


def attribution_panels(result: explain.Attribution) -> None:
    label = literal(result.target_label)
    output = result.settings.output.replace("_", "-")
    st.subheader(f"Why '{label}'?")
    if not result.signed:
        st.caption(
            f"Darker tokens mattered more to the {output} of '{label}'. These scores are "
            "unsigned: they say how much a token mattered, not whether it raised or lowered "
            "the score."
        )
    elif result.settings.baseline is None:
        st.caption(f"Green tokens raised the {output} of '{label}', red tokens lowered it.")
    else:
        st.caption(
            f"Green tokens raised the {output} of '{label}', red tokens lowered it, measured "
            f"against the '{result.settings.baseline}' baseline."
        )
    highlight, chart = st.columns(2)
    with highlight:
        st.markdown("**Captum token highlighting**")
        st.html(explain.highlight_html(result))
        st.caption(
            "True: the gold label, unknown for typed text. Explained label: the target. "
            "Sum: the raw scores added up"
            + (", which should equal F(input) - F(baseline)." if result.delta is not None else ".")
        )
    with chart:
        st.plotly_chart(
            explain.token_bar_chart(result), key="token_chart", config={"displaylogo": False}
        )


def completeness_panel(result: explain.Attribution) -> None:
    st.subheader("Completeness check")
    settings = result.settings
    footer = ", ".join(
        [
            *([f"{settings.n_steps} steps"] if settings.n_steps else []),
            *(f"{name.replace('_', ' ')} {value}" for name, value in settings.options),
            settings.device,
            f"computed in {result.seconds:.2f} s.",
        ]
    )
    if result.delta is None or result.f_baseline is None:
        st.info(
            f"{explain.get_method(settings.method).title} does not promise that its scores add "
            "up to a change in the output, so there is no convergence delta to check. Compare "
            "it with Layer Integrated Gradients, whose scores do add up."
        )
        st.caption(footer)
        return
    output = settings.output.replace("_", "-")
    shown = result.baseline_tokens[:12]
    baseline_preview = " ".join(shown) + (
        " ..." if len(result.baseline_tokens) > len(shown) else ""
    )
    relative = result.relative_delta
    cols = st.columns(4)
    cols[0].metric("F(input)", f"{result.f_input:.4f}", help=f"The target's {output} for the text.")
    cols[1].metric(
        "F(baseline)",
        f"{result.f_baseline:.4f}",
        help=f"The target's {output} for the baseline: {literal(baseline_preview)}",
    )
    cols[2].metric(
        "Sum of attributions",
        f"{result.attribution_sum:.4f}",
        help="The method promises this equals F(input) - F(baseline).",
    )
    cols[3].metric(
        "Convergence delta",
        f"{result.delta:+.2e}",
        f"{relative:.2%} of the change" if relative is not None and relative < 1e6 else None,
        delta_color="off",
        delta_arrow="off",
        help="Sum of attributions minus (F(input) - F(baseline)). Near zero means the "
        "scores add up as promised. It does not say the baseline was a good choice.",
    )
    if relative == float("inf"):
        st.info(
            "The input and the baseline get the same score, so there is nothing to attribute: "
            "every score is (close to) zero. Try another baseline or target."
        )
    elif relative is not None and relative > LARGE_DELTA:
        st.warning(
            f"The delta is {relative:.1%} of F(input) - F(baseline): the scores do not add "
            "up well. For integrated gradients, raise the steps; for DeepLift, the rules do "
            "not cover every layer of a transformer, so some gap is expected. Or the input "
            "and baseline score almost the same, so there is little to explain."
        )
    st.caption(footer)
