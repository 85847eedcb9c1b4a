"""A task's own inputs on the One text page, in place of the label pickers.

A token classifier shows its predicted entities on the text and asks which
entity (or which token, by position) and which entity group to explain; a
zero-shot NLI model asks for the candidate labels, the hypothesis template,
the mode and the candidate; a question-answering model asks for the question
(the text is the context) and which end of the answer to explain. Each input
returns the :mod:`explain.core.task_targets` record the request carries.
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

import explain
from components import backend
from components.markdown import literal
from components.session_state import initial
from explain.core.task_results import DEFAULT_TASK
from explain.core.task_targets import DEFAULT_TEMPLATE, parse_candidates
from explain.io.links import (
    DEFAULT_CANDIDATES,
    MAX_CANDIDATES_CHARS,
    MAX_QUESTION_CHARS,
    MAX_TEMPLATE_CHARS,
    read_span,
)
from explain.model.tasks import TASK_TITLES
from explain.render.task_figures import entities_html, task_words
from explain.tasks.token_classification import IGNORED_GROUP, label_groups

OWN_GROUP = ""  # label picker option: the entity's own group (a token's most probable)
MOST_PROBABLE = ""  # candidate picker option: the most probable candidate
A_TOKEN = "A token (pick it by position)"  # entity picker option: explain one token
SPAN_NOTICE = "link_span_notice"  # set once the link's entity or token was found unusable
MAX_ENTITY = 511  # no model window holds more entities than tokens
TASK_WIDGETS = (  # the One text task inputs' keys: a link's (or a job's) values reset them
    "task",
    "entity",
    "token",
    "entity_label",
    "candidate_labels",
    "hypothesis_template",
    "multi_label",
    "with_hypothesis",
    "candidate",
    "question",
    "answer_end",
)
DEFAULT_QUESTION = "Who would never trust a self-driving car?"
NLI_TASKS: tuple[explain.TaskName, ...] = ("zero-shot", "sequence-classification")
NLI_TASK_NAMES = {
    "zero-shot": "Zero-shot classification: rank candidate labels",
    "sequence-classification": "NLI classifier: a premise and a hypothesis",
}


def task_picker(loaded: explain.LoadedModel) -> explain.TaskName:
    """The task the page explains: the checkpoint's own, named in the sidebar.

    An NLI checkpoint is also the sequence classifier it is: a sidebar
    switch explains it either as zero-shot classification or as a premise
    and hypothesis pair.

    Args:
        loaded: the checkpoint, loaded for its task.

    Returns:
        The task: ``loaded.task``, or the one picked for an NLI checkpoint.
    """
    with st.sidebar:
        if loaded.task != "zero-shot":
            if loaded.task != DEFAULT_TASK:
                st.caption(
                    f"Task: **{TASK_TITLES[loaded.task]}**, read from the checkpoint's "
                    "architecture. The page asks what to explain above the results."
                )
            return loaded.task
        preset = initial("task", "zero-shot")
        chosen = st.radio(
            "Explain this NLI checkpoint as",
            NLI_TASKS,
            index=NLI_TASKS.index(preset) if preset in NLI_TASKS else 0,
            format_func=NLI_TASK_NAMES.__getitem__,
            key="task",
            help="Its labels include an entailment label, so it is an NLI model. Zero-shot "
            "classification ranks candidate labels you type, each one a hypothesis "
            "('This example is sports.') read after your text, as Hugging Face's "
            "zero-shot-classification pipeline does. As an NLI classifier it explains its "
            "entailment, neutral and contradiction labels for a premise and a hypothesis you "
            "type (the second text).",
        )
        return chosen


def dataset_notice(task: explain.TaskName) -> None:
    """The Dataset mode for a task checkpoint: it reads a results directory, not the checkpoint."""
    st.info(
        "The Dataset view reads the explanations a results directory holds (of any task); it "
        f"does not use this {task_words(task)} checkpoint."
    )


def batch_task_target(loaded: explain.LoadedModel, task: explain.TaskName) -> explain.TaskTarget:
    """Many texts for a task: what to explain in every text, above the texts.

    Stops the page with the reason when the inputs make no target.

    Args:
        loaded: the checkpoint, for a token classifier's entity groups.
        task: the task the page explains (not sequence classification).

    Returns:
        The target every text's explanation has: the K-th entity of each text,
        the same candidate labels, or the same question asked of each text.
    """
    with st.container(border=True, key="batch_task_inputs"):
        st.markdown(f"**{TASK_TITLES[task]}: what to explain in every text**")
        try:
            if task == "token-classification":
                return batch_token_target(loaded)
            if task == "zero-shot":
                return zero_shot_target()
            st.caption("Each text below is a context the question is asked of.")
            return answer_target()
        except explain.InputError as error:
            st.error(str(error))
            st.stop()


def batch_token_target(loaded: explain.LoadedModel) -> explain.TokenTarget:
    """A token classifier's batch inputs: which entity of each text, and which entity group."""
    groups = label_groups(loaded.labels)[0]
    left, right = st.columns(2)
    entity = left.number_input(
        "Entity number in each text",
        min_value=0,
        max_value=MAX_ENTITY,
        value=min(int(initial("entity", 0) or 0), MAX_ENTITY),
        step=1,
        key="batch_entity",
        help="Which predicted entity of each text to explain, from 0 in text order (the "
        "CLI's --entity). A text with fewer entities is listed as skipped, with the reason.",
    )
    label = group_picker(right, groups, "batch_entity_label", "Each entity's own group")
    return explain.TokenTarget(entity=int(entity), label=label or None)


