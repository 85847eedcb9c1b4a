"""The registry of attribution methods, each with the settings it declares.

A method's settings carry their default and range, and the UI builds its
controls from them, so each default lives here and nowhere else.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from explain.core.errors import InputError
from explain.core.results import Attribution
from explain.core.settings import Setting
from explain.core.targets import OutputKind
from explain.methods.attention import AttentionRollout, LastLayerAttention
from explain.methods.gradient import (
    EmbeddingDeepLift,
    EmbeddingGradientShap,
    TokenInputXGradient,
    TokenSaliency,
    WordEmbeddingIntegratedGradients,
)
from explain.methods.integrated_gradients import EmbeddingIntegratedGradients
from explain.methods.perturbation import TokenKernelShap, TokenLime, TokenOcclusion
from explain.model.checkpoints import LoadedModel


class Explainer(Protocol):
    """What a method's explainer is: built with a model, then asked to attribute.

    Every explainer also accepts its method's settings as keyword arguments of
    ``attribute``, checks them against their ranges, and returns an
    :class:`Attribution` whose ``signed`` flag matches its method's.
    """

    def __init__(self, loaded: LoadedModel) -> None: ...

    def attribute(
        self,
        text: str,
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str = ...,
        **settings: object,
    ) -> Attribution: ...


@dataclass(frozen=True)
class Method:
    """One attribution method.

    Args:
        name: registry key.
        title: what the UI calls it.
        description: one line for the UI.
        paper: link to the paper that introduced it.
        explainer: the class that does the work; built with a
            :class:`LoadedModel` and called with ``attribute``.
        settings: the settings it declares.
        uses_baseline: whether the baseline picker applies. Default: True
        signed: whether its scores carry a direction (raise or lower the
            target) rather than only a size. Default: True
        has_delta: whether its scores should add up to ``F(input) - F(baseline)``,
            so the result's ``delta`` is defined. Default: True
    """

    name: str
    title: str
    description: str
    paper: str
    explainer: type[Explainer]
    settings: tuple[Setting, ...]
    uses_baseline: bool = True
    signed: bool = True
    has_delta: bool = True


METHODS: dict[str, Method] = {
    method.name: method
    for method in (
        Method(
            name="layer_integrated_gradients",
            title="Layer Integrated Gradients (embeddings)",
            description="Integrates gradients along a straight path from the baseline's "
            "embeddings to the input's; scores add up to F(input) - F(baseline).",
            paper="https://arxiv.org/abs/1703.01365",
            explainer=EmbeddingIntegratedGradients,
            settings=EmbeddingIntegratedGradients.settings,
        ),
        Method(
            name="word_integrated_gradients",
            title="Integrated Gradients (word embeddings)",
            description="Integrated gradients through the word embeddings only, with "
            "position and token-type embeddings held fixed.",
            paper="https://arxiv.org/abs/1703.01365",
            explainer=WordEmbeddingIntegratedGradients,
            settings=WordEmbeddingIntegratedGradients.settings,
        ),
        Method(
            name="saliency",
            title="Saliency (gradient norm)",
            description="The length of the output's gradient at each token's embedding: "
            "how sensitive the output is to the token, not which way.",
            paper="https://arxiv.org/abs/1312.6034",
            explainer=TokenSaliency,
            settings=TokenSaliency.settings,
            uses_baseline=False,
            signed=False,
            has_delta=False,
        ),
        Method(
            name="input_x_gradient",
            title="Input × Gradient",
            description="Each token's embedding times the output's gradient there: a "
            "first-order estimate of the token's effect.",
            paper="https://arxiv.org/abs/1605.01713",
            explainer=TokenInputXGradient,
            settings=TokenInputXGradient.settings,
            uses_baseline=False,
            has_delta=False,
        ),
        Method(
            name="deeplift",
            title="DeepLIFT (embeddings)",
            description="Backpropagates the difference from the baseline with the rescale "
            "rule; in BERT only the pooler's tanh gets it, so the delta can be large.",
            paper="https://arxiv.org/abs/1704.02685",
            explainer=EmbeddingDeepLift,
            settings=EmbeddingDeepLift.settings,
        ),
        Method(
            name="gradient_shap",
            title="GradientSHAP (embeddings)",
            description="Averages gradients at random points between the baseline and a "
            "noisy input; scores add up to F(input) - F(baseline) on average.",
            paper="https://arxiv.org/abs/1705.07874",
            explainer=EmbeddingGradientShap,
            settings=EmbeddingGradientShap.settings,
        ),
        Method(
            name="occlusion",
            title="Occlusion",
            description="Replaces a sliding window of tokens or words by the baseline and "
            "scores each token by how much the output drops.",
            paper="https://arxiv.org/abs/1311.2901",
            explainer=TokenOcclusion,
            settings=TokenOcclusion.settings,
            has_delta=False,
        ),
        Method(
            name="lime",
            title="LIME",
            description="Fits a weighted linear model to the outputs of random token "
            "removals; its coefficients are the scores.",
            paper="https://arxiv.org/abs/1602.04938",
            explainer=TokenLime,
            settings=TokenLime.settings,
            has_delta=False,
        ),
        Method(
            name="kernel_shap",
            title="Kernel SHAP",
            description="Estimates each token's Shapley value from random coalitions of "
            "tokens; scores add up to F(input) - F(baseline).",
            paper="https://arxiv.org/abs/1705.07874",
            explainer=TokenKernelShap,
            settings=TokenKernelShap.settings,
        ),
        Method(
            name="attention",
            title="Attention (last layer)",
            description="How much [CLS] attends to each token in the last layer, averaged "
            "over heads. Where the model looked, not what changed its output.",
            paper="https://arxiv.org/abs/1906.04341",
            explainer=LastLayerAttention,
            settings=LastLayerAttention.settings,
            uses_baseline=False,
            signed=False,
            has_delta=False,
        ),
        Method(
            name="attention_rollout",
            title="Attention rollout",
            description="Attention traced back through every layer, residual paths "
            "included: what [CLS] gathers from each input token.",
            paper="https://arxiv.org/abs/2005.00928",
            explainer=AttentionRollout,
            settings=AttentionRollout.settings,
            uses_baseline=False,
            signed=False,
            has_delta=False,
        ),
    )
}
DEFAULT_METHOD = "layer_integrated_gradients"


def get_method(name: str) -> Method:
    """Look up a method by name.

    Raises:
        ValueError: the name is unknown; the message lists the valid ones.
    """
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(f"Unknown method {name!r}. Choose one of: {', '.join(METHODS)}.") from None


def attribute(
    loaded: LoadedModel,
    text: str,
    method: str = DEFAULT_METHOD,
    **options: object,
) -> Attribution:
    """Explain ``text`` with a registered method.

    Args:
        loaded: from :func:`explain.load_checkpoint`.
        text: the sentence to explain.
        method: a name from :data:`METHODS`. Default: ``"layer_integrated_gradients"``
        **options: ``target``, ``output``, ``baseline`` and the method's own
            settings (for Layer IG, ``n_steps``), which it checks against their
            ranges. Methods without a baseline ignore ``baseline``.

    Returns:
        The :class:`Attribution`.

    Raises:
        InputError: an option is not one this method takes (the message lists
            those it does), or a setting is out of range.
        ValueError: the method, target, output or baseline is unknown.
    """
    explainer = get_method(method).explainer(loaded)
    check_options(method, options)
    return explainer.attribute(text, **options)  # type: ignore[arg-type]


def method_options(method: str) -> tuple[str, ...]:
    """The keyword options ``method``'s explainer takes besides the text."""
    explainer = get_method(method).explainer
    return tuple(list(inspect.signature(explainer.attribute).parameters)[2:])  # after self, text


def check_options(method: str, options: Mapping[str, object]) -> None:
    """Refuse options that ``method`` does not take.

    Raises:
        InputError: an option is unknown; the message lists the method's options.
    """
    accepted = method_options(method)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise InputError(
            f"Method {method!r} takes no option {', '.join(map(repr, unknown))}. "
            f"Its options are: {', '.join(accepted)}."
        )
