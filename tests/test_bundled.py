"""The bundled-checkpoint pipeline, on real weights and tweets but a handful of steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

import explain
from explain.model import bundled
from tests.apphelpers import APP, rendered_html

pytestmark = pytest.mark.slow


def test_corpus_loads_with_three_labels_and_no_duplicate_texts() -> None:
    frame, dropped = bundled.load_corpus()
    assert len(frame) > 35_000
    assert dropped > 0
    assert set(frame["label"]) == {0, 1, 2}
    assert frame["text"].is_unique


def test_split_is_fixed_and_disjoint() -> None:
    frame, _ = bundled.load_corpus()
    recipe = bundled.TrainingRecipe()
    train, heldout = bundled.split_corpus(frame, recipe)
    assert len(heldout) == recipe.heldout_size >= 2000
    assert not set(train["text"]) & set(heldout["text"])
    bigger = bundled.TrainingRecipe(train_size=recipe.train_size * 2)
    assert bundled.split_corpus(frame, bigger)[1]["text"].tolist() == heldout["text"].tolist()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bundled.ModelCard, list[str]]:
    """The real pipeline on 24 tweets, built into a fresh cache directory."""
    cache = tmp_path_factory.mktemp("cache")
    recipe = bundled.TrainingRecipe(heldout_size=16, train_size=24, batch_size=8)
    messages: list[str] = []
    card = bundled.build_bundled(
        cache / bundled.BUNDLED_NAME, recipe, progress=lambda f, m: messages.append(m)
    )
    return cache, card, messages


def test_build_pipeline_end_to_end_on_a_few_tweets(built) -> None:
    cache, card, messages = built
    directory = cache / bundled.BUNDLED_NAME
    assert bundled.is_built(directory)
    assert card.optimizer_steps == 3
    assert card.heldout_rows == 16
    assert card.train_rows == 24
    assert 0.0 <= card.heldout_accuracy <= 1.0
    saved = json.loads((directory / bundled.CARD_FILE).read_text())
    assert saved["recipe"]["train_size"] == 24
    assert messages[0] == "Reading the tweets"
    assert messages[-1].startswith("Built")
    assert not list(cache.glob(f".{bundled.BUNDLED_NAME}-*")), "staging must be cleaned up"

    loaded = explain.load_checkpoint(str(directory))
    assert loaded.labels == bundled.LABELS
    assert card.early_checkpoint_step == 1
    early = explain.load_checkpoint(str(directory / bundled.EARLY_DIR))
    assert early.labels == bundled.LABELS
    final_head = loaded.model.classifier.weight
    assert not torch.equal(early.model.classifier.weight, final_head), "saved after step 1 of 3"
    result = explain.attribute(loaded, "self-driving cars are great", n_steps=4)
    assert result.tokens[0] == "[CLS]"
    assert len(result.scores) == len(result.tokens)


def test_app_defaults_to_the_bundled_checkpoint_and_shows_its_card(
    built, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, card, _ = built
    monkeypatch.setenv("TOKENLIGHT_CACHE_DIR", str(cache))
    monkeypatch.delenv("TOKENLIGHT_CHECKPOINT", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.selectbox(key="checkpoint_choice").value == bundled.BUNDLED_NAME
    assert any(f"{card.heldout_accuracy:.1%}" in caption.value for caption in at.sidebar.caption)
    at.button(key="run").click().run()
    assert not at.exception
    assert "<mark" in rendered_html(at)
    labels = at.selectbox(key="target").options
    assert labels[1:] == list(bundled.LABELS)


def test_early_checkpoint_is_registered(built, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, _, _ = built
    monkeypatch.setenv("TOKENLIGHT_CACHE_DIR", str(cache))
    early = explain.load_checkpoint(bundled.EARLY_NAME, device="cpu")
    final = explain.load_checkpoint(bundled.BUNDLED_NAME, device="cpu")
    assert early.source == "registered"
    text = "self-driving cars are great"
    assert explain.predict(early, text).probabilities != explain.predict(final, text).probabilities


def test_same_recipe_gives_the_same_model(tmp_path: Path) -> None:
    recipe = bundled.TrainingRecipe(heldout_size=8, train_size=16, batch_size=8)
    first = bundled.build_bundled(tmp_path / "a", recipe)
    second = bundled.build_bundled(tmp_path / "b", recipe)
    a = (tmp_path / "a" / "model.safetensors").read_bytes()
    b = (tmp_path / "b" / "model.safetensors").read_bytes()
    assert a == b
    assert first.heldout_accuracy == second.heldout_accuracy


def test_app_builds_a_missing_bundled_checkpoint_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from components import backend

    monkeypatch.setenv("TOKENLIGHT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TOKENLIGHT_CHECKPOINT", raising=False)
    monkeypatch.setattr(
        backend, "BUILD_RECIPE", bundled.TrainingRecipe(heldout_size=8, train_size=8, batch_size=8)
    )
    assert not bundled.is_built()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert bundled.is_built()
    assert not at.error
    assert at.text_area(key="text").value
    assert any("Held-out accuracy" in caption.value for caption in at.sidebar.caption)
