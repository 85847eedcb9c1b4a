"""Kernel SHAP: Shapley values of the text tokens, estimated by weighted regression."""

from __future__ import annotations

import torch
from captum._utils.models.linear_model import LinearModel
from captum.attr import KernelShap

from explain.methods._surrogate import SurrogateExplainer, fit_weighted_linear, surrogate_scores
from explain.methods.base import Values
from explain.methods.prepared import Prepared


class TokenKernelShap(SurrogateExplainer):
    """Kernel SHAP: Shapley values of the text tokens, estimated by weighted regression.

    Samples coalitions of text tokens from the Shapley kernel (the rest
    replaced by the baseline) and fits a linear model by weighted least
    squares, with the full text and the full baseline weighted so heavily
    that the scores add up to ``F(input) - F(baseline)``; ``delta`` is how far
    they miss. Captum's ``KernelShap``, with the regression solved in closed
    form in torch rather than by scikit-learn. Options: ``n_samples``
    (coalitions, default 200) and ``seed`` (default 0). Lundberg & Lee, 2017,
    https://arxiv.org/abs/1705.07874

    Args:
        loaded: the model to explain.
    """

    name = "kernel_shap"
    title = "Kernel SHAP"
    description = (
        "Estimates each token's Shapley value from random coalitions of tokens; scores add up "
        "to F(input) - F(baseline)."
    )
    paper = "https://arxiv.org/abs/1705.07874"

    def compute(self, prepared: Prepared, text: str, values: Values) -> torch.Tensor:
        if prepared.text_positions.numel() == 1:  # Captum cannot sample; this is exact
            change = prepared.f_input - prepared.f_baseline  # type: ignore[operator]
            return prepared.text_scores(torch.tensor([change]))
        explainer = KernelShap(prepared.text_target)
        explainer.interpretable_model = LinearModel(fit_weighted_linear)
        return surrogate_scores(prepared, explainer, values["n_samples"])
