"""The page on a token classifier, a zero-shot NLI model and a question-answering model.

Each task's checkpoint opens with its own inputs in place of the label pickers
(entities and a token picker by position; candidate labels, a template and a
mode; a question and the answer's end), offers only the methods that serve it,
shows what Hugging Face's pipeline predicts, explains on Run, and writes a link
that opens the same view again. Views and modes that explain sequence
classifiers only say so instead of failing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from transformers import pipeline

import explain
from components.inputs import EXAMPLE_TEXT
from components.task_inputs import A_TOKEN, DEFAULT_QUESTION
from explain.core.task_targets import DEFAULT_TEMPLATE, target_task
from explain.io.links import link_params, read_link, read_link_task
from tests.apphelpers import fixed_steps, open_page, rendered_html
from tests.architectures import save_architecture
from tests.test_tasks_predictions import v4_answer

NER_LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")
NLI_LABELS = ("entailment", "neutral", "contradiction")
CANDIDATES = ("positive", "negative", "neutral")
REPEATED = "the car and the car"
STEPS = 4


@pytest.fixture(scope="module")
def ner_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_architecture(
        "bert", tmp_path_factory.mktemp("ner") / "ckpt", NER_LABELS, task="token-classification"
    )


@pytest.fixture(scope="module")
def nli_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_architecture("bert", tmp_path_factory.mktemp("nli") / "ckpt", NLI_LABELS)


@pytest.fixture(scope="module")
def qa_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_architecture(
        "bert", tmp_path_factory.mktemp("qa") / "ckpt", ("a", "b"), task="question-answering"
    )


def task_page(directory: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    """The page on ``directory``, with Layer IG on a few fixed steps."""
    return fixed_steps(open_page(directory, monkeypatch, **params), STEPS)


def run(at: AppTest) -> AppTest:
    at.button(key="run").click().run()
    assert not at.exception, at.exception
    assert not at.error, [error.value for error in at.error]
    return at


def charts(at: AppTest) -> dict[str, dict]:
    """The page's Plotly figures, by the key they were given."""
    return {
        chart.proto.id.split("-", 2)[2]: json.loads(chart.proto.spec)
        for chart in at.get("plotly_chart")
    }


def captions(at: AppTest) -> str:
    return "\n".join(caption.value for caption in at.caption)


def infos(at: AppTest) -> str:
    return "\n".join(info.value for info in at.info)


def link_notices(at: AppTest) -> list[str]:
    """The page's warnings about an opened link's values."""
    return [warning.value for warning in at.warning if "link" in warning.value]


def reopened(directory: Path, monkeypatch: pytest.MonkeyPatch, at: AppTest) -> AppTest:
    """The link ``at`` wrote, opened again (a local checkpoint is the preselected one)."""
    params = dict(at.query_params)
    assert params.pop("checkpoint") == str(directory)
    return open_page(directory, monkeypatch, **params)


def keys(at: AppTest) -> set[str]:
    """The keys of the page's widgets."""
    return {widget.key for widget in at.get("selectbox") + at.get("text_input") if widget.key}


# Token classification


