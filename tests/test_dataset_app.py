"""The Dataset mode, run headless with AppTest on a results directory written in the test."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import explain
from explain.report.dataset_texts import texts_with_word
from tests.apphelpers import fixed_steps, open_page, rendered_html
from tests.results_dirs import OPTIONS, write_results_directory

pytest.importorskip("duckdb", reason="the Dataset mode needs the [report] extra")


@pytest.fixture(scope="module")
def results_dir(
    tmp_path_factory: pytest.TempPathFactory, tiny_model: explain.LoadedModel, tiny_dir: Path
) -> Path:
    return write_results_directory(
        tmp_path_factory.mktemp("results") / "run", tiny_model, str(tiny_dir)
    )


@pytest.fixture
def dataset(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The page in Dataset mode, no directory open yet."""
    at = open_page(tiny_dir, monkeypatch)
    at.radio(key="mode").set_value("Dataset").run()
    assert not at.exception, at.exception
    return at


def opened(at: AppTest, directory: Path, min_count: int = 1) -> AppTest:
    at.text_input(key="dataset_dir").input(str(directory)).run()
    at.number_input(key="dataset_min_count").set_value(min_count).run()
    assert not at.exception, at.exception
    assert not at.error, [error.value for error in at.error]
    return at


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with ``column`` (only selectable tables carry a key)."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def test_the_mode_asks_for_a_directory(dataset: AppTest) -> None:
    assert any("Type the path of a results directory" in info.value for info in dataset.info)
    assert not dataset.get("plotly_chart")


@pytest.mark.parametrize(
    ("typed", "message"),
    [("/etc", "outside the directories this server opens"), ("missing", "does not exist")],
)
def test_a_bad_directory_gets_a_clear_message(
    dataset: AppTest, tmp_path: Path, typed: str, message: str
) -> None:
    path = typed if typed.startswith("/") else str(tmp_path / typed)
    dataset.text_input(key="dataset_dir").input(path).run()
    assert not dataset.exception
    assert any(message in info.value for info in dataset.info), [i.value for i in dataset.info]
    assert not dataset.get("plotly_chart")


def test_a_directory_without_results_is_refused(dataset: AppTest, tmp_path: Path) -> None:
    dataset.text_input(key="dataset_dir").input(str(tmp_path)).run()
    assert any("holds no results" in info.value for info in dataset.info)


def test_parts_without_a_manifest_are_refused(
    dataset: AppTest, results_dir: Path, tmp_path: Path
) -> None:
    for part in results_dir.glob("part-*.parquet"):
        shutil.copy(part, tmp_path / part.name)
    dataset.text_input(key="dataset_dir").input(str(tmp_path)).run()
    assert not dataset.exception
    assert any("_manifest.json" in info.value for info in dataset.info)


