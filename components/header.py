"""The page's configuration and title."""

from __future__ import annotations

import streamlit as st


def page_header() -> None:
    st.set_page_config(page_title="Tokenlight", page_icon="🔦", layout="wide")
    st.title("Tokenlight")
    st.caption(
        "Explain why a BERT-family text classifier predicts what it does: "
        "Layer Integrated Gradients from Captum, token by token."
    )
