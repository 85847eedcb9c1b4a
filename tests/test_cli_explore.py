"""The command line's --label-column (gold-label scores) and --format ipynb."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import explain
from explain.evaluation.gold import gold_report
from explain.io.cli import main
from explain.io.notebook import to_notebook


def test_label_column_adds_accuracy_f1_and_confusion(
    tiny_dir: Path, tiny_model: explain.LoadedModel, tmp_path: Path
) -> None:
    table = tmp_path / "reviews.csv"
    table.write_text(
        "review,label\n"
        '"the car was loud",negative\n'
        '"",positive\n'
        '"a smooth ride",positive\n'
        '"i love it",happy\n'
    )
    out = tmp_path / "out.json"
    args = ["--file", str(table), "--label-column", "label", "--checkpoint", str(tiny_dir)]
    assert main([*args, "--steps", "2", "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    assert len(explain.from_json(out.read_text())) == 3
    texts = ["the car was loud", "a smooth ride", "i love it"]
    batch = explain.attribute_batch(tiny_model, texts, n_steps=2)
    expected = gold_report(batch, ["negative", "positive", "happy"]).to_dict()
    gold = document["gold"]
    assert gold["accuracy"] == pytest.approx(expected["accuracy"])
    assert gold["macro_f1"] == pytest.approx(expected["macro_f1"])
    assert gold["confusion_matrix"] == expected["confusion_matrix"]
    assert gold["unknown_labels"] == {"happy": [2]}


def test_label_column_needs_a_csv_file(
    tiny_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("the car\n")
    args = ["--file", str(lines), "--label-column", "label", "--checkpoint", str(tiny_dir)]
    assert main(args) == 2
    assert "CSV" in capsys.readouterr().err
    table = tmp_path / "t.csv"
    table.write_text("text,label\nthe car,positive\n")
    args = ["--file", str(table), "--label-column", "gold", "--checkpoint", str(tiny_dir)]
    assert main(args) == 2
    assert "no column 'gold'" in capsys.readouterr().err


def test_format_ipynb_writes_the_notebook(
    tiny_dir: Path, tiny_model: explain.LoadedModel, tmp_path: Path
) -> None:
    out = tmp_path / "reproduce.ipynb"
    args = ["the ride was smooth", "--checkpoint", str(tiny_dir), "--steps", "6"]
    assert main([*args, "--format", "ipynb", "--out", str(out)]) == 0
    notebook = json.loads(out.read_text())
    assert notebook["nbformat"] == 4
    result = explain.attribute(tiny_model, "the ride was smooth", n_steps=6)
    expected = json.loads(to_notebook(result))
    assert [c["source"] for c in notebook["cells"]][1:] == [c["source"] for c in expected["cells"]][
        1:
    ]  # the first cell records library versions and is the same too, but may be reordered


def test_format_ipynb_takes_one_sentence(
    tiny_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["the car", "the ride", "--checkpoint", str(tiny_dir), "--format", "ipynb"]
    assert main([*args, "--steps", "2"]) == 2
    assert "one explanation" in capsys.readouterr().err
