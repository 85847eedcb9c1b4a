"""How far two explanations agree: Spearman rank correlation and top-k overlap.

Both compare the text tokens of one text: given :class:`Attribution` objects,
the special tokens (``[CLS]``, ``[SEP]``) are left out, because no method
ranks them meaningfully and their large scores would inflate any agreement.
Use them to compare methods on one input, or one method under two baselines
(baseline sensitivity).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from explain.core.errors import InputError
from explain.core.results import Attribution

Ranking = Literal["signed", "absolute"]
Measure = Literal["spearman", "top_k"]
RANKINGS: tuple[Ranking, ...] = ("signed", "absolute")
MEASURES: tuple[Measure, ...] = ("spearman", "top_k")
DEFAULT_TOP_PERCENT = 20
Scores = Attribution | Sequence[float]


def text_scores(attribution: Attribution) -> tuple[float, ...]:
    """The scores of the text tokens, in token order, special tokens left out."""
    return tuple(
        score
        for score, special in zip(attribution.scores, attribution.special_tokens, strict=True)
        if not special
    )


def text_positions(attribution: Attribution) -> tuple[int, ...]:
    """Positions of the text tokens in ``attribution.tokens``."""
    return tuple(index for index, special in enumerate(attribution.special_tokens) if not special)


def importance_order(scores: Sequence[float]) -> tuple[int, ...]:
    """Indices of ``scores``, most important first: highest score first, ties by index.

    Args:
        scores: one score per item; the most positive is the most important.

    Returns:
        A permutation of ``range(len(scores))``.
    """
    return tuple(sorted(range(len(scores)), key=lambda index: (-scores[index], index)))


def count_for_percent(percent: int, n: int) -> int:
    """How many of ``n`` items make ``percent`` %: ``ceil(percent * n / 100)``, at least 1.

    Rounding up means 10 % of 5 tokens is 1 token, and 50 % of 5 tokens is 3.

    Raises:
        ValueError: ``percent`` is not a whole number in ``[1, 100]`` or ``n < 1``.
    """
    if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 100:
        raise ValueError(
            f"A percentage of tokens must be a whole number from 1 to 100, not {percent!r}."
        )
    if n < 1:
        raise ValueError("There are no text tokens to count a percentage of.")
    return max(1, -(-percent * n // 100))


def _pair(a: Scores, b: Scores, ranking: Ranking) -> tuple[np.ndarray, np.ndarray]:
    """Two aligned float vectors of text-token scores, made absolute if asked."""
    if ranking not in RANKINGS:
        raise InputError(f"Unknown ranking {ranking!r}. Choose one of: {', '.join(RANKINGS)}.")
    if isinstance(a, Attribution) != isinstance(b, Attribution):
        raise ValueError("Compare two Attributions or two score sequences, not one of each.")
    if isinstance(a, Attribution) and isinstance(b, Attribution):
        if a.token_ids != b.token_ids:
            raise ValueError(
                "The two attributions explain different token sequences. Compare "
                "explanations of the same text from the same tokenizer."
            )
        a, b = text_scores(a), text_scores(b)
    first = np.asarray(a, dtype=np.float64)
    second = np.asarray(b, dtype=np.float64)
    if first.ndim != 1 or first.shape != second.shape:
        raise ValueError(
            f"Score vectors must be one-dimensional and of equal length, not {first.shape} "
            f"and {second.shape}."
        )
    if not (np.isfinite(first).all() and np.isfinite(second).all()):
        raise ValueError("Scores hold a NaN or infinite value.")
    if ranking == "absolute":
        return np.abs(first), np.abs(second)
    return first, second


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of ``values`` (smallest first), tied values sharing their mean rank.

    Args:
        values: ``(n,)``.

    Returns:
        ``(n,)`` float ranks; ``[10, 20, 20, 30]`` gives ``[1, 2.5, 2.5, 4]``.
    """
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new_group = np.concatenate(([True], ordered[1:] != ordered[:-1]))  # (n,)
    starts = np.flatnonzero(new_group)  # (groups,)
    ends = np.append(starts[1:], len(values))  # (groups,), exclusive
    group = np.cumsum(new_group) - 1  # (n,) group of each sorted position
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = ((starts + ends + 1) / 2)[group]
    return ranks


