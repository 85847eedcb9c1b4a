"""Streamlit caches around the ``explain`` backend, and the bundled-model build.

Models live in ``st.cache_resource`` (shared by every session, bounded) and
results in ``st.cache_data``. The model argument ``_loaded`` is not hashed;
``checkpoint_key`` (from :func:`cache_key`) stands in for it in the cache key.
"""

from __future__ import annotations

import gc
import os
import threading

import streamlit as st
import torch

import explain
from explain import bundled
from explain.checkpoints import allowed_roots

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
    """What identifies a checkpoint in the caches: a registered name plus where it lives."""
    return f"{spec}@{bundled.bundled_dir()}" if spec in explain.CHECKPOINTS else spec


@st.cache_resource(max_entries=MAX_MODELS, show_spinner=False, on_release=_release_model)
def _load_model(spec: str, key: str) -> explain.LoadedModel:
    """``key`` is unused in the body: it keeps checkpoints from different places apart."""
    return explain.load_checkpoint(spec, roots=allowed_roots())


def load_model(spec: str) -> explain.LoadedModel:
    """Load a checkpoint once for every session; local directories only under allowed roots."""
    return _load_model(spec, cache_key(spec))


@st.cache_resource(show_spinner=False)
def build_lock() -> threading.Lock:
    """One lock for the whole server, so two sessions never build the bundled model at once."""
    return threading.Lock()


@st.cache_data(max_entries=512, show_spinner=False)
def predict(_loaded: explain.LoadedModel, checkpoint_key: str, text: str) -> explain.Prediction:
    return explain.predict(_loaded, text)


@st.cache_data(max_entries=256, show_spinner=False)
def attribute(
    _loaded: explain.LoadedModel,
    checkpoint_key: str,
    text: str,
    method: str,
    target: int | None,
    output: str,
    baseline: str,
    settings: tuple[tuple[str, int], ...],
) -> explain.Attribution:
    return explain.attribute(
        _loaded,
        text,
        method=method,
        target=target,
        output=output,
        baseline=baseline,
        **dict(settings),
    )


def ensure_bundled_built() -> None:
    """Build the bundled checkpoint if it is missing, with a progress bar on the page."""
    if bundled.is_built():
        return
    with build_lock():
        if bundled.is_built():
            return
        st.info(
            "First start: building the bundled sentiment checkpoint from installed packages. "
            "This happens once and takes about 2-4 minutes on a laptop CPU."
        )
        bar = st.progress(0.0, text="Starting")
        bundled.build_bundled(progress=lambda fraction, message: bar.progress(fraction, message))
        bar.empty()
