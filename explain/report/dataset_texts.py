"""The texts of a results directory that hold a word, for one explained label, by score.

The Dataset page lists them when a word is clicked. The query runs on DuckDB over
the Parquet parts in place: only the matching rows' text and stored result are
read back, so a directory of a million rows is never loaded whole. Words are
compared lowercased, as the report compares them; a word that occurs twice in a
text scores the sum of its occurrences, as :class:`explain.core.report_results.WordStat`
counts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from explain.core.errors import InputError
from explain.report.directory import import_duckdb

PARTS = "part-*.parquet"
DEFAULT_LIMIT = 20

_QUERY = """
WITH hits AS (
    SELECT row_id, sum(score) AS score, count(*) AS occurrences
    FROM (
        SELECT row_id, unnest(words) AS word, unnest(word_scores) AS score
        FROM read_parquet($parts)
        WHERE status = 'ok' AND target_label = $label
          AND list_contains(list_transform(words, lambda w: lower(w)), $word)
    )
    WHERE lower(word) = $word
    GROUP BY row_id
),
ranked AS (
    SELECT *, count(*) OVER () AS total FROM hits ORDER BY score DESC, row_id LIMIT $limit
)
SELECT ranked.row_id, rows.text, rows.result_json, ranked.score, ranked.occurrences,
       ranked.total
FROM ranked JOIN read_parquet($parts) AS rows USING (row_id)
WHERE rows.status = 'ok'
ORDER BY ranked.score DESC, ranked.row_id
"""


@dataclass(frozen=True)
class WordText:
    """One text that holds the word.

    Args:
        row_id: the row's id in the results directory.
        text: the text.
        score: the word's score in it (the sum over its occurrences).
        occurrences: how often the word occurs in it.
        result_json: the row's stored result
            (:func:`explain.scale.rows.result_from_row` reads it back).
    """

    row_id: str
    text: str
    score: float
    occurrences: int
    result_json: str


@dataclass(frozen=True)
class WordTexts:
    """The texts explained towards ``label`` that hold ``word``, highest score first.

    Args:
        word: the word, lowercased.
        label: the explained label.
        total: how many texts hold it; ``texts`` lists at most the limit asked for.
        texts: the texts, highest score first (ties by row id).
    """

    word: str
    label: str
    total: int
    texts: tuple[WordText, ...]


def texts_with_word(
    directory: Path, word: str, label: str, limit: int = DEFAULT_LIMIT
) -> WordTexts:
    """The texts explained towards ``label`` whose words include ``word``, by its score.

    Args:
        directory: a results directory (Parquet parts ``part-*.parquet``).
        word: the word; compared lowercased.
        label: the explained label (``target_label``).
        limit: the most texts to return. Default: 20

    Returns:
        The texts, highest score first, and how many there are in all.

    Raises:
        InputError: ``limit`` is below 1, or the directory holds no Parquet parts.
        ReportMissing: DuckDB is not installed.
    """
    if limit < 1:
        raise InputError(f"The number of texts to list must be at least 1, not {limit}.")
    if not any(directory.glob(PARTS)):
        raise InputError(f"{directory} holds no {PARTS} files. Give a results directory.")
    wanted = word.lower()
    with import_duckdb().connect() as connection:
        found = connection.execute(
            _QUERY,
            {"parts": str(directory / PARTS), "label": label, "word": wanted, "limit": limit},
        ).fetchall()
    texts = tuple(
        WordText(
            row_id=str(row_id),
            text=str(text),
            score=float(score),
            occurrences=int(occurrences),
            result_json=str(result_json),
        )
        for row_id, text, result_json, score, occurrences, _ in found
    )
    total = int(found[0][5]) if found else 0
    return WordTexts(word=wanted, label=label, total=total, texts=texts)
