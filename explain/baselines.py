"""The registry of baselines: what "absence of the input" means for an attribution.

Integrated gradients explains ``F(input) - F(baseline)``, so the baseline is
part of the question being asked. Every baseline here keeps the special tokens
(``[CLS]``, ``[SEP]``) of the input in place and changes only the text tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from transformers import PreTrainedTokenizerBase

BaselineKind = Literal["token", "zero_embedding"]


@dataclass(frozen=True)
class Baseline:
    """One baseline strategy.

    Args:
        name: registry key, shown in the UI.
        description: one line for the UI.
        kind: ``"token"`` replaces each text token by ``token_attribute`` of the
            tokenizer; ``"zero_embedding"`` sets the embedding layer's output to
            zero at text positions.
        token_attribute: the tokenizer attribute holding the replacement token
            id, for ``"token"`` baselines. Default: None
    """

    name: str
    description: str
    kind: BaselineKind
    token_attribute: str | None = None

    def token_id(self, tokenizer: PreTrainedTokenizerBase) -> int:
        """The replacement token id, for token baselines.

        Raises:
            ValueError: this is not a token baseline, or the tokenizer lacks the token.
        """
        if self.kind != "token" or self.token_attribute is None:
            raise ValueError(f"Baseline {self.name!r} does not replace tokens.")
        token_id = getattr(tokenizer, self.token_attribute, None)
        if token_id is None:
            raise ValueError(
                f"This tokenizer has no {self.token_attribute.removesuffix('_id')}, so the "
                f"{self.name!r} baseline cannot be built. Choose another baseline."
            )
        return int(token_id)

    def token_ids(
        self,
        input_ids: torch.Tensor,
        special_mask: torch.Tensor,
        tokenizer: PreTrainedTokenizerBase,
    ) -> torch.Tensor:
        """Baseline ids: the input's special tokens kept, every other token replaced.

        Args:
            input_ids: ``(batch, seq_len)`` token ids of the input.
            special_mask: ``(batch, seq_len)`` bool, True at special tokens.
            tokenizer: supplies the replacement token id.

        Returns:
            ``(batch, seq_len)`` baseline token ids.
        """
        replacement = torch.full_like(input_ids, self.token_id(tokenizer))
        return torch.where(special_mask, input_ids, replacement)

    def embedding(self, input_embedding: torch.Tensor, special_mask: torch.Tensor) -> torch.Tensor:
        """Baseline embedding-layer output for ``"zero_embedding"``.

        Args:
            input_embedding: ``(batch, seq_len, hidden)`` embedding output of the input.
            special_mask: ``(batch, seq_len)`` bool, True at special tokens.

        Returns:
            ``(batch, seq_len, hidden)``: the input's vectors at special tokens, zero elsewhere.
        """
        if self.kind != "zero_embedding":
            raise ValueError(f"Baseline {self.name!r} is built from token ids, not embeddings.")
        return input_embedding * special_mask.unsqueeze(-1).to(input_embedding.dtype)


BASELINES: dict[str, Baseline] = {
    baseline.name: baseline
    for baseline in (
        Baseline(
            "pad",
            "[PAD] at every text position: the seed notebook's and transformers-interpret's.",
            "token",
            "pad_token_id",
        ),
        Baseline(
            "mask",
            "[MASK] at every text position: 'a word is here, but hidden', as in pre-training.",
            "token",
            "mask_token_id",
        ),
        Baseline(
            "unk",
            "[UNK] at every text position: an unknown word, with no meaning of its own.",
            "token",
            "unk_token_id",
        ),
        Baseline(
            "zero",
            "All-zero vectors out of the embedding layer at text positions (LIT's IG baseline).",
            "zero_embedding",
        ),
    )
}
DEFAULT_BASELINE = "pad"


def get_baseline(name: str) -> Baseline:
    """Look up a baseline by name.

    Raises:
        ValueError: the name is unknown; the message lists the valid ones.
    """
    try:
        return BASELINES[name]
    except KeyError:
        raise ValueError(
            f"Unknown baseline {name!r}. Choose one of: {', '.join(BASELINES)}."
        ) from None
