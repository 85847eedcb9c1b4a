"""Two checkpoints on one text, compared word by word across tokenizers."""

from __future__ import annotations

from pathlib import Path

import pytest

import explain
from explain.core.errors import InputError
from explain.evaluation.agreement import spearman, top_k_overlap
from explain.evaluation.two_checkpoints import align_by_offsets, compare_checkpoints
from explain.text.words import Word, WordAttribution
from tests.tiny import save_tiny_classifier

TEXT = "the ride was not smooth, but i love the car"


def words(text: str, spans: list[tuple[int, int]], scores: list[float]) -> WordAttribution:
    return WordAttribution(
        words=tuple(Word(text[a:b], a, b, (i + 1,)) for i, (a, b) in enumerate(spans)),
        scores=tuple(scores),
        normalized_scores=tuple(scores),
        aggregation="sum",
        signed=True,
        segments=(0,) * len(spans),
        special_score=0.0,
        target_label="positive",
        output="probability",
    )


def test_words_split_differently_join_into_one_slot() -> None:
    text = "I don't like self-driving cars"
    first = words(text, [(0, 1), (2, 7), (8, 12), (13, 25), (26, 30)], [1, 2, 3, 4, 5])
    second = words(
        text,
        [(0, 1), (2, 5), (5, 6), (6, 7), (8, 12), (13, 17), (17, 18), (18, 25), (26, 30)],
        [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    )
    slots = align_by_offsets(first, second, text)
    assert [slot.text for slot in slots] == ["I", "don't", "like", "self-driving", "cars"]
    assert [slot.first_score for slot in slots] == [1, 2, 3, 4, 5]
    assert [slot.second_score for slot in slots] == pytest.approx([0.1, 0.9, 0.5, 2.1, 0.9])


def test_overlapping_words_chain_into_one_slot() -> None:
    text = "abcdef ghi"
    first = words(text, [(0, 3), (3, 6), (7, 10)], [1, 1, 1])
    second = words(text, [(0, 2), (2, 6), (7, 10)], [2, 2, 2])
    slots = align_by_offsets(first, second, text)
    assert [(s.start, s.end, s.first_score, s.second_score) for s in slots] == [
        (0, 6, 2, 4),
        (7, 10, 1, 2),
    ]


@pytest.fixture(scope="module")
def other_model(tmp_path_factory: pytest.TempPathFactory) -> explain.LoadedModel:
    directory: Path = save_tiny_classifier(
        tmp_path_factory.mktemp("other") / "checkpoint", extra_tokens=("smooth,",), seed=5
    )
    return explain.load_checkpoint(str(directory), device="cpu")


def test_same_checkpoint_agrees_with_itself(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, TEXT, n_steps=8)
    comparison = compare_checkpoints(result, result)
    assert comparison.spearman == pytest.approx(1.0)
    assert comparison.top_k == 1.0
    assert comparison.same_prediction


def test_two_checkpoints_give_the_word_level_agreement(
    tiny_model: explain.LoadedModel, other_model: explain.LoadedModel
) -> None:
    first = explain.attribute(tiny_model, TEXT, n_steps=8, target="positive")
    second = explain.attribute(other_model, TEXT, n_steps=8, target="positive")
    comparison = compare_checkpoints(first, second, k=3)
    word_a = explain.merge_words(first)
    word_b = explain.merge_words(second)
    assert [slot.text for slot in comparison.slots] == [w.text for w in word_a.words]
    assert [slot.first_score for slot in comparison.slots] == pytest.approx(word_a.scores)
    assert [slot.second_score for slot in comparison.slots] == pytest.approx(word_b.scores)
    assert comparison.spearman == pytest.approx(spearman(word_a.scores, word_b.scores))
    assert comparison.top_k == top_k_overlap(word_a.scores, word_b.scores, 3)
    assert comparison.k == 3
    assert comparison.same_target
    assert comparison.spearman < 0.999  # different weights rank the words differently


def test_different_texts_are_refused(tiny_model: explain.LoadedModel) -> None:
    first = explain.attribute(tiny_model, TEXT, n_steps=4)
    second = explain.attribute(tiny_model, "the car", n_steps=4)
    with pytest.raises(InputError, match="same single text"):
        compare_checkpoints(first, second)
