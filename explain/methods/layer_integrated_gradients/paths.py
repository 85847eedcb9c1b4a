"""Integration along Layer IG's paths, in chunks that fit the token budget.

A batch's ``k * n`` paths (``k`` baselines for each of ``n`` texts) go in
chunks of whole baseline samples; each chunk is integrated by a fixed
Gauss-Legendre rule (:func:`explain.engine.straight_path.integrate_gradients`)
or adaptively to an error tolerance (:mod:`explain.engine.adaptive`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

import torch

from explain.core.targets import OutputKind, target_output
from explain.engine.adaptive import AdaptiveIntegral, integrate_adaptively
from explain.engine.hooks import TOKEN_BUDGET, rows_per_pass
from explain.engine.straight_path import integrate_gradients
from explain.methods.layer_integrated_gradients.endpoints import Endpoints, logits_of
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import EncodedBatch


@dataclass(frozen=True, eq=False)
class Paths:
    """A batch's straight paths from every baseline to its text, and what they explain.

    Args:
        loaded: the model.
        batch: the padded encodings, ``(n, seq_len)``.
        endpoints: both ends of the ``k * n`` paths.
        labels: ``(n,)`` target labels.
        contrasts: ``(n,)`` contrast labels, or None.
        output: what is explained.
        internal_batch_size: interpolated inputs per forward pass; None, as
            many as fit in the token budget.
    """

    loaded: LoadedModel
    batch: EncodedBatch
    endpoints: Endpoints
    labels: torch.Tensor
    contrasts: torch.Tensor | None
    output: OutputKind
    internal_batch_size: int | None


def outputs_at(
    loaded: LoadedModel,
    batch: EncodedBatch,
    input_ids: torch.Tensor,
    labels: torch.Tensor,
    contrasts: torch.Tensor | None,
    output: OutputKind,
    low_precision: bool,
    points: torch.Tensor,
    steps: int,
) -> torch.Tensor:
    """The explained output at ``steps`` points of each path.

    Args:
        loaded: the model.
        batch: the padded encodings, ``(n, seq_len)``.
        input_ids: ``(rows, seq_len)``, one row per path.
        labels: ``(rows,)`` target labels.
        contrasts: ``(rows,)`` contrast labels, or None.
        output: what is explained.
        low_precision: run the forward pass under bfloat16 autocast (the
            backward pass then follows the same casts, outside autocast).
        points: ``(steps * rows, seq_len, hidden)``, step-major, replacing
            the embeddings layer's output.
        steps: how many steps ``points`` holds.

    Returns:
        ``(steps * rows,)`` outputs.
    """
    with torch.autocast(
        device_type=points.device.type, dtype=torch.bfloat16, enabled=low_precision
    ):
        logits = logits_of(loaded, batch, input_ids.repeat(steps, 1), points)
    contrast = None if contrasts is None else contrasts.repeat(steps)
    return target_output(logits.float(), labels.repeat(steps), output, contrast)


def integrate_fixed(paths: Paths, n_steps: int, low_precision: bool = False) -> torch.Tensor:
    """Integrated gradients from every baseline to its text, summed over the hidden axis.

    Args:
        paths: the batch's paths.
        n_steps: Gauss-Legendre steps.
        low_precision: run the forward passes under bfloat16 autocast.
            Default: False

    Returns:
        ``(k * n, seq_len)`` token scores; row ``i`` belongs to text ``i % n``.
    """
    chunks = [
        integrate_gradients(
            outputs,
            paths.loaded.model,
            start=start,
            end=end,
            n_steps=n_steps,
            steps_per_pass=steps_per_pass,
        )  # (chunk_rows, seq_len, hidden)
        for outputs, start, end, steps_per_pass in path_chunks(paths, low_precision)
    ]
    return torch.cat(chunks).sum(dim=-1)


def integrate_to_tolerance(
    paths: Paths, error_tolerance: float, max_evaluations: int
) -> AdaptiveIntegral:
    """Integrated gradients to ``error_tolerance`` (:func:`integrate_adaptively`).

    Args:
        paths: the batch's paths.
        error_tolerance: the estimated error of the unit-scaled scores to reach.
        max_evaluations: the most gradients one path may take.

    Returns:
        The integral of all ``k * n`` paths; row ``i`` belongs to text ``i % n``.
    """
    parts = [
        integrate_adaptively(
            outputs,
            paths.loaded.model,
            start=start,
            end=end,
            tolerance=error_tolerance,
            steps_per_pass=steps_per_pass,
            max_evaluations=max_evaluations,
        )
        for outputs, start, end, steps_per_pass in path_chunks(paths, False)
    ]
    return AdaptiveIntegral(
        token_scores=torch.cat([part.token_scores for part in parts]),
        token_errors=torch.cat([part.token_errors for part in parts]),
        unit_errors=torch.cat([part.unit_errors for part in parts]),
        evaluations=sum((part.evaluations for part in parts), ()),
        intervals=sum((part.intervals for part in parts), ()),
        converged=sum((part.converged for part in parts), ()),
    )


def path_chunks(
    paths: Paths, low_precision: bool
) -> Iterator[tuple[Callable[..., torch.Tensor], torch.Tensor, torch.Tensor, int]]:
    """The ``k * n`` paths in chunks of whole baseline samples that fit the token budget.

    Expected gradients' ``k`` baselines go in chunks; each chunk walks its
    paths together.

    Yields:
        The output at points of the chunk's paths, their starts and ends
        ``(chunk_rows, seq_len, hidden)``, and the steps per forward pass.
    """
    batch, endpoints, internal_batch_size = paths.batch, paths.endpoints, paths.internal_batch_size
    n, seq_len = batch.input_ids.shape
    k = endpoints.baseline_embedding.shape[0] // n
    samples_per_call = k if internal_batch_size else max(1, TOKEN_BUDGET // (n * seq_len))
    for first in range(0, k, samples_per_call):
        count = min(samples_per_call, k - first)
        chunk_rows = count * n
        outputs = partial(
            outputs_at,
            paths.loaded,
            batch,
            batch.input_ids.repeat(count, 1),
            paths.labels.repeat(count),
            None if paths.contrasts is None else paths.contrasts.repeat(count),
            paths.output,
            low_precision,
        )
        per_pass = internal_batch_size or max(chunk_rows, rows_per_pass(seq_len))
        yield (
            outputs,
            endpoints.baseline_embedding[first * n : first * n + chunk_rows],
            endpoints.input_embedding.repeat(count, 1, 1),
            per_pass // chunk_rows,
        )
