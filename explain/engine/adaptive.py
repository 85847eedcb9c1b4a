"""Integrated gradients to a tolerance: Gauss-Kronrod rules with adaptive subdivision of alpha.

The integrand of integrated gradients is rarely even along the path: F
usually rises over a short stretch of alpha and barely moves elsewhere, so a
rule with evenly spread points spends most of them where nothing happens.
``[0, 1]`` starts cut in two halves, each with a Gauss-Kronrod pair
(:mod:`explain.engine.quadrature`): the difference between the two rules,
which costs no extra gradient, estimates each token's error. The intervals
whose estimate is large are cut in two until the estimate meets the
tolerance.

Each path is cut on its own, from its own estimates, so its result does not
depend on the paths it shares passes with: a batch gives every text the
integral it gets alone. The points of every interval that any path is
waiting for go through the same batched passes
(:func:`explain.engine.straight_path.weighted_gradient_sums`).

The tolerance is on the error that a reader of the scores can see: the
largest absolute difference over tokens after the score vector is scaled to
unit length (see :func:`unit_scaled_error`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from explain.engine.quadrature import NestedRule, gauss_kronrod
from explain.engine.straight_path import weighted_gradient_sums

DEFAULT_RULE = gauss_kronrod(7)
"""G7/K15: 15 gradients per interval, exact for polynomials of degree 23."""

KRONROD_POWER = 1.5
"""How the Kronrod rule's error follows the two rules' difference ``d``: about ``L (d / L)^1.5``.

``|K - G|`` is about the error of the Gauss rule, which is far larger than the
Kronrod rule's own: for an integrand analytic near the interval, the Gauss
rule's error falls like ``rho^(-2n)`` and the Kronrod rule's like
``rho^(-3n)``, so the Kronrod error is about the Gauss error to the power 1.5
(QUADPACK's rule of thumb, Piessens et al., 1983, measures it relative to the
integrand's spread; here ``L``, each path's score length, is the scale).
"""

KRONROD_SCALE = 2.0
"""The estimate is ``KRONROD_SCALE`` times ``L (d / L)^1.5`` (never more than ``d``).

On 78 integrands of the bundled classifier (7 sentences x 4 baselines x 3
outputs, against 257-point Chebyshev interpolants), the factor 1 covered the
true error in 92 % of the cases, 1.5 in 95 % and 2 in all of them, for 13 %
more gradients than 1 (docs/benchmarks.md, "Calibration").
"""

START = 2
"""Equal intervals of ``[0, 1]`` the integration starts from.

