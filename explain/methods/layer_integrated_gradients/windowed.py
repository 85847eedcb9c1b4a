"""A text longer than the model's window, explained by Layer IG in batches of windows."""

from __future__ import annotations

from collections.abc import Callable

import torch

from explain.core.errors import InputError
from explain.core.results import Attribution
from explain.core.targets import OutputKind, label_probabilities, resolve_label
from explain.engine.hooks import TOKEN_BUDGET
from explain.methods.base import Values
from explain.methods.layer_integrated_gradients.endpoints import logits_of
from explain.methods.windows import mean_of_windows
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import encode_windows, pad_batch


def attribute_windows(
    loaded: LoadedModel,
    attribute_encoded: Callable[..., list[Attribution]],
    text: str,
    target: int | str | None,
    output: OutputKind,
    baseline: str,
    values: Values,
    stride: int | None,
) -> Attribution:
    """A long text in overlapping windows, integrated in batches of windows.

    The target is the label of the windows' mean prediction (or the one
    asked for), the same for every window; the document's result is the
    mean of the windows' (:func:`explain.methods.windows.mean_of_windows`).

    Args:
        loaded: the model.
        attribute_encoded: the method's batched attribution, called with
            ``(texts, encodings, target=, output=, baseline=, **options)``.
        text: the long text.
        target: label index or name; None, the windows' mean prediction.
        output: what is explained.
        baseline: the baseline's name.
        values: the method's checked options, ``text_pair`` included.
        stride: text tokens from one window's start to the next's; None,
            half a window.

    Raises:
        InputError: a sentence pair, or a stride out of range.
    """
    options = dict(values)
    if options.pop("text_pair") is not None:
        raise InputError(
            "Windows cut one text; a sentence pair is not windowed. Explain the pair with "
            "long='truncate' (the longer text loses tokens first)."
        )
    windows = encode_windows(loaded.tokenizer, text, loaded.max_length, loaded.device, stride)
    per_pass = max(1, TOKEN_BUDGET // loaded.max_length)  # windows per batched integration
    groups = [
        list(windows.windows[start : start + per_pass])
        for start in range(0, len(windows.windows), per_pass)
    ]
    pad_id = int(loaded.tokenizer.pad_token_id or 0)
    with torch.no_grad():
        logits = torch.cat(
            [
                logits_of(loaded, batch, batch.input_ids)
                for batch in (pad_batch(group, pad_id) for group in groups)
            ]
        )  # (windows, num_labels)
    mean_probabilities = label_probabilities(logits.float(), loaded.head).mean(dim=0)
    label = resolve_label(target, loaded.labels, int(mean_probabilities.argmax()))
    results = [
        result
        for group in groups
        for result in attribute_encoded(
            [text] * len(group), group, target=label, output=output, baseline=baseline,
            **options,
        )
    ]  # fmt: skip
    return mean_of_windows(windows, text, results, target)
