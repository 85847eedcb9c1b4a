"""Find, vet and load checkpoints: sequence and token classifiers, NLI and QA models.

A checkpoint is named one of three ways:

- a registered name, such as the bundled ``tokenlight-sentiment``;
- a local directory;
- a Hugging Face Hub id, which needs a network unless it is already cached.

Only safetensors weights are loaded and ``trust_remote_code`` is never set, so
loading a checkpoint cannot run code from it.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast
from urllib.parse import urlparse

import torch
from transformers import (
    AutoConfig,
    AutoTokenizer,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from explain.core.errors import BundledCheckpointMissing, CheckpointError
from explain.core.targets import Head
from explain.model import architecture, bundled
from explain.model.devices import resolve_device
from explain.model.locations import cache_dir
from explain.model.tasks import DEFAULT_TASK, TaskName, model_class, task_for

Source = Literal["registered", "local", "hub"]

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")
HUB_PROBE_SECONDS = 5.0
ALLOWED_ROOTS_ENV = "TOKENLIGHT_ALLOWED_ROOTS"
PICKLE_WEIGHTS = (
    "pytorch_model.bin",
    "tf_model.h5",
    "model.ckpt.index",
    "flax_model.msgpack",
)


@dataclass(frozen=True)
class RegisteredCheckpoint:
    """A checkpoint known by name.

    Args:
        name: what the user picks.
        description: one line the UI shows.
        locate: returns the checkpoint's directory, or raises
            :class:`BundledCheckpointMissing` when it still has to be built.
    """

    name: str
    description: str
    locate: Callable[[], Path]


def _locate_bundled() -> Path:
    directory = bundled.bundled_dir()
    if not bundled.is_built(directory):
        raise BundledCheckpointMissing(
            f"The bundled checkpoint is not built yet (expected in {directory}). "
            "Build it with `tokenlight build` (`make model` in a checkout), which takes about "
            "3.5 minutes on a 2-core CPU, or start the dashboard, which builds it for you."
        )
    return directory


def _locate_early() -> Path:
    _locate_bundled()
    directory = bundled.early_dir()
    if not (directory / "model.safetensors").is_file():
        raise CheckpointError(
            f"The bundled checkpoint in {bundled.bundled_dir()} was built before Tokenlight saved "
            "an early checkpoint beside it. Rebuild it with `python -m explain.io.build --force` "
            "to get both (about 3.5 minutes on a 2-core CPU)."
        )
    return directory


CHECKPOINTS: dict[str, RegisteredCheckpoint] = {
    bundled.BUNDLED_NAME: RegisteredCheckpoint(
        name=bundled.BUNDLED_NAME,
        description="all-MiniLM-L6-v2 fine-tuned offline on 16k human-labelled tweets about "
        "self-driving cars (negative / neutral / positive).",
        locate=_locate_bundled,
    ),
    bundled.EARLY_NAME: RegisteredCheckpoint(
        name=bundled.EARLY_NAME,
        description="The bundled model saved after about 10 % of its fine-tuning steps: "
        "compare it with the final one to see explanations sharpen during training.",
        locate=_locate_early,
    ),
}
DEFAULT_CHECKPOINT = bundled.BUNDLED_NAME


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """A checkpoint and its tokenizer, ready for attribution.

    ``lock`` guards every use of ``model`` and ``tokenizer``: attribution
    installs forward hooks on the shared model, and Hugging Face tokenizers
    are not safe to share across threads.

    ``task`` is what the checkpoint does (see :mod:`explain.model.tasks`). A
    task's explanation runs the methods on a view of the model whose ``model``
    returns one explained output per choice (:mod:`explain.tasks`); such a
    view sets ``head_override`` to ``"regression"``, so those outputs are
    explained as they are.
    """

    name: str
    source: Source
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    device: torch.device
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    task: TaskName = DEFAULT_TASK
    head_override: Head | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        """Label names in index order, from the config's ``id2label``."""
        # transformers keys id2label by int; num_labels is its length.
        id2label = cast(dict[int, str], self.model.config.id2label)
        return tuple(str(id2label[i]) for i in range(len(id2label)))

    @property
    def max_length(self) -> int:
        """Most tokens one input may have, special tokens included."""
        limits = [getattr(self.model.config, "max_position_embeddings", None)]
        tokenizer_limit = getattr(self.tokenizer, "model_max_length", None)
        if tokenizer_limit and tokenizer_limit < 1_000_000:
            limits.append(tokenizer_limit)
        return int(min(limit for limit in limits if limit)) if any(limits) else 512

    @property
    def head(self) -> Head:
        """``"single_label"`` (softmax), ``"multi_label"`` (sigmoids) or ``"regression"``."""
        if self.head_override is not None:
            return self.head_override
        return architecture.head_of(self.model.config, self.name)

    @property
    def embeddings(self) -> torch.nn.Module:
        """The embeddings layer (word + position + token type, normalised)."""
        return architecture.embeddings_layer(self.model, self.name)

    @property
    def word_embeddings(self) -> torch.nn.Embedding:
        """The word-embedding table inside :attr:`embeddings` (no positions, no token types)."""
        return architecture.word_embeddings(self.model, self.name)