def test_the_run_many_texts_just_saved_opens_by_itself(
    tiny_dir: Path, results_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(tiny_dir, monkeypatch)
    at.session_state["last_results_dir"] = str(results_dir)
    at.radio(key="mode").set_value("Dataset").run()
    assert not at.exception, at.exception
    assert at.text_input(key="dataset_dir").value == str(results_dir)
    assert any("Read 9 row(s)" in success.value for success in at.success)
    at.text_input(key="dataset_dir").input("").run()
    at.button(key="dataset_use_last").click().run()
    assert at.text_input(key="dataset_dir").value == str(results_dir)
    assert any("Read 9 row(s)" in success.value for success in at.success)


def test_opening_shows_the_tables_and_charts(dataset: AppTest, results_dir: Path) -> None:
    at = opened(dataset, results_dir)
    frame = pd.read_parquet(results_dir)
    ok = frame[frame["status"] == "ok"]
    assert any(f"Read {len(frame)} row(s): {len(ok)} explained" in s.value for s in at.success)
    label = at.selectbox(key="dataset_label").value
    words = at.dataframe(key="dataset_words_0").value
    assert list(words.columns) == [
        "word",
        "count",
        "mean score",
        "95% CI low",
        "95% CI high",
        "share",
    ]
    # the table is the plain computation: each text's summed word score, averaged per word
    mine = ok[ok["target_label"] == label]
    first = words.iloc[0]
    scores = [
        sum(
            s for w, s in zip(row.words, row.word_scores, strict=True) if w.lower() == first["word"]
        )
        for row in mine.itertuples()
        if first["word"] in [w.lower() for w in row.words]
    ]
    assert first["count"] == len(scores)
    assert first["mean score"] == pytest.approx(sum(scores) / len(scores), rel=1e-9)
    assert words["mean score"].is_monotonic_decreasing
    assert not table(at, "reliance").empty  # the shortcut candidates
    assert not table(at, "top words").empty  # the clusters
    keys = {chart.proto.id for chart in at.get("plotly_chart")}
    assert len(keys) == 3  # the label's words, the shortcut candidates, the confusion matrix
    accuracy = (ok["predicted_label"] == ok["gold_label"]).mean()
    assert any(metric.value == f"{accuracy:.1%}" for metric in at.metric)


def test_the_minimum_count_filters_every_table(dataset: AppTest, results_dir: Path) -> None:
    at = opened(dataset, results_dir, min_count=1)
    everything = at.dataframe(key="dataset_words_0").value
    shortcuts = table(at, "reliance")
    at.number_input(key="dataset_min_count").set_value(2).run()
    assert not at.exception
    kept = at.dataframe(key="dataset_words_0").value
    assert 0 < len(kept) < len(everything)
    assert set(kept["word"]) == set(everything[everything["count"] >= 2]["word"])
    fewer = table(at, "reliance")
    assert 0 < len(fewer) < len(shortcuts)
    assert (fewer["count"] >= 2).all()


def test_selecting_a_word_lists_its_texts_by_score(dataset: AppTest, results_dir: Path) -> None:
    at = opened(dataset, results_dir)
    words = at.dataframe(key="dataset_words_0").value
    row = int(words.index[words["word"] == "the"][0])
    at.session_state["dataset_words_0"] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    assert not at.exception, at.exception
    assert any("Texts holding 'the'" in m.value for m in at.markdown)
    html = rendered_html(at)
    assert "<mark" in html
    label = at.selectbox(key="dataset_label").value
    frame = pd.read_parquet(results_dir)
    holding = frame[
        (frame["status"] == "ok")
        & (frame["target_label"] == label)
        & frame["text"].str.split().apply(lambda words: "the" in words)
    ]
    buttons = [b for b in at.button if b.key and b.key.startswith("dataset_open_")]
    assert len(buttons) == len(holding)
    captions = [c.value for c in at.caption if c.value.startswith("Row ")]
    scores = [float(re.search(r"scores ([-+][0-9.e+-]+)", c).group(1)) for c in captions]
    assert scores == sorted(scores, reverse=True)


def test_a_listed_text_opens_in_one_text_with_the_jobs_settings(
    dataset: AppTest, results_dir: Path
) -> None:
    at = opened(dataset, results_dir)
    words = at.dataframe(key="dataset_words_0").value
    row = int(words.index[words["word"] == "movie"][0])
    at.session_state["dataset_words_0"] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    label = at.selectbox(key="dataset_label").value
    text = texts_with_word(results_dir, "movie", label, limit=1).texts[0].text
    at.button(key="dataset_open_0").click().run()
    assert not at.exception, at.exception
    assert at.radio(key="mode").value == "One text"
    assert at.text_area(key="text").value == text
    method = "layer_integrated_gradients"
    assert at.selectbox(key="method").value == method
    assert at.selectbox(key=f"setting_{method}_integration").value == OPTIONS["integration"]
    assert at.number_input(key=f"setting_{method}_n_steps").value == OPTIONS["n_steps"]
    html = rendered_html(at)
    assert "<mark" in html, "the text was explained at once"
    assert any(f"{OPTIONS['n_steps']} steps" in caption.value for caption in at.caption)


def test_a_batch_saved_in_many_texts_opens_in_dataset(
    app: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENLIGHT_CACHE_DIR", str(tmp_path))
    at = app
    at.radio(key="mode").set_value("Many texts").run()
    at.text_area(key="batch_text").input("the movie was good\nthe movie is bad\ni hate it").run()
    fixed_steps(at, 4)
    at.button(key="batch_run").click().run()
    at.button(key="batch_save_dir").click().run()
    saved = at.session_state["last_results_dir"]
    at.radio(key="mode").set_value("Dataset").run()
    assert not at.exception, at.exception
    assert at.text_input(key="dataset_dir").value == saved
    assert any("Read 3 row(s): 3 explained" in success.value for success in at.success)
    at.number_input(key="dataset_min_count").set_value(1).run()
    words: set[str] = set()
    for index, label in enumerate(at.selectbox(key="dataset_label").options):
        at.selectbox(key="dataset_label").select(label).run()
        words |= set(at.dataframe(key=f"dataset_words_{index}").value["word"])
    assert {"the", "movie", "hate"} <= words
