"""Dataset: open a results directory and see what its explanations say.

Words per label, shortcut candidates, clusters and, with gold labels, the
mistakes, as sortable tables and charts. :mod:`explain.report` computes them,
:mod:`explain.render.report_figures` draws them; this module only lays out.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

import explain
from components import dataset_cache, demo_mode, word_texts
from components.markdown import literal
from explain.core.report_results import DatasetReport, WordStat
from explain.core.task_results import DEFAULT_TASK
from explain.model.checkpoints import allowed_roots
from explain.render import report_figures
from explain.render.task_figures import LABEL_MEANINGS, task_words
from explain.report.build import DEFAULT_TOP
from explain.scale.directories import check_results_directory

LAST_RESULTS = "last_results_dir"  # where Many texts' save button wrote its run
DIR_KEY = "dataset_dir"
DEFAULT_MIN_COUNT = 3  # lower than the CLI's 5: a run saved from Many texts is small
KEPT = "dataset_kept"  # the directory last opened, kept while other modes are shown
KEPT_SETTINGS = "dataset_kept_settings"  # the minimum count and top, kept likewise


def dataset_panel() -> None:
    """The whole Dataset mode: the directory, its settings, and the report's sections."""
    st.subheader("Explore a results directory")
    st.caption(
        "A results directory is what `tokenlight explain --file F --column C --out DIR` "
        "writes, or what Many texts saves. Its stored scores are read as they are: "
        "nothing is explained again. Words are compared lowercased."
    )
    st.sidebar.caption(
        "The Dataset mode reads stored explanations, so the explanation settings above are "
        "not used here; they apply to One text and Many texts."
    )
    directory = directory_or_stop()
    kept = st.session_state.get(KEPT_SETTINGS, (DEFAULT_MIN_COUNT, DEFAULT_TOP))
    left, right = st.columns(2)
    min_count = left.number_input(
        "Seen in at least (texts)",
        min_value=1,
        max_value=1_000_000,
        value=kept[0],
        key="dataset_min_count",
        help="Leave out words held by fewer texts than this, in every table: a mean over "
        "one or two texts is an anecdote.",
    )
    top = right.number_input(
        "Words per table",
        min_value=1,
        max_value=500,
        value=kept[1],
        key="dataset_top",
        help="The most words listed per label, shortcut candidates and error words per label pair.",
    )
    st.session_state[KEPT_SETTINGS] = (int(min_count), int(top))
    contents = dataset_cache.stamp(directory)
    try:
        report = dataset_cache.report(directory, contents, int(min_count), int(top))
    except explain.InputError as error:  # not a results directory after all
        st.info(str(error))
        st.stop()
    except explain.TokenlightError as error:  # the [report] extra is missing
        st.error(str(error))
        st.stop()
    overview(report)
    words_section(report, directory)
    shortcuts_section(report)
    clusters_slot = st.container()  # filled last: the clusters are fitted after the rest shows
    errors_section(report)
    with clusters_slot:
        try:
            clustered = dataset_cache.with_clusters(report, directory, contents)
        except explain.TokenlightError as error:
            st.subheader("Clusters of texts")
            st.info(str(error))
        else:
            clusters_section(clustered)


def directory_or_stop() -> Path:
    """The directory typed (or just saved by Many texts), checked; stops the page otherwise."""
    last: str | None = st.session_state.get(LAST_RESULTS)
    demo = demo_mode.policy()
    if demo is not None and not demo.typed_directories:
        if not last:
            st.info(
                "In this demo, the Dataset view opens the run you save from Many texts: "
                "explain a few texts there, then press 'Save as a results directory'."
            )
            st.stop()
        st.caption(f"The run saved from Many texts: {literal(last)}")
        return check_results_directory(last, None)
    typed = st.text_input(
        "Results directory",
        value=st.session_state.get(KEPT, last or ""),
        key=DIR_KEY,
        max_chars=1000,
        placeholder="/path/to/results",
        help="The --out directory of `tokenlight explain`, or one saved from Many texts. "
        "The server opens directories only under the roots its operator allows "
        "(TOKENLIGHT_ALLOWED_ROOTS). Press Enter to open it.",
    ).strip()
    if last and typed != last:
        st.button(
            "Open the run Many texts just saved",
            key="dataset_use_last",
            on_click=lambda: st.session_state.update({DIR_KEY: last}),
            help=f"Open {literal(last)}.",
        )
    st.session_state[KEPT] = typed  # the widget's own entry goes when another mode is shown
    if not typed:
        st.info(
            "Type the path of a results directory and press Enter, or save a run from "
            "Many texts first."
        )
        st.stop()
    try:
        # The page wrote the directory it just saved: it needs no roots check.
        return check_results_directory(typed, None if typed == last else allowed_roots())
    except explain.TokenlightError as error:
        st.info(str(error))
        st.stop()


