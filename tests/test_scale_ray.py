"""Dataset jobs on a real local Ray (2 CPUs, loopback): rows exactly once, faults, resume.

One job runs with a worker SIGKILLed from outside while it works; the tests
below check its output from several sides. A second job resumes a half-written
directory through the command line.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import explain
from explain.scale.cli import job_from_args, main, parser
from explain.scale.convert import main as convert
from explain.scale.dataset import explain_dataset, read_rows
from explain.scale.rows import result_from_row
from tests.architectures import save_architecture
from tests.local_ray import local_ray as started_local_ray
from tests.tolerances import float32_model_tolerance

ray = pytest.importorskip("ray", reason="pip install -r requirements-scale.txt")
pytestmark = pytest.mark.slow  # starts a local Ray: about 35 s on two idle cores

WORDS = ["the movie was great", "i hate this car", "the ride is smooth and quiet", "bad"]
TEXTS = [
    "" if i % 7 == 3 else " ".join([WORDS[i % 4]] + ["very good"] * (i % 3)) for i in range(48)
]
BLANK = {i for i, text in enumerate(TEXTS) if not text}


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    with started_local_ray():
        yield


def _argv(data: Path, out: Path, checkpoint: Path, *extra: str) -> list[str]:
    return [
        "--file", str(data), "--column", "text", "--ray", "local", "--out", str(out),
        "--checkpoint", str(checkpoint), "--steps", "16", "--workers", "2",
        "--batch-size", "3", *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scale") / "tweets.csv"
    pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def killed_job(
    local_ray: None, data: Path, tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, int, object]:
    """The job, with the worker that sent the first rows SIGKILLed from this process."""
    out = tmp_path_factory.mktemp("killed") / "out"
    job = job_from_args(parser().parse_args(_argv(data, out, tiny_dir)))
    killed: list[int] = []

    def kill_first_sender(table: pa.Table) -> None:
        if not killed:
            pid = int(table.column("worker")[0].as_py().rsplit(":", 1)[1])
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    summary = explain_dataset(job, on_rows=kill_first_sender, progress=False)
    return out, killed[0], summary


def test_a_killed_worker_loses_and_duplicates_no_row(killed_job: tuple[Path, int, object]) -> None:
    out, pid, _ = killed_job
    table = read_rows(out).to_pandas()
    assert sorted(table["row_id"]) == sorted(f"tweets.csv:{i}" for i in range(len(TEXTS)))
    assert table["row_id"].is_unique
    workers = set(table["worker"])
    assert any(worker.endswith(f":{pid}") for worker in workers)
    # Ray started the killed actor again (a new process) and it went on explaining.
    assert len(workers) >= 3, workers


def test_scores_equal_attribute_batch(
    killed_job: tuple[Path, int, object], tiny_model: explain.LoadedModel
) -> None:
    out, _, _ = killed_job
    table = read_rows(out).to_pandas().sort_values("row_index")
    ok = table[table["status"] == "ok"]
    expected = explain.attribute_batch(tiny_model, list(ok["text"]), n_steps=16)
    assert len(ok) == len(TEXTS) - len(BLANK)
    for (_, row), item in zip(ok.iterrows(), expected.items, strict=True):
        result = result_from_row(row["result_json"])
        assert result.text == item.text == row["text"]
        assert result.tokens == item.result.tokens == tuple(row["tokens"])
        assert list(row["scores"]) == list(result.scores)
        # Other batches in other processes: float32 rounding apart. A delta is a
        # difference of sums, so it rounds with its terms.
        alone = item.result
        terms = (alone.f_input, alone.f_baseline, sum(map(abs, alone.scores)))
        assert result.scores == pytest.approx(
            alone.scores, abs=float32_model_tolerance(alone.scores)
        )
        assert row["delta"] == pytest.approx(alone.delta, abs=float32_model_tolerance(*terms))
        assert row["predicted_label"] == item.result.predicted_label
        assert row["target_label"] == item.result.target_label


def test_blank_rows_are_kept_as_input_errors(killed_job: tuple[Path, int, object]) -> None:
    out, _, summary = killed_job
    table = read_rows(out).to_pandas()
    blank = table[table["status"] == "input_error"]
    assert set(blank["row_index"]) == BLANK
    assert all(blank["error"].str.contains("blank"))
    assert summary.counts == {"ok": len(TEXTS) - len(BLANK), "input_error": len(BLANK)}


def test_the_manifest_records_settings_versions_and_counts(
    killed_job: tuple[Path, int, object], tiny_dir: Path
) -> None:
    out, _, _ = killed_job
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["state"] == "complete"
    assert manifest["counts"] == {
        "ok": len(TEXTS) - len(BLANK),
        "input_error": len(BLANK),
        "error": 0,
    }
    assert manifest["settings"]["checkpoint"] == str(tiny_dir)
    assert manifest["settings"]["options"]["n_steps"] == 16
    assert manifest["versions"]["ray"] == ray.__version__
    assert manifest["tuning"]["workers"] == "2-2"
    # Parquet readers pass the manifest by and read the rows.
    assert sorted(pd.read_parquet(out)["row_index"]) == list(range(len(TEXTS)))


def test_convert_gives_todays_json_csv_and_html(
    killed_job: tuple[Path, int, object], tmp_path: Path
) -> None:
    out, _, _ = killed_job
    assert convert([str(out), "--format", "json", "--out", str(tmp_path / "r.json")]) == 0
    results = explain.from_json((tmp_path / "r.json").read_text())
    table = read_rows(out).to_pandas().sort_values("row_index")
    assert results == [result_from_row(text) for text in table["result_json"].dropna()]
    assert convert([str(out), "--format", "csv", "--out", str(tmp_path / "r.csv")]) == 0
    assert (tmp_path / "r.csv").read_text().startswith("sentence,position,token")
    assert convert([str(out), "--limit", "5", "--out", str(tmp_path / "x.json")]) == 2


def test_too_many_failed_rows_exit_non_zero_with_a_summary(
    killed_job: tuple[Path, int, object],
    data: Path,
    tiny_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    shutil.copytree(killed_job[0], out)
    strict = _argv(data, out, tiny_dir, "--resume", "--max-failed-fraction", "0.1")
    assert main(strict) == 1
    error = capsys.readouterr().err
    assert f"input_error {len(BLANK)}" in error
    assert "more than --max-failed-fraction 0.1" in error
    assert main(_argv(data, out, tiny_dir, "--resume", "--max-failed-fraction", "0.5")) == 0
    assert main(_argv(data, out, tiny_dir)) == 2  # written already: needs --resume
    assert main(_argv(data, out, tiny_dir, "--resume", "--steps", "8")) == 2  # other settings
    assert "other settings" in capsys.readouterr().err


def test_resume_explains_only_the_rows_not_written(
    killed_job: tuple[Path, int, object], data: Path, tiny_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(killed_job[0], out)
    table = read_rows(out)
    for part in out.glob("part-*.parquet"):
        part.unlink()
    kept = table.filter(pa.compute.less(table.column("row_index"), 30))
    pa.parquet.write_table(kept, out / "part-earlier-000000.parquet")
    assert main(_argv(data, out, tiny_dir, "--resume", "--workers", "1")) == 0
    after = read_rows(out).to_pandas().set_index("row_id")
    assert after.index.is_unique
    assert len(after) == len(TEXTS)
    before = kept.to_pandas().set_index("row_id")
    assert (after.loc[before.index, "worker"] == before["worker"]).all()
    new = after[after["row_index"] >= 30]
    assert not set(new["worker"]) & set(before["worker"])  # explained by this run's actors


EXACT = [
    "row_id", "row_index", "text", "status", "error", "predicted_label", "target_label",
    "tokens", "gold_label", "words", "word_ids",
]  # fmt: skip
FLOATS = ["f_input", "f_baseline", "delta"]


def test_in_process_and_ray_write_the_same_directory(
    local_ray: None, tiny_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "labelled.csv"
    gold = ["positive" if i % 3 else "negative" for i in range(len(TEXTS))]
    pd.DataFrame({"text": TEXTS, "label": gold}).to_csv(data, index=False)
    on_ray, here = tmp_path / "on_ray", tmp_path / "here"
    assert main(_argv(data, on_ray, tiny_dir, "--label-column", "label")) == 0
    plain_argv = _argv(data, here, tiny_dir, "--label-column", "label")
    ray_at = plain_argv.index("--ray")
    del plain_argv[ray_at : ray_at + 2]
    workers_at = plain_argv.index("--workers")
    del plain_argv[workers_at : workers_at + 2]
    assert main(plain_argv) == 0
    tables = [read_rows(out).sort_by("row_id") for out in (on_ray, here)]
    assert tables[0].schema == tables[1].schema
    assert tables[0].select(EXACT).to_pylist() == tables[1].select(EXACT).to_pylist()
    assert tables[1].column("gold_label").to_pylist() == [
        gold[int(rid.rsplit(":", 1)[1])] for rid in tables[1].column("row_id").to_pylist()
    ]
    ray_rows, local_rows = (table.to_pandas() for table in tables)
    ok = local_rows["status"] == "ok"
    for (_, a), (_, b) in zip(ray_rows[ok].iterrows(), local_rows[ok].iterrows(), strict=True):
        # One thread per actor there, two here: float32 sums in another order.
        scale = max(abs(score) for score in b["scores"])
        assert list(a["scores"]) == pytest.approx(list(b["scores"]), abs=scale * 1e-3)
        assert list(a["word_scores"]) == pytest.approx(list(b["word_scores"]), abs=scale * 1e-3)
        for column in FLOATS:
            if pd.isna(b[column]):
                assert pd.isna(a[column]), column
            else:
                assert a[column] == pytest.approx(b[column], rel=1e-4, abs=scale * 1e-3), column
    manifests = [json.loads((out / "_manifest.json").read_text()) for out in (on_ray, here)]
    assert manifests[0]["settings"] == manifests[1]["settings"]
    assert manifests[0]["counts"] == manifests[1]["counts"]
    assert [m["tuning"]["runner"] for m in manifests] == ["ray", "in process"]
    assert {m["state"] for m in manifests} == {"complete"}


def test_a_task_job_on_ray_writes_what_explain_task_gives(local_ray: None, tmp_path: Path) -> None:
    """A zero-shot job: each actor loads the NLI model for its task and explains each row."""
    nli = save_architecture("bert", tmp_path / "nli", ("entailment", "neutral", "contradiction"))
    data = tmp_path / "texts.csv"
    texts = [*WORDS, ""]
    pd.DataFrame({"text": texts}).to_csv(data, index=False)
    out = tmp_path / "zero_shot"
    argv = _argv(data, out, nli, "--candidate-labels", "cars, food", "--integration", "fixed")
    assert main(argv) == 0
    table = read_rows(out).sort_by("row_index")
    assert table.column("status").to_pylist() == ["ok"] * len(WORDS) + ["input_error"]
    assert table.column("task").to_pylist() == ["zero-shot"] * len(WORDS) + [None]
    loaded = explain.load_checkpoint(str(nli), device="cpu")
    target = explain.ZeroShotTarget(("cars", "food"))
    for row in table.to_pylist()[: len(WORDS)]:
        alone = explain.explain_task(loaded, row["text"], target, integration="fixed", n_steps=16)
        info = result_from_row(row["result_json"]).task_info
        assert isinstance(info, explain.ZeroShotInfo)
        assert isinstance(alone.task_info, explain.ZeroShotInfo)
        probabilities = alone.task_info.candidate_probabilities
        assert info.candidate_probabilities == pytest.approx(
            probabilities, abs=float32_model_tolerance(probabilities)
        )
        assert row["target_label"] == alone.target_label
        # One thread per actor there, two here: float32 sums in another order.
        tolerance = float32_model_tolerance(alone.scores, alone.f_input, alone.f_baseline or 0.0)
        assert row["scores"] == pytest.approx(list(alone.scores), abs=tolerance)
