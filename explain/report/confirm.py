"""Confirm shortcut candidates with the model: delete the word, re-predict, count the flips.

This is the perturbation test of Wang et al. 2022 (arXiv 2110.07736): for each of
the top candidates, a sample of the explained texts predicted as its label that
hold the word lose every whole-word, case-insensitive occurrence of it (as the
page's word grouping found it), and are predicted again, in batches, in process
or on Ray.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from types import ModuleType
from typing import Any

import numpy as np

from explain.core.errors import InputError, TokenlightError
from explain.core.report_results import DatasetReport, Shortcut
from explain.core.targets import Head, predicted_set
from explain.core.task_results import DEFAULT_TASK
from explain.model.checkpoints import LoadedModel, load_checkpoint
from explain.report.directory import ResultsDirectory, open_results
from explain.scale.dataset import ENV_PREFIXES, LOCAL_OBJECT_STORE_MB, import_ray
from explain.views.counterfactuals import probabilities

DEFAULT_SAMPLE = 200
RAY_BATCH = 64
RAY_WORKERS = 2

Progress = Callable[[str], None]
Predict = Callable[[Sequence[str]], np.ndarray]
"""Every label's probability, ``(len(texts), labels)``, for a list of texts."""

SAMPLE_SQL = """
SELECT row_id, text FROM ok
WHERE predicted_label = $label AND text IS NOT NULL
  AND list_contains(list_transform(words, lambda w: lower(w)), $word)
ORDER BY hash(row_id || $word), row_id
LIMIT $sample
"""


def delete_word(text: str, word: str) -> str:
    """``text`` without any whole-word, case-insensitive occurrence of ``word``.

    Where the word begins or ends with a letter, digit or underscore, a match may
    not touch another on that side, so ``acme`` goes from ``@acme!`` but not from
    ``acmes``; punctuation (``,``) goes wherever it stands, leaving a space between
    the words it joined. Runs of whitespace left behind become one space.
    """
    start = r"(?<!\w)" if re.match(r"\w", word[:1]) else ""
    end = r"(?!\w)" if re.match(r"\w", word[-1:]) else ""
    pattern = re.compile(f"{start}{re.escape(word)}{end}", re.IGNORECASE)

    def gap(match: re.Match[str]) -> str:
        before = text[match.start() - 1 : match.start()]
        after = text[match.end() : match.end() + 1]
        return " " if re.match(r"\w", before) and re.match(r"\w", after) else ""

    return " ".join(pattern.sub(gap, text).split())


def sample_texts(results: ResultsDirectory, shortcut: Shortcut, sample: int) -> list[str]:
    """Up to ``sample`` texts predicted as the candidate's label that hold its word.

    The same rows each time: those with the smallest hash of their row id and the word.
    """
    rows = results.query(
        SAMPLE_SQL, {"label": shortcut.label, "word": shortcut.word, "sample": sample}
    )
    return [str(text) for _, text in rows]


def local_predictor(loaded: LoadedModel) -> Predict:
    """Re-predict in this process, in padded batches."""
    return lambda texts: probabilities(loaded, list(texts)).numpy()


class _Predictor:
    """A Ray actor holding one loaded model."""

    def __init__(self, checkpoint: str, env: dict[str, str]) -> None:
        os.environ.update(env)
        self.loaded = load_checkpoint(checkpoint, device="cpu")

    def probabilities(self, texts: list[str]) -> Any:
        return probabilities(self.loaded, texts).numpy()


def _connect(ray: ModuleType, address: str) -> bool:
    """Start or join Ray unless this process already has; True when this call did."""
    if ray.is_initialized():
        return False
    env = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES)}
    settings: dict[str, object] = {
        "address": address,
        "runtime_env": {"env_vars": env},
        "logging_level": "warning",
        "log_to_driver": False,
    }
    if address == "local":
        settings |= {
            "include_dashboard": False,
            "num_cpus": RAY_WORKERS,
            "object_store_memory": LOCAL_OBJECT_STORE_MB * 1024 * 1024,
        }
    try:
        ray.init(**settings)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise TokenlightError(
            f"Could not reach Ray at {address!r}: {error}. Start a cluster with "
            "`ray start --head`, then use --ray auto, or use --ray local."
        ) from error
    return True