def overview(report: DatasetReport) -> None:
    """What was read, and with which settings."""
    skipped = report.rows - report.ok_rows
    st.success(
        f"Read {report.rows} row(s): {report.ok_rows} explained"
        + (
            f", {skipped} not (blank texts or errors; see their `error` column)."
            if skipped
            else "."
        )
    )
    st.caption(
        f"Explained by {literal(report.method or 'an unknown method')} with checkpoint "
        f"{literal(report.checkpoint or 'unknown')}. "
        + (
            "Each label's words come from the texts explained towards it (the predicted "
            "label, unless the job set a target)."
            if report.task == DEFAULT_TASK
            else f"The rows explain {task_words(report.task)}: {LABEL_MEANINGS[report.task]}."
        )
    )


def words_section(report: DatasetReport, directory: Path) -> None:
    """Per label: the word table (click a word to list its texts) and its chart."""
    st.subheader("Words that drive each label")
    labels = list(report.labels)
    if not labels:
        st.info("No explained rows to summarise.")
        return
    label = st.selectbox(
        "Label",
        labels,
        key="dataset_label",
        help="The explained label whose words are listed: each text counts towards the "
        "label it was explained for.",
    )
    stats = report.labels[label]
    if not stats:
        st.info(
            f"No word is held by at least {report.min_count} text(s) explained towards "
            f"'{literal(label)}'; lower 'Seen in at least'."
        )
        return
    st.caption(
        "Click a column header to sort. Select a row to list the texts holding that word, "
        "highest score first."
    )
    table_key = f"dataset_words_{labels.index(label)}"
    chosen = st.dataframe(
        word_frame(stats),
        key=table_key,
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        column_config={
            "word": st.column_config.TextColumn("word", help="The word, lowercased."),
            "count": st.column_config.NumberColumn(
                "count", help="The texts explained towards this label that hold the word."
            ),
            "mean score": st.column_config.NumberColumn(
                "mean score",
                format="%.4g",
                help="The word's mean score towards the label over those texts (a word "
                "repeated in a text scores the sum of its occurrences).",
            ),
            "95% CI low": st.column_config.NumberColumn(
                "95% CI low",
                format="%.4g",
                help="The lower end of the mean's 95 % confidence interval (Student's t); "
                "empty for a word seen once.",
            ),
            "95% CI high": st.column_config.NumberColumn(
                "95% CI high", format="%.4g", help="The upper end of the interval."
            ),
            "share": st.column_config.NumberColumn(
                "share",
                format="percent",
                help="The word's part of the label's total attribution (negative when it "
                "works against the label).",
            ),
        },
        width="stretch",
    )
    st.plotly_chart(
        report_figures.word_chart(label, stats),
        key=f"dataset_words_chart_{labels.index(label)}",
        config={"displaylogo": False},
    )
    rows = chosen.selection.rows if chosen else []
    if rows and rows[0] < len(stats):
        word_texts.texts_panel(directory, stats[rows[0]].word, label, report)


def word_frame(stats: tuple[WordStat, ...]) -> pd.DataFrame:
    """The word table's rows."""
    return pd.DataFrame(
        [
            {
                "word": stat.word,
                "count": stat.count,
                "mean score": stat.mean_score,
                "95% CI low": stat.ci_low,
                "95% CI high": stat.ci_high,
                "share": stat.share,
            }
            for stat in stats
        ],
        columns=["word", "count", "mean score", "95% CI low", "95% CI high", "share"],
    )


