"""Build a :class:`~explain.core.report_results.DatasetReport` from a results directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from explain.core.errors import InputError
from explain.core.report_results import Cluster, DatasetReport
from explain.report.clusters import CLUSTERS, SAMPLE_ROWS, salience_clusters
from explain.report.cube import build_cube, row_counts
from explain.report.directory import open_results
from explain.report.errors import error_summary
from explain.report.shortcuts import shortcut_candidates
from explain.report.word_stats import word_stats

DEFAULT_MIN_COUNT = 5
DEFAULT_TOP = 20

Progress = Callable[[str], None]


def check_settings(min_count: int, top: int) -> None:
    """Refuse a minimum count or a top below 1.

    Raises:
        InputError: either is below 1.
    """
    if min_count < 1:
        raise InputError(f"--min-count {min_count} is below 1. Give 1 or more, such as 5.")
    if top < 1:
        raise InputError(f"--top {top} is below 1. Give 1 or more, such as 20.")


def build_report(
    directory: Path | str,
    min_count: int = DEFAULT_MIN_COUNT,
    top: int = DEFAULT_TOP,
    clusters: int = CLUSTERS,
    cluster_sample: int = SAMPLE_ROWS,
    progress: Progress | None = None,
    threads: int | None = None,
    with_clusters: bool = True,
) -> DatasetReport:
    """What a results directory's explanations say: words per label, shortcuts, clusters, errors.

    Only explained rows (``status = 'ok'``) count; words are compared lowercased.

    Args:
        directory: the directory ``tokenlight explain --out DIR`` wrote.
        min_count: the fewest rows a word must be in to be listed. Default: 5
        top: the most words listed per label, shortcut candidates, and error
            words per label pair. Default: 20
        clusters: the salience clusters asked for. Default: 6
        cluster_sample: the most rows the clusters are fitted on. Default: 20,000
        progress: called with a line before each slow step. Default: None
        threads: DuckDB's threads. Default: None, one per core.
        with_clusters: fit the salience clusters too; without, ``clusters`` is
            empty and :func:`report_clusters` fits them apart (the page shows
            the words first). Default: True

    Returns:
        The :class:`DatasetReport` (not yet confirmed; see
        :func:`explain.report.confirm.confirm_shortcuts`).

    Raises:
        InputError: the directory is not a results directory, or a setting is out
            of range.
        ReportMissing: DuckDB or scikit-learn is not installed.
    """
    check_settings(min_count, top)
    say = progress or (lambda _: None)
    with open_results(directory, threads=threads) as results:
        say(f"Reading {len(results.parts)} Parquet part(s) in {results.path} ...")
        rows, ok_rows = row_counts(results)
        build_cube(results)
        say(f"Words per label over {ok_rows} explained row(s) ...")
        labels = word_stats(results, min_count, top)
        shortcuts = shortcut_candidates(results, min_count, top)
        errors = error_summary(results, min_count, top)
        found: tuple[Cluster, ...] = ()
        fitted = 0
        if with_clusters:
            say(f"Clustering up to {cluster_sample} row(s) ...")
            found, fitted = salience_clusters(results, clusters, cluster_sample)
        return DatasetReport(
            rows=rows,
            ok_rows=ok_rows,
            labels=labels,
            shortcuts=shortcuts,
            clusters=found,
            errors=errors,
            min_count=min_count,
            top=top,
            checkpoint=results.checkpoint,
            method=results.method,
            options=results.options,
            cluster_rows=fitted,
            directory=str(results.path),
            task=results.task,
            task_target=results.task_target,
        )


def report_clusters(
    directory: Path | str,
    clusters: int = CLUSTERS,
    cluster_sample: int = SAMPLE_ROWS,
    threads: int | None = None,
) -> tuple[tuple[Cluster, ...], int]:
    """The salience clusters of a results directory alone, as :func:`build_report` fits them.

    Args:
        directory: the results directory.
        clusters: the clusters asked for. Default: 6
        cluster_sample: the most rows they are fitted on. Default: 20,000
        threads: DuckDB's threads. Default: None, one per core.

    Returns:
        ``(clusters, rows fitted on)``.

    Raises:
        InputError: the directory is not a results directory.
        ReportMissing: DuckDB or scikit-learn is not installed.
    """
    with open_results(directory, threads=threads) as results:
        return salience_clusters(results, clusters, cluster_sample)
