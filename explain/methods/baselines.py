"""The registry of baselines: what "absence of the input" means for an attribution.

Integrated gradients explains ``F(input) - F(baseline)``, so the baseline is
part of the question being asked. Every baseline here keeps the special tokens
(``[CLS]``, ``[SEP]``, padding) of the input in place and changes only the text
tokens. The model is run on a token baseline with the input's attention mask,
token types and positions, and the embedding baselines start from the input's
embedding-layer output, in which position and token-type embeddings are
already summed in; so position and segment never differ between input and
baseline.

Some baselines take options (a seed, a noise scale, a typed token, a number of
samples). They are the keyword arguments ``baseline_seed``,
``baseline_noise``, ``baseline_token`` and ``baseline_samples`` of
:meth:`explain.methods.layer_integrated_gradients.EmbeddingIntegratedGradients.attribute_encoded`;
each baseline declares the ones it reads in ``settings``, with their default,
range and help, from which the UI builds its controls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import ClassVar, Literal, cast

import torch
from transformers import PreTrainedTokenizerBase

from explain.core.errors import InputError
from explain.core.settings import FloatSetting, IntSetting, SettingValue, TextSetting

BaselineKind = Literal["token", "embedding", "samples"]
BaselineSetting = IntSetting | FloatSetting | TextSetting
PLACEHOLDER = re.compile(r"\[[^\]\s]+\]")  # BERT's [unused0], ...: never trained

BASELINE_SEED = IntSetting(
    name="baseline_seed",
    label="Baseline seed",
    default=0,
    minimum=0,
    maximum=2**31 - 1,
    step=1,
    help="Seeds the random baseline: the same seed gives the same baseline; another seed "
    "shows how much the scores depend on it.",
)
BASELINE_NOISE = FloatSetting(
    name="baseline_noise",
    label="Noise scale (σ)",
    default=1.0,
    minimum=0.01,
    maximum=10.0,
    step=0.1,
    help="Standard deviation of the Gaussian noise added to each text token's embedding, "
    "relative to the root-mean-square of the input's embeddings at text positions (about 1 "
    "after BERT's LayerNorm). At 1, noise and signal are about equally strong.",
)
BASELINE_TOKEN = TextSetting(
    name="baseline_token",
    label="Baseline token",
    default=".",
    max_chars=50,
    help="The token that replaces every text token. It must be a single token in the "
    "model's vocabulary; a word the tokenizer splits into pieces is refused.",
)
BASELINE_SAMPLES = IntSetting(
    name="baseline_samples",
    label="Baseline samples (K)",
    default=4,
    minimum=1,
    maximum=32,
    step=1,
    help="Random-token baselines whose integrated gradients are averaged. Each one is a "
    "full integration, so K samples take K times as long.",
)
OPTION_SETTINGS: tuple[BaselineSetting, ...] = (
    BASELINE_SEED,
    BASELINE_NOISE,
    BASELINE_TOKEN,
    BASELINE_SAMPLES,
)


@dataclass(frozen=True)
class BaselineOptions:
    """The options a baseline may take; each baseline reads only those it declares.

    The field names are the keyword arguments of ``attribute``, so
    ``BaselineOptions(**dict(settings.baseline_options))`` rebuilds them.

    Args:
        baseline_seed: seed of the random baselines. Default: 0
        baseline_noise: Gaussian noise scale, relative to the embeddings' scale.
            Default: 1.0
        baseline_token: the custom baseline's token. Default: ``"."``
        baseline_samples: baselines averaged by expected gradients. Default: 4
    """

    baseline_seed: int = BASELINE_SEED.default
    baseline_noise: float = BASELINE_NOISE.default
    baseline_token: str = BASELINE_TOKEN.default
    baseline_samples: int = BASELINE_SAMPLES.default

    def checked(self) -> BaselineOptions:
        """These options, each checked against its setting's range.

        Returns:
            The options, with the noise scale as a float and the token stripped.

        Raises:
            InputError: an option is out of range; the message names it.
        """
        return replace(
            self,
            baseline_seed=BASELINE_SEED.check(self.baseline_seed),
            baseline_noise=BASELINE_NOISE.check(self.baseline_noise),
            baseline_token=BASELINE_TOKEN.check(self.baseline_token),
            baseline_samples=BASELINE_SAMPLES.check(self.baseline_samples),
        )


@dataclass(frozen=True)
class Baseline:
    """One baseline strategy; this class replaces text tokens by a special token.

    Args:
        name: registry key, shown in the UI.
        description: one line for the UI.
        kind: ``"token"`` replaces each text token by a token id (see
            :meth:`token_ids`); ``"embedding"`` builds the embedding layer's
            output at text positions (see :meth:`embedding`); ``"samples"`` is
            several token baselines whose attributions are averaged (see
            :meth:`sample_token_ids`).
        token_attribute: the tokenizer attribute holding the replacement token
            id, for special-token baselines. Default: None
        settings: the options this baseline reads. Default: ``()``
    """

    placeholder: ClassVar[str] = "∅"  # what the UI shows at text positions of a non-token baseline

    name: str
    description: str
    kind: BaselineKind
    token_attribute: str | None = None
    settings: tuple[BaselineSetting, ...] = ()

    def recorded(self, options: BaselineOptions) -> tuple[tuple[str, SettingValue], ...]:
        """The options this baseline reads, as ``(name, value)`` pairs, to record them."""
        return tuple((setting.name, getattr(options, setting.name)) for setting in self.settings)

    def token_id(
        self, tokenizer: PreTrainedTokenizerBase, options: BaselineOptions | None = None
    ) -> int:
        """The replacement token id, for baselines that use one token everywhere.

        Args:
            tokenizer: the checkpoint's tokenizer.
            options: the baseline options, unused by special-token baselines.
                Default: None, every default

        Raises:
            ValueError: this baseline does not replace tokens by one token.
            InputError: the tokenizer lacks the token.
        """
        if self.kind != "token" or self.token_attribute is None:
            raise ValueError(f"Baseline {self.name!r} does not replace tokens by one token.")
        token_id = getattr(tokenizer, self.token_attribute, None)
        if token_id is None:
            raise InputError(
                f"This tokenizer has no {self.token_attribute.removesuffix('_id')}, so the "
                f"{self.name!r} baseline cannot be built. Choose another baseline."
            )
        return int(token_id)

    def token_ids(
        self,
        input_ids: torch.Tensor,
        special_mask: torch.Tensor,
        tokenizer: PreTrainedTokenizerBase,
        options: BaselineOptions | None = None,
    ) -> torch.Tensor:
        """Baseline ids: the input's special tokens kept, every other token replaced.

        Args:
            input_ids: ``(batch, seq_len)`` token ids of the input.
            special_mask: ``(batch, seq_len)`` bool, True at special tokens.
            tokenizer: supplies the replacement token id.
            options: the baseline options. Default: None, every default

        Returns:
            ``(batch, seq_len)`` baseline token ids.
        """
        token_id = self.token_id(tokenizer, options)
        return torch.where(special_mask, input_ids, torch.full_like(input_ids, token_id))

    def embedding(
        self,
        input_embedding: torch.Tensor,
        special_mask: torch.Tensor,
        options: BaselineOptions | None = None,
    ) -> torch.Tensor:
        """Baseline embedding-layer output, for ``"embedding"`` baselines.

        Args:
            input_embedding: ``(batch, seq_len, hidden)`` embedding output of the input.
            special_mask: ``(batch, seq_len)`` bool, True at special tokens.
            options: the baseline options. Default: None, every default

        Returns:
            ``(batch, seq_len, hidden)``: the input's vectors at special tokens.

        Raises:
            ValueError: this baseline is built from token ids.
        """
        raise ValueError(f"Baseline {self.name!r} is built from token ids, not embeddings.")

    def sample_token_ids(
        self,
        input_ids: torch.Tensor,
        special_mask: torch.Tensor,
        tokenizer: PreTrainedTokenizerBase,
        options: BaselineOptions,
    ) -> torch.Tensor:
        """The token baselines to average over: ``(samples, batch, seq_len)``.

        A ``"token"`` baseline is one sample; an ``"embedding"`` one has none.

        Raises:
            ValueError: this is an ``"embedding"`` baseline.
        """
        if self.kind != "token":
            raise ValueError(f"Baseline {self.name!r} is not built from token ids.")
        return self.token_ids(input_ids, special_mask, tokenizer, options).unsqueeze(0)


@dataclass(frozen=True)
class ZeroEmbeddingBaseline(Baseline):
    """All-zero vectors out of the embedding layer at text positions."""

    def embedding(
        self,
        input_embedding: torch.Tensor,
        special_mask: torch.Tensor,
        options: BaselineOptions | None = None,
    ) -> torch.Tensor:
        """The input's vectors at special tokens, zero elsewhere: ``(batch, seq_len, hidden)``."""
        return input_embedding * special_mask.unsqueeze(-1).to(input_embedding.dtype)