On the same 78 integrands: 2 halves took 71 gradients a path on average, 3
thirds 72 and 4 quarters 82; the nested Gauss-Kronrod-Patterson rules of 7,
15 and 31 points on the whole of ``[0, 1]`` first, then halves, took 87: the
15-point rule on ``[0, 1]`` met 1e-3 in 2 % of them, so its gradients were
mostly spent before the cutting started.
"""

ROUNDING = 50 * torch.finfo(torch.float32).eps
"""The error floor, relative to the length of the score vector, that float32 sums leave."""

Interval = tuple[float, float]


@dataclass(frozen=True, eq=False)
class AdaptiveIntegral:
    """Token scores integrated to a tolerance, with their estimated errors.

    Args:
        token_scores: ``(rows, seq_len)`` float64, each token's integrated
            gradient summed over the hidden axis, by the higher-order rule.
        token_errors: ``(rows, seq_len)`` float64, each score's estimated
            absolute error.
        unit_errors: ``(rows,)`` float64, :func:`unit_scaled_error` of each row.
        evaluations: the gradients each path used.
        intervals: per path, the intervals ``[0, 1]`` ended cut into, in order.
        converged: per path, whether it met the tolerance.
    """

    token_scores: torch.Tensor
    token_errors: torch.Tensor
    unit_errors: torch.Tensor
    evaluations: tuple[int, ...]
    intervals: tuple[tuple[Interval, ...], ...]
    converged: tuple[bool, ...]


def unit_scaled_error(scores: torch.Tensor, errors: torch.Tensor) -> torch.Tensor:
    """Bound how far errors of ``errors`` can move the unit-length scores, in any token.

    With ``s`` the scores, ``L = |s|``, ``u = s / L`` and true scores ``t``
    within ``e`` of ``s`` per token: ``|t_k / |t| - u_k| <= (e_k + |u_k| D) /
    (L - |e|)``, where ``D = (2 L sum_j |u_j| e_j + |e|^2) / (2 L - |e|)``
    bounds ``| |t| - L |``.

    Args:
        scores: ``(..., seq_len)`` token scores.
        errors: ``(..., seq_len)`` their absolute error bounds.

    Returns:
        ``(...)``: the bound; ``inf`` when the errors could be as long as the scores.
    """
    tiny = torch.finfo(scores.dtype).tiny
    length = scores.norm(dim=-1, keepdim=True)  # (..., 1)
    error_length = errors.norm(dim=-1, keepdim=True)
    unit = (scores / length.clamp_min(tiny)).abs()
    along = (unit * errors).sum(dim=-1, keepdim=True)
    drift = (2 * length * along + error_length**2) / (2 * length - error_length).clamp_min(tiny)
    room = length - error_length
    bound = (errors + unit * drift) / room.clamp_min(tiny)  # (..., seq_len)
    return torch.where(room > 0, bound, torch.inf).amax(dim=-1)


def integrate_adaptively(
    outputs_at: Callable[[torch.Tensor, int], torch.Tensor],
    model: torch.nn.Module,
    start: torch.Tensor,
    end: torch.Tensor,
    tolerance: float,
    steps_per_pass: int,
    max_evaluations: int = 495,
    rule: NestedRule = DEFAULT_RULE,
    initial_intervals: int = START,
) -> AdaptiveIntegral:
    """Integrated gradients from ``start`` to ``end``, cutting alpha until within ``tolerance``.

    Each round evaluates the nested rule on every interval some path is
    waiting for, for every path, in shared passes. A token's error estimate
    is the sum over its path's intervals of ``|K - G|``, the two rules'
    difference, each counted as ``2 L (|K - G| / L)^1.5`` (see
    :data:`KRONROD_POWER` and :data:`KRONROD_SCALE`), ``L`` the path's score
    length, plus a float32 rounding floor. When a path's
    :func:`unit_scaled_error` is above ``tolerance``, its intervals with the
    largest estimates are cut in two, as many as it takes for the others'
    estimates to fit in half the tolerance, and the next round evaluates the
    halves. A path's decisions read only its own estimates.

    Args:
        outputs_at: as for :func:`explain.engine.straight_path.integrate_gradients`.
        model: as for :func:`explain.engine.straight_path.integrate_gradients`.
        start: ``(rows, seq_len, hidden)``, the baselines.
        end: ``(rows, seq_len, hidden)``, the inputs.
        tolerance: the largest :func:`unit_scaled_error` accepted, for each path.
        steps_per_pass: the most points per forward and backward pass.
        max_evaluations: the most gradients per path; a path stops
            unconverged before a round would pass it. Default: 495
        rule: the nested rule on each interval. Default: G7/K15
        initial_intervals: equal intervals to start from. Default: 2
            (:data:`START`)

    Returns:
        The :class:`AdaptiveIntegral`.
    """
    direction = (end - start).detach().double()  # (rows, seq_len, hidden)
    rows = direction.shape[0]
    first = [(i / initial_intervals, (i + 1) / initial_intervals) for i in range(initial_intervals)]
    waiting: list[list[Interval]] = [list(first) for _ in range(rows)]
    # Per path: each evaluated interval's scores and |K - G|, both (seq_len,).
    done: list[dict[Interval, tuple[torch.Tensor, torch.Tensor]]] = [{} for _ in range(rows)]
    evaluations = [0] * rows
    converged = [False] * rows
    while any(waiting):
        union = sorted({interval for intervals in waiting for interval in intervals})
        evaluated = _evaluate(outputs_at, model, start, end, direction, rule, union, steps_per_pass)
        for row, intervals in enumerate(waiting):
            for interval in intervals:
                high, difference = evaluated[interval]
                done[row][interval] = (high[row], difference[row])
            evaluations[row] += rule.size * len(intervals)
            converged[row], waiting[row] = _next_cuts(
                done[row], tolerance, max_evaluations - evaluations[row], rule.size
            )
    paths = [_estimated(row) for row in done]
    scores = torch.cat([path_scores for path_scores, _, _ in paths])  # (rows, seq_len)
    errors = torch.cat([path_errors for _, _, path_errors in paths])  # (rows, seq_len)
    return AdaptiveIntegral(
        token_scores=scores,
        token_errors=errors,
        unit_errors=unit_scaled_error(scores, errors),
        evaluations=tuple(evaluations),
        intervals=tuple(tuple(sorted(row)) for row in done),
        converged=tuple(converged),
    )


def _estimated(
    done: dict[Interval, tuple[torch.Tensor, torch.Tensor]],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One path's scores ``(1, seq_len)``, its intervals' estimates and its errors ``(1, seq_len)``.

    The estimates are ``(intervals, 1, seq_len)``, in the order of ``done``
    (see :func:`_error_estimates`).
    """
    scores = torch.stack([high for high, _ in done.values()]).sum(dim=0, keepdim=True)
    differences = torch.stack([difference for _, difference in done.values()]).unsqueeze(1)
    estimates, errors = _error_estimates(scores, differences)
    return scores, estimates, errors


