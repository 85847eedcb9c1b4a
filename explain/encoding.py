"""Tokenise one text once, keeping what attribution and display need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import PreTrainedTokenizerBase

from explain.errors import InputError


@dataclass(frozen=True, eq=False)
class Encoding:
    """A tokenised text, as ``(1, seq_len)`` tensors plus display information."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    token_type_ids: torch.Tensor | None
    special_mask: torch.Tensor
    tokens: tuple[str, ...]
    offsets: tuple[tuple[int, int], ...]
    tokens_dropped: int

    def model_inputs(self) -> dict[str, torch.Tensor]:
        """Keyword arguments for the model, besides the ids."""
        inputs = {"attention_mask": self.attention_mask}
        if self.token_type_ids is not None:
            inputs["token_type_ids"] = self.token_type_ids
        return inputs


def encode(
    tokenizer: PreTrainedTokenizerBase, text: str, max_length: int, device: torch.device
) -> Encoding:
    """Tokenise ``text``, truncating to ``max_length`` tokens and counting what was dropped.

    Args:
        tokenizer: the checkpoint's tokenizer; a fast one also gives character offsets.
        text: the text to tokenise.
        max_length: most tokens kept, special tokens included.
        device: where the returned tensors go.

    Returns:
        The :class:`Encoding`, with ``(1, seq_len)`` tensors.

    Raises:
        InputError: the text is empty, only whitespace, or has no token the model reads.
    """
    if not text or not text.strip():
        raise InputError("The text is empty. Type a sentence to explain.")
    kwargs = {
        "return_tensors": "pt",
        "return_special_tokens_mask": True,
        "return_offsets_mapping": tokenizer.is_fast,
        "truncation": True,
        "max_length": max_length,
    }
    batch = tokenizer(text, **kwargs)
    tokens_dropped = 0
    if batch["input_ids"].shape[1] >= max_length:
        full_length = len(tokenizer(text, truncation=False, verbose=False)["input_ids"])
        tokens_dropped = max(0, full_length - max_length)
    ids = batch["input_ids"]  # (1, seq_len)
    if "offset_mapping" in batch:
        offsets = tuple((int(a), int(b)) for a, b in batch["offset_mapping"][0].tolist())
    else:
        offsets = tuple((0, 0) for _ in range(ids.shape[1]))
    special = batch["special_tokens_mask"].bool()
    if bool(special.all()):
        raise InputError(
            "The text has no characters this model's tokenizer keeps (only control, "
            "zero-width or similar characters). Type some words to explain."
        )
    token_type_ids = batch.get("token_type_ids")
    return Encoding(
        input_ids=ids.to(device),
        attention_mask=batch["attention_mask"].to(device),
        token_type_ids=None if token_type_ids is None else token_type_ids.to(device),
        special_mask=special.to(device),
        tokens=tuple(tokenizer.convert_ids_to_tokens(ids[0].tolist())),
        offsets=offsets,
        tokens_dropped=tokens_dropped,
    )


@dataclass(frozen=True, eq=False)
class EncodedBatch:
    """Several encodings padded to one length, as ``(batch, seq_len)`` tensors.

    Padding positions have the tokenizer's pad id, attention mask 0, token type
    0 and count as special tokens, so a baseline leaves them untouched.
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    token_type_ids: torch.Tensor | None
    special_mask: torch.Tensor
    lengths: tuple[int, ...]

    def model_inputs(self) -> dict[str, torch.Tensor]:
        """Keyword arguments for the model, besides the ids."""
        inputs = {"attention_mask": self.attention_mask}
        if self.token_type_ids is not None:
            inputs["token_type_ids"] = self.token_type_ids
        return inputs


def pad_batch(encodings: Sequence[Encoding], pad_token_id: int) -> EncodedBatch:
    """Stack encodings into one right-padded batch.

    Args:
        encodings: from :func:`encode`, all on one device.
        pad_token_id: the id that fills the padding.

    Returns:
        The :class:`EncodedBatch`.

    Raises:
        ValueError: ``encodings`` is empty.
    """
    if not encodings:
        raise ValueError("pad_batch needs at least one encoding.")
    lengths = tuple(int(encoding.input_ids.shape[1]) for encoding in encodings)
    width = max(lengths)

    def padded(tensors: list[torch.Tensor], value: int | bool) -> torch.Tensor:
        return torch.cat(
            [
                torch.nn.functional.pad(tensor, (0, width - tensor.shape[1]), value=value)
                for tensor in tensors
            ]
        )  # (batch, width)

    with_types = all(encoding.token_type_ids is not None for encoding in encodings)
    return EncodedBatch(
        input_ids=padded([e.input_ids for e in encodings], pad_token_id),
        attention_mask=padded([e.attention_mask for e in encodings], 0),
        token_type_ids=(
            padded([e.token_type_ids for e in encodings], 0)  # type: ignore[misc]
            if with_types
            else None
        ),
        special_mask=padded([e.special_mask for e in encodings], True),
        lengths=lengths,
    )
