"""What a task adds to an attribution: entities, candidate labels, or an answer.

A sequence classifier's result needs nothing beyond the
:class:`~explain.core.results.Attribution`. The other tasks record what was
predicted and which part of it was explained, in one small frozen record each;
the JSON export writes their fields at the top level, under the names the
issue fixed as a contract (``"entities"``, ``"explained"``,
``"candidate_labels"``, ``"candidate_probabilities"``, ``"answer"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

TaskName = Literal[
    "sequence-classification", "token-classification", "zero-shot", "question-answering"
]
TASKS: tuple[TaskName, ...] = get_args(TaskName)
DEFAULT_TASK: TaskName = "sequence-classification"
AnswerEnd = Literal["start", "end"]
ANSWER_ENDS: tuple[AnswerEnd, ...] = ("start", "end")


def input_segment(task: str) -> int:
    """Which of a result's texts is the input text: a QA model's context is its second.

    A question-answering result reads the question first and the context (the
    text explained, a row's text) second; a zero-shot result's second text, when
    there is one, is the explained candidate's hypothesis.
    """
    return 1 if task == "question-answering" else 0


def summarised_segment(task: str) -> int | None:
    """The text whose tokens a summary over many results counts; None: every text.

    A task's question or hypothesis is the same in every result, so only the
    input text counts; a sequence classifier's second text is the user's own.
    """
    return None if task == DEFAULT_TASK else input_segment(task)


@dataclass(frozen=True)
class Entity:
    """One predicted entity, as the token-classification pipeline groups it (``"simple"``).

    Args:
        word: the entity's tokens joined back into text.
        label: its entity group (``PER`` for ``B-PER``/``I-PER`` tokens).
        start: its first character in the text.
        end: one past its last character.
        score: the mean of its tokens' probabilities of their own labels.
        positions: the model tokens it covers, by position (never by string).
    """

    word: str
    label: str
    start: int
    end: int
    score: float
    positions: tuple[int, ...]

    def to_dict(self) -> dict[str, object]:
        """The pipeline's fields: ``word``, ``label``, ``start``, ``end``, ``score``."""
        return {
            "word": self.word,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "score": self.score,
        }


@dataclass(frozen=True)
class TokenClassificationInfo:
    """A token classifier's prediction, and the span and label that were explained.

    Args:
        entities: every predicted entity, in text order; ``O`` is never one.
        positions: the model tokens of the explained span.
        start: the explained span's first character.
        end: one past its last character.
        label: the explained label (an entity group).
        entity: the explained entity's index in ``entities``; None when one
            token was explained. Default: None
    """

    entities: tuple[Entity, ...]
    positions: tuple[int, ...]
    start: int
    end: int
    label: str
    entity: int | None = None

    def fields(self) -> dict[str, object]:
        """The JSON contract's fields: ``entities`` and ``explained``."""
        return {
            "entities": [entity.to_dict() for entity in self.entities],
            "explained": {"start": self.start, "end": self.end, "label": self.label},
            "explained_positions": list(self.positions),
            "explained_entity": self.entity,
        }


@dataclass(frozen=True)
class ZeroShotInfo:
    """A zero-shot prediction through an NLI model.

    Args:
        candidate_labels: the candidates, in the order given.
        candidate_probabilities: each candidate's probability, as the
            ``zero-shot-classification`` pipeline computes it.
        hypothesis_template: the template each candidate fills (``{}``).
        multi_label: whether each candidate was scored on its own
            (entailment against contradiction) rather than against the others.
        with_hypothesis: whether the explained candidate's hypothesis tokens
            were attributed too (the result's second text). Default: False
    """

    candidate_labels: tuple[str, ...]
    candidate_probabilities: tuple[float, ...]
    hypothesis_template: str
    multi_label: bool
    with_hypothesis: bool = False

    def fields(self) -> dict[str, object]:
        """The JSON contract's fields, with the template and mode that produced them."""
        return {
            "candidate_labels": list(self.candidate_labels),
            "candidate_probabilities": list(self.candidate_probabilities),
            "hypothesis_template": self.hypothesis_template,
            "multi_label": self.multi_label,
            "with_hypothesis": self.with_hypothesis,
        }


@dataclass(frozen=True)
class Answer:
    """An extractive answer: a span of the context.

    Args:
        text: the answer as it stands in the context.
        start: its first character in the context.
        end: one past its last character.
        score: the start probability times the end probability, as the v4
            ``question-answering`` pipeline scores it.
        start_token: the model token the answer starts at.
        end_token: the model token it ends at (inclusive).
    """

    text: str
    start: int
    end: int
    score: float
    start_token: int
    end_token: int


@dataclass(frozen=True)
class QuestionAnsweringInfo:
    """A question, its predicted answer, and which end of the answer was explained.

    Args:
        question: the question asked of the context (the result's ``text_pair``
            is the context).
        answer: the predicted answer.
        explained: ``"start"`` (the start logit at the answer's first token)
            or ``"end"`` (the end logit at its last).
    """

    question: str
    answer: Answer
    explained: AnswerEnd

    def fields(self) -> dict[str, object]:
        """The JSON contract's fields: ``answer`` and ``explained``, plus the question."""
        answer = self.answer
        return {
            "question": self.question,
            "answer": {
                "text": answer.text,
                "start": answer.start,
                "end": answer.end,
                "score": answer.score,
            },
            "explained": self.explained,
            "answer_tokens": [answer.start_token, answer.end_token],
        }


TaskInfo = TokenClassificationInfo | ZeroShotInfo | QuestionAnsweringInfo


def task_info_from_fields(task: TaskName, data: dict) -> TaskInfo | None:
    """A task's record read back from the fields :meth:`fields` wrote (JSON).

    Entities read back carry no token positions: the JSON gives them as the
    pipeline does, by characters.

    Raises:
        KeyError: a field the task writes is missing.
    """
    if task == "token-classification":
        explained = data["explained"]
        entities = tuple(
            Entity(e["word"], e["label"], e["start"], e["end"], e["score"], ())
            for e in data["entities"]
        )
        span = (explained["start"], explained["end"])
        entity = data.get("explained_entity")
        if "explained_entity" not in data:  # written before the index was: match the span
            entity = next((i for i, e in enumerate(entities) if (e.start, e.end) == span), None)
        return TokenClassificationInfo(
            entities=entities,
            positions=tuple(data.get("explained_positions", ())),
            start=span[0],
            end=span[1],
            label=explained["label"],
            entity=entity,
        )
    if task == "zero-shot":
        return ZeroShotInfo(
            candidate_labels=tuple(data["candidate_labels"]),
            candidate_probabilities=tuple(data["candidate_probabilities"]),
            hypothesis_template=data["hypothesis_template"],
            multi_label=bool(data["multi_label"]),
            with_hypothesis=bool(data.get("with_hypothesis", False)),  # absent before it was
        )
    if task == "question-answering":
        answer = data["answer"]
        start_token, end_token = data.get("answer_tokens", (-1, -1))
        return QuestionAnsweringInfo(
            question=data["question"],
            answer=Answer(
                answer["text"],
                answer["start"],
                answer["end"],
                answer["score"],
                start_token,
                end_token,
            ),
            explained=data["explained"],
        )
    return None


TASK_FIELDS = (
    "entities",
    "explained",
    "explained_positions",
    "explained_entity",
    "candidate_labels",
    "candidate_probabilities",
    "hypothesis_template",
    "multi_label",
    "with_hypothesis",
    "question",
    "answer",
    "answer_tokens",
)
"""Every top-level field a task adds to a result's JSON."""
