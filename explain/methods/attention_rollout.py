"""Attention rollout: [CLS]'s attention traced back through every layer, residuals included."""

from __future__ import annotations

import numpy as np

from explain.engine.attention import attention_rollout
from explain.methods._attention_scores import AttentionExplainer


class AttentionRollout(AttentionExplainer):
    """The [CLS] row of attention rollout: attention traced back through every layer.

    See :func:`explain.engine.attention.attention_rollout`. Abnar & Zuidema,
    2020, https://arxiv.org/abs/2005.00928

    Args:
        loaded: the model to explain.
    """

    name = "attention_rollout"
    title = "Attention rollout"
    description = (
        "Attention traced back through every layer, residual paths included: what [CLS] "
        "gathers from each input token."
    )
    paper = "https://arxiv.org/abs/2005.00928"

    def scores(self, attentions: np.ndarray) -> np.ndarray:
        return attention_rollout(attentions)[0]  # (seq_len,)
