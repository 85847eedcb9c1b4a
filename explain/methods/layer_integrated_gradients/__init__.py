"""Layer Integrated Gradients on a BERT-family model's embeddings layer.

Integrated gradients (Sundararajan et al., 2017, https://arxiv.org/abs/1703.01365)
integrates the gradient of the target output along the straight line from a
baseline to the input. Here the line runs through the *output of the
embeddings layer* (word + position + token-type embeddings, normalised), which
is what Captum's ``LayerIntegratedGradients(forward, model.bert.embeddings)``
does. Doing it by hand, with the layer's output injected by a forward hook, lets
a baseline be any embedding (such as all zeros), reuses one forward pass for
the prediction, ``F(input)`` and ``F(baseline)``, and computes the convergence
delta without Captum's two extra forward passes. By default the integral is
taken to an error tolerance, with an error bar on every score
(:mod:`explain.engine.adaptive`); a fixed number of Gauss-Legendre steps is the
other choice. Either way the integration
(:func:`explain.engine.straight_path.weighted_gradient_sums`) sums the steps'
gradients inside autograd and lets the first encoder layer project only the two
ends of the path; while it runs, the last layer computes only the [CLS] row
(:mod:`explain.engine.pooled`).

Beyond one label's output, the target can be contrastive (``logit[A] -
logit[B]``); the baseline can be several random baselines whose attributions
are averaged (expected gradients); the number of steps can be raised until the
delta is small enough (auto steps); and the input can be a sentence pair.
"""

from explain.methods.layer_integrated_gradients.explainer import EmbeddingIntegratedGradients
from explain.methods.layer_integrated_gradients.settings import (
    ERROR_TOLERANCE,
    FIXED_STEPS,
    INTEGRATION,
    INTEGRATION_NAMES,
    PRECISION,
    Integration,
    Precision,
)
from explain.methods.step_settings import N_STEPS, TOLERANCE

__all__ = [
    "ERROR_TOLERANCE",
    "FIXED_STEPS",
    "INTEGRATION",
    "INTEGRATION_NAMES",
    "N_STEPS",
    "PRECISION",
    "TOLERANCE",
    "EmbeddingIntegratedGradients",
    "Integration",
    "Precision",
]
