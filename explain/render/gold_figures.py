"""Figures for gold labels: a clickable confusion matrix."""

from __future__ import annotations

import plotly.graph_objects as go

from explain.evaluation.gold import GoldReport
from explain.render.highlight import escape


def _text(value: str) -> str:
    return escape(value, quote=False)


def confusion_matrix_chart(report: GoldReport) -> go.Figure:
    """The confusion matrix as a grid of squares, gold labels down and predictions across.

    It is drawn as one scatter trace of square markers rather than a heatmap,
    so that clicking a cell selects it (Plotly selects points, not heatmap
    cells); each point's ``customdata`` is ``[gold, predicted, count]``.
    The diagonal (correct predictions) is blue, the rest orange, darker for
    more texts.

    Args:
        report: from :func:`explain.evaluation.gold.gold_report`.

    Returns:
        The figure.
    """
    labels = [_text(label) for label in report.labels]
    n = len(labels)
    peak = max((count for row in report.confusion for count in row), default=0) or 1
    xs: list[int] = []
    ys: list[int] = []
    colors: list[str] = []
    counts: list[str] = []
    ink: list[str] = []
    custom: list[list[str | int]] = []
    for g, row in enumerate(report.confusion):
        for p, count in enumerate(row):
            xs.append(p)
            ys.append(g)
            hue = 210 if g == p else 25
            lightness = 96 - int(50 * count / peak)
            colors.append(f"hsl({hue}, 70%, {lightness}%)")
            counts.append(str(count))
            ink.append("white" if lightness < 65 else "#333")  # readable on dark cells
            custom.append([_text(report.labels[g]), _text(report.labels[p]), count])
    size = max(40, min(110, 420 // max(n, 1)))
    figure = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers+text",
            text=counts,
            textfont={"size": 16, "color": ink},
            marker={
                "symbol": "square",
                "size": size,
                "color": colors,
                "line": {"color": "rgba(128,128,128,0.6)", "width": 1},
            },
            customdata=custom,
            hovertemplate="gold <b>%{customdata[0]}</b>, predicted <b>%{customdata[1]}</b>: "
            "%{customdata[2]} text(s). Click to list them.<extra></extra>",
        )
    )
    axis = {"tickmode": "array", "tickvals": list(range(n)), "ticktext": labels}
    figure.update_layout(
        title=f"Confusion matrix ({report.scored} texts): gold label down, predicted across",
        xaxis={**axis, "title": "predicted label", "side": "top", "range": [-0.6, n - 0.4]},
        yaxis={**axis, "title": "gold label", "range": [n - 0.4, -0.6]},
        height=160 + size * n,
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        showlegend=False,
        clickmode="event+select",
        dragmode=False,
    )
    return figure
