"""SmoothGrad over saliency: the length of the mean gradient over noisy copies of the input."""

from __future__ import annotations

from explain.core.settings import SEED
from explain.methods._noise_tunnel import NOISE_SAMPLES, NOISE_STDEV, NoiseTunnelExplainer


class SmoothGrad(NoiseTunnelExplainer):
    """SmoothGrad over saliency: the gradient averaged over noisy embeddings, then its length.

    Captum's ``NoiseTunnel(Saliency(...), nt_type="smoothgrad")`` at the
    embeddings layer: Gaussian noise of ``stdev`` is added to the text tokens'
    embedding vectors ``n_samples`` times, and the gradients there are
    averaged; a token's score is the length of its mean gradient, so it is
    unsigned, like saliency's. Smilkov et al., 2017, https://arxiv.org/abs/1706.03825

    Args:
        loaded: the model to explain.
    """

    name = "smoothgrad"
    title = "SmoothGrad (saliency)"
    description = (
        "Saliency averaged over noisy copies of the input's embeddings, which smooths away "
        "the gradient's jitter; unsigned."
    )
    paper = "https://arxiv.org/abs/1706.03825"
    signed = False
    uses_baseline = False
    settings = (NOISE_SAMPLES, NOISE_STDEV, SEED)
    nt_type = "smoothgrad"
    inner = "saliency"
