"""The word view gives the user's own words for WordPiece, byte-level BPE and Unigram tokenizers.

SentencePiece-style tokenizers (XLM-RoBERTa, ALBERT, DeBERTa-v2) fold the space
before a word into its first piece and emit a lone ``▁`` before digits and
punctuation; byte-level BPE (RoBERTa, ModernBERT) may emit a lone ``Ġ``. Each
must still give one word per word of the text, whatever the tokenizer.
"""

from __future__ import annotations

import pytest

import explain
from tests.architectures import SAMPLE

# The user's words: split at whitespace, with punctuation at a word's edge on its own.
EXPECTED = {
    SAMPLE: [
        "The",
        "café's",
        "ride",
        "wasn't",
        "bad",
        ":",
        "42",
        "stars",
        "(",
        "really",
        "!)",
        "😀",
        "—",
        "naïve",
        ",",
        "self-driving",
        "cars",
        ".",
    ],
    "I don't  love it...  Really?! 3.5/5, 100% naïve": [
        "I",
        "don't",
        "love",
        "it",
        "...",
        "Really",
        "?!",
        "3.5/5",
        ",",
        "100",
        "%",
        "naïve",
    ],
    "  Résumé: «great»  ride 🚗🚗 ok ": ["Résumé", ":", "«", "great", "»", "ride", "🚗🚗", "ok"],
}


@pytest.mark.parametrize("text", list(EXPECTED))
def test_words_are_the_users_own_for_every_tokenizer_kind(
    architecture_model: explain.LoadedModel, text: str
) -> None:
    attribution = explain.attribute(architecture_model, text, method="saliency")
    words = explain.merge_words(attribution).words
    assert [word.text for word in words] == EXPECTED[text]
    assert all(text[word.start : word.end] == word.text for word in words)
    # Every text token is in exactly one word; no word is empty.
    owned = sorted(index for word in words for index in word.token_indices)
    assert owned == [i for i, special in enumerate(attribution.special_tokens) if not special]


def test_sum_of_word_scores_keeps_the_token_total(architecture_model: explain.LoadedModel) -> None:
    attribution = explain.attribute(architecture_model, SAMPLE, method="input_x_gradient")
    merged = explain.merge_words(attribution, "sum")
    assert sum(merged.scores) + merged.special_score == pytest.approx(sum(attribution.scores))


def test_a_lone_metaspace_token_starts_the_next_word() -> None:
    text = "ok (42)"
    tokens = ("<s>", "▁ok", "▁", "(", "4", "2", ")", "</s>")
    offsets = ((0, 0), (0, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (0, 0))
    special = (True, False, False, False, False, False, False, True)
    words = explain.group_words(tokens, offsets, special, text)
    assert [(word.text, word.token_indices) for word in words] == [
        ("ok", (1,)),
        ("(", (2, 3)),
        ("42", (4, 5)),
        (")", (6,)),
    ]


def test_a_piece_that_holds_the_space_before_it_is_trimmed() -> None:
    text = "good ride"
    tokens = ("[CLS]", "▁good", "▁ride", "[SEP]")
    offsets = ((0, 0), (0, 4), (4, 9), (0, 0))  # SentencePiece: "▁ride" spans " ride"
    words = explain.group_words(tokens, offsets, (True, False, False, True), text)
    assert [word.text for word in words] == ["good", "ride"]


def test_a_lone_space_marker_with_an_empty_span_joins_the_next_word() -> None:
    text = "a 42"
    tokens = ("<s>", "a", "Ġ", "4", "2", "</s>")  # byte-level BPE with trimmed offsets
    offsets = ((0, 0), (0, 1), (2, 2), (2, 3), (3, 4), (0, 0))
    words = explain.group_words(tokens, offsets, (True, False, False, False, False, True), text)
    assert [(word.text, word.token_indices) for word in words] == [("a", (1,)), ("42", (2, 3, 4))]


def test_a_trailing_space_marker_joins_the_word_before() -> None:
    text = "fine "
    tokens = ("[CLS]", "▁fine", "▁", "[SEP]")
    offsets = ((0, 0), (0, 4), (4, 5), (0, 0))
    words = explain.group_words(tokens, offsets, (True, False, False, True), text)
    assert [(word.text, word.token_indices) for word in words] == [("fine", (1, 2))]