def checkpoint_names() -> tuple[str, ...]:
    """The registered checkpoint names, default first."""
    return tuple(CHECKPOINTS)


def looks_like_path(spec: str) -> bool:
    """Whether ``spec`` is written as a filesystem path rather than a Hub id."""
    return spec.startswith((".", "/", "~")) or spec.count("/") > 1 or "\\" in spec


def classify_spec(spec: str) -> Source:
    """Tell whether ``spec`` names a registered checkpoint, a local directory or a hub id.

    Args:
        spec: what the user typed or picked.

    Returns:
        ``"registered"``, ``"local"`` or ``"hub"``.

    Raises:
        CheckpointError: ``spec`` is none of these.
    """
    spec = spec.strip()
    if spec in CHECKPOINTS:
        return "registered"
    try:
        if Path(spec).expanduser().is_dir():
            return "local"
    except (OSError, RuntimeError, ValueError) as error:  # too long, ~nosuchuser, NUL byte
        raise CheckpointError(f"{spec[:80]!r} is not a usable path: {error}.") from error
    if looks_like_path(spec):
        raise CheckpointError(f"The directory {spec!r} does not exist.")
    if HUB_ID.match(spec) and ".." not in spec:
        return "hub"
    raise CheckpointError(
        f"{spec!r} is not a checkpoint name, an existing directory or a Hugging Face Hub id "
        f"(owner/name). Registered checkpoints: {', '.join(CHECKPOINTS)}."
    )


def vet_directory(directory: Path) -> None:
    """Refuse a local checkpoint directory that is incomplete or holds only pickle weights.

    Args:
        directory: the checkpoint directory.

    Raises:
        CheckpointError: with what is wrong and how to fix it.
    """
    if not (directory / "config.json").is_file():
        raise CheckpointError(
            f"{directory} has no config.json, so it is not a Hugging Face checkpoint. "
            "Save one with `model.save_pretrained(path)` and `tokenizer.save_pretrained(path)`."
        )
    if not any(directory.glob("*.safetensors")):
        pickles = [name for name in PICKLE_WEIGHTS if (directory / name).exists()]
        found = f" It holds {', '.join(pickles)}, which" if pickles else " Pickle weights"
        raise CheckpointError(
            f"{directory} has no .safetensors weights.{found} can run arbitrary code when "
            "loaded, so Tokenlight refuses them. Convert with "
            "`AutoModelForSequenceClassification.from_pretrained(path).save_pretrained(path)` "
            "in a trusted environment, which writes model.safetensors."
        )


