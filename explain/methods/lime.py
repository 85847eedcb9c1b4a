"""LIME: a weighted linear surrogate of the target output over which text tokens are kept."""

from __future__ import annotations

import math
from typing import Any

import torch
from captum._utils.models.linear_model import LinearModel
from captum.attr import Lime

from explain.methods._surrogate import SurrogateExplainer, fit_weighted_linear, surrogate_scores
from explain.methods.base import Values
from explain.methods.prepared import Prepared

LIME_KERNEL_WIDTH = 25.0  # original LIME's text kernel width, on cosine distance x 100
LIME_RIDGE = 1.0  # original LIME's ridge penalty


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


class TokenLime(SurrogateExplainer):
    """LIME: a weighted linear model of the output over which text tokens are kept.

    Each sample keeps every text token with probability 1/2 and replaces the
    rest by the baseline; a ridge regression (penalty 1, as in the original
    LIME), weighted by LIME's text kernel (cosine distance from the full text,
    kernel width 25), is fitted to the target outputs, and its coefficients
    are the scores. Captum's ``Lime``, with the surrogate solved in closed form
    in torch rather than by scikit-learn. Options: ``n_samples`` (random
    removals, default 200) and ``seed`` (default 0). Ribeiro et al., 2016,
    https://arxiv.org/abs/1602.04938

    Args:
        loaded: the model to explain.
    """

    name = "lime"
    title = "LIME"
    description = (
        "Fits a weighted linear model to the outputs of random token removals; its "
        "coefficients are the scores."
    )
    paper = "https://arxiv.org/abs/1602.04938"
    has_delta = False

    def compute(self, prepared: Prepared, text: str, values: Values) -> torch.Tensor:
        explainer = Lime(
            prepared.text_target,
            interpretable_model=LinearModel(fit_weighted_linear, alpha=LIME_RIDGE),
            similarity_func=_lime_text_kernel,
        )
        return surrogate_scores(prepared, explainer, values["n_samples"])
