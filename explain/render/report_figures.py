"""Plotly figures of a dataset report: words per label, shortcut candidates, confusion."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from explain.core.report_results import ErrorSummary, Shortcut, WordStat
from explain.render.charts import NEGATIVE, POSITIVE, PREDICTED
from explain.render.highlight import escape

ROW_HEIGHT = 22
MIN_HEIGHT = 220


def _height(rows: int) -> int:
    return max(MIN_HEIGHT, 90 + ROW_HEIGHT * rows)


def word_chart(label: str, stats: Sequence[WordStat]) -> go.Figure:
    """One label's words: mean score with its 95 % interval as error bars, highest on top.

    Args:
        label: the explained label.
        stats: its words, highest mean score first.

    Returns:
        A horizontal bar chart.
    """
    words = [escape(s.word, quote=False) for s in reversed(stats)]
    means = [s.mean_score for s in reversed(stats)]
    upper = [(s.ci_high - s.mean_score) if s.ci_high is not None else 0.0 for s in reversed(stats)]
    lower = [(s.mean_score - s.ci_low) if s.ci_low is not None else 0.0 for s in reversed(stats)]
    figure = go.Figure(
        go.Bar(
            x=means,
            y=words,
            orientation="h",
            marker_color=[POSITIVE if m >= 0 else NEGATIVE for m in means],
            error_x={"type": "data", "symmetric": False, "array": upper, "arrayminus": lower},
            customdata=[[s.count, s.share] for s in reversed(stats)],
            hovertemplate="%{y}: mean %{x:.4f}<br>rows %{customdata[0]}, "
            "share %{customdata[1]:.2%}<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"Words towards {escape(label, quote=False)} (mean score, 95 % interval)",
        xaxis_title="mean score towards the label",
        height=_height(len(stats)),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
    )
    return figure


def shortcut_chart(shortcuts: Sequence[Shortcut]) -> go.Figure:
    """Shortcut candidates by score, strongest on top; flip rates beside the confirmed ones.

    Args:
        shortcuts: the candidates, strongest first.

    Returns:
        A horizontal bar chart (a second bar per confirmed candidate: its flip rate).
    """
    names = [f"{escape(s.word, quote=False)} → {escape(s.label, quote=False)}" for s in shortcuts]
    names.reverse()
    ordered = list(reversed(shortcuts))
    figure = go.Figure(
        go.Bar(
            x=[s.score for s in ordered],
            y=names,
            orientation="h",
            name="score",
            marker_color=PREDICTED,
            customdata=[[s.count, s.reliance, s.association] for s in ordered],
            hovertemplate="%{y}: score %{x:.3f}<br>rows %{customdata[0]}, reliance "
            "%{customdata[1]:.4f}, association %{customdata[2]:.4f}<extra></extra>",
        )
    )
    if any(s.confirmed for s in shortcuts):
        figure.add_trace(
            go.Bar(
                x=[s.flip_rate if s.flip_rate is not None else 0.0 for s in ordered],
                y=names,
                orientation="h",
                name="flip rate",
                marker_color=NEGATIVE,
                hovertemplate="%{y}: flip rate %{x:.1%}<extra></extra>",
            )
        )
    figure.update_layout(
        title="Shortcut candidates (score: harmonic mean of reliance and association ranks)",
        barmode="group",
        xaxis={"range": [0, 1]},
        height=_height(len(shortcuts)),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
    )
    return figure


def confusion_heatmap(errors: ErrorSummary) -> go.Figure:
    """The confusion matrix: rows gold labels, columns predicted labels, counts in the cells.

    Args:
        errors: the report's error summary.

    Returns:
        A heatmap.
    """
    labels = [escape(label, quote=False) for label in errors.labels]
    figure = go.Figure(
        go.Heatmap(
            z=[list(row) for row in errors.confusion],
            x=labels,
            y=labels,
            colorscale="Blues",
            text=[[str(value) for value in row] for row in errors.confusion],
            texttemplate="%{text}",
            hovertemplate="gold %{y}, predicted %{x}: %{z}<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"Confusion (accuracy {errors.accuracy:.1%} over {errors.rows} rows)",
        xaxis_title="predicted",
        yaxis_title="gold",
        yaxis_autorange="reversed",
        height=max(300, 120 + 50 * len(labels)),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
    )
    return figure
