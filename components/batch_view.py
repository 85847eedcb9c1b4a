"""Many texts at once: pasted lines or an uploaded TXT/CSV, a sortable table, a summary chart."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

import explain
from components import backend, demo_mode, gold_view
from components.inputs import MODE_ONE
from components.markdown import literal
from components.session_state import LINK_VALUES
from explain.core.limits import MAX_TEXT_CHARS
from explain.evaluation.gold import GoldReport
from explain.io import export, readers
from explain.io.demo import batch_caps, size_words
from explain.methods.batch import top_tokens
from explain.scale.batch_directory import save_batch

MAX_PASTE_CHARS = 200_000
NO_LABEL = "(none)"  # a multi-label row with no label at or above the threshold
ORDER_KEY = "batch_order"  # the batch indices of the table's rows, as shown
LAST_RESULTS_DIR = "last_results_dir"  # the path (str) the Dataset mode opens as "just written"
SAVED_KEY = "batch_saved"  # (batch request, directory): shows the path beside its own batch
EXAMPLE_LINES = (
    "I would never trust a self-driving car to take my kids to school.\n"
    "The new update made my phone so much faster, love it!\n"
    "Traffic again this morning. Stuck for an hour.\n"
    "Not bad at all for the price."
)


@dataclass(frozen=True)
class BatchRequest:
    """One batch the user asked for: the sidebar's choices and the texts."""

    request: explain.AttributionRequest
    texts: tuple[str, ...]
    source: str
    gold: tuple[str, ...] | None = None


def read_texts(with_gold: bool = True) -> tuple[readers.Texts | None, tuple[str, ...] | None]:
    """The batch's input widgets; returns the texts read (None for none yet) and their
    gold labels (None without a label column, or when ``with_gold`` is False: a task's
    batch has no gold labels to score).

    At most 1,000 texts (50 in a demo) are kept; :attr:`readers.Texts.limit_notice`
    says what was cut. Files are read up to 1 MB (200 KB in a demo).
    """
    demo = demo_mode.policy()
    max_texts, max_bytes = batch_caps(demo)
    in_demo = " in this demo" if demo is not None else ""
    source = st.radio(
        "Texts from",
        ["Paste lines", "Upload a file"],
        horizontal=True,
        key="batch_source",
        help=f"One text per line, or a .txt file (one per line) or a .csv file (pick the "
        f"column). At most {max_texts:,} texts and {size_words(max_bytes)} per batch{in_demo}, "
        f"and {MAX_TEXT_CHARS:,} characters per text.",
    )
    if source == "Paste lines":
        pasted = st.text_area(
            "Texts, one per line",
            value=EXAMPLE_LINES,
            height=160,
            max_chars=MAX_PASTE_CHARS,
            key="batch_text",
            help=f"Empty lines are skipped. At most {max_texts:,} lines{in_demo} of at most "
            f"{MAX_TEXT_CHARS:,} characters each.",
        )
        try:
            return readers.pasted(pasted, max_texts), None
        except explain.TokenlightError as error:  # a line over the text limit
            st.error(str(error))
            return None, None
    upload = st.file_uploader(
        "TXT or CSV file",
        type=["txt", "csv"],
        key="batch_file",
        help=f"UTF-8 (or Latin-1) text. At most {size_words(max_bytes)} and {max_texts:,} "
        f"texts{in_demo}.",
        max_upload_size=math.ceil(max_bytes / 1_000_000) if demo is not None else None,
    )
    if upload is None:
        return None, None
    try:
        if not readers.is_table(upload.name):
            return readers.read_lines(upload.name, upload.getvalue(), max_texts, max_bytes), None
        table = readers.read_table(upload.name, upload.getvalue(), max_bytes)
    except explain.TokenlightError as error:
        st.error(str(error))
        return None, None
    columns = list(table.columns)
    column = st.selectbox(
        "Text column",
        columns,
        index=columns.index(table.text_column),
        key="batch_column",
        help="The column holding the texts to explain. Empty cells are skipped.",
    )
    label_column = gold_view.label_column_picker(table, column) if with_gold else None
    gold = None if label_column is None else table.labels(label_column, column, max_texts)
    try:
        return table.texts(column, max_texts), gold
    except explain.TokenlightError as error:  # a cell over the text limit
        st.error(str(error))
        return None, None


