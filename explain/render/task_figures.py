"""A task's result drawn: entities on the text, the answer in its context, spans on the charts.

Token classification marks each predicted entity on the text with its group,
as NER displays do; question answering marks the answer in the context. A
task result's tokens are highlighted one row per text (the question and the
context are two), with the explained span or the answer outlined, and its bar
chart shades the same tokens. Every string is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from explain.core.results import Attribution
from explain.core.task_results import (
    Answer,
    Entity,
    QuestionAnsweringInfo,
    TaskName,
    TokenClassificationInfo,
)
from explain.model.tasks import TASK_TITLES
from explain.render.charts import token_bar_chart
from explain.render.highlight import escape, legend_html, score_color

# Light, distinct backgrounds for entity groups, in the order the model lists its groups.
GROUP_COLORS = (
    "#a6cee3",
    "#b2df8a",
    "#fdbf6f",
    "#cab2d6",
    "#fb9a99",
    "#ffff99",
    "#8dd3c7",
    "#bebada",
    "#fccde5",
    "#d9d9d9",
)
ANSWER_COLOR = "#ffe066"
MARK_SHADE = "rgba(255, 200, 0, 0.18)"  # the explained span or the answer, behind the bars
OUTLINE = "outline:2px solid #222;outline-offset:-1px"
QA_SEGMENTS = ("Question", "Context")


LABEL_MEANINGS: dict[TaskName, str] = {
    "sequence-classification": "each label is one of the classifier's labels",
    "token-classification": "each label is an entity group, and each text counts towards the "
    "group its explained entity was explained for",
    "zero-shot": "each label is a candidate label, and each text counts towards the candidate "
    "it was explained for (the most probable, unless the job named one)",
    "question-answering": "the labels are the answer's start and end, and each text counts "
    "towards the end of its answer that was explained",
}


def task_words(task: TaskName) -> str:
    """A task's title inside a sentence: "token classification (NER)"."""
    title = TASK_TITLES[task]
    return title[:1].lower() + title[1:]


def group_color(group: str, groups: Sequence[str]) -> str:
    """The background of an entity group: its place among the model's groups picks it."""
    index = list(groups).index(group) if group in groups else len(groups)
    return GROUP_COLORS[index % len(GROUP_COLORS)]


def _tag(label: str) -> str:
    return (
        '<span style="font-size:0.7em;font-weight:bold;margin-left:0.35em;'
        f'vertical-align:middle">{escape(label, quote=False)}</span>'
    )


def entities_html(
    text: str,
    entities: Sequence[Entity],
    groups: Sequence[str],
    chosen: int | None = None,
) -> str:
    """The text with each predicted entity marked in its group's colour and tagged with it.

    Args:
        text: the text the entities were found in.
        entities: the entities, in text order, their ``start``/``end`` in characters.
        groups: the model's entity groups, which decide the colours.
        chosen: the entity to outline (the one explained). Default: None

    Returns:
        A self-contained HTML fragment whose text sits in a ``div`` of class
        ``tokenlight-entities``; each entity is a ``mark`` with a tooltip
        giving its number, group and score.
    """
    parts: list[str] = []
    cursor = 0
    for number, entity in enumerate(entities):
        if entity.start < cursor or entity.end > len(text):  # never reorder or repeat text
            continue
        parts.append(escape(text[cursor : entity.start], quote=False))
        outline = f";{OUTLINE}" if number == chosen else ""
        tooltip = escape(f"Entity {number}: {entity.label} ({entity.score:.0%})")
        parts.append(
            f'<mark title="{tooltip}" style="background-color:{group_color(entity.label, groups)};'
            f'padding:0.1em 0.3em;border-radius:0.3em;line-height:2{outline}">'
            f"{escape(text[entity.start : entity.end], quote=False)}{_tag(entity.label)}</mark>"
        )
        cursor = entity.end
    parts.append(escape(text[cursor:], quote=False))
    return (
        '<div class="tokenlight-entities" style="white-space:pre-wrap;line-height:2">'
        f"{''.join(parts)}</div>"
    )


def answer_html(context: str, answer: Answer) -> str:
    """The context with the predicted answer marked, its score beside it.

    Args:
        context: the text the answer comes from.
        answer: the answer, its ``start``/``end`` in characters of ``context``.

    Returns:
        A self-contained HTML fragment; the answer is the ``mark`` of class
        ``tokenlight-answer``.
    """
    start, end = max(0, answer.start), min(len(context), answer.end)
    tooltip = escape(f"The answer: score {answer.score:.2%}")
    return (
        '<div class="tokenlight-context" style="white-space:pre-wrap;line-height:2">'
        f"{escape(context[:start], quote=False)}"
        f'<mark class="tokenlight-answer" title="{tooltip}" style="background-color:'
        f'{ANSWER_COLOR};padding:0.1em 0.3em;border-radius:0.3em">'
        f"{escape(context[start:end], quote=False)}{_tag(f'answer · {answer.score:.1%}')}</mark>"
        f"{escape(context[end:], quote=False)}</div>"
    )


