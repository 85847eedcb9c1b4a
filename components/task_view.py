"""A task's result on the page: its prediction, what was explained, and its token panels.

A token classifier's prediction is its entities on the text, the explained
one outlined, beside its entity groups' probabilities over the span; a
zero-shot run's is its candidates' probabilities, as Hugging Face's pipeline
gives them; a question-answering run's is the answer marked in the context.
The token panels outline the explained span (or the answer) and, for an
answer, chart both its start and its end, on the question's tokens and the
context's.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

import explain
from components import backend
from components.markdown import literal
from explain.core.task_results import (
    AnswerEnd,
    QuestionAnsweringInfo,
    TokenClassificationInfo,
    ZeroShotInfo,
)
from explain.render.task_figures import (
    answer_html,
    entities_html,
    task_highlight_html,
    task_token_chart,
)

CHART = {"displaylogo": False}
END_NAMES = {"start": "Answer start", "end": "Answer end"}


def prediction_panel(
    result: explain.Attribution, threshold: float = explain.MULTI_LABEL_THRESHOLD
) -> None:
    """The task's prediction: entities, candidate probabilities, or the answer.

    Args:
        result: a task's result (its ``task_info`` says which task).
        threshold: a multi-label zero-shot run's threshold, drawn on its chart.
            Default: 0.5
    """
    st.subheader("Prediction")
    info = result.task_info
    if isinstance(info, TokenClassificationInfo):
        entities_prediction(result, info)
    elif isinstance(info, ZeroShotInfo):
        candidates_prediction(result, info, threshold)
    elif isinstance(info, QuestionAnsweringInfo):
        answer_prediction(result, info)


def entities_prediction(result: explain.Attribution, info: TokenClassificationInfo) -> None:
    """The entities on the text, the explained one outlined, and the groups' probabilities."""
    left, right = st.columns([3, 2])
    chosen = info.entity
    with left:
        st.markdown(
            f"**Predicted entities** ({len(info.entities)})",
            help="Grouped as Hugging Face's token-classification pipeline groups them "
            "(aggregation_strategy='simple'): neighbouring tokens with the same group join one "
            "entity unless the later one starts a new one (B-); 'O' tokens are no entity.",
        )
        if info.entities:
            st.html(entities_html(result.text, info.entities, result.labels, chosen))
        else:
            st.caption("None: the model tags every token 'O'.")
        span = literal(result.text[info.start : info.end])
        where = (
            f"entity {chosen}, outlined"
            if chosen is not None
            else f"token {info.positions[0]}, outlined in the token highlighting below"
        )
        st.caption(
            f"Explained: **{literal(info.label)}** over '{span}' ({where}), characters "
            f"{info.start}-{info.end}."
        )
    with right:
        st.plotly_chart(explain.probability_chart(result), key="probability_chart", config=CHART)
        st.caption(
            "Each entity group's probability at the explained span, averaged over its "
            f"{len(info.positions)} token(s)."
        )


def candidates_prediction(
    result: explain.Attribution, info: ZeroShotInfo, threshold: float
) -> None:
    """The most probable candidate, and every candidate's probability as the pipeline's."""
    left, right = st.columns([1, 2])
    best = result.predicted_index
    if info.multi_label:
        left.metric(
            "Most likely candidate",
            result.labels[best],
            f"{result.probabilities[best]:.1%} on its own",
            delta_color="off",
            delta_arrow="off",
            help="Multi-label: each candidate's probability is entailment against "
            "contradiction for it alone, so they need not add up to 1.",
        )
    else:
        left.metric(
            "Predicted candidate",
            result.labels[best],
            f"{result.probabilities[best]:.1%} probability",
            delta_color="off",
            delta_arrow="off",
            help="The candidate with the highest probability: the softmax of the entailment "
            "logits across the candidates.",
        )
    with right:
        st.plotly_chart(
            explain.probability_chart(result, threshold), key="probability_chart", config=CHART
        )
    st.caption(
        f"Each candidate fills the hypothesis '{literal(info.hypothesis_template)}', read after "
        "the text; the probabilities are those of Hugging Face's zero-shot-classification "
        "pipeline"
        + (
            " in multi-label mode (each candidate on its own)."
            if info.multi_label
            else " (they add up to 1)."
        )
    )


