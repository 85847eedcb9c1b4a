"""SmoothGrad over integrated gradients: IG averaged over noisy copies of the input."""

from __future__ import annotations

from explain.core.settings import SEED
from explain.methods._noise_tunnel import (
    INNER_STEPS,
    NOISE_SAMPLES,
    NOISE_STDEV,
    NoiseTunnelExplainer,
)


class SmoothGradIntegratedGradients(NoiseTunnelExplainer):
    """SmoothGrad over integrated gradients, from the baseline to noisy copies of the input.

    Captum's ``NoiseTunnel(IntegratedGradients(...), nt_type="smoothgrad")``
    at the embeddings layer: the text tokens' embedding vectors get Gaussian
    noise of ``stdev`` ``n_samples`` times, each noisy copy is explained by
    integrated gradients from the baseline (``n_steps`` Gauss-Legendre steps),
    and the attributions are averaged. Scores are signed; they add up to the
    mean of ``F(noisy input) - F(baseline)``, not to ``F(input) - F(baseline)``,
    so no delta is reported. Smilkov et al., 2017, https://arxiv.org/abs/1706.03825

    Args:
        loaded: the model to explain.
    """

    name = "smoothgrad_ig"
    title = "SmoothGrad (integrated gradients)"
    description = (
        "Integrated gradients averaged over noisy copies of the input's embeddings; signed, "
        "samples × steps forward passes."
    )
    paper = "https://arxiv.org/abs/1706.03825"
    settings = (NOISE_SAMPLES, NOISE_STDEV, INNER_STEPS, SEED)
    nt_type = "smoothgrad"
    inner = "integrated_gradients"
    integration = "gausslegendre"
