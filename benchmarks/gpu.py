"""The GPU benchmark: CUDA tests, then Layer IG on a random BERT-base-sized model on ``cuda``.

Run it with ``make bench-gpu`` on a machine with a CUDA GPU. It

1. runs the CUDA tests (``tests/test_cuda.py``: every method, bfloat16,
   batching and the pooled last layer on ``cuda``);
2. times, on a random 12-layer, 768-wide BERT: Layer IG at 128 tokens at the
   default error tolerance (bar: at most 30 ms), and 64 texts batched against
   one at a time (bar: at least 5x);
3. with ``--write-docs``, writes the dated table into the "GPU benchmark"
   section of docs/benchmarks.md, between its markers.

Without a CUDA GPU it prints why and exits with status 0, doing nothing
(:data:`NO_GPU_STATUS`), so ``make bench-gpu`` is safe to run anywhere.
"""

from __future__ import annotations

import argparse
import datetime
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import explain  # noqa: E402
from benchmarks.conductance import build_model  # noqa: E402
from tests.tiny import WORDS  # noqa: E402

NO_GPU_STATUS = 0
NO_GPU_MESSAGE = (
    "bench-gpu: no CUDA GPU here (torch.cuda.is_available() is False), so nothing was run. "
    "Run `make bench-gpu` on a machine with an NVIDIA GPU and a CUDA build of torch."
)
BARS = {"layer_ig_128_ms": 30.0, "batch_speedup_64": 5.0}
DOCS_PAGE = ROOT / "docs" / "benchmarks.md"
DOCS_START = "<!-- gpu-benchmark:start -->"
DOCS_END = "<!-- gpu-benchmark:end -->"


def _text(words: int, offset: int = 0) -> str:
    plain = [word for word in WORDS if word.isalpha()]
    return " ".join(plain[(offset + i) % len(plain)] for i in range(words))


def _synchronized(run) -> float:
    torch.cuda.synchronize()
    started = time.perf_counter()
    run()
    torch.cuda.synchronize()
    return time.perf_counter() - started


def measure(repeats: int = 10) -> dict[str, float]:
    """Layer IG at 128 tokens and 64 texts batched vs one at a time, on ``cuda``."""
    model = build_model(layers=12, hidden=768, device="cuda")
    text = _text(126)
    explain.attribute(model, text, output="logit", integration="adaptive")  # warm-up
    times = [
        _synchronized(
            lambda: explain.attribute(model, text, output="logit", integration="adaptive")
        )
        for _ in range(repeats)
    ]
    result = explain.attribute(model, text, output="logit", integration="adaptive")
    texts = [_text(20 + i % 20, offset=i) for i in range(64)]
    explain.attribute_batch(model, texts[:8], output="logit")  # warm-up
    one = _synchronized(
        lambda: explain.attribute_batch(model, texts, output="logit", batched=False)
    )
    many = _synchronized(lambda: explain.attribute_batch(model, texts, output="logit"))
    return {
        "device": torch.cuda.get_device_name(0),
        "layer_ig_128_ms": 1000 * statistics.median(times),
        "layer_ig_128_gradients": result.settings.n_steps,
        "layer_ig_128_error_estimate": result.error_estimate,
        "one_at_a_time_s": one,
        "batched_s": many,
        "batch_speedup_64": one / many,
    }


def table(numbers: dict[str, float]) -> str:
    """The measured numbers as the benchmarks page's Markdown table."""
    ig_ok = numbers["layer_ig_128_ms"] <= BARS["layer_ig_128_ms"]
    batch_ok = numbers["batch_speedup_64"] >= BARS["batch_speedup_64"]
    return "\n".join(
        [
            f"Run on {datetime.date.today().isoformat()}, {numbers['device']}, random 12-layer "
            "768-wide BERT:",
            "",
            "| Measure | Measured | Bar | Result |",
            "|---|---|---|---|",
            f"| Layer IG at 128 tokens, default tolerance | {numbers['layer_ig_128_ms']:.1f} ms "
            f"({numbers['layer_ig_128_gradients']} gradients) | ≤ 30 ms | "
            f"{'yes' if ig_ok else 'missed'} |",
            f"| 64 texts, batched vs one at a time | {numbers['batched_s']:.2f} vs "
            f"{numbers['one_at_a_time_s']:.2f} s | ≥ 5× | {numbers['batch_speedup_64']:.1f}× "
            f"{'yes' if batch_ok else 'missed'} |",
        ]
    )


def write_docs(markdown: str, page: Path = DOCS_PAGE) -> None:
    """Put ``markdown`` between the GPU-benchmark markers of the benchmarks page.

    Raises:
        ValueError: the page has no pair of markers; put them back where the table goes.
    """
    text = page.read_text()
    block = f"{DOCS_START}\n{markdown}\n{DOCS_END}"
    pattern = re.compile(re.escape(DOCS_START) + ".*?" + re.escape(DOCS_END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(
            f"{page} has no {DOCS_START} ... {DOCS_END} markers; put them back where the "
            "GPU table goes."
        )
    page.write_text(pattern.sub(lambda _: block, text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.gpu", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--skip-tests", action="store_true", help="leave out tests/test_cuda.py")
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="write the table into docs/benchmarks.md, between its GPU-benchmark markers",
    )
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print(NO_GPU_MESSAGE)
        return NO_GPU_STATUS
    status = 0
    if not args.skip_tests:
        status = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "tests/test_cuda.py"], cwd=ROOT
        ).returncode
    numbers = measure(args.repeats)
    markdown = table(numbers)
    print(markdown)
    if args.write_docs:
        write_docs(markdown)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