def batch_panel(
    current: explain.AttributionRequest, threshold: float = explain.MULTI_LABEL_THRESHOLD
) -> None:
    """The whole batch view: input, Run, progress, table, summary chart and downloads.

    ``threshold`` decides a multi-label head's predicted label sets.
    """
    st.subheader("Explain many texts")
    task = current.task_target is not None
    st.caption(
        "Every text is explained with the checkpoint and settings in the sidebar"
        + (
            ", and what to explain above, one text at a time."
            if task
            else ". Layer Integrated Gradients runs texts of similar length together in one pass."
        )
    )
    read, gold = read_texts(with_gold=not task)
    texts, source = (read.texts, read.source) if read else ((), "")
    if read is not None and read.limit_notice:
        st.warning(read.limit_notice)
    st.caption(f"{len(texts)} text(s) ready from {source}." if texts else "No texts yet.")
    if st.button(
        "Run batch",
        type="primary",
        key="batch_run",
        disabled=not texts,
        help="Explain every text. The table and chart below update when it finishes.",
    ):
        st.session_state["batch_request"] = BatchRequest(current, texts, source, gold)
    asked: BatchRequest | None = st.session_state.get("batch_request")
    if asked is None:
        st.info("Paste some lines or upload a file, then press **Run batch**.")
        return
    if asked.request != current or asked.texts != texts or asked.gold != gold:
        st.caption("The texts or settings changed since the last batch: press **Run batch**.")
    bar = st.progress(0.0, text="Explaining ...")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Explained {done} of {total} texts ...")

    request = asked.request
    try:
        with demo_mode.one_at_a_time():
            outcome = backend.attribute_batch(request, asked.texts, progress)
    except explain.TokenlightError as error:
        bar.empty()
        st.error(str(error))
        return
    bar.empty()
    batch_note(outcome)
    report, only = (
        (None, None) if asked.gold is None else gold_view.report_panel(outcome, asked.gold)
    )
    results_table(outcome, request, report, only, threshold)
    summary_chart(outcome, report if report is not None and report.scored else None)
    batch_downloads(outcome, threshold)
    save_directory(outcome, asked)


def batch_note(outcome: explain.BatchResult) -> None:
    """How many texts were explained, how fast, and which were skipped and why."""
    done = len(outcome.results)
    st.success(
        f"Explained {done} of {len(outcome.items)} texts in {outcome.seconds:.2f} s "
        f"({done / max(outcome.seconds, 1e-9):.1f} texts per second)."
    )
    for item in outcome.failures:
        shown = item.text if len(item.text) <= 60 else item.text[:60] + "..."
        st.warning(f"Text {item.index + 1}, '{literal(shown)}', was skipped: {item.error}")


