"""Render an attribution: prediction, token or word highlighting, bar chart, completeness."""

from __future__ import annotations

import streamlit as st

import explain
from components import task_view, word_view
from components.markdown import literal
from explain.evaluation.completeness import completeness

TOKEN_VIEW = "Token view"
WORD_VIEW = "Word view"
OUTPUT_NAMES = {"label_probability": "sigmoid probability"}  # as the page words an output kind


def prediction_panel(
    result: explain.Attribution, threshold: float = explain.MULTI_LABEL_THRESHOLD
) -> None:
    """The prediction as the head defines it: a label, a set of labels, or a score."""
    st.subheader("Prediction")
    left, right = st.columns([1, 2])
    if result.head == "regression":
        left.metric(
            "Predicted score",
            f"{result.probabilities[0]:.4g}",
            help="A regression head predicts one score, explained below as it is: no softmax.",
        )
    elif result.head == "multi_label":
        chosen = result.predicted_labels_at(threshold)
        with left:
            st.markdown(
                f"**Predicted labels** (sigmoid at or above {threshold:.2f})",
                help="A multi-label head: every label has its own sigmoid probability, and the "
                "prediction is every label at or above the threshold in the sidebar.",
            )
            st.markdown(
                " ".join(
                    f":blue-badge[{literal(label)} · "
                    f"{result.probabilities[result.labels.index(label)]:.0%}]"
                    for label in chosen
                )
                if chosen
                else "None: no label reaches the threshold."
            )
    else:
        left.metric(
            "Predicted label",
            result.predicted_label,
            f"{result.probabilities[result.predicted_index]:.1%} probability",
            delta_color="off",
            delta_arrow="off",
            help="The label with the highest softmax probability.",
        )
    right.plotly_chart(
        explain.probability_chart(result, threshold),
        key="probability_chart",
        config={"displaylogo": False},
    )


WINDOWS_HELP = """
The model reads at most a window of tokens at once, so a longer text is cut into
**overlapping windows** of the model's length, each with its own [CLS] and [SEP], and the
stride (in text tokens) from one window's start to the next. The windows run through the
model in batched passes.

- **The text's output** is defined as the **mean of the windows' outputs**: F(input) above is
  the mean of the windows' F(input), and F(baseline) the mean of their F(baseline).
- **Each token's score** is the **mean of its scores over all the windows**, counting zero in
  the windows that do not hold it. A token in two windows gets the sum of its two scores,
  divided by the number of windows. [CLS] and [SEP] collect their windows' scores the same way.
- **Why completeness still holds:** integrated gradients is linear in the explained function.
  The attribution of a mean of functions is the mean of their attributions, and each window's
  scores add up to its own F(input) - F(baseline). So the text's scores add up to the mean of
  those changes, which is the text's F(input) - F(baseline); the convergence delta below is
  the mean of the windows' deltas.
- **Every token is scored**; none is dropped. A token near a window's edge sees less context
  in that window than in the next, which is one reason windows overlap.
"""


def truncation_notice(result: explain.Attribution) -> None:
    """What became of a text longer than the model's window: cut off, or explained in windows."""
    if result.settings.long == "windows":
        stride = result.settings.stride
        if result.windows == 1:
            st.caption(
                f"The text fits in one window of {result.max_length} tokens, so it was "
                "explained whole, as without windows."
            )
            return
        st.info(
            f"The text is longer than this model's window, so it was explained in "
            f"**{result.windows} windows of {result.max_length} tokens, stride {stride}**: "
            f"all {len(result.tokens)} tokens are scored, and the output is the mean of the "
            "windows' outputs."
        )
        with st.expander("What am I looking at?", key="windows_help"):
            st.markdown(WINDOWS_HELP)
        return
    if result.tokens_dropped:
        windowed = explain.get_method(result.settings.method).capabilities.windows
        st.warning(
            f"The text is longer than this model's limit of {result.max_length} tokens: the last "
            f"{result.tokens_dropped} tokens were cut off and are not explained."
            + (
                " Choose **Windows** under **Long texts** in the sidebar to explain all of it."
                if windowed
                else ""
            )
        )


def contrast_label(result: explain.Attribution) -> str | None:
    """The name of the label the target was compared with; None without a contrast."""
    contrast = result.settings.contrast
    if contrast is None:
        return None
    return result.labels[contrast] if isinstance(contrast, int) else str(contrast)


def output_label(result: explain.Attribution) -> str:
    """What the result explains, for Markdown: "logit" or "logit difference 'A' − 'B'"."""
    contrast = contrast_label(result)
    if contrast is None:
        return OUTPUT_NAMES.get(result.settings.output, result.settings.output.replace("_", "-"))
    return f"logit difference '{literal(result.target_label)}' − '{literal(contrast)}'"


def granularity_switch() -> str:
    """Show scores per token (Captum's view) or per word of the original text."""
    return st.segmented_control(
        "Scores per",
        [TOKEN_VIEW, WORD_VIEW],
        default=TOKEN_VIEW,
        required=True,
        key="granularity",
        help="Token view: one score per WordPiece token, as the model reads the text. Word "
        "view: tokens merged into the words you typed ('self', '-', 'driving' become "
        "'self-driving'), shown on your own text.",
    )


