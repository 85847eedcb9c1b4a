"""Both ends of Layer IG's paths: the forward passes of the texts and their baselines.

One set of passes gives the prediction, the embeddings-layer output at both
ends and ``F(input)`` and ``F(baseline)``; :func:`logits_of` is the one
forward pass every part of the method runs, with the embeddings layer's output
optionally replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from explain.core.targets import (
    OutputKind,
    label_probabilities,
    resolve_contrast,
    resolve_label,
    target_output,
)
from explain.engine.hooks import TOKEN_BUDGET, output_captured, output_replaced
from explain.methods.baselines import Baseline, BaselineOptions
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import EncodedBatch, Encoding


@dataclass(frozen=True, eq=False)
class Endpoints:
    """Both ends of the integration paths, for ``n`` texts and ``k`` baselines each.

    Args:
        input_embedding: ``(n, seq_len, hidden)`` embedding-layer output of the texts.
        baseline_embedding: ``(k * n, seq_len, hidden)``; row ``i`` belongs to text ``i % n``.
        input_logits: ``(n, num_labels)``.
        baseline_logits: ``(k * n, num_labels)``.
        baseline_tokens: per text, what stands at each position of its baseline.
    """

    input_embedding: torch.Tensor
    baseline_embedding: torch.Tensor
    input_logits: torch.Tensor
    baseline_logits: torch.Tensor
    baseline_tokens: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, eq=False)
class Targets:
    """What each text's paths explain, and its value at both ends.

    Args:
        probabilities: ``(n, num_labels)`` the texts' predictions.
        predicted: per text, the index of its predicted label.
        indices: per text, the index of its target label.
        labels: ``(n,)`` the target labels.
        contrasts: ``(n,)`` the contrast labels, or None.
        f_input: ``(n,)`` ``F(input)``, float64.
        f_baselines: ``(k, n)`` ``F(baseline)`` of each baseline, float64.
        change: ``(k, n)``, ``F(input) - F(baseline)`` of each baseline.
    """

    probabilities: torch.Tensor
    predicted: list[int]
    indices: list[int]
    labels: torch.Tensor
    contrasts: torch.Tensor | None
    f_input: torch.Tensor
    f_baselines: torch.Tensor
    change: torch.Tensor


def logits_of(
    loaded: LoadedModel,
    batch: EncodedBatch,
    input_ids: torch.Tensor,
    embeddings: torch.Tensor | None = None,
) -> torch.Tensor:
    """Logits for ids that are ``batch``'s, each row repeated ``k`` times.

    Args:
        loaded: the model.
        batch: the padded encodings, ``(n, seq_len)``.
        input_ids: ``(k * n, seq_len)``; row ``i`` belongs to text ``i % n``.
        embeddings: ``(k * n, seq_len, hidden)``, replacing the embeddings
            layer's output. Default: None, the layer's own output.
    """
    repeats = input_ids.shape[0] // batch.input_ids.shape[0]
    kwargs = {key: value.repeat(repeats, 1) for key, value in batch.model_inputs().items()}
    if embeddings is None:
        return loaded.model(input_ids=input_ids, **kwargs).logits
    with output_replaced(loaded.embeddings, embeddings):
        return loaded.model(input_ids=input_ids, **kwargs).logits


def endpoint_passes(
    loaded: LoadedModel,
    batch: EncodedBatch,
    encodings: Sequence[Encoding],
    strategy: Baseline,
    options: BaselineOptions,
) -> Endpoints:
    """Run the texts and their baselines through the model, keeping the embeddings.

    Token baselines go in the same passes as the texts, as many texts and
    baselines per pass as fit in the token budget; embedding baselines are
    built from the texts' embeddings and run in a second pass.
    """
    ids = batch.input_ids  # (n, seq_len)
    n, seq_len = ids.shape
    captured: list[torch.Tensor] = []
    if strategy.kind == "embedding":
        with output_captured(loaded.embeddings, captured):
            input_logits = logits_of(loaded, batch, ids)
        input_embedding = captured[0]  # (n, seq_len, hidden)
        baseline_embedding = strategy.embedding(input_embedding, batch.special_mask, options)
        return Endpoints(
            input_embedding=input_embedding,
            baseline_embedding=baseline_embedding,
            input_logits=input_logits,
            baseline_logits=logits_of(loaded, batch, ids, baseline_embedding),
            baseline_tokens=placeholder_rows(encodings, strategy.placeholder),
        )
    samples = strategy.sample_token_ids(ids, batch.special_mask, loaded.tokenizer, options)
    every = torch.cat([ids, samples.flatten(0, 1)])  # ((1 + k) * n, seq_len)
    groups = max(1, TOKEN_BUDGET // (n * seq_len))  # texts or baselines of all n per pass
    logits = []
    with output_captured(loaded.embeddings, captured):
        for start in range(0, every.shape[0], groups * n):
            logits.append(logits_of(loaded, batch, every[start : start + groups * n]))
    embeddings = torch.cat(captured)  # ((1 + k) * n, seq_len, hidden)
    all_logits = torch.cat(logits)  # ((1 + k) * n, num_labels)
    if strategy.kind == "samples":
        baseline_tokens = placeholder_rows(encodings, strategy.placeholder)
    else:
        baseline_tokens = tuple(
            tuple(loaded.tokenizer.convert_ids_to_tokens(row.tolist())) for row in samples[0]
        )
    return Endpoints(
        input_embedding=embeddings[:n],
        baseline_embedding=embeddings[n:],
        input_logits=all_logits[:n],
        baseline_logits=all_logits[n:],
        baseline_tokens=baseline_tokens,
    )


def targets_at(
    loaded: LoadedModel,
    batch: EncodedBatch,
    ends: Endpoints,
    target: int | str | None,
    contrast: int | str | None,
    kind: OutputKind,
) -> Targets:
    """Each text's prediction and target, and the explained output at both ends.

    Args:
        loaded: the model.
        batch: the padded encodings, ``(n, seq_len)``.
        ends: the endpoints of the batch's paths.
        target: label index or name; None, each text's predicted label.
        contrast: a second label, or None.
        kind: the explained output.
    """
    n = batch.input_ids.shape[0]
    k = ends.baseline_logits.shape[0] // n
    probabilities = label_probabilities(ends.input_logits.float(), loaded.head)
    predicted = probabilities.argmax(dim=-1).tolist()
    indices = [resolve_label(target, loaded.labels, p) for p in predicted]
    labels = torch.tensor(indices, device=batch.input_ids.device)  # (n,)
    contrasts = (
        None
        if contrast is None
        else torch.tensor(
            [resolve_contrast(contrast, loaded.labels, i) for i in indices],
            device=labels.device,
        )
    )  # (n,)
    f_input = target_output(ends.input_logits, labels, kind, contrasts).double()  # (n,)
    f_baselines = (
        target_output(
            ends.baseline_logits,
            labels.repeat(k),
            kind,
            None if contrasts is None else contrasts.repeat(k),
        )
        .double()
        .view(k, n)
    )
    return Targets(
        probabilities=probabilities,
        predicted=predicted,
        indices=indices,
        labels=labels,
        contrasts=contrasts,
        f_input=f_input,
        f_baselines=f_baselines,
        change=f_input - f_baselines,  # (k, n)
    )


def placeholder_rows(
    encodings: Sequence[Encoding], placeholder: str
) -> tuple[tuple[str, ...], ...]:
    """Per text, its special tokens with ``placeholder`` at every text position."""
    return tuple(
        tuple(
            token if special else placeholder
            for token, special in zip(
                encoding.tokens, encoding.special_mask[0].tolist(), strict=True
            )
        )
        for encoding in encodings
    )
