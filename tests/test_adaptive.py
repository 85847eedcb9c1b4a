"""Adaptive Gauss-Kronrod integration on integrands whose integral is known exactly."""

from __future__ import annotations

import pytest
import torch

from explain.engine.adaptive import integrate_adaptively, unit_scaled_error
from explain.engine.straight_path import weighted_gradient_sums


def _softplus_model(sharpness: float):
    """``F(h) = sum softplus(s h) / s`` per path: its gradient is a sigmoid step at ``h = 0``."""

    def outputs_at(points: torch.Tensor, steps: int) -> torch.Tensor:
        # points: (steps * rows, seq_len, hidden)
        values = torch.nn.functional.softplus(sharpness * points) / sharpness
        return values.flatten(1).sum(dim=1)  # (steps * rows,)

    def exact(start: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
        def primitive(h: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.softplus(sharpness * h.double()) / sharpness

        return (primitive(end) - primitive(start)).sum(dim=-1)  # (rows, seq_len)

    return outputs_at, exact


def _ends(rows: int = 3, seq_len: int = 6, hidden: int = 4, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    start = torch.randn(rows, seq_len, hidden, generator=generator)
    end = torch.randn(rows, seq_len, hidden, generator=generator)
    return start, end


def _unit_error(scores: torch.Tensor, exact: torch.Tensor) -> torch.Tensor:
    """The largest difference over tokens of the unit-length score vectors, per row."""
    return (
        (scores / scores.norm(dim=-1, keepdim=True) - exact / exact.norm(dim=-1, keepdim=True))
        .abs()
        .amax(-1)
    )


@pytest.mark.parametrize("tolerance", [1e-2, 1e-3, 1e-4])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("initial_intervals", [1, 2])
def test_meets_the_tolerance_and_its_error_bars_cover_the_error(
    tolerance: float, seed: int, initial_intervals: int
) -> None:
    outputs_at, exact = _softplus_model(sharpness=8.0)
    start, end = _ends(seed=seed)
    integral = integrate_adaptively(
        outputs_at,
        torch.nn.Identity(),
        start,
        end,
        tolerance,
        steps_per_pass=64,
        initial_intervals=initial_intervals,
    )
    truth = exact(start, end)
    assert all(integral.converged)
    assert (integral.unit_errors <= tolerance).all()
    assert (_unit_error(integral.token_scores, truth) <= integral.unit_errors).all()
    assert ((integral.token_scores - truth).abs() <= integral.token_errors).all()


def test_cuts_alpha_where_the_integrand_is_steep() -> None:
    outputs_at, exact = _softplus_model(sharpness=60.0)
    start = torch.full((1, 3, 2), -1.0)
    steps = (5 / 6, 2 / 3, 2 / 5)  # where each token's sigmoid steps up
    end = torch.tensor([0.2, 0.5, 1.5]).view(1, 3, 1).expand(1, 3, 2)
    integral = integrate_adaptively(
        outputs_at, torch.nn.Identity(), start, end, 1e-4, steps_per_pass=64
    )
    truth = exact(start, end)
    assert integral.converged == (True,)
    assert float((integral.token_scores - truth).abs().max() / truth.norm()) <= 1e-4
    (intervals,) = integral.intervals
    widths = [high - low for low, high in intervals]
    assert min(widths) <= max(widths) / 2
    for (low, high), width in zip(intervals, widths, strict=True):
        if width < max(widths):  # every cut interval is near a step
            assert any(low - width <= step <= high + width for step in steps)


def test_stops_at_the_most_evaluations_and_says_it_did_not_converge() -> None:
    outputs_at, _ = _softplus_model(sharpness=200.0)
    start, end = _ends()
    integral = integrate_adaptively(
        outputs_at, torch.nn.Identity(), start, end, 1e-5, steps_per_pass=64, max_evaluations=45
    )
    assert not any(integral.converged)
    assert max(integral.evaluations) <= 45
    assert (integral.unit_errors > 1e-5).any()


def test_each_path_gets_in_a_batch_the_integral_it_gets_alone() -> None:
    outputs_at, _ = _softplus_model(sharpness=8.0)
    start, end = _ends(rows=4)
    end = end * torch.tensor([0.3, 1.0, 2.0, 4.0]).view(4, 1, 1)  # steeper paths need more cuts
    passes: list[list[int]] = [[] for _ in range(5)]  # the batch's, then each path's alone

    def counting(into: list[int]):
        def counted(points: torch.Tensor, steps: int) -> torch.Tensor:
            into.append(steps)
            return outputs_at(points, steps)

        return counted

    together = integrate_adaptively(
        counting(passes[0]), torch.nn.Identity(), start, end, 1e-4, 1000
    )
    alone = [
        integrate_adaptively(
            counting(passes[i + 1]),
            torch.nn.Identity(),
            start[i : i + 1],
            end[i : i + 1],
            1e-4,
            steps_per_pass=1000,
        )
        for i in range(4)
    ]
    assert len(set(together.evaluations)) > 1  # the paths really are cut differently
    assert len(passes[0]) == max(len(one) for one in passes[1:])  # one pass a round
    for i, one in enumerate(alone):
        assert together.evaluations[i] == one.evaluations[0]
        assert together.intervals[i] == one.intervals[0]
        torch.testing.assert_close(together.token_scores[i], one.token_scores[0])
        torch.testing.assert_close(together.token_errors[i], one.token_errors[0])


def test_weighted_sums_equal_each_rule_run_alone() -> None:
    outputs_at, _ = _softplus_model(sharpness=3.0)
    start, end = _ends(rows=2)
    alphas = [0.1, 0.5, 0.9]
    both = weighted_gradient_sums(
        outputs_at, torch.nn.Identity(), start, end, alphas, [[1, 0], [0.5, 0.5], [0, 2]], 2
    )
    first = weighted_gradient_sums(
        outputs_at, torch.nn.Identity(), start, end, alphas, [[1], [0.5], [0]], 3
    )
    second = weighted_gradient_sums(
        outputs_at, torch.nn.Identity(), start, end, alphas, [[0], [0.5], [2]], 1
    )
    torch.testing.assert_close(both[0], first[0])
    torch.testing.assert_close(both[1], second[0])


def test_unit_scaled_error_bounds_the_change_of_unit_scores() -> None:
    generator = torch.Generator().manual_seed(3)
    scores = torch.randn(200, 7, generator=generator, dtype=torch.float64)
    errors = 0.05 * torch.rand(200, 7, generator=generator, dtype=torch.float64)
    signs = torch.randint(0, 2, (200, 7), generator=generator).double() * 2 - 1
    moved = scores + signs * errors  # as far as each error allows
    assert (_unit_error(moved, scores) <= unit_scaled_error(scores, errors)).all()
    assert unit_scaled_error(torch.ones(1, 2), torch.full((1, 2), 2.0)).isinf().all()
