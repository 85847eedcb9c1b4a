"""The Attention view: every layer's and head's attention for one text, and the rollout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explain.engine.attention import attention_rollout, attention_weights
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import encode


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
