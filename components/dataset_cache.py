"""The Dataset mode's caches: a report and a word's texts, once per directory contents."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import streamlit as st

from explain.core.report_results import Cluster, DatasetReport
from explain.report.build import build_report, report_clusters
from explain.report.dataset_texts import WordTexts, texts_with_word
from explain.scale.dataset import part_files

MAX_REPORTS = 8  # reports kept, across sessions
MAX_WORD_TEXTS = 64  # words' text lists kept, across sessions


def stamp(directory: Path) -> str:
    """What identifies a directory's contents: its parts' names, sizes and times."""
    found = []
    for path in part_files(directory):
        try:
            status = path.stat()
        except OSError:  # a part replaced while listing: the next run sees the new one
            continue
        found.append(f"{path.name}:{status.st_size}:{status.st_mtime_ns}")
    return ",".join(found)


@st.cache_data(max_entries=MAX_REPORTS, show_spinner="Reading the results directory ...")
def _report(directory: str, contents: str, min_count: int, top: int) -> DatasetReport:
    """``contents`` is unused in the body: it keeps a rewritten directory out of the cache."""
    return build_report(directory, min_count=min_count, top=top, with_clusters=False)


def report(directory: Path, contents: str, min_count: int, top: int) -> DatasetReport:
    """The directory's report without its clusters (see :func:`with_clusters`), computed once
    per ``contents`` (its :func:`stamp`), minimum count and top."""
    return _report(str(directory), contents, min_count, top)


@st.cache_data(
    max_entries=MAX_REPORTS, show_spinner="Clustering the texts by their salient words ..."
)
def _clusters(directory: str, contents: str) -> tuple[tuple[Cluster, ...], int]:
    return report_clusters(directory)


def with_clusters(report: DatasetReport, directory: Path, contents: str) -> DatasetReport:
    """``report`` with its salience clusters, fitted once per ``contents`` (the same
    :func:`stamp` the report was read at).

    They are fitted apart, so the page shows the words before the clustering is done.

    Raises:
        InputError: the directory is no longer a results directory.
        ReportMissing: scikit-learn is not installed.
    """
    found, fitted = _clusters(str(directory), contents)
    return replace(report, clusters=found, cluster_rows=fitted)


@st.cache_data(max_entries=MAX_WORD_TEXTS, show_spinner=False)
def _texts(directory: str, contents: str, word: str, label: str, limit: int) -> WordTexts:
    return texts_with_word(Path(directory), word, label, limit)


def word_texts(directory: Path, word: str, label: str, limit: int) -> WordTexts:
    """The texts explained towards ``label`` that hold ``word``, highest score first."""
    return _texts(str(directory), stamp(directory), word, label, limit)
