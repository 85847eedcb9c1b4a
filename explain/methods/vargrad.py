"""VarGrad over saliency: the variance of the gradient over noisy copies of the input."""

from __future__ import annotations

from explain.core.settings import SEED
from explain.methods._noise_tunnel import NOISE_SAMPLES, NOISE_STDEV, NoiseTunnelExplainer


class VarGrad(NoiseTunnelExplainer):
    """VarGrad over saliency: how much the gradient varies under noise, per token.

    Captum's ``NoiseTunnel(Saliency(...), nt_type="vargrad")`` at the
    embeddings layer: the variance of the gradient over ``n_samples`` noisy
    copies of the text tokens' embeddings, summed over each token's
    embedding. Unsigned: where the explanation is unstable, not which way it
    points. Adebayo et al., 2018, https://arxiv.org/abs/1810.03292

    Args:
        loaded: the model to explain.
    """

    name = "vargrad"
    title = "VarGrad (saliency)"
    description = (
        "The variance of the gradient over noisy copies of the input's embeddings: where "
        "the explanation is unstable, not which way it points."
    )
    paper = "https://arxiv.org/abs/1810.03292"
    signed = False
    uses_baseline = False
    settings = (NOISE_SAMPLES, NOISE_STDEV, SEED)
    nt_type = "vargrad"
    inner = "saliency"
