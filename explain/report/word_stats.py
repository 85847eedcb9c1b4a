"""Per word, per explained label: count, mean score, its 95 % interval, and share."""

from __future__ import annotations

import math

from explain.core.report_results import WordStat
from explain.report.cube import explained_labels
from explain.report.directory import ResultsDirectory

CONFIDENCE = 0.95

WORD_STATS_SQL = """
WITH words AS (
    SELECT label, word, sum(n) AS n, sum(total) AS total, sum(squares) AS squares
    FROM cube WHERE label IS NOT NULL GROUP BY label, word
), totals AS (
    SELECT label, sum(absolute) AS absolute FROM cube WHERE label IS NOT NULL GROUP BY label
)
SELECT words.label, word, n, total / n AS mean,
       CASE WHEN n > 1 THEN greatest(squares - total * total / n, 0) / (n - 1) END AS variance,
       total / nullif(totals.absolute, 0) AS share
FROM words JOIN totals USING (label)
WHERE n >= $min_count
QUALIFY row_number() OVER (PARTITION BY words.label ORDER BY total / n DESC, word) <= $top
ORDER BY words.label, mean DESC, word
"""


def t_quantiles(counts: list[int]) -> list[float]:
    """The two-sided 95 % quantile of Student's t for each ``count - 1`` degrees of freedom."""
    from scipy.stats import t

    return [float(q) for q in t.ppf(0.5 + CONFIDENCE / 2, [max(c - 1, 1) for c in counts])]


def word_stats(
    results: ResultsDirectory, min_count: int, top: int
) -> dict[str, tuple[WordStat, ...]]:
    """Each explained label's words, highest mean score first.

    A word's row score is the sum of its occurrences' scores in that text; ``count``
    is the rows holding it; the interval is the mean's 95 % Student's t interval
    (none when ``count`` is 1; the mean itself when every row scores the same);
    ``share`` is the word's summed score over the label's summed absolute word
    scores, signed.

    Args:
        results: an open directory whose ``cube`` is built.
        min_count: the fewest rows a word must be in to be listed.
        top: the most words listed per label.

    Returns:
        Every explained label, in name order, to its words (maybe none).
    """
    rows = results.query(WORD_STATS_SQL, {"min_count": min_count, "top": top})
    quantiles = t_quantiles([int(row[2]) for row in rows])
    found: dict[str, list[WordStat]] = {label: [] for label in explained_labels(results)}
    for (label, word, n, mean, variance, share), q in zip(rows, quantiles, strict=True):
        low = high = None
        if variance is not None:
            half = q * math.sqrt(float(variance) / int(n))
            low, high = float(mean) - half, float(mean) + half
        found.setdefault(str(label), []).append(
            WordStat(
                word=str(word),
                label=str(label),
                count=int(n),
                mean_score=float(mean),
                ci_low=low,
                ci_high=high,
                share=float(share) if share is not None else 0.0,
            )
        )
    return {label: tuple(stats) for label, stats in found.items()}
