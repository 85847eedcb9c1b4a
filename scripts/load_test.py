"""Load test of the attribution backends, on loopback only; it stops by itself.

Usage: ``.venv/bin/python scripts/load_test.py [--duration 60] [--clients 8 32] [--json out.json]``

Two setups take the same stream of requests from 8 and 32 concurrent clients:

- ``in-process``: ``explain.attribute`` called from one thread per client on one
  shared model behind its lock, as the dashboard's sessions do;
- ``serve``: the Ray Serve service (``python -m explain.serve``) on 127.0.0.1,
  each client a thread sending ``POST /explain``.

It reports p50 and p95 latency, throughput, errors and the mean batch size, and
checks every result against the same request explained alone. Then it measures
two things on the Serve setup: how long one viewer's single explanation takes
while another viewer runs a 1,000-text batch through the service, and what
happens to requests when the replica's process is killed under load.

Without ``--checkpoint`` the model is a random BERT of all-MiniLM-L6-v2's depth
and width (6 layers, 384 wide) built in a temporary directory, so the script
needs no download and no bundled build. Every phase is bounded in time, and a
watchdog ends the process if the whole run overshoots its budget.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import explain
from explain.serve import client
from tests.tiny import SPECIAL, WORDS, save_tiny_classifier

N_STEPS = 50
SLACK_S = 300  # the watchdog's margin over the planned phases, for Ray's start and stop
REQUEST_TIMEOUT_S = 120.0  # a phase ends when its last request is answered, or times out
TOLERANCE = 2e-5  # float32 rounding, relative to the largest score


@dataclass
class Phase:
    """What one timed phase saw."""

    name: str
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    batch_sizes: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    mismatches: int = 0
    checked: int = 0
    worst_difference: float = 0.0

    def summary(self) -> dict[str, object]:
        done = len(self.latencies)
        ordered = sorted(self.latencies)
        return {
            "phase": self.name,
            "clients": self.clients,
            "requests": done,
            "p50_s": _quantile(ordered, 0.5),
            "p95_s": _quantile(ordered, 0.95),
            "throughput_per_s": done / self.seconds if self.seconds else 0.0,
            "errors": len(self.errors),
            "error_examples": sorted(set(self.errors))[:3],
            "mean_batch_size": statistics.fmean(self.batch_sizes) if self.batch_sizes else 0.0,
            "checked_against_alone": self.checked,
            "mismatches": self.mismatches,
            "worst_relative_difference": self.worst_difference,
        }


def _quantile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def save_minilm_shaped(directory: Path) -> Path:
    """A random BERT classifier of all-MiniLM-L6-v2's shape (6 layers, 384 wide, 12 heads,
    1536 inner), BERT's usual initialisation, and the test vocabulary."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    directory.mkdir(parents=True, exist_ok=True)
    tokens = SPECIAL + WORDS
    tokenizer = BertTokenizerFast(vocab={token: i for i, token in enumerate(tokens)})
    config = BertConfig(
        vocab_size=len(tokens),
        hidden_size=384,
        num_hidden_layers=6,
        num_attention_heads=12,
        intermediate_size=1536,
        max_position_embeddings=512,
        num_labels=3,
        id2label={0: "negative", 1: "neutral", 2: "positive"},
        label2id={"negative": 0, "neutral": 1, "positive": 2},
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def sentences(count: int, seed: int = 0) -> list[str]:
    """Seeded sentences of 4 to 24 words from the test vocabulary (no [UNK] pieces)."""
    rng = random.Random(seed)
    words = [word for word in WORDS if word.isalpha()]
    return [" ".join(rng.choices(words, k=rng.randint(4, 24))) for _ in range(count)]


def difference(got: explain.Attribution, alone: explain.Attribution) -> float:
    """The largest score difference over the largest score; infinite if tokens or target differ."""
    if got.tokens != alone.tokens or got.target_index != alone.target_index:
        return float("inf")
    scale = max(abs(score) for score in alone.scores) or 1.0
    return max(abs(a - b) for a, b in zip(got.scores, alone.scores, strict=True)) / scale


def run_clients(
    phase: Phase,
    ask: Callable[[str], tuple[explain.Attribution, int]],
    texts: list[str],
    reference: dict[str, explain.Attribution],
) -> Phase:
    """``phase.clients`` threads ask for explanations until ``phase.seconds`` have passed."""
    deadline = time.perf_counter() + phase.seconds
    lock = threading.Lock()

    def client_loop(number: int) -> None:
        rng = random.Random(number)
        while time.perf_counter() < deadline:
            text = rng.choice(texts)
            started = time.perf_counter()
            try:
                result, batch_size = ask(text)
            except explain.TokenlightError as error:
                with lock:
                    phase.errors.append(str(error)[:200])
                continue
            elapsed = time.perf_counter() - started
            gap = difference(result, reference[text])
            equal = gap <= TOLERANCE
            with lock:
                phase.worst_difference = max(phase.worst_difference, gap)
                phase.latencies.append(elapsed)
                phase.batch_sizes.append(batch_size)
                phase.checked += 1
                phase.mismatches += not equal

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(phase.clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - started  # includes the requests in flight at the end
    return phase


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def single_latencies(
    ask: Callable[[str], tuple[explain.Attribution, int]], texts: list[str], seconds: float
) -> list[float]:
    """One viewer's explanations, one after another, for ``seconds``."""
    found = []
    deadline = time.perf_counter() + seconds
    index = 0
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        ask(texts[index % len(texts)])
        found.append(time.perf_counter() - started)
        index += 1
    return found


def starvation(
    ask: Callable[[str], tuple[explain.Attribution, int]],
    big_batch: Callable[[threading.Event], None],
    texts: list[str],
    seconds: float,
) -> dict[str, object]:
    """A viewer's single-explanation latency alone, and while another runs a big batch."""
    alone = single_latencies(ask, texts[:4], seconds / 2)
    stop = threading.Event()
    runner = threading.Thread(target=big_batch, args=(stop,))
    runner.start()
    time.sleep(min(5.0, seconds / 10))  # let the batch get going
    loaded = single_latencies(ask, texts[:4], seconds)
    stop.set()
    runner.join()
    ratio = statistics.median(loaded) / statistics.median(alone)
    return {
        "alone_median_s": statistics.median(alone),
        "during_batch_median_s": statistics.median(loaded),
        "during_batch_max_s": max(loaded),
        "ratio_of_medians": ratio,
        "samples": len(loaded),
    }


def kill_under_load(
    url: str, spec: str, texts: list[str], clients: int, seconds: float, steps: int
) -> dict[str, object]:
    """Kill the replica's process in the middle of a load phase; count what each request got."""
    from explain.serve.deployment import replica_pids

    outcomes: list[tuple[float, float, str]] = []  # (sent, answered, "ok" or the error)
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds

    def client_loop(number: int) -> None:
        rng = random.Random(100 + number)
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                client.explain_remote(url, rng.choice(texts), spec, explain.DEFAULT_METHOD,
                                      timeout=REQUEST_TIMEOUT_S, n_steps=steps)  # fmt: skip
                status = "ok"
            except explain.TokenlightError as error:
                status = str(error)[:200]
            with lock:
                outcomes.append((sent - start, time.perf_counter() - start, status))

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 3)
    victims = replica_pids()
    killed_at = time.perf_counter() - start
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    for thread in threads:
        thread.join()
    failed = [status for _, _, status in outcomes if status != "ok"]
    recovered = [answered for sent, answered, status in outcomes
                 if status == "ok" and sent > killed_at]  # fmt: skip
    after_kill = [answered - sent for sent, answered, status in outcomes
                  if sent <= killed_at <= answered or sent > killed_at]  # fmt: skip
    healthy = client.health(url)["status"]
    return {
        "replicas_killed": len(victims),
        "killed_at_s": killed_at,
        "requests": len(outcomes),
        "succeeded": len(outcomes) - len(failed),
        "failed": len(failed),
        "failure_messages": sorted(set(failed))[:3],
        "first_success_sent_after_kill_s": (min(recovered) - killed_at) if recovered else None,
        "slowest_request_around_kill_s": max(after_kill, default=None),
        "healthz_after": healthy,
        "new_replica_pids_differ": replica_pids() != victims,
    }


def give_up() -> None:
    """The run overshot its budget: stop Ray and this process, whatever they are doing."""
    print("load test: out of time, stopping", file=sys.stderr)
    threading.Timer(60, lambda: os._exit(3)).start()  # in case Ray's shutdown hangs
    try:
        import ray

        if ray.is_initialized():
            ray.shutdown()
    finally:
        os._exit(3)


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| Setup | Clients | Requests | p50 (s) | p95 (s) | Throughput (req/s) | Errors | "
        "Mean batch | Equal to alone | Worst difference |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['phase']} | {row['clients']} | {row['requests']} | {row['p50_s']:.2f} | "
            f"{row['p95_s']:.2f} | {row['throughput_per_s']:.2f} | {row['errors']} | "
            f"{row['mean_batch_size']:.2f} | "
            f"{row['checked_against_alone'] - row['mismatches']}/{row['checked_against_alone']} | "
            f"{row['worst_relative_difference']:.1e} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per load phase")
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32], help="client counts")
    parser.add_argument("--checkpoint", default=None, help="default: a random MiniLM-sized BERT")
    parser.add_argument(
        "--small",
        action="store_true",
        help="without --checkpoint: a tiny random BERT (2 layers, 32 wide) for a quick run",
    )
    parser.add_argument("--n-steps", type=int, default=N_STEPS, help="Layer IG steps per request")
    parser.add_argument("--replicas", type=int, default=1, help="Serve replicas")
    parser.add_argument("--batch-wait-ms", type=float, default=15.0, help="batch wait")
    parser.add_argument("--max-batch-size", type=int, default=16, help="most requests a batch")
    parser.add_argument(
        "--batch-concurrency",
        type=int,
        default=4,
        help="requests the big-batch viewer keeps in flight in the starvation test",
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=["in-process", "serve",
                        "starvation", "kill"], help="phases to leave out")  # fmt: skip
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args()
    steps = args.n_steps

    phases = len(args.clients) * 2 + 4
    watchdog = threading.Timer(phases * (args.duration + REQUEST_TIMEOUT_S) + SLACK_S, give_up)
    watchdog.daemon = True
    watchdog.start()

    scratch = tempfile.TemporaryDirectory(prefix="tokenlight-load-")
    random_model = Path(scratch.name) / "random"
    spec = args.checkpoint or str(
        save_tiny_classifier(random_model) if args.small else save_minilm_shaped(random_model)
    )
    os.environ["TOKENLIGHT_ALLOWED_ROOTS"] = os.pathsep.join(
        filter(None, [os.environ.get("TOKENLIGHT_ALLOWED_ROOTS"), scratch.name])
    )
    texts = sentences(24)
    loaded = explain.load_checkpoint(spec)
    print(f"Reference: {len(texts)} texts explained alone on {loaded.device} ...", file=sys.stderr)
    reference = {text: explain.attribute(loaded, text, n_steps=steps) for text in texts}
    report: dict[str, object] = {
        "device": str(loaded.device),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "checkpoint": args.checkpoint
        or ("tiny random BERT" if args.small else "random BERT of all-MiniLM-L6-v2's shape"),
        "n_steps": steps,
        "duration_s": args.duration,
    }
    rows: list[dict[str, object]] = []

    def ask_local(text: str) -> tuple[explain.Attribution, int]:
        return explain.attribute(loaded, text, n_steps=steps), 1

    if "in-process" not in args.skip:
        for clients in args.clients:
            print(f"in-process, {clients} clients ...", file=sys.stderr)
            phase = Phase("in-process", clients, args.duration)
            rows.append(run_clients(phase, ask_local, texts, reference).summary())
            print(table(rows[-1:]), file=sys.stderr)

    if {"serve", "starvation", "kill"} - set(args.skip):
        from explain.serve.cli import start_ray, stop_ray
        from explain.serve.deployment import ServeOptions, start

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        cpus = os.cpu_count() or 2
        start_ray(num_cpus=cpus)
        try:
            started = time.perf_counter()
            start(
                ServeOptions(
                    port=port,
                    replicas=args.replicas,
                    batch_wait_ms=args.batch_wait_ms,
                    max_batch_size=args.max_batch_size,
                    replica_cpus=max(1, cpus // args.replicas),
                )
            )
            report["serve_start_s"] = time.perf_counter() - started

            def ask_served(text: str, viewer: str | None = None) -> tuple[explain.Attribution, int]:
                answer = client.explain_remote(
                    url, text, spec, explain.DEFAULT_METHOD, REQUEST_TIMEOUT_S, viewer,
                    n_steps=steps,
                )  # fmt: skip
                return answer.result, answer.batch_size

            ask_served(texts[0])  # the replica loads the model
            if "serve" not in args.skip:
                for clients in args.clients:
                    print(f"serve, {clients} clients ...", file=sys.stderr)
                    phase = Phase("serve", clients, args.duration)
                    rows.append(run_clients(phase, ask_served, texts, reference).summary())
                    print(table(rows[-1:]), file=sys.stderr)
            if "starvation" not in args.skip:
                big = sentences(1000, seed=7)

                def big_batch(stop: threading.Event) -> None:
                    pending = iter(big)
                    lock = threading.Lock()

                    def worker() -> None:
                        while not stop.is_set():
                            with lock:
                                text = next(pending, None)
                            if text is None:
                                return
                            with contextlib.suppress(explain.TokenlightError):
                                ask_served(text, "big-batch viewer")

                    workers = [threading.Thread(target=worker)
                               for _ in range(args.batch_concurrency)]  # fmt: skip
                    for worker_thread in workers:
                        worker_thread.start()
                    for worker_thread in workers:
                        worker_thread.join()

                print("starvation ...", file=sys.stderr)
                report["starvation_serve"] = starvation(
                    lambda text: ask_served(text, "single viewer"), big_batch, texts, args.duration
                ) | {"batch_client_concurrency": args.batch_concurrency}
                print(report["starvation_serve"], file=sys.stderr)
            if "kill" not in args.skip:
                print("killing the replica under load ...", file=sys.stderr)
                report["kill"] = kill_under_load(url, spec, texts, 8, args.duration, steps)
                print(report["kill"], file=sys.stderr)
        finally:
            stop_ray()

    if "starvation" not in args.skip and "in-process" not in args.skip:

        class Stop(Exception):
            pass

        def local_batch(stop: threading.Event) -> None:
            def progress(done: int, total: int) -> None:
                if stop.is_set():
                    raise Stop

            with contextlib.suppress(Stop):
                explain.attribute_batch(loaded, sentences(1000, seed=7), progress=progress,
                                        n_steps=steps)  # fmt: skip

        print("starvation, in-process ...", file=sys.stderr)
        report["starvation_in_process"] = starvation(ask_local, local_batch, texts, args.duration)
        print(report["starvation_in_process"], file=sys.stderr)

    report["rows"] = rows
    report["load_average_at_end"] = os.getloadavg()
    print(table(rows))
    print(json.dumps({key: value for key, value in report.items() if key != "rows"}, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    scratch.cleanup()
    watchdog.cancel()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
