"""The integration path of integrated gradients, laid out point by point for teaching.

Integrated gradients (Sundararajan et al., 2017, https://arxiv.org/abs/1703.01365)
walks the straight line ``b + alpha * (x - b)`` from the baseline ``b``
(``alpha = 0``) to the input ``x`` (``alpha = 1``) through the output of the
embeddings layer, as :mod:`explain.methods.layer_integrated_gradients` does, and adds up
each token's ``gradient · (x - b)`` along the way. By the chain rule the
tokens' integrands at ``alpha`` add up to ``dF/dalpha``, so their integral over
``[0, 1]`` is ``F(input) - F(baseline)``: integrated gradients shares that
change out among the tokens.

- :func:`integration_path` evaluates ``F``, every label's probability and
  every token's integrand at a grid of ``alpha`` in one batched forward and
  backward pass.
- :func:`convergence` measures how far the scores miss ``F(input) -
  F(baseline)`` (the convergence delta) as the number of steps grows, under
  Captum's Riemann rules and Gauss-Legendre quadrature.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import torch
from captum.attr import IntegratedGradients

from explain.core.errors import InputError
from explain.core.settings import IntSetting
from explain.core.targets import OutputKind, label_probabilities, target_output
from explain.engine.hooks import rows_per_pass, weights_frozen
from explain.engine.pooled import last_layer_pooled
from explain.engine.straight_path import gauss_legendre
from explain.methods.baselines import DEFAULT_BASELINE
from explain.methods.prepared import Prepared, prepare
from explain.model.checkpoints import LoadedModel

Grid = Literal["uniform", "gausslegendre"]
GRIDS: tuple[Grid, ...] = get_args(Grid)
Rule = Literal[
    "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid", "gausslegendre"
]
RULES: tuple[Rule, ...] = get_args(Rule)
DEFAULT_RULES: tuple[Rule, ...] = ("riemann_trapezoid", "gausslegendre")
RULE_TITLES: dict[Rule, str] = {
    "riemann_left": "Riemann, left",
    "riemann_right": "Riemann, right",
    "riemann_middle": "Riemann, middle",
    "riemann_trapezoid": "Riemann, trapezoid",
    "gausslegendre": "Gauss-Legendre",
}
DEFAULT_STEPS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256)
MAX_STEPS = 1024
PATH_POINTS = IntSetting(
    name="n_points",
    label="Points on the path",
    default=21,
    minimum=2,
    maximum=201,
    step=1,
    help="How many values of alpha between the baseline (0) and the input (1) are "
    "evaluated. All of them go through the model in one batch.",
)


@dataclass(frozen=True)
class IntegrationPath:
    """The model's output and gradients at points along the path from baseline to input.

    ``alphas[i]`` is the point ``b + alphas[i] * (x - b)``, where ``b`` and
    ``x`` are the embeddings layer's output for the baseline and the input.
    ``integrands[i][j]`` is token ``j``'s ``gradient · (x - b)`` there
    (summed over the hidden dimension); the tokens' integrands at one point
    add up to ``dF/dalpha``. Weighting the points by ``weights`` integrates
    them: :attr:`attributions` is integrated gradients with this grid.

    Args:
        text: the explained text.
        tokens: the tokens, special ones included.
        special_tokens: True at ``[CLS]``, ``[SEP]`` and the like.
        labels: the model's label names.
        target_index: the explained label.
        output: which function of the logits is ``F``.
        baseline: the baseline's registry name.
        grid: ``"uniform"`` (``alphas`` evenly spaced, 0 and 1 included,
            trapezoid weights) or ``"gausslegendre"`` (Captum's nodes and
            weights, inside ``(0, 1)``).
        alphas: ``(n_points,)`` positions on the path, ascending.
        weights: ``(n_points,)`` quadrature weights; they add up to 1.
        f_values: ``(n_points,)`` the target output ``F`` at each point.
        probabilities: ``(n_points, num_labels)`` every label's probability at each point.
        integrands: ``(n_points, seq_len)`` each token's ``gradient · (x - b)``.
        gradient_norms: ``(n_points, seq_len)`` the length of each token's gradient.
        f_baseline: ``F`` at ``alpha = 0``.
        f_input: ``F`` at ``alpha = 1``.
        checkpoint: the checkpoint's name.
        seconds: how long it took.
    """

    text: str
    tokens: tuple[str, ...]
    special_tokens: tuple[bool, ...]
    labels: tuple[str, ...]
    target_index: int
    output: OutputKind
    baseline: str
    grid: Grid
    alphas: tuple[float, ...]
    weights: tuple[float, ...]
    f_values: tuple[float, ...]
    probabilities: tuple[tuple[float, ...], ...]
    integrands: tuple[tuple[float, ...], ...]
    gradient_norms: tuple[tuple[float, ...], ...]
    f_baseline: float
    f_input: float
    checkpoint: str
    seconds: float

    def __post_init__(self) -> None:
        points, n = len(self.alphas), len(self.tokens)
        if points < 1 or len(self.special_tokens) != n:
            raise ValueError("IntegrationPath needs at least one point and one flag per token.")
        for name in ("weights", "f_values", "probabilities", "integrands", "gradient_norms"):
            if len(getattr(self, name)) != points:
                raise ValueError(f"IntegrationPath needs one row of {name} per alpha.")
        if any(len(row) != len(self.labels) for row in self.probabilities):
            raise ValueError("IntegrationPath needs one probability per label at every alpha.")
        if any(len(row) != n for rows in (self.integrands, self.gradient_norms) for row in rows):
            raise ValueError(f"IntegrationPath needs one integrand and norm per token ({n}).")
        if not 0 <= self.target_index < len(self.labels):
            raise ValueError("IntegrationPath.target_index is out of range.")

    @property
    def target_label(self) -> str:
        return self.labels[self.target_index]

    @property
    def output_change(self) -> float:
        """``F(input) - F(baseline)``: what the integrands integrate to."""
        return self.f_input - self.f_baseline

    @property
    def derivatives(self) -> tuple[float, ...]:
        """``dF/dalpha`` at each point: the sum of the tokens' integrands there."""
        return tuple(float(sum(row)) for row in self.integrands)

    @property
    def attributions(self) -> tuple[float, ...]:
        """Each token's integrand integrated over the grid: integrated gradients' scores."""
        values = np.asarray(self.weights) @ np.asarray(self.integrands)  # (seq_len,)
        return tuple(float(value) for value in values)

    @property
    def delta(self) -> float:
        """Sum of :attr:`attributions` minus ``F(input) - F(baseline)``."""
        return float(sum(self.attributions)) - self.output_change

    def nearest(self, alpha: float) -> int:
        """The index of the grid point closest to ``alpha``."""
        return int(np.argmin(np.abs(np.asarray(self.alphas) - alpha)))


