"""Attention weights as explanations: the last layer's [CLS] row, and attention rollout.

Attention says where the model looked, not what changed its output, so these
scores are unsigned and do not depend on the target label.
"""

from __future__ import annotations

import time

import numpy as np

from explain.core.results import Attribution
from explain.core.settings import Setting
from explain.core.targets import OutputKind
from explain.engine.attention import attention_rollout, attention_weights
from explain.methods.prepared import Prepared, build_attribution, prepare
from explain.model.checkpoints import LoadedModel


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
