"""Gold labels for many texts: accuracy, macro-F1, a confusion matrix, and where the model fails.

A CSV's label column is guessed from its name (:data:`LABEL_COLUMN_NAMES`).
Gold values are matched to the checkpoint's labels by name, ignoring case and
surrounding spaces, or as a label index when they are whole numbers that name
no label. A value the checkpoint does not know is reported with its rows and
left out of the scores; it never stops the batch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from explain.methods.batch import BatchResult, TokenMean, mean_token_scores

Outcome = Literal["correct", "wrong"]
LABEL_COLUMN_NAMES: tuple[str, ...] = (
    "label",
    "labels",
    "gold",
    "gold_label",
    "target",
    "class",
    "sentiment",
)


def guess_label_column(columns: Sequence[str], text_column: str | None = None) -> str | None:
    """The column that most likely holds gold labels, by its name.

    Args:
        columns: the CSV's column names.
        text_column: the column being explained, never picked. Default: None

    Returns:
        The first column whose name, stripped and lower-cased, is in
        :data:`LABEL_COLUMN_NAMES` (in that list's order); None when none is.
    """
    normal = {column.strip().lower(): column for column in columns if column != text_column}
    return next((normal[name] for name in LABEL_COLUMN_NAMES if name in normal), None)


def match_label(value: object, labels: Sequence[str]) -> int | None:
    """The index of the checkpoint label a gold value names, or None.

    Args:
        value: a gold value as read from the file.
        labels: the checkpoint's labels, in index order.

    Returns:
        The index of the label equal to ``value`` ignoring case and spaces;
        else ``value`` as a label index when it is a whole number in range;
        else None.
    """
    text = str(value).strip()
    folded = [label.strip().casefold() for label in labels]
    if text.casefold() in folded:
        return folded.index(text.casefold())
    try:
        number = float(text)
    except ValueError:
        return None
    if math.isfinite(number) and number.is_integer() and 0 <= number < len(labels):
        return int(number)
    return None


def _blank(value: object) -> bool:
    return (
        value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()
    )


@dataclass(frozen=True)
class GoldRow:
    """One scored text.

    Args:
        index: the text's position in the batch.
        text: the text.
        gold: the gold label's name.
        predicted: the predicted label's name.
        probability: the predicted label's probability.
    """

    index: int
    text: str
    gold: str
    predicted: str
    probability: float

    @property
    def correct(self) -> bool:
        return self.gold == self.predicted


@dataclass(frozen=True)
class UnknownLabel:
    """A gold value the checkpoint has no label for, and the rows that hold it."""

    value: str
    rows: tuple[int, ...]


@dataclass(frozen=True)
class GoldReport:
    """How well the predictions match the gold labels.

    Args:
        labels: the checkpoint's labels; the confusion matrix's order.
        rows: the scored texts, in batch order.
        confusion: ``confusion[g][p]`` counts texts with gold label ``g``
            predicted as ``p``.
        unknown: gold values no label matches, with their rows (not scored).
        blank: rows with no gold value (not scored).
        unexplained: rows the batch could not explain (not scored).
    """

    labels: tuple[str, ...]
    rows: tuple[GoldRow, ...]
    confusion: tuple[tuple[int, ...], ...]
    unknown: tuple[UnknownLabel, ...]
    blank: tuple[int, ...]
    unexplained: tuple[int, ...]

    @property
    def scored(self) -> int:
        return len(self.rows)

    @property
    def accuracy(self) -> float:
        """Share of scored texts predicted as their gold label; NaN with none scored."""
        if not self.rows:
            return math.nan
        return sum(row.correct for row in self.rows) / len(self.rows)

    def f1(self, label: str) -> float:
        """F1 of one label: ``2 TP / (2 TP + FP + FN)``; 0 when it has no TP."""
        i = self.labels.index(label)
        tp = self.confusion[i][i]
        fp = sum(self.confusion[g][i] for g in range(len(self.labels))) - tp
        fn = sum(self.confusion[i]) - tp
        return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)

    @property
    def present_labels(self) -> tuple[str, ...]:
        """Labels that occur as a gold or a predicted label of a scored text."""
        present = {row.gold for row in self.rows} | {row.predicted for row in self.rows}
        return tuple(label for label in self.labels if label in present)

    @property
    def macro_f1(self) -> float:
        """Mean F1 over :attr:`present_labels` (as scikit-learn's default); NaN with none scored."""
        present = self.present_labels
        return (
            math.fsum(self.f1(label) for label in present) / len(present) if present else math.nan
        )

    def errors_first(self) -> tuple[GoldRow, ...]:
        """The rows, wrong predictions first, each group in batch order."""
        return tuple(sorted(self.rows, key=lambda row: (row.correct, row.index)))

    def cell(self, gold: str, predicted: str) -> tuple[GoldRow, ...]:
        """The rows of one confusion-matrix cell, in batch order."""
        return tuple(row for row in self.rows if row.gold == gold and row.predicted == predicted)

    def to_dict(self) -> dict[str, object]:
        """The scores and the confusion matrix, JSON-ready (NaN becomes None)."""

        def number(value: float) -> float | None:
            return None if math.isnan(value) else value

        return {
            "labels": list(self.labels),
            "scored": self.scored,
            "accuracy": number(self.accuracy),
            "macro_f1": number(self.macro_f1),
            "confusion_matrix": [list(row) for row in self.confusion],
            "confusion_matrix_axes": "rows: gold label, columns: predicted label",
            "unknown_labels": {item.value: list(item.rows) for item in self.unknown},
            "blank_rows": list(self.blank),
            "unexplained_rows": list(self.unexplained),
        }


def gold_report(batch: BatchResult, gold: Sequence[object]) -> GoldReport:
    """Score a batch's predictions against gold labels.

    Args:
        batch: from :func:`explain.attribute_batch`.
        gold: one gold value per text of the batch, in its input order.

    Returns:
        The :class:`GoldReport`.

    Raises:
        ValueError: ``gold`` does not have one value per text.
    """
    if len(gold) != len(batch.items):
        raise ValueError(
            f"Give one gold label per text: {len(batch.items)} texts, {len(gold)} labels."
        )
    labels: tuple[str, ...] = ()
    rows: list[GoldRow] = []
    unknown: dict[str, list[int]] = {}
    blank: list[int] = []
    unexplained: list[int] = []
    for item, value in zip(batch.items, gold, strict=True):
        if item.result is None:
            unexplained.append(item.index)
            continue
        labels = item.result.labels
        if _blank(value):
            blank.append(item.index)
            continue
        matched = match_label(value, labels)
        if matched is None:
            unknown.setdefault(str(value).strip(), []).append(item.index)
            continue
        result = item.result
        rows.append(
            GoldRow(
                index=item.index,
                text=item.text,
                gold=labels[matched],
                predicted=result.predicted_label,
                probability=result.probabilities[result.predicted_index],
            )
        )
    confusion = [[0] * len(labels) for _ in labels]
    for row in rows:
        confusion[labels.index(row.gold)][labels.index(row.predicted)] += 1
    return GoldReport(
        labels=labels,
        rows=tuple(rows),
        confusion=tuple(tuple(line) for line in confusion),
        unknown=tuple(UnknownLabel(value, tuple(found)) for value, found in unknown.items()),
        blank=tuple(blank),
        unexplained=tuple(unexplained),
    )


def tokens_by_outcome(
    batch: BatchResult, report: GoldReport, k: int = 10, min_count: int = 1
) -> dict[Outcome, tuple[TokenMean, ...]]:
    """ "Tokens that speak for each label", split into correct and wrong predictions.

    Args:
        batch: the batch the report scored.
        report: from :func:`gold_report`.
        k: tokens per label. Default: 10
        min_count: leave out tokens seen fewer times than this. Default: 1

    Returns:
        For ``"correct"`` and ``"wrong"``, :func:`explain.mean_token_scores`
        over the scored texts with that outcome.
    """
    correct = {row.index: row.correct for row in report.rows}
    results = {item.index: item.result for item in batch.items if item.result is not None}
    return {
        outcome: mean_token_scores(
            [results[i] for i, right in correct.items() if right == (outcome == "correct")],
            k,
            min_count,
        )
        for outcome in ("correct", "wrong")
    }
