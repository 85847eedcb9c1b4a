"""Input × Gradient: each token's embedding times the target output's gradient there."""

from __future__ import annotations

import contextlib

import torch
from captum.attr import InputXGradient

from explain.engine.hooks import weights_frozen
from explain.methods.base import PreparedExplainer, Values
from explain.methods.prepared import Prepared


class TokenInputXGradient(PreparedExplainer):
    """Each token's embedding times the target output's gradient there, summed over hidden.

    The first-order Taylor term of the output at the embeddings layer: the
    change a token's vector would cause if the output were linear, measured
    from an all-zero embedding. Shrikumar et al., 2016,
    https://arxiv.org/abs/1605.01713

    Args:
        loaded: the model to explain.
    """

    name = "input_x_gradient"
    title = "Input × Gradient"
    description = (
        "Each token's embedding times the output's gradient there: a first-order estimate of "
        "the token's effect."
    )
    paper = "https://arxiv.org/abs/1605.01713"
    has_delta = False
    uses_baseline = False

    def context(self, values: Values) -> contextlib.AbstractContextManager[object]:
        return weights_frozen(self.loaded.model)

    def compute(self, prepared: Prepared, text: str, values: Values) -> torch.Tensor:
        attributions = InputXGradient(prepared.target).attribute(
            prepared.input_embedding.requires_grad_()
        )  # (1, seq_len, hidden)
        return attributions.sum(dim=-1)[0]
