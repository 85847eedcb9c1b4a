"""Download buttons for the result on screen: JSON, CSV and a standalone HTML report."""

from __future__ import annotations

import streamlit as st

import explain
from explain import export


def export_buttons(result: explain.Attribution) -> None:
    st.subheader("Keep and share")
    st.caption(
        "The page's address now records this sentence and every setting: copy it to share "
        "this view. The downloads carry the settings, checkpoint and library versions."
    )
    json_col, csv_col, html_col = st.columns(3)
    json_col.download_button(
        "Scores as JSON",
        data=lambda: export.to_json([result]),
        file_name="tokenlight.json",
        mime="application/json",
        key="export_json",
        help="Every field of the result, readable back with explain.export.from_json.",
    )
    csv_col.download_button(
        "Scores as CSV",
        data=lambda: export.to_csv([result]),
        file_name="tokenlight.csv",
        mime="text/csv",
        key="export_csv",
        help="One row per token with its score, plus the settings and versions.",
    )
    html_col.download_button(
        "Standalone HTML report",
        data=lambda: export.html_report([result]),
        file_name="tokenlight-report.html",
        mime="text/html",
        key="export_html",
        help="Highlighting, charts and numbers in one file (about 5 MB) that opens offline.",
    )