def _hub_endpoint() -> tuple[str, int]:
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    return url.hostname or "huggingface.co", url.port or (80 if url.scheme == "http" else 443)


def hub_reachable(timeout: float = HUB_PROBE_SECONDS) -> bool:
    """Whether a TCP connection to the Hub opens within ``timeout`` seconds.

    Name resolution can hang far longer than a socket timeout, so the probe
    runs in a daemon thread and is abandoned when the time is up.
    """
    host, port = _hub_endpoint()
    outcome: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                outcome.append(True)
        except OSError:
            outcome.append(False)

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(outcome and outcome[0])


def _require_task(config: object, name: str, task: str | None) -> TaskName:
    """The task to load ``name`` for (see :func:`explain.model.tasks.task_for`), head checked."""
    chosen = task_for(config, name, task)
    if chosen in ("sequence-classification", "zero-shot"):
        architecture.head_of(config, name)
    return chosen


def _read_config(location: str, name: str, local_only: bool) -> PretrainedConfig:
    """The checkpoint's config, never its remote code.

    Raises:
        CheckpointError: the config cannot be read; the message says why.
    """
    try:
        return AutoConfig.from_pretrained(
            location, trust_remote_code=False, local_files_only=local_only
        )
    except (OSError, ValueError, KeyError) as error:
        raise CheckpointError(f"Could not read the config of {name}: {error}") from error


def _load_from(
    location: str,
    name: str,
    source: Source,
    device: torch.device,
    local_only: bool = True,
    task: str | None = None,
) -> LoadedModel:
    config = _read_config(location, name, local_only)
    chosen = _require_task(config, name, task)
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            location, trust_remote_code=False, local_files_only=local_only
        )
        model, info = model_class(chosen).from_pretrained(
            location,
            config=config,
            use_safetensors=True,
            trust_remote_code=False,
            local_files_only=local_only,
            output_loading_info=True,
        )
    except CheckpointError:
        raise
    except Exception as error:  # corrupt files surface as many different types
        raise CheckpointError(
            f"Could not load {name}: {type(error).__name__}: {error}. "
            "The checkpoint may be corrupt or half-written; save it again."
        ) from error
    missing = list(info.get("missing_keys", []))
    if missing:
        shown = ", ".join(sorted(missing)[:6]) + (" ..." if len(missing) > 6 else "")
        raise CheckpointError(
            f"{name} lacks trained weights for {len(missing)} parameters ({shown}). "
            "They would be randomly initialised, so its predictions would be noise."
        )
    model.eval()
    model.to(device)
    architecture.positions_from_attention_mask(model)
    return LoadedModel(
        name=name, source=source, model=model, tokenizer=tokenizer, device=device, task=chosen
    )


def allowed_roots() -> tuple[Path, ...]:
    """Directories under which a server accepts local checkpoints.

    The project's checkpoint cache, the Hugging Face cache, and each directory
    in ``$TOKENLIGHT_ALLOWED_ROOTS`` (separated by ``os.pathsep``).
    """
    from huggingface_hub.constants import HF_HUB_CACHE

    configured = os.environ.get(ALLOWED_ROOTS_ENV, "")
    roots = [cache_dir(), Path(HF_HUB_CACHE)]
    roots += [Path(entry) for entry in configured.split(os.pathsep) if entry.strip()]
    return tuple(root.expanduser().resolve() for root in roots)


def check_allowed(directory: Path, roots: tuple[Path, ...]) -> None:
    """Refuse ``directory`` unless it lies under one of ``roots``, after resolving links.

    Raises:
        CheckpointError: it does not; the message lists the roots and how to add one.
    """
    try:
        resolved = directory.expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        resolved = None
    if resolved is None or not any(resolved.is_relative_to(root) for root in roots):
        raise CheckpointError(
            f"{str(directory)[:200]!r} is outside the directories this server loads checkpoints "
            f"from. The server's operator can allow more with {ALLOWED_ROOTS_ENV}."
        )


