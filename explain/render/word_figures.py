"""The word view: words highlighted on the user's own text, and their bar chart.

The words are rendered on the original text, casing, spacing and all, coloured
on Captum's red-to-green scale (or a blue magnitude scale when unsigned).
"""

from __future__ import annotations

import plotly.graph_objects as go

from explain.render.charts import DIVERGING, labelled_axis, token_labels
from explain.render.highlight import MAGNITUDE_HUE, escape, legend_html, score_color
from explain.text.words import WordAttribution

# Unsigned scores (L2) say how much, not which way, so they get one hue of their own.
TRUNCATED_COLOR = "#999"


def word_highlight_html(
    word_attribution: WordAttribution,
    text: str,
    segment: int = 0,
    legend: bool = True,
) -> str:
    """Highlight the words on the original text, keeping its casing and spacing.

    Each word is a ``<mark>`` coloured by its normalised score on Captum's
    scale (:func:`score_color`), with a tooltip giving the word and its exact
    score. The text between words (spaces, tabs, newlines) is kept verbatim;
    text after the last word of a truncated input is shown greyed, so nothing
    is silently dropped. Everything is HTML-escaped. Without character
    offsets (see :func:`group_words`) the words cannot be placed on the text,
    so their spellings are shown, separated by spaces.

    Args:
        word_attribution: the words and their scores.
        text: the text the words were found in; for a sentence pair, the
            text of ``segment``.
        segment: which segment's words to show. Default: 0
        legend: add a colour legend above the text. Default: True

    Returns:
        A self-contained HTML fragment, safe to embed. The text sits in a
        ``div`` of class ``tokenlight-words-text``.

    Raises:
        ValueError: ``segment`` does not exist, or a word lies outside ``text``.
    """
    result = word_attribution
    if not 0 <= segment <= max(result.segments, default=0):
        raise ValueError(
            f"There is no segment {segment}; the words have "
            f"{max(result.segments, default=0) + 1} segment(s), numbered from 0."
        )
    chosen = [
        (word, score, normalized)
        for word, score, normalized, word_segment in zip(
            result.words,
            result.scores,
            result.normalized_scores,
            result.segments,
            strict=True,
        )
        if word_segment == segment
    ]
    for word, _, _ in chosen:
        if word.end > len(text):
            raise ValueError(
                f"The word {word.text!r} ends at character {word.end}, but the text has "
                f"{len(text)} characters. Pass the text the words were found in."
            )
    aligned = any(word.end > 0 for word, _, _ in chosen)
    parts = []
    cursor = 0
    for word, score, normalized in chosen:
        count = len(word.token_indices)
        tooltip = (
            f"{word.text}: {score!r} ({result.aggregation} of {count} "
            f"token{'' if count == 1 else 's'}; normalised {normalized:+.3f})"
        )
        start = max(word.start, cursor)
        shown = text[start : word.end] if aligned else word.text
        if aligned:
            parts.append(escape(text[cursor:start], quote=False))
            cursor = max(cursor, word.end)
        elif parts:
            parts.append(" ")
        parts.append(
            f'<mark style="background-color:{score_color(normalized, result.signed)};'
            f'color:black;padding:0;border-radius:2px" title="{escape(tooltip)}">'
            f"{escape(shown, quote=False)}</mark>"
        )
    if aligned or not chosen:
        tail = text[cursor:]
        if result.tokens_dropped and tail.strip():
            kept = len(tail) - len(tail.lstrip())
            note = (
                f"Not attributed: beyond the model's token limit "
                f"({result.tokens_dropped} tokens dropped)."
            )
            parts.append(
                f"{escape(tail[:kept], quote=False)}"
                f'<span class="tokenlight-truncated" style="color:{TRUNCATED_COLOR}" '
                f'title="{escape(note)}">{escape(tail[kept:], quote=False)}</span>'
            )
        else:
            parts.append(escape(tail, quote=False))
    body = (
        '<div class="tokenlight-words-text" dir="auto" '
        'style="white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.9">'
        f"{''.join(parts)}</div>"
    )
    header = legend_html(result.signed) if legend else ""
    return f'<div class="tokenlight-words">{header}{body}</div>'


def _positions(indices: tuple[int, ...]) -> str:
    """Token positions for a tooltip: ``"4"`` or ``"1–3"``."""
    return str(indices[0]) if len(indices) == 1 else f"{indices[0]}–{indices[-1]}"


def word_bar_chart(word_attribution: WordAttribution, normalized: bool = False) -> go.Figure:
    """Bar chart of word scores in word order, coloured on a diverging scale.

    Unsigned scores (L2) use a scale from neutral to blue instead.

    Args:
        word_attribution: the words to plot.
        normalized: plot scores divided by the largest magnitude instead of
            raw scores. Default: False

    Returns:
        The figure; hovering a bar shows the word, its exact raw and
        normalised scores, and its token positions.
    """
    result = word_attribution
    values = result.normalized_scores if normalized else result.scores
    peak = max((abs(v) for v in values), default=0.0) or 1.0
    unit = "normalised" if normalized else result.output.replace("_", "-")
    if result.signed:
        scale: dict[str, object] = {"colorscale": DIVERGING, "cmin": -peak, "cmax": peak}
    else:
        scale = {
            "colorscale": [[0.0, "hsl(0, 0%, 97%)"], [1.0, f"hsl({MAGNITUDE_HUE}, 75%, 50%)"]],
            "cmin": 0.0,
            "cmax": peak,
        }
    texts = tuple(word.text for word in result.words)
    figure = go.Figure(
        go.Bar(
            x=list(range(len(values))),
            y=list(values),
            marker={
                "color": list(values),
                **scale,
                "line": {"color": "rgba(128,128,128,0.6)", "width": 1},
            },
            customdata=[
                [escape(word.text, quote=False), raw, norm, _positions(word.token_indices)]
                for word, raw, norm in zip(
                    result.words, result.scores, result.normalized_scores, strict=True
                )
            ],
            hovertemplate="<b>%{customdata[0]}</b> (tokens %{customdata[3]})<br>"
            f"{result.aggregation}: %{{customdata[1]:.6f}}<br>"
            "normalised: %{customdata[2]:.4f}<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"Word attributions towards '{escape(result.target_label, quote=False)}'<br>"
        f"<sup>{result.aggregation} of token scores, {unit}</sup>",
        xaxis=labelled_axis(token_labels(texts), "word"),
        yaxis={"title": f"attribution ({unit})", "zeroline": True},
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
        height=380,
        showlegend=False,
    )
    return figure
