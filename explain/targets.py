"""What number an attribution explains: one label's probability, logit or log-odds."""

from __future__ import annotations

from typing import Literal, get_args

import torch

OutputKind = Literal["probability", "logit", "log_odds"]
OUTPUT_KINDS: tuple[OutputKind, ...] = get_args(OutputKind)
OUTPUT_DESCRIPTIONS: dict[OutputKind, str] = {
    "probability": "softmax probability of the target label (0 to 1)",
    "logit": "raw score of the target label before softmax",
    "log_odds": "log(p / (1 - p)) of the target label",
}


def check_output(output: str) -> OutputKind:
    """Return ``output`` if it is a known output kind.

    Raises:
        ValueError: it is not; the message lists the valid ones.
    """
    if output not in OUTPUT_KINDS:
        raise ValueError(f"Unknown output {output!r}. Choose one of: {', '.join(OUTPUT_KINDS)}.")
    return output  # type: ignore[return-value]


def target_output(
    logits: torch.Tensor, label: int | torch.Tensor, output: OutputKind
) -> torch.Tensor:
    """Reduce classifier logits to the scalar being explained, one per row.

    Args:
        logits: ``(batch, num_labels)``.
        label: the target label's index, for every row, or a ``(batch,)`` tensor
            of one index per row.
        output: which function of the logits to return.

    Returns:
        ``(batch,)``.
    """
    if isinstance(label, int):
        label = torch.full((logits.shape[0],), label, dtype=torch.long, device=logits.device)
    chosen = label.unsqueeze(-1)  # (batch, 1)
    if output == "logit":
        return logits.gather(-1, chosen).squeeze(-1)
    if output == "probability":
        return torch.softmax(logits, dim=-1).gather(-1, chosen).squeeze(-1)
    is_target = torch.zeros_like(logits, dtype=torch.bool).scatter_(-1, chosen, True)
    others = logits.masked_fill(is_target, -torch.inf)
    return logits.gather(-1, chosen).squeeze(-1) - torch.logsumexp(others, dim=-1)


def resolve_label(label: int | str | None, labels: tuple[str, ...], predicted: int) -> int:
    """Turn a label given by index, name or None (the predicted label) into an index.

    Raises:
        ValueError: the label is not one of ``labels``.
    """
    if label is None:
        return predicted
    if isinstance(label, str) and label in labels:
        return labels.index(label)
    if isinstance(label, int) and not isinstance(label, bool) and 0 <= label < len(labels):
        return label
    choices = ", ".join(f"{i}={name}" for i, name in enumerate(labels))
    raise ValueError(f"Unknown target label {label!r}. This model's labels are: {choices}.")
