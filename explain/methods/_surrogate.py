"""What LIME and Kernel SHAP share: their samples, seeding, and a surrogate fitted in closed form.

Both fit a linear model over one binary feature per text token (kept, or
replaced by the baseline) to the target outputs of random samples.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import torch
from captum._utils.models.linear_model import LinearModel
from captum.attr import Lime
from torch.utils.data import DataLoader

from explain.core.settings import SEED, IntSetting
from explain.engine.hooks import rows_per_pass, seeded
from explain.methods.base import PreparedExplainer, Values
from explain.methods.prepared import Prepared

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


class SurrogateExplainer(PreparedExplainer):
    """A method that fits a surrogate to random samples: its settings, seeded and no gradients."""

    settings = (SURROGATE_SAMPLES, SEED)

    @contextlib.contextmanager
    def context(self, values: Values) -> Iterator[None]:
        with seeded(values["seed"], self.loaded.device), torch.inference_mode():
            yield


def fit_weighted_linear(
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


def surrogate_scores(prepared: Prepared, explainer: Lime, n_samples: int) -> torch.Tensor:
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
