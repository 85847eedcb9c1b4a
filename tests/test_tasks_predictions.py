"""Tasks: each checkpoint is detected as its task, and predicts what Hugging Face's pipelines do.

Token classification is compared with ``pipeline("token-classification",
aggregation_strategy="simple")`` entity by entity, zero-shot with
``pipeline("zero-shot-classification")`` in both modes, both built on the same
model and tokenizer objects. transformers 5 has no ``question-answering``
pipeline, so the v4 pipeline's post-processing is copied here
(:func:`v4_answer`) and run on the model's own start and end logits.

Each comparison records its largest difference (``record_property``), so a run
with ``--junitxml`` reports the figures.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import pipeline

import explain
from explain import AnswerTarget, TokenTarget, ZeroShotTarget, explain_task
from explain.core.errors import CheckpointError, InputError
from explain.model.tasks import task_for
from tests.architectures import save_architecture
from tests.task_checkpoints import (
    CANDIDATES,
    QUESTION,
    REPEATED,
    TASK_ARCHITECTURES,
    TEMPLATE,
    TEXT,
    Models,
    save_task_checkpoints,
)
from tests.tolerances import FLOAT32_EPS, ulps

# The pipelines take the same float32 logits through numpy's softmax (exp rounds apart from
# torch's) and average an entity's scores in float32: up to 2 ulps apart measured, a few more
# over a long entity's sum; 16 stays far below what another label or span changes.
SCORE_RTOL = ulps(16, FLOAT32_EPS)
ZERO_SHOT_ATOL = 1e-6  # the figure
FEW_STEPS = {"n_steps": 2}  # the predictions do not depend on the attribution
QA_CASES = ((QUESTION, TEXT), ("Was the ride quiet?", REPEATED))


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Models:
    return save_task_checkpoints(tmp_path_factory.mktemp("tasks"))


@pytest.mark.parametrize("name", TASK_ARCHITECTURES)
def test_each_checkpoint_is_loaded_for_its_task(models: Models, name: str) -> None:
    classes = {
        "token-classification": "ForTokenClassification",
        "zero-shot": "ForSequenceClassification",
        "question-answering": "ForQuestionAnswering",
    }
    for task, suffix in classes.items():
        loaded = models[name, task]
        assert loaded.task == task
        assert type(loaded.model).__name__.endswith(suffix)


def test_an_nli_model_can_be_explained_as_a_sequence_classifier(models: Models) -> None:
    nli = models["bert", "zero-shot"]
    config = nli.model.config
    assert task_for(config, nli.name) == "zero-shot"
    assert task_for(config, nli.name, "sequence-classification") == "sequence-classification"
    reloaded = explain.load_checkpoint(nli.name, device="cpu", task="sequence-classification")
    assert reloaded.task == "sequence-classification"
    assert explain.attribute(reloaded, TEXT, target="entailment", n_steps=2).labels == (
        "entailment",
        "neutral",
        "contradiction",
    )


@pytest.mark.parametrize(
    ("task", "requested", "fix"),
    [
        ("token-classification", "question-answering", "--task token-classification"),
        ("token-classification", "zero-shot", "--task token-classification"),
        ("question-answering", "token-classification", "--task question-answering"),
        ("zero-shot", "token-classification", "--task sequence-classification or zero-shot"),
        ("zero-shot", "question-answering", "--task sequence-classification or zero-shot"),
    ],
)
def test_a_mismatched_task_is_refused_with_the_fix(
    models: Models, task: str, requested: str, fix: str
) -> None:
    loaded = models["bert", task]  # type: ignore[index]
    with pytest.raises(CheckpointError, match=f"cannot serve --task {requested}") as refused:
        task_for(loaded.model.config, loaded.name, requested)
    assert fix in str(refused.value)
    with pytest.raises(CheckpointError, match="cannot serve"):
        explain.load_checkpoint(loaded.name, device="cpu", task=requested)


def test_zero_shot_needs_an_entailment_label(tmp_path: Path) -> None:
    plain = save_architecture("bert", tmp_path / "sentiment")
    loaded = explain.load_checkpoint(str(plain), device="cpu")
    assert loaded.task == "sequence-classification"
    with pytest.raises(CheckpointError, match="no entailment label") as refused:
        task_for(loaded.model.config, loaded.name, "zero-shot")
    assert "--task sequence-classification" in str(refused.value)


def test_an_unknown_task_lists_the_tasks(models: Models) -> None:
    loaded = models["bert", "token-classification"]
    with pytest.raises(InputError, match=r"Unknown task 'ner'.*token-classification, zero-shot"):
        task_for(loaded.model.config, loaded.name, "ner")


@pytest.mark.parametrize("name", TASK_ARCHITECTURES)
@pytest.mark.parametrize("text", [TEXT, REPEATED], ids=["sample", "repeated"])
def test_entities_equal_the_token_classification_pipeline(
    models: Models, name: str, text: str, record_property
) -> None:
    loaded = models[name, "token-classification"]
    result = explain_task(loaded, text, TokenTarget(), **FEW_STEPS)
    tagger = pipeline(
        "token-classification",
        model=loaded.model,
        tokenizer=loaded.tokenizer,
        aggregation_strategy="simple",
        device="cpu",
    )
    expected = tagger(text)
    mine = result.task_info.entities  # type: ignore[union-attr]
    assert expected, "the random tagger must predict entities for this test to mean much"
    assert [(e.word, e.label, e.start, e.end) for e in mine] == [
        (e["word"], e["entity_group"], e["start"], e["end"]) for e in expected
    ]
    theirs = [float(e["score"]) for e in expected]
    assert [e.score for e in mine] == pytest.approx(theirs, rel=SCORE_RTOL)
    largest = max(abs(e.score - score) / score for e, score in zip(mine, theirs, strict=True))
    record_property("largest_relative_difference", largest)


@pytest.mark.parametrize("name", TASK_ARCHITECTURES)
@pytest.mark.parametrize(
    ("multi_label", "template"),
    [(False, "This example is {}."), (True, "This example is {}."), (False, TEMPLATE)],
    ids=["single-label", "multi-label", "own-template"],
)
def test_zero_shot_probabilities_equal_the_pipeline(
    models: Models, name: str, multi_label: bool, template: str, record_property
) -> None:
    loaded = models[name, "zero-shot"]
    target = ZeroShotTarget(CANDIDATES, hypothesis_template=template, multi_label=multi_label)
    result = explain_task(loaded, TEXT, target, **FEW_STEPS)
    classifier = pipeline(
        "zero-shot-classification", model=loaded.model, tokenizer=loaded.tokenizer, device="cpu"
    )
    expected = classifier(
        TEXT, list(CANDIDATES), hypothesis_template=template, multi_label=multi_label
    )
    theirs = dict(zip(expected["labels"], expected["scores"], strict=True))
    info = result.task_info
    assert info.candidate_labels == CANDIDATES  # type: ignore[union-attr]
    mine = info.candidate_probabilities  # type: ignore[union-attr]
    assert mine == pytest.approx([theirs[label] for label in CANDIDATES], abs=ZERO_SHOT_ATOL)
    assert result.probabilities == mine
    best = max(CANDIDATES, key=theirs.__getitem__)
    assert result.labels[result.predicted_index] == best
    largest = max(abs(p - theirs[label]) for p, label in zip(mine, CANDIDATES, strict=True))
    record_property("largest_absolute_difference", largest)


@pytest.mark.parametrize(
    ("labels", "candidates", "multi_label"),
    [
        (("entailment", "not_entailment"), CANDIDATES, True),
        (("neutral", "contradiction", "entailment"), CANDIDATES, True),
        (("entailment", "neutral", "contradiction"), CANDIDATES[:1], False),
    ],
    ids=["two-labels", "entailment-last", "one-candidate"],
)
def test_zero_shot_follows_the_pipelines_label_rules(
    tmp_path: Path, labels: tuple[str, ...], candidates: tuple[str, ...], multi_label: bool
) -> None:
    """The pipeline takes the contradiction by position and scores a lone candidate alone."""
    loaded = explain.load_checkpoint(
        str(save_architecture("bert", tmp_path / "nli", labels=labels, seed=3)), device="cpu"
    )
    target = ZeroShotTarget(candidates, multi_label=multi_label)
    result = explain_task(loaded, TEXT, target, **FEW_STEPS)
    classifier = pipeline(
        "zero-shot-classification", model=loaded.model, tokenizer=loaded.tokenizer, device="cpu"
    )
    expected = classifier(TEXT, list(candidates), multi_label=multi_label)
    theirs = dict(zip(expected["labels"], expected["scores"], strict=True))
    mine = result.task_info.candidate_probabilities  # type: ignore[union-attr]
    assert mine == pytest.approx([theirs[label] for label in candidates], abs=ZERO_SHOT_ATOL)
    assert abs(result.f_input - mine[result.target_index]) <= ZERO_SHOT_ATOL


def _decode_spans(
    start: np.ndarray,
    end: np.ndarray,
    topk: int,
    max_answer_len: int,
    undesired_tokens: np.ndarray,
) -> tuple:
    """transformers v4.53's ``decode_spans`` (pipelines/question_answering.py), as it was."""
    if start.ndim == 1:
        start = start[None]
    if end.ndim == 1:
        end = end[None]
    outer = np.matmul(np.expand_dims(start, -1), np.expand_dims(end, 1))
    candidates = np.tril(np.triu(outer), max_answer_len - 1)
    scores_flat = candidates.flatten()
    if topk == 1:
        idx_sort = [np.argmax(scores_flat)]
    elif len(scores_flat) < topk:
        idx_sort = np.argsort(-scores_flat)
    else:
        idx = np.argpartition(-scores_flat, topk)[0:topk]
        idx_sort = idx[np.argsort(-scores_flat[idx])]
    starts, ends = np.unravel_index(idx_sort, candidates.shape)[1:]
    desired_spans = np.isin(starts, undesired_tokens.nonzero()) & np.isin(
        ends, undesired_tokens.nonzero()
    )
    starts = starts[desired_spans]
    ends = ends[desired_spans]
    scores = candidates[0, starts, ends]
    return starts, ends, scores


