"""Exports round-trip, carry their settings, and escape hostile strings; the CLI works."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import explain
from explain.io import export
from explain.io.cli import main
from explain.io.readers import read_file
from tests.hostile import HOSTILE_LABELS, HOSTILE_TEXT, HOSTILE_TOKENS, save_hostile_classifier


@pytest.fixture(scope="module")
def results(three_label_model: explain.LoadedModel) -> list[explain.Attribution]:
    return [
        explain.attribute(three_label_model, "the movie was great", n_steps=8),
        explain.attribute(
            three_label_model, "i hate loud cars", target="neutral", output="logit", n_steps=4
        ),
    ]


def test_json_round_trips_exactly(results: list[explain.Attribution]) -> None:
    text = export.to_json(results)
    assert export.from_json(text) == results
    document = json.loads(text)
    assert document["versions"]["torch"]
    assert document["results"][1]["settings"]["output"] == "logit"


def test_json_from_elsewhere_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Tokenlight export"):
        export.from_json('{"results": []}')


def test_csv_has_a_row_per_token_with_settings(results: list[explain.Attribution]) -> None:
    rows = list(csv.DictReader(io.StringIO(export.to_csv(results))))
    assert len(rows) == sum(len(r.tokens) for r in results)
    second = [row for row in rows if row["sentence"] == "1"]
    assert [row["token"] for row in second] == list(results[1].tokens)
    assert [float(row["score"]) for row in second] == pytest.approx(results[1].scores)
    assert {row["target_label"] for row in second} == {"neutral"}
    assert {row["n_steps"] for row in second} == {"4"}
    assert "transformers" in json.loads(second[0]["versions"])


def test_html_report_is_offline_and_escaped(tmp_path: Path) -> None:
    model = explain.load_checkpoint(str(save_hostile_classifier(tmp_path / "hostile")))
    result = explain.attribute(model, HOSTILE_TEXT, n_steps=4)
    html = export.html_report([result])
    for payload in (*HOSTILE_TOKENS, *HOSTILE_LABELS):
        assert payload not in html
    assert explain.escape(HOSTILE_TOKENS[0]) in html
    assert 'src="http' not in html  # plotly.js is inlined, not fetched from a CDN
    assert html.count("Plotly.newPlot") == 2


def test_cli_writes_json_for_a_small_file(tiny_dir: Path, tmp_path: Path) -> None:
    sentences = tmp_path / "sentences.txt"
    sentences.write_text("the movie was great\n\n  \ni hate loud cars\n")
    out = tmp_path / "out.json"
    code = main(
        ["--file", str(sentences), "--checkpoint", str(tiny_dir), "--steps", "4", "--out", str(out)]
    )
    assert code == 0
    loaded = export.from_json(out.read_text())
    assert [r.text for r in loaded] == ["the movie was great", "i hate loud cars"]
    assert all(r.settings.n_steps == 4 for r in loaded)


def test_cli_reads_a_csv_column_and_writes_csv(tiny_dir: Path, tmp_path: Path) -> None:
    table = tmp_path / "tweets.csv"
    table.write_text('id,tweet\n1,"the car was loud"\n2,"a smooth ride"\n')
    assert read_file(table, "tweet").texts == ("the car was loud", "a smooth ride")
    out = tmp_path / "out.csv"
    args = ["--file", str(table), "--column", "tweet", "--checkpoint", str(tiny_dir)]
    assert main([*args, "--steps", "2", "--format", "csv", "--out", str(out)]) == 0
    assert {row["sentence"] for row in csv.DictReader(out.open())} == {"0", "1"}


def test_cli_guesses_the_text_column_of_a_csv(tiny_dir: Path, tmp_path: Path) -> None:
    """Without --column, a file with columns ``id,tweet`` explains ``tweet``, not ``id``."""
    table = tmp_path / "tweets.csv"
    table.write_text('id,tweet\n1,"the car was loud"\n2,"a smooth ride"\n')
    out = tmp_path / "out.json"
    args = ["--file", str(table), "--checkpoint", str(tiny_dir), "--steps", "2", "--out", str(out)]
    assert main(args) == 0
    assert [r.text for r in export.from_json(out.read_text())] == [
        "the car was loud",
        "a smooth ride",
    ]


def test_cli_reports_bad_input_without_a_traceback(
    tiny_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "t.csv"
    table.write_text("a,b\n1,2\n")
    assert main(["--file", str(table), "--column", "text", "--checkpoint", str(tiny_dir)]) == 2
    assert "no column 'text'" in capsys.readouterr().err
    assert main(["the movie", "--checkpoint", str(tiny_dir), "--target", "happy"]) == 2
    assert "Unknown target label" in capsys.readouterr().err


def test_cli_help_explains_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--file", "--column", "--checkpoint", "--method", "--target", "--output"):
        assert option in text
    for option in ("--baseline", "--steps", "--format", "--out", "--pair", "--contrast"):
        assert option in text
    for option in ("--auto-steps", "--tolerance", "--baseline-token", "--n-samples", "--window"):
        assert option in text


def test_csv_and_html_carry_the_options_that_decide_a_result(
    tiny_model: explain.LoadedModel,
) -> None:
    result = explain.attribute(
        tiny_model, "the movie", text_pair="i love it", target=1, contrast=0,
        baseline="random", baseline_seed=7, n_steps=4, auto_steps=True, tolerance=0.5,
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(export.to_csv([result]))))
    assert {row["contrast_label"] for row in rows} == {"negative"}
    assert [row["segment"] for row in rows] == [str(s) for s in result.segments]
    assert "1" in {row["segment"] for row in rows}
    assert json.loads(rows[0]["options"])["baseline_seed"] == 7
    assert {row["auto_steps"] for row in rows} == {"True"}
    html = export.html_report([result])
    for fact in ("Compared with", "negative", "Second text", "i love it", "baseline_seed"):
        assert fact in html


@pytest.mark.parametrize("method", list(explain.METHODS))
def test_cli_runs_every_method(tiny_dir: Path, tmp_path: Path, method: str) -> None:
    out = tmp_path / "out.json"
    args = ["the movie was not good", "--checkpoint", str(tiny_dir), "--method", method]
    assert main([*args, "--out", str(out)]) == 0
    (result,) = export.from_json(out.read_text())
    assert result.settings.method == method


def test_cli_passes_the_new_options(
    tiny_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    args = ["the movie was good", "--checkpoint", str(tiny_dir), "--out", str(out)]
    options = ["--pair", "i love it", "--target", "1", "--contrast", "negative"]
    options += ["--baseline", "custom", "--baseline-token", "car", "--auto-steps"]
    assert main([*args, *options, "--steps", "4", "--tolerance", "0.05"]) == 0
    (result,) = export.from_json(out.read_text())
    assert result.text_pair == "i love it"
    assert result.settings.output == "logit_difference"
    assert result.settings.auto_steps
    assert result.settings.tolerance == 0.05
    assert dict(result.settings.baseline_options)["baseline_token"] == "car"
    assert main([*args, "--method", "saliency", "--baseline-seed", "3"]) == 2
    assert "takes no option 'baseline_seed'" in capsys.readouterr().err


def test_damaged_json_export_is_a_value_error(results: list[explain.Attribution]) -> None:
    document = json.loads(export.to_json(results))
    del document["results"][0]["settings"]
    with pytest.raises(ValueError, match="incomplete or damaged"):
        export.from_json(json.dumps(document))


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+1", "'+1"), ("@SUM(1)", "'@SUM(1)"),
     ("-", "-"), ("movie", "movie"), ("##s", "##s")],
)  # fmt: skip
def test_csv_cells_cannot_run_as_formulas(cell: str, safe: str) -> None:
    assert export.spreadsheet_safe(cell) == safe
