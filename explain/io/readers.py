"""Texts to explain from pasted lines, a .txt file (one per line) or a .csv column.

The dashboard's batch view and the command line read files with the same
code: the same decoding, the same guess of the text column, and the same
limits, which are reported, never applied silently. A text over
:data:`explain.core.limits.MAX_TEXT_CHARS` is refused, naming its line or row.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from explain.core.errors import InputError
from explain.core.limits import check_length

MAX_BYTES = 1_000_000  # the largest file the dashboard reads
TEXT_COLUMN_NAMES = ("text", "sentence", "tweet", "review", "comment", "content", "message", "body")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class Texts:
    """Texts read from one source.

    Args:
        texts: the non-empty texts, stripped, in order; at most the limit.
        source: where they came from, for messages ("pasted lines",
            "tweets.csv, column 'tweet'").
        total: how many texts the source held before the limit. Default: 0,
            meaning ``len(texts)``
        columns: a CSV file's columns, in order; ``()`` for lines. Default: ``()``
        column: the CSV column read; None for lines. Default: None
    """

    texts: tuple[str, ...]
    source: str
    total: int = 0
    columns: tuple[str, ...] = ()
    column: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", max(self.total, len(self.texts)))

    @property
    def dropped(self) -> int:
        """How many texts the limit left out."""
        return self.total - len(self.texts)

    @property
    def limit_notice(self) -> str | None:
        """What the limit cut, in words; None when nothing was cut."""
        if not self.dropped:
            return None
        kept = len(self.texts)
        return (
            f"The input has {self.total} texts; a batch holds at most {kept}. Only the "
            f"first {kept} will be explained; split the rest into another batch."
        )


def _checked_lines(text: str, where: str, source: str, max_texts: int | None) -> Texts:
    """The non-empty lines of ``text``, stripped and cut to ``max_texts``, each kept one
    checked against the text limit.

    Raises:
        InputError: a kept line is over the limit; the message names it, "Line 3 of ``where``".
    """
    numbered = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    for number, line in numbered[:max_texts]:
        check_length(line, f"Line {number} of {where}")
    return limited([line for _, line in numbered], source, max_texts)


def decode(data: bytes, name: str) -> str:
    """A file's bytes as text: UTF-8 (with or without a BOM), UTF-16 with a BOM, else Latin-1.

    Raises:
        InputError: the bytes are not text (they hold NUL characters).
    """
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = data.decode("latin-1")
    if "\x00" in content:
        raise InputError(
            f"{name} is not a text file (it holds NUL bytes). Save it as UTF-8 text, "
            "one text per line or as CSV."
        )
    return content


def _is_number(cell: str) -> bool:
    try:
        return not math.isnan(float(cell))
    except ValueError:
        return False


def guess_text_column(
    columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...] | list[tuple[str, ...]]
) -> str:
    """The column most likely to hold the texts: a usual name, else the wordiest.

    Args:
        columns: the column names, in order.
        rows: the cells, one tuple per row, in the columns' order.

    Returns:
        The first column named like ``text``, ``sentence``, ``tweet``, ...
        (any case); else the column with the longest non-numeric cells on average.
    """
    named = [column for column in columns if column.strip().lower() in TEXT_COLUMN_NAMES]
    if named:
        return named[0]

    def wordiness(position: int) -> float:
        cells = [row[position].strip() for row in rows]
        if not cells:
            return 0.0
        numeric = sum(_is_number(cell) for cell in cells) / len(cells)
        return (1 - numeric) * sum(len(cell) for cell in cells) / len(cells)

    return columns[max(range(len(columns)), key=wordiness)]


@dataclass(frozen=True)
class Table:
    """A CSV file, read: its columns and its rows of cells.

    Args:
        name: the file's name, for messages.
        columns: the column names, in order.
        rows: the cells, one tuple per row in the columns' order.
    """

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def text_column(self) -> str:
        """The column most likely to hold the texts; see :func:`guess_text_column`."""
        return guess_text_column(self.columns, self.rows)

    def texts(self, column: str | None = None, max_texts: int | None = None) -> Texts:
        """The non-empty cells of ``column`` (None: :attr:`text_column`), stripped.

        Args:
            column: the column to read. Default: None
            max_texts: keep at most this many; None keeps all. Default: None

        Raises:
            InputError: there is no such column (the message lists the columns),
                or a kept cell is over the text limit (the message names its row).
        """
        chosen = self.text_column if column is None else column
        if chosen not in self.columns:
            raise InputError(
                f"{self.name} has no column {chosen!r}. Its columns: {', '.join(self.columns)}."
            )
        position = self.columns.index(chosen)
        numbered = [  # rows counted as in read_table's messages: the header is row 1
            (number, row[position].strip())
            for number, row in enumerate(self.rows, start=2)
            if row[position].strip()
        ]
        for number, cell in numbered[:max_texts]:
            check_length(cell, f"Row {number} of {self.name} (column {chosen!r})")
        cells = [cell for _, cell in numbered]
        source = f"{self.name}, column {chosen!r}"
        return limited(cells, source, max_texts, columns=self.columns, column=chosen)

    def labels(
        self, column: str, text_column: str | None = None, max_texts: int | None = None
    ) -> tuple[str, ...]:
        """The cells of ``column`` beside each text :meth:`texts` reads, in the same order.

        Args:
            column: the column of gold labels.
            text_column: the column of texts (None: :attr:`text_column`). Default: None
            max_texts: keep at most this many, as :meth:`texts` does. Default: None

        Raises:
            InputError: either column is missing; the message lists the columns.
        """
        chosen = self.text_column if text_column is None else text_column
        for name in (chosen, column):
            if name not in self.columns:
                raise InputError(
                    f"{self.name} has no column {name!r}. Its columns: {', '.join(self.columns)}."
                )
        text_at, label_at = self.columns.index(chosen), self.columns.index(column)
        cells = [row[label_at].strip() for row in self.rows if row[text_at].strip()]
        return tuple(cells if max_texts is None else cells[:max_texts])


def is_table(name: str) -> bool:
    """Whether a file of this name is read as CSV (a ``.csv`` ending, any case)."""
    return name.lower().endswith(".csv")


def check_size(name: str, data: bytes, max_bytes: int | None) -> None:
    """Refuse a file over ``max_bytes`` (None: any size is fine).

    Raises:
        InputError: the file is larger; the message gives both sizes.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise InputError(
            f"{name} is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:g} MB. "
            "Split it, or keep only the texts you need."
        )


