"""Latency and completeness of a long document explained in windows, on the bundled model.

Run it with ``python benchmarks/long_documents.py`` (``TOKENLIGHT_CACHE_DIR`` pointing at
the built checkpoint). It builds a document of about 2,000 tokens from the curated
examples, explains it with Layer IG's defaults (50 fixed steps, ``pad`` baseline) in
windows at the default stride and at a full-window stride, and the first window alone
(truncation) for comparison, and prints one JSON line per run: seconds, windows,
``f_input - f_baseline``, ``delta`` and the relative delta.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import explain  # noqa: E402
from explain.model.encoding import window_width  # noqa: E402
from explain.model.examples import EXAMPLES  # noqa: E402


def document(loaded: explain.LoadedModel, tokens: int) -> str:
    """The curated examples, one after the other, until the text has ``tokens`` tokens."""
    sentences: list[str] = []
    while len(loaded.tokenizer(" ".join(sentences))["input_ids"]) < tokens:
        sentences.append(EXAMPLES[len(sentences) % len(EXAMPLES)].text)
    return " ".join(sentences)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoint", default=explain.BUNDLED_NAME)
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    loaded = explain.load_checkpoint(args.checkpoint, device="cpu")
    text = document(loaded, args.tokens)
    explain.attribute(loaded, EXAMPLES[0].text)  # warm-up
    runs = [
        ("truncate", {}),
        ("windows, default stride", {"long": "windows"}),
        (
            "windows, stride of a whole window",
            {"long": "windows", "stride": window_width(loaded.tokenizer, loaded.max_length)},
        ),
    ]
    for name, options in runs:
        for _ in range(args.repeats):
            started = time.perf_counter()
            result = explain.attribute(loaded, text, **options)  # type: ignore[arg-type]
            seconds = time.perf_counter() - started
            change = result.output_change
            print(
                json.dumps(
                    {
                        "run": name,
                        "tokens": len(result.tokens) + result.tokens_dropped,
                        "scored": len(result.tokens),
                        "windows": result.windows,
                        "stride": result.settings.stride,
                        "seconds": round(seconds, 2),
                        "f_input": result.f_input,
                        "f_baseline": result.f_baseline,
                        "change": change,
                        "delta": result.delta,
                        "relative_delta": result.relative_delta,
                        "threads": torch.get_num_threads(),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
