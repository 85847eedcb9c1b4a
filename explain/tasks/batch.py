"""Explain many texts of one task with one target: Many texts and results directories.

Each text is explained on its own (a task's view of the model is built per
text: its entities, its hypotheses, its answer), with the same target: the
K-th entity or N-th token of each text, the same candidate labels, or the same
question asked of each context. A text that cannot be explained (it has fewer
entities, it does not fit beside its question) keeps its own error and does
not stop the others.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from explain.core.errors import InputError
from explain.core.task_targets import TaskTarget
from explain.methods.batch import (
    MAX_TEXTS,
    BatchItem,
    BatchResult,
    Progress,
    attribute_batch,
    check_texts,
    finished,
)
from explain.methods.registry import DEFAULT_METHOD
from explain.methods.request import AttributionRequest
from explain.model.checkpoints import LoadedModel
from explain.tasks.explain_task import explain_task, serving_method


def explain_task_batch(
    loaded: LoadedModel,
    texts: Sequence[str],
    target: TaskTarget,
    method: str = DEFAULT_METHOD,
    progress: Progress | None = None,
    max_texts: int = MAX_TEXTS,
    **options: Any,
) -> BatchResult:
    """Explain every text in ``texts`` with the same task target, method and settings.

    Args:
        loaded: the checkpoint, loaded for the target's task.
        texts: the texts (for question answering, the contexts).
        target: what each text's explanation targets, as for
            :func:`explain.tasks.explain_task.explain_task`.
        method: a method that serves the task. Default: ``"layer_integrated_gradients"``
        progress: called with ``(texts done, texts in all)`` after each text.
            Default: None
        max_texts: the most texts one call accepts. Default: 1000
        **options: ``output``, ``baseline`` and the method's settings; the
            label explained is the target's own (``target.label``, or the
            answer's end).

    Returns:
        The :class:`~explain.methods.batch.BatchResult`, items in input order.

    Raises:
        InputError: there are no texts or too many, the method cannot serve the
            task, or every text failed with the same error. A text's own error
            is kept in its item.
    """
    started = time.perf_counter()
    serving_method(method, target)
    check_texts(texts, max_texts)
    items: list[BatchItem] = []
    for index, text in enumerate(texts):
        try:
            items.append(
                BatchItem(index, text, explain_task(loaded, text, target, method, **options))
            )
        except InputError as error:
            items.append(BatchItem(index, text, None, str(error)))
        if progress is not None:
            progress(index + 1, len(texts))
    return finished(items, started)


def explain_batch_request(
    loaded: LoadedModel,
    request: AttributionRequest,
    texts: Sequence[str],
    progress: Progress | None = None,
    max_texts: int = MAX_TEXTS,
) -> BatchResult:
    """Every text of ``texts`` explained with ``request``'s choices, of any task.

    The request's own text is not used. Without a task target the texts go to
    :func:`explain.attribute_batch` (batched integration); with one, to
    :func:`explain_task_batch`.

    Args:
        loaded: the checkpoint the request names, loaded for its task.
        request: the method, output, baseline, settings and task target.
        texts: the texts, one per item.
        progress: called with ``(texts done, texts in all)``. Default: None
        max_texts: the most texts one call accepts. Default: 1000

    Returns:
        The :class:`~explain.methods.batch.BatchResult`, items in input order.

    Raises:
        InputError: as :func:`explain.attribute_batch` and :func:`explain_task_batch`.
    """
    if request.task_target is None:
        # Any: mypy matches a **dict with every keyword parameter (batched, max_texts), but
        # the request holds only names its method takes, which none of those is.
        options: dict[str, Any] = request.options()
        return attribute_batch(
            loaded, texts, request.method, progress, max_texts=max_texts, **options
        )
    return explain_task_batch(
        loaded,
        texts,
        request.task_target,
        request.method,
        progress,
        max_texts,
        output=request.output,
        baseline=request.baseline,
        **request.method_settings(),
    )
