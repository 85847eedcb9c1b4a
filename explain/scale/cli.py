"""The command line: plain, or a whole file as a results directory, in process or on Ray.

``python -m explain`` runs :func:`main`. ``--file`` with ``--column`` and an
``--out`` that is a directory (see :func:`writes_directory`) explains every row
into a results directory of Parquet parts: in this process
(:func:`explain.scale.local.explain_in_process`), or on Ray with ``--ray``
(:func:`explain.scale.dataset.explain_dataset`). Anything else is the plain
command line (:mod:`explain.io.cli`), exactly as before.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from explain.core.errors import CheckpointError, InputError, TokenlightError
from explain.core.task_results import DEFAULT_TASK
from explain.core.task_targets import TaskTarget
from explain.io import cli as plain
from explain.io.task_args import requested_task, task_targets
from explain.methods.registry import get_method
from explain.model.checkpoints import checkpoint_task, classify_spec
from explain.scale.inputs import SUFFIXES
from explain.scale.job import ScaleJob, Workers
from explain.scale.writer import Summary

RAY_FLAGS = ("workers", "gpus_per_worker")
DIRECTORY_FLAGS = ("batch_size", "resume", "max_failed_fraction")
SCALE_FLAGS = (*RAY_FLAGS, *DIRECTORY_FLAGS)
FILE_SUFFIXES = tuple(f".{name}" for name in plain.FORMATS)


def writes_directory(args: argparse.Namespace) -> bool:
    """Whether the arguments ask for a results directory rather than one output file.

    They do with ``--ray``, or when ``--file`` is a ``.csv``, ``.parquet`` or ``.jsonl``
    file, ``--column`` is given, no sentences are, and ``--out`` is an existing
    directory or does not end in ``.json``, ``.csv``, ``.html`` or ``.ipynb``.
    """
    if args.ray is not None:
        return True
    if args.sentences or args.file is None or args.column is None or args.out is None:
        return False
    if args.file.suffix.lower() not in SUFFIXES:
        return False
    return bool(args.out.is_dir() or args.out.suffix.lower() not in FILE_SUFFIXES)


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--ray`` and the flags that tune a dataset job to ``parser``."""
    group = parser.add_argument_group(
        "whole datasets as a results directory, in process or on Ray",
        "When --file is a .csv, .parquet or .jsonl file, --column names the text column "
        "and --out is a directory (an existing one, or a name not ending in .json, .csv, "
        ".html or .ipynb), every row is explained into --out: Parquet files, one row per "
        "input row, plus _manifest.json; --label-column fills the gold_label column. It "
        "runs in this process, or on Ray with --ray (pip install -r requirements-scale.txt). "
        "Turn a small directory into JSON, CSV or HTML with python -m explain.scale.convert DIR.",
    )
    group.add_argument(
        "--ray",
        metavar="ADDRESS",
        default=None,
        help="'local' (start Ray here), 'auto' (the cluster `ray start` or RAY_ADDRESS "
        "names) or host:port",
    )
    group.add_argument(
        "--workers",
        metavar="N",
        default=None,
        help="actors explaining at once: a number, or a range such as 1-4 that Ray Data "
        "scales within (default: 1)",
    )
    group.add_argument(
        "--gpus-per-worker",
        metavar="G",
        type=float,
        default=None,
        help="GPUs each actor reserves; above 0 each actor runs on its own GPU (default: 0)",
    )
    group.add_argument(
        "--batch-size",
        metavar="ROWS",
        type=int,
        default=None,
        help="rows per actor call (or per step in process), grouped by length inside it "
        "(default: 32)",
    )
    group.add_argument(
        "--resume",
        action="store_true",
        default=None,
        help="go on with the job in --out: skip row ids already written there",
    )
    group.add_argument(
        "--max-failed-fraction",
        metavar="F",
        type=float,
        default=None,
        help="exit with status 1 when more than this fraction of rows is not ok, "
        "such as 0.01 (default: accept any)",
    )


def parser(prog: str = plain.PROG) -> argparse.ArgumentParser:
    """The plain command line's parser with the ``--ray`` flags added.

    Args:
        prog: the command's name in the usage line. Default: ``"python -m explain"``
    """
    build = plain.parser(prog)
    add_scale_arguments(build)
    return build


