"""The result of one attribution: small, frozen, checked, and easy to serialise."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

from explain.core.targets import MULTI_LABEL_THRESHOLD, Head, OutputKind, predicted_set
from explain.core.task_results import DEFAULT_TASK, TaskInfo, TaskName

LongMode = Literal["truncate", "windows"]
"""What happens to a text longer than the model's window: cut it, or explain it in windows."""
LONG_MODES: tuple[LongMode, ...] = ("truncate", "windows")


@dataclass(frozen=True)
class AttributionSettings:
    """Everything that decides an attribution, so it can be reproduced.

    Args:
        checkpoint: the checkpoint name, directory or hub id.
        method: the method's registry name.
        baseline: the baseline's registry name; None for a method that uses
            no baseline.
        output: the function of the logits being explained.
        n_steps: integration steps; None for a method that does not integrate.
        requested_label: the target label as asked for; None means "the
            predicted label".
        integration: the integration rule: ``"gausslegendre"`` (fixed
            steps, as Captum's) or ``"gauss-kronrod adaptive"`` (to an error
            tolerance; ``n_steps`` is then the gradients evaluated per path);
            None for a method that does not integrate. Default:
            ``"gausslegendre"``
        internal_batch_size: interpolated inputs per forward pass, as requested;
            None means as many as fit in a 4096-token budget. Default: None
        device: where it ran. Default: ``"cpu"``
        options: the method's other settings (all but ``n_steps`` and
            ``internal_batch_size``), as ``(name, value)`` pairs in the order
            the method declares them. Lists (as read back from JSON) become
            tuples. Default: ``()``
        baseline_options: the options the baseline reads (seed, noise scale,
            token, samples), as ``(name, value)`` pairs named as the keyword
            arguments of ``attribute``. Default: ``()``
        contrast: the contrast label as asked for; when set, the output is
            ``logit[target] - logit[contrast]``. Default: None
        auto_steps: whether ``n_steps`` was raised until the delta was within
            ``tolerance``; ``n_steps`` is then the number used. Default: False
        tolerance: the largest ``|delta| / |F(input) - F(baseline)|`` auto
            steps or bfloat16 precision accepted; None with neither. Default: None
        long: what was done with a text longer than the model's window:
            ``"truncate"`` (cut to fit) or ``"windows"`` (explained in
            overlapping windows). Default: ``"truncate"``
        stride: with windows, the text tokens from one window's start to the
            next's; None under truncation. Default: None
    """

    checkpoint: str
    method: str
    baseline: str | None
    output: OutputKind
    n_steps: int | None
    requested_label: int | str | None
    integration: str | None = "gausslegendre"
    internal_batch_size: int | None = None
    device: str = "cpu"
    options: tuple[tuple[str, int | float | str], ...] = ()
    baseline_options: tuple[tuple[str, int | float | str], ...] = ()
    contrast: int | str | None = None
    auto_steps: bool = False
    tolerance: float | None = None
    long: LongMode = "truncate"
    stride: int | None = None

    def __post_init__(self) -> None:
        pairs = tuple((str(name), value) for name, value in self.options)
        object.__setattr__(self, "options", pairs)
        baseline_pairs = tuple((str(name), value) for name, value in self.baseline_options)
        object.__setattr__(self, "baseline_options", baseline_pairs)


