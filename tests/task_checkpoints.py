"""Tiny random checkpoints of every task, on each architecture the task tests cover.

A token classifier with BIO labels, an NLI sequence classifier (which
Tokenlight detects as zero-shot) and an extractive QA model, per architecture,
each with its family's tokenizer trained in the test (tests/architectures.py).
The token classifiers use seed 1: on these texts it predicts entities on every
architecture (seed 0's RoBERTa tags every token ``O``).
"""

from __future__ import annotations

from pathlib import Path

import explain
from explain.core.task_results import TaskName
from tests.architectures import save_architecture

TASK_ARCHITECTURES = ("bert", "roberta", "deberta-v2", "modernbert")
NER_LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")
NLI_LABELS = ("entailment", "neutral", "contradiction")
NER_SEED = 1

# Short enough that every tokenizer keeps it whole in the models' 64 tokens, with its
# question or any hypothesis (byte-level BPE spends several tokens on an accented letter).
TEXT = "The café's ride wasn't bad: 42 stars, naïve cars."
REPEATED = "A ride: the ride was smooth, the ride was quiet."
QUESTION = "Who rode the car?"
CANDIDATES = ("cars", "film", "food")
TEMPLATE = "The text is about {}."

Models = dict[tuple[str, TaskName], explain.LoadedModel]


def save_checkpoints(name: str, directory: Path) -> dict[TaskName, Path]:
    """Save a checkpoint of each task on architecture ``name`` under ``directory``.

    Returns:
        The checkpoint directories by task; the NLI model under ``"zero-shot"``.
    """
    return {
        "token-classification": save_architecture(
            name,
            directory / "ner",
            labels=NER_LABELS,
            seed=NER_SEED,
            task="token-classification",
        ),
        "zero-shot": save_architecture(name, directory / "nli", labels=NLI_LABELS),
        "question-answering": save_architecture(
            name, directory / "qa", labels=("start", "end"), task="question-answering"
        ),
    }


def save_task_checkpoints(directory: Path) -> Models:
    """Save and load a checkpoint of each task on each of :data:`TASK_ARCHITECTURES`.

    Returns:
        The loaded models by ``(architecture, task)``; the NLI model under ``"zero-shot"``.
    """
    models: Models = {}
    for name in TASK_ARCHITECTURES:
        for task, path in save_checkpoints(name, directory / name).items():
            models[name, task] = explain.load_checkpoint(str(path), device="cpu")
    return models
