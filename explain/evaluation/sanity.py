"""The model-randomisation sanity check for saliency methods.

Adebayo et al. (2018, https://arxiv.org/abs/1810.03292) re-initialise a
trained model's weights from the top down, cumulatively, and re-run the
explanation after each step. An explanation that depends on what the model
learned should drift away from the trained model's; one that stays put is
explaining the input (or the architecture), not the model.

The shared model is never touched: the cascade works on a deep copy, made
while holding the model's lock.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Literal

import torch

from explain.core.errors import CheckpointError
from explain.core.results import Attribution
from explain.evaluation.agreement import spearman
from explain.methods.registry import DEFAULT_METHOD, attribute
from explain.model import architecture
from explain.model.checkpoints import LoadedModel

TRAINED = "trained"
HEAD = "classifier head"
EMBEDDINGS = "embeddings"
DEFAULT_INITIALIZER_RANGE = 0.02
PASSING_CORRELATION = 0.5  # |Spearman| at the last step below which the check passes

Verdict = Literal["passes", "suspicious"]


@dataclass(frozen=True)
class SanityCheck:
    """Explanations of one text as a model is randomised step by step.

    Args:
        method: the attribution method's registry name.
        text: the explained text.
        steps: ``"trained"``, ``"classifier head"``, ``"layer N"``, ...,
            ``"layer 1"`` and perhaps ``"embeddings"``; each step re-initialises
            one more part, on top of the previous steps.
        correlations: per step, Spearman rank correlation of the text tokens'
            signed scores with the trained model's (1.0 at ``"trained"``).
        absolute_correlations: the same for the scores' magnitudes.
        attributions: the explanation at each step, all for the trained
            model's target label.
        init_seed: the seed of the re-initialisation.
    """

    method: str
    text: str
    steps: tuple[str, ...]
    correlations: tuple[float, ...]
    absolute_correlations: tuple[float, ...]
    attributions: tuple[Attribution, ...]
    init_seed: int

    def __post_init__(self) -> None:
        n = len(self.steps)
        if not (
            len(self.correlations) == len(self.absolute_correlations) == len(self.attributions) == n
        ):
            raise ValueError("SanityCheck needs one correlation and attribution per step.")

    @property
    def scores(self) -> tuple[tuple[float, ...], ...]:
        """Per step, every token's score (special tokens included)."""
        return tuple(attribution.scores for attribution in self.attributions)


def _encoder_layers(model: torch.nn.Module) -> tuple[torch.nn.Module, ...]:
    """The encoder's stack of transformer layers, bottom first."""
    return architecture.encoder_layers(model)


def _head_modules(model: torch.nn.Module) -> tuple[torch.nn.Module, ...]:
    """Everything between the encoder's last layer and the logits: pooler and classifier."""
    base = getattr(model, "base_model", model)
    head = [child for child in model.children() if child is not base]
    pooler = getattr(base, "pooler", None)
    if isinstance(pooler, torch.nn.Module):
        head.insert(0, pooler)
    if not any(parameter.numel() for module in head for parameter in module.parameters()):
        raise CheckpointError(f"{type(model).__name__} has no classifier head outside its encoder.")
    return tuple(head)


@torch.no_grad()
def reinitialize(module: torch.nn.Module, std: float, generator: torch.Generator) -> None:
    """Re-draw ``module``'s weights as a freshly built BERT-family model would.

    Normalisation layers get weight 1 and bias 0, every other bias 0, and
    every other weight (linear, embedding) a draw from ``N(0, std²)``. Draws
    come from ``generator`` on the CPU, so a seed gives the same weights on
    any device.

    Args:
        module: the module to re-initialise, in place, with its children.
        std: the normal's standard deviation (the config's ``initializer_range``).
        generator: the seeded source of randomness.
    """
    for owner in module.modules():
        is_norm = isinstance(owner, torch.nn.LayerNorm) or "Norm" in type(owner).__name__
        for name, parameter in owner.named_parameters(recurse=False):
            if is_norm and name == "weight":
                parameter.fill_(1.0)
            elif is_norm or name == "bias":
                parameter.zero_()
            else:
                draw = torch.randn(parameter.shape, generator=generator) * std
                parameter.copy_(draw.to(device=parameter.device, dtype=parameter.dtype))


def randomization_cascade(
    loaded: LoadedModel,
    text: str,
    method: str = DEFAULT_METHOD,
    include_embeddings: bool = False,
    init_seed: int = 0,
    **options: object,
) -> SanityCheck:
    """Re-run an explanation while randomising the model from the top down.

    Steps: the trained model; then the classifier head (pooler and
    classifier) re-initialised; then each encoder layer from the top one down,
    cumulatively; then, if asked, the embeddings. Every step explains the
    trained model's target label, so the scores stay comparable.

    Args:
        loaded: the trained model; it is copied, never changed.
        text: the sentence to explain.
        method: a name from :data:`explain.methods.registry.METHODS`.
            Default: ``"layer_integrated_gradients"``
        include_embeddings: add a last step that re-initialises the embeddings.
            Default: False
        init_seed: seeds the re-initialisation, so the check is deterministic
            (named so as not to clash with a method's own ``seed``). Default: 0
        **options: passed to :func:`explain.methods.registry.attribute` (``target``,
            ``output``, ``baseline``, ``n_steps``, a method's ``seed``, ...).

    Returns:
        The :class:`SanityCheck`.

    Raises:
        CheckpointError: the model's layers or head cannot be found.
        InputError: the text is empty or a setting is out of range.
    """
    trained = attribute(loaded, text, method, **options)
    with loaded.lock:
        model = copy.deepcopy(loaded.model)
        tokenizer = copy.deepcopy(loaded.tokenizer)
    model.eval()
    copied = LoadedModel(
        name=f"{loaded.name} (randomised)",
        source=loaded.source,
        model=model,
        tokenizer=tokenizer,
        device=loaded.device,
    )
    layers = _encoder_layers(model)
    stages: list[tuple[str, tuple[torch.nn.Module, ...]]] = [(HEAD, _head_modules(model))]
    stages += [(f"layer {i + 1}", (layers[i],)) for i in reversed(range(len(layers)))]
    if include_embeddings:
        stages.append((EMBEDDINGS, (copied.embeddings,)))
    std = float(getattr(model.config, "initializer_range", None) or DEFAULT_INITIALIZER_RANGE)
    generator = torch.Generator().manual_seed(init_seed)
    fixed = {**options, "target": trained.target_index}
    steps, attributions = [TRAINED], [trained]
    for step, modules in stages:
        for module in modules:
            reinitialize(module, std, generator)
        steps.append(step)
        attributions.append(attribute(copied, text, method, **fixed))
    return SanityCheck(
        method=method,
        text=text,
        steps=tuple(steps),
        correlations=tuple(spearman(trained, result) for result in attributions),
        absolute_correlations=tuple(
            spearman(trained, result, "absolute") for result in attributions
        ),
        attributions=tuple(attributions),
        init_seed=init_seed,
    )


def verdict(check: SanityCheck, threshold: float = PASSING_CORRELATION) -> Verdict:
    """Whether the explanation depends on what the model learned.

    Args:
        check: a finished :func:`randomization_cascade`.
        threshold: the check passes when the signed Spearman correlation with
            the trained model's explanation, at the last (most randomised)
            step, is smaller than this in magnitude. Default: 0.5

    Returns:
        ``"passes"``, or ``"suspicious"`` when the explanation barely changed,
        or when the correlation is undefined (NaN: constant scores).
    """
    last = check.correlations[-1]
    return "passes" if not math.isnan(last) and abs(last) < threshold else "suspicious"
