"""When Layer IG's scores are good enough: auto steps, the error tolerance and precision.

Auto steps double a fixed rule's steps, or shrink an adaptive rule's error
tolerance tenfold, until every path's delta is within the tolerance or the
most steps are spent. bfloat16 gets one try; a batch any of whose texts misses
the tolerance in it is computed again in float32.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from explain.methods.layer_integrated_gradients.notes import precision_note
from explain.methods.layer_integrated_gradients.paths import (
    Paths,
    integrate_fixed,
    integrate_to_tolerance,
)
from explain.methods.layer_integrated_gradients.settings import ERROR_TOLERANCE, Precision


@dataclass(frozen=True, eq=False)
class Outcome:
    """Integrated gradients at the steps where auto steps stopped.

    Args:
        token_scores: ``(k, n, seq_len)``, float64.
        sample_deltas: ``(k, n)``, each baseline's sum of scores minus its change.
        relative: ``(k, n)``, ``|sample_deltas| / |F(input) - F(baseline)|``.
        steps: ``(n,)``, each text's steps; for adaptive integration, the most
            gradients any of the text's paths used.
        token_errors: ``(k, n, seq_len)`` estimated absolute errors of the
            scores; None for a fixed rule.
    """

    token_scores: torch.Tensor
    sample_deltas: torch.Tensor
    relative: torch.Tensor
    steps: tuple[int, ...]
    token_errors: torch.Tensor | None = None

    def within(self, tolerance: float) -> bool:
        """Whether every text's every baseline is within ``tolerance``."""
        return bool((self.relative <= tolerance).all())


def converge(
    paths: Paths,
    change: torch.Tensor,
    n_steps: int,
    auto_steps: bool,
    tolerance: float,
    low_precision: bool,
    most_steps: int,
    error_tolerance: float | None = None,
) -> Outcome:
    """Integrate at ``n_steps``, doubling them under auto steps until within ``tolerance``.

    Args:
        paths: the batch's paths.
        change: ``(k, n)``, ``F(input) - F(baseline)`` of each baseline.
        n_steps: the fixed rule's steps; with auto steps, the first tried.
        auto_steps: double the steps until within ``tolerance``.
        tolerance: the largest ``|delta| / |F(input) - F(baseline)|`` auto
            steps accept.
        low_precision: run the forward passes under bfloat16 autocast.
        most_steps: the most steps (or gradients of one adaptive path) allowed.
        error_tolerance: integrate adaptively to this error tolerance
            instead of by ``n_steps`` (under auto steps, it shrinks
            tenfold until the delta is within ``tolerance``). Default:
            None, the fixed rule.
    """
    while error_tolerance is not None:
        integral = integrate_to_tolerance(paths, error_tolerance, most_steps)
        token_scores = integral.token_scores.view(*change.shape, -1)  # (k, n, seq_len)
        sample_deltas = token_scores.sum(dim=-1) - change  # (k, n)
        relative = (sample_deltas.abs() / change.abs()).nan_to_num(torch.inf)  # (k, n)
        converged = bool((relative <= tolerance).all())
        finest = error_tolerance <= ERROR_TOLERANCE.minimum or not all(integral.converged)
        if not auto_steps or converged or finest:
            per_path = torch.tensor(integral.evaluations).view(change.shape)  # (k, n)
            return Outcome(
                token_scores,
                sample_deltas,
                relative,
                tuple(per_path.amax(dim=0).tolist()),
                integral.token_errors.view(*change.shape, -1),
            )
        error_tolerance = max(error_tolerance / 10, ERROR_TOLERANCE.minimum)
    steps = n_steps
    while True:
        scores = integrate_fixed(paths, steps, low_precision)
        token_scores = scores.double().view(*change.shape, -1)  # (k, n, seq_len)
        sample_deltas = token_scores.sum(dim=-1) - change  # (k, n)
        relative = (sample_deltas.abs() / change.abs()).nan_to_num(torch.inf)  # (k, n)
        converged = bool((relative <= tolerance).all())
        if not auto_steps or converged or steps >= most_steps:
            return Outcome(token_scores, sample_deltas, relative, (steps,) * change.shape[1])
        steps = min(2 * steps, most_steps)


def converge_in_precision(
    paths: Paths,
    change: torch.Tensor,
    n_steps: int,
    auto_steps: bool,
    tolerance: float,
    precision: Precision,
    most_steps: int,
    error_tolerance: float | None,
) -> tuple[Outcome, Precision, list[str | None]]:
    """:func:`converge` in ``precision``, again in float32 where bfloat16 misses ``tolerance``.

    Args:
        precision: ``"bfloat16"`` gets one try at the fixed rule's ``n_steps``,
            without auto steps; ``"float32"`` only the one run.
        error_tolerance: as in :func:`converge`, for float32.

    The other arguments are :func:`converge`'s.

    Returns:
        The outcome, the precision it was computed in, and per text the
        note that says why it is not bfloat16 (None where there is none).
    """
    n = change.shape[1]
    low_precision = precision == "bfloat16"
    # bfloat16's rounding does not shrink with more steps, so it gets one try at
    # n_steps; auto steps then go on in float32.
    outcome = converge(
        paths, change, n_steps, auto_steps and not low_precision, tolerance, low_precision,
        most_steps, None if low_precision else error_tolerance,
    )  # fmt: skip
    precision_notes: list[str | None] = [None] * n
    if low_precision and not outcome.within(tolerance):
        missed = (outcome.relative > tolerance).any(dim=0).tolist()  # (n,)
        worst_low = outcome.relative.max(dim=0).values.tolist()  # (n,)
        precision_notes = [
            precision_note(worst_low[i] if missed[i] else None, tolerance) for i in range(n)
        ]
        outcome = converge(
            paths, change, n_steps, auto_steps, tolerance, False, most_steps, error_tolerance
        )
        precision = "float32"
    return outcome, precision, precision_notes
