"""Explain a whole dataset on Ray Data: one output row per input row, none lost, none twice.

The driver reads the input, gives each row a stable id, leaves out the ids an
earlier run already wrote, and hands the rest to Ray Data. ``map_batches`` runs
:class:`Explainer` actors: each loads the checkpoint once (by name or path, so
nothing big travels) and explains its batches with the length-bucketed batch
path. Ray restarts a killed actor and retries its batch. The driver writes the
rows it receives to Parquet parts in the output directory, at most once per
row id, so a job that stops can be resumed.
"""

from __future__ import annotations

import math
import os
import socket
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from explain.core.errors import InputError, TokenlightError
from explain.methods.registry import check_options, get_method
from explain.model.checkpoints import LoadedModel, classify_spec, load_checkpoint, vet_directory
from explain.scale.inputs import read_texts
from explain.scale.manifest import read_manifest, scale_versions, write_manifest
from explain.scale.rows import ROW_SCHEMA, STATUSES, explain_rows, to_table

INSTALL = (
    "Explaining a dataset on Ray needs the optional Ray dependency: "
    "pip install -r requirements-scale.txt (or the package extra: pip install 'tokenlight[scale]')."
)
PART_PREFIX = "part-"
FLUSH_ROWS = 5000  # rows held before a Parquet part is written
FLUSH_SECONDS = 60.0  # ... or this long after the last part
MAX_BLOCKS = 20_000  # input blocks the driver puts in the object store, at most
LOCAL_OBJECT_STORE_MB = 512
ENV_PREFIXES = ("TOKENLIGHT_", "HF_", "TRANSFORMERS_")


class RayMissing(TokenlightError):
    """``--ray`` was asked for but Ray is not installed."""


LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
"""Off, Ray gives a local node the loopback address (127.0.0.1) instead of the network one."""


def import_ray(local: bool = True) -> ModuleType:
    """Ray, with usage statistics off; for a local Ray, on loopback only.

    Ray reads :data:`LOOPBACK_ENV` when it is first imported, so this is the
    first import of Ray in the process.

    Args:
        local: the job starts its own Ray on this machine. Default: True

    Raises:
        RayMissing: Ray is not installed; the message says how to install it.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if local:
        os.environ.setdefault(LOOPBACK_ENV, "0")
    try:
        import ray
        import ray.data
    except ImportError as error:
        raise RayMissing(INSTALL) from error
    return ray


@dataclass(frozen=True)
class Workers:
    """How many actors explain at once: a fixed number, or a range Ray Data scales within."""

    minimum: int = 1
    maximum: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.minimum <= self.maximum:
            raise InputError(
                f"Workers {self.minimum}-{self.maximum} is not a range of at least one worker. "
                "Give a number such as 4, or a range such as 1-4."
            )

    @classmethod
    def parse(cls, text: str) -> Workers:
        """``"4"`` or ``"1-4"``.

        Raises:
            InputError: anything else.
        """
        low, _, high = text.partition("-")
        try:
            return cls(int(low), int(high or low))
        except ValueError:
            raise InputError(
                f"--workers {text!r} is not a number or a range. Use, say, 4 or 1-4."
            ) from None


@dataclass(frozen=True)
class ScaleJob:
    """Everything that decides a dataset job.

    Args:
        file: the input, a ``.csv``, ``.parquet`` or ``.jsonl`` file.
        column: the column holding the texts.
        out: the output directory (Parquet parts and ``_manifest.json``).
        checkpoint: a registered name, a directory or a Hub id; each actor loads it.
        method: a name from :data:`explain.METHODS`. Default: ``"layer_integrated_gradients"``
        options: ``target``, ``output``, ``baseline`` and the method's settings,
            as for :func:`explain.attribute`. Default: none
        address: ``"local"`` (start a Ray here), ``"auto"`` (the cluster ``ray start``
            or ``RAY_ADDRESS`` names) or ``"host:port"``. A Ray this process already
            started is used as it is. Default: ``"local"``
        workers: actors explaining at once. Default: 1
        gpus_per_worker: GPUs each actor reserves; above 0 each actor gets its own
            GPU(s) and runs on CUDA. Default: 0
        cpus_per_worker: CPUs each actor reserves. Default: 1
        batch_size: rows per actor call, bucketed by length inside it. Default: 32
        resume: skip row ids already written in ``out``. Default: False
        max_failed_fraction: the job fails when more than this fraction of all rows
            is not ``ok``; None accepts any. Default: None
        local_cpus: CPUs a local Ray may use; None means all. Default: None
        object_store_mb: the object store of a local Ray, in MiB. Default: 512
    """

    file: Path
    column: str
    out: Path
    checkpoint: str
    method: str = "layer_integrated_gradients"
    options: Mapping[str, object] = field(default_factory=dict)
    address: str = "local"
    workers: Workers = Workers()
    gpus_per_worker: float = 0.0
    cpus_per_worker: float = 1.0
    batch_size: int = 32
    resume: bool = False
    max_failed_fraction: float | None = None
    local_cpus: int | None = None
    object_store_mb: int = LOCAL_OBJECT_STORE_MB

    def settings(self) -> dict[str, object]:
        """What decides each row's result: a resumed run must match it."""
        return {
            "file": self.file.name,
            "column": self.column,
            "checkpoint": self.checkpoint,
            "method": self.method,
            "options": {name: self.options[name] for name in sorted(self.options)},
        }

    def tuning(self) -> dict[str, object]:
        """How the job ran, which does not change the rows."""
        return {
            "address": self.address,
            "workers": f"{self.workers.minimum}-{self.workers.maximum}",
            "gpus_per_worker": self.gpus_per_worker,
            "cpus_per_worker": self.cpus_per_worker,
            "batch_size": self.batch_size,
            "max_failed_fraction": self.max_failed_fraction,
        }


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


