"""What decides a dataset job, whichever runner computes it: in process or on Ray.

A results directory's rows depend only on :meth:`ScaleJob.settings`; how the
job ran (:meth:`ScaleJob.tuning`, the runner's own) does not change them, so a
directory started in process can be resumed on Ray and the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from explain.core.errors import InputError
from explain.core.task_results import TaskName
from explain.core.task_targets import (
    TaskTarget,
    check_task_options,
    target_fields,
    target_task,
)
from explain.io.task_args import no_gold_labels
from explain.methods.registry import check_options, get_method
from explain.model.checkpoints import classify_spec, vet_directory
from explain.tasks.explain_task import serving_method

LOCAL_OBJECT_STORE_MB = 512


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
            started is used as it is. Unused in process. Default: ``"local"``
        workers: actors explaining at once. Default: 1
        gpus_per_worker: GPUs each actor reserves; above 0 each actor gets its own
            GPU(s) and runs on CUDA. Default: 0
        cpus_per_worker: CPUs each actor reserves, and its torch threads (rounded down,
            at least 1). None: on a local Ray, its CPUs shared among the most workers;
            on a cluster, 1. Default: None
        batch_size: rows per actor call (or per in-process step), bucketed by length
            inside it. Default: 32
        resume: skip row ids already written in ``out``. Default: False
        max_failed_fraction: the job fails when more than this fraction of all rows
            is not ``ok``; None accepts any. Default: None
        local_cpus: CPUs a local Ray may use; None means all. Default: None
        object_store_mb: the object store of a local Ray, in MiB. Default: 512
        label_column: the input column of gold labels, written to ``gold_label``;
            None leaves ``gold_label`` null. Default: None
        task_target: for a token classifier, a zero-shot NLI model or a QA
            model, what each row's explanation targets (the K-th entity, the
            candidate labels, the question asked of each row's text); None for
            a sequence classifier. Default: None
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
    cpus_per_worker: float | None = None
    batch_size: int = 32
    resume: bool = False
    max_failed_fraction: float | None = None
    local_cpus: int | None = None
    object_store_mb: int = LOCAL_OBJECT_STORE_MB
    label_column: str | None = None
    task_target: TaskTarget | None = None

    @property
    def task(self) -> TaskName | None:
        """The task the task target belongs to; None for a sequence classifier."""
        return None if self.task_target is None else target_task(self.task_target)

    def settings(self) -> dict[str, object]:
        """What decides each row's result: a resumed run must match it."""
        return job_settings(
            self.file.name,
            self.column,
            self.checkpoint,
            self.method,
            self.options,
            self.label_column,
            self.task_target,
        )

    def tuning(self) -> dict[str, object]:
        """How the job ran on Ray, which does not change the rows."""
        return {
            "runner": "ray",
            "address": self.address,
            "workers": f"{self.workers.minimum}-{self.workers.maximum}",
            "gpus_per_worker": self.gpus_per_worker,
            "cpus_per_worker": self.cpus_per_worker,
            "batch_size": self.batch_size,
            "max_failed_fraction": self.max_failed_fraction,
        }


def job_settings(
    file_name: str,
    column: str,
    checkpoint: str,
    method: str,
    options: Mapping[str, object],
    label_column: str | None = None,
    task_target: TaskTarget | None = None,
) -> dict[str, object]:
    """A results directory's ``settings``: what decides each row's result.

    A dataset job (:meth:`ScaleJob.settings`) and a saved Many texts batch
    (:func:`explain.scale.batch_directory.save_batch`) record them alike.

    Args:
        file_name: the input's name (a file's, or where a batch's texts came from).
        column: the column holding the texts.
        checkpoint: the checkpoint spec.
        method: the method's name.
        options: the method's options.
        label_column: the gold labels' column; left out when None, so older
            directories still resume. Default: None
        task_target: a task's target; left out when None. Default: None
    """
    found: dict[str, object] = {
        "file": file_name,
        "column": column,
        "checkpoint": checkpoint,
        "method": method,
        "options": {name: options[name] for name in sorted(options)},
    }
    if label_column is not None:
        found["label_column"] = label_column
    if task_target is not None:
        found["task_target"] = target_fields(task_target)
    return found


def check_job(job: ScaleJob) -> None:
    """Refuse what would fail on every row, before any model is loaded or Ray starts.

    Raises:
        CheckpointError: a local checkpoint directory is missing or incomplete.
        InputError: an unknown method, an option it does not take, a method
            or an option the task target's task refuses, gold labels for a
            task, or a tuning value out of range.
    """
    # A local checkpoint must be at the same path on the driver as on every node.
    if classify_spec(job.checkpoint) == "local":
        vet_directory(Path(job.checkpoint).expanduser())
    get_method(job.method)
    task = job.task
    if job.task_target is not None and task is not None:  # first: a method that cannot serve
        serving_method(job.method, job.task_target)  # the task says so, not its options
        check_task_options(task, job.options)
    check_options(job.method, job.options)
    if task is not None and job.label_column is not None:
        raise no_gold_labels(task)
    if job.batch_size < 1:
        raise InputError("--batch-size must be at least 1.")
    cpus = job.cpus_per_worker
    if job.gpus_per_worker < 0 or (cpus is not None and cpus <= 0):
        raise InputError("--gpus-per-worker must be 0 or more, and CPUs per worker above 0.")
    if job.max_failed_fraction is not None and not 0 <= job.max_failed_fraction <= 1:
        raise InputError("--max-failed-fraction must be between 0 and 1, such as 0.01.")
