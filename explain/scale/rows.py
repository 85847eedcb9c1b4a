"""The output row: one per input row, whatever became of its text.

A row's ``status`` is ``ok`` (it holds the attribution), ``input_error`` (the
text is blank or unusable, or a setting does not suit it) or ``error`` (the
explanation raised). No input row is ever dropped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd
import pyarrow as pa

from explain.core.errors import InputError
from explain.core.limits import MAX_TEXT_CHARS, too_long
from explain.core.results import Attribution
from explain.core.task_results import input_segment, summarised_segment
from explain.core.task_targets import TaskTarget
from explain.io.export import FORMAT_VERSION, from_json, result_dict
from explain.methods.batch import attribute_batch
from explain.methods.registry import attribute
from explain.model.checkpoints import LoadedModel
from explain.tasks.explain_task import explain_task
from explain.text.words import merge_words

Status = Literal["ok", "input_error", "error"]
STATUSES: tuple[Status, ...] = ("ok", "input_error", "error")
BLANK = "The text is blank. Give a text with at least one word."

ROW_SCHEMA = pa.schema(
    [
        ("row_id", pa.string()),  # "<input file name>:<row index>", stable across runs
        ("row_index", pa.int64()),  # position in the input file, from 0
        ("text", pa.string()),
        ("status", pa.string()),
        ("error", pa.string()),  # empty when status is ok
        ("predicted_label", pa.string()),
        ("target_label", pa.string()),
        ("f_input", pa.float64()),
        ("f_baseline", pa.float64()),  # null for methods with no baseline
        ("delta", pa.float64()),  # null for methods with no convergence delta
        ("tokens", pa.list_(pa.string())),
        ("scores", pa.list_(pa.float64())),
        ("result_json", pa.string()),  # the full result as one entry of today's JSON
        ("worker", pa.string()),  # "<host>:<pid>" of the process that explained it
        ("gold_label", pa.string()),  # the --label-column value; null without one
        # The page's word grouping, so a report never re-tokenises: each word's text, its
        # score (the sum of its tokens' scores), and each token's word (-1: a special token).
        ("words", pa.list_(pa.string())),
        ("word_scores", pa.list_(pa.float64())),
        ("word_ids", pa.list_(pa.int64())),
        # The result's task (sequence-classification, token-classification, zero-shot,
        # question-answering); null when the row was not explained.
        ("task", pa.string()),
    ]
)


def row_id(file_name: str, index: int) -> str:
    """The stable id of row ``index`` (from 0) of the input file ``file_name``."""
    return f"{file_name}:{index}"


def ok_row(result: Attribution) -> dict[str, object]:
    """The row of a text that was explained (id, index and worker are added by the caller).

    Its ``text`` is the input row's text (a QA model's context, not its question),
    and its words are that text's words.
    """
    own = result.text_pair if input_segment(result.task) == 1 else result.text
    return {
        "text": own,
        "status": "ok",
        "error": "",
        "predicted_label": result.predicted_label,
        "target_label": result.target_label,
        "f_input": result.f_input,
        "f_baseline": result.f_baseline,
        "delta": result.delta,
        "tokens": list(result.tokens),
        "scores": list(result.scores),
        "result_json": json.dumps(result_dict(result), ensure_ascii=False, allow_nan=False),
        **word_columns(result),
        "task": result.task,
    }


def word_columns(result: Attribution) -> dict[str, list[str] | list[float] | list[int]]:
    """The row's ``words``, ``word_scores`` and ``word_ids``, from the page's word grouping.

    For a task, only the words of the row's own text: a QA model's question
    and a zero-shot hypothesis are the same in every row, so their words would
    crowd a dataset's words per label. A sequence pair keeps both texts' words.
    """
    merged = merge_words(result, "sum")
    keep = summarised_segment(result.task)
    kept = [
        (word, score)
        for word, score, segment in zip(merged.words, merged.scores, merged.segments, strict=True)
        if keep is None or segment == keep
    ]
    word_ids = [-1] * len(result.tokens)
    for position, (word, _) in enumerate(kept):
        for index in word.token_indices:
            word_ids[index] = position
    return {
        "words": [word.text for word, _ in kept],
        "word_scores": [score for _, score in kept],
        "word_ids": word_ids,
    }


def failed_row(text: str | None, status: Status, message: str) -> dict[str, object]:
    """The row of a text that could not be explained, with the reason."""
    return {
        "text": text,
        "status": status,
        "error": message,
        "predicted_label": None,
        "target_label": None,
        "f_input": None,
        "f_baseline": None,
        "delta": None,
        "tokens": None,
        "scores": None,
        "result_json": None,
        "words": None,
        "word_scores": None,
        "word_ids": None,
        "task": None,
    }


def result_from_row(result_json: str) -> Attribution:
    """The :class:`Attribution` a row's ``result_json`` holds, exactly as it was computed.

    Raises:
        ValueError: the text is not a result written by :func:`ok_row`.
    """
    document = {
        "format": "tokenlight-attributions",
        "format_version": FORMAT_VERSION,
        "results": [json.loads(result_json)],
    }
    return from_json(json.dumps(document))[0]


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def explain_rows(
    loaded: LoadedModel,
    texts: Sequence[object],
    method: str,
    options: Mapping[str, object],
    task_target: TaskTarget | None = None,
) -> list[dict[str, object]]:
    """One row per text, in order: the length-bucketed batch path, split on failure.

    Blank or missing texts, and texts over :data:`explain.core.limits.MAX_TEXT_CHARS`,
    become ``input_error`` rows. The others go through :func:`explain.attribute_batch`;
    when a batch raises anything but a shared input error, it is split in halves and
    each half retried, down to single texts, so one text that raises becomes one
    ``error`` row and the others are still explained together. With a task
    target, each text is explained on its own (:func:`explain.explain_task`).

    Args:
        loaded: the model, loaded once per worker (for the task target's task).
        texts: the texts; None, NaN and non-strings count as blank.
        method: a name from :data:`explain.METHODS`.
        options: ``target``, ``output``, ``baseline`` and the method's settings.
        task_target: what each text's explanation targets, for a task other
            than sequence classification. Default: None

    Returns:
        Row dicts without ``row_id``, ``row_index`` and ``worker``.
    """
    rows: list[dict[str, object] | None] = [None] * len(texts)
    usable: list[int] = []
    for index, text in enumerate(texts):
        if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
            rows[index] = failed_row(text, "input_error", too_long("The text", len(text)))
        elif isinstance(text, str) and text.strip():
            usable.append(index)
        else:
            shown = text if isinstance(text, str) else None
            rows[index] = failed_row(shown, "input_error", BLANK)
    if task_target is None:
        _explain_into(loaded, [(i, str(texts[i])) for i in usable], method, options, rows)
    else:
        for index in usable:
            rows[index] = _alone(loaded, str(texts[index]), method, options, task_target)
    return [row for row in rows if row is not None]


def _explain_into(
    loaded: LoadedModel,
    items: list[tuple[int, str]],
    method: str,
    options: Mapping[str, object],
    rows: list[dict[str, object] | None],
) -> None:
    if not items:
        return
    texts = [text for _, text in items]
    settings: dict[str, Any] = dict(options)
    try:
        outcome = attribute_batch(loaded, texts, method, max_texts=len(texts), **settings)
    except InputError as error:
        # Every text failed with this one message (a setting out of range, say).
        for index, text in items:
            rows[index] = failed_row(text, "input_error", str(error))
        return
    except Exception:  # an explanation raised: find the text(s) by halving
        if len(items) == 1:
            index, text = items[0]
            rows[index] = _alone(loaded, text, method, options)
            return
        middle = len(items) // 2
        _explain_into(loaded, items[:middle], method, options, rows)
        _explain_into(loaded, items[middle:], method, options, rows)
        return
    for (index, text), item in zip(items, outcome.items, strict=True):
        if item.result is not None:
            rows[index] = ok_row(item.result)
        else:
            rows[index] = failed_row(text, "input_error", item.error or "")


def _alone(
    loaded: LoadedModel,
    text: str,
    method: str,
    options: Mapping[str, object],
    task_target: TaskTarget | None = None,
) -> dict[str, object]:
    """One text through the plain path: after the batch path raised for it, or for a task."""
    try:
        if task_target is not None:
            settings: dict[str, Any] = dict(options)  # output, baseline and the method's
            return ok_row(explain_task(loaded, text, task_target, method, **settings))
        return ok_row(attribute(loaded, text, method, **options))
    except InputError as error:
        return failed_row(text, "input_error", str(error))
    except Exception as error:
        return failed_row(text, "error", _describe(error))


def explain_frame(
    loaded: LoadedModel,
    frame: pd.DataFrame,
    method: str,
    options: Mapping[str, object],
    worker: str,
    task_target: TaskTarget | None = None,
) -> pa.Table:
    """The finished rows of a slice of the input, as both runners write them.

    Args:
        loaded: the model, loaded once per worker.
        frame: input rows with ``row_id``, ``row_index``, ``text`` and ``gold_label``
            (from :func:`explain.scale.inputs.read_texts`).
        method: a name from :data:`explain.METHODS`.
        options: ``target``, ``output``, ``baseline`` and the method's settings.
        worker: ``"<host>:<pid>"`` of the process explaining them.
        task_target: what each text's explanation targets, for a task other
            than sequence classification. Default: None

    Returns:
        One row per input row, in order, with :data:`ROW_SCHEMA`.
    """
    rows = explain_rows(loaded, frame["text"].tolist(), method, options, task_target)
    labels = frame["gold_label"] if "gold_label" in frame else [None] * len(frame)
    ids = zip(frame["row_id"], frame["row_index"], labels, strict=True)
    for row, (rid, index, gold) in zip(rows, ids, strict=True):
        row.update(row_id=rid, row_index=int(index), worker=worker, gold_label=gold)
    return to_table(rows)


def to_table(rows: Sequence[Mapping[str, object]]) -> pa.Table:
    """The rows as an Arrow table with :data:`ROW_SCHEMA` (NaN floats become nulls)."""
    columns = {field.name: [_clean(row.get(field.name)) for row in rows] for field in ROW_SCHEMA}
    return pa.Table.from_pydict(columns, schema=ROW_SCHEMA)


def _clean(value: object) -> object:
    return None if isinstance(value, float) and math.isnan(value) else value
