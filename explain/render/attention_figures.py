"""Heatmaps of attention matrices and of attention rollout."""

from __future__ import annotations

from typing import Literal

import numpy as np
import plotly.graph_objects as go

from explain.render.charts import token_labels
from explain.views.attention_maps import AttentionMaps

ATTENTION_SCALE = "Blues"


def _heatmap(matrix: np.ndarray, tokens: tuple[str, ...], title: str) -> go.Figure:
    """A token-by-token heatmap: rows attend (query), columns are attended to (key)."""
    labels = token_labels(tokens)
    figure = go.Figure(
        go.Heatmap(
            z=matrix.tolist(),
            x=labels,
            y=labels,
            zmin=0.0,
            zmax=max(float(matrix.max()), 1e-12),
            colorscale=ATTENTION_SCALE,
            hovertemplate="<b>%{y}</b> → <b>%{x}</b>: %{z:.4f}<extra></extra>",
        )
    )
    figure.update_layout(
        title=title,
        xaxis={"title": "attended to", "tickangle": -45, "type": "category"},
        yaxis={"title": "attending", "autorange": "reversed", "type": "category"},
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
        height=max(360, 22 * len(tokens) + 120),
    )
    return figure


def attention_heatmap(
    maps: AttentionMaps, layer: int, head: int | Literal["mean"] = "mean"
) -> go.Figure:
    """One layer's attention matrix, for one head or the mean over heads.

    Args:
        maps: from :func:`attention_maps`.
        layer: the layer, counted from 0 (the title counts from 1).
        head: the head, counted from 0 (the title counts from 1), or
            ``"mean"``. Default: ``"mean"``

    Returns:
        The heatmap; row ``i`` is where token ``i`` looks.

    Raises:
        ValueError: the layer or head does not exist.
    """
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < maps.layers:
        raise ValueError(f"Layer must be from 0 to {maps.layers - 1}, not {layer!r}.")
    if head == "mean":
        matrix = maps.attentions[layer].mean(axis=0)
        which = f"mean of {maps.heads} heads"
    elif isinstance(head, int) and not isinstance(head, bool) and 0 <= head < maps.heads:
        matrix = maps.attentions[layer, head]
        which = f"head {head + 1} of {maps.heads}"
    else:
        raise ValueError(f"Head must be from 0 to {maps.heads - 1} or 'mean', not {head!r}.")
    return _heatmap(
        matrix, maps.tokens, f"Attention in layer {layer + 1} of {maps.layers}, {which}"
    )


def rollout_heatmap(maps: AttentionMaps) -> go.Figure:
    """The attention rollout matrix (Abnar & Zuidema, 2020).

    Args:
        maps: from :func:`attention_maps`.

    Returns:
        The heatmap; row ``i`` is how much of token ``i``'s last-layer vector
        flows from each input token.
    """
    return _heatmap(maps.rollout, maps.tokens, f"Attention rollout through {maps.layers} layers")
