"""A word's texts in a results directory, the directory rule, and replaying a row's settings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import explain
from explain.core.errors import InputError
from explain.scale.directories import check_results_directory
from explain.scale.replay import replay_request
from tests.results_dirs import METHOD, OPTIONS, write_results_directory


@pytest.fixture(scope="module")
def results_dir(
    tmp_path_factory: pytest.TempPathFactory, tiny_model: explain.LoadedModel, tiny_dir: Path
) -> Path:
    directory = tmp_path_factory.mktemp("results") / "run"
    return write_results_directory(directory, tiny_model, str(tiny_dir))


def plain_texts(directory: Path, word: str, label: str) -> pd.DataFrame:
    """The same query in plain pandas: each text's summed score of the word."""
    frame = pd.read_parquet(directory)
    frame = frame[(frame["status"] == "ok") & (frame["target_label"] == label)]
    rows = []
    for row in frame.itertuples():
        scores = [
            score
            for text, score in zip(row.words, row.word_scores, strict=True)
            if text.lower() == word
        ]
        if scores:
            rows.append({"row_id": row.row_id, "score": sum(scores), "n": len(scores)})
    frame = pd.DataFrame(rows, columns=["row_id", "score", "n"])
    return frame.sort_values(["score", "row_id"], ascending=[False, True])


@pytest.mark.parametrize("word", ["the", "movie", "BAD"])
def test_a_words_texts_match_a_plain_computation(results_dir: Path, word: str) -> None:
    dataset_texts = pytest.importorskip("explain.report.dataset_texts")
    pytest.importorskip("duckdb")
    frame = pd.read_parquet(results_dir)
    for label in frame["target_label"].dropna().unique():
        expected = plain_texts(results_dir, word.lower(), label)
        found = dataset_texts.texts_with_word(results_dir, word, label, limit=3)
        assert found.word == word.lower()
        assert found.total == len(expected)
        assert [t.row_id for t in found.texts] == list(expected["row_id"][:3])
        for item, score in zip(found.texts, expected["score"], strict=False):
            assert item.score == pytest.approx(score, rel=1e-12)
            stored = explain.scale.rows.result_from_row(item.result_json)
            assert stored.text == item.text


def test_a_word_no_text_holds_lists_nothing(results_dir: Path) -> None:
    dataset_texts = pytest.importorskip("explain.report.dataset_texts")
    pytest.importorskip("duckdb")
    found = dataset_texts.texts_with_word(results_dir, "zebra", "positive")
    assert found.total == 0
    assert found.texts == ()
    with pytest.raises(InputError, match="at least 1"):
        dataset_texts.texts_with_word(results_dir, "the", "positive", limit=0)


def test_the_directory_rule(results_dir: Path, tmp_path: Path) -> None:
    root = results_dir.parent
    assert check_results_directory(f"  {results_dir}  ", (root,)) == results_dir.resolve()
    assert check_results_directory(str(results_dir), None) == results_dir.resolve()
    cases = {
        "": "Type the path",
        str(results_dir): "outside the directories",
        str(tmp_path / "missing"): "does not exist",
    }
    for typed, message in cases.items():
        roots = (tmp_path,) if typed == str(results_dir) else (tmp_path.parent,)
        with pytest.raises(InputError, match=message):
            check_results_directory(typed, roots)
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        check_results_directory(str(tmp_path / "file.txt"), (tmp_path,))
    with pytest.raises(InputError, match="holds no results"):
        check_results_directory(str(tmp_path), (tmp_path,))


def test_a_link_through_the_roots_is_refused(results_dir: Path, tmp_path: Path) -> None:
    escape = tmp_path / "escape"
    escape.symlink_to(results_dir, target_is_directory=True)
    with pytest.raises(InputError, match="outside the directories"):
        check_results_directory(str(escape), (tmp_path,))


def test_replaying_a_row_gives_the_jobs_request(tiny_dir: Path) -> None:
    manifest = {"checkpoint": str(tiny_dir), "method": METHOD, "options": dict(OPTIONS)}
    request = replay_request(manifest, "a text")
    assert request == explain.AttributionRequest(
        checkpoint=str(tiny_dir),
        text="a text",
        method=METHOD,
        baseline="pad",
        settings=(("integration", "fixed"), ("n_steps", 12)),
    )
    assert request.options() == {"target": None, "output": "probability", **OPTIONS}


def test_replaying_keeps_every_kind_of_option(tiny_dir: Path) -> None:
    options = {
        "target": "positive",
        "output": "logit",
        "baseline": "random",
        "baseline_seed": 3,
        "auto_steps": True,
        "tolerance": 0.02,
        "n_steps": 20,
        "integration": "fixed",
    }
    manifest = {"checkpoint": str(tiny_dir), "method": METHOD, "options": options}
    request = replay_request(manifest, "a text")
    assert request.options() == options
    with pytest.raises(InputError, match="no checkpoint"):
        replay_request({"method": METHOD}, "a text")
    with pytest.raises(InputError, match="Unknown baseline"):
        replay_request({"checkpoint": "x", "options": {"baseline": "nope"}}, "a text")
