"""Streamlit caches around the ``explain`` backend, and the bundled-model build.

Every cached computation of the page lives here. Models live in
``st.cache_resource`` (shared by every session, bounded) and results in
``st.cache_data``, keyed on the :class:`explain.AttributionRequest` they
compute. The model argument ``_loaded`` is not hashed; ``checkpoint_key``
(from :func:`cache_key`) stands in for it in the cache key.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st
import torch
from streamlit.runtime.scriptrunner import get_script_run_ctx

import explain
from components import demo_mode
from explain.core.targets import check_output
from explain.evaluation.comparison import input_request
from explain.evaluation.faithfulness import DEFAULT_PERCENTS, Faithfulness
from explain.evaluation.sanity import SanityCheck
from explain.model import bundled
from explain.model.checkpoints import allowed_roots
from explain.serve.client import BACKEND_URL_ENV, DEFAULT_TIMEOUT_S, attribute_remote
from explain.tasks.token_classification import TokenPrediction, predict_tokens
from explain.views.attention_maps import AttentionMaps
from explain.views.conductance import LayerConductanceResult
from explain.views.counterfactuals import Suggestions
from explain.views.counterfactuals import suggest_edits as explain_suggest_edits
from explain.views.integration_path import Convergence, IntegrationPath, Rule

CHECKPOINT_ENV = "TOKENLIGHT_CHECKPOINT"
MAX_MODELS = 2
MAX_BATCHES = 8
BatchKey = tuple[str, explain.AttributionRequest, tuple[str, ...]]
_BATCHES: OrderedDict[BatchKey, explain.BatchResult] = OrderedDict()  # see attribute_batch
_BATCHES_LOCK = threading.Lock()


def backend_url() -> str | None:
    """Where explanations are computed: ``$TOKENLIGHT_BACKEND_URL``, or None for this process."""
    return os.environ.get(BACKEND_URL_ENV, "").strip() or None


def default_checkpoint() -> str:
    """The checkpoint preselected in the picker: a demo's first, ``$TOKENLIGHT_CHECKPOINT``
    or the bundled one."""
    demo = demo_mode.policy()
    if demo is not None:
        return demo.default
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
    directory the operator preselected with ``$TOKENLIGHT_CHECKPOINT`` and a demo's directories."""
    preselected = Path(default_checkpoint()).expanduser()
    extra = (preselected.resolve(),) if preselected.is_dir() else ()
    demo = demo_mode.policy()
    return allowed_roots() + extra + (demo.directories if demo is not None else ())


def load_model(spec: str) -> explain.LoadedModel:
    """Load a checkpoint once for every session; local directories only under allowed roots."""
    return _load_model(spec, cache_key(spec))


def predict(spec: str, text: str) -> explain.Prediction:
    """The cached prediction of checkpoint ``spec`` for ``text``."""
    key = cache_key(spec)
    return _predict(_load_model(spec, key), key, text)


def _model(request: explain.AttributionRequest) -> tuple[explain.LoadedModel, str]:
    """The request's checkpoint, loaded, and its cache key."""
    key = cache_key(request.checkpoint)
    return _load_model(request.checkpoint, key), key


def attribute(request: explain.AttributionRequest) -> explain.Attribution:
    """The cached attribution ``request`` asks for, of any task; with ``$TOKENLIGHT_BACKEND_URL``
    set, the attribution service computes it."""
    url = backend_url()
    if url is not None:
        return _attribute_remote(url, request, _viewer())
    return _attribute(*_model(request), request)


def token_preview(spec: str, text: str) -> TokenPrediction:
    """The cached entities a token classifier predicts for ``text``, and its tokens.

    Raises:
        InputError: the text is empty or longer than the model's window.
    """
    key = cache_key(spec)
    return _token_preview(_load_model(spec, key), key, text)


@st.cache_data(max_entries=256, show_spinner=False)
def _token_preview(_loaded: explain.LoadedModel, checkpoint_key: str, text: str) -> TokenPrediction:
    return predict_tokens(_loaded, text)


def _viewer() -> str | None:
    """This page session's id: the service takes turns between sessions."""
    context = get_script_run_ctx()
    return context.session_id if context is not None else None


def attribute_batch(
    request: explain.AttributionRequest,
    texts: tuple[str, ...],
    progress: Callable[[int, int], None] | None = None,
) -> explain.BatchResult:
    """The cached attributions of ``texts``, each with ``request``'s choices (its own text is
    not used); ``progress`` hears of each group done.

    Batches are kept in a bounded, process-wide dict rather than ``st.cache_data``: the
    progress bar is drawn from inside the computation, and ``st.cache_data`` replays such
    calls on a cache hit onto a block of an earlier run, which fails on any rerun after a
    batch (a click on the confusion matrix, a changed "Seen at least").
    """
    loaded, key = _model(request)
    entry = (key, request, texts)
    with _BATCHES_LOCK:
        if entry in _BATCHES:
            _BATCHES.move_to_end(entry)
            return _BATCHES[entry]
    outcome = explain.explain_batch_request(loaded, request, texts, progress)
    with _BATCHES_LOCK:
        _BATCHES[entry] = outcome
        while len(_BATCHES) > MAX_BATCHES:
            _BATCHES.popitem(last=False)
    return outcome


