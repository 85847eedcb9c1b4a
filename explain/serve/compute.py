"""Explain a batch of requests on one model: those that can share a padded pass share it.

This is what a replica runs on each batch ``@serve.batch`` hands it, kept free
of Ray so it can be tested and measured alone. Requests with the same method
and settings that Layer IG can integrate together go through
:meth:`explain.EmbeddingIntegratedGradients.attribute_encoded` in buckets of
similar length; the rest run one by one with :func:`explain.attribute`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explain.core.errors import TokenlightError
from explain.core.results import Attribution
from explain.io.export import to_json
from explain.io.request_checks import check_checkpoint
from explain.methods.base import LONG_OPTIONS
from explain.methods.batch import BUCKET_TOKENS, buckets
from explain.methods.registry import attribute, get_method
from explain.model.checkpoints import CHECKPOINTS, LoadedModel, load_checkpoint
from explain.model.encoding import Encoding, encode
from explain.serve.requests import ExplainRequest, RequestTooLarge
from explain.tasks.explain_task import explain_task

LOG = logging.getLogger(__name__)
MAX_PADDING = 0.5  # a batch pads its texts to at most 1.5 times the shortest one's length
INTERNAL_ERROR = "The server failed to explain this text. Its log has the details."


@dataclass(frozen=True)
class Outcome:
    """What one request gets back.

    Args:
        result: the attribution, or None when the request failed.
        batch_size: how many requests were computed together with this one, itself included.
        error: why it failed, in words for the user. Default: None
        status: the HTTP status to answer with. Default: 200
    """

    result: Attribution | None
    batch_size: int
    error: str | None = None
    status: int = 200


def load_served(spec: str, roots: tuple[Path, ...]) -> LoadedModel:
    """Load a checkpoint the service serves: a registered one, or a directory under ``roots``.

    The service downloads nothing: a Hugging Face Hub id is refused.

    Raises:
        CheckpointError: the checkpoint is a Hub id, outside ``roots``, missing or unusable.
    """
    spec = check_checkpoint(spec, tuple(CHECKPOINTS), directories=True)
    return load_checkpoint(spec, roots=roots)


def answer(outcome: Outcome) -> dict[str, object]:
    """The JSON answer to an explained request: its batch size and its result as exported.

    The result is :func:`explain.to_json`'s, completeness verdict included
    (``results[0]["completeness"]``), so a client reads it back with
    :func:`explain.from_json`.

    Args:
        outcome: a request's outcome with a result.

    Raises:
        ValueError: the outcome has no result, or its result holds a number
            JSON cannot write.
    """
    if outcome.result is None:
        raise ValueError("Only an outcome with a result has an answer; send its error instead.")
    return {"batch_size": outcome.batch_size, **json.loads(to_json([outcome.result]))}


def refusal(error: Exception) -> Outcome:
    """The outcome of a request refused for ``error``; no traceback leaves the server."""
    if isinstance(error, RequestTooLarge):
        return Outcome(None, 1, str(error), 413)
    if isinstance(error, TokenlightError | ValueError):
        return Outcome(None, 1, str(error), 400)
    LOG.exception("explanation failed", exc_info=error)
    return Outcome(None, 1, INTERNAL_ERROR, 500)


def batchable(request: ExplainRequest) -> bool:
    """Whether a batch gives ``request`` the very result it gets alone.

    Only methods that declare the ``batching`` capability (Layer IG) share a
    pass. A request whose scores are held to the delta tolerance
    (:meth:`explain.Explainer.uses_tolerance`: auto steps go on until every text
    of a batch converges, and bfloat16 falls back to float32 for the whole
    batch) runs alone; so does a long text explained in windows (its windows
    are batched among themselves).
    """
    options = dict(request.options)
    method = get_method(request.method)
    return (
        request.task_target is None
        and method.capabilities.batching
        and not method.uses_tolerance(options)
        and options.get("long", "truncate") == "truncate"
    )


def explain_alone(loaded: LoadedModel, request: ExplainRequest) -> Outcome:
    """One request computed by itself, as :func:`explain.attribute` computes it."""
    try:
        if request.task_target is None:
            result = attribute(loaded, request.text, request.method, **request.keywords())
        else:
            keywords: dict[str, Any] = request.keywords()
            keywords.pop("target")
            result = explain_task(
                loaded, request.text, request.task_target, request.method, **keywords
            )
    except Exception as error:  # every failure becomes a clear answer, never a traceback
        return refusal(error)
    return Outcome(result, 1)


def _together(
    loaded: LoadedModel, requests: Sequence[ExplainRequest], encodings: Sequence[Encoding]
) -> list[Outcome]:
    keywords = requests[0].keywords()
    keywords.pop("text_pair", None)  # each pair is in its encoding
    for name in LONG_OPTIONS:  # batchable: truncated, as the encodings are
        keywords.pop(name, None)
    try:
        explainer = get_method(requests[0].method)(loaded)
        results = explainer.attribute_encoded(  # type: ignore[attr-defined]
            [request.text for request in requests], encodings, **keywords
        )
    except TokenlightError:
        # One text's trouble (its prediction is the contrast label, say) must not
        # sink the others: each runs alone and keeps its own error.
        return [explain_alone(loaded, request) for request in requests]
    except Exception as error:
        return [refusal(error)] * len(requests)
    return [Outcome(result, len(requests)) for result in results]


def explain_requests(
    loaded: LoadedModel,
    requests: Sequence[ExplainRequest],
    bucket_tokens: int = BUCKET_TOKENS,
    max_padding: float = MAX_PADDING,
) -> list[Outcome]:
    """Explain ``requests`` on ``loaded``, sharing padded passes where the result stays the same.

    Args:
        loaded: the model every request names.
        requests: the requests, in arrival order.
        bucket_tokens: most padded tokens in one pass. Default: 640
        max_padding: the longest text of a pass is at most ``1 + max_padding``
            times its shortest. Default: 0.5

    Returns:
        One :class:`Outcome` per request, in order.
    """
    outcomes: dict[int, Outcome] = {}
    groups: dict[tuple[object, ...], list[int]] = {}
    for index, request in enumerate(requests):
        if batchable(request):
            groups.setdefault(request.settings_key(), []).append(index)
        else:
            groups[("alone", index)] = [index]
    for indices in groups.values():
        if len(indices) == 1:
            outcomes[indices[0]] = explain_alone(loaded, requests[indices[0]])
            continue
        encodings: dict[int, Encoding] = {}
        with loaded.lock:
            for index in indices:
                request = requests[index]
                try:
                    encodings[index] = encode(
                        loaded.tokenizer,
                        request.text,
                        loaded.max_length,
                        loaded.device,
                        text_pair=request.text_pair,
                    )
                except Exception as error:
                    outcomes[index] = refusal(error)
        order = list(encodings)
        lengths = [encodings[index].input_ids.shape[1] for index in order]
        for bucket in buckets(lengths, bucket_tokens, max_padding):
            members = [order[position] for position in bucket]
            together = _together(
                loaded, [requests[i] for i in members], [encodings[i] for i in members]
            )
            outcomes.update(zip(members, together, strict=True))
    return [outcomes[index] for index in range(len(requests))]
