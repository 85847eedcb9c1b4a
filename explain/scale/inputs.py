"""Read the texts of a dataset: a CSV, Parquet or JSON Lines file, every row kept.

Unlike the plain command line, blank rows are not dropped here: each input row
gets a stable id and an output row, blank or not.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from explain.core.errors import InputError
from explain.scale.rows import row_id

SUFFIXES = (".csv", ".parquet", ".jsonl")


def read_texts(path: Path, column: str, label_column: str | None = None) -> pd.DataFrame:
    """The rows of ``path`` as ``row_id``, ``row_index``, ``text`` and ``gold_label``.

    Args:
        path: a ``.csv``, ``.parquet`` or ``.jsonl`` (one JSON object per line) file.
        column: the column holding the text.
        label_column: the column holding each row's gold label (kept as text, as
            the file spells it); None leaves ``gold_label`` empty. Default: None

    Returns:
        One row per input row, in file order; a missing text or label is None.

    Raises:
        InputError: the file is missing, of another kind, unreadable, or has no such
            column (the message lists its columns).
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
    for name, flag in ((column, "--column"), (label_column, "--label-column")):
        if name is not None and name not in frame.columns:
            columns = ", ".join(map(str, frame.columns))
            raise InputError(
                f"{path} has no column {name!r} (given to {flag}). Its columns: {columns}."
            )
    texts = [text if isinstance(text, str) else None for text in frame[column].tolist()]
    labels = [None] * len(texts) if label_column is None else frame[label_column].tolist()
    return pd.DataFrame(
        {
            "row_id": [row_id(path.name, index) for index in range(len(texts))],
            "row_index": range(len(texts)),
            "text": texts,
            "gold_label": [_label_text(label) for label in labels],
        }
    )


def _label_text(value: object) -> str | None:
    """A gold label as text; a missing or blank one is None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a label column of whole numbers with gaps reads as floats
    text = str(value).strip()
    return text or None
