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

_RANKED = """
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
)
SELECT row_id, score, occurrences, count(*) OVER () AS total
FROM hits ORDER BY score DESC, row_id LIMIT $limit
"""
# The texts and stored results of the ranked rows only: a filter on row_id lets DuckDB
# skip the big columns of every other row, where a join would read them all.
_STORED = """
SELECT row_id, text, result_json FROM read_parquet(?)
WHERE status = 'ok' AND row_id IN ({marks})
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
    parts = str(directory / PARTS)
    with import_duckdb().connect() as connection:
        ranked = connection.execute(
            _RANKED, {"parts": parts, "label": label, "word": wanted, "limit": limit}
        ).fetchall()
        ids = [row[0] for row in ranked]
        stored = (
            connection.execute(
                _STORED.format(marks=", ".join("?" for _ in ids)), [parts, *ids]
            ).fetchall()
            if ids
            else []
        )
    found = {row_id: (text, result_json) for row_id, text, result_json in stored}
    texts = tuple(
        WordText(
            row_id=str(row_id),
            text=str(found[row_id][0]),
            score=float(score),
            occurrences=int(occurrences),
            result_json=str(found[row_id][1]),
        )
        for row_id, score, occurrences, _ in ranked
        if row_id in found
    )
    total = int(ranked[0][3]) if ranked else 0
    return WordTexts(word=wanted, label=label, total=total, texts=texts)