def ray_predict(checkpoint: str, texts: Sequence[str], address: str) -> np.ndarray:
    """Every label's probability for ``texts``, on :data:`RAY_WORKERS` Ray actors.

    Raises:
        RayMissing: Ray is not installed.
        TokenlightError: Ray could not be reached.
    """
    ray = import_ray(local=address == "local")
    started = _connect(ray, address)
    try:
        env = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES)}
        actor = ray.remote(num_cpus=1)(_Predictor)
        workers = [actor.remote(checkpoint, env) for _ in range(RAY_WORKERS)]
        batches = [list(texts[i : i + RAY_BATCH]) for i in range(0, len(texts), RAY_BATCH)]
        pending = [
            workers[i % len(workers)].probabilities.remote(batch) for i, batch in enumerate(batches)
        ]
        parts = ray.get(pending)
        for worker in workers:
            ray.kill(worker)
    finally:
        if started:
            ray.shutdown()
    return np.concatenate(parts) if parts else np.zeros((0, 0))


def _outcome(
    shortcut: Shortcut, before: np.ndarray, after: np.ndarray, labels: Sequence[str], head: Head
) -> Shortcut:
    index = list(labels).index(shortcut.label)
    flips = [index not in predicted_set(row.tolist(), head) for row in after]
    drops = before[:, index] - after[:, index]
    return replace(
        shortcut,
        flip_rate=float(np.mean(flips)) if len(flips) else None,
        mean_probability_drop=float(np.mean(drops)) if len(drops) else None,
        sampled=len(flips),
    )


def confirm_shortcuts(
    report: DatasetReport,
    count: int,
    sample: int = DEFAULT_SAMPLE,
    ray_address: str | None = None,
    loaded: LoadedModel | None = None,
    progress: Progress | None = None,
) -> DatasetReport:
    """Check the top ``count`` shortcut candidates with the model that explained the rows.

    Args:
        report: from :func:`explain.report.build.build_report`.
        count: the candidates checked, strongest first.
        sample: the most texts checked per candidate. Default: 200
        ray_address: re-predict on Ray at this address (``"local"``, ``"auto"`` or
            ``"host:port"``); None, in this process. Default: None
        loaded: the model, when the caller has it loaded; otherwise the manifest's
            checkpoint is loaded. Default: None
        progress: called with a line before each slow step. Default: None

    Returns:
        The report, its checked candidates with ``flip_rate``,
        ``mean_probability_drop`` and ``sampled``; a candidate with no text to
        check keeps ``sampled`` 0 and no rates.

    Raises:
        InputError: ``count`` or ``sample`` is below 1, the candidate's label is
            not one of the model's, the model is a regressor, or the rows explain
            a task other than sequence classification.
        CheckpointError: the manifest's checkpoint cannot be loaded.
        RayMissing: ``ray_address`` is given but Ray is not installed.
    """
    if count < 1 or sample < 1:
        raise InputError("--confirm and --sample must be 1 or more, such as --confirm 5.")
    say = progress or (lambda _: None)
    chosen = report.shortcuts[:count]
    with open_results(report.directory) as results:
        if results.task != DEFAULT_TASK:
            raise InputError(
                f"--confirm re-predicts a text classifier's label with the word deleted; "
                f"these rows explain {results.task}. Leave --confirm out."
            )
        texts = [sample_texts(results, shortcut, sample) for shortcut in chosen]
    if not any(texts):
        return report
    if loaded is None:
        say(f"Loading {report.checkpoint} ...")
        loaded = load_checkpoint(report.checkpoint)
    if loaded.head == "regression":
        raise InputError("--confirm needs a classifier: a regressor has no label to flip.")
    labels = loaded.labels
    for shortcut in chosen:
        if shortcut.label not in labels:
            raise InputError(
                f"The label {shortcut.label!r} is not one of {report.checkpoint}'s labels "
                f"({', '.join(labels)}). Report a directory explained with this checkpoint."
            )
    edited = [
        delete_word(text, s.word) for s, group in zip(chosen, texts, strict=True) for text in group
    ]
    originals = [text for group in texts for text in group]
    where = "on Ray" if ray_address else "in this process"
    say(f"Re-predicting {2 * len(originals)} text(s) {where} ...")
    if ray_address:
        both = ray_predict(report.checkpoint, originals + edited, ray_address)
    else:
        both = local_predictor(loaded)(originals + edited)
    before, after = both[: len(originals)], both[len(originals) :]
    confirmed: list[Shortcut] = []
    start = 0
    for shortcut, group in zip(chosen, texts, strict=True):
        end = start + len(group)
        if group:
            confirmed.append(
                _outcome(shortcut, before[start:end], after[start:end], labels, loaded.head)
            )
        else:
            confirmed.append(replace(shortcut, sampled=0))
        start = end
    return replace(report, shortcuts=(*confirmed, *report.shortcuts[count:]))
