"""One reader for pasted lines, TXT and CSV files, shared by the batch view and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from explain.core.errors import InputError
from explain.io import readers


def test_pasted_lines_skip_blanks_and_are_stripped() -> None:
    found = readers.pasted("  good  \n\n \nbad\n")
    assert found.texts == ("good", "bad")
    assert found.source == "pasted lines"
    assert found.dropped == 0
    assert found.limit_notice is None


def test_a_text_file_is_one_text_per_line(tmp_path: Path) -> None:
    path = tmp_path / "texts.txt"
    path.write_bytes("\ufefffirst line\r\n\r\nsecond, with a comma\n".encode())
    found = readers.read_file(path)
    assert found.texts == ("first line", "second, with a comma")
    assert found.columns == ()
    assert found.column is None


def test_a_csv_column_is_read_by_name(tmp_path: Path) -> None:
    path = tmp_path / "t.CSV"
    path.write_text('id,text,label\n1,"hello, world",pos\n2,,neg\n3,bye\n')
    found = readers.read_file(path, "text")
    assert found.texts == ("hello, world", "bye")  # the empty cell is skipped, the short row padded
    assert found.columns == ("id", "text", "label")
    assert found.source == f"{path}, column 'text'"
    with pytest.raises(InputError, match=r"no column 'tweet'\. Its columns: id, text, label"):
        readers.read_file(path, "tweet")


def test_the_text_column_is_guessed_from_names_then_content() -> None:
    assert readers.guess_text_column(("id", "Tweet"), [("1", "so good")]) == "Tweet"
    rows = [("1", "a long sentence here"), ("2", "another one")]
    assert readers.guess_text_column(("id", "body_txt"), rows) == "body_txt"
    assert readers.guess_text_column(("n", "label"), [("1", "pos"), ("2", "neg")]) == "label"
    # Long numbers are not words: the wordy column wins over a wide numeric one.
    rows = [("123456789012345", "ok then"), ("987654321098765", "fine")]
    assert readers.guess_text_column(("id", "x"), rows) == "x"


def test_a_csv_without_a_column_reads_the_guessed_one() -> None:
    found = readers.read_texts("tweets.csv", b'id,tweet\n1,"the car was loud"\n2,a smooth ride\n')
    assert found.column == "tweet"
    assert found.texts == ("the car was loud", "a smooth ride")


def test_limits_are_reported_not_silent() -> None:
    found = readers.pasted("\n".join(f"text {i}" for i in range(12)), max_texts=10)
    assert len(found.texts) == 10
    assert found.total == 12
    assert found.dropped == 2
    assert found.limit_notice is not None
    assert "has 12 texts" in found.limit_notice
    assert "at most 10" in found.limit_notice
    table = readers.read_table("t.csv", b"text\n" + b"a\n" * 5)
    assert table.texts(max_texts=3).dropped == 2
    with pytest.raises(InputError, match=r"big\.txt is 0\.0 MB; the limit is"):
        readers.read_lines("big.txt", b"x" * 11, max_bytes=10)
    with pytest.raises(InputError, match="the limit"):
        readers.read_table("big.csv", b"text\n" + b"x" * 20, max_bytes=10)
    assert readers.read_lines("ok.txt", b"x" * 10, max_bytes=10).texts == ("x" * 10,)


def test_encodings_latin1_and_utf16_are_read_and_binary_is_refused() -> None:
    assert readers.read_texts("a.txt", "café crème".encode("latin-1")).texts == ("café crème",)
    assert readers.read_texts("a.txt", "naïve\nok".encode("utf-16")).texts == ("naïve", "ok")
    with pytest.raises(InputError, match="not a text file"):
        readers.read_texts("sheet.csv", b"PK\x03\x04\x00\x00binary")


def test_bad_csv_and_empty_input_raise_input_errors() -> None:
    with pytest.raises(InputError, match="no rows"):
        readers.read_table("empty.csv", b"text\n")
    with pytest.raises(InputError, match="row 3 has 3 cells"):
        readers.read_table("ragged.csv", b"id,text\n1,good\n2,bad,extra\n")
    with pytest.raises(InputError, match="holds no text"):
        readers.read_texts("blank.txt", b"\n  \n")
    with pytest.raises(InputError, match="holds no text"):
        readers.read_texts("t.csv", b"id,text\n1,\n2,  \n", column="text")