def marked_positions(result: Attribution) -> tuple[int, ...]:
    """The tokens a task result is about: the explained span, or the answer; none otherwise."""
    info = result.task_info
    if isinstance(info, TokenClassificationInfo):
        return info.positions
    if isinstance(info, QuestionAnsweringInfo) and info.answer.start_token >= 0:
        return tuple(range(info.answer.start_token, info.answer.end_token + 1))
    return ()


def segment_names(result: Attribution) -> tuple[str, ...]:
    """What each of the result's texts is called: the question and the context, or the text."""
    if result.task == "question-answering":
        return QA_SEGMENTS
    if result.task == "zero-shot":
        return ("Premise (the text)", "Hypothesis (the explained candidate's)")
    return ("Text", "Second text")


def task_highlight_html(result: Attribution, legend: bool = True) -> str:
    """The result's tokens on Captum's colour scale, one row per text, its span outlined.

    A question-answering result has two rows, the question's tokens and the
    context's (``result.segments`` says which is which); the answer's tokens
    are outlined. A token classifier's explained span is outlined likewise.

    Args:
        result: a task's attribution.
        legend: add the colour legend, and a swatch for the outline. Default: True

    Returns:
        A self-contained HTML fragment of class ``tokenlight-task-highlight``.
    """
    marked = set(marked_positions(result))
    segments = result.segments or (0,) * len(result.tokens)
    names = segment_names(result)
    rows = []
    for segment in sorted(set(segments)):
        marks = "".join(
            f'<mark title="{escape(f"position {i}: {result.scores[i]:+.4g}")}" '
            f'style="background-color:{score_color(result.normalized_scores[i], result.signed)};'
            f'line-height:1.9;padding:0 0.1em{";" + OUTLINE if i in marked else ""}">'
            f'<font color="black">{escape(token)}</font></mark> '
            for i, (token, owner) in enumerate(zip(result.tokens, segments, strict=True))
            if owner == segment
        )
        name = names[segment] if segment < len(names) else f"Text {segment + 1}"
        rows.append(f"<div><b>{escape(name, quote=False)}</b><div>{marks}</div></div>")
    what = _marked_name(result)
    key = (
        f'<div style="margin-bottom:5px"><span style="display:inline-block;width:10px;'
        f'height:10px;{OUTLINE}"></span> {what}</div>'
        if marked and legend
        else ""
    )
    return (
        '<div class="tokenlight-task-highlight">'
        f"{legend_html(result.signed) if legend else ''}{key}{''.join(rows)}</div>"
    )


def _marked_name(result: Attribution) -> str:
    if result.task == "question-answering":
        return "The predicted answer"
    return "The explained span"


def task_token_chart(result: Attribution, title: str | None = None) -> go.Figure:
    """The token bar chart of a task result, its span shaded and its texts named.

    The explained span's (or the answer's) tokens are shaded; a question
    and context are split by a dashed line, each side named above the bars.

    Args:
        result: a task's attribution.
        title: the chart's title. Default: None, the token chart's own

    Returns:
        The figure: :func:`explain.render.charts.token_bar_chart`'s, marked.
    """
    figure = token_bar_chart(result)
    for start, end in _runs(marked_positions(result)):
        figure.add_vrect(
            x0=start - 0.5, x1=end + 0.5, fillcolor=MARK_SHADE, line_width=0, layer="below"
        )
    if result.segments and 1 in result.segments:
        boundary = result.segments.index(1)
        names = segment_names(result)
        figure.add_vline(x=boundary - 0.5, line={"dash": "dash", "color": "#777", "width": 1.5})
        for x, anchor, name in (
            (boundary - 0.6, "right", names[0]),
            (boundary - 0.4, "left", names[1]),
        ):
            figure.add_annotation(
                x=x,
                y=1.0,
                yref="paper",
                text=f"{escape(name, quote=False)} →"
                if anchor == "left"
                else f"← {escape(name, quote=False)}",
                showarrow=False,
                xanchor=anchor,
                yanchor="bottom",
                font={"size": 11, "color": "#555"},
            )
    if title is not None:
        figure.update_layout(title=title)
    return figure


def _runs(positions: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive positions as ``(first, last)`` runs."""
    runs: list[tuple[int, int]] = []
    for position in sorted(positions):
        if runs and position == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], position)
        else:
            runs.append((position, position))
    return runs
