"""One benchmark of Tokenlight against the peers and against the machine's limit.

Run it with ``make bench``. It prints a table and writes JSON to
``artifacts/benchmark.json``. Within one run it measures:

- Layer IG latency at 50 steps (p50 and p95 after a warm-up) for about 8, 32
  and 128 tokens, done three ways: Tokenlight's backend (also in bfloat16, a row
  outside the bars), transformers-interpret's
  ``SequenceClassificationExplainer``, and the seed notebook's forward (three
  model calls and a softmax per batch, ids only). Each way's |delta| is reported
  too, so no speed is bought with accuracy.
- Batch throughput: 256 held-out tweets from the training corpus, texts per
  second with length-bucketed batches against one text at a time, same code.
- All-layer conductance in one pass against Captum's per-layer loop, on a
  random 12-layer, 768-wide BERT (see ``benchmarks/conductance.py``).
- A cache hit in the dashboard's backend.
- Cold start: from process start to the first attribution.
- Peak resident memory.
- The compute floor: the attribution's FLOPs, counted by the torch profiler,
  divided by the matmul rate measured on this machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import explain  # noqa: E402

SEED_TEXT = (
    "I would never trust a self-driving car to take my kids to school, because the "
    "software still makes mistakes that a careful human driver would not make, and "
    "nobody has told us who is responsible when it crashes on a busy road at night. "
)
LENGTHS = (8, 32, 128)
N_STEPS = 50
BARS = {
    "vs_transformers_interpret": 1.3,
    "vs_seed_notebook": 2.5,
    "cache_hit_ms": 20.0,
    "floor_multiple_at_128": 3.0,
    "batch_speedup": 2.0,
    "conductance_speedup": 5.0,
}
BATCH_TEXTS = 256


@dataclass(frozen=True)
class Timing:
    way: str
    tokens: int
    p50: float
    p95: float
    abs_delta: float


def text_of_length(tokenizer, tokens: int) -> str:
    """A sentence that tokenises to ``tokens`` tokens, [CLS] and [SEP] included."""
    words = (SEED_TEXT * 8).split()
    for count in range(1, len(words)):
        text = " ".join(words[:count])
        if len(tokenizer(text)["input_ids"]) >= tokens:
            return text
    raise ValueError(f"cannot build a {tokens}-token text")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(run: Callable[[], float], repeats: int) -> tuple[float, float, float]:
    """Warm up once, then time ``repeats`` calls; ``run`` returns its |delta|."""
    ((p50, p95, delta),) = timed_in_turn([run], repeats)
    return p50, p95, delta


def timed_in_turn(
    runs: list[Callable[[], float]], repeats: int, seed: int = 0
) -> list[tuple[float, float, float]]:
    """Warm each run up once, then time them in turn, ``repeats`` rounds of one call each.

    Taking turns puts every way under the same drift of the machine (other
    load, clock), where timing one way's calls in a row and then the next
    way's would hand any drift to whichever way ran at the time. The order
    within a round is shuffled (seeded), so that no way always runs right
    after the same other way and inherits the state it leaves (a large run
    leaves the allocator and the caches cold for the next). Each run returns
    its |delta|.

    Returns:
        Per run, in order: (p50 seconds, p95 seconds, |delta| of its last call).
    """
    order = random.Random(seed)
    deltas = [run() for run in runs]
    samples: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        turn = list(range(len(runs)))
        order.shuffle(turn)
        for index in turn:
            started = time.perf_counter()
            deltas[index] = runs[index]()
            samples[index].append(time.perf_counter() - started)
    return [(*percentiles(times), abs(delta)) for times, delta in zip(samples, deltas, strict=True)]


def tokenlight_way(
    model: explain.LoadedModel,
    text: str,
    label: int,
    precision: str = "float32",
    used: list[str] | None = None,
) -> Callable[[], float]:
    """Tokenlight's Layer IG; ``used`` collects the precision each call ended in."""

    def run() -> float:
        result = explain.attribute(model, text, target=label, n_steps=N_STEPS, precision=precision)
        if used is not None:
            used.append(dict(result.settings.options)["precision"])
        return result.delta

    return run


