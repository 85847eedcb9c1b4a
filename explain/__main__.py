"""Explain sentences from the command line: ``python -m explain --help``."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from pathlib import Path

from explain.baselines import BASELINES, DEFAULT_BASELINE
from explain.checkpoints import DEFAULT_CHECKPOINT, load_checkpoint
from explain.errors import TokenlightError
from explain.export import html_report, to_csv, to_json
from explain.methods import DEFAULT_METHOD, METHODS, attribute, get_method
from explain.targets import OUTPUT_DESCRIPTIONS, OUTPUT_KINDS

FORMATS = ("json", "csv", "html")
WRITERS = {"json": to_json, "csv": to_csv, "html": html_report}


def read_sentences(path: Path, column: str | None) -> list[str]:
    """Sentences from a .txt file (one per non-empty line) or a .csv file (one column).

    Raises:
        ValueError: the CSV has no such column, or the file holds no sentence.
    """
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
        columns = list(rows[0]) if rows else []
        name = column or (columns[0] if columns else None)
        if name not in columns:
            raise ValueError(f"{path} has no column {name!r}. Its columns: {', '.join(columns)}.")
        sentences = [row[name] for row in rows]
    else:
        sentences = text.splitlines()
    sentences = [sentence for sentence in sentences if sentence and sentence.strip()]
    if not sentences:
        raise ValueError(f"{path} holds no sentence.")
    return sentences


def parser() -> argparse.ArgumentParser:
    method_settings = {s.name: s for spec in METHODS.values() for s in spec.settings}
    steps = method_settings["n_steps"]
    build = argparse.ArgumentParser(
        prog="python -m explain",
        description="Explain why a text classifier predicts what it does, token by token "
        "(Layer Integrated Gradients from Captum). Prints JSON unless --format says so.",
        epilog="Example: python -m explain 'Self-driving cars are great' --format html "
        "--out report.html",
    )
    build.add_argument("sentences", nargs="*", help="sentences to explain (or use --file)")
    build.add_argument(
        "--file",
        type=Path,
        help="a .txt file with one sentence per line, or a .csv file (see --column)",
    )
    build.add_argument("--column", help="the CSV column holding the text (default: the first)")
    build.add_argument(
        "--checkpoint",
        default=DEFAULT_CHECKPOINT,
        help="registered name, local directory or Hugging Face Hub id "
        f"(default: {DEFAULT_CHECKPOINT})",
    )
    build.add_argument(
        "--method",
        default=DEFAULT_METHOD,
        choices=list(METHODS),
        help=f"attribution method (default: {DEFAULT_METHOD})",
    )
    build.add_argument(
        "--target",
        default=None,
        help="label name or index to explain (default: each sentence's predicted label)",
    )
    build.add_argument(
        "--output",
        default="probability",
        choices=OUTPUT_KINDS,
        help="what is explained: "
        + "; ".join(f"{kind}: {text}" for kind, text in OUTPUT_DESCRIPTIONS.items()),
    )
    build.add_argument(
        "--baseline",
        default=DEFAULT_BASELINE,
        choices=list(BASELINES),
        help="; ".join(f"{name}: {b.description}" for name, b in BASELINES.items()),
    )
    build.add_argument(
        "--steps",
        type=int,
        default=steps.default,
        help=f"{steps.help} Range {steps.minimum}-{steps.maximum} (default: {steps.default}).",
    )
    build.add_argument("--format", choices=FORMATS, default="json", help="output format")
    build.add_argument("--out", type=Path, help="write here instead of standard output")
    return build


def main(argv: Sequence[str] | None = None) -> int:
    from transformers.utils import logging as hf_logging

    args = parser().parse_args(argv)
    hf_logging.disable_progress_bar()
    try:
        sentences = list(args.sentences)
        if args.file is not None:
            sentences += read_sentences(args.file, args.column)
        if not sentences:
            parser().error("give at least one sentence, or --file")
        target = (
            int(args.target) if args.target is not None and args.target.isdigit() else args.target
        )
        get_method(args.method)
        model = load_checkpoint(args.checkpoint)
        from tqdm import tqdm

        results = [
            attribute(
                model,
                sentence,
                method=args.method,
                target=target,
                output=args.output,
                baseline=args.baseline,
                n_steps=args.steps,
            )
            for sentence in tqdm(
                sentences,
                desc="Explaining",
                unit="sentence",
                disable=len(sentences) < 2,
                file=sys.stderr,
            )
        ]
    except (TokenlightError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    document = WRITERS[args.format](results)
    if args.out is None:
        sys.stdout.write(document)
    else:
        args.out.write_text(document, encoding="utf-8")
        print(f"Wrote {len(results)} result(s) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
