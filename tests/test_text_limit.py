"""One text limit, everywhere: the command line, its files, dataset jobs and the service
refuse a text over ``MAX_TEXT_CHARS`` in the same words, and take one at the limit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import explain
from explain.core.limits import MAX_TEXT_CHARS, check_length, too_long
from explain.io import readers
from explain.io.cli import main
from explain.scale.cli import main as scale_main
from explain.scale.rows import explain_rows
from explain.serve.requests import RequestTooLarge, parse_request

AT_LIMIT = ("the movie was good . " * 1000)[: MAX_TEXT_CHARS - 1] + "x"
OVER = AT_LIMIT + "y"
WORDING = f"characters long; the limit is {MAX_TEXT_CHARS:,}. Shorten it, or split it"


def test_the_message_names_the_text_its_length_and_the_fix() -> None:
    message = too_long("Line 3 of notes.txt", 25_000)
    assert message == (
        f"Line 3 of notes.txt is 25,000 characters long; the limit is {MAX_TEXT_CHARS:,}. "
        f"Shorten it, or split it into texts of at most {MAX_TEXT_CHARS:,} characters."
    )
    assert len(AT_LIMIT) == MAX_TEXT_CHARS
    check_length(AT_LIMIT, "The text")
    with pytest.raises(explain.InputError, match=f"The text is {len(OVER):,} {WORDING}"):
        check_length(OVER, "The text")


def test_the_service_refuses_in_the_same_words() -> None:
    with pytest.raises(RequestTooLarge, match=f"'text' is {len(OVER):,} {WORDING}"):
        parse_request(json.dumps({"text": OVER}).encode())
    assert parse_request(json.dumps({"text": AT_LIMIT}).encode()).text == AT_LIMIT


def test_files_name_the_line_or_row_over_the_limit() -> None:
    text_file = f"short\n\n{OVER}\n".encode()
    with pytest.raises(
        explain.InputError, match=f"^Line 3 of notes.txt is {len(OVER):,} {WORDING}"
    ):
        readers.read_texts("notes.txt", text_file)
    table = f'id,text\n1,short\n2,"{OVER}"\n'.encode()
    with pytest.raises(
        explain.InputError, match=f"^Row 3 of t.csv \\(column 'text'\\) is {len(OVER):,} {WORDING}"
    ):
        readers.read_texts("t.csv", table)
    with pytest.raises(explain.InputError, match=f"^Line 2 of the pasted texts is .* {WORDING}"):
        readers.pasted(f"short\n{OVER}")
    assert readers.read_texts("notes.txt", f"{AT_LIMIT}\n".encode()).texts == (AT_LIMIT,)


def test_only_the_texts_kept_are_checked() -> None:
    """A batch keeps the first texts; one over the limit after them is never read."""
    found = readers.pasted(f"short\nalso short\n{OVER}", max_texts=2)
    assert found.texts == ("short", "also short")
    assert found.dropped == 1
    table = readers.read_table("t.csv", f'text\nshort\n"{OVER}"\n'.encode())
    assert table.texts(max_texts=1).texts == ("short",)


def test_the_cli_refuses_a_long_argument_file_or_pair_without_a_traceback(
    tiny_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = ["--checkpoint", str(tiny_dir)]
    assert main([OVER, *checkpoint]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: The sentence is {len(OVER):,} {WORDING}")
    assert "Traceback" not in err
    assert main(["short", OVER, *checkpoint]) == 2
    assert f"error: Sentence 2 is {len(OVER):,} {WORDING}" in capsys.readouterr().err
    assert main(["short", "--pair", OVER, *checkpoint]) == 2
    assert f"error: The --pair text is {len(OVER):,} {WORDING}" in capsys.readouterr().err
    notes = tmp_path / "notes.txt"
    notes.write_text(f"short\n{OVER}\n")
    assert main(["--file", str(notes), *checkpoint]) == 2
    assert f"error: Line 2 of {notes} is {len(OVER):,} {WORDING}" in capsys.readouterr().err
    table = tmp_path / "t.csv"
    table.write_text(f'text\n"{OVER}"\n')
    assert main(["--file", str(table), *checkpoint]) == 2
    assert f"error: Row 2 of {table} (column 'text') is" in capsys.readouterr().err


def test_the_cli_explains_a_text_at_the_limit(
    tiny_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([AT_LIMIT, "--checkpoint", str(tiny_dir), "--method", "saliency"]) == 0
    (data,) = json.loads(capsys.readouterr().out)["results"]
    assert data["text"] == AT_LIMIT
    assert data["tokens_dropped"] > 0  # truncated, as --long truncate says, and reported


def test_a_dataset_row_over_the_limit_is_an_input_error_row(
    tiny_model: explain.LoadedModel,
) -> None:
    rows = explain_rows(tiny_model, ["the film is good", OVER], "saliency", {})
    assert [row["status"] for row in rows] == ["ok", "input_error"]
    assert rows[1]["error"] == too_long("The text", len(OVER))


def test_a_dataset_job_refuses_a_long_pair_before_ray_starts(
    tiny_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "t.csv"
    table.write_text("text\nshort\n")
    args = ["--ray", "local", "--file", str(table), "--column", "text", "--out", str(tmp_path)]
    assert scale_main([*args, "--checkpoint", str(tiny_dir), "--pair", OVER]) == 2
    assert f"error: The --pair text is {len(OVER):,} {WORDING}" in capsys.readouterr().err


def test_the_batch_view_names_a_pasted_line_over_the_limit(app: AppTest) -> None:
    app.radio(key="mode").set_value("Many texts").run()
    app.text_area(key="batch_text").input(f"the movie was good\n{OVER}").run()
    assert not app.exception
    message = f"Line 2 of the pasted texts is {len(OVER):,} {WORDING}"
    assert any(message in error.value for error in app.error)
    assert app.button(key="batch_run").disabled