def _select_starts_ends(
    start: np.ndarray,
    end: np.ndarray,
    p_mask: np.ndarray,
    attention_mask: np.ndarray | None,
    min_null_score: float = 1000000,
    top_k: int = 1,
    handle_impossible_answer: bool = False,
    max_answer_len: int = 15,
) -> tuple:
    """transformers v4.53's ``select_starts_ends``, as it was."""
    undesired_tokens = np.abs(np.array(p_mask) - 1)
    if attention_mask is not None:
        undesired_tokens = undesired_tokens & attention_mask
    undesired_tokens_mask = undesired_tokens == 0.0
    start = np.where(undesired_tokens_mask, -10000.0, start)
    end = np.where(undesired_tokens_mask, -10000.0, end)
    start = np.exp(start - start.max(axis=-1, keepdims=True))
    start = start / start.sum()
    end = np.exp(end - end.max(axis=-1, keepdims=True))
    end = end / end.sum()
    if handle_impossible_answer:
        min_null_score = min(min_null_score, (start[0, 0] * end[0, 0]).item())
    start[0, 0] = end[0, 0] = 0.0  # mask CLS
    starts, ends, scores = _decode_spans(start, end, top_k, max_answer_len, undesired_tokens)
    return starts, ends, scores, min_null_score


def v4_answer(loaded: explain.LoadedModel, question: str, context: str) -> dict:
    """The answer transformers v4.53's ``question-answering`` pipeline gives (one span, top 1).

    Its ``preprocess`` (fast tokenizer, question first), ``_forward`` and
    ``postprocess`` with their defaults: ``max_answer_len=15``,
    ``align_to_words=True``, no impossible answer.
    """
    tokenizer, model = loaded.tokenizer, loaded.model
    max_seq_len = min(tokenizer.model_max_length, 384)
    encoded = tokenizer(
        text=question,
        text_pair=context,
        padding="do_not_pad",
        truncation="only_second",
        max_length=max_seq_len,
        stride=min(max_seq_len // 2, 128),
        return_token_type_ids=True,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )
    assert len(encoded["input_ids"]) == 1, "the context fits one span"
    p_mask = [tok != 1 for tok in encoded.sequence_ids(0)]  # question first
    input_ids = encoded["input_ids"][0]
    for cls_index in np.nonzero(np.array(input_ids) == tokenizer.cls_token_id)[0]:
        p_mask[cls_index] = False  # keep the cls_token unmasked
    fw_args = {k: torch.tensor(encoded[k][0]).unsqueeze(0) for k in tokenizer.model_input_names}
    with torch.no_grad():
        output = model(**fw_args)
    attention_mask = fw_args["attention_mask"].numpy()
    starts, ends, scores, _ = _select_starts_ends(
        output["start_logits"].numpy(),
        output["end_logits"].numpy(),
        np.array([p_mask]),
        attention_mask,
    )
    enc = encoded[0]
    s, e = int(starts[0]), int(ends[0])
    try:  # get_indices with align_to_words=True
        start_index = enc.word_to_chars(enc.token_to_word(s), sequence_index=1)[0]
        end_index = enc.word_to_chars(enc.token_to_word(e), sequence_index=1)[1]
    except Exception:  # some tokenizers don't handle words: keep to offsets
        start_index, end_index = enc.offsets[s][0], enc.offsets[e][1]
    return {
        "score": scores[0].item(),
        "start": start_index,
        "end": end_index,
        "answer": context[start_index:end_index],
    }


@pytest.mark.parametrize("name", TASK_ARCHITECTURES)
@pytest.mark.parametrize(("question", "context"), QA_CASES, ids=["sample", "repeated"])
def test_the_answer_equals_the_v4_question_answering_pipeline(
    models: Models, name: str, question: str, context: str, record_property
) -> None:
    loaded = models[name, "question-answering"]
    result = explain_task(loaded, context, AnswerTarget(question), **FEW_STEPS)
    expected = v4_answer(loaded, question, context)
    answer = result.task_info.answer  # type: ignore[union-attr]
    assert (answer.text, answer.start, answer.end) == (
        expected["answer"],
        expected["start"],
        expected["end"],
    )
    assert answer.score == pytest.approx(expected["score"], rel=SCORE_RTOL)
    record_property("largest_relative_difference", abs(answer.score / expected["score"] - 1))


def _explain(models: Models, name: str, task: str) -> explain.Attribution:
    if task == "token-classification":
        return explain_task(models[name, task], TEXT, TokenTarget(), **FEW_STEPS)
    if task == "zero-shot":
        target = ZeroShotTarget(CANDIDATES, multi_label=True, label="film")
        return explain_task(models[name, task], TEXT, target, **FEW_STEPS)
    target = AnswerTarget(QUESTION, explained="end")
    return explain_task(models[name, "question-answering"], TEXT, target, **FEW_STEPS)


COMMON_KEYS = {"task", "tokens", "scores", "f_input", "f_baseline", "delta"}


@pytest.mark.parametrize("name", TASK_ARCHITECTURES)
@pytest.mark.parametrize("task", ["token-classification", "zero-shot", "question-answering"])
def test_json_holds_the_task_fields_and_reads_back(models: Models, name: str, task: str) -> None:
    result = _explain(models, name, task)
    (data,) = json.loads(explain.to_json([result]))["results"]
    assert set(data) >= COMMON_KEYS
    assert data["task"] == task
    assert data["tokens"] == list(result.tokens)
    assert data["scores"] == list(result.scores)
    assert (data["f_input"], data["f_baseline"], data["delta"]) == (
        result.f_input,
        result.f_baseline,
        result.delta,
    )
    info = result.task_info
    if task == "token-classification":
        assert data["entities"]
        assert all(
            set(entity) == {"word", "label", "start", "end", "score"} for entity in data["entities"]
        )
        assert data["entities"] == [entity.to_dict() for entity in info.entities]  # type: ignore[union-attr]
        first = info.entities[0]  # type: ignore[union-attr]
        assert data["explained"] == {"start": first.start, "end": first.end, "label": first.label}
    elif task == "zero-shot":
        assert data["candidate_labels"] == list(CANDIDATES)
        assert data["candidate_probabilities"] == list(result.probabilities)
    else:
        answer = info.answer  # type: ignore[union-attr]
        assert data["answer"] == {
            "text": answer.text,
            "start": answer.start,
            "end": answer.end,
            "score": answer.score,
        }
        assert data["explained"] == "end"
        assert data["answer"]["text"] == TEXT[answer.start : answer.end]
    (back,) = explain.from_json(explain.to_json([result]))
    if task == "token-classification":
        # The JSON gives entities as the pipeline does, by characters: their token
        # positions are not written (the explained span's are).
        entities = tuple(replace(e, positions=()) for e in info.entities)  # type: ignore[union-attr]
        result = replace(result, task_info=replace(info, entities=entities))  # type: ignore[arg-type]
    assert back == result


@pytest.mark.parametrize("task", ["token-classification", "question-answering"])
@pytest.mark.parametrize("method", list(explain.METHODS))
def test_plain_attribute_refuses_a_per_token_model(models: Models, task: str, method: str) -> None:
    loaded = models["bert", task]  # type: ignore[index]
    with pytest.raises(InputError, match=f"is a {task} checkpoint.*explain_task"):
        explain.attribute(loaded, TEXT, method=method)
