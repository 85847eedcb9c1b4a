"""Occlusion: remove a sliding window of tokens or words, watch the target output drop.

"Removing" a token means putting the baseline in its place (the baseline
token's vector out of the embeddings layer, or a zero vector for the
``"zero"`` baseline); special tokens are never removed. The embeddings layer
treats each position on its own, so swapping a position's vector out of it is
the same as swapping the token id there. Perturbed inputs run in batches of at
most 4096 tokens under ``torch.inference_mode()``.
"""

from __future__ import annotations

import contextlib

import torch

from explain.core.settings import ChoiceSetting, IntSetting
from explain.engine.hooks import rows_per_pass
from explain.methods.base import PreparedExplainer, Values
from explain.methods.prepared import Prepared
from explain.text.words import group_words

WINDOW = IntSetting(
    name="window",
    label="Window size",
    default=1,
    minimum=1,
    maximum=10,
    step=1,
    help="How many neighbouring tokens (or words) are removed together. Each token's "
    "score is the mean drop of the target output over the windows that cover it.",
)
UNIT = ChoiceSetting(
    name="unit",
    label="Remove by",
    default="token",
    choices=("token", "word"),
    help="'token' removes WordPiece tokens; 'word' removes whole words (every piece of "
    "'self-driving' at once), and all of a word's tokens get the word's score.",
)


def text_units(prepared: Prepared, text: str, unit: str) -> tuple[tuple[int, ...], ...]:
    """The removable units of a text: each text token alone, or each word's tokens.

    Args:
        prepared: the tokenised text.
        text: the text as given to the tokenizer.
        unit: ``"token"`` or ``"word"``.

    Returns:
        Token positions of each unit, in order; special tokens are in none.
    """
    if unit == "token":
        return tuple((int(position),) for position in prepared.text_positions.tolist())
    encoding = prepared.encoding
    special = tuple(bool(flag) for flag in encoding.special_mask[0].tolist())
    words = group_words(encoding.tokens, encoding.offsets, special, text)
    return tuple(word.token_indices for word in words)


def occlusion_windows(
    units: tuple[tuple[int, ...], ...], window: int, seq_len: int
) -> torch.Tensor:
    """Masks of the tokens each sliding window removes.

    Args:
        units: token positions of each unit (token or word), in order.
        window: units per window; more than there are means one window of all.
        seq_len: tokens in the sequence.

    Returns:
        ``(n_windows, seq_len)`` bool, True where the window removes a token;
        windows start at every unit, stride 1.
    """
    size = min(window, len(units))
    masks = torch.zeros(len(units) - size + 1, seq_len, dtype=torch.bool)
    for start in range(masks.shape[0]):
        positions = [position for unit in units[start : start + size] for position in unit]
        masks[start, positions] = True
    return masks


def masked_targets(prepared: Prepared, removed: torch.Tensor) -> torch.Tensor:
    """The target output with the baseline put in wherever ``removed`` is True.

    Args:
        prepared: the text, with a baseline.
        removed: ``(rows, seq_len)`` bool.

    Returns:
        ``(rows,)``, computed in passes of at most 4096 tokens.
    """
    if prepared.baseline_embedding is None:
        raise ValueError("masked_targets needs a prepared baseline.")
    removed = removed.to(prepared.input_embedding.device)
    outputs = []
    for chunk in removed.split(rows_per_pass(prepared.seq_len)):
        embeddings = torch.where(
            chunk.unsqueeze(-1), prepared.baseline_embedding, prepared.input_embedding
        )  # (chunk, seq_len, hidden)
        outputs.append(prepared.target(embeddings))
    return torch.cat(outputs)


class TokenOcclusion(PreparedExplainer):
    """Occlusion: how much the target output drops when a window of tokens is removed.

    A window of ``window`` consecutive tokens (or whole words) is replaced by
    the baseline, for every window position at once in one batch; a token's
    score is the mean of ``F(input) - F(occluded)`` over the windows that
    cover it, so with a window of 1 it is exactly the drop when that token
    alone is removed. The result has ``F(baseline)`` (every text token
    removed) but no delta: occlusion scores need not add up. Zeiler & Fergus,
    2014, https://arxiv.org/abs/1311.2901

    Args:
        loaded: the model to explain.
    """

    name = "occlusion"
    title = "Occlusion"
    description = (
        "Replaces a sliding window of tokens or words by the baseline and scores each token by "
        "how much the output drops."
    )
    paper = "https://arxiv.org/abs/1311.2901"
    has_delta = False
    settings = (WINDOW, UNIT)

    def context(self, values: Values) -> contextlib.AbstractContextManager[object]:
        return torch.inference_mode()

    def compute(self, prepared: Prepared, text: str, values: Values) -> torch.Tensor:
        units = text_units(prepared, text, values["unit"])
        removed = occlusion_windows(units, values["window"], prepared.seq_len)
        drops = prepared.f_input - masked_targets(prepared, removed).double().cpu()
        coverage = removed.double()  # (n_windows, seq_len)
        return (drops.unsqueeze(-1) * coverage).sum(0) / coverage.sum(0).clamp(min=1.0)
