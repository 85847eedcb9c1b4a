"""What a dataset report found: frozen results, and the JSON contract of ``tokenlight report``.

The engine (:mod:`explain.report`) builds these from a results directory; the
render layer draws them; :func:`report_to_dict` writes the JSON contract:

- ``"rows"``: the number of rows read (every status); ``"ok_rows"``: those explained.
- ``"labels"``: each explained label to a list of ``{"word", "count", "mean_score",
  "ci_low", "ci_high", "share"}``, highest ``mean_score`` first.
- ``"shortcuts"``: a list of ``{"word", "label", "score", "count", "reliance",
  "association"}``, strongest first, plus ``"flip_rate"``, ``"mean_probability_drop"``
  and ``"sampled"`` on the candidates that ``--confirm`` checked.
- ``"clusters"``: a list of ``{"index", "size", "top_words", "texts"}``.
- with gold labels, ``"accuracy"``, ``"confusion"`` (``{"labels", "matrix"}``, rows
  gold, columns predicted) and ``"error_words"``.
- ``"settings"``: the report's settings, and the manifest's checkpoint, method and options.

Words are compared lowercased. A null ``ci_low``/``ci_high`` means the word was seen
once, so it has no interval.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from explain.core.task_results import DEFAULT_TASK, TaskName

WORDS_LOWERCASED = True
"""The report compares words lowercased: "Great" and "great" are one word."""


@dataclass(frozen=True)
class WordStat:
    """One word's attribution towards one explained label, over the rows that hold it.

    Args:
        word: the word, lowercased.
        label: the explained label (``target_label``).
        count: the rows explained towards ``label`` whose text holds the word; a word
            repeated in one text counts once, its row score being the sum of its
            occurrences' scores.
        mean_score: the mean of those row scores.
        ci_low: the lower end of the 95 % confidence interval of the mean (Student's
            t); None when ``count`` is 1.
        ci_high: the upper end; None when ``count`` is 1.
        share: the word's summed score over the label's summed absolute word scores
            (signed: a word that works against the label has a negative share).
    """

    word: str
    label: str
    count: int
    mean_score: float
    ci_low: float | None
    ci_high: float | None
    share: float


@dataclass(frozen=True)
class Shortcut:
    """A word the model both leans on for a label and that the data ties to that label.

    Args:
        word: the word, lowercased.
        label: the label it drives (the predicted label it is associated with).
        score: the ranking score (see :mod:`explain.report.shortcuts`), in [0, 1].
        count: the rows that hold the word.
        reliance: the word's mean score towards ``label`` in the rows explained
            towards ``label`` that hold it.
        association: the local mutual information between the word's presence and
            the predicted label being ``label`` (Du et al., NAACL 2021).
        flip_rate: with ``--confirm``, the share of sampled texts whose prediction
            moves away from ``label`` once the word is deleted. Default: None
        mean_probability_drop: with ``--confirm``, the mean drop of ``label``'s
            probability once the word is deleted. Default: None
        sampled: with ``--confirm``, the texts checked. Default: None
    """

    word: str
    label: str
    score: float
    count: int
    reliance: float
    association: float
    flip_rate: float | None = None
    mean_probability_drop: float | None = None
    sampled: int | None = None

    @property
    def confirmed(self) -> bool:
        """Whether ``--confirm`` checked this candidate."""
        return self.flip_rate is not None


@dataclass(frozen=True)
class ClusterText:
    """One example text of a cluster.

    Args:
        row_id: the row's id in the results directory.
        text: the text.
    """

    row_id: str
    text: str


@dataclass(frozen=True)
class Cluster:
    """A group of texts whose most salient words are alike.

    Args:
        index: the cluster's number, from 0, largest cluster first.
        size: the fitted texts in it.
        top_words: its most weighted words, strongest first.
        texts: a few of its texts, those closest to its centre first.
    """

    index: int
    size: int
    top_words: tuple[str, ...]
    texts: tuple[ClusterText, ...]


@dataclass(frozen=True)
class ErrorWord:
    """A word over-represented in the attributions of one kind of mistake.

    Args:
        word: the word, lowercased.
        gold_label: the true label of the mistaken rows.
        predicted_label: the label they were wrongly given.
        count: the mistaken rows of this pair that hold the word.
        wrong_rate: ``count`` over the mistaken rows of this pair.
        right_rate: the share of the rows rightly predicted as
            ``predicted_label`` that hold the word.
        lift: ``wrong_rate / right_rate`` (the rate among right rows is smoothed by
            one row, so a word never seen there has a finite lift).
    """

    word: str
    gold_label: str
    predicted_label: str
    count: int
    wrong_rate: float
    right_rate: float
    lift: float


@dataclass(frozen=True)
class ErrorSummary:
    """Accuracy and mistakes over the explained rows that have a gold label.

    Args:
        rows: the explained rows with a gold label.
        accuracy: the share of them whose predicted label is the gold label.
        labels: the labels of the confusion matrix, in order.
        confusion: counts, one row per gold label and one column per predicted label.
        words: words over-represented in mistakes, by (gold, predicted) pair,
            highest lift first within a pair.
    """

    rows: int
    accuracy: float
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]
    words: tuple[ErrorWord, ...] = ()


@dataclass(frozen=True)
class DatasetReport:
    """Everything ``tokenlight report`` found in one results directory.

    Args:
        rows: the rows read, every status.
        ok_rows: the rows that hold an attribution.
        labels: each explained label to its words, highest ``mean_score`` first.
        shortcuts: shortcut candidates, strongest first.
        clusters: salience clusters, largest first.
        errors: accuracy, confusion and error words; None without gold labels.
        min_count: the fewest rows a word needs to be listed.
        top: the most words listed per label, and shortcut candidates.
        checkpoint: the manifest's checkpoint.
        method: the manifest's method.
        options: the manifest's method options.
        cluster_rows: the rows the clusters were fitted on (a sample of large
            directories). Default: 0
        directory: the results directory read. Default: ``""``
        task: the task the rows explain (its labels are then entity groups,
            candidate labels, or the answer's start and end). Default:
            ``"sequence-classification"``
        task_target: the manifest's task target fields, which explain each
            row's text again; None for a sequence classifier's rows. Default: None
    """

    rows: int
    ok_rows: int
    labels: Mapping[str, tuple[WordStat, ...]]
    shortcuts: tuple[Shortcut, ...]
    clusters: tuple[Cluster, ...]
    errors: ErrorSummary | None
    min_count: int
    top: int
    checkpoint: str
    method: str
    options: Mapping[str, object] = field(default_factory=dict)
    cluster_rows: int = 0
    directory: str = ""
    task: TaskName = DEFAULT_TASK
    task_target: Mapping[str, object] | None = None


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def word_stat_to_dict(stat: WordStat) -> dict[str, Any]:
    """One entry of ``"labels"``: word, count, mean score, interval and share."""
    return {
        "word": stat.word,
        "count": stat.count,
        "mean_score": _finite(stat.mean_score),
        "ci_low": _finite(stat.ci_low),
        "ci_high": _finite(stat.ci_high),
        "share": _finite(stat.share),
    }


def shortcut_to_dict(shortcut: Shortcut) -> dict[str, Any]:
    """One entry of ``"shortcuts"``; the confirmation keys only when it was confirmed."""
    entry: dict[str, Any] = {
        "word": shortcut.word,
        "label": shortcut.label,
        "score": _finite(shortcut.score),
        "count": shortcut.count,
        "reliance": _finite(shortcut.reliance),
        "association": _finite(shortcut.association),
    }
    if shortcut.confirmed:
        entry["flip_rate"] = _finite(shortcut.flip_rate)
        entry["mean_probability_drop"] = _finite(shortcut.mean_probability_drop)
        entry["sampled"] = shortcut.sampled
    return entry


def cluster_to_dict(cluster: Cluster) -> dict[str, Any]:
    """One entry of ``"clusters"``."""
    return {
        "index": cluster.index,
        "size": cluster.size,
        "top_words": list(cluster.top_words),
        "texts": [{"row_id": t.row_id, "text": t.text} for t in cluster.texts],
    }


def error_word_to_dict(word: ErrorWord) -> dict[str, Any]:
    """One entry of ``"error_words"``."""
    return {
        "word": word.word,
        "gold_label": word.gold_label,
        "predicted_label": word.predicted_label,
        "count": word.count,
        "wrong_rate": _finite(word.wrong_rate),
        "right_rate": _finite(word.right_rate),
        "lift": _finite(word.lift),
    }


def report_to_dict(report: DatasetReport) -> dict[str, Any]:
    """The JSON contract of ``tokenlight report`` (see the module docstring), as a dict.

    Args:
        report: the report.

    Returns:
        A dict of plain JSON values (no NaN: a missing number is None).
    """
    document: dict[str, Any] = {
        "rows": report.rows,
        "ok_rows": report.ok_rows,
        "labels": {
            label: [word_stat_to_dict(stat) for stat in stats]
            for label, stats in report.labels.items()
        },
        "shortcuts": [shortcut_to_dict(s) for s in report.shortcuts],
        "clusters": [cluster_to_dict(c) for c in report.clusters],
    }
    if report.errors is not None:
        document["accuracy"] = _finite(report.errors.accuracy)
        document["confusion"] = {
            "labels": list(report.errors.labels),
            "matrix": [list(row) for row in report.errors.confusion],
        }
        document["gold_rows"] = report.errors.rows
        document["error_words"] = [error_word_to_dict(w) for w in report.errors.words]
    document["settings"] = {
        "directory": report.directory,
        "min_count": report.min_count,
        "top": report.top,
        "cluster_rows": report.cluster_rows,
        "words_lowercased": WORDS_LOWERCASED,
        "checkpoint": report.checkpoint,
        "method": report.method,
        "options": dict(report.options),
        "task": report.task,
        "task_target": None if report.task_target is None else dict(report.task_target),
    }
    return document


def report_to_json(report: DatasetReport, indent: int | None = 2) -> str:
    """:func:`report_to_dict` as JSON text.

    Args:
        report: the report.
        indent: JSON indentation; None for one line. Default: 2

    Returns:
        The JSON text (strict: no NaN or infinity).
    """
    return json.dumps(
        report_to_dict(report), indent=indent, ensure_ascii=False, allow_nan=False, default=str
    )
