"""Figures for a dataset report: a label's words with their intervals, the confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from explain.core.report_results import ErrorSummary, WordStat
from explain.render.charts import NEGATIVE, POSITIVE
from explain.render.highlight import escape


def _text(value: str) -> str:
    return escape(value, quote=False)


def word_stats_chart(stats: Sequence[WordStat], label: str) -> go.Figure:
    """Horizontal bars of a label's words by mean score, each with its 95 % interval.

    A word seen once has no interval, so no error bar. Hovering a bar shows the
    mean, the interval, the count and the share.

    Args:
        stats: the label's words, as :class:`~explain.core.report_results.DatasetReport`
            lists them (highest mean score first).
        label: the explained label, for the title.

    Returns:
        The figure, the highest mean score on top.
    """
    shown = list(stats)[::-1]  # Plotly draws the first bar at the bottom
    means = [stat.mean_score for stat in shown]
    above = [0.0 if s.ci_high is None else s.ci_high - s.mean_score for s in shown]
    below = [0.0 if s.ci_low is None else s.mean_score - s.ci_low for s in shown]
    interval = [
        "no interval (seen once)" if s.ci_low is None or s.ci_high is None
        else f"95% CI {s.ci_low:.4g} to {s.ci_high:.4g}"
        for s in shown
    ]  # fmt: skip
    figure = go.Figure(
        go.Bar(
            x=means,
            y=[f"{_text(stat.word)} " for stat in shown],
            orientation="h",
            marker={"color": [POSITIVE if mean >= 0 else NEGATIVE for mean in means]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": above,
                "arrayminus": below,
                "color": "rgba(60,60,60,0.7)",
                "thickness": 1.2,
            },
            customdata=[
                [_text(s.word), s.count, f"{s.share:.1%}", text]
                for s, text in zip(shown, interval, strict=True)
            ],
            hovertemplate="<b>%{customdata[0]}</b>: mean %{x:.4g}, %{customdata[3]}, "
            "in %{customdata[1]} text(s), %{customdata[2]} of the label's attribution"
            "<extra></extra>",
            showlegend=False,
        )
    )
    figure.update_layout(
        title=f"Words towards '{_text(label)}': mean score with its 95% interval",
        height=110 + 24 * max(len(shown), 1),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        xaxis={"title": "mean score", "zeroline": True},
    )
    return figure


def confusion_chart(errors: ErrorSummary) -> go.Figure:
    """The confusion matrix as a heatmap, gold labels down and predictions across.

    Args:
        errors: the report's accuracy and confusion counts.

    Returns:
        The figure; each cell shows its count, and hovering names its labels.
    """
    labels = [_text(label) for label in errors.labels]
    counts = [list(row) for row in errors.confusion]
    figure = go.Figure(
        go.Heatmap(
            z=counts,
            x=labels,
            y=labels,
            text=[[str(count) for count in row] for row in counts],
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
            hovertemplate="gold <b>%{y}</b>, predicted <b>%{x}</b>: %{z} text(s)<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"Confusion matrix ({errors.rows} texts): gold label down, predicted across",
        xaxis={"title": "predicted label", "type": "category"},
        yaxis={"title": "gold label", "autorange": "reversed", "type": "category"},
        height=160 + 60 * max(len(labels), 1),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return figure
