"""Tiny random BERT classifiers, built in the test process with no download."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = [
    "the",
    "a",
    "movie",
    "film",
    "ride",
    "car",
    "was",
    "is",
    "not",
    "very",
    "great",
    "good",
    "bad",
    "terrible",
    "awful",
    "smooth",
    "quiet",
    "loud",
    "and",
    "but",
    "i",
    "love",
    "hate",
    "it",
    "this",
    "that",
    "self",
    "driving",
    "cars",
    "##s",
    "##ing",
    "##ly",
    ",",
    ".",
    "!",
]


def save_tiny_classifier(
    directory: Path,
    labels: tuple[str, ...] = ("negative", "positive"),
    extra_tokens: tuple[str, ...] = (),
    seed: int = 0,
    layers: int = 2,
    hidden: int = 32,
    problem_type: str | None = None,
) -> Path:
    """Write a random BERT classifier and its tokenizer to ``directory``.

    The weights are drawn wider than BERT's usual 0.02 so the outputs vary
    visibly with the input, which makes attribution tests meaningful. One label
    makes a regressor; ``problem_type="multi_label_classification"`` makes
    independent sigmoids.
    """
    directory.mkdir(parents=True, exist_ok=True)
    tokens = SPECIAL + WORDS + list(extra_tokens)
    tokenizer = BertTokenizerFast(vocab={token: i for i, token in enumerate(tokens)})
    config = BertConfig(
        vocab_size=len(tokens),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        intermediate_size=2 * hidden,
        max_position_embeddings=64,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        initializer_range=0.3,
        problem_type=problem_type,
    )
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
