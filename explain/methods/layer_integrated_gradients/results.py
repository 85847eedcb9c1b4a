"""A Layer IG batch's numbers turned into one :class:`Attribution` per text.

The scores are the mean over a text's baselines, cut to its own length; the
result records the settings it was computed with, its delta, its error bars
(adaptive integration) and the notes on what fell short.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

from explain.core.results import Attribution, AttributionSettings, normalize
from explain.engine.adaptive import unit_scaled_error
from explain.methods.layer_integrated_gradients.checks import Request
from explain.methods.layer_integrated_gradients.convergence import Outcome
from explain.methods.layer_integrated_gradients.endpoints import Endpoints, Targets
from explain.methods.layer_integrated_gradients.notes import completeness_warning, joined
from explain.methods.layer_integrated_gradients.settings import (
    ERROR_TOLERANCE,
    INTEGRATION,
    INTEGRATION_NAMES,
    PRECISION,
    Precision,
)
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import EncodedBatch, Encoding


def attributions(
    loaded: LoadedModel,
    *,
    method: str,
    signed: bool,
    texts: Sequence[str],
    encodings: Sequence[Encoding],
    batch: EncodedBatch,
    request: Request,
    ends: Endpoints,
    targets: Targets,
    outcome: Outcome,
    precision: Precision,
    precision_notes: Sequence[str | None],
    started: float,
) -> list[Attribution]:
    """One :class:`Attribution` per text of the batch, in order.

    Args:
        loaded: the model.
        method: the method's name, recorded in the results.
        signed: whether the method's scores are signed.
        texts: the texts, as the user gave them.
        encodings: their encodings.
        batch: the encodings padded to one length.
        request: the call's checked options.
        ends: both ends of the paths.
        targets: the texts' predictions and targets, and the output at both ends.
        outcome: the integrated gradients.
        precision: the precision the scores were computed in.
        precision_notes: per text, why it is not in bfloat16, or None.
        started: :func:`time.perf_counter` when the call began.

    Returns:
        The results; each one's ``seconds`` is its share of the batch's time.
    """
    tolerance, auto_steps = request.tolerance, request.auto_steps
    token_scores, sample_deltas, relative = (
        outcome.token_scores,
        outcome.sample_deltas,
        outcome.relative,
    )
    converged = (relative <= tolerance).all(dim=0).tolist()  # (n,)
    steps = outcome.steps
    mean_tensor = token_scores.mean(dim=0)  # (n, seq_len)
    # The mean of k estimates is off by at most the mean of their errors.
    mean_errors = None if outcome.token_errors is None else outcome.token_errors.mean(dim=0)
    unit_errors = (
        None if mean_errors is None else unit_scaled_error(mean_tensor, mean_errors).tolist()
    )  # (n,)
    mean_scores = mean_tensor.tolist()
    share = (time.perf_counter() - started) / len(texts)
    strategy = request.strategy
    settings = AttributionSettings(
        checkpoint=loaded.name,
        method=method,
        baseline=strategy.name,
        output=request.kind,
        n_steps=steps[0],
        requested_label=request.target,
        integration=INTEGRATION_NAMES["fixed" if mean_errors is None else "adaptive"],
        internal_batch_size=request.internal_batch_size,
        device=str(loaded.device),
        baseline_options=strategy.recorded(request.baseline_options),
        contrast=request.contrast,
        auto_steps=auto_steps,
        tolerance=tolerance if auto_steps or request.precision == "bfloat16" else None,
        options=(
            ((PRECISION.name, precision),)
            if mean_errors is None
            else (
                (INTEGRATION.name, "adaptive"),
                (ERROR_TOLERANCE.name, request.error_tolerance),
                (PRECISION.name, precision),
            )
        ),
    )
    results = []
    for i, (text, encoding) in enumerate(zip(texts, encodings, strict=True)):
        length = batch.lengths[i]
        scores = tuple(float(value) for value in mean_scores[i][:length])
        attribution_sum = float(sum(scores))
        f_input = float(targets.f_input[i])
        f_baseline = float(targets.f_baselines[:, i].mean())
        worst = float(relative[:, i].max())
        results.append(
            Attribution(
                text=text,
                tokens=encoding.tokens,
                token_ids=tuple(encoding.input_ids[0].tolist()),
                special_tokens=tuple(encoding.special_mask[0].tolist()),
                offsets=encoding.offsets,
                scores=scores,
                normalized_scores=normalize(scores),
                labels=loaded.labels,
                probabilities=tuple(float(p) for p in targets.probabilities[i].tolist()),
                predicted_index=int(targets.predicted[i]),
                target_index=targets.indices[i],
                f_input=f_input,
                f_baseline=f_baseline,
                attribution_sum=attribution_sum,
                delta=attribution_sum - (f_input - f_baseline),
                baseline_tokens=ends.baseline_tokens[i][:length],
                settings=dataclasses.replace(settings, n_steps=steps[i]),
                seconds=share,
                tokens_dropped=encoding.tokens_dropped,
                signed=signed,
                max_length=loaded.max_length,
                sample_deltas=(
                    tuple(float(d) for d in sample_deltas[:, i].tolist())
                    if strategy.kind == "samples"
                    else ()
                ),
                text_pair=encoding.text_pair,
                segments=encoding.segments,
                head=loaded.head,
                converged=bool(converged[i]) if auto_steps else None,
                score_errors=()
                if mean_errors is None
                else tuple(float(value) for value in mean_errors[i][:length].tolist()),
                error_estimate=None if unit_errors is None else float(unit_errors[i]),
                completeness_warning=joined(
                    precision_notes[i],
                    completeness_warning(worst, tolerance, steps[i])
                    if auto_steps and not converged[i]
                    else None,
                ),
            )
        )
    return results