@dataclass(frozen=True)
class GaussianNoiseBaseline(Baseline):
    """The input's embedding plus Gaussian noise at text positions, seeded.

    At each text position the baseline is ``e + σ·r·z``: ``e`` the input's
    embedding-layer output there, ``z`` standard normal noise, ``σ`` the
    ``baseline_noise`` option and ``r`` the root-mean-square of the text's
    embedding entries at text positions, so ``σ`` is relative to the
    embeddings' own scale. Each text draws from its own generator seeded with
    ``baseline_seed``, so a text gets the same baseline alone or in a batch.
    See Sturmfels et al., 2020, https://distill.pub/2020/attribution-baselines/.
    """

    placeholder: ClassVar[str] = "≈"

    def embedding(
        self,
        input_embedding: torch.Tensor,
        special_mask: torch.Tensor,
        options: BaselineOptions | None = None,
    ) -> torch.Tensor:
        """The noisy input embedding, unchanged at special tokens: ``(batch, seq_len, hidden)``."""
        options = options or BaselineOptions()
        baseline = input_embedding.clone()
        for row in range(input_embedding.shape[0]):
            positions = (~special_mask[row]).nonzero().squeeze(-1)  # (n_text,)
            text = input_embedding[row, positions]  # (n_text, hidden)
            generator = torch.Generator().manual_seed(options.baseline_seed)
            noise = torch.randn(text.shape, generator=generator).to(text)  # (n_text, hidden)
            scale = options.baseline_noise * text.float().pow(2).mean().sqrt()
            baseline[row, positions] = text + scale.to(text.dtype) * noise
        return baseline


