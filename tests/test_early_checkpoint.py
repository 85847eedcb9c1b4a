"""The early bundled checkpoint: where it lives, when it is saved, and what an old build says."""

from __future__ import annotations

from pathlib import Path

import pytest

import explain
from explain.model import bundled


@pytest.mark.parametrize(("total", "step"), [(1, 1), (3, 1), (10, 1), (500, 50), (504, 50)])
def test_early_step_is_a_tenth_of_the_steps(total: int, step: int) -> None:
    assert bundled.early_step(total) == step


def test_early_checkpoint_is_registered_second() -> None:
    assert explain.checkpoint_names()[:2] == (bundled.BUNDLED_NAME, bundled.EARLY_NAME)


def test_missing_build_asks_for_the_bundled_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENLIGHT_CACHE_DIR", str(tmp_path))
    with pytest.raises(explain.BundledCheckpointMissing):
        explain.load_checkpoint(bundled.EARLY_NAME)


def test_old_build_without_early_checkpoint_names_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENLIGHT_CACHE_DIR", str(tmp_path))
    directory = tmp_path / bundled.BUNDLED_NAME
    directory.mkdir()
    (directory / bundled.CARD_FILE).write_text("{}")
    (directory / "model.safetensors").write_bytes(b"")
    with pytest.raises(explain.CheckpointError, match="--force") as caught:
        explain.load_checkpoint(bundled.EARLY_NAME)
    assert not isinstance(caught.value, explain.BundledCheckpointMissing)
