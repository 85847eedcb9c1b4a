"""The results directory, whoever computes its rows: Parquet parts, manifest, resume, summary.

Both runners (in process, :mod:`explain.scale.local`; on Ray,
:mod:`explain.scale.dataset`) open a :class:`ResultsRun`, hand it the row
tables they compute, and close it; it writes each row id at most once, in
whole parts, keeps ``_manifest.json`` up to date and refuses to resume a
directory written with other settings.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from explain.core.errors import InputError, TokenlightError
from explain.scale.inputs import read_texts
from explain.scale.job import ScaleJob
from explain.scale.manifest import read_manifest, scale_versions, write_manifest
from explain.scale.rows import ROW_SCHEMA, STATUSES

PART_PREFIX = "part-"
FLUSH_ROWS = 5000  # rows held before a Parquet part is written
FLUSH_SECONDS = 60.0  # ... or this long after the last part


@dataclass(frozen=True)
class Summary:
    """What a job did: rows by status (resumed ones included) and the time it took."""

    out: Path
    total: int
    counts: Mapping[str, int]
    resumed: int
    seconds: float

    @property
    def failed(self) -> int:
        return self.total - self.counts.get("ok", 0)

    @property
    def failed_fraction(self) -> float:
        return self.failed / self.total if self.total else 0.0

    def text(self) -> str:
        """One paragraph for a person."""
        explained = self.total - self.resumed
        rate = explained / self.seconds if self.seconds > 0 else 0.0
        by_status = ", ".join(f"{status} {self.counts.get(status, 0)}" for status in STATUSES)
        return (
            f"{self.total} rows: {by_status}. Explained {explained} in {self.seconds:.1f} s "
            f"({rate:.2f} rows/s); {self.resumed} were already in {self.out}."
        )


def part_files(directory: Path) -> list[Path]:
    """The Parquet parts written in ``directory``, in name order."""
    return sorted(directory.glob(f"{PART_PREFIX}*.parquet"))


def read_rows(directory: Path, columns: list[str] | None = None) -> pa.Table:
    """Every row written in ``directory`` (``columns`` only, when given)."""
    tables = [pq.read_table(path, columns=columns) for path in part_files(directory)]
    if not tables:
        schema = (
            ROW_SCHEMA if columns is None else pa.schema([ROW_SCHEMA.field(c) for c in columns])
        )
        return schema.empty_table()
    # Parts written before a column was added to ROW_SCHEMA read with that column null.
    return pa.concat_tables(tables, promote_options="default")


class PartWriter:
    """Writes received rows as Parquet parts, each at most once per row id.

    Args:
        directory: where the parts go.
        seen: row ids already written there; the writer adds to it.
    """

    def __init__(self, directory: Path, seen: set[str]) -> None:
        self.directory = directory
        self.seen = seen
        self.run = uuid.uuid4().hex[:8]
        self.pending: list[pa.Table] = []
        self.pending_rows = 0
        self.parts = 0
        self.flushed_at = time.monotonic()
        self.counts: Counter[str] = Counter()

    def add(self, table: pa.Table) -> int:
        """Keep the rows of ``table`` not seen before; returns how many were new."""
        fresh = [
            i for i, rid in enumerate(table.column("row_id").to_pylist()) if rid not in self.seen
        ]
        if len(fresh) < table.num_rows:
            table = table.take(fresh)
        ids = table.column("row_id").to_pylist()
        self.seen.update(ids)
        self.counts.update(table.column("status").to_pylist())
        self.pending.append(table)
        self.pending_rows += len(ids)
        if self.pending_rows >= FLUSH_ROWS or time.monotonic() - self.flushed_at > FLUSH_SECONDS:
            self.flush()
        return len(ids)

    def flush(self) -> None:
        """Write what is held as one part, under a scratch name first, so parts are whole."""
        self.flushed_at = time.monotonic()
        if not self.pending_rows:
            return
        table = pa.concat_tables(self.pending).cast(ROW_SCHEMA)
        name = f"{PART_PREFIX}{self.run}-{self.parts:06d}.parquet"
        scratch = self.directory / f".{name}.tmp"
        pq.write_table(table, scratch)
        os.replace(scratch, self.directory / name)
        self.parts += 1
        self.pending, self.pending_rows = [], 0


def plain(value: object) -> object:
    """``value`` as it reads back from JSON, to compare with a manifest."""
    return json.loads(json.dumps(value, default=str))


def already_written(job: ScaleJob) -> pa.Table:
    """The ``row_id`` and ``status`` of rows in ``job.out``; refuses a mismatched directory.

    Raises:
        InputError: ``job.out`` holds results and ``job.resume`` is off, or it
            was written with other settings.
    """
    manifest = read_manifest(job.out)
    written = bool(part_files(job.out))
    if not job.resume:
        if written or manifest is not None:
            raise InputError(
                f"{job.out} already holds results. Add --resume to go on with that job, "
                "or choose another --out."
            )
        return read_rows(job.out, ["row_id", "status"])
    if manifest is not None and manifest.get("settings") != plain(job.settings()):
        raise InputError(
            f"{job.out} was written with other settings ({manifest.get('settings')}); "
            "--resume needs the same file, column, label column, checkpoint, method and "
            "options. Choose another --out for new settings."
        )
    return read_rows(job.out, ["row_id", "status"])


class ResultsRun:
    """One run writing ``job.out``: use it as a context manager around the computing.

    Opening reads the input, refuses an unusable directory and writes the
    manifest as ``running``; :meth:`add` writes rows; closing writes the last
    part and the manifest's ``state`` (``complete``, ``incomplete``, or
    ``stopped`` when the computing raised), counts and seconds.

    Args:
        job: the settings, see :class:`ScaleJob`.
        tuning: how the rows are computed, recorded in the manifest.

    Raises:
        InputError: the input or the directory is not usable.
    """

    def __init__(self, job: ScaleJob, tuning: Mapping[str, object]) -> None:
        self.job = job
        self.frame = read_texts(job.file, job.column, job.label_column)
        job.out.mkdir(parents=True, exist_ok=True)
        done = already_written(job)
        self.writer = PartWriter(job.out, set(done.column("row_id").to_pylist()))
        self.writer.counts.update(done.column("status").to_pylist())
        self.todo: pd.DataFrame = self.frame[~self.frame["row_id"].isin(self.writer.seen)]
        self.resumed = len(self.frame) - len(self.todo)
        self.manifest: dict[str, object] = {
            "settings": job.settings(),
            "tuning": dict(tuning),
            "input_rows": len(self.frame),
            "versions": scale_versions(),
            "state": "running",
        }
        self.started = time.perf_counter()
        self.seconds = 0.0
        self.missing = len(self.frame)
        write_manifest(job.out, self.manifest)

    def add(self, table: pa.Table) -> int:
        """Write the rows of ``table`` not written before; returns how many were new."""
        return self.writer.add(table)

    def __enter__(self) -> ResultsRun:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            self.writer.flush()
        finally:
            self.seconds = time.perf_counter() - self.started
            self.missing = len(self.frame) - len(self.writer.seen & set(self.frame["row_id"]))
            state = "stopped" if kind is not None else "incomplete" if self.missing else "complete"
            counts = {status: self.writer.counts.get(status, 0) for status in STATUSES}
            write_manifest(
                self.job.out,
                self.manifest | {"state": state, "counts": counts, "seconds": self.seconds},
            )

    def summary(self) -> Summary:
        """The :class:`Summary` of the closed run.

        Raises:
            TokenlightError: some input rows were never written; ``--resume`` goes on.
        """
        if self.missing:
            raise TokenlightError(
                f"{self.missing} rows came back from no worker. Run the same command with --resume."
            )
        return Summary(
            self.job.out,
            len(self.frame),
            dict(self.writer.counts),
            self.resumed,
            self.seconds,
        )