def group_picker(
    column: DeltaGenerator, groups: tuple[str, ...], key: str, own: str, preset: str = OWN_GROUP
) -> str:
    """The entity group to explain; :data:`OWN_GROUP` for the span's own (``own`` says which)."""
    options = [OWN_GROUP, *groups]
    _keep_if_offered(key, options)
    return column.selectbox(
        "Label",
        options,
        index=options.index(preset) if preset in options else 0,
        format_func=lambda group: own if group == OWN_GROUP else group,
        key=key,
        help="The entity group whose output is explained (B-PER and I-PER are the group PER). "
        f"By default the entity's own group; for a token, its most probable group other than "
        f"'{IGNORED_GROUP}'. Pick another to see what speaks for or against it.",
    )


def task_target(spec: str, task: explain.TaskName, text: str) -> explain.TaskTarget:
    """The task's inputs under the text, and the target they make.

    Stops the page with the reason when the inputs make no target (no
    question, one candidate in single-label mode, a text too long).

    Args:
        spec: the checkpoint's spec, whose prediction a token classifier's inputs show.
        task: the task the page explains (not sequence classification).
        text: the text; a question-answering model's context.

    Returns:
        A :class:`explain.TokenTarget`, :class:`explain.ZeroShotTarget` or
        :class:`explain.AnswerTarget`.
    """
    with st.container(border=True, key="task_inputs"):
        st.markdown(f"**{TASK_TITLES[task]}: what to explain**")
        try:
            if task == "token-classification":
                return token_target(spec, text)
            if task == "zero-shot":
                return zero_shot_target()
            return answer_target()
        except explain.InputError as error:
            st.error(str(error))
            st.stop()


