"""The dashboard's model cache is bounded, and evicting a model frees its memory."""

from __future__ import annotations

import gc
import os
import re
from pathlib import Path

import pytest

import explain
from components import backend
from tests.tiny import save_tiny_classifier

WIDE = 512  # hidden size: about 33 MB of weights per checkpoint


def resident_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_loading_more_checkpoints_than_the_bound_keeps_memory_bounded(tmp_path: Path) -> None:
    checkpoints = [
        save_tiny_classifier(tmp_path / f"ckpt{i}", seed=i, layers=4, hidden=WIDE)
        for i in range(backend.MAX_MODELS + 4)
    ]
    model_mb = sum(f.stat().st_size for f in checkpoints[0].glob("*.safetensors")) / 2**20
    assert model_mb > 25, "the checkpoints must be large enough to see in RSS"
    backend._load_model.clear()
    gc.collect()
    start = resident_mb()
    peaks = []
    for directory in checkpoints:
        # safetensors weights are memory-mapped: only a forward pass makes them resident
        explain.predict(backend.load_model(str(directory)), "the movie was good")
        gc.collect()
        peaks.append(resident_mb() - start)
    unbounded = model_mb * len(checkpoints)
    assert peaks[-1] < model_mb * (backend.MAX_MODELS + 1.5), (peaks, model_mb)
    assert peaks[-1] < unbounded / 2
    backend._load_model.clear()


def test_a_checkpoint_saved_again_gets_a_new_cache_key(tmp_path: Path) -> None:
    directory = save_tiny_classifier(tmp_path / "ckpt", seed=1)
    before = backend.cache_key(str(directory))
    assert backend.cache_key(str(directory)) == before
    save_tiny_classifier(directory, seed=2)
    weights = directory / "model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    assert backend.cache_key(str(directory)) != before