def attribution_panels(
    result: explain.Attribution, request: explain.AttributionRequest | None = None
) -> None:
    """Why the result: the tokens highlighted and charted, per token or per word.

    Args:
        result: the result on screen.
        request: the request that produced it; a question-answering result
            needs it to chart the answer's other end. Default: None
    """
    label = literal(result.target_label)
    contrast = contrast_label(result)
    if result.task_info is not None:
        title, explained = task_view.heading(result, output_label(result))
        st.subheader(title)
    elif result.head == "regression":
        st.subheader(f"Why a score of {result.probabilities[0]:.4g}?")
        explained = "the score"
    elif contrast is None:
        st.subheader(f"Why '{label}'?")
        explained = f"the {output_label(result)} of '{label}'"
    else:
        st.subheader(f"Why '{label}' rather than '{literal(contrast)}'?")
        explained = f"the {output_label(result)}"
    if not result.signed:
        st.caption(
            f"Darker tokens mattered more to {explained}. These scores are "
            "unsigned: they say how much a token mattered, not whether it raised or lowered "
            "the score."
        )
    elif result.settings.baseline is None:
        st.caption(f"Green tokens raised {explained}, red tokens lowered it.")
    else:
        st.caption(
            f"Green tokens raised {explained}, red tokens lowered it, measured "
            f"against the '{result.settings.baseline}' baseline."
        )
    if granularity_switch() == WORD_VIEW:
        word_view.word_panels(result)
        return
    if result.task_info is not None and request is not None:
        task_view.token_panels(result, request)
        return
    highlight, chart = st.columns(2)
    with highlight:
        st.markdown("**Captum token highlighting**")
        st.html(explain.highlight_html(result))
        if result.text_pair is not None:
            st.caption(
                "A sentence pair: tokens before the first [SEP] are the first text, tokens "
                "after it the second."
            )
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
    unit = "gradients" if settings.integration == "gauss-kronrod adaptive" else "steps"
    steps = f"{settings.n_steps} {unit}" + (" (auto)" if settings.auto_steps else "")
    footer = ", ".join(
        [
            *([steps] if settings.n_steps else []),
            *(f"{name.replace('_', ' ')} {value}" for name, value in settings.options),
            *(f"{name.replace('_', ' ')} {value}" for name, value in settings.baseline_options),
            settings.device,
            f"computed in {result.seconds:.2f} s.",
        ]
    )
    verdict = completeness(result)
    if verdict.level == "not_defined":
        st.info(verdict.message)
        st.caption(footer)
        return
    output = output_label(result)
    shown = result.baseline_tokens[:12]
    baseline_preview = " ".join(shown) + (
        " ..." if len(result.baseline_tokens) > len(shown) else ""
    )
    relative = verdict.relative_delta
    cols = st.columns(4)
    cols[0].metric("F(input)", f"{result.f_input:.4f}", help=f"The target's {output} for the text.")
    cols[1].metric(
        "F(baseline)",
        f"{result.f_baseline:.4f}",
        help=f"The target's {output} for the baseline: {literal(baseline_preview)}"
        + (" (the mean over the sampled baselines)" if result.sample_deltas else ""),
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
    defined = task_view.output_definition(result)
    if defined is not None:
        st.caption(defined)
    contrast = contrast_label(result)
    if contrast is not None:
        first, second = literal(result.target_label), literal(contrast)
        st.caption(
            f"F is logit['{first}'] − logit['{second}'], the log of p['{first}'] / "
            f"p['{second}']: how much more the model favours '{first}' than '{second}'."
        )
    auto_steps_notice(result)
    error_estimate_notice(result)
    sample_deltas_notice(result)
    if verdict.level == "no_change":
        st.info(verdict.message)
        if verdict.method_warning is not None:
            st.warning(verdict.method_warning)
    elif verdict.level in ("warning", "large_delta"):
        st.warning(verdict.message)
    st.caption(footer)


def error_estimate_notice(result: explain.Attribution) -> None:
    """With integration to an error tolerance: the largest estimated error of any score."""
    if not result.score_errors or result.error_estimate is None:
        return
    largest = max(result.score_errors)
    st.caption(
        f"Integrated to an error tolerance with {result.settings.n_steps} gradients: the "
        f"largest estimated error of a token's score is {largest:.1e} (the error bars on the "
        f"chart), {result.error_estimate:.1e} with the scores scaled to unit length."
    )


def auto_steps_notice(result: explain.Attribution) -> None:
    """With auto steps: how many steps were used, and whether the delta met the tolerance."""
    settings = result.settings
    if not settings.auto_steps:
        return
    tolerance = f"{settings.tolerance:.2%}" if settings.tolerance is not None else "the tolerance"
    verdict = (
        f"converged: |delta| is within {tolerance} of |F(input) - F(baseline)|"
        if result.converged
        else f"did not converge: |delta| is above {tolerance} of |F(input) - F(baseline)|"
    )
    st.caption(f"Auto steps: **{settings.n_steps} steps used**, {verdict}.")


def sample_deltas_notice(result: explain.Attribution) -> None:
    """With expected gradients: each sampled baseline's own delta."""
    if not result.sample_deltas:
        return
    deltas = ", ".join(
        f"#{number} {delta:+.2e}" for number, delta in enumerate(result.sample_deltas, start=1)
    )
    st.caption(
        f"Expected gradients averaged {len(result.sample_deltas)} random baselines. Each "
        f"one's own delta: {deltas}. The convergence delta above is their mean; how far the "
        "average is from the expectation over all random baselines is sampling error, which "
        "no delta shows: compare seeds to see it."
    )
