"""Explain many texts at once: length-bucketed batches, per-text errors, a summary per label.

A method that declares the ``batching`` capability (Layer Integrated
Gradients) runs one batched integration for several texts of similar length
(one forward and backward pass for all of them per chunk of steps); other
methods run one text at a time. A text that cannot be explained
(empty, or nothing the tokenizer keeps) gets an error message of its own and
does not stop the batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from explain.core.errors import InputError
from explain.core.results import Attribution
from explain.core.task_results import summarised_segment
from explain.methods.base import LONG_OPTIONS
from explain.methods.registry import DEFAULT_METHOD, attribute, check_options, get_method
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import Encoding, encode

MAX_TEXTS = 1000
BUCKET_TOKENS = 640  # padded tokens per batched integration; see benchmarks/bench.py
MAX_PADDING = 0.2

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BatchItem:
    """One text of a batch and what became of it: a result or an error message."""

    index: int
    text: str
    result: Attribution | None
    error: str | None = None


@dataclass(frozen=True)
class BatchResult:
    """Every text's outcome, in input order, and how long the batch took."""

    items: tuple[BatchItem, ...]
    seconds: float

    @property
    def results(self) -> tuple[Attribution, ...]:
        """The texts that could be explained, in input order."""
        return tuple(item.result for item in self.items if item.result is not None)

    @property
    def failures(self) -> tuple[BatchItem, ...]:
        return tuple(item for item in self.items if item.result is None)


@dataclass(frozen=True)
class TokenMean:
    """One token's mean score towards one label, over the texts explaining that label."""

    label: str
    token: str
    mean: float
    count: int


def buckets(
    lengths: Sequence[int],
    bucket_tokens: int = BUCKET_TOKENS,
    max_padding: float = MAX_PADDING,
) -> list[list[int]]:
    """Group indices of similar length, each group padded to at most ``bucket_tokens`` tokens.

    Args:
        lengths: token count of each text.
        bucket_tokens: most tokens (texts × longest length) in one group; a
            text longer than that gets a group of its own. Default: 640
        max_padding: the longest text of a group is at most ``1 + max_padding``
            times its shortest, so padding wastes little compute. Default: 0.2

    Returns:
        Lists of indices into ``lengths``, shortest texts first.
    """
    if bucket_tokens < 1 or max_padding < 0:
        raise ValueError("bucket_tokens must be a positive integer and max_padding >= 0.")
    groups: list[list[int]] = []
    for index in sorted(range(len(lengths)), key=lambda i: (lengths[i], i)):
        group = groups[-1] if groups else None
        if (
            group
            and (len(group) + 1) * lengths[index] <= bucket_tokens
            and lengths[index] <= (1 + max_padding) * lengths[group[0]]
        ):
            group.append(index)
        else:
            groups.append([index])
    return groups


def attribute_batch(
    loaded: LoadedModel,
    texts: Sequence[str],
    method: str = DEFAULT_METHOD,
    progress: Progress | None = None,
    batched: bool = True,
    bucket_tokens: int = BUCKET_TOKENS,
    max_texts: int = MAX_TEXTS,
    **options: object,
) -> BatchResult:
    """Explain every text in ``texts`` with the same method and settings.

    Args:
        loaded: from :func:`explain.load_checkpoint`.
        texts: the texts, one per item.
        method: a name from :data:`explain.METHODS`. Default: ``"layer_integrated_gradients"``
        progress: called with ``(texts done, texts in all)`` after each group.
            Default: None
        batched: integrate several texts per pass where the method allows it;
            False explains one text at a time with the same code (to compare).
            With ``long="windows"``, each text goes alone and its windows are
            batched among themselves. Default: True
        bucket_tokens: see :func:`buckets`. Default: 640
        max_texts: the most texts one call accepts. Default: 1000
        **options: ``target``, ``output``, ``baseline`` and the method's settings,
            as for :func:`explain.attribute`.

    Returns:
        The :class:`BatchResult`, items in input order.

    Raises:
        InputError: there are no texts, more than ``max_texts``, an unknown
            method, an option the method does not take or out of range, or
            every text failed with the same error (an unknown target, say). A
            text's own error is kept in its item.
    """
    started = time.perf_counter()
    explainer_type = get_method(method)
    check_options(method, options)
    check_texts(texts, max_texts)
    total = len(texts)
    outcomes: dict[int, BatchItem] = {}
    encodings: dict[int, Encoding] = {}
    with loaded.lock:
        for index, text in enumerate(texts):
            try:
                encodings[index] = encode(loaded.tokenizer, text, loaded.max_length, loaded.device)
            except InputError as error:
                outcomes[index] = BatchItem(index, text, None, str(error))
    done = len(outcomes)
    if progress is not None:
        progress(done, total)
    order = list(encodings)
    windowed = options.get("long", "truncate") == "windows"
    together = batched and explainer_type.capabilities.batching and not windowed
    groups = (
        buckets([encodings[i].input_ids.shape[1] for i in order], bucket_tokens)
        if together
        else [[position] for position in range(len(order))]
    )
    for group in groups:
        indices = [order[position] for position in group]
        results: list[Attribution | InputError]
        if together:
            try:
                results = list(
                    explainer_type(loaded).attribute_encoded(  # type: ignore[attr-defined]
                        [texts[i] for i in indices],
                        [encodings[i] for i in indices],
                        **{k: v for k, v in options.items() if k not in LONG_OPTIONS},
                    )
                )
            except InputError:
                # One text's trouble (its prediction is the contrast label, say)
                # must not sink the others: explain each alone, keeping its error.
                results = [_one(loaded, texts[i], method, options) for i in indices]
        else:
            results = [_one(loaded, texts[i], method, options) for i in indices]
        for index, result in zip(indices, results, strict=True):
            if isinstance(result, InputError):
                outcomes[index] = BatchItem(index, texts[index], None, str(result))
            else:
                outcomes[index] = BatchItem(index, texts[index], result)
        done += len(indices)
        if progress is not None:
            progress(done, total)
    return finished([outcomes[i] for i in range(total)], started)