def transformers_interpret_way(
    model: explain.LoadedModel, text: str, label: int
) -> Callable[[], float] | None:
    try:
        from transformers_interpret import SequenceClassificationExplainer
    except ImportError:
        return None
    explainer = SequenceClassificationExplainer(model.model, model.tokenizer)

    def run() -> float:
        explainer(text, index=label, n_steps=N_STEPS)
        return float(explainer.attributions.delta)

    return run


def seed_notebook_way(model: explain.LoadedModel, text: str, label: int) -> Callable[[], float]:
    """The seed notebook's recipe: the model runs three times per forward, ids only.

    Its prints are left out, and the target is indexed per row (``[:, label]``)
    rather than ``[0][0]``, so the timing is of the repeated forwards alone.
    """
    from captum.attr import LayerIntegratedGradients

    tokenizer, network = model.tokenizer, model.model
    ids = tokenizer(text, return_tensors="pt")["input_ids"].to(model.device)
    reference = ids.clone()
    reference[0, 1:-1] = tokenizer.pad_token_id

    def predict(inputs: torch.Tensor) -> torch.Tensor:
        first = network(inputs)[0]  # the notebook printed these two
        second = network(inputs).logits
        del first, second
        return network(inputs)[0]

    def custom_forward(inputs: torch.Tensor) -> torch.Tensor:
        return torch.softmax(predict(inputs), dim=1)[:, label]

    lig = LayerIntegratedGradients(custom_forward, model.embeddings)

    def run() -> float:
        _, delta = lig.attribute(
            inputs=ids, baselines=reference, n_steps=N_STEPS, return_convergence_delta=True
        )
        return float(delta)

    return run


def latency_table(model: explain.LoadedModel, repeats: int) -> list[Timing]:
    rows = []
    for length in LENGTHS:
        text = text_of_length(model.tokenizer, length)
        label = explain.predict(model, text).predicted_index
        used: list[str] = []
        ways = {
            "tokenlight": tokenlight_way(model, text, label),
            "tokenlight bfloat16": tokenlight_way(model, text, label, "bfloat16", used),
            "transformers-interpret": transformers_interpret_way(model, text, label),
            "seed notebook": seed_notebook_way(model, text, label),
        }
        tokens = len(model.tokenizer(text)["input_ids"])
        present = {way: run for way, run in ways.items() if run is not None}
        for way, (p50, p95, delta) in zip(
            present, timed_in_turn(list(present.values()), repeats), strict=True
        ):
            fell_back = used.count("float32") if way == "tokenlight bfloat16" else 0
            if fell_back:  # its time then holds a bfloat16 and a float32 run
                way = f"{way} ({fell_back}/{len(used)} in float32)"
            rows.append(Timing(way, tokens, p50, p95, delta))
    return rows


def matmul_gflops(device: torch.device, seconds: float = 2.0) -> float:
    """Sustained float32 matmul rate on ``device``, in GFLOP/s."""
    size = 4096 if device.type == "cuda" else 1024
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    torch.mm(a, b)
    if device.type == "cuda":
        torch.cuda.synchronize()
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        torch.mm(a, b)
        count += 1
    if device.type == "cuda":
        torch.cuda.synchronize()
    return 2 * size**3 * count / (time.perf_counter() - started) / 1e9


def attribution_gflop(model: explain.LoadedModel, text: str) -> float:
    """GFLOP of one attribution, forward and backward, as the torch profiler counts them.

    The profiler counts the dense layers (``addmm``, ``mm``) but not attention's
    batched products, so the floor it gives is a little low: the bar is a
    little harder than it reads. (``FlopCounterMode`` cannot follow Captum's
    ``autograd.grad`` call.)
    """
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU]
    if model.device.type == "cuda":
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities, with_flops=True) as profiler:
        explain.attribute(model, text, n_steps=N_STEPS)
    return sum(event.flops for event in profiler.key_averages() if event.flops) / 1e9


