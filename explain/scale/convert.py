"""Turn a small dataset output directory into today's JSON, CSV or HTML export.

``python -m explain.scale.convert DIR --format html --out report.html``. Only
``ok`` rows hold an attribution; the others are counted on standard error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from explain.core.errors import InputError, TokenlightError
from explain.core.results import Attribution
from explain.io.cli import FORMATS, WRITERS
from explain.scale.dataset import read_rows
from explain.scale.rows import result_from_row

DEFAULT_LIMIT = 1000


def load_results(directory: Path, limit: int = DEFAULT_LIMIT) -> tuple[list[Attribution], int]:
    """The attributions in ``directory`` in input order, and how many rows were not ok.

    Args:
        directory: an output directory of :func:`explain.scale.dataset.explain_dataset`.
        limit: refuse a directory with more explained rows than this; 0 means no
            limit. Default: 1000

    Raises:
        InputError: there are no rows, or more than ``limit`` explained ones.
    """
    table = read_rows(directory, ["row_index", "status", "result_json"])
    if not table.num_rows:
        raise InputError(f"{directory} holds no rows. Give the --out of a finished job.")
    frame = table.to_pandas().sort_values("row_index", kind="stable")
    ok = frame[frame["status"] == "ok"]
    if limit and len(ok) > limit:
        raise InputError(
            f"{directory} holds {len(ok)} explained rows, more than --limit {limit}; "
            "files that size are slow to open. Raise --limit (0: no limit), or read the "
            "Parquet files with pandas."
        )
    return [result_from_row(text) for text in ok["result_json"]], len(frame) - len(ok)


def main(argv: Sequence[str] | None = None) -> int:
    build = argparse.ArgumentParser(
        prog="python -m explain.scale.convert",
        description="Turn the output directory of `python -m explain --ray ...` into one "
        "JSON, CSV or HTML file like the plain command line writes.",
    )
    build.add_argument("directory", type=Path, help="the --out directory of a dataset job")
    build.add_argument("--format", choices=FORMATS, default="json", help="output format")
    build.add_argument("--out", type=Path, help="write here instead of standard output")
    build.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help=f"most explained rows to accept, 0 for no limit (default: {DEFAULT_LIMIT})",
    )
    args = build.parse_args(argv)
    try:
        results, skipped = load_results(args.directory, args.limit)
    except (TokenlightError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    document = WRITERS[args.format](results)
    if args.out is None:
        sys.stdout.write(document)
    else:
        args.out.write_text(document, encoding="utf-8")
    print(
        f"{len(results)} result(s) written; {skipped} row(s) not ok left out "
        "(see their 'error' column).",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
