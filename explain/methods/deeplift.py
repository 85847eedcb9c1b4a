"""DeepLIFT on the embeddings layer's output, from the baseline's embeddings to the input's."""

from __future__ import annotations

import contextlib
import warnings

import torch
from captum.attr import DeepLift

from explain.engine.hooks import weights_frozen
from explain.methods.base import PreparedExplainer, Values
from explain.methods.prepared import Prepared


class _TargetModule(torch.nn.Module):
    """The classifier as a module from embeddings-layer output to the target output.

    DeepLIFT overrides the gradients of the non-linear modules it finds under
    the module it is given, so the classifier must be a submodule of it.
    """

    def __init__(self, prepared: Prepared) -> None:
        super().__init__()
        self.model = prepared.loaded.model
        self.prepared = prepared

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        # embeddings: (batch, seq_len, hidden) -> (batch,)
        return self.prepared.target(embeddings)


class EmbeddingDeepLift(PreparedExplainer):
    """DeepLIFT from the baseline's embeddings to the input's, with the rescale rule.

    Captum's ``DeepLift`` on the embeddings layer's output, which equals
    ``LayerDeepLift(model, model.bert.embeddings)`` for token baselines and
    also allows the ``"zero"`` baseline. Captum applies the rescale rule only to
    non-linearities that are ``nn.Module`` instances of the kinds it knows
    (ReLU, Tanh, Sigmoid, Softmax, ...). In a BERT those are only the pooler's
    Tanh: GELU (``GELUActivation``), the attention softmax (a function call),
    layer norm and the attention products get plain gradients, so the scores
    do not add up exactly to ``F(input) - F(baseline)``, and ``delta`` says by
    how much. Shrikumar et al., 2017, https://arxiv.org/abs/1704.02685

    Args:
        loaded: the model to explain.
    """

    name = "deeplift"
    title = "DeepLIFT (embeddings)"
    description = (
        "Backpropagates the difference from the baseline with the rescale rule; in BERT only "
        "the pooler's tanh gets it, so the delta can be large."
    )
    paper = "https://arxiv.org/abs/1704.02685"

    def context(self, values: Values) -> contextlib.AbstractContextManager[object]:
        return weights_frozen(self.loaded.model)

    def compute(self, prepared: Prepared, text: str, values: Values) -> torch.Tensor:
        with warnings.catch_warnings():
            # Captum warns on every call that it sets hooks; the class docstring says which
            # non-linearities its rules cover, and the delta on the page shows the rest.
            warnings.filterwarnings("ignore", "Setting forward, backward hooks", UserWarning)
            attributions = DeepLift(_TargetModule(prepared)).attribute(
                prepared.input_embedding.requires_grad_(),
                baselines=prepared.baseline_embedding,
            )  # (1, seq_len, hidden)
        return attributions.sum(dim=-1)[0]
