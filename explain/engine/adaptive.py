"""Integrated gradients to a tolerance: Gauss-Kronrod rules with adaptive subdivision of alpha.

The integrand of integrated gradients is rarely even along the path: F
usually rises over a short stretch of alpha and barely moves elsewhere, so a
rule with evenly spread points spends most of them where nothing happens.
``[0, 1]`` starts cut in two halves, each with a Gauss-Kronrod pair
(:mod:`explain.engine.quadrature`): the difference between the two rules,
which costs no extra gradient, estimates each token's error. The intervals
whose estimate is large are cut in two until the estimate meets the
tolerance. The points of every interval that is being evaluated, for every
path of a batch, go through the same batched passes
(:func:`explain.engine.straight_path.weighted_gradient_sums`).

Raising the order on the whole of ``[0, 1]`` first, through the nested
Gauss-Kronrod-Patterson rules of 7, 15 and 31 points
(:func:`explain.engine.quadrature.patterson_sequence`, :func:`raise_order`),
is an option: it stops at 15 or 31 gradients on smooth paths, but on a
trained classifier the path's sharp rise mid-way defeats it and the gradients
it spent are lost (see :data:`START`).

The tolerance is on the error that a reader of the scores can see: the
largest absolute difference over tokens after the score vector is scaled to
unit length (see :func:`unit_scaled_error`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from explain.engine.quadrature import NestedRule, gauss_kronrod, patterson_sequence
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
true error in 90 % of the cases, 1.5 in 95 % and 2 in all of them, for 8 %
more gradients than 1 (README, "Accuracy to a tolerance").
"""

START = 2
"""Equal intervals of ``[0, 1]`` the integration starts from.

On the same 78 integrands: 2 halves took 71 gradients a path on average, 3
thirds 72, 4 quarters 82, and raising the order on ``[0, 1]`` first 87: the
15-point rule on ``[0, 1]`` meets 1e-3 in 2 % of them, so its gradients are
mostly spent before the cutting starts.
"""

RAISE_LIMIT = 50.0
"""The 31-point rule is tried only where the 15-point one's estimate is within 50 tolerances.

Further off, cutting ``[0, 1]`` in two pays more than the 16 more points. On
the tiny test models every path that the 31-point rule brought within 1e-3
had a 15-point estimate under 46 times that; on the bundled classifier, whose
integrands are rougher, few do (see the README's integration table).
"""

ROUNDING = 50 * torch.finfo(torch.float32).eps
"""The error floor, relative to the length of the score vector, that float32 sums leave."""


@dataclass(frozen=True, eq=False)
class AdaptiveIntegral:
    """Token scores integrated to a tolerance, with their estimated errors.

    Args:
        token_scores: ``(rows, seq_len)`` float64, each token's integrated
            gradient summed over the hidden axis, by the higher-order rule.
        token_errors: ``(rows, seq_len)`` float64, each score's estimated
            absolute error.
        unit_errors: ``(rows,)`` float64, :func:`unit_scaled_error` of each row.
        evaluations: gradients evaluated per path.
        intervals: the intervals ``[0, 1]`` ended cut into, in order.
        converged: whether every row met the tolerance.
    """

    token_scores: torch.Tensor
    token_errors: torch.Tensor
    unit_errors: torch.Tensor
    evaluations: int
    intervals: tuple[tuple[float, float], ...]
    converged: bool


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
    raise_order_first: bool = False,
) -> AdaptiveIntegral:
    """Integrated gradients from ``start`` to ``end``, cutting alpha until within ``tolerance``.

    Each round evaluates the nested rule on every new interval, for every
    path, in shared passes. A token's error estimate is the sum over
    intervals of ``|K - G|``, the two rules' difference, plus a float32
    rounding floor; each interval's ``|K - G|`` counts as ``2 L (|K - G| /
    L)^1.5`` (see :data:`KRONROD_POWER` and :data:`KRONROD_SCALE`), ``L`` the
    path's score length.
    When some path's :func:`unit_scaled_error` is above
    ``tolerance``, the intervals with the largest estimates are cut in two,
    as many as it takes for the others' estimates to fit in half the
    tolerance, and the next round evaluates the halves.

    Args:
        outputs_at: as for :func:`explain.engine.straight_path.integrate_gradients`.
        model: as for :func:`explain.engine.straight_path.integrate_gradients`.
        start: ``(rows, seq_len, hidden)``, the baselines.
        end: ``(rows, seq_len, hidden)``, the inputs.
        tolerance: the largest :func:`unit_scaled_error` accepted, for every path.
        steps_per_pass: the most points per forward and backward pass.
        max_evaluations: the most gradients per path; the integration stops
            unconverged before a round would pass it. Default: 495
        rule: the nested rule on each interval. Default: G7/K15
        initial_intervals: equal intervals to start from. Default: 2
            (:data:`START`)
        raise_order_first: run the nested rules on ``[0, 1]`` before cutting
            it in two, when ``initial_intervals`` is 1. Default: False

    Returns:
        The :class:`AdaptiveIntegral`.
    """
    direction = (end - start).detach().double()  # (rows, seq_len, hidden)
    count = initial_intervals
    evaluations = 0
    if raise_order_first and count == 1:
        first = raise_order(
            outputs_at, model, start, end, tolerance, steps_per_pass, max_evaluations
        )
        if first.converged or first.evaluations + 2 * rule.size > max_evaluations:
            return first
        evaluations, count = first.evaluations, 2
    pending = [(i / count, (i + 1) / count) for i in range(count)]
    done: list[tuple[tuple[float, float], torch.Tensor, torch.Tensor]] = []
    while True:
        evaluations += rule.size * len(pending)
        done += _evaluate(outputs_at, model, start, end, direction, rule, pending, steps_per_pass)
        scores = torch.stack([high for _, high, _ in done]).sum(dim=0)  # (rows, seq_len)
        differences = torch.stack([error for _, _, error in done])  # (intervals, rows, seq_len)
        estimates, errors = _error_estimates(scores, differences)
        unit_errors = unit_scaled_error(scores, errors)  # (rows,)
        converged = bool((unit_errors <= tolerance).all())
        if converged:
            break
        # Each interval's share of the error, as a fraction of each path's score length.
        length = scores.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(scores.dtype).tiny)
        shares = (estimates / length).amax(dim=-1).amax(dim=-1)
        order = shares.argsort(descending=True).tolist()
        remaining = float(shares.sum())
        cut: list[int] = []
        for index in order:
            if cut and remaining <= tolerance / 2:
                break
            cut.append(index)
            remaining -= float(shares[index])
        if evaluations + 2 * rule.size * len(cut) > max_evaluations:
            break
        pending = []
        for index in sorted(cut, reverse=True):
            (low, high), _, _ = done.pop(index)
            middle = (low + high) / 2
            pending += [(low, middle), (middle, high)]
    return AdaptiveIntegral(
        token_scores=scores,
        token_errors=errors,
        unit_errors=unit_errors,
        evaluations=evaluations,
        intervals=tuple(sorted(interval for interval, _, _ in done)),
        converged=converged,
    )