def read_table(name: str, data: bytes, max_bytes: int | None = None) -> Table:
    """A CSV file's columns and rows; short rows are padded with empty cells.

    Args:
        name: the file's name, for messages.
        data: the file's bytes, decoded with :func:`decode`.
        max_bytes: refuse larger files; None reads any size. Default: None

    Raises:
        InputError: the file is too large, not text, holds no rows, is not
            valid CSV, or a row has more cells than the header has columns.
    """
    check_size(name, data, max_bytes)
    try:
        table = [row for row in csv.reader(io.StringIO(decode(data, name))) if row]
    except csv.Error as error:
        raise InputError(f"{name} could not be read as CSV: {error}") from None
    if len(table) < 2 or not any(table[0]):
        raise InputError(f"{name} has no rows. Give a header line, then one row per text.")
    columns = tuple(cell.strip() for cell in table[0])
    rows = []
    for number, row in enumerate(table[1:], start=2):
        if len(row) > len(columns):
            raise InputError(
                f"{name} could not be read as CSV: row {number} has {len(row)} cells but the "
                f"header has {len(columns)} columns. Quote cells that hold commas."
            )
        rows.append(tuple(row) + ("",) * (len(columns) - len(row)))
    return Table(name, columns, tuple(rows))


def limited(
    texts: list[str],
    source: str,
    max_texts: int | None,
    columns: tuple[str, ...] = (),
    column: str | None = None,
) -> Texts:
    """``texts`` cut to the first ``max_texts`` (None: no limit), the cut recorded."""
    kept = texts if max_texts is None else texts[:max_texts]
    return Texts(tuple(kept), source, len(texts), columns, column)


def pasted(text: str, max_texts: int | None = None) -> Texts:
    """Texts typed or pasted one per line.

    Args:
        text: the lines; empty ones are skipped.
        max_texts: keep at most this many; None keeps all. Default: None

    Raises:
        InputError: a kept line is over the text limit; the message names it.
    """
    return _checked_lines(text, "the pasted texts", "pasted lines", max_texts)


def read_lines(
    name: str, data: bytes, max_texts: int | None = None, max_bytes: int | None = None
) -> Texts:
    """A text file's non-empty lines, one text each.

    Args:
        name: the file's name, for messages.
        data: the file's bytes, decoded with :func:`decode`.
        max_texts: keep at most this many; None keeps all. Default: None
        max_bytes: refuse larger files; None reads any size. Default: None

    Raises:
        InputError: the file is too large or not text, or a kept line is over
            the text limit (the message names it).
    """
    check_size(name, data, max_bytes)
    return _checked_lines(decode(data, name), name, name, max_texts)


def read_texts(
    name: str,
    data: bytes,
    column: str | None = None,
    max_texts: int | None = None,
    max_bytes: int | None = None,
) -> Texts:
    """Texts from a file's bytes: a .csv file's column, else one text per line.

    Args:
        name: the file's name; a ``.csv`` ending (any case) reads it as CSV.
        data: the file's bytes.
        column: the CSV column holding the texts; None guesses it with
            :func:`guess_text_column`. Default: None
        max_texts: keep at most this many texts; None keeps all. Default: None
        max_bytes: refuse larger files; None reads any size. Default: None

    Returns:
        The :class:`Texts`; empty cells and lines are skipped.

    Raises:
        InputError: the file is too large, not text, not valid CSV, has no such
            column (the message lists its columns), holds no text, or holds a
            text over :data:`explain.core.limits.MAX_TEXT_CHARS` (the message
            names its line or row).
    """
    if is_table(name):
        found = read_table(name, data, max_bytes).texts(column, max_texts)
    else:
        found = read_lines(name, data, max_texts, max_bytes)
    if not found.texts:
        raise InputError(f"{found.source} holds no text. Give at least one non-empty line.")
    return found


def read_file(path: Path, column: str | None = None, max_texts: int | None = None) -> Texts:
    """Texts from a .txt or .csv file on disk; see :func:`read_texts`.

    Raises:
        InputError: as for :func:`read_texts`.
        OSError: the file cannot be read.
    """
    return read_texts(str(path), path.read_bytes(), column, max_texts)
