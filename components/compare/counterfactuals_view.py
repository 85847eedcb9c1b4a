"""Counterfactuals: edit the text, see both predictions and how each word's credit moved."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

import explain
from components import backend
from components.compare.parts import CHART, explainer_box, requested
from components.markdown import literal
from explain.render.counterfactual_figures import alignment_html, word_change_chart
from explain.views.counterfactuals import Edit, compare_texts

TEXT_KEY = "cf_text"
SOURCE_KEY = "cf_source"
HEAD_NOTES = {
    "multi_label": "A multi-label checkpoint: a label's probability here is its own sigmoid, "
    "and the prediction shown is the most probable label; an edit 'flips' when that changes.",
    "regression": "A regression checkpoint: its 'probability' here is the predicted score "
    "itself (no softmax), and one output cannot flip, so edits are ranked by how far they "
    "lower the score.",
}


def _apply(text: str) -> None:
    """Put a suggested edit in the text box (a button callback, before the box is drawn)."""
    st.session_state[TEXT_KEY] = text


def _suggestion_rows(edits: tuple[Edit, ...], kind: str, target: str) -> None:
    for index, edit in enumerate(edits):
        left, middle, right = st.columns([5, 3, 2])
        left.markdown(literal(edit.description))
        verdict = f"→ **{literal(edit.predicted_label)}**" if edit.flips else ""
        middle.markdown(f"p({literal(target)}) {edit.change:+.3f} {verdict}")
        right.button(
            "Apply",
            key=f"cf_apply_{kind}_{index}",
            on_click=_apply,
            args=(edit.text,),
            help="Put this edit in the edited text box above and explain it.",
        )


def render(loaded: explain.LoadedModel, request: explain.AttributionRequest) -> None:
    """The counterfactuals view: the request's text against an edited copy."""
    explainer_box(
        "counterfactuals",
        "What would change the model's mind? Edit the sentence and compare.\n\n"
        "- **Both predictions**: the original text and your edit.\n"
        "- **Aligned words**: each word coloured by its own attribution in its own text; "
        "struck-through words were deleted, underlined ones inserted.\n"
        "- **Change chart**: each word's attribution in the edit minus in the original "
        "(deleted words go to 0, inserted ones come from 0).\n"
        "- **Suggestions**: edits the model itself proposes: deleting one to three words, or "
        "swapping one word for another chosen by the gradient (HotFlip). Every suggestion was "
        "checked by running the model on the edited text. One click applies it.",
    )
    if st.session_state.get(SOURCE_KEY) != request.text:
        st.session_state[SOURCE_KEY] = request.text
        st.session_state[TEXT_KEY] = request.text
    edited = st.text_area(
        "Edited text",
        key=TEXT_KEY,
        max_chars=2000,
        help="Starts as the sentence above. Change, add or delete words, then press "
        "Ctrl+Enter (or click outside the box) to compare.",
    )
    if not edited.strip():
        st.info("Type an edited sentence to compare it with the original.")
        return
    before = backend.attribute(request)
    after = backend.attribute(replace(request, text=edited, target=before.target_index))
    comparison = compare_texts(before, after)
    if before.head in HEAD_NOTES:
        st.caption(HEAD_NOTES[before.head])
    left, right = st.columns(2)
    left.metric(
        "Original prediction",
        before.predicted_label,
        help=f"p = {before.probabilities[before.predicted_index]:.3f}",
    )
    right.metric(
        "Edited prediction",
        after.predicted_label,
        delta="changed" if comparison.prediction_changed else None,
        delta_color="inverse",
        help=f"p = {after.probabilities[after.predicted_index]:.3f}",
    )
    st.caption(
        f"Both explain '{literal(before.target_label)}'. Its probability: "
        f"{before.target_probability:.3f} → {after.target_probability:.3f}."
    )
    st.html(alignment_html(comparison))
    st.plotly_chart(word_change_chart(comparison), key="cf_change_chart", config=CHART)

    st.markdown("**Edits that change its mind**")
    pressed = st.button(
        "Suggest edits",
        key="cf_suggest",
        help="Searches deletions of one to three words and single-word swaps, checking each "
        "with a forward pass (a few hundred edited texts; seconds on a CPU).",
    )
    if not requested(pressed, "cf_suggested", (request, before.target_index)):
        return
    with st.spinner("Trying edits ..."):
        suggestions = backend.suggest_edits(request, before.target_index)
    if suggestions.smallest_flip is None:
        st.info(suggestions.flip_note)
    else:
        st.success(literal(suggestions.flip_note))
        st.button(
            "Apply the smallest flipping edit",
            key="cf_apply_flip",
            on_click=_apply,
            args=(suggestions.smallest_flip.text,),
            help="Put this edit in the edited text box above.",
        )
    target = suggestions.target_label
    st.caption(
        f"Deletions (best {len(suggestions.deletions)} of those tried), ranked by how far they "
        f"{suggestions.direction} the probability of '{literal(target)}'."
    )
    _suggestion_rows(suggestions.deletions, "delete", target)
    st.caption("Word swaps chosen by the gradient (HotFlip), each checked by the model.")
    _suggestion_rows(suggestions.substitutions, "swap", target)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "edit": edit.description,
                    "words changed": edit.size,
                    f"p({target})": edit.target_probability,
                    "change": edit.change,
                    "prediction": edit.predicted_label,
                    "flips": edit.flips,
                }
                for edit in suggestions.deletions + suggestions.substitutions
            ]
        ),
        hide_index=True,
        key="cf_table",
    )
