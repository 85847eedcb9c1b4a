"""Shortcut candidates: words the model leans on for a label that the data also ties to it.

Reliance is the word's mean score towards a label in the rows explained towards it
that hold the word. Association is the local mutual information (Du et al., NAACL
2021) between the word's presence and the predicted label::

    LMI(w, l) = p(w, l) · log(p(l | w) / p(l))

over the explained rows. The two live on unrelated scales (attribution units, nats)
and have heavy tails, so neither a product nor a sum ranks fairly; the score is the
harmonic mean of their percentile ranks among the candidates, which is high only
when both are, and is in (0, 1]. Only words with positive reliance and positive
association for a label are candidates for it.
"""

from __future__ import annotations

from explain.core.report_results import Shortcut
from explain.report.directory import ResultsDirectory

CANDIDATES_SQL = """
WITH presence AS (
    SELECT word, predicted, sum(n) AS n FROM cube WHERE predicted IS NOT NULL
    GROUP BY word, predicted
), word_rows AS (
    SELECT word, sum(n) AS n FROM cube GROUP BY word
), label_totals AS (
    SELECT predicted, sum(n) AS n FROM label_rows WHERE predicted IS NOT NULL GROUP BY predicted
), everything AS (
    SELECT sum(n) AS n FROM label_rows
), reliance AS (
    SELECT label, word, sum(total) / sum(n) AS reliance FROM cube
    WHERE label IS NOT NULL GROUP BY label, word
)
SELECT presence.word, presence.predicted, word_rows.n, reliance.reliance,
       (presence.n / everything.n)
       * ln((presence.n / word_rows.n) / (label_totals.n / everything.n)) AS association
FROM presence
JOIN word_rows USING (word)
JOIN label_totals USING (predicted)
CROSS JOIN everything
JOIN reliance ON reliance.label = presence.predicted AND reliance.word = presence.word
WHERE word_rows.n >= $min_count AND reliance.reliance > 0
"""


def percentile_ranks(values: list[float]) -> list[float]:
    """Each value's rank over the count, ties sharing their mean rank: in (0, 1]."""
    from scipy.stats import rankdata

    if not values:
        return []
    return [float(r) / len(values) for r in rankdata(values, method="average")]


def shortcut_candidates(
    results: ResultsDirectory, min_count: int, top: int
) -> tuple[Shortcut, ...]:
    """The ``top`` strongest shortcut candidates over all labels, strongest first.

    Args:
        results: an open directory whose ``cube`` is built.
        min_count: the fewest rows a word must be in.
        top: the most candidates returned.

    Returns:
        The candidates, by descending score, then reliance, then word.
    """
    rows = [
        row
        for row in results.query(CANDIDATES_SQL, {"min_count": min_count})
        if row[4] is not None and float(row[4]) > 0
    ]
    reliance_ranks = percentile_ranks([float(row[3]) for row in rows])
    association_ranks = percentile_ranks([float(row[4]) for row in rows])
    found = [
        Shortcut(
            word=str(word),
            label=str(label),
            score=2 * a * b / (a + b),
            count=int(n),
            reliance=float(reliance),
            association=float(association),
        )
        for (word, label, n, reliance, association), a, b in zip(
            rows, reliance_ranks, association_ranks, strict=True
        )
    ]
    found.sort(key=lambda s: (-s.score, -s.reliance, s.word, s.label))
    return tuple(found[:top])
