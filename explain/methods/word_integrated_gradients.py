"""Integrated gradients through the word embeddings alone, position and token types held fixed."""

from __future__ import annotations

import contextlib

import torch
from captum.attr import IntegratedGradients

from explain.engine.hooks import rows_per_pass, weights_frozen
from explain.methods.base import Capabilities, PreparedExplainer, Values
from explain.methods.prepared import Prepared
from explain.methods.step_settings import N_STEPS


class WordEmbeddingIntegratedGradients(PreparedExplainer):
    """Integrated gradients through the word embeddings, position and token types held fixed.

    Interpolates only the word-embedding vectors between the baseline's and the
    input's, as Captum's ``LayerIntegratedGradients(forward,
    model.bert.embeddings.word_embeddings)`` does: a token baseline's path
    starts at the baseline token's word embedding; ``"zero"`` starts at zero
    word-embedding vectors at text positions. Position and token-type
    embeddings and the layer norm after them stay in the model, so the scores
    add up to ``F(input) - F(baseline)`` for this baseline. Options:
    ``n_steps`` (Gauss-Legendre steps, default 50) and ``internal_batch_size``
    (interpolated inputs per forward pass; default as many as fit in 4096
    tokens). Sundararajan et al., 2017, https://arxiv.org/abs/1703.01365

    Args:
        loaded: the model to explain.
    """

    name = "word_integrated_gradients"
    title = "Integrated Gradients (word embeddings)"
    description = (
        "Integrated gradients through the word embeddings only, with position and token-type "
        "embeddings held fixed."
    )
    paper = "https://arxiv.org/abs/1703.01365"
    settings = (N_STEPS,)
    capabilities = Capabilities(internal_batch_size=True, needs_word_embeddings=True)
    integration = "gausslegendre"

    def context(self, values: Values) -> contextlib.AbstractContextManager[object]:
        return weights_frozen(self.loaded.model)

    def compute(self, prepared: Prepared, text: str, values: Values) -> torch.Tensor:
        n_steps = values["n_steps"]
        batch_size = values["internal_batch_size"] or rows_per_pass(prepared.seq_len)
        attributions = IntegratedGradients(prepared.target).attribute(
            inputs=prepared.input_embedding,
            baselines=prepared.baseline_embedding,
            n_steps=n_steps,
            method="gausslegendre",
            internal_batch_size=min(batch_size, n_steps),
        )  # (1, seq_len, hidden)
        return attributions.sum(dim=-1)[0]
