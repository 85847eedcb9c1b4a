"""The layer-by-token heatmap of all-layer conductance."""

from __future__ import annotations

import plotly.graph_objects as go

from explain.render.charts import DIVERGING, token_labels
from explain.render.highlight import escape
from explain.views.conductance import LayerConductanceResult


def conductance_heatmap(result: LayerConductanceResult) -> go.Figure:
    """Heatmap of conductance, layers as rows (embeddings at the bottom) and tokens as columns.

    Args:
        result: the conductances to plot.

    Returns:
        The figure, on a red (lowers the target) to green (raises it) scale
        symmetric about zero; hovering a cell shows the token, its position,
        the layer and the exact conductance.
    """
    peak = max((abs(value) for row in result.scores for value in row), default=0.0) or 1.0
    columns = token_labels(result.tokens)
    unit = result.output.replace("_", "-")
    figure = go.Figure(
        go.Heatmap(
            z=[list(row) for row in result.scores],
            x=list(range(len(result.tokens))),
            y=list(range(len(result.layer_names))),
            zmin=-peak,
            zmax=peak,
            zmid=0.0,
            colorscale=DIVERGING,
            colorbar={"title": {"text": unit}},
            customdata=[[[column, layer] for column in columns] for layer in result.layer_names],
            hovertemplate="<b>%{customdata[0]}</b> (position %{x})<br>%{customdata[1]}<br>"
            "conductance: %{z:.6g}<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"Layer conductance towards '{escape(result.target_label, quote=False)}' ({unit})",
        xaxis={
            "tickmode": "array",
            "tickvals": list(range(len(columns))),
            "ticktext": columns,
            "tickangle": -45,
            "title": "token",
        },
        yaxis={
            "tickmode": "array",
            "tickvals": list(range(len(result.layer_names))),
            "ticktext": list(result.layer_names),
            "title": "layer",
        },
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
        height=max(300, 60 + 28 * len(result.layer_names)),
    )
    return figure
