"""Last-layer attention: how much [CLS] attends to each token, averaged over heads."""

from __future__ import annotations

import numpy as np

from explain.methods._attention_scores import AttentionExplainer


class LastLayerAttention(AttentionExplainer):
    """How much [CLS] attends to each token in the last layer, averaged over heads.

    The classifier reads the [CLS] vector, so the last layer's [CLS] row is
    where its input was gathered from, one layer deep. Clark et al., 2019,
    https://arxiv.org/abs/1906.04341

    Args:
        loaded: the model to explain.
    """

    name = "attention"
    title = "Attention (last layer)"
    description = (
        "How much [CLS] attends to each token in the last layer, averaged over heads. Where "
        "the model looked, not what changed its output."
    )
    paper = "https://arxiv.org/abs/1906.04341"

    def scores(self, attentions: np.ndarray) -> np.ndarray:
        return attentions[-1].mean(axis=0)[0]  # (seq_len,)
