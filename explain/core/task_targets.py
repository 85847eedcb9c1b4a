"""What a task's explanation targets: an entity or token, a candidate label, or an answer end.

Each target is a small frozen record, checked when it is made, that a request
carries (:class:`~explain.methods.request.AttributionRequest`'s ``task_target``)
and :func:`explain.tasks.explain_task.explain_task` reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from explain.core.errors import InputError
from explain.core.task_results import ANSWER_ENDS, AnswerEnd, TaskName

DEFAULT_TEMPLATE = "This example is {}."
MAX_CANDIDATES = 50
SET_BY_THE_TASK = {  # option: what it would set, which a task's target decides itself
    "target": "label (the task target names the entity group, candidate or answer end)",
    "contrast": "contrast label",
    "text_pair": "second text (a question-answering run gives its question apart)",
    "long": "windows over a long text",
    "stride": "windows over a long text",
}


@dataclass(frozen=True)
class TokenTarget:
    """Which span and label of a token classifier's output to explain.

    Args:
        entity: the K-th predicted entity, from 0. Default: None
        token: the N-th model token, from 0 (special tokens count). Default: None
        label: an entity group (``PER``), or None for the entity's own group
            (for a token, its most probable group other than ``O``). Default: None
    """

    entity: int | None = None
    token: int | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if self.entity is not None and self.token is not None:
            raise InputError("Give an entity or a token to explain, not both.")
        for name in ("entity", "token"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise InputError(f"The {name} is a whole number from 0, not {value!r}.")
            if value is not None and value < 0:
                raise InputError(f"The {name} is counted from 0; {value} is not one.")


@dataclass(frozen=True)
class ZeroShotTarget:
    """The candidates to rank, how to phrase them, and which one to explain.

    Args:
        candidate_labels: the candidates, in order (at least one; a lone
            candidate is scored on its own, as in multi-label mode, as the
            pipeline scores it).
        hypothesis_template: a sentence with one ``{}`` for the candidate.
            Default: ``"This example is {}."``
        multi_label: score each candidate on its own. Default: False
        label: the candidate to explain; None for the most probable. Default: None
        with_hypothesis: attribute the explained candidate's hypothesis tokens
            too, not only the premise's (a method that reads sentence pairs).
            Default: False
    """

    candidate_labels: tuple[str, ...]
    hypothesis_template: str = DEFAULT_TEMPLATE
    multi_label: bool = False
    label: str | None = None
    with_hypothesis: bool = False

    def __post_init__(self) -> None:
        labels = tuple(label.strip() for label in self.candidate_labels)
        if not labels or any(not label for label in labels):
            raise InputError(
                "Give the candidate labels, separated by commas (for example "
                "'sports, politics, science'); none may be empty."
            )
        if len(set(labels)) != len(labels):
            raise InputError("A candidate label is given twice; give each once.")
        if len(labels) > MAX_CANDIDATES:
            raise InputError(
                f"{len(labels)} candidate labels is more than {MAX_CANDIDATES}: each one is a "
                "forward pass of the model per step. Give fewer."
            )
        template = self.hypothesis_template
        try:
            slots = template.format("\0").count("\0")
        except (ValueError, IndexError, KeyError):
            slots = 0
        if slots != 1 or "\0" in template:
            raise InputError(
                f"The hypothesis template {template!r} must hold exactly one '{{}}' where the "
                f"candidate label goes (and no other braces), as in {DEFAULT_TEMPLATE!r}."
            )
        if self.label is not None and self.label not in labels:
            raise InputError(
                f"Unknown candidate {self.label!r}. The candidates are: {', '.join(labels)}."
            )
        object.__setattr__(self, "candidate_labels", labels)


def parse_candidates(text: str) -> tuple[str, ...]:
    """Candidate labels from a comma-separated string, blanks around each removed."""
    return tuple(label.strip() for label in text.split(","))


@dataclass(frozen=True)
class AnswerTarget:
    """The question asked of the context, and which end of the answer to explain.

    Args:
        question: the question.
        explained: ``"start"`` or ``"end"``. Default: ``"start"``
    """

    question: str
    explained: AnswerEnd = "start"

    def __post_init__(self) -> None:
        if not self.question or not self.question.strip():
            raise InputError("The question is empty. Type a question about the text.")
        if self.explained not in ANSWER_ENDS:
            raise InputError(
                f"Unknown answer end {self.explained!r}. Choose one of: {', '.join(ANSWER_ENDS)}."
            )


TaskTarget = TokenTarget | ZeroShotTarget | AnswerTarget

OUTPUT_MEANINGS: dict[str, dict[str, str]] = {  # what each output kind is, per task
    "token-classification": {
        "probability": "the label's probability (its B- and I- tags added up) at each of the "
        "span's tokens, summed over the span",
        "logit": "the log of the summed exponentials of the label's tag logits, summed over "
        "the span's tokens",
        "log_odds": "the label's log-odds against every other tag, summed over the span's tokens",
    },
    "zero-shot": {
        "probability": "the candidate's probability: the softmax of the entailment logits across "
        "the candidates, as Hugging Face's zero-shot pipeline computes it",
        "logit": "the entailment logit of the premise with the candidate's hypothesis",
        "log_odds": "the candidate's entailment logit against the other candidates' (log-sum-exp)",
    },
    "zero-shot multi-label": {
        "probability": "the candidate's probability on its own: entailment against "
        "contradiction, as Hugging Face's zero-shot pipeline computes it",
        "logit": "the entailment logit minus the contradiction logit, for this candidate alone",
        "log_odds": "the entailment logit minus the contradiction logit, for this candidate alone",
    },
    "question-answering": {
        "probability": "the probability that the answer starts (or ends) at its token: a "
        "softmax over the context's tokens and the first token, as the pipeline normalises",
        "logit": "the start (or end) logit at the answer's first (or last) token",
        "log_odds": "the start (or end) logit against every other position an answer may take",
    },
}


def explained_output(target: TaskTarget, output: str) -> str:
    """What the output kind means for ``target``'s task, in words."""
    if isinstance(target, ZeroShotTarget) and target.multi_label:
        return OUTPUT_MEANINGS["zero-shot multi-label"][output]
    if isinstance(target, TokenTarget):
        return OUTPUT_MEANINGS["token-classification"][output]
    if isinstance(target, ZeroShotTarget):
        return OUTPUT_MEANINGS["zero-shot"][output]
    return OUTPUT_MEANINGS["question-answering"][output]


