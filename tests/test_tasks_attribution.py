"""Tasks: what their explanations add up to, and agree with, on each architecture.

Layer IG's scores add up to ``F(input) - F(baseline)`` within 1 %; with the
fixed Gauss-Legendre rule they equal plain Captum's
``LayerIntegratedGradients`` on the task's view of the model; a token that
occurs twice keeps both of its scores; and every registered method either
explains each task or refuses it, saying why and which methods can.
"""

from __future__ import annotations

import json
import math

import pytest
import torch
from captum.attr import LayerIntegratedGradients

import explain
from explain import AnswerTarget, TokenTarget, ZeroShotTarget, explain_task, methods_for
from explain.core.errors import InputError
from explain.model.architecture import positions_follow_ids
from explain.model.encoding import encode
from explain.tasks.explain_task import refusal
from explain.tasks.heads import AnswerHead, ChoiceHead, SpanHead, view_of
from explain.tasks.question_answering import answer_positions
from explain.tasks.token_classification import label_groups
from explain.tasks.zero_shot import hypotheses_head, hypothesis_of
from tests.task_checkpoints import (
    CANDIDATES,
    QUESTION,
    REPEATED,
    TASK_ARCHITECTURES,
    TEXT,
    Models,
    save_task_checkpoints,
)
from tests.tolerances import float32_model_tolerance

TARGETS: dict[str, explain.TaskTarget] = {
    "entity": TokenTarget(),
    "zero-shot": ZeroShotTarget(CANDIDATES),
    "zero-shot multi-label": ZeroShotTarget(CANDIDATES, multi_label=True),
    "zero-shot with hypothesis": ZeroShotTarget(CANDIDATES, with_hypothesis=True),
    "answer start": AnswerTarget(QUESTION),
    "answer end": AnswerTarget(QUESTION, explained="end"),
}
TASK_OF: dict[type, explain.TaskName] = {
    TokenTarget: "token-classification",
    ZeroShotTarget: "zero-shot",
    AnswerTarget: "question-answering",
}
CAPTUM_STEPS = 8
FEW_STEPS = {"n_steps": 4}
# Fewer samples and steps, to keep the method matrix fast: it checks that each method
# runs or refuses, not how well it converges.
METHOD_OPTIONS: dict[str, dict[str, object]] = {
    "layer_integrated_gradients": FEW_STEPS,
    "word_integrated_gradients": FEW_STEPS,
    "gradient_shap": {"n_samples": 3},
    "smoothgrad": {"n_samples": 3},
    "vargrad": {"n_samples": 3},
    "smoothgrad_ig": {"n_samples": 2, "n_steps": 4},
    "vargrad_ig": {"n_samples": 2, "n_steps": 4},
    "lime": {"n_samples": 20},
    "kernel_shap": {"n_samples": 20},
}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Models:
    return save_task_checkpoints(tmp_path_factory.mktemp("tasks"))


def _model(models: Models, name: str, target: explain.TaskTarget) -> explain.LoadedModel:
    return models[name, TASK_OF[type(target)]]


@pytest.mark.parametrize("name", TASK_ARCHITECTURES)
@pytest.mark.parametrize("case", list(TARGETS))
def test_layer_ig_is_complete_within_one_percent(models: Models, name: str, case: str) -> None:
    target = TARGETS[case]
    result = explain_task(_model(models, name, target), TEXT, target)  # adaptive integration
    assert result.f_baseline is not None
    assert result.delta is not None
    change = result.f_input - result.f_baseline
    assert abs(change) > 1e-3, "the tiny model must react to the input for this test to mean much"
    assert abs(sum(result.scores) - change) <= 0.01 * abs(change)
    assert abs(result.delta) <= 0.01 * abs(change)
    assert len(result.scores) == len(result.tokens)


