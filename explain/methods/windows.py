"""A long text's attribution from its windows' attributions: their mean, token by token.

The document's output is defined as the mean of its windows' outputs,
``F(x) = (1/W) sum_w F_w(x_w)``. For a method whose scores are linear in the
output and add up to it (integrated gradients), the document's attribution is
then the mean of the windows' attributions, each window's scores placed at its
tokens' positions in the document and zero elsewhere. Their sum is
``(1/W) sum_w (F_w(x_w) - F_w(b_w))``, which is ``f_input - f_baseline``:
completeness holds for the document as it does for each window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import torch

from explain.core.results import Attribution, normalize
from explain.engine.adaptive import unit_scaled_error
from explain.model.encoding import Windows


def mean_of_windows(
    windows: Windows,
    text: str,
    results: Sequence[Attribution],
    requested_label: int | str | None,
) -> Attribution:
    """The document's :class:`Attribution`: the mean of its windows' results.

    Scores, their error bars, ``f_input``, ``f_baseline``, the probabilities
    and each baseline sample's delta are means over the windows (a token's
    score is zero in a window that does not hold it); special tokens' scores go
    to the document's own special tokens. ``delta`` is recomputed from the
    document's numbers, so it is the mean of the windows' deltas.

    Args:
        windows: the document and its windows, from
            :func:`explain.model.encoding.encode_windows`.
        text: the document as given.
        results: one result per window, in order, all explaining the same
            target label and output.
        requested_label: the target as the caller gave it.

    Returns:
        The document's result, with ``windows`` set and ``tokens_dropped`` 0.

    Raises:
        ValueError: there is not one result per window, or they explain different labels.
    """
    if len(results) != len(windows.windows) or not results:
        raise ValueError("mean_of_windows needs one result per window.")
    if len({result.target_index for result in results}) != 1:
        raise ValueError("The windows of one document must explain one target label.")
    count = len(results)
    document = windows.document
    doc_len = int(document.input_ids.shape[1])

    def mean(rows: Sequence[Sequence[float]]) -> torch.Tensor:
        """``(doc_len,)`` per-window rows placed at their positions, summed, over ``count``."""
        total = torch.zeros(doc_len, dtype=torch.float64)
        for index, row in enumerate(rows):
            total.index_add_(0, windows.positions(index), torch.tensor(row, dtype=torch.float64))
        return total / count

    scores = mean([result.scores for result in results])  # (doc_len,)
    with_errors = all(result.score_errors for result in results)
    errors = mean([result.score_errors for result in results]) if with_errors else None
    token_scores = tuple(float(value) for value in scores.tolist())
    attribution_sum = float(sum(token_scores))
    f_input = sum(result.f_input for result in results) / count
    baselines = [result.f_baseline for result in results]
    f_baseline = None if None in baselines else sum(b for b in baselines if b is not None) / count
    has_delta = all(result.delta is not None for result in results)
    probabilities = torch.tensor([result.probabilities for result in results]).double().mean(0)
    first = results[0]
    baseline_tokens: tuple[str, ...] = ()
    if all(result.baseline_tokens for result in results):
        placed = list(document.tokens)
        for index in reversed(range(count)):  # the first window holding a token names it
            for position, token in zip(
                windows.positions(index).tolist(), results[index].baseline_tokens, strict=True
            ):
                placed[position] = token
        baseline_tokens = tuple(placed)
    sample_deltas: tuple[float, ...] = ()
    if all(result.sample_deltas for result in results):
        stacked = torch.tensor([result.sample_deltas for result in results]).double()
        sample_deltas = tuple(float(value) for value in stacked.mean(0).tolist())
    warnings = dict.fromkeys(r.completeness_warning for r in results if r.completeness_warning)
    converged = [result.converged for result in results]
    steps = [result.settings.n_steps for result in results if result.settings.n_steps is not None]
    return Attribution(
        text=text,
        tokens=document.tokens,
        token_ids=tuple(document.input_ids[0].tolist()),
        special_tokens=tuple(document.special_mask[0].tolist()),
        offsets=document.offsets,
        scores=token_scores,
        normalized_scores=normalize(token_scores),
        labels=first.labels,
        probabilities=tuple(float(p) for p in probabilities.tolist()),
        predicted_index=int(probabilities.argmax()),
        target_index=first.target_index,
        f_input=f_input,
        f_baseline=f_baseline,
        attribution_sum=attribution_sum,
        delta=(
            attribution_sum - (f_input - f_baseline)
            if has_delta and f_baseline is not None
            else None
        ),
        baseline_tokens=baseline_tokens,
        settings=replace(
            first.settings,
            requested_label=requested_label,
            n_steps=max(steps) if steps else None,
            long="windows",
            stride=windows.stride,
        ),
        seconds=sum(result.seconds for result in results),
        tokens_dropped=0,
        max_length=first.max_length,
        signed=first.signed,
        sample_deltas=sample_deltas,
        segments=document.segments,
        converged=None if None in converged else all(converged),
        completeness_warning=" ".join(warnings) or None,
        score_errors=() if errors is None else tuple(float(e) for e in errors.tolist()),
        error_estimate=None if errors is None else float(unit_scaled_error(scores, errors)),
        head=first.head,
        windows=count,
    )
