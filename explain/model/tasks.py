"""What a checkpoint does: the four tasks Tokenlight explains, and how each is recognised.

A task decides how a checkpoint is loaded (which ``AutoModelFor...`` class), and,
in :mod:`explain.tasks`, what a target is, which scalar output is explained and
what the prediction is. The task is read from the checkpoint:

- ``*ForTokenClassification`` is ``"token-classification"`` (NER and other taggers);
- ``*ForQuestionAnswering`` is ``"question-answering"`` (extractive QA);
- ``*ForSequenceClassification`` is ``"sequence-classification"``, or
  ``"zero-shot"`` when one of its labels is an entailment label (an NLI model,
  as Hugging Face's ``zero-shot-classification`` pipeline finds it).

A caller may name the task instead (``--task``); it is checked against the
checkpoint, since a sequence classifier cannot tag tokens and an NLI model is
still a sequence classifier when explained as one.
"""

from __future__ import annotations

from transformers import (
    AutoModelForQuestionAnswering,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
)

from explain.core.errors import CheckpointError, InputError
from explain.core.task_results import DEFAULT_TASK, TASKS, TaskName

TASK_TITLES: dict[TaskName, str] = {
    "sequence-classification": "Text classification",
    "token-classification": "Token classification (NER)",
    "zero-shot": "Zero-shot classification (NLI)",
    "question-answering": "Extractive question answering",
}
ARCHITECTURE_SUFFIXES: dict[str, str] = {
    "ForSequenceClassification": "sequence classifier",
    "ForTokenClassification": "token classifier",
    "ForQuestionAnswering": "question-answering model",
}
ModelClass = (
    type[AutoModelForSequenceClassification]
    | type[AutoModelForTokenClassification]
    | type[AutoModelForQuestionAnswering]
)


def check_task(task: object) -> TaskName:
    """``task`` once it is one of :data:`TASKS`.

    Raises:
        InputError: it is not; the message lists the tasks.
    """
    for known in TASKS:
        if task == known:
            return known
    raise InputError(f"Unknown task {task!r}. Choose one of: {', '.join(TASKS)}.")


def entailment_index(labels: tuple[str, ...]) -> int | None:
    """The entailment label's index, found as the zero-shot pipeline finds it (``entail*``)."""
    return next((i for i, name in enumerate(labels) if name.lower().startswith("entail")), None)


def config_labels(config: object) -> tuple[str, ...]:
    """A config's label names in index order."""
    id2label = getattr(config, "id2label", None) or {}
    return tuple(str(id2label[i]) for i in sorted(id2label, key=int))


def _kind(config: object) -> str | None:
    """``"ForSequenceClassification"`` and so on, from the config's recorded architectures."""
    for name in getattr(config, "architectures", None) or []:
        for suffix in ARCHITECTURE_SUFFIXES:
            if str(name).endswith(suffix):
                return suffix
    return None


def detect_task(config: object, name: str) -> TaskName:
    """The task a checkpoint's config describes.

    Args:
        config: the checkpoint's ``PretrainedConfig``.
        name: the checkpoint's name, for the message.

    Raises:
        CheckpointError: the config records no architecture Tokenlight explains.
    """
    kind = _kind(config)
    if kind == "ForTokenClassification":
        return "token-classification"
    if kind == "ForQuestionAnswering":
        return "question-answering"
    if kind == "ForSequenceClassification":
        return "zero-shot" if entailment_index(config_labels(config)) is not None else DEFAULT_TASK
    found = ", ".join(getattr(config, "architectures", None) or []) or "none recorded"
    raise CheckpointError(
        f"{name} is not a checkpoint Tokenlight explains (architectures: {found}). Loading it "
        "would bolt on an untrained, random classification head, and its explanations would mean "
        "nothing. Pick a checkpoint fine-tuned for sequence classification, token classification "
        "(NER) or extractive question answering."
    )


def task_for(config: object, name: str, requested: str | None = None) -> TaskName:
    """The task to load a checkpoint for: the one asked for, once it fits, else the detected one.

    Args:
        config: the checkpoint's config.
        name: the checkpoint's name, for the messages.
        requested: a task from :data:`TASKS`, or None to detect it. Default: None

    Raises:
        InputError: ``requested`` is not a task.
        CheckpointError: the checkpoint is not one Tokenlight explains, or
            cannot serve ``requested``: the message says what it is and what
            it can do.
    """
    detected = detect_task(config, name)
    if requested is None:
        return detected
    task = check_task(requested)
    sequence = ("sequence-classification", "zero-shot")
    if task == detected or (task == DEFAULT_TASK and detected == "zero-shot"):
        return task
    if task == "zero-shot" and detected == DEFAULT_TASK:
        labels = ", ".join(config_labels(config))
        raise CheckpointError(
            f"{name} has no entailment label (its labels: {labels}), so it cannot rank candidate "
            "labels as an NLI model does. Zero-shot needs an NLI checkpoint whose labels include "
            "'entailment'; or explain it with --task sequence-classification."
        )
    can = "sequence-classification or zero-shot" if detected in sequence else detected
    raise CheckpointError(
        f"{name} is a {ARCHITECTURE_SUFFIXES[_kind(config) or 'ForSequenceClassification']}, so "
        f"it cannot serve --task {task}. Choose --task {can}, or leave --task out to detect it."
    )


def model_class(task: TaskName) -> ModelClass:
    """The ``AutoModelFor...`` class a checkpoint of ``task`` is loaded with."""
    if task == "token-classification":
        return AutoModelForTokenClassification
    if task == "question-answering":
        return AutoModelForQuestionAnswering
    return AutoModelForSequenceClassification
