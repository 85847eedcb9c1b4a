"""What number an attribution explains: one label's probability, logit or log-odds.

A contrastive target, "label A rather than label B", explains the difference
of the two labels' logits, ``logit[A] - logit[B]``, which is also
``log(p[A] / p[B])``: the output kind is then ``"logit_difference"``.

The classifier's head decides what a probability is. A single-label head's
labels compete through a softmax. A multi-label head's labels are independent
sigmoids: a label's probability is ``sigmoid(logit)`` (``"label_probability"``),
and its log-odds are its logit. A regression head has one output, the
predicted ``"score"``, explained as it is, through no softmax.
"""

from __future__ import annotations

from typing import Literal, get_args

import torch

from explain.core.errors import InputError

Head = Literal["single_label", "multi_label", "regression"]
HEADS: tuple[Head, ...] = get_args(Head)
MULTI_LABEL_THRESHOLD = 0.5  # a multi-label head predicts every label at or above this
OutputKind = Literal[
    "probability", "logit", "log_odds", "logit_difference", "label_probability", "score"
]
OUTPUT_KINDS: tuple[OutputKind, ...] = ("probability", "logit", "log_odds")  # for one label
DEFAULT_OUTPUT: OutputKind = "probability"
CONTRAST_OUTPUT: OutputKind = "logit_difference"
OUTPUT_DESCRIPTIONS: dict[OutputKind, str] = {
    "probability": "softmax probability of the target label (0 to 1)",
    "logit": "raw score of the target label before softmax",
    "log_odds": "log(p / (1 - p)) of the target label",
    "logit_difference": "logit of the target label minus logit of the contrast label, "
    "log(p_target / p_contrast)",
    "label_probability": "sigmoid probability of the target label, independent of the "
    "other labels (0 to 1)",
    "score": "the regression head's predicted score itself",
}


def check_output(output: str, head: Head = "single_label") -> OutputKind:
    """The output kind to compute when a caller asks for ``output`` of a ``head``.

    ``"logit_difference"`` is not one a caller asks for: it follows from giving
    a contrast label. A multi-label head's ``"probability"`` is its label's
    sigmoid (``"label_probability"``) and its ``"log_odds"`` are its
    ``"logit"``, exactly; a regression head's output is always its ``"score"``.

    Args:
        output: ``"probability"``, ``"logit"`` or ``"log_odds"``, or the head's own
            kind as a result records it (``"label_probability"``, ``"score"``).
        head: the classifier's head. Default: ``"single_label"``

    Raises:
        InputError: ``output`` is unknown; the message lists the valid ones.
    """
    own = {"multi_label": "label_probability", "regression": "score"}.get(head)
    if output not in OUTPUT_KINDS and output != own:  # a result's recorded kind is accepted too
        raise InputError(f"Unknown output {output!r}. Choose one of: {', '.join(OUTPUT_KINDS)}.")
    if head == "regression":
        return "score"
    if head == "multi_label":
        return "label_probability" if output in ("probability", own) else "logit"
    return output  # type: ignore[return-value]


def output_choices(head: Head) -> tuple[OutputKind, ...]:
    """The outputs a caller chooses between for ``head``.

    A regression head offers none: its one score is explained as it is, with
    no softmax, whatever output is asked for (see :func:`check_output`).

    Args:
        head: the classifier's head.

    Returns:
        :data:`OUTPUT_KINDS`, or ``()`` for a regression head.
    """
    return () if head == "regression" else OUTPUT_KINDS


def label_probabilities(logits: torch.Tensor, head: Head = "single_label") -> torch.Tensor:
    """Each label's probability: softmax, independent sigmoids, or a regressor's score as it is.

    Args:
        logits: ``(batch, num_labels)``.
        head: the classifier's head. Default: ``"single_label"``

    Returns:
        ``(batch, num_labels)``; for a regression head, the score itself.
    """
    if head == "multi_label":
        return torch.sigmoid(logits)
    if head == "regression":
        return logits
    return torch.softmax(logits, dim=-1)


def predicted_set(
    probabilities: tuple[float, ...], head: Head, threshold: float = MULTI_LABEL_THRESHOLD
) -> tuple[int, ...]:
    """The predicted labels' indices: every label at or above ``threshold`` for a multi-label head.

    A single-label head predicts its most probable label, a regression head its
    one output; neither reads ``threshold``.

    Args:
        probabilities: each label's probability, as :func:`label_probabilities` gives them.
        head: the classifier's head.
        threshold: the lowest probability a multi-label head predicts. Default: 0.5

    Returns:
        The indices, in label order; empty when no label of a multi-label head
        reaches ``threshold``.

    Raises:
        InputError: ``threshold`` is not strictly between 0 and 1.
    """
    check_threshold(threshold)
    if head == "multi_label":
        return tuple(i for i, p in enumerate(probabilities) if p >= threshold)
    return (max(range(len(probabilities)), key=probabilities.__getitem__),)


