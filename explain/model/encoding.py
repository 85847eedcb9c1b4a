"""Tokenise one text (or a pair of texts) once, keeping what attribution and display need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import BatchEncoding, PreTrainedTokenizerBase

from explain.core.errors import InputError


@dataclass(frozen=True, eq=False)
class Encoding:
    """A tokenised text, as ``(1, seq_len)`` tensors plus display information.

    For a sentence pair, ``offsets`` point into the first text for segment 0
    and into ``text_pair`` for segment 1 (they restart at 0), and ``segments``
    says which segment each token is in. Special tokens count with the
    segment they close ([CLS] and the first [SEP] with the first text).
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    token_type_ids: torch.Tensor | None
    special_mask: torch.Tensor
    tokens: tuple[str, ...]
    offsets: tuple[tuple[int, int], ...]
    tokens_dropped: int
    segments: tuple[int, ...] = ()
    text_pair: str | None = None

    def model_inputs(self) -> dict[str, torch.Tensor]:
        """Keyword arguments for the model, besides the ids."""
        inputs = {"attention_mask": self.attention_mask}
        if self.token_type_ids is not None:
            inputs["token_type_ids"] = self.token_type_ids
        return inputs


def encode(
    tokenizer: PreTrainedTokenizerBase,
    text: str,
    max_length: int,
    device: torch.device,
    text_pair: str | None = None,
) -> Encoding:
    """Tokenise ``text``, truncating to ``max_length`` tokens and counting what was dropped.

    Args:
        tokenizer: the checkpoint's tokenizer; a fast one also gives character offsets.
        text: the text to tokenise.
        max_length: most tokens kept, special tokens included.
        device: where the returned tensors go.
        text_pair: a second text, for sentence-pair checkpoints (NLI,
            paraphrase); the tokenizer puts a separator between the two and
            sets the token types. A long pair loses tokens from the longer
            text first (``"longest_first"``). Default: None

    Returns:
        The :class:`Encoding`, with ``(1, seq_len)`` tensors.

    Raises:
        InputError: a text is empty, only whitespace, or has no token the model reads.
    """
    if not text or not text.strip():
        raise InputError("The text is empty. Type a sentence to explain.")
    if text_pair is not None and not text_pair.strip():
        raise InputError(
            "The second text is empty. Type a second sentence, or leave it out for one text."
        )
    kwargs = {
        "return_tensors": "pt",
        "return_special_tokens_mask": True,
        "return_offsets_mapping": tokenizer.is_fast,
        "truncation": "longest_first" if text_pair is not None else True,
        "max_length": max_length,
    }
    batch = tokenizer(text, text_pair, **kwargs)
    tokens_dropped = 0
    if batch["input_ids"].shape[1] >= max_length:
        full = tokenizer(text, text_pair, truncation=False, verbose=False)
        tokens_dropped = max(0, len(full["input_ids"]) - max_length)
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
        segments=_segments(batch, text_pair is not None),
        text_pair=text_pair,
    )


def _segments(batch: BatchEncoding, is_pair: bool) -> tuple[int, ...]:
    """Which text (0 or 1) each token belongs to.

    Taken from a fast tokenizer's sequence ids, where a special token counts
    with the text before it ([CLS] with the first); else from the token types.

    Raises:
        InputError: a pair was tokenised by a tokenizer that gives neither.
    """
    length = int(batch["input_ids"].shape[1])
    if not is_pair:
        return (0,) * length
    if batch.is_fast:
        segments, current = [], 0
        for sequence in batch.sequence_ids(0):
            current = current if sequence is None else sequence
            segments.append(current)
        return tuple(segments)
    token_type_ids = batch.get("token_type_ids")
    if token_type_ids is None:
        raise InputError(
            "This tokenizer tells neither sequence ids nor token types, so a sentence pair "
            "cannot be split into its two texts. Explain one text at a time."
        )
    return tuple(int(value) for value in token_type_ids[0].tolist())


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
            padded([e.token_type_ids for e in encodings if e.token_type_ids is not None], 0)
            if with_types
            else None
        ),
        special_mask=padded([e.special_mask for e in encodings], True),
        lengths=lengths,
    )


@dataclass(frozen=True, eq=False)
class Windows:
    """A text longer than the model's window, and the overlapping windows that cover it.

    Each window holds the text's own special tokens ([CLS] ... [SEP]) around
    ``width`` consecutive text tokens (fewer only when the whole text is
    shorter); window ``i`` starts at text token ``starts[i]``, and the last
    one ends at the text's last token, so every text token lies in at least
    one window.

    Args:
        document: the whole text, untruncated: ``(1, doc_len)`` tensors that
            may be longer than the model takes, for display and results.
        windows: one :class:`Encoding` per window, each ``(1, seq_len)`` with
            ``seq_len`` at most the model's maximum length.
        starts: the text token (counted without the leading special tokens)
            at which each window starts.
        prefix: special tokens before the text ([CLS]).
        suffix: special tokens after the text ([SEP]).
        width: text tokens per window.
        stride: text tokens from one window's start to the next's.
    """

    document: Encoding
    windows: tuple[Encoding, ...]
    starts: tuple[int, ...]
    prefix: int
    suffix: int
    width: int
    stride: int

    def positions(self, index: int) -> torch.Tensor:
        """``(seq_len,)`` the position in :attr:`document` of each token of window ``index``."""
        window_len = int(self.windows[index].input_ids.shape[1])
        doc_len = int(self.document.input_ids.shape[1])
        text = window_len - self.prefix - self.suffix
        start = self.prefix + self.starts[index]
        return torch.cat(
            [
                torch.arange(self.prefix),
                torch.arange(start, start + text),
                torch.arange(doc_len - self.suffix, doc_len),
            ]
        )


