"""Figures for a text and its edit: each word's change in attribution, and the aligned words."""

from __future__ import annotations

import plotly.graph_objects as go

from explain.render.charts import DIVERGING, labelled_axis, token_labels
from explain.render.highlight import escape, score_color
from explain.views.counterfactuals import AlignedWord, TextComparison

MARKS = {"matched": "", "inserted": "+", "deleted": "−"}


def _text(value: str) -> str:
    return escape(value, quote=False)


def slot_label(slot: AlignedWord) -> str:
    """A word as an axis shows it: ``+not`` when inserted, ``−smooth`` when deleted."""
    return MARKS[slot.kind] + slot.label


def word_change_chart(comparison: TextComparison) -> go.Figure:
    """Bar chart of each aligned word's attribution change, edited minus original.

    Inserted words count from 0 and deleted words go to 0; they are marked
    ``+`` and ``−`` on the axis and drawn with a hatched bar.

    Args:
        comparison: from :func:`explain.views.counterfactuals.compare_texts`.

    Returns:
        The figure; hovering a bar gives both scores.
    """
    slots = comparison.alignment
    changes = [slot.change for slot in slots]
    peak = max((abs(change) for change in changes), default=0.0) or 1.0
    labels = token_labels(tuple(slot_label(slot) for slot in slots))

    def shown(value: float | None) -> str:
        return "absent" if value is None else f"{value:+.5f}"

    unit = comparison.before.settings.output.replace("_", "-")
    figure = go.Figure(
        go.Bar(
            x=list(range(len(slots))),
            y=changes,
            marker={
                "color": changes,
                "colorscale": DIVERGING,
                "cmin": -peak,
                "cmax": peak,
                "line": {"color": "rgba(128,128,128,0.6)", "width": 1},
                "pattern": {"shape": ["" if s.kind == "matched" else "/" for s in slots]},
            },
            customdata=[
                [labels[i], slot.kind, shown(slot.before_score), shown(slot.after_score)]
                for i, slot in enumerate(slots)
            ],
            hovertemplate="<b>%{customdata[0]}</b> (%{customdata[1]})<br>original: "
            "%{customdata[2]}<br>edited: %{customdata[3]}<br>change: %{y:+.5f}<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"Change in each word's attribution towards "
        f"'{_text(comparison.before.target_label)}' ({unit}), edited minus original",
        xaxis=labelled_axis(labels, "word (+ inserted, − deleted)"),
        yaxis={"title": f"change ({unit})", "zeroline": True},
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
        height=380,
        showlegend=False,
    )
    return figure


def alignment_html(comparison: TextComparison) -> str:
    """The aligned words as two rows, original above edited, coloured by their own scores.

    Deleted words are struck through in the original row and inserted ones
    underlined in the edited row; each word's tooltip has its exact score.
    Every word is HTML-escaped.

    Args:
        comparison: from :func:`explain.views.counterfactuals.compare_texts`.

    Returns:
        A self-contained HTML table.
    """
    before = comparison.before_words
    after = comparison.after_words
    peak_before = max((abs(s) for s in before.scores), default=0.0) or 1.0
    peak_after = max((abs(s) for s in after.scores), default=0.0) or 1.0

    def cell(word: str | None, score: float | None, peak: float, kind: str, signed: bool) -> str:
        if word is None or score is None:
            return '<td style="padding:2px 4px;color:#999">·</td>'
        decoration = {"deleted": "line-through", "inserted": "underline"}.get(kind, "none")
        return (
            f'<td style="padding:2px 4px"><mark title="{escape(word)}: {score:+.6f}" '
            f'style="background-color:{score_color(score / peak, signed)};'
            f'text-decoration:{decoration};padding:1px 2px;border-radius:3px">'
            f"{escape(word)}</mark></td>"
        )

    top = "".join(
        cell(s.before, s.before_score, peak_before, s.kind, before.signed)
        for s in comparison.alignment
    )
    bottom = "".join(
        cell(s.after, s.after_score, peak_after, s.kind, after.signed) for s in comparison.alignment
    )
    head = '<th style="text-align:left;padding:2px 6px;font-weight:normal;color:#666">'
    return (
        '<table class="tokenlight-alignment" style="border-collapse:collapse;line-height:1.9">'
        f"<tr>{head}original</th>{top}</tr><tr>{head}edited</th>{bottom}</tr></table>"
    )