def _next_cuts(
    done: dict[Interval, tuple[torch.Tensor, torch.Tensor]],
    tolerance: float,
    budget: int,
    size: int,
) -> tuple[bool, list[Interval]]:
    """Whether one path meets ``tolerance``, and if not, the halves its next round evaluates.

    The intervals with the largest estimates are cut until the others' add up
    to at most half the tolerance; the cut ones leave ``done``. No cut when
    the halves' gradients would pass ``budget``, the gradients the path has left.
    """
    scores, estimates, errors = _estimated(done)
    if float(unit_scaled_error(scores, errors)[0]) <= tolerance:
        return True, []
    length = scores.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(scores.dtype).tiny)
    shares = (estimates / length).amax(dim=-1).squeeze(1)  # (intervals,)
    intervals = list(done)
    remaining = float(shares.sum())
    cut: list[Interval] = []
    for index in shares.argsort(descending=True).tolist():
        if cut and remaining <= tolerance / 2:
            break
        cut.append(intervals[index])
        remaining -= float(shares[index])
    if 2 * size * len(cut) > budget:
        return False, []
    halves: list[Interval] = []
    for low, high in cut:
        del done[(low, high)]
        middle = (low + high) / 2
        halves += [(low, middle), (middle, high)]
    return False, halves


def _error_estimates(
    scores: torch.Tensor, differences: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each interval's error estimate and each token's total, from the rules' differences.

    Args:
        scores: ``(rows, seq_len)``, the integral.
        differences: ``(intervals, rows, seq_len)``, ``|K - G|`` on each interval.

    Returns:
        ``(intervals, rows, seq_len)`` estimates (see :data:`KRONROD_SCALE`)
        and the ``(rows, seq_len)`` errors: their sum plus the rounding floor.
    """
    length = scores.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(scores.dtype).tiny)
    relative = differences / length
    estimates = length * torch.minimum(relative, KRONROD_SCALE * relative**KRONROD_POWER)
    return estimates, estimates.sum(dim=0) + ROUNDING * length


def _evaluate(
    outputs_at: Callable[[torch.Tensor, int], torch.Tensor],
    model: torch.nn.Module,
    start: torch.Tensor,
    end: torch.Tensor,
    direction: torch.Tensor,
    rule: NestedRule,
    intervals: list[Interval],
    steps_per_pass: int,
) -> dict[Interval, tuple[torch.Tensor, torch.Tensor]]:
    """Both rules on each interval, in shared passes: ``interval: (scores, |K - G|)``.

    Scores and estimates are ``(rows, seq_len)`` float64.
    """
    alphas: list[float] = []
    weights: list[list[float]] = []
    for index, (low, high) in enumerate(intervals):
        nodes, high_weights, low_weights = rule.on(low, high)
        for node, upper, lower in zip(nodes, high_weights, low_weights, strict=True):
            row = [0.0] * (2 * len(intervals))
            row[2 * index], row[2 * index + 1] = upper, upper - lower
            alphas.append(float(node))
            weights.append(row)
    sums = weighted_gradient_sums(outputs_at, model, start, end, alphas, weights, steps_per_pass)
    scores = (sums.double() * direction).sum(dim=-1)  # (2 * intervals, rows, seq_len)
    return {
        interval: (scores[2 * index], scores[2 * index + 1].abs())
        for index, interval in enumerate(intervals)
    }
