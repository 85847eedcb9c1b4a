"""GradientSHAP on the embeddings layer: gradients between the baseline and a noisy input."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from captum.attr import GradientShap

from explain.core.settings import SEED, FloatSetting, IntSetting
from explain.engine.hooks import rows_per_pass, seeded, weights_frozen
from explain.methods.base import PreparedExplainer, Values
from explain.methods.prepared import Prepared

SHAP_SAMPLES = IntSetting(
    name="n_samples",
    label="Samples",
    default=20,
    minimum=1,
    maximum=500,
    step=5,
    help="Random points between the baseline and the input whose gradients are averaged. "
    "More samples: less noisy scores, proportionally slower.",
)
SHAP_STDEV = FloatSetting(
    name="stdev",
    label="Noise standard deviation",
    default=0.1,
    minimum=0.0,
    maximum=2.0,
    step=0.05,
    help="Gaussian noise added to the input's embedding vectors (which have about unit "
    "scale) before each sample. 0 gives plain expected gradients.",
)


class EmbeddingGradientShap(PreparedExplainer):
    """GradientSHAP: gradients at random points between the baseline and a noisy input.

    Captum's ``GradientShap`` on the embeddings layer's output: each sample
    adds Gaussian noise of ``stdev`` to the input's embedding, picks a uniform
    random point on the line from the baseline to it, and multiplies the
    gradient there by ``input - baseline``; the scores are the mean over
    samples, and they add up to ``F(input) - F(baseline)`` in expectation.
    Special tokens get no noise and no score, as the baselines keep them.
    Captum's ``LayerGradientShap`` adds its noise to the model's inputs, which
    here are token ids (it fails on them), so the noise is added to the layer's
    output instead. Samples run in passes of at most 4096 tokens. Lundberg &
    Lee, 2017, https://arxiv.org/abs/1705.07874

    Args:
        loaded: the model to explain.
    """

    name = "gradient_shap"
    title = "GradientSHAP (embeddings)"
    description = (
        "Averages gradients at random points between the baseline and a noisy input; scores "
        "add up to F(input) - F(baseline) on average."
    )
    paper = "https://arxiv.org/abs/1705.07874"
    settings = (SHAP_SAMPLES, SHAP_STDEV, SEED)

    @contextlib.contextmanager
    def context(self, values: Values) -> Iterator[None]:
        with weights_frozen(self.loaded.model), seeded(values["seed"], self.loaded.device):
            yield

    def compute(self, prepared: Prepared, text: str, values: Values) -> torch.Tensor:
        n_samples = values["n_samples"]
        explainer = GradientShap(prepared.text_target)
        positions = prepared.text_positions
        inputs = prepared.input_embedding[:, positions]  # (1, n_text, hidden)
        baselines = prepared.baseline_embedding[:, positions]  # type: ignore[index]
        per_pass = rows_per_pass(prepared.seq_len)
        total = torch.zeros_like(inputs, dtype=torch.float64)
        for first in range(0, n_samples, per_pass):
            count = min(per_pass, n_samples - first)
            mean = explainer.attribute(
                inputs, baselines=baselines, n_samples=count, stdevs=values["stdev"]
            )  # (1, n_text, hidden)
            total += mean.double() * count
        return prepared.text_scores((total / n_samples).sum(dim=-1)[0])