def results_table(
    outcome: explain.BatchResult,
    request: explain.AttributionRequest,
    report: GoldReport | None = None,
    only: set[int] | None = None,
    threshold: float = explain.MULTI_LABEL_THRESHOLD,
) -> None:
    """The sortable table of every explained text; with gold labels, wrong predictions first.

    A multi-label head's row lists its predicted label set (every label at or
    above ``threshold``); a regression head's its predicted score.

    Args:
        outcome: the batch.
        request: its choices, for opening a row in the one-text view.
        report: the gold-label scores, if the input had labels. Default: None
        only: show only these texts (by batch index), from a confusion-matrix
            cell. Default: None, every text
        threshold: a multi-label head's threshold. Default: 0.5
    """
    gold = {row.index: row for row in report.rows} if report is not None else {}
    shown: list[tuple[explain.BatchItem, explain.Attribution]] = [
        (item, item.result) for item in outcome.items if item.result is not None
    ]
    if report is not None:
        order = {row.index: rank for rank, row in enumerate(report.errors_first())}
        shown.sort(key=lambda pair: order.get(pair[0].index, len(order) + pair[0].index))
    if only is not None:
        shown = [pair for pair in shown if pair[0].index in only]
    st.session_state[ORDER_KEY] = [item.index for item, _ in shown]
    rows = [
        {
            "#": item.index + 1,
            **(
                {
                    "gold": gold[item.index].gold if item.index in gold else None,
                    "correct": gold[item.index].correct if item.index in gold else None,
                }
                if report is not None
                else {}
            ),
            "text": item.text,
            **prediction_cells(result, threshold),
            "explained": result.target_label,
            "top tokens": ", ".join(
                f"{token} ({score:+.3f})" for token, score in top_tokens(result)
            ),
            "delta": result.relative_delta,
        }
        for item, result in shown
    ]
    for row in rows:  # a token classifier's entity list is long: last, after the scores
        if "entities" in row:
            row["entities"] = row.pop("entities")
    st.caption(
        "Click a column header to sort. Select a row to open that text in the one-text view, "
        "with the same settings."
    )
    st.dataframe(
        pd.DataFrame(rows),
        key="batch_table",
        on_select=lambda: open_selected(outcome, request),
        selection_mode="single-row",
        hide_index=True,
        column_config={
            "probability": st.column_config.ProgressColumn(
                "probability", min_value=0.0, max_value=1.0, format="percent"
            ),
            "predicted labels": st.column_config.TextColumn(
                "predicted labels",
                help=f"Every label whose sigmoid probability is at or above the threshold "
                f"{threshold:.2f}; '(none)' when no label reaches it.",
            ),
            "explained probability": st.column_config.ProgressColumn(
                "explained probability",
                min_value=0.0,
                max_value=1.0,
                format="percent",
                help="The explained label's own probability: a sigmoid for a multi-label "
                "head; for a token classifier, the label's probability averaged over the "
                "span's tokens.",
            ),
            "score": st.column_config.NumberColumn(
                "score", format="%.4g", help="The regression head's predicted score."
            ),
            "entities": st.column_config.TextColumn(
                "entities",
                help="The entities the model predicts in the text, grouped as Hugging Face's "
                "token-classification pipeline groups them, with their entity groups.",
            ),
            "span": st.column_config.TextColumn(
                "span", help="The explained entity's text: the tokens whose output is explained."
            ),
            "answer score": st.column_config.ProgressColumn(
                "answer score",
                min_value=0.0,
                max_value=1.0,
                format="percent",
                help="The answer's probability, as the question-answering pipeline scores it.",
            ),
            "top tokens": st.column_config.TextColumn(
                "top tokens",
                help="The three text tokens with the highest scores: for signed methods, those "
                "that raised the explained label most; for unsigned ones (saliency, attention), "
                "those that mattered most.",
            ),
            "delta": st.column_config.NumberColumn(
                "relative delta",
                format="%.2e",
                help="|delta| / |F(input) - F(baseline)|: how well the scores add up.",
            ),
        },
        width="stretch",
    )


def prediction_cells(result: explain.Attribution, threshold: float) -> dict[str, object]:
    """A row's prediction columns: label and probability, label set, or score; for a
    token classifier its entities and the explained span, for a QA model its answer."""
    info = result.task_info
    if isinstance(info, explain.TokenClassificationInfo):
        return {
            "entities": "; ".join(
                f"{result.text[e.start : e.end]} ({e.label})" for e in info.entities
            ),
            "span": result.text[info.start : info.end],
            "explained probability": result.target_probability,
        }
    if isinstance(info, explain.QuestionAnsweringInfo):
        return {"answer": info.answer.text, "answer score": info.answer.score}
    if result.head == "regression":
        return {"score": result.probabilities[0]}
    if result.head == "multi_label":
        return {
            "predicted labels": ", ".join(result.predicted_labels_at(threshold)) or NO_LABEL,
            "explained probability": result.target_probability,
        }
    return {
        "predicted": result.predicted_label,
        "probability": result.probabilities[result.predicted_index],
    }