def path_grid(n_points: int, grid: Grid = "uniform") -> tuple[list[float], list[float]]:
    """Positions and quadrature weights of ``n_points`` points on ``[0, 1]``.

    Args:
        n_points: how many points.
        grid: ``"uniform"``: evenly spaced, both ends included, trapezoid
            weights; ``"gausslegendre"``: Captum's Gauss-Legendre nodes and
            weights. Default: ``"uniform"``

    Returns:
        ``(alphas, weights)``, ascending alphas and weights that add up to 1.

    Raises:
        InputError: ``n_points`` is out of range.
        InputError: the grid is unknown.
    """
    PATH_POINTS.check(n_points)
    if grid == "gausslegendre":
        alphas, weights = gauss_legendre(n_points)
        return list(alphas), list(weights)
    if grid != "uniform":
        raise InputError(f"Unknown grid {grid!r}. Choose one of: {', '.join(GRIDS)}.")
    uniform = [1.0 / (n_points - 1)] * n_points
    uniform[0] = uniform[-1] = 0.5 / (n_points - 1)
    return np.linspace(0.0, 1.0, n_points).tolist(), uniform


def _baseline_of(prepared: Prepared) -> tuple[torch.Tensor, float]:
    """The baseline's ``(1, seq_len, hidden)`` embedding and its ``F``.

    Raises:
        ValueError: ``prepared`` was made without a baseline.
    """
    if prepared.baseline_embedding is None or prepared.f_baseline is None:
        raise ValueError("The integration path needs a baseline; name one from BASELINES.")
    return prepared.baseline_embedding, prepared.f_baseline