def target_task(target: TaskTarget) -> TaskName:
    """The task a target belongs to."""
    if isinstance(target, TokenTarget):
        return "token-classification"
    if isinstance(target, ZeroShotTarget):
        return "zero-shot"
    return "question-answering"


def check_task_options(task: TaskName, options: Mapping[str, object]) -> None:
    """Refuse the options a task's target decides itself: a label, a contrast, a second text,
    windows.

    Args:
        task: the task explained.
        options: the request's options, by name; None (and ``long="truncate"``) is unset.

    Raises:
        InputError: the message names the first option set and why the task refuses it.
    """
    for name, what in SET_BY_THE_TASK.items():
        if options.get(name) not in (None, "truncate" if name == "long" else None):
            raise InputError(
                f"A {task} explanation takes no {what}: its task target says what is explained."
            )


def target_fields(target: TaskTarget) -> dict[str, object]:
    """A target as JSON fields, its task under ``"task"`` (:func:`target_from_fields` reads it)."""
    fields: dict[str, object] = {"task": target_task(target), **vars(target)}
    if isinstance(target, ZeroShotTarget):
        fields["candidate_labels"] = list(target.candidate_labels)
    return fields


def target_from_fields(fields: object) -> TaskTarget:
    """A target from JSON fields as :func:`target_fields` writes them.

    Raises:
        InputError: the fields are not an object, name no known task, or hold
            a field of another kind or a value of the wrong type; the message
            says which.
    """
    kinds: dict[str, type[TaskTarget]] = {
        "token-classification": TokenTarget,
        "zero-shot": ZeroShotTarget,
        "question-answering": AnswerTarget,
    }
    if not isinstance(fields, dict) or fields.get("task") not in kinds:
        raise InputError(
            "'task_target' must be an object whose 'task' is one of: "
            f'{", ".join(kinds)}; for example {{"task": "token-classification", '
            '"entity": 0}.'
        )
    kind = kinds[str(fields["task"])]
    values = {name: value for name, value in fields.items() if name != "task"}
    known = set(kind.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise InputError(
            f"A {fields['task']} target takes no {', '.join(map(repr, unknown))}. "
            f"It takes: {', '.join(sorted(known))}."
        )
    expected: dict[str, tuple[type, ...]] = {
        "entity": (int,),
        "token": (int,),
        "label": (str,),
        "candidate_labels": (list, tuple),
        "hypothesis_template": (str,),
        "multi_label": (bool,),
        "with_hypothesis": (bool,),
        "question": (str,),
        "explained": (str,),
    }
    for name, value in values.items():
        if value is not None and not isinstance(value, expected[name]):
            raise InputError(f"'{name}' of a task target cannot be {value!r:.80}.")
    if "candidate_labels" in values:
        labels = values["candidate_labels"]
        if not all(isinstance(label, str) for label in labels):
            raise InputError("'candidate_labels' must be a list of texts.")
        values["candidate_labels"] = tuple(labels)
    return kind(**values)


def target_text_chars(target: TaskTarget) -> int:
    """The characters of text a target carries: its question, or its candidates and template."""
    if isinstance(target, AnswerTarget):
        return len(target.question)
    if isinstance(target, ZeroShotTarget):
        return sum(len(label) for label in target.candidate_labels) + len(
            target.hypothesis_template
        )
    return len(target.label or "")