class Explainer:
    """The Ray Data actor: loads the checkpoint once, then turns batches into rows.

    Args:
        checkpoint: a registered name, a directory or a Hub id (never a loaded model,
            so the actor's arguments stay small).
        method: a name from :data:`explain.METHODS`.
        options: as for :func:`explain.attribute`.
        device: ``"cpu"``, ``"cuda"`` or None for ``$TOKENLIGHT_DEVICE`` / auto.
    """

    def __init__(
        self,
        checkpoint: str,
        method: str,
        options: Mapping[str, object],
        device: str | None = None,
    ) -> None:
        self.loaded: LoadedModel = load_checkpoint(checkpoint, device=device)
        self.method = method
        self.options = dict(options)
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    def __call__(self, batch: pd.DataFrame) -> pa.Table:
        rows = explain_rows(self.loaded, batch["text"].tolist(), self.method, self.options)
        for row, row_id, index in zip(rows, batch["row_id"], batch["row_index"], strict=True):
            row.update(row_id=row_id, row_index=int(index), worker=self.worker)
        return to_table(rows)


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
    return pa.concat_tables(tables)


class _PartWriter:
    """Writes received rows as Parquet parts, each at most once per row id."""

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


def _already_written(job: ScaleJob) -> pa.Table:
    """The ``row_id`` and ``status`` of rows in ``job.out``; refuses a mismatched directory."""
    manifest = read_manifest(job.out)
    written = bool(part_files(job.out))
    if not job.resume:
        if written or manifest is not None:
            raise InputError(
                f"{job.out} already holds results. Add --resume to go on with that job, "
                "or choose another --out."
            )
        return read_rows(job.out, ["row_id", "status"])
    if manifest is not None and manifest.get("settings") != _plain(job.settings()):
        raise InputError(
            f"{job.out} was written with other settings ({manifest.get('settings')}); "
            "--resume needs the same file, column, checkpoint, method and options. "
            "Choose another --out for new settings."
        )
    return read_rows(job.out, ["row_id", "status"])


def _plain(value: object) -> object:
    """``value`` as it reads back from JSON, to compare with a manifest."""
    import json

    return json.loads(json.dumps(value, default=str))


def _connect(ray: ModuleType, job: ScaleJob) -> bool:
    """Start or join Ray unless this process already has; True when this call did."""
    if ray.is_initialized():
        return False
    env = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES)}
    settings: dict[str, object] = {
        "runtime_env": {"env_vars": env},
        "include_dashboard": False,
        "logging_level": "warning",
        "log_to_driver": False,
    }
    if job.address == "local":
        settings |= {
            "address": "local",
            "num_cpus": job.local_cpus,
            "object_store_memory": job.object_store_mb * 1024 * 1024,
        }
    else:
        settings["address"] = job.address
        del settings["include_dashboard"]  # the cluster's own choice
    try:
        ray.init(**settings)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise TokenlightError(
            f"Could not reach Ray at {job.address!r}: {error}. Start a cluster with "
            "`ray start --head`, then use --ray auto, or use --ray local."
        ) from error
    return True


def _check(job: ScaleJob) -> None:
    """Refuse what would fail on every worker, before Ray starts."""
    # A local checkpoint must be at the same path on the driver as on every node.
    if classify_spec(job.checkpoint) == "local":
        vet_directory(Path(job.checkpoint).expanduser())
    get_method(job.method)
    check_options(job.method, job.options)
    if job.batch_size < 1:
        raise InputError("--batch-size must be at least 1.")
    if job.gpus_per_worker < 0 or job.cpus_per_worker <= 0:
        raise InputError("--gpus-per-worker must be 0 or more, and CPUs per worker above 0.")
    if job.max_failed_fraction is not None and not 0 <= job.max_failed_fraction <= 1:
        raise InputError("--max-failed-fraction must be between 0 and 1, such as 0.01.")


