"""Wall time and peak memory of ``tokenlight report`` over a large results directory.

``python -m benchmarks.report_scale --rows 1000000`` builds a directory of that
many rows by repeating real rows under new row ids, then times
``python -m explain.report DIR`` in a child process: its wall time and its peak
resident memory (``getrusage`` of the child). The wall time includes starting
Python and importing ``explain`` (torch and transformers come with it), as a
user's command does; the report's own line on standard error gives its time
without them. The real rows come from
``--source DIR`` (any results directory), or else ``--seed-rows`` held-out tweets of
the bundled model's corpus are explained with Input × Gradient on the untrained
all-MiniLM-L6-v2 (same tokenizer and word grouping as the bundled model; the
scores differ, the work does not). The issue's budget on a 2-core machine: 20 s and
2 GB at 1 M rows.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
PART_ROWS = 50_000
SEED_METHOD = "input_x_gradient"


def seed_rows(count: int, scratch: Path) -> tuple[pa.Table, dict[str, object]]:
    """``count`` real rows: held-out tweets explained on the untrained MiniLM."""
    import explain
    from benchmarks.bench import corpus_tweets
    from benchmarks.scale import untrained_minilm
    from explain.scale.rows import explain_rows, to_table

    checkpoint = untrained_minilm(scratch / "minilm")
    loaded = explain.load_checkpoint(str(checkpoint), device="cpu")
    rows = explain_rows(loaded, corpus_tweets(count), SEED_METHOD, {})
    for index, row in enumerate(rows):
        row.update(row_id=f"seed:{index}", row_index=index, worker="bench")
    settings = {"checkpoint": str(checkpoint), "method": SEED_METHOD, "options": {}}
    return to_table(rows), settings


def source_rows(directory: Path) -> tuple[pa.Table, dict[str, object]]:
    """Every row of an existing results directory, and its manifest's settings."""
    from explain.scale.dataset import read_rows
    from explain.scale.manifest import read_manifest

    manifest = read_manifest(directory) or {}
    settings = manifest.get("settings", {})
    return read_rows(directory), dict(settings) if isinstance(settings, dict) else {}


def build_directory(seed: pa.Table, settings: dict[str, object], rows: int, out: Path) -> float:
    """Write ``rows`` rows to ``out`` by repeating ``seed`` with new ids; returns seconds."""
    from explain.scale.manifest import write_manifest

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for part, start in enumerate(range(0, rows, PART_ROWS)):
        size = min(PART_ROWS, rows - start)
        positions = pa.array([(start + i) % seed.num_rows for i in range(size)])
        chunk = seed.take(positions)
        chunk = chunk.set_column(
            chunk.schema.get_field_index("row_id"),
            "row_id",
            pa.array([f"bench.csv:{start + i}" for i in range(size)]),
        )
        chunk = chunk.set_column(
            chunk.schema.get_field_index("row_index"),
            "row_index",
            pa.array(range(start, start + size), pa.int64()),
        )
        pq.write_table(chunk, out / f"part-{part:05d}.parquet")
    write_manifest(out, {"settings": settings, "state": "complete", "input_rows": rows})
    return time.perf_counter() - started


def time_report(directory: Path, extra: list[str]) -> dict[str, float]:
    """Run ``python -m explain.report`` on ``directory``: wall seconds and peak RSS (MB)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "explain.report", str(directory), "--out", "/dev/null", *extra],
        check=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(peak_kb / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    build = argparse.ArgumentParser(
        prog="python -m benchmarks.report_scale",
        description="Time tokenlight report over a directory of repeated real rows.",
    )
    build.add_argument("--rows", type=int, default=1_000_000, help="rows in the directory")
    build.add_argument("--source", type=Path, help="a results directory to take rows from")
    build.add_argument(
        "--seed-rows", type=int, default=300, help="tweets explained when no --source"
    )
    build.add_argument("--keep", type=Path, help="build the directory here and keep it")
    build.add_argument(
        "--format", choices=("json", "html"), default="json", help="report format timed"
    )
    args = build.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        if args.source is not None:
            seed, settings = source_rows(args.source)
        else:
            seed, settings = seed_rows(args.seed_rows, scratch)
        out = args.keep or scratch / "rows"
        built = build_directory(seed, settings, args.rows, out)
        timing = time_report(out, ["--format", args.format])
    print(
        json.dumps(
            {"rows": args.rows, "seed_rows": seed.num_rows, "build_s": round(built, 1), **timing}
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
