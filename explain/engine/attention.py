"""Reading a model's attention weights, and attention rollout.

In transformers 5 the default SDPA attention does not return its weights, so
the model is switched to the eager implementation for the one forward pass
that reads them, under the model's lock, and switched back at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from transformers import PreTrainedModel

from explain.core.errors import CheckpointError
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import Encoding


@contextmanager
def attention_implementation(model: PreTrainedModel, name: str) -> Iterator[None]:
    """Run ``model`` with the attention implementation ``name``, then restore its own.

    Callers hold the model's lock, so no other thread sees the change.

    Args:
        model: the model.
        name: a transformers attention implementation, such as ``"eager"``
            (which returns the attention weights) or ``"sdpa"``.
    """
    previous = model.config._attn_implementation
    if previous != name:
        model.set_attn_implementation(name)
    try:
        yield
    finally:
        if previous != name:
            model.set_attn_implementation(previous)


def attention_weights(loaded: LoadedModel, encoding: Encoding) -> np.ndarray:
    """Every layer's and head's attention weights for one encoded text.

    The caller holds ``loaded.lock``.

    Args:
        loaded: the model.
        encoding: the tokenised text.

    Returns:
        ``(layers, heads, seq_len, seq_len)`` float64; row ``i`` of a matrix is
        how much token ``i`` attends to each token, and sums to 1.

    Raises:
        CheckpointError: the model returns no attention weights.
    """
    with torch.inference_mode(), attention_implementation(loaded.model, "eager"):
        result = loaded.model(
            input_ids=encoding.input_ids, **encoding.model_inputs(), output_attentions=True
        )
    attentions = getattr(result, "attentions", None)
    if not attentions or any(layer is None for layer in attentions):
        raise CheckpointError(
            f"{loaded.name} returns no attention weights, even with eager attention. "
            "Choose a method that does not read attention."
        )
    return torch.stack([layer[0] for layer in attentions]).double().cpu().numpy()


def attention_rollout(attentions: np.ndarray) -> np.ndarray:
    """Attention rollout: attention composed through the layers, residual paths included.

    Each layer's attention is averaged over heads, the residual connection is
    added as ``0.5 * A + 0.5 * I``, rows are renormalised to sum to 1, and the
    layers are multiplied from the first up: ``R = A_L ... A_2 A_1``. Abnar &
    Zuidema, 2020, https://arxiv.org/abs/2005.00928

    Args:
        attentions: ``(layers, heads, seq_len, seq_len)`` attention weights.

    Returns:
        ``(seq_len, seq_len)``: row ``i`` is how much of token ``i``'s final
        representation flows from each input token; rows sum to 1.

    Raises:
        ValueError: ``attentions`` is not four-dimensional with square matrices.
    """
    if attentions.ndim != 4 or attentions.shape[-1] != attentions.shape[-2]:
        raise ValueError(
            "attention_rollout needs (layers, heads, seq_len, seq_len) weights, "
            f"not shape {attentions.shape}."
        )
    seq_len = attentions.shape[-1]
    identity = np.eye(seq_len)
    rollout = identity
    for layer in attentions.astype(np.float64):
        mixed = 0.5 * layer.mean(axis=0) + 0.5 * identity  # (seq_len, seq_len)
        mixed = mixed / mixed.sum(axis=-1, keepdims=True)
        rollout = mixed @ rollout
    return rollout
