"""What the attention methods share: attention weights as scores, unsigned and target-free.

Attention says where the model looked, not what changed its output, so these
scores are unsigned and do not depend on the target label; they sum to 1
(special tokens included), and the target and output only set the reported
``F(input)``.
"""

from __future__ import annotations

import abc

import numpy as np

from explain.engine.attention import attention_weights
from explain.methods.base import PreparedExplainer, Values
from explain.methods.prepared import Prepared


class AttentionExplainer(PreparedExplainer):
    """A method that reads [CLS]'s attention: one forward for the prediction, one for the weights.

    Raises (from ``attribute``):
        CheckpointError: the model returns no attention weights.
    """

    signed = False
    has_delta = False
    uses_baseline = False
    sequence_only = (
        "it reads the attention of the [CLS] token, which a sentence classifier's head reads; "
        "a tagger's, an answer's or a zero-shot candidate's output does not come from there"
    )

    @abc.abstractmethod
    def scores(self, attentions: np.ndarray) -> np.ndarray:
        """``(seq_len,)`` scores from ``(layers, heads, seq_len, seq_len)`` attention weights."""

    def compute(self, prepared: Prepared, text: str, values: Values) -> list[float]:
        attentions = attention_weights(self.loaded, prepared.encoding)
        return self.scores(attentions).tolist()
