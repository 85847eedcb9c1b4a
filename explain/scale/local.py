"""Explain a whole dataset in this process: the results directory Ray writes, without Ray.

The same input reading, rows, Parquet parts, ``_manifest.json`` and resume as
:func:`explain.scale.dataset.explain_dataset`; the model is loaded once here and
the rows go through the length-bucketed batch path ``job.batch_size`` at a time.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable

import pyarrow as pa

from explain.model.checkpoints import load_checkpoint
from explain.scale.job import ScaleJob, check_job
from explain.scale.rows import explain_frame
from explain.scale.writer import ResultsRun, Summary

RowsSeen = Callable[[pa.Table], None]


def in_process_tuning(job: ScaleJob) -> dict[str, object]:
    """How an in-process job runs, for the manifest: it does not change the rows."""
    import torch

    return {
        "runner": "in process",
        "batch_size": job.batch_size,
        "torch_threads": torch.get_num_threads(),
        "max_failed_fraction": job.max_failed_fraction,
    }


def explain_in_process(
    job: ScaleJob, on_rows: RowsSeen | None = None, progress: bool = True
) -> Summary:
    """Explain every row of ``job.file`` here and write the rows to ``job.out``.

    Ray's settings in ``job`` (address, workers, CPUs and GPUs per worker) are
    not used; the model runs on ``$TOKENLIGHT_DEVICE`` or the best device found.

    Args:
        job: the settings, see :class:`explain.scale.job.ScaleJob`.
        on_rows: called with each table of rows, before it is written. Default: None
        progress: show a progress bar (rows done of all, rows per second) on
            standard error. Default: True

    Returns:
        The :class:`Summary`, counting resumed rows too.

    Raises:
        InputError: the file, a setting, or the output directory is not usable.
        CheckpointError: the checkpoint cannot be loaded.
    """
    from tqdm import tqdm

    check_job(job)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    with ResultsRun(job, in_process_tuning(job)) as run:
        if len(run.todo):
            loaded = load_checkpoint(job.checkpoint, task=job.task)
            with tqdm(
                total=len(run.frame), initial=run.resumed, unit="row", desc="Explaining",
                file=sys.stderr, disable=not progress, smoothing=0.1,
            ) as bar:  # fmt: skip
                for start in range(0, len(run.todo), job.batch_size):
                    chunk = run.todo.iloc[start : start + job.batch_size]
                    table = explain_frame(
                        loaded, chunk, job.method, job.options, worker, job.task_target
                    )
                    if on_rows is not None:
                        on_rows(table)
                    bar.update(run.add(table))
    return run.summary()
