"""A checkpoint whose vocabulary and labels carry markup and script."""

from __future__ import annotations

from pathlib import Path

from transformers import AutoTokenizer

from tests.tiny import save_tiny_classifier

HOSTILE_TOKENS = (
    "<img src=x onerror=alert(1)>",
    "</mark><script>alert(2)</script>",
    "\"'><svg onload=alert(3)>",
)
HOSTILE_LABELS = ('<img src=x onerror=alert("label")>', "</td></table><script>alert(4)</script>")
HOSTILE_TEXT = "the movie " + " ".join(HOSTILE_TOKENS) + " was good"


def save_hostile_classifier(directory: Path) -> Path:
    """Tiny classifier whose id2label and added tokens are HTML/script payloads.

    The payloads are added tokens, so the tokenizer keeps each one whole and
    they reach every view as single tokens.
    """
    save_tiny_classifier(directory, labels=HOSTILE_LABELS)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    tokenizer.add_tokens(list(HOSTILE_TOKENS))
    tokenizer.save_pretrained(directory)
    from transformers import BertForSequenceClassification

    model = BertForSequenceClassification.from_pretrained(directory)
    model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    model.save_pretrained(directory)
    return directory
