"""Many texts on a token classifier, a zero-shot NLI model and a question-answering model.

Each task asks once what to explain in every text (the K-th entity and a group;
the candidate labels; the question asked of each text), explains the texts one
at a time with the sidebar's settings, and lists each text's prediction: its
entities and explained span, its candidate, or its answer. A text that cannot
be explained keeps its reason; the batch saves as a results directory that
records the task target.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import explain
from explain.scale.writer import read_rows
from tests.apphelpers import fixed_steps, open_page
from tests.task_checkpoints import save_checkpoints
from tests.test_tasks_predictions import v4_answer

TEXTS = ("the car and the car", "a smooth ride to town", "the car was quiet")
STEPS = 4


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return dict(save_checkpoints("bert", tmp_path_factory.mktemp("many")))


def many_texts(directory: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    at = fixed_steps(open_page(directory, monkeypatch), STEPS)
    at.radio(key="mode").set_value("Many texts").run()
    assert not at.exception, at.exception
    at.text_area(key="batch_text").input("\n".join(TEXTS)).run()
    return at


def run_batch(at: AppTest) -> list[dict[str, object]]:
    """Run the batch; the table's rows."""
    at.button(key="batch_run").click().run()
    assert not at.exception, at.exception
    assert not at.error, [error.value for error in at.error]
    return at.dataframe(key="batch_table").value.to_dict("records")


def alone(directory: Path, text: str, target: explain.TaskTarget) -> explain.Attribution:
    loaded = explain.load_checkpoint(str(directory), device="cpu")
    return explain.explain_task(
        loaded, text, target, integration="fixed", n_steps=STEPS, output="probability"
    )


def test_many_texts_explains_each_texts_kth_entity(
    checkpoints: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = checkpoints["token-classification"]
    at = many_texts(directory, monkeypatch)
    entity = at.number_input(key="batch_entity")
    label = at.selectbox(key="batch_entity_label")
    assert entity.proto.help
    assert label.proto.help
    assert label.options[1:] == ["O", "PER", "LOC"]
    rows = run_batch(at)
    expected = []
    for text in TEXTS:
        try:
            expected.append(alone(directory, text, explain.TokenTarget(entity=0)))
        except explain.InputError:
            expected.append(None)
    explained = [result for result in expected if result is not None]
    assert explained, "the seed must predict an entity in at least one text"
    assert [row["text"] for row in rows] == [r.text for r in explained]
    for row, result in zip(rows, explained, strict=True):
        info = result.task_info
        assert isinstance(info, explain.TokenClassificationInfo)
        assert row["span"] == result.text[info.start : info.end]
        assert row["explained"] == info.label
        assert row["entities"] == "; ".join(
            f"{result.text[e.start : e.end]} ({e.label})" for e in info.entities
        )
    skipped = len(TEXTS) - len(explained)
    assert len(at.warning) == skipped
    assert all("entit" in warning.value for warning in at.warning)


def test_many_texts_ranks_the_same_candidates_in_every_text(
    checkpoints: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = checkpoints["zero-shot"]
    at = many_texts(directory, monkeypatch)
    at.text_input(key="candidate_labels").input("cars, films, food").run()
    rows = run_batch(at)
    target = explain.ZeroShotTarget(("cars", "films", "food"))
    assert [row["text"] for row in rows] == list(TEXTS)
    for row, text in zip(rows, TEXTS, strict=True):
        result = alone(directory, text, target)
        assert row["predicted"] == result.predicted_label
        assert row["explained"] == result.target_label
        assert row["probability"] == pytest.approx(
            result.probabilities[result.predicted_index], rel=1e-6
        )
    assert any("speak for each label" in header.value for header in at.subheader)


def test_many_texts_asks_one_question_of_every_text(
    checkpoints: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = checkpoints["question-answering"]
    at = many_texts(directory, monkeypatch)
    at.text_input(key="question").input("What was quiet?").run()
    at.segmented_control(key="answer_end").set_value("end").run()
    rows = run_batch(at)
    loaded = explain.load_checkpoint(str(directory), device="cpu")
    assert [row["text"] for row in rows] == list(TEXTS)
    for row, text in zip(rows, TEXTS, strict=True):
        assert row["answer"] == v4_answer(loaded, "What was quiet?", text)["answer"]
        assert row["explained"] == "end"


def test_a_task_batch_saves_with_its_target_and_the_dataset_view_reads_it(
    checkpoints: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENLIGHT_CACHE_DIR", str(tmp_path))
    at = many_texts(checkpoints["zero-shot"], monkeypatch)
    at.text_input(key="candidate_labels").input("cars, films").run()
    run_batch(at)
    at.button(key="batch_save_dir").click().run()
    assert not at.exception, at.exception
    saved = Path(at.session_state["last_results_dir"])
    manifest = json.loads((saved / "_manifest.json").read_text())
    assert manifest["settings"]["task_target"] == {
        "task": "zero-shot",
        "candidate_labels": ["cars", "films"],
        "hypothesis_template": "This example is {}.",
        "multi_label": False,
        "label": None,
        "with_hypothesis": False,
    }
    table = read_rows(saved)
    assert set(table.column("task").to_pylist()) == {"zero-shot"}
    assert set(table.column("target_label").to_pylist()) <= {"cars", "films"}
    at.radio(key="mode").set_value("Dataset").run()  # it opens the run just saved
    assert not at.exception, at.exception
    assert any("each label is a candidate label" in c.value for c in at.caption)