def open_selected(outcome: explain.BatchResult, request: explain.AttributionRequest) -> None:
    """Callback: show the selected row's text in the one-text view."""
    selection = st.session_state.get("batch_table")
    rows = selection.selection.rows if selection else []
    if not rows:
        return
    order = st.session_state.get(ORDER_KEY, [])
    if rows[0] >= len(order):
        return
    text = outcome.items[order[rows[0]]].text
    values = st.session_state.setdefault(LINK_VALUES, {})
    values["text"] = text
    st.session_state.pop("text", None)  # the text box takes its value from LINK_VALUES again
    target = request.task_target
    if isinstance(target, explain.TokenTarget):  # the entity pickers show the batch's entity
        values.update(entity=target.entity, entity_label=target.label or "")
        values.pop("token", None)  # a link's token would be picked instead
        for key in ("entity", "entity_label", "token"):
            st.session_state.pop(key, None)
    # Set through session state, so the browser's radio shows the switch too; a
    # re-created radio would keep showing its old choice there.
    st.session_state["mode"] = MODE_ONE
    st.session_state["request"] = replace(request, text=text, text_pair=None)


def summary_chart(outcome: explain.BatchResult, report: GoldReport | None = None) -> None:
    """ "Tokens that speak for each label"; with gold labels, for correct and wrong predictions."""
    results = outcome.results
    if not results:
        return
    st.subheader("Tokens that speak for each label")
    st.caption(
        "For each label, the tokens with the highest mean score across the texts that were "
        "explained towards it (the predicted label, unless a target is set)."
        + (" Split by whether the prediction matched the gold label." if report else "")
    )
    min_count = st.number_input(
        "Seen at least",
        min_value=1,
        max_value=50,
        value=2 if len(results) >= 20 else 1,
        key="batch_min_count",
        help="Leave out tokens that occur fewer times than this: a mean over one text "
        "is an anecdote.",
    )
    if report is not None:
        gold_view.outcome_charts(outcome, report, int(min_count))
        return
    means = explain.mean_token_scores(results, k=10, min_count=int(min_count))
    if not means:
        st.info("No token occurs often enough; lower 'Seen at least'.")
        return
    st.plotly_chart(
        explain.mean_token_chart(means), key="batch_summary", config={"displaylogo": False}
    )


def batch_downloads(
    outcome: explain.BatchResult, threshold: float = explain.MULTI_LABEL_THRESHOLD
) -> None:
    results = list(outcome.results)
    if not results:
        return
    left, right = st.columns(2)
    left.download_button(
        "All scores as JSON",
        data=lambda: export.to_json(results, threshold),
        file_name="tokenlight-batch.json",
        mime="application/json",
        key="batch_json",
        help="Every result with its settings, readable back with explain.io.export.from_json.",
    )
    right.download_button(
        "All scores as CSV",
        data=lambda: export.to_csv(results, threshold),
        file_name="tokenlight-batch.csv",
        mime="text/csv",
        key="batch_csv",
        help="One row per token of every text, with the settings, versions and each "
        "text's predicted label set.",
    )


def save_directory(outcome: explain.BatchResult, asked: BatchRequest) -> None:
    """The button that saves the batch as a results directory, and the path it wrote."""
    if st.button(
        "Save as a results directory",
        key="batch_save_dir",
        help="Write this batch as the results directory that `tokenlight explain --file F "
        "--column C --out DIR` writes: Parquet rows with their words and gold labels, and "
        "_manifest.json with these settings. It goes under the cache directory's results/ "
        "folder, and the Dataset mode and `tokenlight report` read it.",
    ):
        label_column = st.session_state.get("batch_label_column") if asked.gold else None
        try:
            summary = save_batch(outcome, asked.request, asked.source, asked.gold, label_column)
        except explain.TokenlightError as error:
            st.error(str(error))
            return
        st.session_state[LAST_RESULTS_DIR] = str(summary.out)
        st.session_state[SAVED_KEY] = (asked, str(summary.out))
    saved = st.session_state.get(SAVED_KEY)
    if saved is not None and saved[0] == asked:
        st.success(
            f"Saved {len(outcome.items)} rows to the results directory below. The Dataset "
            "mode can open it, and `tokenlight report` reads it."
        )
        st.code(saved[1], language=None)
