"""Load the chosen checkpoint for the page, or say clearly why not and stop."""

from __future__ import annotations

import streamlit as st

import explain
from components import backend


def load_or_stop(spec: str) -> explain.LoadedModel:
    """Return the loaded model; on failure show the reason and stop this run of the page."""
    if not spec:
        st.info("Type a Hugging Face Hub id or a local directory in the sidebar, then press Enter.")
        st.stop()
    backend_caption()
    if spec == explain.BUNDLED_NAME:
        try:
            backend.ensure_bundled_built()
        except explain.TokenlightError as error:
            st.error(f"Could not build the bundled checkpoint: {error}")
            st.stop()
    try:
        with st.spinner(f"Loading {spec} ..."):
            loaded = backend.load_model(spec)
    except explain.TokenlightError as error:
        st.error(str(error))
        st.caption("Pick another checkpoint in the sidebar; the rest of the page still works.")
        st.stop()
    if spec == explain.BUNDLED_NAME:
        try:
            card = explain.read_card()
        except (OSError, ValueError, TypeError) as error:
            st.sidebar.warning(f"The bundled model card could not be read: {error}")
            return loaded
        st.sidebar.caption(
            f"Held-out accuracy {card.heldout_accuracy:.1%} on {card.heldout_rows:,} tweets it "
            f"never saw (always guessing the commonest label: {card.majority_class_accuracy:.1%})."
        )
    return loaded


def backend_caption() -> None:
    """Say in the sidebar where explanations are computed."""
    url = backend.backend_url()
    if url is None:
        st.sidebar.caption("Explanations are computed in this page's own process.")
    else:
        st.sidebar.caption(
            f"Explanations come from the attribution service at `{url}`. The model is also "
            "loaded in this page's process for the labels, the prediction, Many texts and "
            "the views that need it here: integration path, faithfulness scores, sanity "
            "check, layers and attention."
        )


def prediction_or_none(spec: str, text: str) -> explain.Prediction | None:
    """The model's prediction for ``text``, or None if there is nothing to predict on."""
    try:
        return backend.predict(spec, text)
    except explain.InputError:
        return None