def window_width(tokenizer: PreTrainedTokenizerBase, max_length: int) -> int:
    """Text tokens one window of ``max_length`` holds: all but the special tokens (at least 1)."""
    return max(1, max_length - tokenizer.num_special_tokens_to_add(pair=False))


def default_stride(width: int) -> int:
    """Half a window: half of ``width`` text tokens (at least 1)."""
    return max(1, width // 2)


def encode_windows(
    tokenizer: PreTrainedTokenizerBase,
    text: str,
    max_length: int,
    device: torch.device,
    stride: int | None = None,
) -> Windows:
    """Tokenise all of ``text`` and cut it into overlapping windows of ``max_length`` tokens.

    A text that fits in one window gets exactly one, equal to :func:`encode`'s.

    Args:
        tokenizer: the checkpoint's tokenizer; a fast one also gives character offsets.
        text: the text to tokenise (one text: sentence pairs are not windowed).
        max_length: most tokens per window, special tokens included.
        device: where the returned tensors go.
        stride: text tokens from one window's start to the next's, from 1
            to a window's text tokens. Default: None, half a window.

    Returns:
        The :class:`Windows`.

    Raises:
        InputError: the text is empty or has no token the model reads, the
            stride is out of range, or ``max_length`` leaves no room for text.
    """
    if not text or not text.strip():
        raise InputError("The text is empty. Type a sentence to explain.")
    batch = tokenizer(
        text,
        return_tensors="pt",
        return_special_tokens_mask=True,
        return_offsets_mapping=tokenizer.is_fast,
        truncation=False,
        verbose=False,
    )
    special = batch["special_tokens_mask"].bool()  # (1, doc_len)
    if bool(special.all()):
        raise InputError(
            "The text has no characters this model's tokenizer keeps (only control, "
            "zero-width or similar characters). Type some words to explain."
        )
    flags = special[0].tolist()
    doc_len = len(flags)
    prefix = flags.index(False)
    suffix = flags[::-1].index(False)
    n_text = doc_len - prefix - suffix
    width = max_length - prefix - suffix
    if width < 1:
        raise InputError(
            f"A window of {max_length} tokens leaves no room for text after the "
            f"{prefix + suffix} special tokens; choose truncation."
        )
    chosen = default_stride(width) if stride is None else stride
    if isinstance(chosen, bool) or not isinstance(chosen, int) or not 1 <= chosen <= width:
        raise InputError(
            f"The stride must be a whole number of tokens from 1 to {width} (a window's text "
            f"tokens), so that no token falls between two windows; got {stride!r}."
        )
    starts = [0] if n_text <= width else [*range(0, n_text - width, chosen), n_text - width]
    ids = batch["input_ids"]  # (1, doc_len)
    token_type_ids = batch.get("token_type_ids")
    if "offset_mapping" in batch:
        offsets = tuple((int(a), int(b)) for a, b in batch["offset_mapping"][0].tolist())
    else:
        offsets = tuple((0, 0) for _ in range(doc_len))
    tokens = tuple(tokenizer.convert_ids_to_tokens(ids[0].tolist()))
    document = Encoding(
        input_ids=ids.to(device),
        attention_mask=batch["attention_mask"].to(device),
        token_type_ids=None if token_type_ids is None else token_type_ids.to(device),
        special_mask=special.to(device),
        tokens=tokens,
        offsets=offsets,
        tokens_dropped=0,
        segments=(0,) * doc_len,
    )
    windows = []
    for start in starts:
        keep = [
            *range(prefix),
            *range(prefix + start, prefix + min(start + width, n_text)),
            *range(doc_len - suffix, doc_len),
        ]
        index = torch.tensor(keep)
        windows.append(
            Encoding(
                input_ids=ids[:, index].to(device),
                attention_mask=batch["attention_mask"][:, index].to(device),
                token_type_ids=(
                    None if token_type_ids is None else token_type_ids[:, index].to(device)
                ),
                special_mask=special[:, index].to(device),
                tokens=tuple(tokens[i] for i in keep),
                offsets=tuple(offsets[i] for i in keep),
                tokens_dropped=0,
                segments=(0,) * len(keep),
            )
        )
    return Windows(
        document=document,
        windows=tuple(windows),
        starts=tuple(starts),
        prefix=prefix,
        suffix=suffix,
        width=width,
        stride=chosen,
    )
