"""Save a Many texts batch as a results directory, the one ``--out DIR`` writes.

The dashboard's batch is already explained; this writes its rows (the same
columns, word grouping and gold labels), one Parquet part and a manifest with
the page's settings, so the Dataset view and ``tokenlight report`` read it like
any other run. The directory goes under the allowed roots, by default
``<cache dir>/results/<UTC time>``.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from explain.core.errors import InputError
from explain.methods.batch import BatchResult
from explain.methods.request import AttributionRequest
from explain.model.checkpoints import ALLOWED_ROOTS_ENV, allowed_roots
from explain.model.locations import cache_dir
from explain.scale.job import job_settings
from explain.scale.manifest import scale_versions, write_manifest
from explain.scale.rows import STATUSES, failed_row, ok_row, row_id, to_table
from explain.scale.writer import PartWriter, Summary, plain

RESULTS_DIR = "results"  # under the cache directory
BATCH_COLUMN = "text"


def new_results_dir(root: Path | None = None, now: datetime | None = None) -> Path:
    """A fresh directory name under ``root``: the UTC time and a short random suffix.

    Args:
        root: where results go. Default: ``<cache dir>/results``
        now: the time to name it by. Default: now
    """
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return (root or cache_dir() / RESULTS_DIR) / f"{stamp}-{uuid.uuid4().hex[:6]}"


def save_batch(
    outcome: BatchResult,
    request: AttributionRequest,
    source: str,
    gold: Sequence[str] | None = None,
    label_column: str | None = None,
    out: Path | None = None,
    roots: tuple[Path, ...] | None = None,
) -> Summary:
    """Write a finished batch as a results directory and return its summary.

    Args:
        outcome: the batch, from :func:`explain.attribute_batch`.
        request: its checkpoint, method and options, recorded in the manifest.
        source: where the texts came from ("pasted lines", a file name); each
            row's id is ``<source>:<index>``.
        gold: each text's gold label, in the batch's order; None for none. Default: None
        label_column: the column the gold labels came from, for the manifest.
            Default: None
        out: the directory to create; it must not exist yet.
            Default: :func:`new_results_dir`
        roots: ``out`` must lie under one of these. Default: :func:`allowed_roots`

    Returns:
        The :class:`Summary`; ``summary.out`` is the directory.

    Raises:
        InputError: ``out`` is outside the allowed roots or exists already, the
            batch is empty, or ``gold`` does not hold one label per text.
    """
    directory = (out or new_results_dir()).expanduser().resolve()
    allowed = allowed_roots() if roots is None else roots
    if not any(directory.is_relative_to(root) for root in allowed):
        raise InputError(
            f"{directory} is outside the directories results may be saved in "
            f"({', '.join(map(str, allowed))}). The operator can allow more with "
            f"{ALLOWED_ROOTS_ENV}."
        )
    if directory.exists():
        raise InputError(f"{directory} exists already. Save the batch under a new name.")
    if not outcome.items:
        raise InputError("The batch holds no texts. Run a batch first, then save it.")
    if gold is not None and len(gold) != len(outcome.items):
        raise InputError(
            f"{len(gold)} gold labels for {len(outcome.items)} texts: give one label per text."
        )
    worker = f"{socket.gethostname()}:{os.getpid()}"
    rows = []
    for item in outcome.items:
        row = (
            ok_row(item.result)
            if item.result is not None
            else failed_row(item.text, "input_error", item.error or "")
        )
        label = None if gold is None else (str(gold[item.index]).strip() or None)
        rows.append(
            row
            | {
                "row_id": row_id(source, item.index),
                "row_index": item.index,
                "worker": worker,
                "gold_label": label,
            }
        )
    directory.mkdir(parents=True)
    started = time.perf_counter()
    writer = PartWriter(directory, set())
    writer.add(to_table(rows))
    writer.flush()
    counts: dict[str, int] = {status: writer.counts.get(status, 0) for status in STATUSES}
    settings = job_settings(
        source,
        BATCH_COLUMN,
        request.checkpoint,
        request.method,
        request.options(),
        label_column,
        request.task_target,
    )
    write_manifest(
        directory,
        {
            "settings": plain(settings),
            "tuning": {"runner": "many texts"},
            "input_rows": len(outcome.items),
            "versions": scale_versions(),
            "state": "complete",
            "counts": counts,
            "seconds": outcome.seconds + time.perf_counter() - started,
        },
    )
    return Summary(directory, len(outcome.items), counts, 0, outcome.seconds)
