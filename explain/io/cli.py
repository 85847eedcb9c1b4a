"""Explain sentences from the command line: ``python -m explain --help``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from explain.core.errors import InputError, TokenlightError
from explain.core.limits import MAX_TEXT_CHARS, check_length
from explain.core.results import LONG_MODES, Attribution
from explain.core.settings import ChoiceSetting, FloatSetting, IntSetting, Setting, TextSetting
from explain.core.targets import (
    MULTI_LABEL_THRESHOLD,
    OUTPUT_DESCRIPTIONS,
    OUTPUT_KINDS,
    check_threshold,
)
from explain.evaluation.gold import LABEL_COLUMN_NAMES, gold_report
from explain.io.export import html_report, to_csv, to_json
from explain.io.notebook import to_notebook
from explain.io.readers import TEXT_COLUMN_NAMES, read_file, read_table
from explain.io.request_checks import declared_settings
from explain.io.task_args import (
    add_task_arguments,
    no_gold_labels,
    requested_task,
    task_targets,
)
from explain.methods.baselines import BASELINES, DEFAULT_BASELINE
from explain.methods.batch import BatchItem, BatchResult
from explain.methods.registry import DEFAULT_METHOD, METHODS, methods_with
from explain.methods.request import AttributionRequest
from explain.model.checkpoints import DEFAULT_CHECKPOINT, load_checkpoint
from explain.tasks.explain_task import explain_request

PROG = "python -m explain"
FORMATS = ("json", "csv", "html", "ipynb")


def _notebook(results: Sequence[Attribution]) -> str:
    """The notebook that reproduces the one result; refuses several.

    Raises:
        InputError: more than one sentence was explained.
    """
    if len(results) != 1:
        raise InputError(
            f"A notebook reproduces one explanation, but {len(results)} sentences were "
            "explained. Give one sentence with --format ipynb."
        )
    return to_notebook(results[0])


WRITERS: dict[str, Callable[[Sequence[Attribution]], str]] = {
    "json": to_json,
    "csv": to_csv,
    "html": html_report,
    "ipynb": _notebook,
}


def _only(capability: str) -> str:
    """Which methods have ``capability``, for a flag's help: ``"; only for: ..."``."""
    return f"; only for: {', '.join(method.name for method in methods_with(capability))}"


def _setting_help(setting: Setting | TextSetting) -> str:
    if isinstance(setting, IntSetting | FloatSetting):
        bounds = f" Range {setting.minimum}-{setting.maximum}."
    elif isinstance(setting, ChoiceSetting):
        bounds = f" One of: {', '.join(setting.choices)}."
    else:
        bounds = ""
    users = [m.name for m in METHODS.values() if any(s.name == setting.name for s in m.settings)]
    users += [b.name for b in BASELINES.values() if any(s.name == setting.name for s in b.settings)]
    where = f" Used by: {', '.join(users)}." if users else " Used by: auto steps."
    text = f"{setting.help}{bounds}{where} Default: the method's or baseline's own."
    return text.replace("%", "%%")  # argparse formats help with %


def parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The command line's parser.

    Args:
        prog: the command's name in the usage line and the example.
            Default: ``"python -m explain"``

    Returns:
        The parser; a flag per declared method and baseline setting.
    """
    build = argparse.ArgumentParser(
        prog=prog,
        description="Explain why a text classifier predicts what it does, token by token, "
        "with Captum. Prints JSON unless --format says so. Options a method or baseline "
        "does not take are refused with a list of those it does.",
        epilog=f"Example: {prog} 'Self-driving cars are great' --format html --out report.html",
    )
    build.add_argument(
        "sentences",
        nargs="*",
        help=f"sentences to explain (or use --file), each of at most {MAX_TEXT_CHARS:,} characters",
    )
    build.add_argument(
        "--file",
        type=Path,
        help="a .txt file with one sentence per line, or a .csv file (see --column); "
        f"each text of at most {MAX_TEXT_CHARS:,} characters",
    )
    build.add_argument(
        "--column",
        help="the CSV column holding the text (default: the first column named "
        f"{', '.join(TEXT_COLUMN_NAMES)}, in any case; else the column with the longest "
        "non-numeric cells)",
    )
    build.add_argument(
        "--label-column",
        default=None,
        help="a CSV column of gold labels (names or indices) for --file: adds accuracy, "
        "macro-F1 and the confusion matrix to the JSON. Usual names: "
        f"{', '.join(LABEL_COLUMN_NAMES)}",
    )
    build.add_argument(
        "--pair",
        default=None,
        help="a second text for sentence-pair checkpoints (NLI, paraphrase), used with "
        f"every sentence, of at most {MAX_TEXT_CHARS:,} characters" + _only("sentence_pairs"),
    )
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
        help=("; ".join(f"{name}: {m.description}" for name, m in METHODS.items())).replace(
            "%", "%%"
        )
        + f" (default: {DEFAULT_METHOD})",
    )
    build.add_argument(
        "--target",
        default=None,
        help="label name or index to explain (default: each sentence's predicted label); for "
        "a task, its own label: an entity group, a candidate label, or start/end of the answer",
    )
    build.add_argument(
        "--contrast",
        default=None,
        help="a second label name or index: explain logit[target] - logit[contrast] "
        "instead of --output" + _only("contrast"),
    )
    build.add_argument(
        "--output",
        default="probability",
        choices=OUTPUT_KINDS,
        help="what is explained: "
        + "; ".join(f"{kind}: {OUTPUT_DESCRIPTIONS[kind]}" for kind in OUTPUT_KINDS)
        + ". A multi-label head explains its label's sigmoid probability instead of "
        "probability, a regression head its predicted score whatever --output says, and "
        "--contrast explains the logit difference",
    )
    build.add_argument(
        "--baseline",
        default=DEFAULT_BASELINE,
        choices=list(BASELINES),
        help="; ".join(f"{name}: {b.description}" for name, b in BASELINES.items()).replace(
            "%", "%%"
        ),
    )
    build.add_argument(
        "--auto-steps",
        action="store_true",
        help="raise the integration steps until |delta| is within --tolerance of "
        "F(input) - F(baseline)" + _only("auto_steps"),
    )
    build.add_argument(
        "--long",
        default="truncate",
        choices=LONG_MODES,
        help="a text longer than the model's window: truncate cuts it to fit (the JSON's "
        "tokens_dropped says by how much); windows explains all of it in overlapping windows "
        "of the model's length, run in batched passes: its output is the mean of the windows' "
        "outputs, and every token's score the mean of its windows' scores, so the scores still "
        "add up to f_input - f_baseline (the JSON's windows says how many there were)"
        + _only("windows")
        + " (default: truncate)",
    )
    build.add_argument(
        "--stride",
        type=int,
        default=None,
        help="with --long windows, text tokens from one window's start to the next's "
        "(default: half a window)",
    )
    for name, setting in declared_settings().items():
        flags = [f"--{name.replace('_', '-')}"] + (["--steps"] if name == "n_steps" else [])
        kind = {IntSetting: int, FloatSetting: float}.get(type(setting), str)
        build.add_argument(
            *flags,
            dest=name,
            type=kind,
            default=None,
            choices=setting.choices if isinstance(setting, ChoiceSetting) else None,
            help=_setting_help(setting),
        )
    build.add_argument(
        "--threshold",
        type=float,
        default=MULTI_LABEL_THRESHOLD,
        help="for a multi-label checkpoint: a label is predicted when its sigmoid probability "
        "is at or above this (strictly between 0 and 1); the JSON's predicted_labels and the "
        f"CSV's predicted_labels column follow it (default: {MULTI_LABEL_THRESHOLD})",
    )
    add_task_arguments(build)
    build.add_argument("--format", choices=FORMATS, default="json", help="output format")
    build.add_argument("--out", type=Path, help="write here instead of standard output")
    return build


def check_lengths(sentences: Sequence[str], pair: str | None) -> None:
    """Refuse a sentence given as an argument, or the ``--pair`` text, over the text limit.

    Raises:
        InputError: one is longer than :data:`explain.core.limits.MAX_TEXT_CHARS`;
            the message names it.
    """
    for number, sentence in enumerate(sentences, start=1):
        check_length(sentence, "The sentence" if len(sentences) == 1 else f"Sentence {number}")
    if pair is not None:
        check_length(pair, "The --pair text")


def _label(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value


def _gold_labels(args: argparse.Namespace, text_column: str | None) -> tuple[str, ...]:
    """The gold label beside each text of the CSV ``--file``, in the texts' order.

    Raises:
        InputError: the file is not a CSV, sentences were also given on the
            command line, the format is not JSON, or the column is missing.
    """
    if text_column is None:
        raise InputError("--label-column reads a column of a CSV file; give a .csv --file.")
    if args.sentences:
        raise InputError("--label-column labels the texts of --file; leave out other sentences.")
    if args.format != "json":
        raise InputError("--label-column adds its scores to the JSON; use --format json.")
    table = read_table(str(args.file), args.file.read_bytes())
    return table.labels(args.label_column, text_column)


def _with_gold(
    document: str, results: Sequence[Attribution], texts: Sequence[str], gold: Sequence[str]
) -> str:
    """The JSON export with accuracy, macro-F1 and the confusion matrix added under "gold"."""
    batch = BatchResult(
        tuple(
            BatchItem(index, text, result)
            for index, (text, result) in enumerate(zip(texts, results, strict=True))
        ),
        0.0,
    )
    data = json.loads(document)
    data["gold"] = gold_report(batch, gold).to_dict()
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    """Explain the given sentences and write them out; returns the exit code.

    Args:
        argv: the arguments, without the command's name. Default: ``sys.argv[1:]``
        prog: the command's name for the help and errors. Default: ``"python -m explain"``
    """
    from transformers.utils import logging as hf_logging

    args = parser(prog).parse_args(argv)
    hf_logging.disable_progress_bar()
    try:
        check_lengths(args.sentences, args.pair)
        sentences = list(args.sentences)
        gold: tuple[str, ...] | None = None
        if args.file is not None:
            read = read_file(args.file, args.column)
            sentences += read.texts
            if args.label_column is not None:
                gold = _gold_labels(args, read.column)
        elif args.label_column is not None:
            parser(prog).error("--label-column needs a CSV --file")
        if not sentences:
            parser(prog).error("give at least one sentence, or --file")
        check_threshold(args.threshold)
        given = {name for name in declared_settings() if getattr(args, name) is not None}
        method_names = {setting.name for m in METHODS.values() for setting in m.settings}
        baseline_names = {setting.name for b in BASELINES.values() for setting in b.settings}
        model = load_checkpoint(args.checkpoint, task=requested_task(args))
        targets = task_targets(args, model.task, model.name)
        if gold is not None and targets != [None]:
            raise no_gold_labels(model.task)
        requests = [
            AttributionRequest(
                checkpoint=args.checkpoint,
                text=sentence,
                method=args.method,
                target=_label(args.target) if task_target is None else None,
                output=args.output,
                baseline=args.baseline,
                settings=tuple((name, getattr(args, name)) for name in given & method_names),
                text_pair=args.pair,
                contrast=_label(args.contrast),
                baseline_options=tuple(
                    (name, getattr(args, name)) for name in given & baseline_names
                ),
                auto_steps=args.auto_steps,
                tolerance=args.tolerance,
                long=args.long,
                stride=args.stride,
                task_target=task_target,
            )
            for sentence in sentences
            for task_target in targets
        ]
        from tqdm import tqdm

        results = [
            explain_request(model, request)
            for request in tqdm(
                requests,
                desc="Explaining",
                unit="sentence",
                disable=len(requests) < 2,
                file=sys.stderr,
            )
        ]
        document = (
            WRITERS[args.format](results)
            if args.format not in ("json", "csv")
            else (to_json if args.format == "json" else to_csv)(results, args.threshold)
        )
        if gold is not None:
            document = _with_gold(document, results, sentences, gold)
    except (TokenlightError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.out is None:
        sys.stdout.write(document)
    else:
        args.out.write_text(document, encoding="utf-8")
        print(f"Wrote {len(results)} result(s) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