def integration_path(
    loaded: LoadedModel,
    text: str,
    target: int | str | None = None,
    output: OutputKind = "probability",
    baseline: str = DEFAULT_BASELINE,
    n_points: int = PATH_POINTS.default,
    grid: Grid = "uniform",
) -> IntegrationPath:
    """Evaluate ``F``, the probabilities and each token's gradient along the path.

    All points (plus both ends, for ``F(baseline)`` and ``F(input)``) go
    through the model in one forward and one backward pass, split only when
    they exceed a budget of 4096 tokens.

    Args:
        loaded: the model. Its lock is held throughout, because hooks are
            installed on the shared model.
        text: the sentence to explain.
        target: label index or name. Default: None, the predicted label.
        output: ``"probability"``, ``"logit"`` or ``"log_odds"`` of the
            target. Default: ``"probability"``
        baseline: a name from :data:`explain.methods.baselines.BASELINES`. Default: ``"pad"``
        n_points: points on the path, from 2 to 201. Default: 21
        grid: ``"uniform"`` or ``"gausslegendre"`` (see :func:`path_grid`).
            Default: ``"uniform"``

    Returns:
        The :class:`IntegrationPath`.

    Raises:
        InputError: the text is empty, or ``n_points`` is out of range.
        InputError: the target, output, baseline or grid is unknown.
    """
    started = time.perf_counter()
    alphas, weights = path_grid(n_points, grid)
    with loaded.lock, weights_frozen(loaded.model), last_layer_pooled(loaded.model):
        prepared = prepare(loaded, text, target, output, baseline)
        start, _ = _baseline_of(prepared)  # (1, seq_len, hidden)
        difference = prepared.input_embedding - start  # (1, seq_len, hidden)
        points = torch.tensor(
            [*alphas, 0.0, 1.0], dtype=difference.dtype, device=difference.device
        )  # (n_points + 2,)
        logits, gradients = [], []
        per_pass = rows_per_pass(prepared.seq_len)
        for first in range(0, len(points), per_pass):
            chunk = points[first : first + per_pass]
            path = (start + chunk[:, None, None] * difference).requires_grad_()
            with torch.enable_grad():
                chunk_logits = prepared.logits(path)  # (chunk, num_labels)
                scores = target_output(chunk_logits, prepared.label, prepared.output)
                (gradient,) = torch.autograd.grad(scores.sum(), path)  # (chunk, seq_len, hidden)
            logits.append(chunk_logits.detach())
            gradients.append(gradient)
        all_logits = torch.cat(logits)  # (n_points + 2, num_labels)
        gradient = torch.cat(gradients)  # (n_points + 2, seq_len, hidden)
        f_values = target_output(all_logits, prepared.label, prepared.output).double().cpu()
        probabilities = label_probabilities(all_logits.double(), loaded.head).cpu()
        integrands = (gradient * difference).sum(dim=-1).double().cpu()  # (points, seq_len)
        norms = gradient.double().norm(dim=-1).cpu()  # (points, seq_len)
    n = len(alphas)
    return IntegrationPath(
        text=text,
        tokens=prepared.encoding.tokens,
        special_tokens=tuple(bool(flag) for flag in prepared.encoding.special_mask[0].tolist()),
        labels=loaded.labels,
        target_index=prepared.label,
        output=prepared.output,
        baseline=baseline,
        grid=grid,
        alphas=tuple(float(alpha) for alpha in alphas),
        weights=tuple(float(weight) for weight in weights),
        f_values=tuple(f_values[:n].tolist()),
        probabilities=tuple(tuple(row) for row in probabilities[:n].tolist()),
        integrands=tuple(tuple(row) for row in integrands[:n].tolist()),
        gradient_norms=tuple(tuple(row) for row in norms[:n].tolist()),
        f_baseline=float(f_values[n]),
        f_input=float(f_values[n + 1]),
        checkpoint=loaded.name,
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class ConvergenceCurve:
    """The convergence delta of one integration rule at several step counts.

    Args:
        rule: Captum's name of the rule.
        steps: the step counts, ascending.
        deltas: per step count, the sum of the attributions minus
            ``F(input) - F(baseline)``.
    """

    rule: Rule
    steps: tuple[int, ...]
    deltas: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.steps) != len(self.deltas):
            raise ValueError("ConvergenceCurve needs one delta per step count.")

    @property
    def title(self) -> str:
        return RULE_TITLES[self.rule]

    @property
    def abs_deltas(self) -> tuple[float, ...]:
        return tuple(abs(delta) for delta in self.deltas)

    def at(self, n_steps: int) -> float:
        """``|delta|`` at ``n_steps``.

        Raises:
            ValueError: the curve has no such step count.
        """
        if n_steps not in self.steps:
            raise ValueError(f"{self.title} was not run with {n_steps} steps.")
        return self.abs_deltas[self.steps.index(n_steps)]


@dataclass(frozen=True)
class Convergence:
    """How fast integrated gradients' scores come to add up, rule by rule.

    Args:
        text: the explained text.
        labels: the model's label names.
        target_index: the explained label.
        output: which function of the logits is ``F``.
        baseline: the baseline's registry name.
        f_input: ``F`` for the input.
        f_baseline: ``F`` for the baseline.
        curves: one :class:`ConvergenceCurve` per rule.
        checkpoint: the checkpoint's name.
        seconds: how long it took.
    """

    text: str
    labels: tuple[str, ...]
    target_index: int
    output: OutputKind
    baseline: str
    f_input: float
    f_baseline: float
    curves: tuple[ConvergenceCurve, ...]
    checkpoint: str
    seconds: float

    @property
    def target_label(self) -> str:
        return self.labels[self.target_index]

    @property
    def output_change(self) -> float:
        return self.f_input - self.f_baseline

    def curve(self, rule: Rule) -> ConvergenceCurve:
        """The curve of ``rule``.

        Raises:
            ValueError: ``rule`` was not measured.
        """
        for curve in self.curves:
            if curve.rule == rule:
                return curve
        raise ValueError(f"Rule {rule!r} was not measured; measured: {self.rules}.")

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(curve.rule for curve in self.curves)


