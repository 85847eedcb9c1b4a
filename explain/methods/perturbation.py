"""Perturbation-based attribution methods: remove tokens, watch the target output.

"Removing" a token means putting the baseline in its place (the baseline
token's vector out of the embeddings layer, or a zero vector for the
``"zero"`` baseline); special tokens are never removed. The embeddings layer
treats each position on its own, so swapping a position's vector out of it is
the same as swapping the token id there. Perturbed inputs run in batches of at
most 4096 tokens under ``torch.inference_mode()``.

- :class:`TokenOcclusion`: remove a sliding window of tokens or words.
- :class:`TokenLime`: fit a weighted linear surrogate to random removals.
- :class:`TokenKernelShap`: the same with the Shapley kernel, giving Shapley values.
"""

from __future__ import annotations

import math
import time
from typing import Any

import torch
from captum._utils.models.linear_model import LinearModel
from captum.attr import KernelShap, Lime
from torch.utils.data import DataLoader

from explain.core.results import Attribution
from explain.core.settings import SEED, ChoiceSetting, IntSetting, Setting
from explain.core.targets import OutputKind
from explain.engine.hooks import rows_per_pass, seeded
from explain.methods.baselines import DEFAULT_BASELINE
from explain.methods.prepared import Prepared, build_attribution, prepare
from explain.model.checkpoints import LoadedModel
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
SURROGATE_SAMPLES = IntSetting(
    name="n_samples",
    label="Samples",
    default=200,
    minimum=10,
    maximum=2000,
    step=10,
    help="Random removals the model is run on to fit the surrogate. More samples: "
    "steadier scores, proportionally slower.",
)
LIME_KERNEL_WIDTH = 25.0  # original LIME's text kernel width, on cosine distance x 100
LIME_RIDGE = 1.0  # original LIME's ridge penalty


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


class TokenOcclusion:
    """Occlusion: how much the target output drops when a window of tokens is removed.

    A window of ``window`` consecutive tokens (or whole words) is replaced by
    the baseline, for every window position at once in one batch; a token's
    score is the mean of ``F(input) - F(occluded)`` over the windows that
    cover it, so with a window of 1 it is exactly the drop when that token
    alone is removed. Zeiler & Fergus, 2014, https://arxiv.org/abs/1311.2901

    Args:
        loaded: the model to explain.
    """

    name = "occlusion"
    settings: tuple[Setting, ...] = (WINDOW, UNIT)
    signed = True

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded

    def attribute(
        self,
        text: str,
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str = DEFAULT_BASELINE,
        window: int = WINDOW.default,
        unit: str = UNIT.default,
    ) -> Attribution:
        """Explain ``text``'s score for ``target``.

        Args:
            text: the sentence to explain.
            target: label index or name. Default: None, the predicted label.
            output: ``"probability"``, ``"logit"`` or ``"log_odds"``. Default: ``"probability"``
            baseline: what replaces a removed token, a name from
                :data:`explain.methods.baselines.BASELINES`. Default: ``"pad"``
            window: tokens or words removed together. Default: 1
            unit: ``"token"`` or ``"word"``. Default: ``"token"``

        Returns:
            The :class:`Attribution`, with ``F(baseline)`` (every text token
            removed) but no delta: occlusion scores need not add up.

        Raises:
            InputError: the text is empty, or a setting is out of range.
            ValueError: the target, output or baseline is unknown.
        """
        started = time.perf_counter()
        WINDOW.check(window)
        UNIT.check(unit)
        loaded = self.loaded
        with loaded.lock, torch.inference_mode():
            prepared = prepare(loaded, text, target, output, baseline)
            units = text_units(prepared, text, unit)
            removed = occlusion_windows(units, window, prepared.seq_len)
            drops = prepared.f_input - masked_targets(prepared, removed).double().cpu()
            coverage = removed.double()  # (n_windows, seq_len)
            scores = (drops.unsqueeze(-1) * coverage).sum(0) / coverage.sum(0).clamp(min=1.0)
        return build_attribution(
            prepared,
            text,
            scores,
            self.name,
            target,
            started,
            options=(("window", window), ("unit", unit)),
        )


