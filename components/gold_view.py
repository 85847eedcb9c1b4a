"""Gold labels in Many texts: accuracy, macro-F1, a clickable confusion matrix, split tokens."""

from __future__ import annotations

import math

import streamlit as st

import explain
from components.markdown import literal
from explain.evaluation.gold import (
    GoldReport,
    Outcome,
    gold_report,
    guess_label_column,
    tokens_by_outcome,
)
from explain.io import readers
from explain.render.gold_figures import confusion_matrix_chart

NO_LABELS = "(no gold labels)"
CELL_KEY = "gold_confusion"


def label_column_picker(table: readers.Table, text_column: str) -> str | None:
    """The gold-label column picker for a CSV: guessed from the column names, choosable."""
    others = [column for column in table.columns if column != text_column]
    options = [NO_LABELS, *others]
    guess = guess_label_column(others)
    choice = st.selectbox(
        "Gold label column",
        options,
        index=options.index(guess) if guess else 0,
        key="batch_label_column",
        help="A column with the right answer for each text (label names such as 'positive', "
        "or label indices). Guessed from names like label, gold, target, class or sentiment. "
        "With one, the page shows accuracy, macro-F1 and a confusion matrix.",
    )
    return None if choice == NO_LABELS else choice


def report_panel(
    outcome: explain.BatchResult, gold: tuple[str, ...]
) -> tuple[GoldReport, set[int] | None]:
    """Accuracy, macro-F1 and the confusion matrix.

    Returns:
        The report, and the batch indices of the clicked cell's texts (None: no cell).
    """
    report = gold_report(outcome, gold)
    st.subheader("Against the gold labels")
    for unknown in report.unknown:
        rows = ", ".join(str(row + 1) for row in unknown.rows[:20])
        more = "" if len(unknown.rows) <= 20 else f" and {len(unknown.rows) - 20} more"
        st.warning(
            f"Gold label '{literal(unknown.value)}' is not a label of this checkpoint "
            f"({', '.join(map(literal, report.labels))}); text(s) {rows}{more} are left out of "
            "the scores."
        )
    if report.blank:
        st.caption(f"{len(report.blank)} text(s) have no gold label and are left out.")
    if not report.scored:
        st.info("No text has a gold label this checkpoint knows, so nothing can be scored.")
        return report, None
    a, b, c = st.columns(3)
    a.metric(
        "Accuracy",
        f"{report.accuracy:.1%}",
        help="Share of the scored texts whose predicted label is the gold label.",
    )
    b.metric(
        "Macro-F1",
        "n/a" if math.isnan(report.macro_f1) else f"{report.macro_f1:.3f}",
        help="The F1 score of each label (as gold or predicted), averaged with equal weight, "
        "so a rare label counts as much as a common one.",
    )
    c.metric("Scored texts", report.scored, help="Texts with a gold label the checkpoint knows.")
    event = st.plotly_chart(
        confusion_matrix_chart(report),
        key=CELL_KEY,
        on_select="rerun",
        selection_mode="points",
        config={"displaylogo": False},
    )
    points = event.selection.points if event and event.selection else []
    if not points:
        st.caption("Click a cell to list only its texts in the table below.")
        return report, None
    point = points[0]
    gold_label = report.labels[int(point["y"])]
    predicted = report.labels[int(point["x"])]
    chosen = {row.index for row in report.cell(gold_label, predicted)}
    st.caption(
        f"The table shows the {len(chosen)} text(s) with gold label '{literal(gold_label)}' "
        f"predicted as '{literal(predicted)}'. Click the cell again (or double-click the "
        "chart) to show all."
    )
    return report, chosen


def outcome_charts(outcome: explain.BatchResult, report: GoldReport, min_count: int) -> None:
    """The tokens that speak for each label, for correct and for wrong predictions."""
    split = tokens_by_outcome(outcome, report, k=10, min_count=min_count)
    titles: dict[Outcome, str] = {"correct": "Correct predictions", "wrong": "Wrong predictions"}
    for column, (name, title) in zip(st.columns(2), titles.items(), strict=True):
        with column:
            st.markdown(f"**{title}**")
            if split[name]:
                st.plotly_chart(
                    explain.mean_token_chart(split[name]),
                    key=f"gold_tokens_{name}",
                    config={"displaylogo": False},
                )
            else:
                st.caption("None, or no token seen often enough.")
