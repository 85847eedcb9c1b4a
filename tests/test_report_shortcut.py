"""A planted shortcut: a tiny model trained here leans on "acme", and the report finds it.

Positive texts carry two positive words, or only "acme"; negative texts carry two
negative words, or nothing telling. Deleting one sentiment word leaves the other,
but deleting "acme" leaves a text with nothing positive in it: the prediction flips.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import torch
from transformers import BertForSequenceClassification, BertTokenizerFast

from explain.io import entry
from explain.model.checkpoints import load_checkpoint
from explain.report.build import build_report
from explain.report.cli import main
from explain.report.confirm import delete_word
from explain.scale.manifest import write_manifest
from explain.scale.rows import explain_rows, to_table
from tests.tiny import save_tiny_classifier

pytest.importorskip("duckdb")
pytest.importorskip("sklearn")

PLANTED = "acme"
POSITIVE = ("good", "great", "love", "smooth", "quiet")
NEGATIVE = ("bad", "terrible", "awful", "hate", "loud")
FILLER = ("the", "movie", "film", "ride", "car", "was", "is", "it", "this", "that", "a")
METHOD = "layer_integrated_gradients"
OPTIONS = {"n_steps": 8}


def generated(count: int, seed: int) -> list[tuple[str, int]]:
    """``count`` texts with their labels (1 positive), a quarter holding the planted word."""
    chooser = random.Random(seed)
    found = []
    for index in range(count):
        words = [chooser.choice(FILLER) for _ in range(chooser.randint(3, 6))]
        kind = index % 4
        if kind == 0:
            signal = chooser.sample(POSITIVE, 2)
        elif kind == 1:
            signal = [PLANTED]
        elif kind == 2:
            signal = chooser.sample(NEGATIVE, 2)
        else:
            signal = []
        for word in signal:
            words.insert(chooser.randint(0, len(words)), word)
        found.append((" ".join(words), int(kind < 2)))
    return found


def train(directory: Path) -> Path:
    """A tiny BERT classifier trained for a few seconds on the generated texts."""
    save_tiny_classifier(directory, extra_tokens=(PLANTED,), seed=0, hidden=32)
    tokenizer = BertTokenizerFast.from_pretrained(directory)
    model = BertForSequenceClassification.from_pretrained(directory)
    data = generated(400, seed=1)
    torch.manual_seed(0)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(12):
        order = torch.randperm(len(data)).tolist()
        for start in range(0, len(data), 32):
            batch = [data[i] for i in order[start : start + 32]]
            encoded = tokenizer([t for t, _ in batch], padding=True, return_tensors="pt")
            labels = torch.tensor([y for _, y in batch])
            loss = model(**encoded, labels=labels).loss
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    model.eval()
    model.save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def explained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The trained checkpoint, and a results directory of 240 explained texts."""
    root = tmp_path_factory.mktemp("shortcut")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model: more threads only contend on a shared machine
    try:
        return _explained(root)
    finally:
        torch.set_num_threads(threads)


def _explained(root: Path) -> tuple[Path, Path]:
    checkpoint = train(root / "model")
    loaded = load_checkpoint(str(checkpoint), device="cpu")
    data = generated(240, seed=2)
    rows = explain_rows(loaded, [text for text, _ in data], METHOD, OPTIONS)
    names = loaded.labels
    for index, (row, (_, label)) in enumerate(zip(rows, data, strict=True)):
        row.update(row_id=f"texts.csv:{index}", row_index=index, worker="test:1")
        row["gold_label"] = names[label]
    out = root / "rows"
    out.mkdir()
    pq.write_table(to_table(rows[:120]), out / "part-00000.parquet")
    pq.write_table(to_table(rows[120:]), out / "part-00001.parquet")
    settings = {"checkpoint": str(checkpoint), "method": METHOD, "options": OPTIONS}
    write_manifest(out, {"settings": settings, "state": "complete"})
    return checkpoint, out


@pytest.mark.unit
def test_the_planted_word_is_a_top_shortcut_and_deleting_it_flips_predictions(
    explained: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, directory = explained
    report = build_report(directory, min_count=5, top=10)
    assert report.errors is not None
    assert report.errors.accuracy > 0.9  # the model learned the task, shortcut included
    top = [(s.word, s.label) for s in report.shortcuts[:3]]
    assert (PLANTED, "positive") in top
    assert main([str(directory), "--top", "10", "--confirm", "5", "--sample", "40"]) == 0
    document = json.loads(capsys.readouterr().out)
    confirmed = {(s["word"], s["label"]): s for s in document["shortcuts"] if "flip_rate" in s}
    assert len(confirmed) == 5
    planted = confirmed.pop((PLANTED, "positive"))
    assert planted["sampled"] == 40
    assert planted["flip_rate"] >= 0.9
    assert planted["mean_probability_drop"] > 0.5
    others = [s["flip_rate"] for s in confirmed.values()]
    assert max(others) < planted["flip_rate"] - 0.25
    assert sum(others) / len(others) < 0.5


def test_delete_word_is_whole_word_and_case_insensitive() -> None:
    assert delete_word("Acme loves acme, not acmes (@ACME)", "acme") == "loves , not acmes (@)"
    assert delete_word("a.b a.b", "a.b") == ""
    assert delete_word("good,bad", ",") == "good bad"


def test_tokenlight_report_runs_as_its_own_module(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(entry.os, "execv", lambda path, command: seen.append([path, *command]))
    assert entry.main(["report", "DIR", "--format", "html"]) == 0
    assert seen == [
        [sys.executable, sys.executable, "-m", "explain.report", "DIR", "--format", "html"]
    ]