def load_checkpoint(
    spec: str,
    device: str | None = None,
    roots: tuple[Path, ...] | None = None,
    task: str | None = None,
) -> LoadedModel:
    """Load a checkpoint and its tokenizer, in eval mode, on the best device.

    Args:
        spec: a registered name (see :data:`CHECKPOINTS`), a local directory or
            a Hugging Face Hub id.
        device: ``"auto"``, ``"cpu"`` or ``"cuda[:N]"``. Default: ``$TOKENLIGHT_DEVICE``
            or ``"auto"`` (CUDA when available).
        roots: accept local directories only under these (see :func:`allowed_roots`);
            a server passes them, a notebook need not. Default: None, any directory.
        task: the task to load it for (see :data:`explain.model.tasks.TASKS`).
            Default: None, the task its config describes.

    Returns:
        The loaded model.

    Raises:
        BundledCheckpointMissing: the bundled checkpoint has not been built.
        CheckpointError: the checkpoint is missing, untrusted, corrupt, of no
            task Tokenlight explains or not of ``task``, or on the Hub with no
            network to reach it.
        InputError: ``task`` is not a task.
    """
    target = resolve_device(device)
    location, name, source, local_only = _locate(spec, roots)
    return _load_from(location, name, source, target, local_only=local_only, task=task)


def checkpoint_task(spec: str, task: str | None = None) -> TaskName:
    """The task a checkpoint is loaded for, read from its config alone (no weights are loaded).

    Args:
        spec: a registered name, a local directory or a Hub id.
        task: the task asked for, checked against the checkpoint. Default:
            None, the task its config describes.

    Raises:
        CheckpointError: as :func:`load_checkpoint`, for the config.
        InputError: ``task`` is not a task.
    """
    location, name, _, local_only = _locate(spec, None)
    return _require_task(_read_config(location, name, local_only), name, task)


def _locate(spec: str, roots: tuple[Path, ...] | None) -> tuple[str, str, Source, bool]:
    """Where ``spec``'s files are: ``(location, name, source, local files only)``, once vetted.

    Raises:
        BundledCheckpointMissing, CheckpointError: as :func:`load_checkpoint`.
    """
    spec = spec.strip()
    if not spec:
        raise CheckpointError(
            f"No checkpoint given. Registered checkpoints: {', '.join(CHECKPOINTS)}."
        )
    if roots is not None and spec not in CHECKPOINTS and looks_like_path(spec):
        check_allowed(Path(spec), roots)  # before any existence check, so nothing is probed
    source = classify_spec(spec)
    if source == "registered":
        directory = CHECKPOINTS[spec].locate()
        vet_directory(directory)
        return str(directory), spec, source, True
    if source == "local":
        if roots is not None:
            check_allowed(Path(spec), roots)
        directory = Path(spec).expanduser().resolve()
        vet_directory(directory)
        return str(directory), spec, source, True
    return spec, spec, "hub", _hub_local_only(spec)


def _hub_cached(spec: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(spec, "config.json"), str)


def _hub_local_only(spec: str) -> bool:
    """True when a Hub checkpoint is cached; False when it may be downloaded.

    Raises:
        CheckpointError: it is not cached and there is no Hub to download it from.
    """
    if _hub_cached(spec):
        return True
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in (
        "1",
        "true",
        "yes",
        "on",
    ):
        raise CheckpointError(
            f"{spec!r} is not in the local Hugging Face cache and HF_HUB_OFFLINE is set. "
            "Use a local directory or the bundled checkpoint."
        )
    if not hub_reachable():
        host, _ = _hub_endpoint()
        raise CheckpointError(
            f"Cannot reach the Hugging Face Hub ({host}) to download {spec!r}: this machine "
            "seems to have no network. Download it where there is one and pass its local "
            "directory, or use the bundled checkpoint."
        )
    return False