def random_text_tokens(
    input_ids: torch.Tensor,
    special_mask: torch.Tensor,
    tokenizer: PreTrainedTokenizerBase,
    seed: int,
    samples: int,
) -> torch.Tensor:
    """Token baselines whose text tokens are drawn uniformly from the vocabulary.

    Special tokens and placeholders such as BERT's ``[unused0]`` are never
    drawn. Each text (row) draws from its own generator seeded with ``seed``,
    sample after sample, so a text gets the same baselines alone or in a batch,
    and its first sample is the ``"random"`` baseline of the same seed.

    Args:
        input_ids: ``(batch, seq_len)`` token ids of the input.
        special_mask: ``(batch, seq_len)`` bool, True at special tokens (and padding).
        tokenizer: its vocabulary is drawn from.
        seed: seeds each text's generator.
        samples: baselines per text.

    Returns:
        ``(samples, batch, seq_len)`` token ids: the input's at special tokens.
    """
    special_ids = set(tokenizer.all_special_ids)
    candidates = torch.tensor(
        sorted(
            index
            for token, index in tokenizer.get_vocab().items()
            if index not in special_ids and not PLACEHOLDER.fullmatch(token)
        )
    )  # (n_candidates,)
    drawn = input_ids.unsqueeze(0).repeat(samples, 1, 1).cpu()  # (samples, batch, seq_len)
    for row in range(input_ids.shape[0]):
        positions = (~special_mask[row]).nonzero().squeeze(-1).cpu()  # (n_text,)
        generator = torch.Generator().manual_seed(seed)
        for sample in range(samples):
            picks = torch.randint(len(candidates), positions.shape, generator=generator)
            drawn[sample, row, positions] = candidates[picks]
    return drawn.to(input_ids.device)


@dataclass(frozen=True)
class RandomTokenBaseline(Baseline):
    """Every text token replaced by a token drawn uniformly from the vocabulary, seeded."""

    def token_ids(
        self,
        input_ids: torch.Tensor,
        special_mask: torch.Tensor,
        tokenizer: PreTrainedTokenizerBase,
        options: BaselineOptions | None = None,
    ) -> torch.Tensor:
        """Baseline ids with random text tokens; see :func:`random_text_tokens`.

        Returns:
            ``(batch, seq_len)`` baseline token ids.
        """
        seed = (options or BaselineOptions()).baseline_seed
        return random_text_tokens(input_ids, special_mask, tokenizer, seed, 1)[0]


