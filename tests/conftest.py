"""Shared fixtures: tiny random classifiers saved to disk, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

import explain
from tests.tiny import save_tiny_classifier


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_classifier(tmp_path_factory.mktemp("tiny") / "checkpoint")


@pytest.fixture(scope="session")
def tiny_model(tiny_dir: Path) -> explain.LoadedModel:
    return explain.load_checkpoint(str(tiny_dir), device="cpu")


@pytest.fixture(scope="session")
def three_label_model(tmp_path_factory: pytest.TempPathFactory) -> explain.LoadedModel:
    directory = save_tiny_classifier(
        tmp_path_factory.mktemp("tiny3") / "checkpoint",
        labels=("negative", "neutral", "positive"),
        seed=1,
    )
    return explain.load_checkpoint(str(directory), device="cpu")