def cache_hit_ms(model: explain.LoadedModel, checkpoint: str, repeats: int) -> float:
    """p50 of a repeated call to the dashboard's cached attribution, on ``model``.

    Each timed call includes the checkpoint-key computation the page pays; the
    already-loaded model is passed to the cached function, so it is not loaded
    a second time (nor checked against the dashboard's allowed roots).
    """
    from components import backend

    request = explain.AttributionRequest(checkpoint, SEED_TEXT, settings=(("n_steps", N_STEPS),))
    backend._attribute(model, backend.cache_key(checkpoint), request)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        backend._attribute(model, backend.cache_key(checkpoint), request)
        samples.append(time.perf_counter() - started)
    return 1000 * statistics.median(samples)


def cold_start(checkpoint: str) -> tuple[float, float]:
    """Seconds and peak MB of a fresh process: import, load, one attribution.

    The child reports its own high-water mark (``VmHWM``): ``ru_maxrss`` on
    Linux keeps the parent's peak across fork and exec.
    """
    code = (
        "import re, explain; "
        f"m = explain.load_checkpoint({checkpoint!r}); "
        "explain.attribute(m, 'Self-driving cars are finally safe.', n_steps=50); "
        "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    return seconds, int(done.stdout.split()[-1]) / 1024


def corpus_tweets(count: int) -> list[str]:
    """The first ``count`` held-out tweets of the bundled model's corpus (never trained on)."""
    from explain.model import bundled

    frame, _ = bundled.load_corpus()
    _, heldout = bundled.split_corpus(frame, bundled.TrainingRecipe())
    return heldout["text"].tolist()[:count]


def batch_throughput(model: explain.LoadedModel, texts: list[str]) -> dict[str, float]:
    """Texts per second explained in length-bucketed batches and one at a time (same code)."""
    explain.attribute_batch(model, texts[:16], n_steps=N_STEPS)  # warm-up
    rates = {}
    results = {}
    for name, batched in (("one_at_a_time", False), ("batched", True)):
        outcome = explain.attribute_batch(model, texts, n_steps=N_STEPS, batched=batched)
        rates[name] = len(outcome.results) / outcome.seconds
        results[name] = outcome.results
    difference = max(
        abs(a - b)
        for one, many in zip(results["one_at_a_time"], results["batched"], strict=True)
        for a, b in zip(one.scores, many.scores, strict=True)
    )
    lengths = [len(result.tokens) for result in results["batched"]]
    return {
        "texts": len(texts),
        "mean_tokens": round(statistics.mean(lengths), 1),
        "one_at_a_time_per_s": round(rates["one_at_a_time"], 2),
        "batched_per_s": round(rates["batched"], 2),
        "speedup": round(rates["batched"] / rates["one_at_a_time"], 2),
        "max_abs_score_difference": difference,
    }


def method_table(model: explain.LoadedModel, repeats: int) -> list[dict[str, object]]:
    """Every registered method with its default settings on one 20-token sentence."""
    text = text_of_length(model.tokenizer, 20)
    rows = []
    for name, method in explain.METHODS.items():
        explain.attribute(model, text, method=name)  # warm-up
        samples = []
        for _ in range(max(3, repeats // 2)):
            result = explain.attribute(model, text, method=name)
            samples.append(result.seconds)
        p50, p95 = percentiles(samples)
        rows.append(
            {
                "method": name,
                "title": method.title,
                "tokens": len(result.tokens),
                "p50": round(p50, 4),
                "p95": round(p95, 4),
                "delta": None if result.delta is None else result.delta,
                "relative_delta": result.relative_delta,
            }
        )
    return rows


def profile(model: explain.LoadedModel, out: Path) -> Path | None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    text = text_of_length(model.tokenizer, 128)
    explain.attribute(model, text, n_steps=N_STEPS)
    with Profiler(interval=0.001) as profiler:
        for _ in range(3):
            explain.attribute(model, text, n_steps=N_STEPS)
    out.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
    return out


def bars(
    rows: list[Timing],
    cache_ms: float,
    floor_multiple: float,
    batch: dict[str, float],
) -> list[tuple[str, bool, str]]:
    by = {(row.way, row.tokens): row for row in rows}
    verdicts = []
    for (way, tokens), ours in by.items():
        if way != "tokenlight":
            continue
        for peer, bar in (
            ("transformers-interpret", BARS["vs_transformers_interpret"]),
            ("seed notebook", BARS["vs_seed_notebook"]),
        ):
            other = by.get((peer, tokens))
            if other is None:
                verdicts.append((f"{tokens} tokens vs {peer}", False, "not measured"))
                continue
            speedup = other.p50 / ours.p50
            ok = speedup >= bar and (
                peer != "transformers-interpret" or ours.abs_delta <= other.abs_delta
            )
            verdicts.append(
                (
                    f"{tokens} tokens: >= {bar}x faster than {peer}"
                    + (", |delta| no larger" if peer == "transformers-interpret" else ""),
                    ok,
                    f"{speedup:.2f}x, |delta| {ours.abs_delta:.1e} vs {other.abs_delta:.1e}",
                )
            )
    verdicts.append(
        (
            f"cache hit <= {BARS['cache_hit_ms']:.0f} ms",
            cache_ms <= BARS["cache_hit_ms"],
            f"{cache_ms:.2f} ms",
        )
    )
    verdicts.append(
        (
            f"within {BARS['floor_multiple_at_128']:.0f}x of the compute floor at 128 tokens",
            floor_multiple <= BARS["floor_multiple_at_128"],
            f"{floor_multiple:.2f}x",
        )
    )
    verdicts.append(
        (
            f"batched >= {BARS['batch_speedup']:.0f}x the texts per second of one at a time "
            f"({batch['texts']} tweets)",
            batch["speedup"] >= BARS["batch_speedup"],
            f"{batch['speedup']:.2f}x ({batch['batched_per_s']:.2f} vs "
            f"{batch['one_at_a_time_per_s']:.2f} texts/s)",
        )
    )
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--checkpoint",
        action="append",
        default=None,
        help="checkpoint to measure (repeatable); default: the bundled one",
    )
    parser.add_argument(
        "--repeats", type=int, default=10, help="timed runs per measurement (default 10)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "artifacts" / "benchmark.json", help="JSON output path"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a bar is missed")
    parser.add_argument(
        "--skip-conductance",
        action="store_true",
        help="leave out the 12-layer conductance comparison (about 2 minutes on 2 cores)",
    )
    args = parser.parse_args(argv)
    checkpoints = args.checkpoint or [explain.DEFAULT_CHECKPOINT]
    torch.manual_seed(0)

    report: dict[str, object] = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "torch_threads": torch.get_num_threads(),
            "device": str(explain.resolve_device()),
            "torch": torch.__version__,
        },
        "n_steps": N_STEPS,
        "bars": BARS,
        "checkpoints": {},
    }
    gflops = matmul_gflops(explain.resolve_device())
    report["matmul_gflops"] = round(gflops, 1)
    all_passed = True
    for checkpoint in checkpoints:
        model = explain.load_checkpoint(checkpoint)
        rows = latency_table(model, args.repeats)
        text128 = text_of_length(model.tokenizer, 128)
        gflop = attribution_gflop(model, text128)
        ours128 = next(
            r for r in rows if r.way == "tokenlight" and r.tokens == max(r.tokens for r in rows)
        )
        floor = gflop / gflops
        cache_ms = cache_hit_ms(model, checkpoint, args.repeats)
        cold_seconds, cold_mb = cold_start(checkpoint)
        batch = batch_throughput(model, corpus_tweets(BATCH_TEXTS))
        methods = method_table(model, args.repeats)
        verdicts = bars(rows, cache_ms, ours128.p50 / floor, batch)
        all_passed &= all(ok for _, ok, _ in verdicts)
        profile_path = profile(model, args.out.with_name(f"profile-{Path(checkpoint).name}.txt"))
        report["checkpoints"][checkpoint] = {
            "latency": [asdict(row) for row in rows],
            "attribution_gflop_at_128": round(gflop, 2),
            "compute_floor_seconds_at_128": round(floor, 4),
            "floor_multiple_at_128": round(ours128.p50 / floor, 2),
            "cache_hit_ms": round(cache_ms, 3),
            "cold_start_seconds": round(cold_seconds, 2),
            "cold_start_peak_mb": round(cold_mb, 1),
            "batch_throughput": batch,
            "methods_at_20_tokens": methods,
            "bars": [
                {"bar": name, "passed": ok, "measured": value} for name, ok, value in verdicts
            ],
            "profile": str(profile_path) if profile_path else None,
        }

        print(
            f"\n== {checkpoint} on {report['machine']['device']}, "
            f"{torch.get_num_threads()} threads =="
        )
        print(f"{'way':<24}{'tokens':>7}{'p50 s':>9}{'p95 s':>9}{'|delta|':>11}")
        for row in rows:
            print(
                f"{row.way:<24}{row.tokens:>7}{row.p50:>9.3f}{row.p95:>9.3f}{row.abs_delta:>11.2e}"
            )
        print(
            f"\nmatmul rate {gflops:.1f} GFLOP/s; attribution at {ours128.tokens} tokens: "
            f"{gflop:.1f} GFLOP, floor {floor:.3f} s, ours {ours128.p50:.3f} s "
            f"= {ours128.p50 / floor:.2f}x the floor"
        )
        print(
            f"cache hit {cache_ms:.2f} ms; cold start {cold_seconds:.2f} s, peak {cold_mb:.0f} MB"
        )
        print(
            f"peak RSS of this benchmark process: "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )
        print(
            f"batch of {batch['texts']} tweets (mean {batch['mean_tokens']} tokens): "
            f"{batch['batched_per_s']:.2f} texts/s batched, {batch['one_at_a_time_per_s']:.2f} "
            f"one at a time = {batch['speedup']:.2f}x; max score difference "
            f"{batch['max_abs_score_difference']:.1e}"
        )
        print(f"\n{'method (default settings)':<44}{'tokens':>7}{'p50 s':>9}{'delta':>12}")
        for row in methods:
            delta = "n/a" if row["delta"] is None else f"{row['delta']:+.2e}"
            print(f"{row['title']:<44}{row['tokens']:>7}{row['p50']:>9.3f}{delta:>12}")
        for name, ok, value in verdicts:
            print(f"  [{'PASS' if ok else 'FAIL'}] {name}: {value}")
    if not args.skip_conductance:
        from benchmarks import conductance

        measured = conductance.measure(device=str(explain.resolve_device()))
        passed = measured["speedup"] >= BARS["conductance_speedup"]
        all_passed &= passed
        report["conductance_all_layers"] = measured
        print(
            f"\n== all-layer conductance, random {measured['layers']}-layer 768-wide BERT, "
            f"{measured['tokens']} tokens, {measured['n_steps']} steps ==\n"
            f"one pass {measured['all_layers_s']:.2f} s, Captum per-layer loop "
            f"{measured['captum_loop_s']:.2f} s, max difference {measured['max_abs_diff']:.1e}\n"
            f"  [{'PASS' if passed else 'FAIL'}] >= {BARS['conductance_speedup']:.0f}x faster "
            f"than the per-layer loop: {measured['speedup']:.2f}x"
        )
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nJSON written to {args.out}")
    return 0 if all_passed or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
