"""VarGrad over integrated gradients: the variance of IG over noisy copies of the input."""

from __future__ import annotations

from explain.core.settings import SEED
from explain.methods._noise_tunnel import (
    INNER_STEPS,
    NOISE_SAMPLES,
    NOISE_STDEV,
    NoiseTunnelExplainer,
)


class VarGradIntegratedGradients(NoiseTunnelExplainer):
    """VarGrad over integrated gradients: how much IG's attribution varies under noise.

    Captum's ``NoiseTunnel(IntegratedGradients(...), nt_type="vargrad")`` at
    the embeddings layer: integrated gradients from the baseline to each of
    ``n_samples`` noisy copies of the text tokens' embeddings, and the
    variance of the attributions, summed over each token's embedding.
    Unsigned. Adebayo et al., 2018, https://arxiv.org/abs/1810.03292

    Args:
        loaded: the model to explain.
    """

    name = "vargrad_ig"
    title = "VarGrad (integrated gradients)"
    description = (
        "The variance of integrated gradients over noisy copies of the input's embeddings; "
        "unsigned, samples × steps forward passes."
    )
    paper = "https://arxiv.org/abs/1810.03292"
    signed = False
    settings = (NOISE_SAMPLES, NOISE_STDEV, INNER_STEPS, SEED)
    nt_type = "vargrad"
    inner = "integrated_gradients"
    integration = "gausslegendre"
