"""A plain prediction: every label's probability for one text, with no attribution."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from explain.core.targets import MULTI_LABEL_THRESHOLD, Head, label_probabilities, predicted_set
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import encode


@dataclass(frozen=True)
class Prediction:
    """The model's probabilities for one text."""

    labels: tuple[str, ...]
    probabilities: tuple[float, ...]
    predicted_index: int
    n_tokens: int
    tokens_dropped: int
    head: Head = "single_label"

    @property
    def predicted_label(self) -> str:
        return self.labels[self.predicted_index]

    def predicted_labels(self, threshold: float = MULTI_LABEL_THRESHOLD) -> tuple[str, ...]:
        """The predicted labels: for a multi-label head, every one at or above ``threshold``."""
        chosen = predicted_set(self.probabilities, self.head, threshold)
        return tuple(self.labels[i] for i in chosen)


def predict(loaded: LoadedModel, text: str) -> Prediction:
    """Run one forward pass and return every label's probability.

    Probabilities are a softmax for a single-label head, independent sigmoids
    for a multi-label head, and the predicted score itself for a regressor.

    Args:
        loaded: from :func:`explain.load_checkpoint`.
        text: the text to classify; truncated like an attribution's.

    Returns:
        The :class:`Prediction`.

    Raises:
        InputError: the text is empty.
    """
    with loaded.lock, torch.inference_mode():
        encoding = encode(loaded.tokenizer, text, loaded.max_length, loaded.device)
        logits = loaded.model(input_ids=encoding.input_ids, **encoding.model_inputs()).logits
    probabilities = label_probabilities(logits.float(), loaded.head)[0]
    return Prediction(
        labels=loaded.labels,
        probabilities=tuple(float(p) for p in probabilities.tolist()),
        predicted_index=int(probabilities.argmax()),
        n_tokens=int(encoding.input_ids.shape[1]),
        tokens_dropped=encoding.tokens_dropped,
        head=loaded.head,
    )
