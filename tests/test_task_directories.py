"""Many texts of a task: the batch, and results directories written in process.

A task's batch explains each text as :func:`explain.explain_task` does alone,
keeps a text's own error (fewer entities than asked, say), and refuses up front
what would fail on every text. ``--out DIR`` with a task's flags writes one row
per input row with the task in its own column and the target in the manifest;
``tokenlight report`` reads it, and refuses to confirm what it cannot re-predict.
The Ray runner is tested in tests/test_scale_ray.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import explain
from explain.report.build import build_report
from explain.report.confirm import confirm_shortcuts
from explain.report.directory import open_results
from explain.scale.cli import main
from explain.scale.replay import replay_request
from explain.scale.rows import result_from_row
from explain.scale.writer import read_rows
from tests.task_checkpoints import save_checkpoints
from tests.tolerances import float32_model_tolerance

TEXTS = ("the car and the car", "", "a smooth ride to town", "the car was quiet", "ride")
STEPS = 8


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return dict(save_checkpoints("bert", tmp_path_factory.mktemp("task-dirs")))


@pytest.fixture(scope="module")
def models(checkpoints: dict[str, Path]) -> dict[str, explain.LoadedModel]:
    return {
        task: explain.load_checkpoint(str(path), device="cpu") for task, path in checkpoints.items()
    }


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "texts.csv"
    pd.DataFrame({"text": TEXTS, "gold": ["a"] * len(TEXTS)}).to_csv(path, index=False)
    return path


def _argv(data: Path, out: Path, checkpoint: Path, *extra: str) -> list[str]:
    return [
        "--file", str(data), "--column", "text", "--out", str(out), "--checkpoint",
        str(checkpoint), "--integration", "fixed", "--steps", str(STEPS), *extra,
    ]  # fmt: skip


def _same_scores(row_scores: list[float], result: explain.Attribution) -> None:
    """The same computation in the same process, up to float32 rounding."""
    tolerance = float32_model_tolerance(result.scores, result.f_input, result.f_baseline or 0.0)
    assert row_scores == pytest.approx(list(result.scores), abs=tolerance)


# The batch


def test_a_task_batch_equals_each_text_alone_and_keeps_each_texts_error(
    models: dict[str, explain.LoadedModel],
) -> None:
    loaded = models["token-classification"]
    target = explain.TokenTarget(entity=0)
    batch = explain.explain_task_batch(loaded, TEXTS, target, integration="fixed", n_steps=STEPS)
    assert [item.index for item in batch.items] == list(range(len(TEXTS)))
    for item in batch.items:
        try:
            alone = explain.explain_task(
                loaded, item.text, target, integration="fixed", n_steps=STEPS
            )
        except explain.InputError as error:
            failed = str(error)
        else:
            failed = None
            assert item.result is not None
            assert item.result.task_info == alone.task_info
            _same_scores(list(item.result.scores), alone)
        assert item.error == failed
    assert batch.failures, "the seed leaves some texts without an entity"
    assert batch.results, "and tags the others"


def test_a_task_batch_refuses_what_would_fail_on_every_text(
    models: dict[str, explain.LoadedModel],
) -> None:
    loaded = models["zero-shot"]
    target = explain.ZeroShotTarget(("cars", "food"))
    with pytest.raises(explain.InputError, match=r"Methods that can: .*layer_integrated_gradients"):
        explain.explain_task_batch(loaded, TEXTS, target, method="attention_rollout")
    with pytest.raises(explain.InputError, match="no texts"):
        explain.explain_task_batch(loaded, (), target)
    with pytest.raises(explain.InputError, match="more than the 2"):
        explain.explain_task_batch(loaded, TEXTS, target, max_texts=2)
    answers = explain.AnswerTarget("What was quiet?")
    with pytest.raises(explain.InputError, match="is loaded for zero-shot"):
        explain.explain_task_batch(loaded, ["the car"], answers)  # every text, one error


def test_a_task_batchs_token_means_count_only_each_texts_own_tokens(
    models: dict[str, explain.LoadedModel],
) -> None:
    target = explain.AnswerTarget("What was quiet?")
    batch = explain.explain_task_batch(
        models["question-answering"], TEXTS[2:4], target, integration="fixed", n_steps=STEPS
    )
    means = {mean.token for mean in explain.mean_token_scores(batch.results, k=100)}
    context: set[str] = set()
    question: set[str] = set()
    for result in batch.results:
        tokens = zip(result.tokens, result.segments, result.special_tokens, strict=True)
        for token, segment, special in tokens:
            if not special:
                (context if segment == 1 else question).add(token)
    assert context == means
    assert question - context, "the question has tokens of its own, which do not count"


def test_a_batch_request_without_a_task_target_is_the_batched_path(
    tiny_model: explain.LoadedModel,
) -> None:
    request = explain.AttributionRequest(checkpoint="tiny", text="", settings=(("n_steps", STEPS),))
    texts = ("the movie was great", "i hate this loud car")
    routed = explain.explain_batch_request(tiny_model, request, texts)
    direct = explain.attribute_batch(tiny_model, texts, n_steps=STEPS)
    assert [r.scores for r in routed.results] == [r.scores for r in direct.results]


# Results directories, in process


def test_a_zero_shot_directory_holds_each_row_as_explain_task_gives_it(
    data: Path,
    tmp_path: Path,
    checkpoints: dict[str, Path],
    models: dict[str, explain.LoadedModel],
) -> None:
    out = tmp_path / "rows"
    argv = _argv(data, out, checkpoints["zero-shot"], "--candidate-labels", "cars, food, films")
    assert main(argv) == 0
    table = read_rows(out).sort_by("row_index")
    rows = table.to_pandas()
    assert rows["status"].tolist() == ["ok", "input_error", "ok", "ok", "ok"]
    tasks = table.column("task").to_pylist()
    assert tasks == ["zero-shot", None, "zero-shot", "zero-shot", "zero-shot"]
    target = explain.ZeroShotTarget(("cars", "food", "films"))
    for _, row in rows[rows["status"] == "ok"].iterrows():
        alone = explain.explain_task(
            models["zero-shot"], row["text"], target, integration="fixed", n_steps=STEPS
        )
        assert row["target_label"] == alone.target_label
        _same_scores(list(row["scores"]), alone)
        assert result_from_row(row["result_json"]).task_info == alone.task_info
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["settings"]["task_target"] == {
        "task": "zero-shot",
        "candidate_labels": ["cars", "food", "films"],
        "hypothesis_template": "This example is {}.",
        "multi_label": False,
        "label": None,
        "with_hypothesis": False,
    }
    assert "target" not in manifest["settings"]["options"]
    # Resuming with other candidates would mix two jobs' rows: refused.
    other = _argv(data, out, checkpoints["zero-shot"], "--candidate-labels", "cars", "--resume")
    assert main(other) == 2
    # The report reads it: each label a candidate; a re-prediction is refused.
    report = build_report(out, min_count=1, with_clusters=False)
    assert report.task == "zero-shot"
    assert set(report.labels) <= {"cars", "food", "films"}
    with pytest.raises(explain.InputError, match="these rows explain zero-shot"):
        confirm_shortcuts(report, 1, loaded=models["zero-shot"])
    with open_results(out) as results:
        assert results.task == "zero-shot"


def test_a_token_classifier_directory_explains_each_rows_kth_entity(
    data: Path, tmp_path: Path, checkpoints: dict[str, Path]
) -> None:
    out = tmp_path / "ner"
    assert main(_argv(data, out, checkpoints["token-classification"], "--entity", "0")) == 0
    rows = read_rows(out).to_pandas().sort_values("row_index")
    ok = rows[rows["status"] == "ok"]
    assert len(ok)
    assert set(ok["task"]) == {"token-classification"}
    for _, row in ok.iterrows():
        info = result_from_row(row["result_json"]).task_info
        assert isinstance(info, explain.TokenClassificationInfo)
        assert info.entity == 0
        assert row["target_label"] == info.label
    skipped = rows[(rows["status"] == "input_error") & (rows["text"].str.len() > 0)]
    assert all("entit" in message for message in skipped["error"])


def test_a_question_answering_directory_explains_one_end_per_row(
    data: Path,
    tmp_path: Path,
    checkpoints: dict[str, Path],
    models: dict[str, explain.LoadedModel],
    capsys: pytest.CaptureFixture[str],
) -> None:
    qa = checkpoints["question-answering"]
    question = ("--question", "What was quiet?")
    assert main(_argv(data, tmp_path / "both", qa, *question)) == 2
    assert "give --target start or --target end" in capsys.readouterr().err
    out = tmp_path / "end"
    assert main(_argv(data, out, qa, *question, "--target", "end")) == 0
    rows = read_rows(out).to_pandas().sort_values("row_index")
    ok = rows[rows["status"] == "ok"]
    assert set(ok["target_label"]) == {"end"}
    assert set(rows["task"].dropna()) == {"question-answering"}
    # A row's text is its context, and its words are the context's, not the question's.
    assert ok["text"].tolist() == [text for text in TEXTS if text]
    for _, row in ok.iterrows():
        assert " ".join(row["words"]) == row["text"]
        result = result_from_row(row["result_json"])
        assert result.text == "What was quiet?"
        assert result.text_pair == row["text"]
    # The job's target explains a row again, as the Dataset view's "Open in One text" does.
    manifest = json.loads((out / "_manifest.json").read_text())["settings"]
    request = replay_request(manifest, ok["text"].iloc[0])
    assert request.task_target == explain.AnswerTarget("What was quiet?", "end")
    again = explain.explain_request(models["question-answering"], request)
    assert again.task_info == result_from_row(ok["result_json"].iloc[0]).task_info


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--label-column", "gold"), "leave it out for zero-shot"),
        (("--method", "attention_rollout"), "Methods that can"),
        (("--pair", "a second text"), "takes no second text"),
        (("--with-hypothesis", "--method", "saliency"), "they read sentence pairs"),
    ],
)
def test_a_task_directory_refuses_what_would_fail_on_every_row(
    data: Path,
    tmp_path: Path,
    checkpoints: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    extra: tuple[str, ...],
    message: str,
) -> None:
    argv = _argv(data, tmp_path / "out", checkpoints["zero-shot"], "--candidate-labels", "a, b")
    assert main([*argv, *extra]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