def shortcuts_section(report: DatasetReport) -> None:
    """Shortcut candidates: words the model leans on that the data ties to one label."""
    st.subheader("Shortcut candidates")
    st.caption(
        "Words the model relies on for a label (a high mean score when present) that are "
        "also strongly tied to that label in the data (local mutual information, Du et al. "
        "2021). A user handle or a product name here deserves a look. `tokenlight report "
        "DIR --confirm N` checks them by deleting the word."
    )
    if not report.shortcuts:
        st.info("No candidates: no word is held by enough texts. Lower 'Seen in at least'.")
        return
    confirmed = any(shortcut.confirmed for shortcut in report.shortcuts)
    frame = pd.DataFrame(
        [
            {
                "word": s.word,
                "label": s.label,
                "score": s.score,
                "count": s.count,
                "reliance": s.reliance,
                "association": s.association,
                **(
                    {"flip rate": s.flip_rate, "probability drop": s.mean_probability_drop}
                    if confirmed
                    else {}
                ),
            }
            for s in report.shortcuts
        ]
    )
    st.dataframe(
        frame,
        key="dataset_shortcuts",
        hide_index=True,
        column_config={
            "word": st.column_config.TextColumn("word", help="The word, lowercased."),
            "label": st.column_config.TextColumn("label", help="The label it drives."),
            "score": st.column_config.NumberColumn(
                "score",
                format="%.3f",
                help="The ranking score, from 0 to 1: high reliance and high association together.",
            ),
            "count": st.column_config.NumberColumn("count", help="The texts that hold the word."),
            "reliance": st.column_config.NumberColumn(
                "reliance",
                format="%.4g",
                help="The word's mean score towards the label, in the texts explained "
                "towards it that hold the word.",
            ),
            "association": st.column_config.NumberColumn(
                "association",
                format="%.3g",
                help="Local mutual information between the word's presence and the "
                "predicted label being this label.",
            ),
            "flip rate": st.column_config.NumberColumn(
                "flip rate",
                format="percent",
                help="Of the sampled texts holding the word, the share whose prediction "
                "changed once it was deleted (--confirm).",
            ),
            "probability drop": st.column_config.NumberColumn(
                "probability drop",
                format="%.3f",
                help="The mean drop of the label's probability once the word was deleted.",
            ),
        },
        width="stretch",
    )
    st.plotly_chart(
        report_figures.shortcut_chart(report.shortcuts),
        key="dataset_shortcuts_chart",
        config={"displaylogo": False},
    )


def clusters_section(report: DatasetReport) -> None:
    """Salience clusters: texts whose most salient words are alike."""
    st.subheader("Clusters of texts")
    st.caption(
        "Texts grouped by their most salient words (each text's top words as a unit "
        "vector, KMeans), as LIT does it (Ebert et al. 2022)"
        + (f"; fitted on {report.cluster_rows} rows." if report.cluster_rows else ".")
    )
    if not report.clusters:
        st.info("Too few explained texts to cluster.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {"cluster": c.index + 1, "texts": c.size, "top words": ", ".join(c.top_words)}
                for c in report.clusters
            ]
        ),
        key="dataset_clusters",
        hide_index=True,
        column_config={
            "cluster": st.column_config.NumberColumn("cluster", help="Largest first."),
            "texts": st.column_config.NumberColumn("texts", help="The texts in the cluster."),
            "top words": st.column_config.TextColumn(
                "top words", help="Its most weighted words, strongest first."
            ),
        },
        width="stretch",
    )
    for cluster in report.clusters:
        with st.expander(f"Cluster {cluster.index + 1}: {', '.join(cluster.top_words[:5])}"):
            for example in cluster.texts:
                st.markdown(f"- {literal(example.text)}")


def errors_section(report: DatasetReport) -> None:
    """With gold labels: accuracy, the confusion matrix and the words behind mistakes."""
    errors = report.errors
    if errors is None:
        st.caption(
            "No gold labels in this directory. Give `tokenlight explain` a --label-column "
            "to see accuracy, a confusion matrix and the words behind mistakes."
        )
        return
    st.subheader("Mistakes")
    st.metric(
        "Accuracy",
        f"{errors.accuracy:.1%}",
        help=f"Over the {errors.rows} explained texts with a gold label.",
    )
    st.plotly_chart(
        report_figures.confusion_heatmap(errors),
        key="dataset_confusion",
        config={"displaylogo": False},
    )
    if not errors.words:
        st.info("No word is over-represented in the mistakes (or there are none).")
        return
    st.caption("Words over-represented in the attributions of wrong predictions, by label pair.")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "gold": w.gold_label,
                    "predicted": w.predicted_label,
                    "word": w.word,
                    "count": w.count,
                    "in mistakes": w.wrong_rate,
                    "in right predictions": w.right_rate,
                    "lift": w.lift,
                }
                for w in errors.words
            ]
        ),
        key="dataset_error_words",
        hide_index=True,
        column_config={
            "gold": st.column_config.TextColumn("gold", help="The true label."),
            "predicted": st.column_config.TextColumn(
                "predicted", help="The label the model wrongly gave."
            ),
            "word": st.column_config.TextColumn("word", help="The word, lowercased."),
            "count": st.column_config.NumberColumn(
                "count", help="The mistaken texts of this pair that hold the word."
            ),
            "in mistakes": st.column_config.NumberColumn(
                "in mistakes",
                format="percent",
                help="The share of this pair's mistakes that hold the word.",
            ),
            "in right predictions": st.column_config.NumberColumn(
                "in right predictions",
                format="percent",
                help="The share of the texts rightly predicted as the predicted label that "
                "hold the word.",
            ),
            "lift": st.column_config.NumberColumn(
                "lift", format="%.2f", help="In mistakes over in right predictions."
            ),
        },
        width="stretch",
    )
