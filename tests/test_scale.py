"""explain/scale without a Ray job: rows, reading, the CLI's checks and the no-Ray message."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

import explain
from explain.core.errors import CheckpointError, InputError
from explain.scale import rows as rows_module
from explain.scale.cli import main
from explain.scale.dataset import (
    INSTALL,
    RayMissing,
    ScaleJob,
    Workers,
    explain_dataset,
    import_ray,
)
from explain.scale.inputs import read_texts
from explain.scale.rows import explain_rows, result_from_row, to_table
from tests.tolerances import float32_model_tolerance


def test_a_text_that_raises_becomes_an_error_row_and_the_others_stay_batched(
    tiny_model: explain.LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_batch, real_one = rows_module.attribute_batch, rows_module.attribute
    batches: list[list[str]] = []

    def batch(loaded, texts, method, **options):
        batches.append(list(texts))
        if "the car is bad" in texts:
            raise RuntimeError("CUDA error: an illegal memory access")
        return real_batch(loaded, texts, method, **options)

    def one(loaded, text, method, **options):
        if text == "the car is bad":
            raise RuntimeError("CUDA error: an illegal memory access")
        return real_one(loaded, text, method, **options)

    monkeypatch.setattr(rows_module, "attribute_batch", batch)
    monkeypatch.setattr(rows_module, "attribute", one)
    texts = ["the movie was great", "the car is bad", "", "i love it", "the ride is loud"]
    rows = explain_rows(tiny_model, texts, "layer_integrated_gradients", {"n_steps": 8})
    assert [row["status"] for row in rows] == ["ok", "error", "input_error", "ok", "ok"]
    assert rows[1]["error"] == "RuntimeError: CUDA error: an illegal memory access"
    assert rows[1]["text"] == "the car is bad"
    # Halving: the half without the bad text still ran as one batch.
    assert ["i love it", "the ride is loud"] in batches
    expected = explain.attribute_batch(tiny_model, [texts[0], *texts[3:]], n_steps=8)
    got = [result_from_row(rows[i]["result_json"]) for i in (0, 3, 4)]
    for result, item in zip(got, expected.items, strict=True):
        # Other batches, so other padding: float32 rounding apart, not bit for bit.
        tolerance = float32_model_tolerance(item.result.scores)
        assert result.scores == pytest.approx(item.result.scores, abs=tolerance)


def test_rows_keep_blank_and_missing_texts_and_read_back_exactly(
    tiny_model: explain.LoadedModel,
) -> None:
    texts = ["the film is good", "   ", None, float("nan")]
    rows = explain_rows(tiny_model, texts, "saliency", {})
    assert [row["status"] for row in rows] == ["ok", "input_error", "input_error", "input_error"]
    table = to_table(
        [row | {"row_id": f"f:{i}", "row_index": i, "worker": "w"} for i, row in enumerate(rows)]
    )
    assert table.num_rows == 4
    assert table.column("f_baseline").null_count == 4  # saliency has no baseline
    direct = explain.attribute(tiny_model, "the film is good", "saliency")
    back = result_from_row(table.column("result_json")[0].as_py())
    assert back.scores == direct.scores
    assert back.tokens == direct.tokens
    assert back.settings == direct.settings


def test_every_input_row_gets_a_stable_id(tmp_path: Path) -> None:
    texts = ["the car", "", "  ", "a film, and a ride", "123"]
    pd.DataFrame({"id": range(5), "text": texts}).to_csv(tmp_path / "d.csv", index=False)
    pd.DataFrame({"text": texts}).to_parquet(tmp_path / "d.parquet")
    pd.DataFrame({"text": texts}).to_json(tmp_path / "d.jsonl", orient="records", lines=True)
    for name in ("d.csv", "d.parquet", "d.jsonl"):
        frame = read_texts(tmp_path / name, "text")
        assert frame["row_id"].tolist() == [f"{name}:{i}" for i in range(5)]
        assert frame["text"].tolist() == texts, name


def test_a_single_column_csv_with_blank_lines_keeps_them(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("text\nthe car\n\nthe film\n", encoding="utf-8")
    assert read_texts(tmp_path / "t.csv", "text")["text"].tolist() == ["the car", "", "the film"]


@pytest.mark.parametrize(
    ("name", "column", "message"),
    [("d.txt", "text", "is not a"), ("d.csv", "tweet", "has no column 'tweet'")],
)
def test_unusable_inputs_name_the_fix(tmp_path: Path, name: str, column: str, message: str) -> None:
    (tmp_path / name).write_text("text\nthe car\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_texts(tmp_path / name, column)


def test_workers_take_a_number_or_a_range() -> None:
    assert Workers.parse("3") == Workers(3, 3)
    assert Workers.parse("1-4") == Workers(1, 4)
    for bad in ("0", "4-1", "many"):
        with pytest.raises(InputError, match=r"--workers|range"):
            Workers.parse(bad)


def test_without_ray_the_command_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(RayMissing, match=r"requirements-scale\.txt"):
        import_ray()
    (tmp_path / "d.csv").write_text("text\nthe car\n", encoding="utf-8")
    status = main(
        ["--file", str(tmp_path / "d.csv"), "--column", "text", "--ray", "local",
         "--out", str(tmp_path / "out")]
    )  # fmt: skip
    assert status == 2
    error = capsys.readouterr().err
    assert "pip install -r requirements-scale.txt" in error
    assert "[scale]" in error
    assert INSTALL in error


def test_scale_flags_without_ray_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["the car", "--workers", "2"])
    assert "--workers only work with --ray" in capsys.readouterr().err


def test_bad_job_settings_are_refused_before_ray_starts(tmp_path: Path, tiny_dir: Path) -> None:
    job = ScaleJob(tmp_path / "d.csv", "text", tmp_path, str(tiny_dir), options={"colour": "red"})
    with pytest.raises(InputError, match="takes no option 'colour'"):
        explain_dataset(job)
    with pytest.raises(CheckpointError, match="does not exist"):
        explain_dataset(ScaleJob(tmp_path / "d.csv", "text", tmp_path, "/no/such/model"))
    with pytest.raises(CheckpointError, match=r"no config\.json"):
        explain_dataset(ScaleJob(tmp_path / "d.csv", "text", tmp_path, str(tmp_path)))


def test_tokenlight_explain_takes_ray_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from explain.io.entry import main as tokenlight

    monkeypatch.setitem(sys.modules, "ray", None)
    (tmp_path / "d.csv").write_text("text\nthe car\n", encoding="utf-8")
    argv = ["explain", "--file", str(tmp_path / "d.csv"), "--column", "text", "--ray", "auto"]
    assert tokenlight([*argv, "--out", str(tmp_path / "out")]) == 2
    assert "requirements-scale.txt" in capsys.readouterr().err
