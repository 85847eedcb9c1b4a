"""The explained texts that hold a word, highest score first, from the stored scores."""

from __future__ import annotations

from explain.core.report_results import WordText
from explain.report.directory import ResultsDirectory

WORD_TEXTS_SQL = """
WITH holding AS (
    SELECT row_id, text, target_label, predicted_label, words, word_scores,
           list_sum(list_transform(
               list_zip(words, word_scores),
               lambda pair: CASE WHEN lower(pair[1]) = $word THEN coalesce(pair[2], 0) ELSE 0 END
           )) AS score
    FROM ok
    WHERE list_contains(list_transform(words, lambda w: lower(w)), $word)
      AND ($label IS NULL OR target_label = $label)
)
SELECT row_id, text, target_label, predicted_label, score, words, word_scores
FROM holding
ORDER BY score DESC, row_id
LIMIT $limit
"""


def word_texts(
    results: ResultsDirectory, word: str, label: str | None = None, limit: int = 50
) -> tuple[WordText, ...]:
    """The explained texts holding ``word`` (compared lowercased), highest score first.

    Args:
        results: an open results directory.
        word: the word; case does not matter.
        label: only texts explained towards this label; None for every label.
            Default: None
        limit: the most texts returned. Default: 50

    Returns:
        The texts, by descending score of the word, then row id.
    """
    rows = results.query(WORD_TEXTS_SQL, {"word": word.lower(), "label": label, "limit": limit})
    return tuple(
        WordText(
            row_id=str(row_id),
            text=str(text),
            label=str(target),
            predicted_label=str(predicted),
            score=float(score or 0.0),
            words=tuple(str(w) for w in words),
            word_scores=tuple(float(s) if s is not None else 0.0 for s in word_scores),
        )
        for row_id, text, target, predicted, score, words, word_scores in rows
    )