@dataclass(frozen=True)
class Attribution:
    """Per-token scores for one text, with the numbers needed to judge them.

    When ``signed``, positive scores pushed the target output up and negative
    ones pushed it down; unsigned scores (saliency, attention) say how much,
    not which way, and are never negative. ``scores`` add up to
    ``attribution_sum``; ``normalized_scores`` divide them by the largest
    magnitude so the strongest token is +1 or -1. Gradient and perturbation
    scores are in the units of the output (probability, logit or log-odds);
    attention scores are attention weights.

    Completeness: ``attribution_sum = f_input - f_baseline + delta``. A small
    ``|delta|`` relative to ``|f_input - f_baseline|`` means the integral was
    computed accurately; it says nothing about whether the baseline was apt.
    ``f_baseline`` is None for a method with no baseline, and ``delta`` is None
    for a method whose scores are not meant to add up to the change (saliency,
    LIME, occlusion, attention). ``baseline_tokens`` is empty when the method
    uses no baseline.

    Expected gradients averages several baselines: ``f_baseline`` is then the
    mean of their outputs, ``delta`` the mean of ``sample_deltas``, each
    sample's own delta. A sentence pair's second text is ``text_pair``;
    ``segments`` says, per token, which text (0 or 1) it belongs to, and each
    text's ``offsets`` start at 0. With auto steps, ``converged`` says whether
    the delta came within the tolerance, and ``completeness_warning`` says in
    words when it did not. Integration to an error tolerance gives each score
    its estimated absolute error in ``score_errors`` (the error bar, in the
    scores' units) and ``error_estimate``, the estimated largest error of any
    token once the scores are scaled to unit length; both are empty or None
    otherwise.

    A text explained in ``windows`` (more than 1) was longer than the
    model's window of ``max_length`` tokens: its output is the mean of the
    windows' outputs (``f_input`` and ``f_baseline`` are those means), and
    each token's score is the mean over all windows of its scores (zero in a
    window that does not hold it), so the scores still add up to
    ``f_input - f_baseline`` up to ``delta``. Every token is then scored and
    ``tokens_dropped`` is 0.

    ``head`` is the classifier's: ``probabilities`` are a softmax for
    ``"single_label"``, independent sigmoids for ``"multi_label"``, and the
    predicted score itself for ``"regression"``.

    ``task`` says what the checkpoint does (see :mod:`explain.tasks`), and
    ``task_info`` what a task other than sequence classification predicted
    and which part of it the scores explain. ``labels`` are then the task's
    choices: a token classifier's entity groups (``probabilities`` are the
    explained span's mean), a zero-shot run's candidate labels, or a QA
    model's ``("start", "end")`` (the answer's start and end probabilities).
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
    f_baseline: float | None
    attribution_sum: float
    delta: float | None
    baseline_tokens: tuple[str, ...]
    settings: AttributionSettings
    seconds: float
    tokens_dropped: int = 0
    max_length: int = 512
    signed: bool = True
    sample_deltas: tuple[float, ...] = ()
    text_pair: str | None = None
    segments: tuple[int, ...] = ()
    converged: bool | None = None
    completeness_warning: str | None = None
    score_errors: tuple[float, ...] = ()
    error_estimate: float | None = None
    head: Head = "single_label"
    windows: int = 1
    task: TaskName = DEFAULT_TASK
    task_info: TaskInfo | None = None

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
        if len(self.score_errors) not in (0, n):
            raise ValueError(f"Attribution has {n} tokens but {len(self.score_errors)} errors.")
        if any(not error >= 0 for error in self.score_errors) or not (
            self.error_estimate is None or self.error_estimate >= 0
        ):
            raise ValueError("Attribution errors must not be negative or NaN.")
        if len(self.segments) not in (0, n) or not set(self.segments) <= {0, 1}:
            raise ValueError(f"Attribution has {n} tokens but segments {self.segments}.")
        if len(self.baseline_tokens) not in (0, n):
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
            *self.sample_deltas,
        )
        if not all(value is None or math.isfinite(value) for value in numbers):
            raise ValueError("Attribution holds a NaN or infinite value.")
        if self.head == "single_label" and abs(sum(self.probabilities) - 1.0) > 1e-3:
            raise ValueError("Attribution probabilities do not sum to 1.")
        if self.head == "multi_label" and not all(0 <= p <= 1 for p in self.probabilities):
            raise ValueError("Attribution probabilities of a multi-label head lie in [0, 1].")
        if (self.task == DEFAULT_TASK) != (self.task_info is None):
            raise ValueError(f"Attribution of task {self.task!r} with task_info {self.task_info}.")
        if self.windows < 1:
            raise ValueError("Attribution.windows must be at least 1.")
        if self.tokens_dropped < 0 or self.seconds < 0 or self.max_length < 1:
            raise ValueError("Attribution.tokens_dropped and seconds must not be negative.")

    @property
    def predicted_label(self) -> str:
        return self.labels[self.predicted_index]

    @property
    def predicted_labels(self) -> tuple[str, ...]:
        """The predicted labels: for a multi-label head, every one at or above 0.5."""
        return self.predicted_labels_at(MULTI_LABEL_THRESHOLD)

    def predicted_labels_at(self, threshold: float) -> tuple[str, ...]:
        """The predicted labels: for a multi-label head, every one at or above ``threshold``.

        Raises:
            InputError: ``threshold`` is not strictly between 0 and 1.
        """
        return tuple(
            self.labels[i] for i in predicted_set(self.probabilities, self.head, threshold)
        )

    @property
    def target_label(self) -> str:
        return self.labels[self.target_index]

    @property
    def target_probability(self) -> float:
        return self.probabilities[self.target_index]

    @property
    def output_change(self) -> float | None:
        """``F(input) - F(baseline)``, or None when the method has no baseline."""
        return None if self.f_baseline is None else self.f_input - self.f_baseline

    @property
    def relative_delta(self) -> float | None:
        """``|delta| / |F(input) - F(baseline)|``.

        Returns:
            None when the method defines no delta (or no baseline); ``inf``
            when the change is ~0, so any delta is large beside it.
        """
        change = self.output_change
        if self.delta is None or change is None:
            return None
        return abs(self.delta) / abs(change) if abs(change) > 1e-12 else math.inf

    def to_dict(self, threshold: float = MULTI_LABEL_THRESHOLD) -> dict[str, object]:
        """A JSON-ready dict of every field plus the derived labels.

        A task's record (``task_info``) is written as its own top-level fields
        (see :mod:`explain.core.task_results`).

        Args:
            threshold: the multi-label threshold behind ``"predicted_labels"``
                (recorded as ``"threshold"`` for a multi-label head). Default: 0.5
        """
        data = asdict(self)
        del data["task_info"]
        if self.task_info is not None:
            data.update(self.task_info.fields())
        data["predicted_label"] = self.predicted_label
        data["predicted_labels"] = list(self.predicted_labels_at(threshold))
        if self.head == "multi_label":
            data["threshold"] = threshold
        data["target_label"] = self.target_label
        return data


def normalize(scores: tuple[float, ...]) -> tuple[float, ...]:
    """Divide by the largest magnitude, so values lie in [-1, 1]; all-zero stays zero."""
    peak = max((abs(score) for score in scores), default=0.0)
    return tuple(score / peak for score in scores) if peak > 0 else tuple(0.0 for _ in scores)
