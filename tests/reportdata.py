"""Small results directories written by hand, for the report's tests."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq

from explain.scale.manifest import write_manifest
from explain.scale.rows import to_table

LABELS = ("negative", "positive")
VOCABULARY = ("good", "bad", "film", "plot", "Great", "great", "dull", "@acme", "the", "a")


def synthetic_rows(count: int, seed: int = 0, gold: bool = True) -> list[dict[str, object]]:
    """``count`` explained rows with random words and scores, and a few failed rows."""
    chooser = random.Random(seed)
    rows: list[dict[str, object]] = []
    for index in range(count):
        words = [chooser.choice(VOCABULARY) for _ in range(chooser.randint(1, 7))]
        predicted = chooser.choice(LABELS)
        rows.append(
            {
                "row_id": f"in.csv:{index}",
                "row_index": index,
                "text": " ".join(words),
                "status": "ok",
                "error": "",
                "predicted_label": predicted,
                "target_label": predicted if index % 5 else chooser.choice(LABELS),
                "f_input": 1.0,
                "words": words,
                "word_scores": [round(chooser.uniform(-1, 1), 3) for _ in words],
                "word_ids": list(range(len(words))),
                "tokens": words,
                "scores": [0.0] * len(words),
                "gold_label": chooser.choice(LABELS) if gold else None,
                "worker": "test:1",
            }
        )
    for index in range(count, count + 3):
        rows.append(
            {
                "row_id": f"in.csv:{index}",
                "row_index": index,
                "text": "",
                "status": "input_error",
                "error": "The text is blank.",
                "gold_label": "positive" if gold else None,
            }
        )
    return rows


def write_directory(
    directory: Path,
    rows: Sequence[dict[str, object]],
    parts: int = 2,
    checkpoint: str = "tiny",
    method: str = "saliency",
) -> Path:
    """Write ``rows`` as ``parts`` Parquet parts and a manifest in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    size = max(1, -(-len(rows) // parts))
    for part, start in enumerate(range(0, len(rows), size)):
        pq.write_table(to_table(rows[start : start + size]), directory / f"part-{part:05d}.parquet")
    settings = {"checkpoint": checkpoint, "method": method, "options": {"target": None}}
    write_manifest(directory, {"settings": settings, "state": "complete"})
    return directory
