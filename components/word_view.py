"""The word view of a result: WordPiece tokens merged into the user's own words.

``explain.words.merge_words`` reads every token's offsets in ``result.text``;
a sentence pair's second text has offsets of its own, so its words are
grouped once per text here, as ``explain.words.group_words`` describes, and
scored on one scale so both texts' colours compare.
"""

from __future__ import annotations

import streamlit as st

import explain
from explain.core.task_results import DEFAULT_TASK
from explain.render.highlight import escape
from explain.render.task_figures import segment_names
from explain.render.word_figures import word_bar_chart, word_highlight_html
from explain.text.words import (
    AGGREGATION_DESCRIPTIONS,
    AGGREGATIONS,
    Aggregation,
    WordAttribution,
    merge_words,
)

SEGMENT_NAMES = ("First text", "Second text")
BOUNDARY = (
    '<div class="tokenlight-boundary" style="border-top:2px dashed #999;margin:8px 0 4px;'
    'color:#777;font-size:0.8em">[SEP]: the second text starts here</div>'
)


def segment_texts(result: explain.Attribution) -> tuple[str, ...]:
    """The texts the result explains: one, or a sentence pair's two."""
    return (result.text,) if result.text_pair is None else (result.text, result.text_pair)


def word_attribution(result: explain.Attribution, aggregation: Aggregation) -> WordAttribution:
    """Merge ``result``'s token scores into word scores, each text's words on its own text.

    Args:
        result: the token-level attribution, of one text or a sentence pair.
        aggregation: ``"sum"``, ``"mean"``, ``"max"`` or ``"l2"``; see
            :func:`explain.words.aggregate`.

    Returns:
        The :class:`WordAttribution`; for a pair, ``segments`` say which text
        each word is in, and scores are normalised over both texts together.
    """
    return merge_words(result, aggregation)


def words_html(
    words: WordAttribution, texts: tuple[str, ...], names: tuple[str, ...] = SEGMENT_NAMES
) -> str:
    """The words highlighted on each text; a pair's texts are named and split by a rule.

    ``names`` are the texts' names. Default: "First text", "Second text"
    """
    if len(texts) == 1:
        return word_highlight_html(words, texts[0])
    parts = []
    for segment, text in enumerate(texts):
        body = (
            word_highlight_html(words, text, segment, legend=segment == 0)
            if segment in words.segments
            else f'<div style="color:#999">{escape(text, quote=False)} (no tokens kept)</div>'
        )
        parts.append(f"<div><b>{escape(names[segment], quote=False)}</b>{body}</div>")
    return f'<div class="tokenlight-pair">{BOUNDARY.join(parts)}</div>'


def aggregation_picker() -> Aggregation:
    """How a word's token scores become one score."""
    aggregation = st.selectbox(
        "Word score",
        AGGREGATIONS,
        format_func=lambda name: name.upper() if name == "l2" else name,
        key="word_aggregation",
        help=" ".join(
            f"{name.upper() if name == 'l2' else name.capitalize()}: {description}"
            for name, description in AGGREGATION_DESCRIPTIONS.items()
        ),
    )
    st.caption(AGGREGATION_DESCRIPTIONS[aggregation])
    return aggregation


def word_panels(result: explain.Attribution) -> None:
    """The word view: an aggregation picker, the words on the text, and a bar chart."""
    highlight, chart = st.columns(2)
    with highlight:
        words = word_attribution(result, aggregation_picker())
        names = segment_names(result) if result.task != DEFAULT_TASK else SEGMENT_NAMES
        st.html(words_html(words, segment_texts(result), names))
        st.caption(
            "Special tokens ([CLS], [SEP]) belong to no word; their scores add up to "
            f"{words.special_score:+.4f}."
        )
    with chart:
        st.plotly_chart(word_bar_chart(words), key="word_chart", config={"displaylogo": False})
