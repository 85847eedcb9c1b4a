"""The result of one attribution: small, frozen, checked, and easy to serialise."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from explain.targets import OutputKind


@dataclass(frozen=True)
class AttributionSettings:
    """Everything that decides an attribution, so it can be reproduced.

    Args:
        checkpoint: the checkpoint name, directory or hub id.
        method: the method's registry name.
        baseline: the baseline's registry name.
        output: the function of the logits being explained.
        n_steps: integration steps.
        requested_label: the target label as asked for; None means "the
            predicted label".
        integration: Captum's integration rule. Default: ``"gausslegendre"``
        internal_batch_size: interpolated inputs per forward pass, as requested;
            None means as many as fit in a 4096-token budget. Default: None
        device: where it ran. Default: ``"cpu"``
    """

    checkpoint: str
    method: str
    baseline: str
    output: OutputKind
    n_steps: int
    requested_label: int | str | None
    integration: str = "gausslegendre"
    internal_batch_size: int | None = None
    device: str = "cpu"


@dataclass(frozen=True)
class Attribution:
    """Per-token scores for one text, with the numbers needed to judge them.

    Scores are signed: positive pushed the target output up, negative pushed it
    down. ``scores`` are in the units of the output (probability, logit or
    log-odds) and add up to ``attribution_sum``; ``normalized_scores`` divide
    them by the largest magnitude so the strongest token is +1 or -1.

    Completeness: ``attribution_sum = f_input - f_baseline + delta``. A small
    ``|delta|`` relative to ``|f_input - f_baseline|`` means the integral was
    computed accurately; it says nothing about whether the baseline was apt.
    """

    text: str
    tokens: tuple[str, ...]
    token_ids: tuple[int, ...]
    special_tokens: tuple[bool, ...]
    offsets: tuple[tuple[int, int], ...]
    scores: tuple[float, ...]
    normalized_scores: tuple[float, ...]
    labels: tuple[str, ...]
    probabilities: tuple[float, ...]
    predicted_index: int
    target_index: int
    f_input: float
    f_baseline: float
    attribution_sum: float
    delta: float
    baseline_tokens: tuple[str, ...]
    settings: AttributionSettings
    seconds: float
    tokens_dropped: int = 0
    max_length: int = 512
    signed: bool = True

    def __post_init__(self) -> None:
        n = len(self.tokens)
        for name in (
            "token_ids",
            "special_tokens",
            "offsets",
            "scores",
            "normalized_scores",
        ):
            if len(getattr(self, name)) != n:
                raise ValueError(
                    f"Attribution has {n} tokens but {len(getattr(self, name))} {name}."
                )
        if len(self.baseline_tokens) != n:
            raise ValueError(
                f"Attribution has {n} tokens but {len(self.baseline_tokens)} baseline tokens."
            )
        if len(self.probabilities) != len(self.labels) or not self.labels:
            raise ValueError("Attribution needs one probability per label.")
        for name in ("predicted_index", "target_index"):
            if not 0 <= getattr(self, name) < len(self.labels):
                raise ValueError(f"Attribution.{name} is out of range.")
        numbers = (
            *self.scores,
            *self.normalized_scores,
            *self.probabilities,
            self.f_input,
            self.f_baseline,
            self.attribution_sum,
            self.delta,
        )
        if not all(math.isfinite(value) for value in numbers):
            raise ValueError("Attribution holds a NaN or infinite value.")
        if abs(sum(self.probabilities) - 1.0) > 1e-3:
            raise ValueError("Attribution probabilities do not sum to 1.")
        if self.tokens_dropped < 0 or self.seconds < 0 or self.max_length < 1:
            raise ValueError("Attribution.tokens_dropped and seconds must not be negative.")

    @property
    def predicted_label(self) -> str:
        return self.labels[self.predicted_index]

    @property
    def target_label(self) -> str:
        return self.labels[self.target_index]

    @property
    def target_probability(self) -> float:
        return self.probabilities[self.target_index]

    @property
    def output_change(self) -> float:
        """``F(input) - F(baseline)``: what the scores should add up to."""
        return self.f_input - self.f_baseline

    @property
    def relative_delta(self) -> float:
        """``|delta| / |F(input) - F(baseline)|``, or ``inf`` when the change is ~0."""
        change = abs(self.output_change)
        return abs(self.delta) / change if change > 1e-12 else math.inf

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict of every field plus the derived labels."""
        data = asdict(self)
        data["predicted_label"] = self.predicted_label
        data["target_label"] = self.target_label
        return data


def normalize(scores: tuple[float, ...]) -> tuple[float, ...]:
    """Divide by the largest magnitude, so values lie in [-1, 1]; all-zero stays zero."""
    peak = max((abs(score) for score in scores), default=0.0)
    return tuple(score / peak for score in scores) if peak > 0 else tuple(0.0 for _ in scores)