def answer_prediction(result: explain.Attribution, info: QuestionAnsweringInfo) -> None:
    """The answer and its score, marked in the context under the question."""
    answer = info.answer
    left, right = st.columns([1, 2])
    left.metric(
        "Answer",
        answer.text if len(answer.text) <= 40 else answer.text[:39] + "…",
        f"score {answer.score:.2%}",
        delta_color="off",
        delta_arrow="off",
        help="The span of the context with the highest start logit plus end logit (at most "
        "15 tokens), as Hugging Face's question-answering pipeline picks it. Its score is the "
        "start probability times the end probability.",
    )
    start, end = result.probabilities
    left.caption(f"Start probability {start:.1%}, end probability {end:.1%}.")
    with right:
        st.markdown(f"**Question:** {literal(info.question)}")
        st.html(answer_html(result.text_pair or "", answer))


def heading(result: explain.Attribution, output: str) -> tuple[str, str]:
    """The task result's heading, and what its scores explain, for the captions.

    Args:
        result: a task's result.
        output: the explained output's name ("probability", "log-odds" ...).

    Returns:
        ``(heading, explained)``, both Markdown.
    """
    label = literal(result.target_label)
    info = result.task_info
    if isinstance(info, TokenClassificationInfo):
        span = literal(result.text[info.start : info.end])
        return (
            f"Why '{label}' for '{span}'?",
            f"the {output} of '{label}' summed over '{span}'",
        )
    if isinstance(info, QuestionAnsweringInfo):
        token = info.answer.start_token if info.explained == "start" else info.answer.end_token
        word = literal(result.tokens[token]) if 0 <= token < len(result.tokens) else "?"
        return (
            f"Why does the answer {info.explained} at '{word}'?",
            f"the {output} that the answer {info.explained}s at '{word}'",
        )
    return f"Why '{label}'?", f"the {output} of the candidate '{label}'"


def token_panels(result: explain.Attribution, request: explain.AttributionRequest) -> None:
    """A task's token view: the tokens highlighted with the span outlined, and the bar chart.

    An answer's start and end are both charted, one under the other, on the
    question's tokens and the context's.

    Args:
        result: a task's result.
        request: the request that produced it; for an answer, the other end's
            request is made from it.
    """
    if isinstance(result.task_info, QuestionAnsweringInfo):
        answer_panels(result, request)
        return
    highlight, chart = st.columns(2)
    with highlight:
        st.markdown("**Token highlighting**")
        st.html(task_highlight_html(result))
        info = result.task_info
        st.caption(
            "Each token coloured by its score; the outlined tokens are the explained span."
            if isinstance(info, TokenClassificationInfo)
            else "The premise's tokens and the explained candidate's hypothesis's, each "
            "coloured by its score. The other hypotheses are read as they are."
            if isinstance(info, ZeroShotInfo) and info.with_hypothesis
            else "The premise's tokens, each coloured by its score. The hypotheses are read "
            "after it, as they are, and take no scores."
        )
    with chart:
        st.plotly_chart(task_token_chart(result), key="token_chart", config=CHART)


def answer_panels(result: explain.Attribution, request: explain.AttributionRequest) -> None:
    """Both ends of an answer explained: the one asked for highlighted, then both charts."""
    st.markdown("**Token highlighting**")
    st.html(task_highlight_html(result))
    st.caption(
        f"The {result.target_label}'s scores on the question's tokens and the context's; the "
        "outlined tokens are the predicted answer. Both ends are charted below."
    )
    shown = {result.target_label: result}
    target = request.task_target
    if isinstance(target, explain.AnswerTarget):
        other: AnswerEnd = "end" if target.explained == "start" else "start"
        try:
            shown[other] = backend.attribute(
                replace(request, task_target=replace(target, explained=other))
            )
        except explain.TokenlightError as error:
            st.error(str(error))
    for end in ("start", "end"):
        if end in shown:
            st.plotly_chart(
                task_token_chart(
                    shown[end],
                    title=f"{END_NAMES[end]}: token attributions "
                    f"({shown[end].settings.output.replace('_', '-')})",
                ),
                key=f"answer_{end}_chart",
                config=CHART,
            )


def output_definition(result: explain.Attribution) -> str | None:
    """F for a task result, in words, for the completeness check."""
    info = result.task_info
    if isinstance(info, TokenClassificationInfo):
        return (
            f"F is the {result.settings.output.replace('_', '-')} of '{literal(info.label)}' "
            f"summed over the span's {len(info.positions)} token(s)."
        )
    if isinstance(info, ZeroShotInfo):
        return (
            f"F is the {result.settings.output.replace('_', '-')} of the candidate "
            f"'{literal(result.target_label)}', with "
            + (
                "its hypothesis part of the input and the other hypotheses held as they are."
                if info.with_hypothesis
                else "the hypotheses held as they are."
            )
        )
    if isinstance(info, QuestionAnsweringInfo):
        return (
            f"F is the answer's {info.explained} {result.settings.output.replace('_', '-')}; "
            "the question's and the context's tokens share it."
        )
    return None
