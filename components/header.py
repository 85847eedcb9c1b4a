"""The page's configuration and title."""

from __future__ import annotations

import streamlit as st


def page_header() -> None:
    st.set_page_config(page_title="Tokenlight", page_icon="🔦", layout="wide")
    st.title("Tokenlight")
    st.caption(
        "Explain why a BERT-family text classifier predicts what it does, token by token: "
        "integrated gradients and fourteen more Captum methods, one text or many, with views "
        "that show how far to trust the result. Token classifiers (NER), zero-shot NLI models "
        "and extractive question-answering models are explained too."
    )
