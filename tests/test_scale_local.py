"""A results directory without Ray: `python -m explain --file F --column C --out DIR`.

The in-process runner writes the rows, manifest and parts the Ray runner does
(tests/test_scale_ray.py compares the two directories); here: the command line's
choice between a file and a directory, gold labels, resume, the word columns,
and that none of it needs Ray installed.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import explain
from explain.core.errors import InputError
from explain.scale.batch_directory import new_results_dir, save_batch
from explain.scale.cli import main, parser, writes_directory
from explain.scale.dataset import Explainer, worker_cpus
from explain.scale.job import ScaleJob, Workers
from explain.scale.local import explain_in_process
from explain.scale.rows import ROW_SCHEMA, result_from_row
from explain.scale.writer import read_rows
from explain.text.words import merge_words

TEXTS = ["the movie was great", "", "i hate this loud car", "bad", "the ride, smooth and quiet"]
LABELS = ["positive", "negative", "negative", None, 2]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "tweets.csv"
    pd.DataFrame({"text": TEXTS, "sentiment": LABELS}).to_csv(path, index=False)
    return path


def _labels(column: pd.Series) -> list[str | None]:
    """The column as a list, nulls as None (pandas reads a null string as NaN)."""
    return [None if pd.isna(value) else value for value in column]


def _argv(data: Path, out: Path, checkpoint: Path, *extra: str) -> list[str]:
    return [
        "--file", str(data), "--column", "text", "--out", str(out),
        "--checkpoint", str(checkpoint), "--steps", "8", "--batch-size", "2", *extra,
    ]  # fmt: skip


def test_without_ray_the_directory_holds_todays_rows_and_manifest(
    data: Path,
    tmp_path: Path,
    tiny_dir: Path,
    tiny_model: explain.LoadedModel,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # Ray is optional: import ray would fail
    out = tmp_path / "rows"
    assert main(_argv(data, out, tiny_dir, "--label-column", "sentiment")) == 0
    error = capsys.readouterr().err
    assert "5 rows: ok 4, input_error 1, error 0" in error
    assert "Explaining" in error  # the progress bar, on standard error
    table = read_rows(out)
    assert table.schema == ROW_SCHEMA
    rows = table.to_pandas().sort_values("row_index")
    assert rows["row_id"].tolist() == [f"tweets.csv:{i}" for i in range(len(TEXTS))]
    assert rows["status"].tolist() == ["ok", "input_error", "ok", "ok", "ok"]
    assert _labels(rows["gold_label"]) == ["positive", "negative", "negative", None, "2"]
    ok = rows[rows["status"] == "ok"]
    expected = explain.attribute_batch(tiny_model, list(ok["text"]), n_steps=8)
    for (_, row), item in zip(ok.iterrows(), expected.items, strict=True):
        assert tuple(row["tokens"]) == item.result.tokens
        # Batches of 2 here, of 4 there: other padding, float32 sums in another order.
        scale = max(abs(score) for score in item.result.scores)
        assert list(row["scores"]) == pytest.approx(item.result.scores, abs=scale * 1e-3)
        assert row["predicted_label"] == item.result.predicted_label
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["state"] == "complete"
    assert manifest["counts"] == {"ok": 4, "input_error": 1, "error": 0}
    assert manifest["settings"]["label_column"] == "sentiment"
    assert manifest["settings"]["options"]["n_steps"] == 8
    assert manifest["tuning"]["runner"] == "in process"


def test_word_columns_follow_merge_words(
    data: Path, tmp_path: Path, tiny_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rows"
    assert main(_argv(data, out, tiny_dir)) == 0
    rows = read_rows(out).to_pandas()
    assert rows["gold_label"].isna().all()  # no --label-column
    for _, row in rows[rows["status"] == "ok"].iterrows():
        result = result_from_row(row["result_json"])
        merged = merge_words(result, "sum")
        assert list(row["words"]) == [word.text for word in merged.words]
        assert list(row["word_scores"]) == pytest.approx(list(merged.scores), rel=1e-12)
        word_ids = list(row["word_ids"])
        assert len(word_ids) == len(row["tokens"])
        for position, score in enumerate(row["word_scores"]):
            tokens = [row["scores"][i] for i, w in enumerate(word_ids) if w == position]
            assert tokens, "every word holds at least one token"
            assert math.fsum(tokens) == pytest.approx(score, rel=1e-9, abs=1e-12)
        assert all(result.special_tokens[i] for i, w in enumerate(word_ids) if w == -1)


def test_resume_in_process_explains_only_the_rows_not_written(
    data: Path, tmp_path: Path, tiny_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rows"
    assert main(_argv(data, out, tiny_dir, "--label-column", "sentiment")) == 0
    table = read_rows(out)
    for part in out.glob("part-*.parquet"):
        part.unlink()
    kept = table.filter(pa.compute.less(table.column("row_index"), 2))
    worker = kept.schema.get_field_index("worker")
    earlier = kept.set_column(worker, "worker", pa.array(["earlier"] * 2))
    pq.write_table(earlier, out / "part-a.parquet")
    assert main(_argv(data, out, tiny_dir, "--label-column", "sentiment")) == 2
    assert "Add --resume" in capsys.readouterr().err
    assert main(_argv(data, out, tiny_dir, "--resume", "--steps", "4")) == 2
    assert "other settings" in capsys.readouterr().err
    resume = _argv(data, out, tiny_dir, "--label-column", "sentiment", "--resume")
    assert main(resume) == 0
    assert "2 were already in" in capsys.readouterr().err
    after = read_rows(out).to_pandas().set_index("row_id").sort_values("row_index")
    assert after.index.is_unique
    assert len(after) == len(TEXTS)
    assert after["worker"].tolist()[:2] == ["earlier"] * 2
    assert "earlier" not in after["worker"].tolist()[2:]
    assert _labels(after["gold_label"])[2:] == ["negative", None, "2"]
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["state"] == "complete"
    assert manifest["counts"] == {"ok": 4, "input_error": 1, "error": 0}


def test_a_missing_label_column_lists_the_columns(
    data: Path, tmp_path: Path, tiny_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_argv(data, tmp_path / "rows", tiny_dir, "--label-column", "gold")) == 2
    error = capsys.readouterr().err
    assert "has no column 'gold' (given to --label-column)" in error
    assert "Its columns: text, sentiment." in error


def test_labels_read_as_text_from_parquet_and_jsonl(tmp_path: Path, tiny_dir: Path) -> None:
    frame = pd.DataFrame({"text": ["the car", "a ride", "bad"], "y": [1.0, float("nan"), 0.0]})
    for name in ("d.parquet", "d.jsonl"):
        path = tmp_path / name
        if name.endswith(".parquet"):
            frame.to_parquet(path)
        else:
            frame.to_json(path, orient="records", lines=True)
        out = tmp_path / name.replace(".", "_")
        job = ScaleJob(path, "text", out, str(tiny_dir), options={"n_steps": 4}, label_column="y")
        explain_in_process(job, progress=False)
        rows = read_rows(job.out).to_pandas().sort_values("row_index")
        assert _labels(rows["gold_label"]) == ["1", None, "0"], name


@pytest.mark.parametrize(
    ("extra", "out_name", "directory"),
    [
        ([], "rows", True),
        ([], "out.json", False),
        ([], "out.CSV", False),
        ([], "report.html", False),
        (["--ray", "local"], "out.json", True),
    ],
)
def test_the_out_name_decides_file_or_directory(
    tmp_path: Path, extra: list[str], out_name: str, directory: bool
) -> None:
    data = tmp_path / "d.csv"
    argv = ["--file", str(data), "--column", "text", "--out", str(tmp_path / out_name), *extra]
    assert writes_directory(parser().parse_args(argv)) is directory


def test_an_existing_directory_is_a_directory_and_other_inputs_stay_plain(tmp_path: Path) -> None:
    (tmp_path / "old.json").mkdir()
    table = ["--file", str(tmp_path / "d.csv"), "--column", "text"]
    assert writes_directory(parser().parse_args([*table, "--out", str(tmp_path / "old.json")]))
    for argv in (
        ["--file", str(tmp_path / "d.txt"), "--column", "text", "--out", str(tmp_path / "o")],
        ["--file", str(tmp_path / "d.csv"), "--out", str(tmp_path / "o")],  # no --column
        [*table, "the car", "--out", str(tmp_path / "o")],  # sentences too
        table,  # no --out: standard output
    ):
        assert not writes_directory(parser().parse_args(argv)), argv


def test_a_file_out_keeps_the_plain_command_line(
    data: Path, tmp_path: Path, tiny_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    argv = ["--file", str(data), "--column", "text", "--checkpoint", str(tiny_dir)]
    assert main([*argv, "--steps", "2", "--out", str(out)]) == 0
    assert len(explain.from_json(out.read_text())) == 4  # the blank row is left out, as before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--format", "html"], "--format html writes one file"),
        (["--workers", "2"], "--workers only work with --ray"),
    ],
)
def test_directory_flags_that_do_not_fit_are_refused(
    data: Path,
    tmp_path: Path,
    tiny_dir: Path,
    extra: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main([*_argv(data, tmp_path / "rows", tiny_dir), *extra])
    assert message in capsys.readouterr().err


def test_directory_flags_with_a_file_out_are_refused(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(
            ["--file", str(data), "--column", "text", "--out", str(tmp_path / "o.json"), "--resume"]
        )
    assert "--resume only work with a results directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("job", "ray_cpus", "expected"),
    [
        ({}, 2, 2.0),  # one worker gets every core, as the in-process run does
        ({"workers": Workers(2, 2)}, 2, 1.0),
        ({"workers": Workers(1, 4)}, 2, 1.0),  # never fewer than one CPU
        ({"workers": Workers(2, 2)}, 16, 8.0),
        ({"address": "auto"}, 64, 1.0),  # a cluster's node sizes are unknown here
        ({"gpus_per_worker": 1.0}, 16, 1.0),
        ({"cpus_per_worker": 3.0}, 2, 3.0),  # as asked
    ],
)
def test_each_actor_gets_its_share_of_the_cpus(
    tmp_path: Path, job: dict[str, object], ray_cpus: int, expected: float
) -> None:
    settings = ScaleJob(tmp_path / "d.csv", "text", tmp_path / "o", "tiny", **job)  # type: ignore[arg-type]
    assert worker_cpus(settings, ray_cpus) == expected


def test_an_actor_sets_its_torch_threads(tiny_dir: Path) -> None:
    import torch

    before = torch.get_num_threads()
    try:
        Explainer(str(tiny_dir), "saliency", {}, device="cpu", threads=1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_a_bad_batch_size_is_refused_before_the_model_loads(tmp_path: Path) -> None:
    job = ScaleJob(tmp_path / "d.csv", "text", tmp_path / "o", "tiny", batch_size=0)
    with pytest.raises(InputError, match="--batch-size must be at least 1"):
        explain_in_process(job)


def test_a_many_texts_batch_saves_as_a_results_directory(
    tiny_model: explain.LoadedModel, tiny_dir: Path, tmp_path: Path
) -> None:
    texts = ("the movie was great", "i hate this loud car", "bad")
    request = explain.AttributionRequest(
        checkpoint=str(tiny_dir), text=texts[0], settings=(("n_steps", 4),)
    )
    outcome = explain.attribute_batch(tiny_model, texts, request.method, **request.options())
    gold = ("positive", "negative", " ")
    summary = save_batch(outcome, request, "pasted lines", gold, "label", roots=(tmp_path,),
                         out=tmp_path / "results" / "mine")  # fmt: skip
    assert summary.out == (tmp_path / "results" / "mine").resolve()
    assert summary.counts["ok"] == 3
    table = read_rows(summary.out)
    assert table.schema == ROW_SCHEMA
    assert table.column("row_id").to_pylist() == [f"pasted lines:{i}" for i in range(3)]
    assert table.column("gold_label").to_pylist() == ["positive", "negative", None]
    for row, result in zip(table.to_pylist(), outcome.results, strict=True):
        assert row["scores"] == list(result.scores)
        assert row["words"] == [word.text for word in merge_words(result).words]
        assert result_from_row(row["result_json"]) == result
    manifest = json.loads((summary.out / "_manifest.json").read_text())
    assert manifest["settings"]["checkpoint"] == str(tiny_dir)
    assert manifest["settings"]["options"]["n_steps"] == 4
    assert manifest["settings"]["label_column"] == "label"
    assert manifest["tuning"] == {"runner": "many texts"}
    assert manifest["state"] == "complete"
    with pytest.raises(InputError, match="exists already"):
        save_batch(outcome, request, "pasted lines", out=summary.out, roots=(tmp_path,))
    with pytest.raises(InputError, match="outside the directories results may be saved in"):
        save_batch(outcome, request, "pasted lines", out=Path("/elsewhere/r"), roots=(tmp_path,))


def test_new_results_directories_sit_under_the_cache() -> None:
    from explain.model.locations import cache_dir

    first, second = new_results_dir(), new_results_dir()
    assert first.parent == cache_dir() / "results"
    assert first != second
