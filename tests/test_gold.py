"""Gold labels: the label column guessed, accuracy, macro-F1, confusion matrix, unknown values."""

from __future__ import annotations

import math

import pytest

import explain
from explain.evaluation.gold import (
    gold_report,
    guess_label_column,
    match_label,
    tokens_by_outcome,
)
from explain.methods.batch import BatchItem, BatchResult

TEXTS = [
    "the movie was great",
    "i hate this loud car",
    "the ride was smooth and quiet",
    "a terrible , awful film",
    "",
    "i love it",
    "this car is not good",
]


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["id", "text", "label"], "label"),
        (["tweet", "Sentiment"], "Sentiment"),
        (["text", " Gold "], " Gold "),
        (["text", "class", "target"], "target"),
        (["text", "score"], None),
        (["label", "text"], "label"),
    ],
)
def test_label_column_is_guessed_from_its_name(columns: list[str], expected: str | None) -> None:
    assert guess_label_column(columns, text_column="text") == expected


def test_the_text_column_is_never_the_label_column() -> None:
    assert guess_label_column(["label", "other"], text_column="label") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("positive", 1), (" NEGATIVE ", 0), (1, 1), ("0", 0), ("1.0", 1), (2, None), ("meh", None)],
)
def test_gold_values_match_labels_by_name_or_index(value: object, expected: int | None) -> None:
    assert match_label(value, ("negative", "positive")) == expected


def test_a_label_name_wins_over_an_index() -> None:
    assert match_label("1", ("0", "1")) == 1
    assert match_label("0", ("1", "0")) == 1


@pytest.fixture(scope="module")
def batch(three_label_model: explain.LoadedModel) -> BatchResult:
    return explain.attribute_batch(three_label_model, TEXTS, n_steps=4)


def test_report_counts_scores_and_reports_unknown_values(batch: BatchResult) -> None:
    gold = ["positive", "negative", "positive", "negative", "neutral", "meh", float("nan")]
    report = gold_report(batch, gold)
    assert report.unexplained == (4,)  # the empty text
    assert report.blank == (6,)
    assert [(u.value, u.rows) for u in report.unknown] == [("meh", (5,))]
    assert [row.index for row in report.rows] == [0, 1, 2, 3]
    predicted = [batch.items[i].result.predicted_label for i in range(4)]
    right = sum(p == g for p, g in zip(predicted, gold, strict=False))
    assert report.accuracy == right / 4
    assert sum(map(sum, report.confusion)) == 4
    labels = report.labels
    for row in report.rows:
        assert report.confusion[labels.index(row.gold)][labels.index(row.predicted)] >= 1
        assert row in report.cell(row.gold, row.predicted)
    errors_first = report.errors_first()
    assert [row.correct for row in errors_first] == sorted(r.correct for r in report.rows)
    data = report.to_dict()
    assert data["unknown_labels"] == {"meh": [5]}
    assert data["confusion_matrix"] == [list(line) for line in report.confusion]


def _fake_batch(three_label_model: explain.LoadedModel, predicted: list[str]) -> BatchResult:
    base = explain.attribute(three_label_model, "the car", n_steps=2)
    items = []
    for index, label in enumerate(predicted):
        probabilities = tuple(0.8 if name == label else 0.1 for name in three_label_model.labels)
        result = type(base)(
            **{
                **{f: getattr(base, f) for f in base.__dataclass_fields__},
                "probabilities": probabilities,
                "predicted_index": three_label_model.labels.index(label),
            }
        )
        items.append(BatchItem(index, f"text {index}", result))
    return BatchResult(tuple(items), 0.0)


def test_accuracy_and_macro_f1_by_hand(three_label_model: explain.LoadedModel) -> None:
    gold = ["negative", "negative", "neutral", "positive", "positive", "positive"]
    predicted = ["negative", "positive", "neutral", "positive", "negative", "positive"]
    report = gold_report(_fake_batch(three_label_model, predicted), gold)
    assert report.accuracy == pytest.approx(4 / 6)
    # negative: TP 1, FP 1, FN 1 -> 0.5; neutral: 1.0; positive: TP 2, FP 1, FN 1 -> 2/3
    assert report.f1("negative") == pytest.approx(0.5)
    assert report.f1("neutral") == pytest.approx(1.0)
    assert report.f1("positive") == pytest.approx(2 / 3)
    assert report.macro_f1 == pytest.approx((0.5 + 1 + 2 / 3) / 3)
    assert report.confusion == ((1, 0, 1), (0, 1, 0), (1, 0, 2))
    assert [row.index for row in report.errors_first()] == [1, 4, 0, 2, 3, 5]
    assert [row.index for row in report.cell("positive", "negative")] == [4]


def test_macro_f1_leaves_out_labels_never_seen(three_label_model: explain.LoadedModel) -> None:
    report = gold_report(_fake_batch(three_label_model, ["negative", "positive"]), [0, 2])
    assert report.present_labels == ("negative", "positive")
    assert report.macro_f1 == 1.0


def test_nothing_scored_gives_nan_not_an_error(three_label_model: explain.LoadedModel) -> None:
    report = gold_report(_fake_batch(three_label_model, ["negative"]), ["unknown"])
    assert math.isnan(report.accuracy)
    assert math.isnan(report.macro_f1)
    assert report.to_dict()["accuracy"] is None


def test_one_gold_value_per_text(batch: BatchResult) -> None:
    with pytest.raises(ValueError, match="one gold label per text"):
        gold_report(batch, ["positive"])


def test_tokens_split_by_outcome(batch: BatchResult) -> None:
    predicted = [item.result.predicted_label if item.result else "x" for item in batch.items]
    gold = list(predicted)
    gold[0] = next(label for label in batch.results[0].labels if label != predicted[0])
    report = gold_report(batch, gold)
    split = tokens_by_outcome(batch, report)
    wrong_tokens = {entry.token for entry in split["wrong"]}
    first = batch.items[0].result
    assert wrong_tokens <= {
        t for t, s in zip(first.tokens, first.special_tokens, strict=True) if not s
    }
    assert split["correct"]
    correct_texts = [batch.items[row.index].result for row in report.rows if row.correct]
    assert split["correct"] == explain.mean_token_scores(correct_texts)