def _head(loaded: explain.LoadedModel, target: explain.TaskTarget, result) -> ChoiceHead:
    """The task's view of the model for ``result``'s prediction, built from its parts."""
    info = result.task_info
    if isinstance(target, TokenTarget):
        groups, members = label_groups(loaded.labels)
        return SpanHead(loaded.model, groups, members, info.positions, "probability")
    if isinstance(target, ZeroShotTarget):
        encoding = encode(loaded.tokenizer, TEXT, loaded.max_length, loaded.device)
        explained = result.target_index if target.with_hypothesis else None
        return hypotheses_head(loaded, TEXT, encoding, target, "probability", explained)
    encoding = encode(loaded.tokenizer, QUESTION, loaded.max_length, loaded.device, TEXT)
    _, allowed = answer_positions(encoding, loaded.tokenizer.cls_token_id)
    answer = info.answer
    return AnswerHead(loaded.model, answer.start_token, answer.end_token, allowed, "probability")


def _by_hand(loaded: explain.LoadedModel, target: explain.TaskTarget, result) -> float:
    """``F(input)`` from the raw model's outputs and the prediction, not through a head."""
    info = result.task_info
    if isinstance(target, TokenTarget):
        encoded = loaded.tokenizer(TEXT, return_tensors="pt")
        with torch.no_grad():
            probabilities = torch.softmax(loaded.model(**encoded).logits[0], dim=-1)
        label = result.labels[result.target_index]
        chosen = [i for i, name in enumerate(loaded.labels) if name.endswith(f"-{label}")]
        return float(probabilities[list(info.positions)][:, chosen].sum())
    if isinstance(target, ZeroShotTarget):  # the pipeline's probability (test_tasks_predictions)
        return info.candidate_probabilities[result.target_index]
    encoded = loaded.tokenizer(QUESTION, TEXT, return_tensors="pt")
    with torch.no_grad():
        out = loaded.model(**encoded)
    logits = out.start_logits[0] if target.explained == "start" else out.end_logits[0]
    context = [i for i, sequence in enumerate(encoded.sequence_ids(0)) if sequence == 1]
    normalised = torch.softmax(logits[[0, *context]], dim=-1)  # context and [CLS], as v4
    position = info.answer.start_token if target.explained == "start" else info.answer.end_token
    return float(normalised[1 + context.index(position)])


@pytest.mark.parametrize("name", TASK_ARCHITECTURES)
@pytest.mark.parametrize("case", list(TARGETS))
def test_layer_ig_equals_captum_on_the_same_forward(models: Models, name: str, case: str) -> None:
    target = TARGETS[case]
    loaded = _model(models, name, target)
    result = explain_task(loaded, TEXT, target, integration="fixed", n_steps=CAPTUM_STEPS)
    assert result.f_input == pytest.approx(
        _by_hand(loaded, target, result), abs=float32_model_tolerance(result.f_input)
    )
    view = view_of(loaded, _head(loaded, target, result)).model
    if isinstance(target, AnswerTarget):
        encoded = loaded.tokenizer(
            QUESTION, TEXT, return_tensors="pt", return_special_tokens_mask=True
        )
    elif isinstance(target, ZeroShotTarget) and target.with_hypothesis:
        assert result.text_pair == hypothesis_of(target, result.target_index)
        encoded = loaded.tokenizer(
            TEXT, result.text_pair, return_tensors="pt", return_special_tokens_mask=True
        )
    else:
        encoded = loaded.tokenizer(TEXT, return_tensors="pt", return_special_tokens_mask=True)
    ids = encoded["input_ids"]
    baseline_ids = ids.masked_fill(
        ~encoded["special_tokens_mask"].bool(), loaded.tokenizer.pad_token_id
    )
    types = encoded.get("token_type_ids")

    def forward(input_ids, attention_mask, token_type_ids):
        extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
        logits = view(input_ids=input_ids, attention_mask=attention_mask, **extra).logits
        return logits[:, result.target_index]

    lig = LayerIntegratedGradients(forward, view.base_model.embeddings)
    expected, captum_delta = lig.attribute(
        ids,
        baseline_ids,
        additional_forward_args=(encoded["attention_mask"], types),
        n_steps=CAPTUM_STEPS,
        method="gausslegendre",
        return_convergence_delta=True,
    )
    captum_scores = expected.sum(dim=-1)[0]
    assert result.token_ids == tuple(ids[0].tolist())
    torch.testing.assert_close(
        torch.tensor(result.scores, dtype=captum_scores.dtype),
        captum_scores,
        atol=float32_model_tolerance(captum_scores),
        rtol=0,
    )
    with torch.no_grad():
        f_baseline = float(forward(baseline_ids, encoded["attention_mask"], types)[0])
    assert result.f_baseline == pytest.approx(f_baseline, abs=float32_model_tolerance(f_baseline))
    # A delta is a difference of sums, so it rounds with its terms, not with its own size.
    terms = (result.f_input, f_baseline, [abs(score) for score in result.scores])
    assert result.delta == pytest.approx(float(captum_delta), abs=float32_model_tolerance(*terms))


