"""Read the texts of a dataset: a CSV, Parquet or JSON Lines file, every row kept.

Unlike the plain command line, blank rows are not dropped here: each input row
gets a stable id and an output row, blank or not.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from explain.core.errors import InputError
from explain.scale.rows import row_id

SUFFIXES = (".csv", ".parquet", ".jsonl")


def read_texts(path: Path, column: str) -> pd.DataFrame:
    """The rows of ``path`` as ``row_id``, ``row_index`` and ``text`` (None where missing).

    Args:
        path: a ``.csv``, ``.parquet`` or ``.jsonl`` (one JSON object per line) file.
        column: the column holding the text.

    Returns:
        One row per input row, in file order.

    Raises:
        InputError: the file is missing, of another kind, unreadable, or has no such column.
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{path} is not a {', '.join(SUFFIXES)} file. Convert it to one of those.")
    if not path.is_file():
        raise InputError(f"There is no file {path}. Check the path given to --file.")
    try:
        if suffix == ".csv":
            # Read as text: a column of numbers or of "NA" is still text to explain.
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, skip_blank_lines=False,
                encoding="utf-8-sig",
            )  # fmt: skip
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_json(path, lines=True, dtype=False)
    except (ValueError, OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path} could not be read as {suffix[1:]}: {error}") from error
    if column not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise InputError(f"{path} has no column {column!r}. Its columns: {columns}.")
    texts = [text if isinstance(text, str) else None for text in frame[column].tolist()]
    return pd.DataFrame(
        {
            "row_id": [row_id(path.name, index) for index in range(len(texts))],
            "row_index": range(len(texts)),
            "text": texts,
        }
    )
