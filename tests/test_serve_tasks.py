"""The service's task requests: parsed, checked and computed as explain_task computes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import explain
from explain.core.task_targets import target_fields, target_from_fields
from explain.serve.compute import explain_requests
from explain.serve.requests import RequestTooLarge, parse_request
from tests.architectures import save_architecture

TEXT = "The ride was smooth and quiet."
LABELS = {
    "ner": (("O", "B-PER", "I-PER", "B-LOC", "I-LOC"), "token-classification"),
    "nli": (("entailment", "neutral", "contradiction"), "sequence-classification"),
    "qa": (("start", "end"), "question-answering"),
}
TARGETS = {
    "ner": explain.TokenTarget(token=2, label="LOC"),
    "nli": explain.ZeroShotTarget(("cars", "films", "food"), multi_label=True, label="food"),
    "qa": explain.AnswerTarget("How was the ride?", "end"),
}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tasks")
    return {
        name: save_architecture("bert", root / name, labels=labels, task=task)
        for name, (labels, task) in LABELS.items()
    }


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_a_target_survives_json(name: str) -> None:
    target = TARGETS[name]
    assert target_from_fields(json.loads(json.dumps(target_fields(target)))) == target


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_the_service_computes_a_task_request_as_explain_task_does(
    name: str, checkpoints: dict[str, Path]
) -> None:
    body = {
        "text": TEXT,
        "checkpoint": str(checkpoints[name]),
        "n_steps": 8,
        "task_target": target_fields(TARGETS[name]),
    }
    request = parse_request(json.dumps(body).encode())
    loaded = explain.load_checkpoint(str(checkpoints[name]), device="cpu")
    (outcome,) = explain_requests(loaded, [request])
    assert outcome.error is None, outcome.error
    alone = explain.explain_task(loaded, TEXT, TARGETS[name], n_steps=8)
    served = outcome.result
    assert served is not None
    assert served.task == alone.task
    assert served.task_info == alone.task_info
    assert served.scores == alone.scores


def test_a_task_request_takes_no_second_text_or_label() -> None:
    body = {"text": TEXT, "text_pair": "x", "task_target": target_fields(TARGETS["qa"])}
    with pytest.raises(explain.InputError, match="task_target"):
        parse_request(json.dumps(body).encode())


def test_an_unknown_task_or_field_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(explain.InputError, match="token-classification, zero-shot"):
        parse_request(json.dumps({"text": TEXT, "task_target": {"task": "ner"}}).encode())
    bad = {"task": "question-answering", "question": "Why?", "answer": 3}
    with pytest.raises(explain.InputError, match="takes: explained, question"):
        parse_request(json.dumps({"text": TEXT, "task_target": bad}).encode())


def test_a_question_over_the_text_limit_is_too_large() -> None:
    target = {"task": "question-answering", "question": "why " * 6_000}
    with pytest.raises(RequestTooLarge):
        parse_request(json.dumps({"text": TEXT, "task_target": target}).encode())
