"""Forward hooks and model switches that the attribution engines share.

Each context manager changes the shared model for the length of a block and
puts it back afterwards, after an error too. Callers hold the model's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeGuard, cast

import numpy as np
import torch
from transformers import BertForSequenceClassification
from transformers.models.bert.modeling_bert import BertLayer

from explain.model.encoding import Encoding

TOKEN_BUDGET = 4096  # tokens per forward pass, to bound memory on long inputs
# Attention holds rows x heads x seq_len^2 scores per layer, so long rows also get a
# budget on rows x seq_len^2; it equals TOKEN_BUDGET's at 128 tokens and binds above.
ATTENTION_BUDGET = TOKEN_BUDGET * 128
GLOBAL_RANDOM_LOCK = threading.RLock()  # torch's and numpy's global generators are shared


@contextmanager
def output_replaced(module: torch.nn.Module, replacement: torch.Tensor) -> Iterator[None]:
    """Make ``module`` return ``replacement`` instead of its own output."""
    handle = module.register_forward_hook(lambda _module, _args, _output: replacement)
    try:
        yield
    finally:
        handle.remove()


@contextmanager
def output_captured(module: torch.nn.Module, into: list[torch.Tensor]) -> Iterator[None]:
    """Append ``module``'s output to ``into`` on every call."""
    handle = module.register_forward_hook(lambda _module, _args, output: into.append(output))
    try:
        yield
    finally:
        handle.remove()


def is_plain_bert_classifier(model: torch.nn.Module) -> TypeGuard[BertForSequenceClassification]:
    """An eval-mode BERT sequence classifier, no decoder, no cross-attention.

    Its encoder layers are what the attribution shortcuts
    (:mod:`explain.engine.pooled`, :mod:`explain.engine.straight_path`) know how to replace.
    """
    return (
        type(model) is BertForSequenceClassification
        and not model.training
        and not model.config.is_decoder
        and not model.config.add_cross_attention
    )


@contextmanager
def encoder_layer_replaced(
    model: BertForSequenceClassification,
    index: int,
    replacement: Callable[[BertLayer], torch.nn.Module],
) -> Iterator[None]:
    """Within the block, encoder layer ``index`` is ``replacement(layer)``; then the layer is back.

    Callers hold the model's lock, because the shared model is changed until
    the block ends. The layer is put back after an error too.
    """
    layers = model.bert.encoder.layer
    original = cast(BertLayer, layers[index])  # the support checks saw a BertLayer here
    layers[index] = replacement(original)
    try:
        yield
    finally:
        layers[index] = original


@contextmanager
def weights_frozen(model: torch.nn.Module) -> Iterator[None]:
    """Stop autograd tracking the weights, restoring each flag afterwards.

    Gradient methods need gradients with respect to an embedding only; with the
    weights untracked, autograd saves fewer activations. Callers hold the
    model's lock, so no other thread sees the change.
    """
    flags = [(parameter, parameter.requires_grad) for parameter in model.parameters()]
    for parameter, _ in flags:
        parameter.requires_grad_(False)
    try:
        yield
    finally:
        for parameter, flag in flags:
            parameter.requires_grad_(flag)


@contextmanager
def seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch's and numpy's global generators, restoring their states afterwards.

    Captum draws its samples from the global generators (GradientSHAP's path
    points from numpy, its noise and LIME's and Kernel SHAP's coalitions from
    torch), so a seed must be set there; the states are put back so that a
    seeded attribution does not change anyone else's random numbers. The
    generators are process-wide while each model has its own lock, so
    :data:`GLOBAL_RANDOM_LOCK` is held too: two seeded methods on two models
    cannot interleave their seeding and restoring.

    Args:
        seed: the seed, from 0 to 2**31 - 1.
        device: the model's device; a CUDA device's generator is forked too.
    """
    devices = [device] if device.type == "cuda" else []
    with GLOBAL_RANDOM_LOCK, torch.random.fork_rng(devices=devices):
        numpy_state = np.random.get_state()
        torch.manual_seed(seed)
        np.random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(numpy_state)


def batch_inputs(encoding: Encoding, batch: int) -> dict[str, torch.Tensor]:
    """The encoding's attention mask and token types, repeated for ``batch`` rows."""
    return {key: value.expand(batch, -1) for key, value in encoding.model_inputs().items()}


def rows_per_pass(seq_len: int, budget: int = TOKEN_BUDGET) -> int:
    """How many ``seq_len``-token rows fit in one forward pass of ``budget`` tokens (at least 1).

    Above 128 tokens the attention scores bind first: a 512-token row takes a
    quarter of the rows ``budget`` alone would allow.
    """
    attention_rows = ATTENTION_BUDGET * budget // TOKEN_BUDGET // (seq_len * seq_len)
    return max(1, min(budget // seq_len, attention_rows))
