"""The command line's task flags: which task, and what to explain in it.

``--task`` names the task, or the task follows from the flags given
(``--entity``/``--token``, ``--candidate-labels``, ``--question``), or else from
the checkpoint. ``--target`` is the task's own label: an entity group, a
candidate label, or ``start``/``end`` of the answer (both when left out).
"""

from __future__ import annotations

import argparse

from explain.core.errors import InputError
from explain.core.task_results import ANSWER_ENDS, TASKS, TaskName
from explain.core.task_targets import (
    DEFAULT_TEMPLATE,
    AnswerTarget,
    TaskTarget,
    TokenTarget,
    ZeroShotTarget,
    parse_candidates,
)

TASK_FLAGS: dict[str, TaskName] = {
    "entity": "token-classification",
    "token": "token-classification",
    "candidate_labels": "zero-shot",
    "hypothesis_template": "zero-shot",
    "multi_label": "zero-shot",
    "with_hypothesis": "zero-shot",
    "question": "question-answering",
}


def add_task_arguments(build: argparse.ArgumentParser) -> None:
    """Add ``--task`` and each task's flags to ``build``."""
    group = build.add_argument_group(
        "tasks",
        "token classification (NER), zero-shot classification through an NLI model, and "
        "extractive question answering; --target is then the task's own label",
    )
    group.add_argument(
        "--task",
        choices=TASKS,
        default=None,
        help="what the checkpoint does (default: read from the checkpoint, or from the task "
        "flags given: --entity/--token, --candidate-labels, --question); an NLI checkpoint "
        "without --candidate-labels is explained as a sentence-pair classifier",
    )
    group.add_argument(
        "--entity",
        type=int,
        default=None,
        metavar="K",
        help="token classification: explain the K-th predicted entity, from 0 (default: 0); "
        "--target picks its label among the entity groups (default: the entity's own)",
    )
    group.add_argument(
        "--token",
        type=int,
        default=None,
        metavar="N",
        help="token classification: explain the N-th model token, from 0 ([CLS] is 0); "
        "--target picks the label (default: its most probable group other than O)",
    )
    group.add_argument(
        "--candidate-labels",
        default=None,
        metavar="LABELS",
        help="zero-shot: the candidate labels, separated by commas ('sports, politics, "
        "science'); --target picks the one explained (default: the most probable)",
    )
    group.add_argument(
        "--hypothesis-template",
        default=None,
        help=f"zero-shot: the hypothesis each candidate fills (default: {DEFAULT_TEMPLATE!r})",
    )
    group.add_argument(
        "--multi-label",
        action="store_true",
        help="zero-shot: score each candidate on its own, entailment against contradiction, "
        "instead of a softmax across candidates",
    )
    group.add_argument(
        "--with-hypothesis",
        action="store_true",
        help="zero-shot: attribute the explained candidate's hypothesis tokens too, not only "
        "the text's (Layer Integrated Gradients, which reads sentence pairs)",
    )
    group.add_argument(
        "--question",
        default=None,
        help="question answering: the question; each sentence is the context. --target start "
        "or end explains one end of the answer (default: both, two results per context)",
    )


def given(args: argparse.Namespace, name: str) -> bool:
    """Whether the task flag ``name`` was given: ``--entity 0`` was; an unset switch was not."""
    value = getattr(args, name)
    return value is not None and value is not False


def task_flags_given(args: argparse.Namespace) -> list[str]:
    """The task flags given, as typed (``--entity``), in :data:`TASK_FLAGS` order."""
    return [f"--{name.replace('_', '-')}" for name in TASK_FLAGS if given(args, name)]


def requested_task(args: argparse.Namespace) -> TaskName | None:
    """The task ``--task`` names or the task flags imply; None leaves it to the checkpoint.

    Raises:
        InputError: flags of two tasks are given, or flags that do not fit ``--task``.
    """
    implied = {task for name, task in TASK_FLAGS.items() if given(args, name)}
    if args.task is not None:
        implied.add(args.task)
    if len(implied) > 1:
        raise InputError(
            f"These flags belong to different tasks ({', '.join(sorted(implied))}). Give the "
            "flags of one task."
        )
    return next(iter(implied), None)


def no_gold_labels(task: TaskName) -> InputError:
    """The error for ``--label-column`` with a task: gold labels score a classifier's labels."""
    return InputError(
        f"--label-column scores a sequence classifier's predicted labels; leave it out for {task}."
    )


def task_targets(
    args: argparse.Namespace, loaded_task: TaskName, name: str
) -> list[TaskTarget | None]:
    """What each sentence's explanation targets; ``[None]`` for a sequence classifier.

    Args:
        args: the parsed command line.
        loaded_task: the task the checkpoint is loaded for.
        name: the checkpoint, for the messages.

    Raises:
        InputError: the checkpoint's task needs a flag that is missing (a
            question), or ``--target`` is not one of the task's labels.
    """
    requested = requested_task(args)
    task = requested or loaded_task
    if task == "zero-shot" and args.candidate_labels is None:
        if requested == "zero-shot":
            raise InputError("Zero-shot classification needs --candidate-labels 'a, b, c'.")
        return [None]  # an NLI model explained as the classifier it is
    if task == "token-classification":
        return [TokenTarget(entity=args.entity, token=args.token, label=args.target)]
    if task == "zero-shot":
        return [
            ZeroShotTarget(
                candidate_labels=parse_candidates(args.candidate_labels),
                hypothesis_template=args.hypothesis_template or DEFAULT_TEMPLATE,
                multi_label=args.multi_label,
                label=args.target,
                with_hypothesis=args.with_hypothesis,
            )
        ]
    if task == "question-answering":
        if args.question is None:
            raise InputError(
                f"{name} answers questions: give --question '...' (each sentence is the "
                "context it answers from)."
            )
        if args.target is not None and args.target not in ANSWER_ENDS:
            raise InputError(
                f"For question answering, --target is start or end, not {args.target!r}."
            )
        ends = ANSWER_ENDS if args.target is None else (args.target,)
        return [AnswerTarget(question=args.question, explained=end) for end in ends]
    return [None]
