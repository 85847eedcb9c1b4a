"""The command line with ``--ray``: explain a whole file on Ray, one row per input row.

``python -m explain`` runs :func:`main`: without ``--ray`` it is the plain
command line (:mod:`explain.io.cli`); with it, the file goes to
:func:`explain.scale.dataset.explain_dataset` and ``--out`` is a directory.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from explain.core.errors import TokenlightError
from explain.io import cli as plain
from explain.methods.registry import get_method
from explain.scale.dataset import ScaleJob, Workers, explain_dataset

SCALE_FLAGS = ("workers", "gpus_per_worker", "batch_size", "resume", "max_failed_fraction")


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--ray`` and the flags that tune a dataset job to ``parser``."""
    group = parser.add_argument_group(
        "whole datasets on Ray (pip install -r requirements-scale.txt)",
        "With --ray, --file is a .csv, .parquet or .jsonl file, --column names the text "
        "column, and --out is a directory of Parquet files, one row per input row, plus "
        "_manifest.json. Turn a small directory into JSON, CSV or HTML with "
        "python -m explain.scale.convert DIR.",
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
        help="rows per actor call, grouped by length inside it (default: 32)",
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
    options: dict[str, object] = {
        name: getattr(args, name)
        for name in plain.declared_settings()
        if getattr(args, name) is not None
    }
    for name, value in (
        ("target", _label(args.target)),
        ("output", args.output),
        ("text_pair", args.pair),
        ("contrast", _label(args.contrast)),
        ("auto_steps", True if args.auto_steps else None),
    ):
        if value is not None:
            options[name] = value
    if get_method(args.method).uses_baseline:
        options["baseline"] = args.baseline
    return ScaleJob(
        file=args.file,
        column=args.column,
        out=args.out,
        checkpoint=args.checkpoint,
        method=args.method,
        options=options,
        address=args.ray,
        workers=Workers.parse(args.workers or "1"),
        gpus_per_worker=args.gpus_per_worker or 0.0,
        batch_size=args.batch_size or 32,
        resume=bool(args.resume),
        max_failed_fraction=args.max_failed_fraction,
    )


def main(argv: Sequence[str] | None = None, prog: str = plain.PROG) -> int:
    """``python -m explain``; returns the exit status (1: too many failed rows, 2: an error).

    Args:
        argv: the arguments, without the command's name. Default: ``sys.argv[1:]``
        prog: the command's name for the help and errors. Default: ``"python -m explain"``
    """
    build = parser(prog)
    args = build.parse_args(argv)
    if args.ray is None:
        given = [f"--{name.replace('_', '-')}" for name in SCALE_FLAGS if getattr(args, name)]
        if given:
            build.error(f"{', '.join(given)} only work with --ray")
        return plain.main(argv, prog)
    if args.sentences or args.file is None or args.column is None or args.out is None:
        build.error("--ray needs --file, --column and --out (a directory), and no sentences")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        job = job_from_args(args)
        summary = explain_dataset(job)
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
