"""Figures for two checkpoints on one text: their word scores side by side."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from explain.evaluation.two_checkpoints import CheckpointComparison
from explain.render.charts import PREDICTED, labelled_axis, token_labels
from explain.render.highlight import escape

SECOND = "#d6604d"


def _text(value: str) -> str:
    return escape(value, quote=False)


def checkpoint_word_bars(
    comparison: CheckpointComparison, first_name: str, second_name: str
) -> go.Figure:
    """Grouped bars: each aligned word's score under the two checkpoints.

    Each checkpoint's scores are divided by its own largest magnitude, since
    two models' outputs need not share a scale; hovering gives the raw score.

    Args:
        comparison: from :func:`explain.evaluation.two_checkpoints.compare_checkpoints`.
        first_name: what the first checkpoint is called.
        second_name: what the second is called.

    Returns:
        The figure, with one trace per checkpoint.
    """
    slots = comparison.slots
    labels = token_labels(tuple(slot.text for slot in slots))
    figure = go.Figure()
    for name, scores, color in (
        (first_name, [s.first_score for s in slots], PREDICTED),
        (second_name, [s.second_score for s in slots], SECOND),
    ):
        peak = max((abs(v) for v in scores), default=0.0) or 1.0
        figure.add_trace(
            go.Bar(
                name=_text(name),
                x=list(range(len(slots))),
                y=[v / peak for v in scores],
                marker={"color": color},
                customdata=[[labels[i], v] for i, v in enumerate(scores)],
                hovertemplate=f"<b>%{{customdata[0]}}</b><br>{_text(name)}: "
                "%{customdata[1]:+.6f} (normalised %{y:+.3f})<extra></extra>",
            )
        )
    spearman = "n/a" if math.isnan(comparison.spearman) else f"{comparison.spearman:.2f}"
    figure.update_layout(
        barmode="group",
        title=f"Word attributions, each scaled to its largest: Spearman {spearman}, "
        f"top-{comparison.k} overlap {comparison.top_k:.0%}",
        xaxis=labelled_axis(labels, "word"),
        yaxis={"title": "normalised attribution", "zeroline": True},
        legend={"orientation": "h", "y": -0.35},
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
        height=420,
    )
    return figure