def check_threshold(threshold: float) -> float:
    """``threshold`` as a float, once it is strictly between 0 and 1.

    Raises:
        InputError: it is not; at 0 every label would be predicted, above 1 none.
    """
    if not 0.0 < float(threshold) < 1.0:
        raise InputError(
            f"The multi-label threshold must lie strictly between 0 and 1, not {threshold!r}: "
            f"a label is predicted when its sigmoid probability is at or above it (default "
            f"{MULTI_LABEL_THRESHOLD})."
        )
    return float(threshold)


def target_output(
    logits: torch.Tensor,
    label: int | torch.Tensor,
    output: OutputKind,
    contrast: int | torch.Tensor | None = None,
) -> torch.Tensor:
    """Reduce classifier logits to the scalar being explained, one per row.

    Args:
        logits: ``(batch, num_labels)``.
        label: the target label's index, for every row, or a ``(batch,)`` tensor
            of one index per row.
        output: which function of the logits to return.
        contrast: the contrast label's index, or a ``(batch,)`` tensor of them;
            needed for ``"logit_difference"`` and refused otherwise. Default: None

    Returns:
        ``(batch,)``.

    Raises:
        ValueError: ``contrast`` is given for a single-label output, or missing
            for ``"logit_difference"``.
    """
    chosen = _row_indices(logits, label)  # (batch, 1)
    if (output == CONTRAST_OUTPUT) != (contrast is not None):
        raise ValueError(f"A contrast label goes with output {CONTRAST_OUTPUT!r} and only then.")
    if contrast is not None:
        other = _row_indices(logits, contrast)  # (batch, 1)
        return (logits.gather(-1, chosen) - logits.gather(-1, other)).squeeze(-1)
    if output in ("logit", "score"):
        return logits.gather(-1, chosen).squeeze(-1)
    if output == "label_probability":
        return torch.sigmoid(logits.gather(-1, chosen).squeeze(-1))
    if output == "probability":
        return torch.softmax(logits, dim=-1).gather(-1, chosen).squeeze(-1)
    is_target = torch.zeros_like(logits, dtype=torch.bool).scatter_(-1, chosen, True)
    others = logits.masked_fill(is_target, -torch.inf)
    return logits.gather(-1, chosen).squeeze(-1) - torch.logsumexp(others, dim=-1)


def _row_indices(logits: torch.Tensor, label: int | torch.Tensor) -> torch.Tensor:
    """``(batch, 1)`` label indices for ``gather``, from one index or one per row."""
    if isinstance(label, int):
        label = torch.full((logits.shape[0],), label, dtype=torch.long, device=logits.device)
    return label.unsqueeze(-1)


def resolve_label(label: int | str | None, labels: tuple[str, ...], predicted: int) -> int:
    """Turn a label given by index, name or None (the predicted label) into an index.

    Raises:
        InputError: the label is not one of ``labels``.
    """
    if label is None:
        return predicted
    return _label_index(label, labels, "target")


def resolve_contrast(contrast: int | str, labels: tuple[str, ...], target: int) -> int:
    """Turn the contrast label, given by index or name, into an index.

    Args:
        contrast: the label the target is compared with.
        labels: the model's labels.
        target: the target label's index, after resolving "the predicted label".

    Returns:
        The contrast label's index.

    Raises:
        InputError: the contrast is not one of ``labels``.
        InputError: it is the target itself, whose logit difference is always 0.
    """
    index = _label_index(contrast, labels, "contrast")
    if index == target:
        raise InputError(
            f"The contrast label {labels[index]!r} is the target label itself, so "
            "logit[target] - logit[contrast] is always 0. Pick a different label to contrast "
            "with, or no contrast."
        )
    return index


def _label_index(label: int | str, labels: tuple[str, ...], role: str) -> int:
    """The index of a label given by index or name.

    Raises:
        InputError: it is not one of ``labels``; the message lists them.
    """
    if isinstance(label, str) and label in labels:
        return labels.index(label)
    if isinstance(label, int) and not isinstance(label, bool) and 0 <= label < len(labels):
        return label
    choices = ", ".join(f"{i}={name}" for i, name in enumerate(labels))
    raise InputError(f"Unknown {role} label {label!r}. This model's labels are: {choices}.")