def _repeated_positions(result: explain.Attribution) -> tuple[int, int]:
    """The first two text positions that hold the same token."""
    seen: dict[str, int] = {}
    for position, (token, special) in enumerate(
        zip(result.tokens, result.special_tokens, strict=True)
    ):
        if special:
            continue
        if token in seen:
            return seen[token], position
        seen[token] = position
    raise AssertionError(f"no token repeats in {result.tokens}")


@pytest.mark.parametrize("name", TASK_ARCHITECTURES)
def test_a_repeated_token_keeps_both_of_its_scores(models: Models, name: str) -> None:
    loaded = models[name, "token-classification"]
    whole = explain_task(loaded, REPEATED, TokenTarget(), **FEW_STEPS)
    first, second = _repeated_positions(whole)
    by_token = [
        explain_task(loaded, REPEATED, TokenTarget(token=position, label="PER"), **FEW_STEPS)
        for position in (first, second)
    ]
    for result, position in zip(by_token, (first, second), strict=True):
        assert result.tokens == whole.tokens
        assert len(result.scores) == len(result.tokens)
        assert all(math.isfinite(score) for score in result.scores)
        assert result.task_info.positions == (position,)  # type: ignore[union-attr]
        assert result.scores[first] != result.scores[second]
    spans = [(r.task_info.start, r.task_info.end) for r in by_token]  # type: ignore[union-attr]
    assert spans[0] != spans[1]
    assert REPEATED[slice(*spans[0])] == REPEATED[slice(*spans[1])]
    assert by_token[0].scores != by_token[1].scores
    (data,) = json.loads(explain.to_json([by_token[1]]))["results"]
    assert data["tokens"][first] == data["tokens"][second]
    assert data["scores"] == list(by_token[1].scores)
    assert data["explained"]["start"] == spans[1][0]
    # Entities are keyed by position: none shares a token, each has its own characters.
    entities = whole.task_info.entities  # type: ignore[union-attr]
    assert entities, "the random tagger must predict entities for this test to mean much"
    positions = [p for entity in entities for p in entity.positions]
    assert positions == sorted(set(positions))
    for entity in entities:
        assert (entity.start, entity.end) == (
            whole.offsets[entity.positions[0]][0],
            whole.offsets[entity.positions[-1]][1],
        )


@pytest.mark.parametrize("name", ["bert", "modernbert"])
@pytest.mark.parametrize("case", ["entity", "zero-shot", "answer start"])
@pytest.mark.parametrize("method", list(explain.METHODS))
def test_each_method_explains_a_task_or_refuses_it_with_a_reason(
    models: Models, name: str, case: str, method: str
) -> None:
    target = TARGETS[case]
    task = TASK_OF[type(target)]
    loaded = _model(models, name, target)
    options = METHOD_OPTIONS.get(method, {})
    reason = refusal(explain.METHODS[method], task)
    if reason is None:
        result = explain_task(loaded, TEXT, target, method=method, **options)
        assert len(result.scores) == len(result.tokens) > 2
        assert all(math.isfinite(score) for score in result.scores)
        assert result.task == task
        return
    with pytest.raises(InputError) as refused:
        explain_task(loaded, TEXT, target, method=method, **options)
    can = methods_for(task)
    assert method not in can
    assert str(refused.value) == f"{reason} Methods that can: {', '.join(can)}."
    assert reason.startswith(f"{explain.METHODS[method].title} cannot explain")


def test_which_methods_serve_which_task() -> None:
    every = tuple(explain.METHODS)
    attention = {"attention", "attention_rollout"}
    assert methods_for("sequence-classification") == every
    for task in ("token-classification", "zero-shot"):
        assert set(every) - set(methods_for(task)) == attention
    paired = {name for name, m in explain.METHODS.items() if m.capabilities.sentence_pairs}
    assert set(methods_for("question-answering")) == paired - attention
    assert "layer_integrated_gradients" in methods_for("question-answering")


