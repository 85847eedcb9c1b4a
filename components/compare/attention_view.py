"""Attention: any layer's attention, per head or averaged, and attention rollout."""

from __future__ import annotations

import streamlit as st

import explain
from components import backend
from components.compare.parts import CHART, explainer_box
from explain.render.attention_figures import attention_heatmap, rollout_heatmap


def render(loaded: explain.LoadedModel, request: explain.AttributionRequest) -> None:
    """The attention view: the request's text's attention maps and rollout."""
    explainer_box(
        "attention",
        "Attention is how each word gathers information from the others. Each row of a map "
        "is one word; darker cells are the words it looks at. Each layer has several *heads* "
        "that look in different ways; *mean* averages them. *Rollout* follows attention "
        "through all layers at once. Attention shows where the model looked, not whether "
        "what it saw raised or lowered its score, so it is not a full explanation.",
    )
    with st.spinner("Reading the attention weights ..."):
        maps = backend.attention(request)
    left, right = st.columns(2)
    layer = left.select_slider(
        "Layer",
        options=list(range(1, maps.layers + 1)),
        value=maps.layers,
        key="attention_layer",
        help="1 is the first layer, just above the embeddings.",
    )
    head = right.selectbox(
        "Head",
        ["mean", *range(1, maps.heads + 1)],
        key="attention_head",
        help="One attention head, or the mean over all of them.",
    )
    left, right = st.columns(2)
    left.plotly_chart(
        attention_heatmap(maps, int(layer) - 1, "mean" if head == "mean" else int(head) - 1),
        key="attention_heatmap",
        config=CHART,
    )
    right.plotly_chart(rollout_heatmap(maps), key="attention_rollout", config=CHART)