RowsSeen = Callable[[pa.Table], None]


def explain_dataset(
    job: ScaleJob, on_rows: RowsSeen | None = None, progress: bool = True
) -> Summary:
    """Explain every row of ``job.file`` on Ray and write the rows to ``job.out``.

    Args:
        job: the settings, see :class:`ScaleJob`.
        on_rows: called on the driver with each table of rows received, before
            it is written. Default: None
        progress: show a progress bar (rows done of all, rows per second) on
            standard error. Default: True

    Returns:
        The :class:`Summary`, counting resumed rows too. ``_manifest.json`` in
        ``job.out`` holds the settings, the library versions and the counts.

    Raises:
        RayMissing: Ray is not installed.
        InputError: the file, a setting, or the output directory is not usable.
        TokenlightError: Ray could not be reached, or the job failed; rows
            written so far stay and ``resume`` goes on from them.
    """
    _check(job)
    ray = import_ray(local=job.address == "local")
    frame = read_texts(job.file, job.column)
    job.out.mkdir(parents=True, exist_ok=True)
    done = _already_written(job)
    seen = set(done.column("row_id").to_pylist())
    todo = frame[~frame["row_id"].isin(seen)]
    started = time.perf_counter()
    manifest = {
        "settings": job.settings(),
        "tuning": job.tuning(),
        "input_rows": len(frame),
        "versions": scale_versions(),
        "state": "running",
    }
    write_manifest(job.out, manifest)
    writer = _PartWriter(job.out, seen)
    writer.counts.update(done.column("status").to_pylist())
    state = "stopped"
    try:
        if len(todo):
            _run(ray, job, todo, writer, on_rows, progress, resumed=len(frame) - len(todo))
        missing = len(frame) - len(writer.seen & set(frame["row_id"]))
        state = "incomplete" if missing else "complete"
    finally:
        seconds = time.perf_counter() - started
        counts = {status: writer.counts.get(status, 0) for status in STATUSES}
        write_manifest(job.out, manifest | {"state": state, "counts": counts, "seconds": seconds})
    summary = Summary(job.out, len(frame), dict(writer.counts), len(frame) - len(todo), seconds)
    if missing:
        raise TokenlightError(
            f"{missing} rows came back from no worker. Run the same command with --resume."
        )
    return summary


def _run(
    ray: ModuleType,
    job: ScaleJob,
    todo: pd.DataFrame,
    writer: _PartWriter,
    on_rows: RowsSeen | None,
    progress: bool,
    resumed: int,
) -> None:
    from tqdm import tqdm

    started_ray = _connect(ray, job)
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False
        # Blocks of whole batches, so every actor has work from the start.
        rows_per_block = job.batch_size * max(1, math.ceil(len(todo) / job.batch_size / MAX_BLOCKS))
        blocks = [todo.iloc[i : i + rows_per_block] for i in range(0, len(todo), rows_per_block)]
        gpus = job.gpus_per_worker or None
        dataset = ray.data.from_pandas(blocks).map_batches(
            Explainer,
            fn_constructor_kwargs={
                "checkpoint": job.checkpoint,
                "method": job.method,
                "options": dict(job.options),
                "device": "cuda" if gpus else "cpu",
            },
            batch_size=job.batch_size,
            batch_format="pandas",
            compute=ray.data.ActorPoolStrategy(
                min_size=job.workers.minimum, max_size=job.workers.maximum
            ),
            num_cpus=job.cpus_per_worker,
            num_gpus=gpus,
            # Ray Data's actors default to max_restarts=-1 and max_task_retries=-1:
            # a killed actor is started again and its batch retried, without end.
        )
        total = resumed + len(todo)
        with tqdm(
            total=total, initial=resumed, unit="row", desc="Explaining", file=sys.stderr,
            disable=not progress, smoothing=0.1,
        ) as bar:  # fmt: skip
            for table in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
                if on_rows is not None:
                    on_rows(table)
                bar.update(writer.add(table))
    except ray.exceptions.RayError as error:
        first_line = str(error).strip().splitlines()[-1] if str(error).strip() else repr(error)
        raise TokenlightError(
            f"The Ray job failed: {first_line}. The rows written so far are kept; "
            "fix the cause and run the same command with --resume."
        ) from error
    finally:
        writer.flush()
        if started_ray:
            ray.shutdown()