def integration_path(request: explain.AttributionRequest, n_points: int) -> IntegrationPath:
    """The cached integration path of ``request``'s text, on ``n_points`` points."""
    return _path(*_model(request), input_request(request), n_points)


def convergence(
    request: explain.AttributionRequest, steps: tuple[int, ...], rules: tuple[Rule, ...]
) -> Convergence:
    """The cached convergence delta of ``request``'s text for each step count and rule."""
    return _convergence(*_model(request), input_request(request), steps, rules)


def faithfulness(request: explain.AttributionRequest) -> Faithfulness:
    """The cached faithfulness of ``request``'s (cached) attribution."""
    loaded, key = _model(request)
    return _faithfulness(loaded, _attribute(loaded, key, request), key, request)


def sanity(request: explain.AttributionRequest, include_embeddings: bool) -> SanityCheck:
    """The cached model-randomisation check of ``request``."""
    return _sanity(*_model(request), request, include_embeddings)


def conductance(request: explain.AttributionRequest, n_steps: int) -> LayerConductanceResult:
    """The cached conductance of every layer for ``request``'s text, with ``n_steps``."""
    return _conductance(*_model(request), input_request(request), n_steps)


def attention(request: explain.AttributionRequest) -> AttentionMaps:
    """The cached attention maps of ``request``'s text."""
    loaded, key = _model(request)
    return _attention(loaded, key, request.text)


def suggest_edits(request: explain.AttributionRequest, target: int) -> Suggestions:
    """The cached edit suggestions for ``request``'s text that move ``target``'s probability."""
    loaded, key = _model(request)
    return _suggest_edits(loaded, key, request.text, target)


@st.cache_data(max_entries=64, show_spinner=False)
def _suggest_edits(
    _loaded: explain.LoadedModel, checkpoint_key: str, text: str, target: int
) -> Suggestions:
    return explain_suggest_edits(_loaded, text, target=target)


@st.cache_data(max_entries=512, show_spinner=False)
def _predict(_loaded: explain.LoadedModel, checkpoint_key: str, text: str) -> explain.Prediction:
    return explain.predict(_loaded, text)


@st.cache_data(max_entries=256, show_spinner=False)
def _attribute(
    _loaded: explain.LoadedModel, checkpoint_key: str, request: explain.AttributionRequest
) -> explain.Attribution:
    if request.task_target is None:
        return explain.attribute(_loaded, request.text, method=request.method, **request.options())
    return explain.explain_request(_loaded, request)


@st.cache_data(max_entries=256, show_spinner=False)
def _attribute_remote(
    url: str, request: explain.AttributionRequest, _viewer: str | None
) -> explain.Attribution:
    # _viewer is left out of the cache key: every session shares the answers.
    options: dict[str, Any] = request.options()
    if request.task_target is not None:
        options.pop("target")
    return attribute_remote(
        url,
        request.text,
        request.checkpoint,
        request.method,
        DEFAULT_TIMEOUT_S,
        _viewer,
        request.task_target,
        **options,
    )


@st.cache_data(max_entries=64, show_spinner=False)
def _path(
    _loaded: explain.LoadedModel,
    checkpoint_key: str,
    request: explain.AttributionRequest,
    n_points: int,
) -> IntegrationPath:
    return explain.integration_path(
        _loaded,
        request.text,
        request.target,
        check_output(request.output, _loaded.head),
        request.baseline,
        n_points,
    )


@st.cache_data(max_entries=32, show_spinner=False)
def _convergence(
    _loaded: explain.LoadedModel,
    checkpoint_key: str,
    request: explain.AttributionRequest,
    steps: tuple[int, ...],
    rules: tuple[Rule, ...],
) -> Convergence:
    return explain.convergence(
        _loaded,
        request.text,
        request.target,
        check_output(request.output, _loaded.head),
        request.baseline,
        steps,
        rules,
    )


@st.cache_data(max_entries=128, show_spinner=False)
def _faithfulness(
    _loaded: explain.LoadedModel,
    _attribution: explain.Attribution,
    checkpoint_key: str,
    request: explain.AttributionRequest,
) -> Faithfulness:
    """``_attribution`` is the one ``request`` produces; the request stands in for it in the key."""
    return explain.evaluate_faithfulness(_loaded, _attribution, DEFAULT_PERCENTS)


@st.cache_data(max_entries=16, show_spinner=False)
def _sanity(
    _loaded: explain.LoadedModel,
    checkpoint_key: str,
    request: explain.AttributionRequest,
    include_embeddings: bool,
) -> SanityCheck:
    # Any, as in attribute_batch: the request never holds init_seed.
    options: dict[str, Any] = request.options()
    return explain.randomization_cascade(
        _loaded, request.text, request.method, include_embeddings=include_embeddings, **options
    )


@st.cache_data(max_entries=32, show_spinner=False)
def _conductance(
    _loaded: explain.LoadedModel,
    checkpoint_key: str,
    request: explain.AttributionRequest,
    n_steps: int,
) -> LayerConductanceResult:
    explainer = explain.AllLayerConductance(_loaded)
    return explainer.attribute(
        request.text,
        request.target,
        check_output(request.output, _loaded.head),
        request.baseline,
        n_steps,
    )


@st.cache_data(max_entries=64, show_spinner=False)
def _attention(_loaded: explain.LoadedModel, checkpoint_key: str, text: str) -> AttentionMaps:
    return explain.attention_maps(_loaded, text)


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