def _fit_weighted_linear(
    model: LinearModel, dataloader: DataLoader, construct_kwargs: dict[str, Any], **_: Any
) -> dict[str, float]:
    """Captum training function: weighted least squares, optionally ridge, in closed form.

    Solves ``min_w sum_i s_i (y_i - b - x_i . w)^2 + alpha |w|^2`` in float64
    with ``torch.linalg.lstsq`` (the minimum-norm solution when features are
    collinear); the intercept ``b`` is not penalised.
    """
    samples, outputs, weights = (torch.cat(parts) for parts in zip(*dataloader, strict=True))
    x = samples.double().cpu()  # (n, features)
    n, features = x.shape
    root = weights.double().cpu().clamp(min=0.0).sqrt().view(n, 1)
    design = torch.cat([torch.ones(n, 1, dtype=torch.float64), x], dim=1) * root
    response = outputs.double().cpu().view(n, 1) * root
    alpha = float(construct_kwargs.get("alpha", 0.0))
    if alpha > 0:
        penalty = torch.cat(
            [torch.zeros(features, 1), torch.eye(features)], dim=1
        ).double() * math.sqrt(alpha)
        design = torch.cat([design, penalty])
        response = torch.cat([response, torch.zeros(features, 1, dtype=torch.float64)])
    solution = torch.linalg.lstsq(design, response, driver="gelsd").solution[:, 0]
    model._construct_model_params(
        weight_values=solution[1:].float().view(1, features),
        bias_value=solution[:1].float(),
    )
    return {}


def _lime_text_kernel(
    _original: torch.Tensor, _perturbed: torch.Tensor, sample: torch.Tensor, **_: Any
) -> float:
    """Original LIME's text kernel on the binary sample (1 = token kept).

    ``sqrt(exp(-d**2 / 25**2))`` with ``d`` the cosine distance, times 100,
    between the sample and the all-kept sample; 1 when nothing is removed.
    """
    kept = float(sample.sum())
    cosine = kept / math.sqrt(kept * sample.numel()) if kept > 0 else 0.0
    distance = 100.0 * (1.0 - cosine)
    return math.sqrt(math.exp(-(distance**2) / LIME_KERNEL_WIDTH**2))


def _surrogate_scores(prepared: Prepared, explainer: Lime, n_samples: int) -> torch.Tensor:
    """Fit ``explainer``'s surrogate over one feature per text token; one score per token.

    Returns:
        ``(seq_len,)``, zero at special tokens.
    """
    positions = prepared.text_positions  # (n_text,)
    inputs = prepared.input_embedding[:, positions]  # (1, n_text, hidden)
    baselines = prepared.baseline_embedding[:, positions]  # type: ignore[index]
    feature_mask = torch.arange(positions.numel(), device=inputs.device).view(1, -1, 1)
    coefficients = explainer.attribute(
        inputs,
        baselines=baselines,
        feature_mask=feature_mask.expand_as(inputs),
        n_samples=n_samples,
        perturbations_per_eval=min(n_samples, rows_per_pass(prepared.seq_len)),
        return_input_shape=False,
    )  # (1, n_text)
    return prepared.text_scores(coefficients[0])