def check_texts(texts: Sequence[str], max_texts: int) -> None:
    """Refuse an empty batch, or one of more than ``max_texts`` texts.

    Raises:
        InputError: the message says how to fix the input.
    """
    if not texts:
        raise InputError("There are no texts to explain. Give at least one line of text.")
    if len(texts) > max_texts:
        raise InputError(
            f"{len(texts)} texts is more than the {max_texts} one batch may hold. "
            "Split the input into smaller batches."
        )


def finished(items: Sequence[BatchItem], started: float) -> BatchResult:
    """The batch of ``items`` (in input order), timed from ``started`` (``perf_counter``).

    Raises:
        InputError: every text failed with the same error (an unknown target,
            say), which is then the batch's error rather than each text's.
    """
    errors = {item.error for item in items}
    if all(item.result is None for item in items) and len(errors) == 1:
        raise InputError(errors.pop() or "No text could be explained.")
    return BatchResult(items=tuple(items), seconds=time.perf_counter() - started)


def _one(
    loaded: LoadedModel, text: str, method: str, options: dict[str, object]
) -> Attribution | InputError:
    """One text's attribution, or the input error that stopped it."""
    try:
        return attribute(loaded, text, method, **options)
    except InputError as error:
        return error


def top_tokens(result: Attribution, k: int = 3) -> tuple[tuple[str, float], ...]:
    """The ``k`` text tokens that raised the target output most, with their scores."""
    pairs = [
        (token, score)
        for token, score, special in zip(
            result.tokens, result.scores, result.special_tokens, strict=True
        )
        if not special
    ]
    return tuple(sorted(pairs, key=lambda pair: -pair[1])[:k])


def mean_token_scores(
    results: Sequence[Attribution], k: int = 10, min_count: int = 1
) -> tuple[TokenMean, ...]:
    """For each label, the ``k`` tokens with the highest mean score towards it.

    Each text contributes to the label it explains (its target). A token's
    mean is over its occurrences in those texts; tokens are compared as the
    tokenizer writes them (WordPiece pieces such as ``##ing`` stay separate).
    For a task, only the text's own tokens count: a QA model's question and a
    zero-shot hypothesis are the same in every text.

    Args:
        results: attributions made with one output kind, so scores share a unit.
        k: tokens per label. Default: 10
        min_count: leave out tokens seen fewer times than this. Default: 1

    Returns:
        Per label (in label order), up to ``k`` :class:`TokenMean`, highest first.

    Raises:
        ValueError: the results explain different output kinds or label sets.
    """
    if not results:
        return ()
    if len({(r.settings.output, r.labels) for r in results}) > 1:
        raise ValueError(
            "mean_token_scores needs results with the same output kind and labels; "
            "explain the batch with one setting."
        )
    sums: dict[tuple[int, str], list[float]] = {}
    for result in results:
        own = summarised_segment(result.task)
        segments = result.segments or (0,) * len(result.tokens)
        for token, score, special, segment in zip(
            result.tokens, result.scores, result.special_tokens, segments, strict=True
        ):
            if not special and (own is None or segment == own):
                sums.setdefault((result.target_index, token), []).append(score)
    means: list[TokenMean] = []
    labels = results[0].labels
    for label_index, label in enumerate(labels):
        candidates = [
            TokenMean(label, token, sum(scores) / len(scores), len(scores))
            for (index, token), scores in sums.items()
            if index == label_index and len(scores) >= min_count
        ]
        candidates.sort(key=lambda entry: (-entry.mean, entry.token))
        means.extend(candidates[:k])
    return tuple(means)