@pytest.mark.parametrize("name", TASK_ARCHITECTURES)
@pytest.mark.parametrize("multi_label", [False, True])
def test_the_hypothesis_is_attributed_on_request_with_the_same_probabilities(
    models: Models, name: str, multi_label: bool
) -> None:
    loaded = models[name, "zero-shot"]
    alone = ZeroShotTarget(CANDIDATES, multi_label=multi_label)
    premise = explain_task(loaded, TEXT, alone, **FEW_STEPS)
    paired = explain_task(
        loaded, TEXT, ZeroShotTarget(CANDIDATES, multi_label=multi_label, with_hypothesis=True),
        **FEW_STEPS,
    )  # fmt: skip
    assert paired.task_info.candidate_probabilities == pytest.approx(
        premise.task_info.candidate_probabilities,
        abs=float32_model_tolerance(premise.task_info.candidate_probabilities),
    )
    assert paired.f_input == pytest.approx(
        premise.f_input, abs=float32_model_tolerance(premise.f_input)
    )
    hypothesis = [i for i, segment in enumerate(paired.segments) if segment == 1]
    words = [i for i, special in enumerate(paired.special_tokens) if not special]
    assert hypothesis, "the hypothesis is the second text"
    assert paired.tokens[: len(premise.tokens)] == premise.tokens
    assert any(paired.scores[i] != 0 for i in hypothesis if i in words)
    # Its JSON keeps the switch, and the target read back from it asks for it again.
    read = explain.from_json(explain.to_json([paired]))[0]
    assert read.task_info.with_hypothesis
    assert explain.tasks.explain_task.target_of(read).with_hypothesis  # type: ignore[union-attr]


def test_a_method_of_one_text_refuses_the_hypothesis_with_those_that_can(models: Models) -> None:
    loaded = models["bert", "zero-shot"]
    target = ZeroShotTarget(CANDIDATES, with_hypothesis=True)
    with pytest.raises(InputError, match=r"Methods that can \(they read sentence pairs\): "):
        explain_task(loaded, TEXT, target, method="saliency")


@pytest.mark.parametrize("name", TASK_ARCHITECTURES)
def test_with_the_hypothesis_f_baseline_is_the_models_on_the_baseline_pairs(
    models: Models, name: str
) -> None:
    """F(baseline) from the plain model, pair by pair: the explained candidate's pair padded
    whole, the others' premise padded and their hypotheses as they are."""
    loaded = models[name, "zero-shot"]
    target = ZeroShotTarget(CANDIDATES, with_hypothesis=True)
    result = explain_task(loaded, TEXT, target, **FEW_STEPS)
    tokenizer, model = loaded.tokenizer, loaded.model
    premise_len = len(tokenizer(TEXT)["input_ids"])
    entailment = next(i for i, label in enumerate(loaded.labels) if label.startswith("entail"))
    logits = []
    for candidate in range(len(CANDIDATES)):
        pair = tokenizer(TEXT, hypothesis_of(target, candidate), return_special_tokens_mask=True)
        padded = [
            tokenizer.pad_token_id
            if not special and (position < premise_len or candidate == result.target_index)
            else token
            for position, (token, special) in enumerate(
                zip(pair["input_ids"], pair["special_tokens_mask"], strict=True)
            )
        ]
        extra = {}
        if "token_type_ids" in pair:
            extra["token_type_ids"] = torch.tensor([pair["token_type_ids"]])
        if positions_follow_ids(model):  # count <pad> positions as the input's, as the view does
            padding = model.base_model.embeddings.padding_idx
            extra["position_ids"] = torch.arange(len(padded)).unsqueeze(0) + padding + 1
        with torch.no_grad():
            out = model(input_ids=torch.tensor([padded]), **extra).logits[0].float()
        logits.append(out[entailment])
    expected = float(torch.softmax(torch.stack(logits), dim=0)[result.target_index])
    assert result.f_baseline == pytest.approx(expected, abs=float32_model_tolerance(expected))