@dataclass(frozen=True)
class CustomTokenBaseline(Baseline):
    """Every text token replaced by one token the user types."""

    def token_id(
        self, tokenizer: PreTrainedTokenizerBase, options: BaselineOptions | None = None
    ) -> int:
        """The id of ``options.baseline_token``, which must be one vocabulary token.

        The typed text is taken as it is if the vocabulary holds it (so
        ``[MASK]`` or RoBERTa's ``Ġmovie`` work), and otherwise as the
        tokenizer reads it (so ``Movie`` is ``movie`` for an uncased model).

        Raises:
            InputError: the tokenizer splits the text into several tokens, or
                reads it as the unknown token; the message names the pieces.
        """
        typed = BASELINE_TOKEN.check((options or BaselineOptions()).baseline_token)
        vocabulary = tokenizer.get_vocab()
        if typed in vocabulary:
            return int(vocabulary[typed])
        pieces = tokenizer.tokenize(typed)
        if len(pieces) != 1:
            raise InputError(
                f"The baseline token {typed!r} is not one token for this model: the tokenizer "
                f"splits it into {len(pieces)} pieces, {', '.join(map(repr, pieces))}. Type a "
                "word that is a single token (a common word or a punctuation mark)."
            )
        if pieces[0] == tokenizer.unk_token:
            raise InputError(
                f"The baseline token {typed!r} is not in this model's vocabulary: the tokenizer "
                f"reads it as {tokenizer.unk_token}. Type a word the vocabulary holds."
            )
        # One token in, one id out; the stub's ``int | list[int]`` also covers a list in.
        return int(cast(int, tokenizer.convert_tokens_to_ids(pieces[0])))


@dataclass(frozen=True)
class ExpectedGradientsBaseline(Baseline):
    """Several random-token baselines, seeded, whose attributions are averaged.

    Expected gradients (Erion et al., 2021, https://arxiv.org/abs/1906.10670)
    averages integrated gradients over baselines drawn from a distribution;
    here, ``baseline_samples`` uniform random-token baselines (see
    :func:`random_text_tokens`), each integrated with the same quadrature rule
    (not with one random point per sample, as the paper does). Completeness
    holds against the mean baseline output: ``sum(scores) = F(input) -
    mean_k F(baseline_k) + delta``, where ``delta`` is the mean of the samples'
    own deltas. How far the average is from the expectation over all random
    baselines is sampling error, which no delta shows: compare seeds to see it.
    """

    placeholder: ClassVar[str] = "∼"

    def sample_token_ids(
        self,
        input_ids: torch.Tensor,
        special_mask: torch.Tensor,
        tokenizer: PreTrainedTokenizerBase,
        options: BaselineOptions,
    ) -> torch.Tensor:
        """``(samples, batch, seq_len)`` random-token baselines."""
        return random_text_tokens(
            input_ids, special_mask, tokenizer, options.baseline_seed, options.baseline_samples
        )

    def embedding(
        self,
        input_embedding: torch.Tensor,
        special_mask: torch.Tensor,
        options: BaselineOptions | None = None,
    ) -> torch.Tensor:
        """Not one baseline but several, so there is no single embedding.

        Raises:
            ValueError: always; a method that takes this baseline averages over
                :meth:`sample_token_ids` instead.
        """
        raise ValueError(
            f"Baseline {self.name!r} averages over several random baselines; it has no single "
            "embedding. Average over sample_token_ids instead."
        )


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
        ZeroEmbeddingBaseline(
            "zero",
            "All-zero vectors out of the embedding layer at text positions (LIT's IG baseline).",
            "embedding",
        ),
        RandomTokenBaseline(
            "random",
            "Random tokens: each text token replaced by one drawn uniformly from the "
            "vocabulary (special tokens excluded), with a seed.",
            "token",
            settings=(BASELINE_SEED,),
        ),
        GaussianNoiseBaseline(
            "gaussian_noise",
            "Gaussian noise: the input's embeddings plus seeded noise, σ relative to their "
            "scale, at text positions.",
            "embedding",
            settings=(BASELINE_NOISE, BASELINE_SEED),
        ),
        CustomTokenBaseline(
            "custom",
            "A token you type: it replaces every text token; it must be one vocabulary token.",
            "token",
            settings=(BASELINE_TOKEN,),
        ),
        ExpectedGradientsBaseline(
            "expected_gradients",
            "Expected gradients: the average over K random-token baselines, seeded "
            "(Erion et al., 2021); K times slower.",
            "samples",
            settings=(BASELINE_SAMPLES, BASELINE_SEED),
        ),
    )
}
DEFAULT_BASELINE = "pad"


def get_baseline(name: str) -> Baseline:
    """Look up a baseline by name.

    Raises:
        InputError: the name is unknown; the message lists the valid ones.
    """
    try:
        return BASELINES[name]
    except (KeyError, TypeError):
        raise InputError(
            f"Unknown baseline {name!r}. Choose one of: {', '.join(BASELINES)}."
        ) from None
