"""Many sessions share one model: threaded results equal serial ones."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest

import explain

TEXTS = (
    "the movie was great",
    "i hate loud cars",
    "the ride was not very smooth",
    "a quiet and good film",
    "self driving cars are terrible",
)


def work_items() -> list[dict]:
    combos = itertools.product(TEXTS, explain.BASELINES, explain.OUTPUT_KINDS, (None, 0, 1))
    items = [
        {"text": text, "baseline": baseline, "output": output, "target": target, "n_steps": 8}
        for text, baseline, output, target in combos
    ]
    return items[::2][:80]  # 80 mixed attributions


def run(model: explain.LoadedModel, item: dict) -> tuple[float, ...]:
    options = dict(item)
    result = explain.attribute(model, options.pop("text"), **options)
    return (*result.scores, result.f_input, result.f_baseline, result.delta)


@pytest.mark.slow
def test_eight_threads_times_ten_equal_serial(tiny_model: explain.LoadedModel) -> None:
    items = work_items()
    assert len(items) == 80
    serial = [run(tiny_model, item) for item in items]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda item: run(tiny_model, item), items))
    assert threaded == serial
    assert not tiny_model.embeddings._forward_hooks