def raise_order(
    outputs_at: Callable[[torch.Tensor, int], torch.Tensor],
    model: torch.nn.Module,
    start: torch.Tensor,
    end: torch.Tensor,
    tolerance: float,
    steps_per_pass: int,
    max_evaluations: int = 31,
) -> AdaptiveIntegral:
    """Integrated gradients by nested rules of 7, 15 and 31 points, until within ``tolerance``.

    Each step evaluates only the points the next rule adds, for every path in
    shared passes, with their weights in every rule of the sequence; the
    error estimate of a rule comes from its difference with the rule before,
    as in :func:`integrate_adaptively`. The 31-point rule runs only when the
    15-point one's estimate is within :data:`RAISE_LIMIT` tolerances.

    Args:
        outputs_at: as for :func:`explain.engine.straight_path.integrate_gradients`.
        model: as for :func:`explain.engine.straight_path.integrate_gradients`.
        start: ``(rows, seq_len, hidden)``, the baselines.
        end: ``(rows, seq_len, hidden)``, the inputs.
        tolerance: the largest :func:`unit_scaled_error` accepted, for every path.
        steps_per_pass: the most points per forward and backward pass.
        max_evaluations: the most gradients per path. Default: 31

    Returns:
        The :class:`AdaptiveIntegral` of the last rule run, on the one interval ``[0, 1]``.
    """
    rules = patterson_sequence()
    finest = rules[-1]
    nodes = torch.tensor(finest.nodes, dtype=torch.float64)
    # Each rule's weight at each of the finest rule's nodes: (rules + 1, nodes).
    table = torch.zeros(len(rules) + 1, len(nodes), dtype=torch.float64)
    for index, rule in enumerate(rules):
        places = [int((nodes - node).abs().argmin()) for node in rule.nodes]
        table[index, places] = torch.tensor(rule.embedded_weights, dtype=torch.float64)
        table[index + 1, places] = torch.tensor(rule.weights, dtype=torch.float64)
    direction = (end - start).detach().double()  # (rows, seq_len, hidden)
    sums = torch.zeros(
        len(table), *direction.shape[:2], dtype=torch.float64
    )  # (rules + 1, rows, seq_len)
    evaluated = torch.zeros(len(nodes), dtype=torch.bool)
    evaluations = 0
    result: AdaptiveIntegral | None = None
    for index in range(len(rules)):
        new = (table[index + 1] != 0) & ~evaluated
        if result is not None and evaluations + int(new.sum()) > max_evaluations:
            break
        alphas = nodes[new].tolist()
        weights = table[:, new].T.tolist()  # (new nodes, rules + 1)
        gradients = weighted_gradient_sums(
            outputs_at, model, start, end, alphas, weights, steps_per_pass
        )
        sums += (gradients.double() * direction).sum(dim=-1)
        evaluated |= new
        evaluations += len(alphas)
        scores = sums[index + 1]  # (rows, seq_len)
        _, errors = _error_estimates(scores, (scores - sums[index]).abs().unsqueeze(0))
        unit_errors = unit_scaled_error(scores, errors)  # (rows,)
        converged = bool((unit_errors <= tolerance).all())
        result = AdaptiveIntegral(
            token_scores=scores,
            token_errors=errors,
            unit_errors=unit_errors,
            evaluations=evaluations,
            intervals=((0.0, 1.0),),
            converged=converged,
        )
        if converged or (index >= 1 and bool((unit_errors > RAISE_LIMIT * tolerance).any())):
            break
    assert result is not None
    return result


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
    intervals: list[tuple[float, float]],
    steps_per_pass: int,
) -> list[tuple[tuple[float, float], torch.Tensor, torch.Tensor]]:
    """Both rules on each interval, in shared passes: ``(interval, scores, |K - G|)`` each.

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
    return [
        (interval, scores[2 * index], scores[2 * index + 1].abs())
        for index, interval in enumerate(intervals)
    ]
