"""Counterfactuals: word alignment of two texts, and edits verified by the classifier."""

from __future__ import annotations

import pytest

import explain
from explain.core.errors import InputError
from explain.views.counterfactuals import (
    align_words,
    compare_texts,
    probabilities,
    suggest_edits,
)

TEXT = "the movie was not very good but i love the car and the ride was smooth"


def test_alignment_marks_inserted_and_deleted_words(tiny_model: explain.LoadedModel) -> None:
    before = explain.attribute(tiny_model, "the movie was great", n_steps=8)
    after = explain.attribute(
        tiny_model, "The movie was not great", n_steps=8, target=before.target_label
    )
    comparison = compare_texts(before, after)
    kinds = [(slot.kind, slot.before, slot.after) for slot in comparison.alignment]
    assert kinds == [
        ("matched", "the", "The"),
        ("matched", "movie", "movie"),
        ("matched", "was", "was"),
        ("inserted", None, "not"),
        ("matched", "great", "great"),
    ]
    words_before = explain.merge_words(before)
    words_after = explain.merge_words(after)
    assert comparison.alignment[1].change == pytest.approx(
        words_after.scores[1] - words_before.scores[1]
    )
    assert comparison.alignment[3].change == pytest.approx(words_after.scores[3])


def test_replaced_words_count_as_deleted_then_inserted(tiny_model: explain.LoadedModel) -> None:
    before = explain.merge_words(explain.attribute(tiny_model, "the ride was smooth", n_steps=4))
    after = explain.merge_words(explain.attribute(tiny_model, "the ride was loud", n_steps=4))
    slots = align_words(before, after)
    assert [(s.kind, s.label) for s in slots][-2:] == [("deleted", "smooth"), ("inserted", "loud")]
    assert slots[-2].change == pytest.approx(-before.scores[-1])


def test_compare_refuses_different_targets(three_label_model: explain.LoadedModel) -> None:
    first = explain.attribute(three_label_model, "the car", n_steps=4, target="negative")
    second = explain.attribute(three_label_model, "the car", n_steps=4, target="positive")
    with pytest.raises(InputError, match="same target"):
        compare_texts(first, second)


def test_batched_probabilities_equal_one_at_a_time(tiny_model: explain.LoadedModel) -> None:
    texts = ["the car", TEXT, "i hate it", "a very very loud and awful ride , but quiet"]
    batched = probabilities(tiny_model, texts)
    for row, text in enumerate(texts):
        alone = explain.predict(tiny_model, text).probabilities
        assert batched[row].tolist() == pytest.approx(alone, abs=1e-5)


def test_every_suggestion_is_verified_by_a_forward_pass(
    three_label_model: explain.LoadedModel,
) -> None:
    result = suggest_edits(three_label_model, TEXT, deletion_budget=60, substitution_budget=20)
    original = explain.predict(three_label_model, TEXT)
    assert result.predicted_label == original.predicted_label
    assert result.target_label == original.predicted_label
    assert result.direction == "lower"
    assert result.deletions
    assert result.substitutions
    assert result.checked <= 60 + 20
    for edit in result.deletions + result.substitutions:
        check = explain.predict(three_label_model, edit.text)
        target = three_label_model.labels.index(result.target_label)
        assert edit.target_probability == pytest.approx(check.probabilities[target], abs=1e-5)
        assert edit.change == pytest.approx(edit.target_probability - result.target_probability)
        assert edit.predicted_label == check.predicted_label
        assert edit.flips == (check.predicted_label != original.predicted_label)
    for edit in result.deletions:
        assert 1 <= edit.size <= 3
        assert edit.inserted is None
        assert len(edit.text.split()) == len(TEXT.split()) - edit.size
    for edit in result.substitutions:
        assert edit.size == 1
        changed = [(a, b) for a, b in zip(TEXT.split(), edit.text.split(), strict=True) if a != b]
        assert changed == [(edit.removed[0], edit.inserted)]
    gains = [-edit.change for edit in result.deletions]
    assert gains == sorted(gains, reverse=True)


def test_deletions_grow_to_three_words_and_beat_single_ones(tiny_model) -> None:
    result = suggest_edits(tiny_model, TEXT, deletion_budget=200, substitution_budget=0, keep=500)
    assert 16 < result.checked <= 200
    assert {edit.size for edit in result.deletions} == {1, 2, 3}
    assert len({edit.text for edit in result.deletions}) == result.checked
    small = suggest_edits(tiny_model, TEXT, deletion_budget=20, substitution_budget=0, keep=500)
    assert small.checked == 20
    best_single = max(-e.change for e in result.deletions if e.size == 1)
    assert max(-e.change for e in result.deletions) >= best_single


def test_smallest_flip_is_the_smallest_flipping_edit(three_label_model) -> None:
    found = None
    for text in (TEXT, "i hate this loud car", "the ride was smooth and quiet", "a great film"):
        result = suggest_edits(three_label_model, text, deletion_budget=120, keep=100)
        edits = result.deletions + result.substitutions
        flipping = [edit for edit in edits if edit.flips]
        if result.smallest_flip is None:
            assert not flipping
            assert "No edit within the budget" in result.flip_note
            continue
        found = result.smallest_flip
        assert found.flips
        assert found.predicted_label != result.predicted_label
        assert all(found.size <= edit.size for edit in flipping)
        assert found.description in result.flip_note
        break
    assert found is not None, "no text flipped; the test would check nothing"


def test_no_budget_finds_no_flip(tiny_model: explain.LoadedModel) -> None:
    result = suggest_edits(tiny_model, TEXT, deletion_budget=0, substitution_budget=0)
    assert result.smallest_flip is None
    assert result.checked == 0
    assert "No edit within the budget" in result.flip_note


def test_raising_another_label(three_label_model: explain.LoadedModel) -> None:
    predicted = explain.predict(three_label_model, TEXT).predicted_label
    other = next(label for label in three_label_model.labels if label != predicted)
    result = suggest_edits(three_label_model, TEXT, target=other, deletion_budget=40)
    assert result.direction == "raise"
    changes = [edit.change for edit in result.deletions]
    assert changes == sorted(changes, reverse=True)


def test_suggestions_leave_no_gradients_on_the_model(tiny_model: explain.LoadedModel) -> None:
    suggest_edits(tiny_model, TEXT, deletion_budget=5, substitution_budget=5)
    assert all(parameter.grad is None for parameter in tiny_model.model.parameters())


def test_text_without_words_is_refused(tiny_model: explain.LoadedModel) -> None:
    with pytest.raises(InputError):
        suggest_edits(tiny_model, "!!! ,")
