"""The benchmark's measuring functions run against the current backend (on the tiny model)."""

from __future__ import annotations

from pathlib import Path

import pytest

import explain
from benchmarks import bench


@pytest.mark.slow
def test_cache_hit_method_table_and_batch_rows(
    tiny_model: explain.LoadedModel, tiny_dir: Path
) -> None:
    assert bench.cache_hit_ms(tiny_model, str(tiny_dir), repeats=2) > 0
    rows = bench.method_table(tiny_model, repeats=2)
    assert [row["method"] for row in rows] == list(explain.METHODS)
    assert all(row["p50"] > 0 for row in rows)
    texts = ["the movie was good", "bad", "the car is not quiet", "i love it"] * 2
    batch = bench.batch_throughput(tiny_model, texts)
    assert batch["texts"] == len(texts)
    assert batch["max_abs_score_difference"] < 1e-4
    verdicts = bench.bars([], 1.0, 1.0, batch)
    assert [name for name, _, _ in verdicts][-1].startswith("batched >= 2x")