def test_token_classifier_page_offers_entities_tokens_and_groups(
    ner_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = task_page(ner_dir, monkeypatch)
    assert {"entity", "entity_label"} <= keys(at)
    assert not {"target", "contrast", "text_pair"} & keys(at)
    assert "long" not in {radio.key for radio in at.radio}
    loaded = explain.load_checkpoint(str(ner_dir), device="cpu")
    tagger = pipeline(
        "token-classification",
        model=loaded.model,
        tokenizer=loaded.tokenizer,
        aggregation_strategy="simple",
        device="cpu",
    )
    expected = [
        f"{number}: {EXAMPLE_TEXT[found['start'] : found['end']]} ({found['entity_group']}, "
        for number, found in enumerate(tagger(EXAMPLE_TEXT))
    ]
    options = at.selectbox(key="entity").options
    assert options[-1] == A_TOKEN
    assert len(options) - 1 == len(expected) > 0
    assert all(shown.startswith(prefix) for shown, prefix in zip(options, expected, strict=False))
    assert "tokenlight-entities" in rendered_html(at)
    assert at.selectbox(key="entity_label").options == ["The entity's own group", "O", "PER", "LOC"]
    methods = at.selectbox(key="method").options
    assert "Attention rollout" not in methods
    assert "Layer Integrated Gradients" in " ".join(methods)

    run(at)
    subheaders = [header.value for header in at.subheader]
    assert any(re.match(r"Why '(PER|LOC)' for '.+'\?", header) for header in subheaders)
    assert {"probability_chart", "token_chart"} <= set(charts(at))
    assert "summed over the span's" in captions(at)
    params = dict(at.query_params)
    assert params["task"] == "token-classification"
    assert params["entity"] == "0"
    downloads = {button.key: button for button in at.get("download_button")}
    assert set(downloads) == {"export_json", "export_csv", "export_html", "export_ipynb"}
    assert not any(button.proto.disabled for button in downloads.values())


def test_a_repeated_token_is_picked_and_explained_by_position(
    ner_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = task_page(ner_dir, monkeypatch)
    at.text_area(key="text").input(REPEATED).run()
    at.selectbox(key="entity").set_value(A_TOKEN).run()
    tokens = at.selectbox(key="token").options
    assert tokens[:5] == ["1: the", "2: car", "3: and", "4: the", "5: car"]
    at.selectbox(key="token").set_value("4: the").run()
    at.selectbox(key="entity_label").set_value("LOC").run()
    run(at)
    request = at.session_state["request"]
    assert request.task_target == explain.TokenTarget(token=4, label="LOC")
    assert "(token 4, outlined in the token highlighting below)" in captions(at)
    assert "Why 'LOC' for 'the'?" in [header.value for header in at.subheader]
    params = dict(at.query_params)
    assert (params["token"], params["target"]) == ("4", "LOC")
    assert "entity" not in params

    again = reopened(ner_dir, monkeypatch, at)
    assert not link_notices(again)
    assert again.selectbox(key="token").value == "4: the"
    assert again.selectbox(key="entity_label").value == "LOC"
    assert "Why 'LOC' for 'the'?" in [header.value for header in again.subheader]


def test_a_link_with_unknown_task_values_falls_back_with_notices(
    ner_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(
        ner_dir, monkeypatch, text=REPEATED, task="token-classification", entity="99",
        target="ORG", contrast="PER",
    )  # fmt: skip
    warnings = " ".join(warning.value for warning in at.warning)
    assert "entity 99 does not exist" in warnings
    assert "'ORG' is not one of this model's entity groups" in warnings
    assert "the link's contrast label is not used" in warnings
    assert at.selectbox(key="entity").value == at.selectbox(key="entity").options[0]
    assert not at.subheader or "Prediction" not in [h.value for h in at.subheader]  # waits for Run

    other = open_page(ner_dir, monkeypatch, text=REPEATED, task="zero-shot", candidates="a, b")
    assert "This link explains zero-shot classification (NLI)" in other.warning[0].value


def test_sequence_only_modes_and_views_say_so(
    ner_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run(task_page(ner_dir, monkeypatch))
    at.segmented_control(key="teach_view").set_value("faithfulness").run()
    assert "does not apply to token classification (NER)" in infos(at)
    at.segmented_control(key="teach_view").set_value("methods").run()
    assert not at.exception
    assert sum(key.startswith("compare_chart_") for key in charts(at)) == 3
    at.radio(key="mode").set_value("Dataset").run()
    assert not at.exception
    assert "it does not use this token classification (NER) checkpoint" in infos(at)


# Zero-shot classification through NLI


def chart_probabilities(at: AppTest) -> dict[str, float]:
    figure = charts(at)["probability_chart"]["data"][0]
    return dict(zip(figure["y"], figure["x"], strict=True))


@pytest.mark.parametrize("multi_label", [False, True])
def test_zero_shot_probabilities_equal_the_pipelines(
    nli_dir: Path, monkeypatch: pytest.MonkeyPatch, multi_label: bool
) -> None:
    at = task_page(nli_dir, monkeypatch)
    assert at.radio(key="task").value == "zero-shot"
    assert at.text_input(key="candidate_labels").value == ", ".join(CANDIDATES)
    assert at.text_input(key="hypothesis_template").value == "This example is {}."
    if multi_label:
        at.toggle(key="multi_label").set_value(True).run()
    run(at)
    loaded = explain.load_checkpoint(str(nli_dir), device="cpu")
    classifier = pipeline(
        "zero-shot-classification", model=loaded.model, tokenizer=loaded.tokenizer, device="cpu"
    )
    expected = classifier(EXAMPLE_TEXT, list(CANDIDATES), multi_label=multi_label)
    shown = chart_probabilities(at)
    assert set(shown) == set(CANDIDATES)
    for label, score in zip(expected["labels"], expected["scores"], strict=True):
        assert shown[label] == pytest.approx(score, abs=1e-6)
    best = expected["labels"][0]
    assert f"Why '{best}'?" in [header.value for header in at.subheader]
    if not multi_label:
        assert "threshold" not in {slider.key for slider in at.slider}
        return
    at.slider(key="threshold").set_value(0.05).run()
    assert not at.exception
    rows = [row.rsplit(" (", 1)[0] for row in charts(at)["label_heatmap"]["data"][0]["y"]]
    likely = [label for label in CANDIDATES if shown[label] >= 0.05]
    assert likely
    assert rows == likely


def test_zero_shot_candidate_template_and_link(
    nli_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = task_page(nli_dir, monkeypatch)
    at.text_input(key="candidate_labels").input("cars, films, food").run()
    at.text_input(key="hypothesis_template").input("It is about {}.").run()
    at.selectbox(key="candidate").set_value("films").run()
    run(at)
    assert "Why 'films'?" in [header.value for header in at.subheader]
    params = dict(at.query_params)
    assert params["candidates"] == "cars, films, food"
    assert params["target"] == "films"
    assert params["template"] == "It is about {}."
    again = reopened(nli_dir, monkeypatch, at)
    assert not link_notices(again)
    assert again.text_input(key="hypothesis_template").value == "It is about {}."
    assert again.selectbox(key="candidate").value == "films"
    assert "Why 'films'?" in [header.value for header in again.subheader]


def test_zero_shot_attributes_the_hypothesis_on_request_and_links_it(
    nli_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = task_page(nli_dir, monkeypatch)
    switch = at.toggle(key="with_hypothesis")
    assert switch.proto.help
    switch.set_value(True).run()
    run(at)
    html = rendered_html(at)
    assert "Hypothesis (the explained candidate&#x27;s)" in html or (
        "Hypothesis (the explained candidate's)" in html
    )
    assert dict(at.query_params)["hypothesis"] == "1"
    again = reopened(nli_dir, monkeypatch, at)
    assert not link_notices(again)
    assert again.toggle(key="with_hypothesis").value is True


def test_zero_shot_inputs_that_make_no_target_say_why(
    nli_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = task_page(nli_dir, monkeypatch)
    at.text_input(key="candidate_labels").input("sports, , music").run()
    assert not at.exception
    assert "none may be empty" in at.error[0].value
    at.text_input(key="candidate_labels").input("sports, music").run()
    at.text_input(key="hypothesis_template").input("No slot here.").run()
    assert not at.exception
    assert "must hold exactly one '{}'" in at.error[0].value


def test_an_nli_checkpoint_is_also_explained_as_the_classifier_it_is(
    nli_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = task_page(nli_dir, monkeypatch)
    at.radio(key="task").set_value("sequence-classification").run()
    assert {"target", "contrast"} <= keys(at)
    assert "candidate_labels" not in keys(at)
    at.text_area(key="text_pair").input("A car drives itself.").run()
    run(at)
    assert at.session_state["request"].task_target is None
    assert dict(at.query_params)["task"] == "sequence-classification"


# Extractive question answering


def test_question_answering_page_explains_both_ends(
    qa_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = task_page(qa_dir, monkeypatch)
    assert at.text_area(key="text").label == "Context"
    assert at.text_input(key="question").value == DEFAULT_QUESTION
    assert at.selectbox(key="method").options == ["Layer Integrated Gradients (embeddings)"]
    run(at)
    # transformers 5 has no question-answering pipeline: v4's, copied, gives the answer.
    loaded = explain.load_checkpoint(str(qa_dir), device="cpu")
    expected = v4_answer(loaded, DEFAULT_QUESTION, EXAMPLE_TEXT)
    html = rendered_html(at)
    assert f">{expected['answer']}<span" in html
    assert f"answer · {expected['score']:.1%}" in html
    assert {"answer_start_chart", "answer_end_chart"} <= set(charts(at))
    assert any(header.value.startswith("Why does the answer start at") for header in at.subheader)

    at.segmented_control(key="answer_end").set_value("end").run()
    run(at)
    assert any(header.value.startswith("Why does the answer end at") for header in at.subheader)
    params = dict(at.query_params)
    assert (params["question"], params["explained"]) == (DEFAULT_QUESTION, "end")
    assert "target" not in params
    at.segmented_control(key="granularity").set_value("Word view").run()
    assert not at.exception
    assert "<b>Question</b>" in rendered_html(at)
    assert "<b>Context</b>" in rendered_html(at)
    at.segmented_control(key="teach_view").set_value("methods").run()
    assert "no other method to compare it with" in infos(at)


def test_a_question_answering_link_reopens_the_question(
    qa_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(
        qa_dir, monkeypatch, text=EXAMPLE_TEXT, task="question-answering",
        question="What would I never trust?", explained="end", integration="fixed", steps="4",
    )  # fmt: skip
    assert not link_notices(at)
    assert at.text_input(key="question").value == "What would I never trust?"
    assert at.segmented_control(key="answer_end").value == "end"
    assert any(header.value.startswith("Why does the answer end at") for header in at.subheader)
    blank = open_page(qa_dir, monkeypatch, text=EXAMPLE_TEXT, task="question-answering",
                      question=" ", explained="middle")  # fmt: skip
    warnings = " ".join(warning.value for warning in blank.warning)
    assert "question is empty" in warnings
    assert "'middle'" in warnings
    assert blank.text_input(key="question").value == DEFAULT_QUESTION


# Links, without the page


@pytest.mark.parametrize(
    "target",
    [
        explain.TokenTarget(entity=2, label="LOC"),
        explain.TokenTarget(token=7),
        explain.ZeroShotTarget(("a b", "c"), "It is {}!", multi_label=True, label="c"),
        explain.ZeroShotTarget(("x", "y")),
        explain.ZeroShotTarget(("x", "y"), with_hypothesis=True),
        explain.AnswerTarget("Who? & why", "end"),
    ],
)
def test_a_task_target_survives_its_link(target: explain.TaskTarget) -> None:
    request = explain.AttributionRequest(checkpoint="c", text="t", task_target=target)
    params = link_params(request, NER_LABELS)
    link = read_link(params, registered=("c",))
    assert link.notices == ()
    task = target_task(target)
    checked = read_link_task(link.task, link.target, task, NER_LABELS)
    assert checked.notices == ()
    assert checked.task is not None
    if isinstance(target, explain.TokenTarget):
        restored: explain.TaskTarget = explain.TokenTarget(
            checked.task.entity, checked.task.token, checked.label
        )
    elif isinstance(target, explain.ZeroShotTarget):
        restored = explain.ZeroShotTarget(
            checked.task.candidates or (),
            checked.task.template or DEFAULT_TEMPLATE,
            bool(checked.task.multi_label),
            checked.label,
            bool(checked.task.with_hypothesis),
        )
    else:
        restored = explain.AnswerTarget(
            checked.task.question or "", checked.task.explained or "start"
        )
    assert restored == target


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"task": "ner"}, "Unknown task 'ner'"),
        ({"entity": "1"}, "entity name no task"),
        ({"task": "token-classification", "entity": "-1"}, "not a whole number"),
        ({"task": "token-classification", "entity": "1", "token": "2"}, "both an entity"),
        ({"task": "zero-shot", "candidates": "a, a"}, "given twice"),
        ({"task": "zero-shot", "template": "no slot"}, "exactly one '{}'"),
        ({"task": "zero-shot", "multi": "yes"}, "not 1 or 0"),
        ({"task": "zero-shot", "hypothesis": "on"}, "hypothesis 'on' is not 1 or 0"),
        ({"task": "zero-shot", "question": "q"}, "belong to another task"),
        ({"task": "question-answering", "explained": "middle"}, "not start or end"),
    ],
)
def test_unusable_task_values_in_a_link_get_a_notice(params: dict[str, str], notice: str) -> None:
    link = read_link(params, registered=())
    assert any(notice in text for text in link.notices), link.notices
