"""The texts to explain: one text or many, the text box and a sentence pair's second text."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

import explain
from components.session_state import initial
from components.setting_widgets import accepts, titles_with
from explain.core.limits import MAX_TEXT_CHARS
from explain.core.task_results import DEFAULT_TASK

EXAMPLE_TEXT = "I would never trust a self-driving car to take my kids to school."
MODE_ONE = "One text"
MODE_MANY = "Many texts"
MODE_DATASET = "Dataset"


def mode_switch() -> str:
    """Explain one text in depth, many texts in a table, or explore a results directory."""
    modes = [MODE_ONE, MODE_MANY, MODE_DATASET]
    return st.radio(
        "View",
        modes,
        index=modes.index(initial("mode", MODE_ONE)),
        horizontal=True,
        key="mode",
        label_visibility="collapsed",
        help="One text: highlighting, charts and checks for a single text. Many texts: "
        "pasted lines or an uploaded TXT/CSV file, explained together into a table. "
        "Dataset: what a results directory's stored explanations say, word by word, "
        "with shortcut candidates, clusters and mistakes.",
    )


def text_input(task: explain.TaskName = DEFAULT_TASK) -> str:
    """The sentence to explain; for a question-answering model, the context.

    Args:
        task: the task the page explains. Default: ``"sequence-classification"``
    """
    if task == DEFAULT_TASK:
        label = "Text to explain"
        help_text = (
            f"A sentence, a passage or a document, up to {MAX_TEXT_CHARS:,} characters. Text "
            "beyond the model's token limit is cut off (the page says how many tokens were "
            "dropped), or explained in overlapping windows: see 'Long texts' in the sidebar."
        )
    else:
        label = "Context" if task == "question-answering" else "Text to explain"
        help_text = (
            "The passage the question below is answered from. "
            if task == "question-answering"
            else "A sentence or a passage. "
        ) + (
            "It must fit in the model's window whole"
            + (" with the question" if task == "question-answering" else "")
            + (" and each hypothesis" if task == "zero-shot" else "")
            + ": a task's output belongs to the whole input, so nothing is cut off or windowed."
        )
    return st.text_area(
        label,
        value=initial("text", EXAMPLE_TEXT),
        max_chars=MAX_TEXT_CHARS,
        height=100,
        key="text",
        help=help_text,
    )


def with_text_pair(request: explain.AttributionRequest) -> explain.AttributionRequest:
    """``request`` with the second text typed below it, where its method takes one."""
    return replace(request, text_pair=text_pair_input(request.method))


def text_pair_input(method: str) -> str | None:
    """The optional second text of a sentence pair; None when empty or not taken by ``method``."""
    takes = accepts(method, "text_pair")
    preset = str(initial("text_pair", ""))
    title = explain.get_method(method).title
    with st.expander(
        "Second text (for sentence-pair models)", expanded=bool(preset), key="text_pair_box"
    ):
        pair = st.text_area(
            "Second text",
            value=preset,
            max_chars=MAX_TEXT_CHARS,
            height=80,
            key="text_pair",
            disabled=not takes,
            help="For checkpoints trained on two texts at once (entailment, paraphrase, "
            "question and answer): they are read as [CLS] first [SEP] second [SEP], and both "
            "are explained. Leave empty to explain the text above alone."
            if takes
            else f"{title} explains the text above alone. Methods that explain sentence pairs: "
            f"{titles_with('sentence_pairs')}.",
        )
    return pair if takes and pair.strip() else None
