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
from collections.abc import Callable, Mapping
from types import ModuleType

import pandas as pd
import pyarrow as pa

from explain.core.errors import TokenlightError
from explain.core.task_targets import TaskTarget, target_task
from explain.model.checkpoints import LoadedModel, load_checkpoint
from explain.scale.job import LOCAL_OBJECT_STORE_MB, ScaleJob, Workers, check_job
from explain.scale.rows import explain_frame
from explain.scale.writer import (
    FLUSH_ROWS,
    FLUSH_SECONDS,
    PART_PREFIX,
    PartWriter,
    ResultsRun,
    Summary,
    part_files,
    read_rows,
)

__all__ = [  # the shared parts stay importable from here, where they were first
    "FLUSH_ROWS",
    "FLUSH_SECONDS",
    "INSTALL",
    "LOCAL_OBJECT_STORE_MB",
    "PART_PREFIX",
    "Explainer",
    "PartWriter",
    "RayMissing",
    "ScaleJob",
    "Summary",
    "Workers",
    "explain_dataset",
    "import_ray",
    "part_files",
    "read_rows",
    "worker_cpus",
]

INSTALL = (
    "Explaining a dataset on Ray needs the optional Ray dependency: "
    "pip install -r requirements-scale.txt (or the package extra: pip install 'tokenlight[scale]')."
)
MAX_BLOCKS = 20_000  # input blocks the driver puts in the object store, at most
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


def worker_cpus(job: ScaleJob, ray_cpus: float | None) -> float:
    """The CPUs each actor reserves; rounded down (at least 1), also its torch threads.

    Ray sets an actor's ``OMP_NUM_THREADS`` to the CPUs it reserves, so with the old
    fixed default of 1 CPU, one worker on a 2-core machine computed on one core while
    the same job in process used both. On a local Ray the default is now its CPUs
    shared among the most workers: 1 worker gets every core, N workers a 1/N share
    each, and never more threads than cores. On a cluster, node sizes are unknown
    here, so each actor reserves 1 CPU unless ``job.cpus_per_worker`` says otherwise.

    Args:
        job: the settings.
        ray_cpus: the CPUs of the Ray this process is connected to; None if unknown.
    """
    if job.cpus_per_worker is not None:
        return job.cpus_per_worker
    if job.address != "local" or job.gpus_per_worker or not ray_cpus:
        return 1.0
    return float(max(1, int(ray_cpus) // job.workers.maximum))


class Explainer:
    """The Ray Data actor: loads the checkpoint once, then turns batches into rows.

    Args:
        checkpoint: a registered name, a directory or a Hub id (never a loaded model,
            so the actor's arguments stay small).
        method: a name from :data:`explain.METHODS`.
        options: as for :func:`explain.attribute`.
        device: ``"cpu"``, ``"cuda"`` or None for ``$TOKENLIGHT_DEVICE`` / auto.
        threads: torch's intra-op threads in this actor; None leaves torch's own
            choice. Default: None
        task_target: what each row's explanation targets, for a task other than
            sequence classification; the checkpoint is loaded for its task.
            Default: None
    """

    def __init__(
        self,
        checkpoint: str,
        method: str,
        options: Mapping[str, object],
        device: str | None = None,
        threads: int | None = None,
        task_target: TaskTarget | None = None,
    ) -> None:
        if threads is not None:
            import torch

            # Set here rather than left to OMP_NUM_THREADS: a worker that loaded torch's
            # OpenMP before Ray set that variable would otherwise use every core, and
            # two such actors would fight over the same cores.
            torch.set_num_threads(threads)
        self.loaded: LoadedModel = load_checkpoint(
            checkpoint,
            device=device,
            task=None if task_target is None else target_task(task_target),
        )
        self.method = method
        self.options = dict(options)
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.task_target = task_target

    def __call__(self, batch: pd.DataFrame) -> pa.Table:
        return explain_frame(
            self.loaded, batch, self.method, self.options, self.worker, self.task_target
        )


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
    check_job(job)
    ray = import_ray(local=job.address == "local")
    with ResultsRun(job, job.tuning()) as run:
        if len(run.todo):
            _run(ray, job, run, on_rows, progress)
    return run.summary()


def _run(
    ray: ModuleType,
    job: ScaleJob,
    run: ResultsRun,
    on_rows: RowsSeen | None,
    progress: bool,
) -> None:
    from tqdm import tqdm

    todo = run.todo
    started_ray = _connect(ray, job)
    try:
        cpus = worker_cpus(job, ray.cluster_resources().get("CPU"))
        run.manifest["tuning"] = job.tuning() | {"cpus_per_worker": cpus}
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
                "threads": max(1, math.floor(cpus)),
                "task_target": job.task_target,
            },
            batch_size=job.batch_size,
            batch_format="pandas",
            compute=ray.data.ActorPoolStrategy(
                min_size=job.workers.minimum, max_size=job.workers.maximum
            ),
            num_cpus=cpus,
            num_gpus=gpus,
            # Ray Data's actors default to max_restarts=-1 and max_task_retries=-1:
            # a killed actor is started again and its batch retried, without end.
        )
        with tqdm(
            total=len(run.frame), initial=run.resumed, unit="row", desc="Explaining",
            file=sys.stderr, disable=not progress, smoothing=0.1,
        ) as bar:  # fmt: skip
            for table in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
                if on_rows is not None:
                    on_rows(table)
                bar.update(run.add(table))
    except ray.exceptions.RayError as error:
        first_line = str(error).strip().splitlines()[-1] if str(error).strip() else repr(error)
        raise TokenlightError(
            f"The Ray job failed: {first_line}. The rows written so far are kept; "
            "fix the cause and run the same command with --resume."
        ) from error
    finally:
        if started_ray:
            ray.shutdown()
