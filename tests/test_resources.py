"""The dashboard's model cache is bounded, and evicting a model frees its memory."""

from __future__ import annotations

import gc
import os
import weakref
from pathlib import Path

import explain
from components import backend
from tests.tiny import save_tiny_classifier


def test_loading_more_checkpoints_than_the_bound_frees_the_evicted_ones(tmp_path: Path) -> None:
    """The cache keeps the last ``MAX_MODELS`` models; nothing keeps an evicted one or its weights.

    Checked with weak references, not with the process's resident memory, which
    each allocator, thread count and machine reports differently.
    """
    extra = 2
    checkpoints = [
        save_tiny_classifier(tmp_path / f"ckpt{i}", seed=i)
        for i in range(backend.MAX_MODELS + extra)
    ]
    backend._load_model.clear()
    models: list[weakref.ref] = []
    weights: list[weakref.ref] = []
    try:
        for directory in checkpoints:
            loaded = backend.load_model(str(directory))
            explain.predict(loaded, "the movie was good")  # used, as the page uses it
            models.append(weakref.ref(loaded))
            weights.append(weakref.ref(loaded.model.classifier.weight))
            del loaded
        gc.collect()
        kept = [False] * extra + [True] * backend.MAX_MODELS
        assert [model() is not None for model in models] == kept
        assert [weight() is not None for weight in weights] == kept
    finally:
        backend._load_model.clear()


def test_a_checkpoint_saved_again_gets_a_new_cache_key(tmp_path: Path) -> None:
    directory = save_tiny_classifier(tmp_path / "ckpt", seed=1)
    before = backend.cache_key(str(directory))
    assert backend.cache_key(str(directory)) == before
    save_tiny_classifier(directory, seed=2)
    weights = directory / "model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    assert backend.cache_key(str(directory)) != before
