"""``tokenlight report DIR``: what a results directory's explanations say, as JSON or HTML.

Usage::

    tokenlight report DIR [--format html|json] [--out FILE] [--min-count N] [--top K]
                          [--confirm N] [--sample S] [--ray ADDRESS]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from explain.core.errors import TokenlightError
from explain.core.report_results import report_to_json
from explain.render.report_html import report_html
from explain.report.build import DEFAULT_MIN_COUNT, DEFAULT_TOP, build_report
from explain.report.confirm import DEFAULT_SAMPLE, confirm_shortcuts

PROG = "tokenlight report"
ReportFormat = Literal["json", "html"]
FORMATS: tuple[ReportFormat, ...] = ("json", "html")


def parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The ``tokenlight report`` parser."""
    build = argparse.ArgumentParser(
        prog=prog,
        description="Report what a results directory's explanations say: the words that "
        "drive each label, shortcut candidates, salience clusters and, with gold labels, "
        "accuracy, confusion and the words of the mistakes.",
    )
    build.add_argument(
        "directory", type=Path, help="the directory `tokenlight explain --out DIR` wrote"
    )
    build.add_argument(
        "--format",
        choices=FORMATS,
        default="json",
        help="json (the documented contract) or html (one self-contained page; default: json)",
    )
    build.add_argument("--out", type=Path, help="write the report here instead of standard output")
    build.add_argument(
        "--min-count",
        type=int,
        default=DEFAULT_MIN_COUNT,
        metavar="N",
        help=f"list only words in at least N rows (default: {DEFAULT_MIN_COUNT})",
    )
    build.add_argument(
        "--top",
        type=int,
        default=DEFAULT_TOP,
        metavar="K",
        help=f"list at most K words per label, and K shortcut candidates (default: {DEFAULT_TOP})",
    )
    build.add_argument(
        "--confirm",
        type=int,
        default=0,
        metavar="N",
        help="check the top N shortcut candidates with the model: delete the word from "
        "texts that hold it and report the flip rate (default: 0, no check)",
    )
    build.add_argument(
        "--sample",
        type=int,
        default=DEFAULT_SAMPLE,
        metavar="S",
        help=f"texts checked per candidate with --confirm (default: {DEFAULT_SAMPLE})",
    )
    build.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="re-predict --confirm's texts on Ray: local, auto or host:port "
        "(needs requirements-scale.txt; default: in this process)",
    )
    return build


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    """Run ``tokenlight report``; returns the exit code (2 for a usage or input error)."""
    args = parser(prog).parse_args(argv)
    started = time.perf_counter()
    try:
        report = build_report(args.directory, min_count=args.min_count, top=args.top, progress=_say)
        if args.confirm:
            report = confirm_shortcuts(
                report, args.confirm, args.sample, ray_address=args.ray, progress=_say
            )
        document = report_to_json(report) + "\n" if args.format == "json" else report_html(report)
        if args.out is None:
            sys.stdout.write(document)
        else:
            args.out.write_text(document, encoding="utf-8")
    except (TokenlightError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    where = f" to {args.out}" if args.out else ""
    _say(
        f"Report of {report.ok_rows} explained row(s) of {report.rows} written{where} "
        f"in {time.perf_counter() - started:.1f} s."
    )
    return 0