def spearman(a: Scores, b: Scores, ranking: Ranking = "signed") -> float:
    """Spearman rank correlation of two explanations: Pearson's r of their average ranks.

    Args:
        a: an :class:`Attribution` (its text tokens are used) or a score sequence.
        b: the same kind as ``a``, for the same tokens.
        ranking: ``"signed"`` ranks the scores as they are; ``"absolute"`` ranks
            their magnitudes, ignoring direction (as Adebayo et al., 2018, also
            report). Default: ``"signed"``

    Returns:
        A value in ``[-1, 1]``; NaN when either side has every score equal (or
        fewer than two tokens), where the correlation is undefined.

    Raises:
        ValueError: the two do not describe the same tokens, or a score is not finite.
    """
    first, second = _pair(a, b, ranking)
    if len(first) < 2:
        return math.nan
    ranks_a = average_ranks(first) - (len(first) + 1) / 2  # centred; mean rank is (n + 1) / 2
    ranks_b = average_ranks(second) - (len(second) + 1) / 2
    norm = math.sqrt(float(ranks_a @ ranks_a) * float(ranks_b @ ranks_b))
    if norm == 0.0:
        return math.nan
    return max(-1.0, min(1.0, float(ranks_a @ ranks_b) / norm))


def top_k_overlap(a: Scores, b: Scores, k: int, ranking: Ranking = "signed") -> float:
    """Share of the ``k`` most important tokens the two explanations have in common.

    ``|top_k(a) ∩ top_k(b)| / k``, each top-k taken by highest score with ties
    broken by position, as :func:`explain.evaluation.faithfulness.faithfulness` ranks tokens.

    Args:
        a: an :class:`Attribution` (its text tokens are used) or a score sequence.
        b: the same kind as ``a``, for the same tokens.
        k: how many top tokens to compare, from 1 to the number of text tokens.
        ranking: ``"signed"`` (most positive first) or ``"absolute"`` (largest
            magnitude first). Default: ``"signed"``

    Returns:
        A value in ``[0, 1]``.

    Raises:
        ValueError: ``k`` is out of range, or the two do not describe the same tokens.
    """
    first, second = _pair(a, b, ranking)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(first):
        raise ValueError(
            f"k must be a whole number from 1 to {len(first)} (the text tokens), not {k!r}."
        )
    top_a = set(importance_order(first.tolist())[:k])
    top_b = set(importance_order(second.tolist())[:k])
    return len(top_a & top_b) / k


@dataclass(frozen=True)
class AgreementMatrix:
    """Pairwise agreement of several named explanations of one text.

    Args:
        names: the explanations' names, in row (and column) order.
        values: ``values[i][j]`` is the agreement of ``names[i]`` with ``names[j]``;
            symmetric, with 1 on the diagonal (NaN where Spearman is undefined).
        measure: ``"spearman"`` or ``"top_k"``.
        ranking: ``"signed"`` or ``"absolute"``.
        k: the top-k size, for ``"top_k"``; None for Spearman.
    """

    names: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]
    measure: Measure
    ranking: Ranking
    k: int | None = None


def agreement_matrix(
    results: Mapping[str, Scores],
    measure: Measure = "spearman",
    ranking: Ranking = "signed",
    k: int | None = None,
) -> AgreementMatrix:
    """Agreement of every pair of named explanations of the same text.

    Args:
        results: name to :class:`Attribution` (or score sequence), all for the
            same tokens; at least two.
        measure: ``"spearman"`` (:func:`spearman`) or ``"top_k"``
            (:func:`top_k_overlap`). Default: ``"spearman"``
        ranking: ``"signed"`` or ``"absolute"``. Default: ``"signed"``
        k: the top-k size for ``"top_k"``. Default: None, 20 % of the text
            tokens rounded up (see :func:`count_for_percent`).

    Returns:
        The :class:`AgreementMatrix`, rows and columns in the mapping's order.

    Raises:
        ValueError: fewer than two results, an unknown measure, or results for
            different tokens.
    """
    if measure not in MEASURES:
        raise InputError(f"Unknown measure {measure!r}. Choose one of: {', '.join(MEASURES)}.")
    if len(results) < 2:
        raise ValueError("Agreement needs at least two explanations to compare.")
    names = tuple(results)
    items = [results[name] for name in names]
    size = None
    if measure == "top_k":
        first = items[0]
        n = len(text_scores(first) if isinstance(first, Attribution) else first)
        size = count_for_percent(DEFAULT_TOP_PERCENT, n) if k is None else k
    values = [[1.0] * len(items) for _ in items]
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if size is None:
                value = spearman(items[i], items[j], ranking)
            else:
                value = top_k_overlap(items[i], items[j], size, ranking)
            values[i][j] = values[j][i] = value
    for i, item in enumerate(items):
        if size is None:
            values[i][i] = spearman(item, item, ranking)  # NaN for constant scores
    return AgreementMatrix(
        names=names,
        values=tuple(tuple(row) for row in values),
        measure=measure,
        ranking=ranking,
        k=size,
    )
