"""Accuracy, the confusion matrix, and the words over-represented in mistakes."""

from __future__ import annotations

from explain.core.report_results import ErrorSummary, ErrorWord
from explain.report.directory import ResultsDirectory

# A row "holds" a word in its attribution when the word pushes towards the explained
# label (by default the predicted one): its row score is positive.
ERROR_WORDS_SQL = """
WITH wrong AS (
    SELECT gold, predicted, word, sum(positive) AS k FROM cube
    WHERE gold IS NOT NULL AND predicted IS NOT NULL AND gold <> predicted
    GROUP BY gold, predicted, word
), pairs AS (
    SELECT gold, predicted, sum(n) AS rows FROM label_rows
    WHERE gold IS NOT NULL AND predicted IS NOT NULL AND gold <> predicted
    GROUP BY gold, predicted
), right_words AS (
    SELECT predicted, word, sum(positive) AS k FROM cube WHERE gold = predicted
    GROUP BY predicted, word
), right_rows AS (
    SELECT predicted, sum(n) AS rows FROM label_rows WHERE gold = predicted GROUP BY predicted
), rated AS (
    SELECT wrong.gold, wrong.predicted, wrong.word, wrong.k,
           wrong.k / pairs.rows AS wrong_rate,
           coalesce(right_words.k, 0) / greatest(coalesce(right_rows.rows, 0), 1) AS right_rate,
           (wrong.k / pairs.rows)
           / ((coalesce(right_words.k, 0) + 1) / (coalesce(right_rows.rows, 0) + 1)) AS lift
    FROM wrong
    JOIN pairs USING (gold, predicted)
    LEFT JOIN right_words ON right_words.predicted = wrong.predicted
        AND right_words.word = wrong.word
    LEFT JOIN right_rows ON right_rows.predicted = wrong.predicted
    WHERE wrong.k >= $min_count
)
SELECT gold, predicted, word, k, wrong_rate, right_rate, lift FROM rated
WHERE lift > 1
QUALIFY row_number() OVER (PARTITION BY gold, predicted ORDER BY lift DESC, word) <= $top
ORDER BY gold, predicted, lift DESC, word
"""


def error_summary(results: ResultsDirectory, min_count: int, top: int) -> ErrorSummary | None:
    """Accuracy and confusion over the explained rows with a gold label, and error words.

    An error word of a (gold, predicted) pair pushes towards the explained label in
    at least ``min_count`` of the pair's mistaken rows, and does so in a larger
    share of them than in the rows rightly predicted as the same label (that
    share smoothed by one row): ``lift`` is the ratio of the two.

    Args:
        results: an open directory whose ``cube`` is built.
        min_count: the fewest mistaken rows of a pair that must hold a word.
        top: the most words listed per pair.

    Returns:
        The :class:`ErrorSummary`; None when no explained row has a gold label.
    """
    pairs = results.query(
        "SELECT gold, predicted, sum(n) FROM label_rows "
        "WHERE gold IS NOT NULL AND predicted IS NOT NULL GROUP BY gold, predicted"
    )
    if not pairs:
        return None
    labels = tuple(sorted({str(g) for g, _, _ in pairs} | {str(p) for _, p, _ in pairs}))
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for gold, predicted, n in pairs:
        matrix[index[str(gold)]][index[str(predicted)]] += int(n)
    rows = sum(int(n) for _, _, n in pairs)
    right = sum(matrix[i][i] for i in range(len(labels)))
    words = tuple(
        ErrorWord(
            word=str(word),
            gold_label=str(gold),
            predicted_label=str(predicted),
            count=int(k),
            wrong_rate=float(wrong_rate),
            right_rate=float(right_rate),
            lift=float(lift),
        )
        for gold, predicted, word, k, wrong_rate, right_rate, lift in results.query(
            ERROR_WORDS_SQL, {"min_count": min_count, "top": top}
        )
    )
    return ErrorSummary(
        rows=rows,
        accuracy=right / rows,
        labels=labels,
        confusion=tuple(tuple(row) for row in matrix),
        words=words,
    )