def doubling_steps(up_to: int) -> tuple[int, ...]:
    """The step counts 1, 2, 4, ... up to ``up_to``: what a convergence plot tries."""
    return tuple(2**power for power in range(int(up_to).bit_length()) if 2**power <= up_to)


def _check_steps(steps: Sequence[int]) -> tuple[int, ...]:
    """``steps`` sorted and without repeats, if each is a whole number in ``[1, MAX_STEPS]``."""
    if not steps:
        raise InputError("Give at least one number of steps, such as (1, 2, 4, 8).")
    for value in steps:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_STEPS:
            raise InputError(
                f"Numbers of steps must be whole numbers from 1 to {MAX_STEPS}, not {value!r}."
            )
    return tuple(sorted(set(steps)))


def convergence(
    loaded: LoadedModel,
    text: str,
    target: int | str | None = None,
    output: OutputKind = "probability",
    baseline: str = DEFAULT_BASELINE,
    steps: Sequence[int] = DEFAULT_STEPS,
    rules: Sequence[Rule] = DEFAULT_RULES,
) -> Convergence:
    """Integrated gradients' convergence delta for several step counts and rules.

    Runs Captum's ``IntegratedGradients`` on the embeddings layer's output (as
    :class:`explain.methods.layer_integrated_gradients.EmbeddingIntegratedGradients` does)
    once per rule and step count. Riemann rules need at least 2 steps, so
    their curves skip a step count of 1. Captum's ``riemann_trapezoid`` puts
    ``n`` points on ``[0, 1]`` but weights them as if they were ``1/n``
    apart, so its weights add up to ``1 - 1/n`` and its delta shrinks only
    like ``1/n``; Gauss-Legendre's usually shrinks far faster.

    Args:
        loaded: the model. Its lock is held throughout.
        text: the sentence to explain.
        target: label index or name. Default: None, the predicted label.
        output: ``"probability"``, ``"logit"`` or ``"log_odds"``. Default: ``"probability"``
        baseline: a name from :data:`explain.methods.baselines.BASELINES`. Default: ``"pad"``
        steps: step counts to try, each from 1 to 1024.
            Default: ``(1, 2, 4, 8, 16, 32, 64, 128, 256)``
        rules: Captum's rule names, from :data:`RULES`.
            Default: ``("riemann_trapezoid", "gausslegendre")``

    Returns:
        The :class:`Convergence`.

    Raises:
        InputError: the text is empty, or a step count is out of range.
        ValueError: the target, output, baseline or a rule is unknown.
    """
    started = time.perf_counter()
    counts = _check_steps(steps)
    unknown = [rule for rule in rules if rule not in RULES]
    if unknown or not rules:
        raise ValueError(
            f"Unknown integration rules {unknown!r}. Choose one or more of: {', '.join(RULES)}."
        )
    curves = []
    with loaded.lock, weights_frozen(loaded.model), last_layer_pooled(loaded.model):
        prepared = prepare(loaded, text, target, output, baseline)
        baseline_embedding, f_baseline = _baseline_of(prepared)
        change = prepared.f_input - f_baseline
        explainer = IntegratedGradients(prepared.target)
        per_pass = rows_per_pass(prepared.seq_len)
        for rule in dict.fromkeys(rules):
            usable = tuple(n for n in counts if rule == "gausslegendre" or n > 1)
            deltas = []
            for n_steps in usable:
                attributions = explainer.attribute(
                    inputs=prepared.input_embedding,
                    baselines=baseline_embedding,
                    n_steps=n_steps,
                    method=rule,
                    internal_batch_size=min(per_pass, n_steps),
                )  # (1, seq_len, hidden)
                deltas.append(float(attributions.double().sum()) - change)
            curves.append(ConvergenceCurve(rule=rule, steps=usable, deltas=tuple(deltas)))
    return Convergence(
        text=text,
        labels=loaded.labels,
        target_index=prepared.label,
        output=prepared.output,
        baseline=baseline,
        f_input=prepared.f_input,
        f_baseline=f_baseline,
        curves=tuple(curves),
        checkpoint=loaded.name,
        seconds=time.perf_counter() - started,
    )
