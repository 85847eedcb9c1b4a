"""Where each BERT-family architecture keeps the parts attribution needs.

Architectures name the same parts differently: the word-embedding table is
``word_embeddings`` in BERT, RoBERTa, DistilBERT, ELECTRA, ALBERT and
DeBERTa-v2 but ``tok_embeddings`` in ModernBERT; the encoder layers are
``encoder.layer`` (BERT, RoBERTa, ELECTRA, DeBERTa-v2), ``transformer.layer``
(DistilBERT) or ``layers`` (ModernBERT), while ALBERT shares one layer's
weights across its depth. The methods ask here instead of reading attributes.

RoBERTa-style models (RoBERTa, XLM-RoBERTa, CamemBERT, ...) derive their
position ids from the token ids, counting every token that is not ``<pad>``.
A ``pad`` baseline puts ``<pad>`` at every text position, which would silently
change the positions too. :func:`positions_from_attention_mask` makes such a
model count positions from the attention mask instead: the same ids for every
real input, and the input's positions for a baseline.
"""

from __future__ import annotations

import torch

from explain.core.errors import CheckpointError
from explain.core.targets import Head

SUPPORTED = "BERT, DistilBERT, ELECTRA, RoBERTa, XLM-RoBERTa, ALBERT, DeBERTa-v2 and ModernBERT"
LAYER_LISTS = ("encoder.layer", "transformer.layer", "layers")  # BERT-like, DistilBERT, ModernBERT


def _describe(model: torch.nn.Module, name: str | None) -> str:
    return f"{name}: {type(model).__name__}" if name else type(model).__name__


def embeddings_layer(model: torch.nn.Module, name: str | None = None) -> torch.nn.Module:
    """The embeddings layer: word (+ position + token type) embeddings, normalised.

    Args:
        model: a sequence classifier.
        name: the checkpoint's name, for the error message. Default: None

    Raises:
        CheckpointError: the base model has no ``embeddings`` module.
    """
    base = getattr(model, "base_model", model)
    module = getattr(base, "embeddings", None)
    if not isinstance(module, torch.nn.Module):
        raise CheckpointError(
            f"{_describe(model, name)} has no `embeddings` layer on its base model. "
            f"Tokenlight explains BERT-family encoders ({SUPPORTED})."
        )
    return module


def word_embeddings(model: torch.nn.Module, name: str | None = None) -> torch.nn.Embedding:
    """The word-embedding table inside the embeddings layer (no positions, no token types).

    It is the model's input embeddings (``get_input_embeddings()``: BERT's
    ``word_embeddings``, ModernBERT's ``tok_embeddings``), provided the
    embeddings layer holds it, so that its output flows through that layer.

    Args:
        model: a sequence classifier.
        name: the checkpoint's name, for the error message. Default: None

    Raises:
        CheckpointError: the model has no input-embedding table inside its
            embeddings layer.
    """
    embeddings = embeddings_layer(model, name)
    getter = getattr(model, "get_input_embeddings", None)
    table = getter() if callable(getter) else getattr(embeddings, "word_embeddings", None)
    if not isinstance(table, torch.nn.Embedding) or not any(
        module is table for module in embeddings.modules()
    ):
        raise CheckpointError(
            f"{_describe(model, name)}: its embeddings layer holds no word-embedding table "
            "(`get_input_embeddings()`), so word-embedding methods cannot run. Use Layer "
            "Integrated Gradients, which attributes to the whole embeddings layer."
        )
    return table


def encoder_layers(model: torch.nn.Module, name: str | None = None) -> tuple[torch.nn.Module, ...]:
    """The encoder's transformer layers, bottom first, each a module of its own.

    Args:
        model: a sequence classifier.
        name: the checkpoint's name, for the error message. Default: None

    Returns:
        The layers: ``encoder.layer`` (BERT, RoBERTa, ELECTRA, DeBERTa-v2),
        ``transformer.layer`` (DistilBERT) or ``layers`` (ModernBERT).

    Raises:
        CheckpointError: the layers are not a list of separate modules, as in
            ALBERT, which runs one shared layer again and again.
    """
    base = getattr(model, "base_model", model)
    for path in LAYER_LISTS:
        module: object = base
        for part in path.split("."):
            module = getattr(module, part, None)
        if isinstance(module, torch.nn.ModuleList) and len(module) > 0:
            return tuple(module)
    shared = " ALBERT shares one layer's weights across its depth." if _is_albert(base) else ""
    raise CheckpointError(
        f"{_describe(model, name)} keeps no list of separate encoder layers (looked for "
        f"{', '.join(LAYER_LISTS)}), so per-layer views cannot run.{shared} The attribution "
        "methods still work."
    )


def _is_albert(base: torch.nn.Module) -> bool:
    return hasattr(getattr(base, "encoder", None), "albert_layer_groups")


def positions_follow_ids(model: torch.nn.Module) -> bool:
    """Whether the model derives position ids from token ids, skipping ``<pad>`` (RoBERTa-style)."""
    embeddings = getattr(getattr(model, "base_model", model), "embeddings", None)
    return (
        embeddings is not None
        and hasattr(embeddings, "create_position_ids_from_input_ids")
        and isinstance(getattr(embeddings, "padding_idx", None), int)
    )


def positions_from_attention_mask(model: torch.nn.Module) -> bool:
    """Make a RoBERTa-style model count positions from the attention mask, not from ``<pad>`` ids.

    Installs a forward pre-hook that passes ``position_ids`` computed as the
    model itself would (``padding_idx + 1, padding_idx + 2, ...`` over attended
    tokens, ``padding_idx`` at padding) whenever the caller gives an attention
    mask and no position ids. For every real input, padded or not, the ids are
    those the model computes; a baseline of ``<pad>`` tokens with the input's
    mask keeps the input's positions. Models that take positions from their
    index are left alone.

    Args:
        model: a loaded classifier; changed in place, once.

    Returns:
        Whether the hook was installed.
    """
    if not positions_follow_ids(model):
        return False
    padding_idx: int = getattr(embeddings_layer(model), "padding_idx")  # noqa: B009

    def with_positions(
        _module: torch.nn.Module, args: tuple, kwargs: dict
    ) -> tuple[tuple, dict] | None:
        mask = kwargs.get("attention_mask")
        if kwargs.get("position_ids") is not None or mask is None or mask.dim() != 2:
            return None
        attended = mask.ne(0).long()  # (batch, seq_len)
        kwargs["position_ids"] = torch.cumsum(attended, dim=1) * attended + padding_idx
        return args, kwargs

    model.register_forward_pre_hook(with_positions, with_kwargs=True)
    return True


def head_of(config: object, name: str) -> Head:
    """The kind of head a checkpoint's config describes, as transformers reads it.

    ``problem_type`` decides when set; without it, one output is a regressor
    and several are single-label classes.

    Raises:
        CheckpointError: a regression head with several outputs, or a
            single-label classifier with one.
    """
    problem = getattr(config, "problem_type", None)
    outputs = int(getattr(config, "num_labels", 2))
    if problem == "multi_label_classification":
        return "multi_label"
    if problem == "regression" or (problem is None and outputs == 1):
        if outputs != 1:
            raise CheckpointError(
                f"{name} is a regressor with {outputs} outputs. Tokenlight explains one "
                "regression output at a time; save a checkpoint with one output per score."
            )
        return "regression"
    if outputs < 2:
        raise CheckpointError(
            f"{name} is a single-label classifier with one label, whose softmax is always 1. "
            "Set problem_type to 'regression' in its config.json if it predicts a score."
        )
    return "single_label"
