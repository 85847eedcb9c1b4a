"""Attention weights as explanations: the last layer's [CLS] row, and attention rollout.

Attention says where the model looked, not what changed its output, so these
scores are unsigned and do not depend on the target label. In transformers 5
the default SDPA attention does not return its weights, so the model is
switched to the eager implementation for the one forward pass that reads
them, under the model's lock, and switched back at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np
import plotly.graph_objects as go
import torch
from transformers import PreTrainedModel

from explain.checkpoints import LoadedModel
from explain.encoding import Encoding, encode
from explain.errors import CheckpointError
from explain.forward import Prepared, build_attribution, prepare
from explain.plots import token_labels
from explain.results import Attribution
from explain.settings import Setting
from explain.targets import OutputKind

ATTENTION_SCALE = "Blues"


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


@dataclass(frozen=True, eq=False)
class AttentionMaps:
    """Every attention matrix of one text, and their rollout.

    Args:
        tokens: the tokens, special tokens included.
        special_tokens: whether each token is a special token.
        attentions: ``(layers, heads, seq_len, seq_len)`` weights; row ``i`` is
            where token ``i`` looks. Stored as a read-only float64 copy.
        rollout: ``(seq_len, seq_len)`` attention rollout, stored likewise.
        tokens_dropped: tokens cut off by the model's length limit. Default: 0
    """

    tokens: tuple[str, ...]
    special_tokens: tuple[bool, ...]
    attentions: np.ndarray
    rollout: np.ndarray
    tokens_dropped: int = 0

    def __post_init__(self) -> None:
        n = len(self.tokens)
        if len(self.special_tokens) != n:
            raise ValueError(f"AttentionMaps has {n} tokens but {len(self.special_tokens)} flags.")
        if np.ndim(self.attentions) != 4 or np.shape(self.attentions)[-2:] != (n, n):
            raise ValueError(f"AttentionMaps.attentions must be (layers, heads, {n}, {n}).")
        if np.shape(self.rollout) != (n, n):
            raise ValueError(f"AttentionMaps.rollout must be ({n}, {n}).")
        for name in ("attentions", "rollout"):
            array = np.array(getattr(self, name), dtype=np.float64)
            array.flags.writeable = False
            object.__setattr__(self, name, array)

    @property
    def layers(self) -> int:
        return int(self.attentions.shape[0])

    @property
    def heads(self) -> int:
        return int(self.attentions.shape[1])


def attention_maps(loaded: LoadedModel, text: str) -> AttentionMaps:
    """Read every attention matrix of ``text`` and roll them out.

    Args:
        loaded: from :func:`explain.load_checkpoint`.
        text: the text; truncated like an attribution's.

    Returns:
        The :class:`AttentionMaps`.

    Raises:
        InputError: the text is empty.
        CheckpointError: the model returns no attention weights.
    """
    with loaded.lock:
        encoding = encode(loaded.tokenizer, text, loaded.max_length, loaded.device)
        attentions = attention_weights(loaded, encoding)
    return AttentionMaps(
        tokens=encoding.tokens,
        special_tokens=tuple(bool(flag) for flag in encoding.special_mask[0].tolist()),
        attentions=attentions,
        rollout=attention_rollout(attentions),
        tokens_dropped=encoding.tokens_dropped,
    )


class _AttentionScores:
    """Shared by the attention methods: one forward for the prediction, one for the weights."""

    name = ""
    settings: tuple[Setting, ...] = ()
    signed = False

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded

    def _scores(self, attentions: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def attribute(
        self,
        text: str,
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str | None = None,
    ) -> Attribution:
        """Score each token by the attention [CLS] pays it.

        Args:
            text: the sentence to explain.
            target: label index or name, for the reported output only; the
                scores are the same for every label. Default: None, the
                predicted label.
            output: ``"probability"``, ``"logit"`` or ``"log_odds"``, for the
                reported output. Default: ``"probability"``
            baseline: ignored; attention uses no baseline. Default: None

        Returns:
            The :class:`Attribution`: unsigned scores that sum to 1 (special
            tokens included), with no baseline or delta.

        Raises:
            InputError: the text is empty.
            ValueError: the target or output is unknown.
            CheckpointError: the model returns no attention weights.
        """
        started = time.perf_counter()
        loaded = self.loaded
        with loaded.lock:
            prepared: Prepared = prepare(loaded, text, target, output, None)
            attentions = attention_weights(loaded, prepared.encoding)
        return build_attribution(
            prepared,
            text,
            self._scores(attentions).tolist(),
            self.name,
            target,
            started,
            signed=False,
        )


class LastLayerAttention(_AttentionScores):
    """How much [CLS] attends to each token in the last layer, averaged over heads.

    The classifier reads the [CLS] vector, so the last layer's [CLS] row is
    where its input was gathered from, one layer deep.

    Args:
        loaded: the model to explain.
    """

    name = "attention"

    def _scores(self, attentions: np.ndarray) -> np.ndarray:
        return attentions[-1].mean(axis=0)[0]  # (seq_len,)


class AttentionRollout(_AttentionScores):
    """The [CLS] row of attention rollout: attention traced back through every layer.

    See :func:`attention_rollout`. Abnar & Zuidema, 2020,
    https://arxiv.org/abs/2005.00928

    Args:
        loaded: the model to explain.
    """

    name = "attention_rollout"

    def _scores(self, attentions: np.ndarray) -> np.ndarray:
        return attention_rollout(attentions)[0]  # (seq_len,)


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
