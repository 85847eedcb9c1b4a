"""The shared work of SmoothGrad and VarGrad: Captum's NoiseTunnel at the embeddings layer.

Both add Gaussian noise to the text tokens' embedding vectors (special tokens
stay as they are), explain each noisy copy with an inner method, and pool the
copies: SmoothGrad takes the mean, which smooths away the gradient's local
jitter (Smilkov et al., 2017, https://arxiv.org/abs/1706.03825); VarGrad
takes the variance, which says where the explanation is unstable (Adebayo et
al., 2018, https://arxiv.org/abs/1810.03292). The inner method is saliency
(the gradient at each embedding) or integrated gradients from the baseline.
Copies go through the model in passes of at most 4096 tokens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import ClassVar, Literal

import torch
from captum.attr import IntegratedGradients, NoiseTunnel, Saliency

from explain.core.settings import FloatSetting, IntSetting
from explain.engine.hooks import rows_per_pass, seeded, weights_frozen
from explain.methods.base import PreparedExplainer, Values
from explain.methods.prepared import Prepared

NoiseKind = Literal["smoothgrad", "vargrad"]
Inner = Literal["saliency", "integrated_gradients"]

NOISE_SAMPLES = IntSetting(
    name="n_samples",
    label="Noisy samples",
    default=10,
    minimum=2,
    maximum=200,
    step=2,
    help="Noisy copies of the input that are explained and pooled. More samples: less "
    "noisy scores, proportionally slower.",
)
NOISE_STDEV = FloatSetting(
    name="stdev",
    label="Noise standard deviation",
    default=0.15,
    minimum=0.0,
    maximum=2.0,
    step=0.05,
    help="Gaussian noise added to the text tokens' embedding vectors, which have about unit "
    "scale; SmoothGrad's authors suggest 10-20 % of the input's range.",
)
INNER_STEPS = IntSetting(
    name="n_steps",
    label="Integration steps",
    default=20,
    minimum=1,
    maximum=200,
    step=5,
    help="Gauss-Legendre steps of integrated gradients for each noisy copy: samples × steps "
    "forward passes in all.",
)


class NoiseTunnelExplainer(PreparedExplainer):
    """Captum's ``NoiseTunnel`` over an inner method, at the embeddings layer's output.

    Subclasses set ``nt_type`` and ``inner``. The token score is, for
    SmoothGrad over integrated gradients, the smoothed attribution summed
    over the embedding (signed, like Layer IG's); for SmoothGrad over
    saliency, the length of the smoothed gradient (unsigned, like saliency's);
    for VarGrad, the summed variance (unsigned).
    """

    nt_type: ClassVar[NoiseKind]
    inner: ClassVar[Inner]
    has_delta = False

    @contextlib.contextmanager
    def context(self, values: Values) -> Iterator[None]:
        with weights_frozen(self.loaded.model), seeded(values["seed"], self.loaded.device):
            yield

    def compute(self, prepared: Prepared, text: str, values: Values) -> torch.Tensor:
        positions = prepared.text_positions
        inputs = prepared.input_embedding[:, positions].detach()  # (1, n_text, hidden)
        per_pass = rows_per_pass(prepared.seq_len)
        common = {
            "nt_type": self.nt_type,
            "nt_samples": values["n_samples"],
            "stdevs": values["stdev"],
        }
        if self.inner == "saliency":
            pooled = NoiseTunnel(Saliency(prepared.text_target)).attribute(
                inputs, nt_samples_batch_size=per_pass, abs=False, **common
            )  # (1, n_text, hidden)
        else:
            steps = values["n_steps"]
            pooled = NoiseTunnel(IntegratedGradients(prepared.text_target)).attribute(
                inputs,
                nt_samples_batch_size=max(1, per_pass // steps),
                baselines=prepared.baseline_embedding[:, positions],  # type: ignore[index]
                n_steps=steps,
                method="gausslegendre",
                internal_batch_size=per_pass,
                **common,
            )  # (1, n_text, hidden)
        if self.nt_type == "smoothgrad" and self.inner == "saliency":
            return prepared.text_scores(pooled[0].norm(dim=-1))
        return prepared.text_scores(pooled.sum(dim=-1)[0])
