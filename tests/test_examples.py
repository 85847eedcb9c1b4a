"""The curated examples: one per teaching point, each short and explainable."""

from __future__ import annotations

import pytest

import explain
from explain.model.examples import EXAMPLES, get_example


def test_each_teaching_point_has_an_example() -> None:
    names = [example.name.lower() for example in EXAMPLES]
    for point in ("negation", "but", "sarcasm", "neutral"):
        assert any(point in name for name in names), point
    assert len(set(names)) == len(names)
    assert all(example.look_for and len(example.look_for) < 200 for example in EXAMPLES)


def test_examples_fit_in_the_bundled_model(tiny_model: explain.LoadedModel) -> None:
    for example in EXAMPLES:
        assert len(tiny_model.tokenizer(example.text)["input_ids"]) <= 64  # bundled max_length


def test_unknown_example_lists_the_valid_ones() -> None:
    assert get_example("Sarcasm").name == "Sarcasm"
    with pytest.raises(ValueError, match="Negation"):
        get_example("nope")
