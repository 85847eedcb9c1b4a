"""The report's statistics against a plain pandas computation, its settings and errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import t

from explain.core.errors import InputError
from explain.core.report_results import report_to_dict, report_to_json
from explain.report.build import build_report
from explain.report.cli import main
from tests.reportdata import synthetic_rows, write_directory

pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_directory(tmp_path_factory.mktemp("report") / "rows", synthetic_rows(300))


def per_row_words(rows: list[dict[str, object]]) -> pd.DataFrame:
    """One line per (explained row, lowercased word): the sum of its occurrences' scores."""
    lines = [
        {
            "row_id": row["row_id"],
            "label": row["target_label"],
            "predicted": row["predicted_label"],
            "gold": row["gold_label"],
            "word": str(word).lower(),
            "score": score,
        }
        for row in rows
        if row["status"] == "ok"
        for word, score in zip(row["words"], row["word_scores"], strict=True)  # type: ignore[call-overload]
    ]
    frame = pd.DataFrame(lines)
    return frame.groupby(["row_id", "label", "predicted", "gold", "word"], as_index=False)[
        "score"
    ].sum()


def test_word_statistics_equal_pandas(directory: Path) -> None:
    rows = synthetic_rows(300)
    words = per_row_words(rows)
    report = build_report(directory, min_count=1, top=1000)
    for label, stats in report.labels.items():
        mine = words[words["label"] == label]
        total_absolute = mine["score"].abs().sum()
        grouped = mine.groupby("word")["score"]
        expected = pd.DataFrame(
            {
                "count": grouped.size(),
                "mean": grouped.mean(),
                "std": grouped.std(ddof=1),
                "share": grouped.sum() / total_absolute,
            }
        )
        assert {s.word for s in stats} == set(expected.index)
        for stat in stats:
            row = expected.loc[stat.word]
            assert stat.count == row["count"]
            assert stat.mean_score == pytest.approx(row["mean"], rel=1e-9, abs=1e-12)
            assert stat.share == pytest.approx(row["share"], rel=1e-9, abs=1e-12)
            if stat.count == 1:
                assert stat.ci_low is None
                assert stat.ci_high is None
            else:
                half = t.ppf(0.975, stat.count - 1) * row["std"] / math.sqrt(stat.count)
                assert stat.ci_low == pytest.approx(row["mean"] - half, rel=1e-7, abs=1e-12)
                assert stat.ci_high == pytest.approx(row["mean"] + half, rel=1e-7, abs=1e-12)
        means = [s.mean_score for s in stats]
        assert means == sorted(means, reverse=True)


def test_rows_count_every_status_and_words_are_lowercased(directory: Path) -> None:
    report = build_report(directory, min_count=1, top=1000)
    assert report.rows == 303
    assert report.ok_rows == 300
    words = {s.word for stats in report.labels.values() for s in stats}
    assert "great" in words
    assert "Great" not in words


def test_min_count_and_top(directory: Path) -> None:
    everything = build_report(directory, min_count=1, top=1000)
    limited = build_report(directory, min_count=40, top=3)
    for label, stats in limited.labels.items():
        assert len(stats) <= 3
        assert all(s.count >= 40 for s in stats)
        eligible = [s for s in everything.labels[label] if s.count >= 40]
        assert [s.word for s in stats] == [s.word for s in eligible[:3]]
    assert len(limited.shortcuts) <= 3
    assert all(s.count >= 40 for s in limited.shortcuts)


def test_errors_equal_pandas(directory: Path) -> None:
    rows = [row for row in synthetic_rows(300) if row["status"] == "ok"]
    frame = pd.DataFrame(rows)
    report = build_report(directory, min_count=1, top=5)
    assert report.errors is not None
    assert report.errors.rows == len(frame)
    assert report.errors.accuracy == pytest.approx(
        (frame["gold_label"] == frame["predicted_label"]).mean(), rel=1e-12
    )
    table = pd.crosstab(frame["gold_label"], frame["predicted_label"])
    labels = report.errors.labels
    assert [[int(table.loc[g, p]) for p in labels] for g in labels] == [
        list(r) for r in report.errors.confusion
    ]
    for word in report.errors.words:
        assert word.gold_label != word.predicted_label
        assert word.lift > 1


def test_json_contract(directory: Path) -> None:
    report = build_report(directory, min_count=2, top=4)
    document = json.loads(report_to_json(report))
    assert list(document)[:5] == ["rows", "ok_rows", "labels", "shortcuts", "clusters"]
    for key in ("accuracy", "confusion", "settings"):
        assert key in document
    assert document["rows"] == 303
    for entries in document["labels"].values():
        for entry in entries:
            assert {"word", "count", "mean_score", "ci_low", "ci_high"} <= set(entry)
        means = [e["mean_score"] for e in entries]
        assert means == sorted(means, reverse=True)
    scores = [s["score"] for s in document["shortcuts"]]
    assert scores == sorted(scores, reverse=True)
    for shortcut in document["shortcuts"]:
        assert {"word", "label", "score", "count", "reliance", "association"} <= set(shortcut)
        assert "flip_rate" not in shortcut
    assert document["clusters"]
    assert sum(c["size"] for c in document["clusters"]) == 300
    assert {"index", "size", "top_words", "texts"} <= set(document["clusters"][0])
    assert document["settings"]["words_lowercased"] is True
    assert document["settings"]["checkpoint"] == "tiny"


def test_without_gold_labels_no_accuracy(tmp_path: Path) -> None:
    directory = write_directory(tmp_path / "rows", synthetic_rows(60, gold=False))
    document = report_to_dict(build_report(directory, min_count=1))
    assert "accuracy" not in document
    assert "confusion" not in document


def test_not_a_results_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        build_report(tmp_path / "missing")
    with pytest.raises(InputError, match=r"no _manifest\.json"):
        build_report(tmp_path)
    write_directory(tmp_path / "empty", [])
    with pytest.raises(InputError, match="no Parquet parts"):
        build_report(tmp_path / "empty")
    with pytest.raises(InputError, match="--min-count"):
        build_report(tmp_path, min_count=0)


def test_html_is_one_self_contained_page(directory: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main([str(directory), "--format", "html", "--out", str(out), "--top", "5"]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("plotly.js v") == 1  # embedded once, no CDN
    assert '<script src="http' not in page
    assert "Words towards negative" in page
    assert "Shortcut candidates" in page
    assert "Errors: accuracy" in page


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "Traceback" not in err