class TokenLime:
    """LIME: a weighted linear model of the output over which text tokens are kept.

    Each sample keeps every text token with probability 1/2 and replaces the
    rest by the baseline; a ridge regression (penalty 1, as in the original
    LIME), weighted by LIME's text kernel (cosine distance from the full text,
    kernel width 25), is fitted to the target outputs, and its coefficients
    are the scores. Captum's ``Lime``, with the surrogate solved in closed form
    in torch rather than by scikit-learn. Ribeiro et al., 2016,
    https://arxiv.org/abs/1602.04938

    Args:
        loaded: the model to explain.
    """

    name = "lime"
    settings: tuple[Setting, ...] = (SURROGATE_SAMPLES, SEED)
    signed = True

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded

    def attribute(
        self,
        text: str,
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str = DEFAULT_BASELINE,
        n_samples: int = SURROGATE_SAMPLES.default,
        seed: int = SEED.default,
    ) -> Attribution:
        """Explain ``text``'s score for ``target``.

        Args:
            text: the sentence to explain.
            target: label index or name. Default: None, the predicted label.
            output: ``"probability"``, ``"logit"`` or ``"log_odds"``. Default: ``"probability"``
            baseline: what replaces a removed token, a name from
                :data:`explain.methods.baselines.BASELINES`. Default: ``"pad"``
            n_samples: random removals. Default: 200
            seed: seeds the removals. Default: 0

        Returns:
            The :class:`Attribution`, with no delta.

        Raises:
            InputError: the text is empty, or a setting is out of range.
            ValueError: the target, output or baseline is unknown.
        """
        started = time.perf_counter()
        SURROGATE_SAMPLES.check(n_samples)
        SEED.check(seed)
        loaded = self.loaded
        with loaded.lock, seeded(seed, loaded.device), torch.inference_mode():
            prepared = prepare(loaded, text, target, output, baseline)
            explainer = Lime(
                prepared.text_target,
                interpretable_model=LinearModel(_fit_weighted_linear, alpha=LIME_RIDGE),
                similarity_func=_lime_text_kernel,
            )
            scores = _surrogate_scores(prepared, explainer, n_samples)
        return build_attribution(
            prepared,
            text,
            scores,
            self.name,
            target,
            started,
            options=(("n_samples", n_samples), ("seed", seed)),
        )


class TokenKernelShap:
    """Kernel SHAP: Shapley values of the text tokens, estimated by weighted regression.

    Samples coalitions of text tokens from the Shapley kernel (the rest
    replaced by the baseline) and fits a linear model by weighted least
    squares, with the full text and the full baseline weighted so heavily
    that the scores add up to ``F(input) - F(baseline)``. Captum's
    ``KernelShap``, with the regression solved in closed form in torch rather
    than by scikit-learn. Lundberg & Lee, 2017, https://arxiv.org/abs/1705.07874

    Args:
        loaded: the model to explain.
    """

    name = "kernel_shap"
    settings: tuple[Setting, ...] = (SURROGATE_SAMPLES, SEED)
    signed = True

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded

    def attribute(
        self,
        text: str,
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str = DEFAULT_BASELINE,
        n_samples: int = SURROGATE_SAMPLES.default,
        seed: int = SEED.default,
    ) -> Attribution:
        """Explain ``text``'s score for ``target``.

        Args:
            text: the sentence to explain.
            target: label index or name. Default: None, the predicted label.
            output: ``"probability"``, ``"logit"`` or ``"log_odds"``. Default: ``"probability"``
            baseline: what replaces a removed token, a name from
                :data:`explain.methods.baselines.BASELINES`. Default: ``"pad"``
            n_samples: sampled coalitions. Default: 200
            seed: seeds the coalitions. Default: 0

        Returns:
            The :class:`Attribution`; ``delta`` is how far the scores miss
            ``F(input) - F(baseline)``.

        Raises:
            InputError: the text is empty, or a setting is out of range.
            ValueError: the target, output or baseline is unknown.
        """
        started = time.perf_counter()
        SURROGATE_SAMPLES.check(n_samples)
        SEED.check(seed)
        loaded = self.loaded
        with loaded.lock, seeded(seed, loaded.device), torch.inference_mode():
            prepared = prepare(loaded, text, target, output, baseline)
            if prepared.text_positions.numel() == 1:  # Captum cannot sample; this is exact
                change = prepared.f_input - prepared.f_baseline  # type: ignore[operator]
                scores = prepared.text_scores(torch.tensor([change]))
            else:
                explainer = KernelShap(prepared.text_target)
                explainer.interpretable_model = LinearModel(_fit_weighted_linear)
                scores = _surrogate_scores(prepared, explainer, n_samples)
        return build_attribution(
            prepared,
            text,
            scores,
            self.name,
            target,
            started,
            has_delta=True,
            options=(("n_samples", n_samples), ("seed", seed)),
        )
