"""Small results directories, written in the test as `tokenlight explain --out DIR` writes them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow.parquet as pq

import explain
from explain.scale.dataset import PART_PREFIX
from explain.scale.manifest import write_manifest
from explain.scale.rows import explain_rows, row_id, to_table

METHOD = "layer_integrated_gradients"
OPTIONS: Mapping[str, object] = {"integration": "fixed", "n_steps": 12, "baseline": "pad"}
TEXTS = (
    "the movie was great",
    "the movie was bad",
    "i love this car",
    "the ride was loud and bad",
    "a quiet smooth ride",
    "i hate loud cars",
    "the film is terrible",
    "the movie is good",
    "",  # a blank text: an input_error row, as a real job writes one
)
GOLD = (
    "positive",
    "negative",
    "positive",
    "negative",
    "positive",
    "negative",
    "negative",
    "positive",
    None,
)


def write_results_directory(
    directory: Path,
    loaded: explain.LoadedModel,
    checkpoint: str,
    texts: Sequence[str] = TEXTS,
    gold: Sequence[str | None] | None = GOLD,
    file_name: str = "reviews.csv",
) -> Path:
    """Explain ``texts`` with ``loaded`` and write them as one Parquet part and a manifest.

    Args:
        directory: where to write; created.
        loaded: the model.
        checkpoint: the checkpoint the manifest names (``loaded``'s directory).
        texts: the texts. Default: :data:`TEXTS`
        gold: their gold labels, or None for none. Default: :data:`GOLD`
        file_name: the input file the row ids name. Default: ``"reviews.csv"``

    Returns:
        ``directory``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    rows = explain_rows(loaded, list(texts), METHOD, OPTIONS)
    for index, row in enumerate(rows):
        row["row_id"] = row_id(file_name, index)
        row["row_index"] = index
        row["worker"] = "test:0"
        row["gold_label"] = None if gold is None else gold[index]
    pq.write_table(to_table(rows), directory / f"{PART_PREFIX}test-000000.parquet")
    counts: dict[str, int] = {}
    for row in rows:
        counts[str(row["status"])] = counts.get(str(row["status"]), 0) + 1
    write_manifest(
        directory,
        {
            "settings": {
                "file": file_name,
                "column": "review",
                "checkpoint": checkpoint,
                "method": METHOD,
                "options": dict(OPTIONS),
            },
            "state": "finished",
            "counts": counts,
        },
    )
    return directory