def _keep_if_offered(key: str, options: list) -> None:
    """Forget a picker's choice that is no longer offered (the text changed), so it resets."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def token_target(spec: str, text: str) -> explain.TokenTarget:
    """A token classifier's inputs: its entities on the text, the span, and the entity group.

    Raises:
        InputError: the text is empty, or too long for the model's window.
    """
    if not text.strip():
        raise explain.InputError("The text is empty. Type a sentence to tag.")
    preview = backend.token_preview(spec, text)
    entities, groups = preview.entities, preview.groups
    if entities:
        st.html(entities_html(text, entities, groups))
        st.caption(
            f"The model predicts {len(entities)} entit{'y' if len(entities) == 1 else 'ies'}, "
            "grouped as Hugging Face's token-classification pipeline groups them "
            "(aggregation_strategy='simple'); hover one for its score."
        )
    else:
        st.caption(
            "The model predicts no entity in this text: every token is tagged 'O'. Pick a "
            "token to see what speaks for a label there."
        )
    names = [
        f"{number}: {text[entity.start : entity.end]} ({entity.label}, {entity.score:.0%})"
        for number, entity in enumerate(entities)
    ]
    options = [*names, A_TOKEN]
    positions = [i for i, special in enumerate(preview.special) if not special]
    linked_entity: int | None = initial("entity", None)
    linked_token: int | None = initial("token", None)
    notice = read_span(linked_entity, linked_token, len(entities), tuple(positions))
    if notice is not None and not st.session_state.get(SPAN_NOTICE):
        st.session_state[SPAN_NOTICE] = True  # said once, on the run that opened the link
        st.warning(notice)
        st.session_state["link_autorun"] = False
    preset = (
        A_TOKEN
        if linked_token is not None and linked_token in positions
        else names[linked_entity]
        if linked_entity is not None and linked_entity < len(entities)
        else options[0]
    )
    _keep_if_offered("entity", options)
    left, middle, right = st.columns(3)
    chosen = left.selectbox(
        "Entity",
        options,
        index=options.index(preset),
        key="entity",
        help="Which tokens' output to explain: a predicted entity (its tokens together), or "
        "any one token of the text. Entities are numbered from 0 in text order; the numbers "
        "are the CLI's --entity.",
    )
    token: int | None = None
    if chosen == A_TOKEN:
        token_names = [f"{i}: {preview.tokens[i]}" for i in positions]
        preset_token = (
            positions.index(linked_token)
            if linked_token is not None and linked_token in positions
            else 0
        )
        _keep_if_offered("token", token_names)
        picked = middle.selectbox(
            "Token (position: token)",
            token_names,
            index=preset_token,
            key="token",
            help="The model's tokens, numbered by position as the model reads them ([CLS] is "
            "0). A token that occurs twice is two positions, each explained on its own; the "
            "numbers are the CLI's --token.",
        )
        token = positions[token_names.index(picked)]
    own = "The token's most probable group" if token is not None else "The entity's own group"
    label = group_picker(right, groups, "entity_label", own, initial("entity_label", OWN_GROUP))
    if chosen == A_TOKEN:
        return explain.TokenTarget(token=token, label=label or None)
    entity = names.index(chosen)
    span = entities[entity]
    st.caption(
        f"Explains **{literal(label or span.label)}** over "
        f"'{literal(text[span.start : span.end])}' (tokens {span.positions[0]}"
        + (f"-{span.positions[-1]}" if len(span.positions) > 1 else "")
        + ")."
    )
    return explain.TokenTarget(entity=entity, label=label or None)


def zero_shot_target() -> explain.ZeroShotTarget:
    """A zero-shot run's inputs: the candidates, the template, the mode and the candidate.

    Raises:
        InputError: the candidates or the template make no target (the message says why).
    """
    left, right = st.columns([3, 2])
    typed = left.text_input(
        "Candidate labels",
        value=initial("candidate_labels", ", ".join(DEFAULT_CANDIDATES)),
        max_chars=MAX_CANDIDATES_CHARS,
        key="candidate_labels",
        help="The labels to rank, separated by commas: any words or phrases, up to 50. Each "
        "one fills the template below into a hypothesis the NLI model reads after your text.",
    )
    template = right.text_input(
        "Hypothesis template",
        value=initial("hypothesis_template", DEFAULT_TEMPLATE),
        max_chars=MAX_TEMPLATE_CHARS,
        key="hypothesis_template",
        help="The sentence each candidate label fills, at its one {}. The default is the "
        "zero-shot pipeline's.",
    )
    left, right = st.columns([2, 3])
    multi = left.toggle(
        "Multi-label",
        value=bool(initial("multi_label", False)),
        key="multi_label",
        help="Off: the candidates compete, and their probabilities (a softmax of the entailment "
        "logits) add up to 1. On: each candidate is scored on its own, entailment against "
        "contradiction, so several can be likely at once.",
    )
    with_hypothesis = left.toggle(
        "Attribute the hypothesis too",
        value=bool(initial("with_hypothesis", False)),
        key="with_hypothesis",
        help="Off: only your text's tokens are scored; every hypothesis is held as it is. On: "
        "the explained candidate's hypothesis is part of the input too, so its tokens ('This "
        "example is sports.') get scores beside the text's (Layer Integrated Gradients).",
    )
    candidates = parse_candidates(typed)
    options = [MOST_PROBABLE, *dict.fromkeys(label for label in candidates if label)]
    linked = initial("candidate", MOST_PROBABLE)
    _keep_if_offered("candidate", options)
    label = right.selectbox(
        "Candidate to explain",
        options,
        index=options.index(linked) if linked in options else 0,
        format_func=lambda name: "The most probable" if name == MOST_PROBABLE else name,
        key="candidate",
        help="Whose score to explain. By default the candidate the model finds most probable; "
        "pick another to see what speaks for or against it.",
    )
    return explain.ZeroShotTarget(candidates, template, multi, label or None, with_hypothesis)


def answer_target() -> explain.AnswerTarget:
    """A question-answering run's inputs: the question, and the answer's end to explain.

    Raises:
        InputError: the question is empty.
    """
    left, right = st.columns([3, 1])
    question = left.text_input(
        "Question",
        value=initial("question", DEFAULT_QUESTION),
        max_chars=MAX_QUESTION_CHARS,
        key="question",
        help="A question about the text above, the context. The answer is the span of the "
        "context the model finds likeliest, as Hugging Face's question-answering pipeline "
        "picks it (at most 15 tokens).",
    )
    ends = ["start", "end"]
    end = right.segmented_control(
        "Explain the answer's",
        ends,
        default=initial("answer_end", "start"),
        required=True,
        format_func=str.capitalize,
        key="answer_end",
        help="The model scores every token as the answer's start and as its end. Start "
        "explains the start score at the answer's first token, end the end score at its "
        "last; the page charts both.",
    )
    return explain.AnswerTarget(question, "end" if end == "end" else "start")
