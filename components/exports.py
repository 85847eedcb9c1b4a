"""Download buttons for the result on screen: JSON, CSV and a standalone HTML report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import streamlit as st

import explain
from explain.io import export
from explain.io.notebook import to_notebook

Writer = Callable[[Sequence[explain.Attribution]], str]

# (label, writer, file name, MIME type, widget key, help text)
DOWNLOADS: tuple[tuple[str, Writer, str, str, str, str], ...] = (
    (
        "Scores as JSON",
        export.to_json,
        "tokenlight.json",
        "application/json",
        "export_json",
        "Every field of the result, readable back with explain.io.export.from_json.",
    ),
    (
        "Scores as CSV",
        export.to_csv,
        "tokenlight.csv",
        "text/csv",
        "export_csv",
        "One row per token with its score, plus the settings and versions.",
    ),
    (
        "Standalone HTML report",
        export.html_report,
        "tokenlight-report.html",
        "text/html",
        "export_html",
        "Highlighting, charts and numbers in one file (about 5 MB) that opens offline.",
    ),
    (
        "Notebook (.ipynb)",
        lambda results: to_notebook(results[0]),
        "tokenlight.ipynb",
        "application/x-ipynb+json",
        "export_ipynb",
        "A Jupyter notebook that loads the checkpoint, computes this explanation again with "
        "the same settings, checks the numbers, and draws the highlighting and the bar chart. "
        "For Layer IG it also checks the result against plain Captum.",
    ),
)


def export_buttons(result: explain.Attribution) -> None:
    st.subheader("Keep and share")
    st.caption(
        "The page's address now records this sentence and every setting: copy it to share "
        "this view. The downloads carry the settings, checkpoint and library versions."
    )
    for column, (label, writer, file_name, mime, key, help_text) in zip(
        st.columns(len(DOWNLOADS)), DOWNLOADS, strict=True
    ):
        column.download_button(
            label,
            data=partial(writer, [result]),  # written when pressed
            file_name=file_name,
            mime=mime,
            key=key,
            help=help_text,
        )
