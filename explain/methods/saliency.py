"""Saliency: the length of the target output's gradient at each token's embedding."""

from __future__ import annotations

import contextlib

import torch
from captum.attr import Saliency

from explain.engine.hooks import weights_frozen
from explain.methods.base import PreparedExplainer, Values
from explain.methods.prepared import Prepared


class TokenSaliency(PreparedExplainer):
    """The L2 norm of the target output's gradient at each token's embedding.

    The gradient is taken with respect to the embeddings layer's output; a
    token's score is the length of its gradient vector, so it says how
    sensitive the output is to that token, not in which direction. Simonyan et
    al., 2013, https://arxiv.org/abs/1312.6034

    Args:
        loaded: the model to explain.
    """

    name = "saliency"
    title = "Saliency (gradient norm)"
    description = (
        "The length of the output's gradient at each token's embedding: how sensitive the "
        "output is to the token, not which way."
    )
    paper = "https://arxiv.org/abs/1312.6034"
    signed = False
    has_delta = False
    uses_baseline = False

    def context(self, values: Values) -> contextlib.AbstractContextManager[object]:
        return weights_frozen(self.loaded.model)

    def compute(self, prepared: Prepared, text: str, values: Values) -> torch.Tensor:
        gradients = Saliency(prepared.target).attribute(
            prepared.input_embedding.requires_grad_(), abs=False
        )  # (1, seq_len, hidden)
        return gradients[0].norm(dim=-1)