def _label(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value


def job_from_args(args: argparse.Namespace) -> ScaleJob:
    """The :class:`ScaleJob` the parsed arguments ask for.

    Raises:
        InputError: the ``--pair`` text is over the text limit.
    """
    plain.check_lengths((), args.pair)
    task_target = _task_target(args)
    options: dict[str, object] = {
        name: getattr(args, name)
        for name in plain.declared_settings()
        if getattr(args, name) is not None
    }
    for name, value in (
        ("target", _label(args.target) if task_target is None else None),
        ("output", args.output),
        ("text_pair", args.pair),
        ("contrast", _label(args.contrast)),
        ("auto_steps", True if args.auto_steps else None),
        ("long", None if args.long == "truncate" else args.long),
        ("stride", args.stride),
    ):
        if value is not None:
            options[name] = value
    if get_method(args.method).uses_baseline:
        options["baseline"] = args.baseline
    return ScaleJob(
        file=args.file,
        column=args.column,
        out=args.out,
        label_column=args.label_column,
        checkpoint=args.checkpoint,
        method=args.method,
        options=options,
        address=args.ray or "local",
        workers=Workers.parse(args.workers or "1"),
        gpus_per_worker=args.gpus_per_worker or 0.0,
        batch_size=args.batch_size or 32,
        resume=bool(args.resume),
        max_failed_fraction=args.max_failed_fraction,
        task_target=task_target,
    )


def _task_target(args: argparse.Namespace) -> TaskTarget | None:
    """The one target every row's explanation has, from the checkpoint's config and the flags.

    The checkpoint's config is read here (not its weights); a Hub checkpoint
    this machine cannot reach is left to a Ray cluster's workers.

    Raises:
        InputError: the flags ask for two results per row (both ends of an
            answer), or do not fit the checkpoint's task.
        CheckpointError: the checkpoint's config cannot be read.
    """
    requested = requested_task(args)
    try:
        task = checkpoint_task(args.checkpoint, requested)
    except CheckpointError:
        if args.ray in (None, "local") or classify_spec(args.checkpoint) != "hub":
            raise
        # A cluster's workers download it; they refuse rows the checkpoint cannot serve.
        task = requested or DEFAULT_TASK
    targets = task_targets(args, task, args.checkpoint)
    if len(targets) > 1:
        raise InputError(
            "A results directory holds one explanation per row: give --target start or "
            "--target end to explain that end of each answer."
        )
    return targets[0]


def main(argv: Sequence[str] | None = None, prog: str = plain.PROG) -> int:
    """``python -m explain``; returns the exit status (1: too many failed rows, 2: an error).

    Args:
        argv: the arguments, without the command's name. Default: ``sys.argv[1:]``
        prog: the command's name for the help and errors. Default: ``"python -m explain"``
    """
    build = parser(prog)
    args = build.parse_args(argv)
    directory = writes_directory(args)
    ray_only = [f"--{name.replace('_', '-')}" for name in RAY_FLAGS if getattr(args, name)]
    if args.ray is None and ray_only:
        build.error(f"{', '.join(ray_only)} only work with --ray")
    if not directory:
        given = [f"--{name.replace('_', '-')}" for name in DIRECTORY_FLAGS if getattr(args, name)]
        if given:
            build.error(
                f"{', '.join(given)} only work with a results directory: --file (.csv, "
                ".parquet or .jsonl), --column and an --out directory, or --ray"
            )
        return plain.main(argv, prog)
    if args.sentences or args.file is None or args.column is None or args.out is None:
        build.error("--ray needs --file, --column and --out (a directory), and no sentences")
    if args.format != "json":
        build.error(
            f"--format {args.format} writes one file, but --out {args.out} is a results "
            "directory (Parquet). Give --out a name ending in "
            f".{args.format} for one file, or leave --format out."
        )
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        if args.ray is not None:  # before the checkpoint is read: say first that Ray is missing
            from explain.scale.dataset import import_ray

            import_ray(local=args.ray == "local")
        job = job_from_args(args)
        summary = _explain_directory(job, on_ray=args.ray is not None)
    except (TokenlightError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(summary.text(), file=sys.stderr)
    limit = job.max_failed_fraction
    if limit is not None and summary.failed_fraction > limit:
        print(
            f"error: {summary.failed} of {summary.total} rows ({summary.failed_fraction:.1%}) "
            f"are not ok, more than --max-failed-fraction {limit}. Their reasons are in the "
            f"'error' column of the Parquet files in {job.out}.",
            file=sys.stderr,
        )
        return 1
    return 0


def _explain_directory(job: ScaleJob, on_ray: bool) -> Summary:
    """Run ``job`` on Ray or in process; Ray is imported only on its own path."""
    if on_ray:
        from explain.scale.dataset import explain_dataset

        return explain_dataset(job)
    from explain.scale.local import explain_in_process

    return explain_in_process(job)
