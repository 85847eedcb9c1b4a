"""Streamlit caches around the ``explain`` backend, and the bundled-model build.

Models live in ``st.cache_resource`` (shared by every session, bounded) and
results in ``st.cache_data``. The model argument ``_loaded`` is not hashed;
``checkpoint_key`` (from :func:`cache_key`) stands in for it in the cache key.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st
import torch

import explain
from explain.model import bundled
from explain.model.checkpoints import allowed_roots

CHECKPOINT_ENV = "TOKENLIGHT_CHECKPOINT"
MAX_MODELS = 2


def default_checkpoint() -> str:
    """The checkpoint preselected in the picker: ``$TOKENLIGHT_CHECKPOINT`` or the bundled one."""
    return os.environ.get(CHECKPOINT_ENV, "").strip() or explain.DEFAULT_CHECKPOINT


def _release_model(loaded: explain.LoadedModel) -> None:
    del loaded
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def cache_key(spec: str) -> str:
    """What identifies a checkpoint in the caches: where it lives and when it was written.

    A checkpoint saved again in place, or the bundled one rebuilt, gets a new
    key, so the page never serves a stale model or stale results.
    """
    try:
        directory = (
            bundled.bundled_dir()
            if spec in explain.CHECKPOINTS
            else Path(spec).expanduser().resolve()
        )
        if not directory.is_dir():
            return spec
        stamps = [
            f"{path.name}:{path.stat().st_mtime_ns}"
            for path in sorted(directory.glob("*"))
            if path.suffix in (".json", ".safetensors")
        ]
    except (OSError, RuntimeError, ValueError):  # an odd or vanished path: key by name
        return spec
    return f"{spec}@{directory}@{','.join(stamps)}"


@st.cache_resource(max_entries=MAX_MODELS, show_spinner=False, on_release=_release_model)
def _load_model(spec: str, key: str) -> explain.LoadedModel:
    """``key`` is unused in the body: it keeps checkpoints from different places apart."""
    return explain.load_checkpoint(spec, roots=server_roots())


def server_roots() -> tuple[Path, ...]:
    """Where the dashboard loads local checkpoints from: the allowed roots, plus the
    directory the operator preselected with ``$TOKENLIGHT_CHECKPOINT``."""
    preselected = Path(default_checkpoint()).expanduser()
    extra = (preselected.resolve(),) if preselected.is_dir() else ()
    return allowed_roots() + extra


def load_model(spec: str) -> explain.LoadedModel:
    """Load a checkpoint once for every session; local directories only under allowed roots."""
    return _load_model(spec, cache_key(spec))


def predict(spec: str, text: str) -> explain.Prediction:
    """The cached prediction of checkpoint ``spec`` for ``text``."""
    key = cache_key(spec)
    return _predict(_load_model(spec, key), key, text)


def attribute(
    spec: str,
    text: str,
    method: str,
    target: int | None,
    output: str,
    baseline: str,
    settings: tuple[tuple[str, int | float | str], ...],
    text_pair: str | None = None,
    contrast: int | None = None,
    baseline_options: tuple[tuple[str, int | float | str], ...] = (),
    auto_steps: bool = False,
    tolerance: float | None = None,
) -> explain.Attribution:
    """The cached attribution of ``text`` by checkpoint ``spec`` with these settings.

    ``text_pair``, ``contrast``, ``baseline_options``, ``auto_steps`` and
    ``tolerance`` reach the method only when set (not None, not empty, True),
    so methods that do not take them keep working with their defaults.
    """
    key = cache_key(spec)
    return _attribute(
        _load_model(spec, key),
        key,
        text,
        method,
        target,
        output,
        baseline,
        settings,
        text_pair,
        contrast,
        baseline_options,
        auto_steps,
        tolerance,
    )


@st.cache_data(max_entries=512, show_spinner=False)
def _predict(_loaded: explain.LoadedModel, checkpoint_key: str, text: str) -> explain.Prediction:
    return explain.predict(_loaded, text)


@st.cache_data(max_entries=256, show_spinner=False)
def _attribute(
    _loaded: explain.LoadedModel,
    checkpoint_key: str,
    text: str,
    method: str,
    target: int | None,
    output: str,
    baseline: str,
    settings: tuple[tuple[str, int | float | str], ...],
    text_pair: str | None,
    contrast: int | None,
    baseline_options: tuple[tuple[str, int | float | str], ...],
    auto_steps: bool,
    tolerance: float | None,
) -> explain.Attribution:
    options: dict[str, object] = {**dict(settings), **dict(baseline_options)}
    if text_pair is not None:
        options["text_pair"] = text_pair
    if contrast is not None:
        options["contrast"] = contrast
    if auto_steps:
        options["auto_steps"] = True
    if tolerance is not None:
        options["tolerance"] = tolerance
    return explain.attribute(
        _loaded,
        text,
        method=method,
        target=target,
        output=output,
        baseline=baseline,
        **options,
    )


def attribute_batch(
    spec: str,
    texts: tuple[str, ...],
    method: str,
    target: int | None,
    output: str,
    baseline: str,
    settings: tuple[tuple[str, int | float | str], ...],
    progress: Callable[[int, int], None] | None = None,
) -> explain.BatchResult:
    """The cached attributions of many texts; ``progress`` hears of each group done."""
    key = cache_key(spec)
    return _attribute_batch(
        _load_model(spec, key), key, texts, method, target, output, baseline, settings, progress
    )


@st.cache_data(max_entries=8, show_spinner=False)
def _attribute_batch(
    _loaded: explain.LoadedModel,
    checkpoint_key: str,
    texts: tuple[str, ...],
    method: str,
    target: int | None,
    output: str,
    baseline: str,
    settings: tuple[tuple[str, int | float | str], ...],
    _progress: Callable[[int, int], None] | None,
) -> explain.BatchResult:
    return explain.attribute_batch(
        _loaded,
        texts,
        method=method,
        progress=_progress,
        target=target,
        output=output,
        baseline=baseline,
        **dict(settings),
    )


class BuildJob:
    """The bundled checkpoint's build, running in a background thread.

    One job serves the whole server: every page shows its progress, and
    closing a page does not stop it.
    """

    def __init__(self, location: Path, recipe: bundled.TrainingRecipe) -> None:
        self.fraction = 0.0
        self.message = "Starting"
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._run, args=(location, recipe), daemon=True)
        self._thread.start()

    def _run(self, location: Path, recipe: bundled.TrainingRecipe) -> None:
        try:
            bundled.build_bundled(location, recipe=recipe, progress=self._report)
        except Exception as error:  # shown on the page, which offers a retry
            self.error = error

    def _report(self, fraction: float, message: str) -> None:
        self.fraction, self.message = fraction, message

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


BUILD_RECIPE = bundled.TrainingRecipe()  # tests substitute a tiny recipe


@st.cache_resource(show_spinner=False)
def build_job(location: str, recipe: bundled.TrainingRecipe) -> BuildJob:
    """Start the build of the bundled checkpoint into ``location``, once per server."""
    return BuildJob(Path(location), recipe)


def ensure_bundled_built(
    recipe: bundled.TrainingRecipe | None = None, poll_seconds: float = 0.5
) -> None:
    """Build the bundled checkpoint if it is missing, showing the build's progress bar.

    Raises:
        TokenlightError: the build failed; the next call starts a fresh one.
    """
    if bundled.is_built():
        return
    job = build_job(str(bundled.bundled_dir()), recipe or BUILD_RECIPE)
    notice = st.info(
        "First start: building the bundled sentiment checkpoint from installed packages. "
        "This happens once and takes about 3-4 minutes on a 2-core CPU. It carries on "
        "if you close this page."
    )
    bar = st.progress(job.fraction, text=job.message)
    while job.running:
        time.sleep(poll_seconds)
        bar.progress(min(1.0, job.fraction), text=job.message)
    notice.empty()
    bar.empty()
    if job.error is not None or not bundled.is_built():
        build_job.clear()
        reason = job.error or "the finished checkpoint is no longer on disk"
        raise explain.TokenlightError(f"Building the bundled checkpoint failed: {reason}")
