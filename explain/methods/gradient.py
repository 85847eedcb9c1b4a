"""Gradient-based attribution methods on a BERT-family model's embeddings.

Every method here differentiates the target output with respect to the output
of an embedding module, which a forward hook replaces (see
:class:`explain.forward.Prepared`). That is what Captum's ``Layer*`` variants
do with the same module, and it lets the ``"zero"`` baseline (zero vectors out
of the layer) be used, which token ids cannot express.

- :class:`WordEmbeddingIntegratedGradients`: integrated gradients through the
  word embeddings alone, with position and token-type embeddings held fixed.
- :class:`TokenSaliency`: the L2 norm of the gradient at each token.
- :class:`TokenInputXGradient`: the embedding times its gradient.
- :class:`EmbeddingDeepLift`: DeepLIFT's rescale rule from the baseline.
- :class:`EmbeddingGradientShap`: expected gradients from the baseline, with noise.
"""

from __future__ import annotations

import time
import warnings

import torch
from captum.attr import DeepLift, GradientShap, InputXGradient, IntegratedGradients, Saliency

from explain.core.errors import CheckpointError, InputError
from explain.core.results import Attribution
from explain.core.settings import SEED, FloatSetting, IntSetting, Setting
from explain.core.targets import OutputKind
from explain.engine.hooks import rows_per_pass, seeded, weights_frozen
from explain.methods.baselines import DEFAULT_BASELINE
from explain.methods.integrated_gradients import N_STEPS
from explain.methods.prepared import Prepared, build_attribution, prepare
from explain.model.checkpoints import LoadedModel

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


def word_embeddings(loaded: LoadedModel) -> torch.nn.Module:
    """The word-embedding table of the embeddings layer (no position or token types).

    Raises:
        CheckpointError: the embeddings layer has no ``word_embeddings`` module.
    """
    module = getattr(loaded.embeddings, "word_embeddings", None)
    if not isinstance(module, torch.nn.Module):
        raise CheckpointError(
            f"{loaded.name}: its embeddings layer has no `word_embeddings` module, so "
            "word-embedding methods cannot run. Use Layer Integrated Gradients instead."
        )
    return module


class WordEmbeddingIntegratedGradients:
    """Integrated gradients through the word embeddings, position and token types held fixed.

    Interpolates only the word-embedding vectors between the baseline's and the
    input's, as Captum's ``LayerIntegratedGradients(forward,
    model.bert.embeddings.word_embeddings)`` does: a token baseline's path
    starts at the baseline token's word embedding; ``"zero"`` starts at zero
    word-embedding vectors at text positions. Position and token-type
    embeddings and the layer norm after them stay in the model, so the scores
    add up to ``F(input) - F(baseline)`` for this baseline. Sundararajan et
    al., 2017, https://arxiv.org/abs/1703.01365

    Args:
        loaded: the model to explain.
    """

    name = "word_integrated_gradients"
    settings: tuple[Setting, ...] = (N_STEPS,)
    signed = True

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded

    def attribute(
        self,
        text: str,
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str = DEFAULT_BASELINE,
        n_steps: int = N_STEPS.default,
        internal_batch_size: int | None = None,
    ) -> Attribution:
        """Explain ``text``'s score for ``target``.

        Args:
            text: the sentence to explain.
            target: label index or name. Default: None, the predicted label.
            output: ``"probability"``, ``"logit"`` or ``"log_odds"``. Default: ``"probability"``
            baseline: a name from :data:`explain.methods.baselines.BASELINES`. Default: ``"pad"``
            n_steps: Gauss-Legendre integration steps. Default: 50
            internal_batch_size: interpolated inputs per forward pass. Default:
                None, as many as fit in a budget of 4096 tokens.

        Returns:
            The :class:`Attribution`, with completeness numbers.

        Raises:
            InputError: the text is empty, or a setting is out of range.
            ValueError: the target, output or baseline is unknown.
        """
        started = time.perf_counter()
        N_STEPS.check(n_steps)
        if internal_batch_size is not None and internal_batch_size < 1:
            raise InputError("internal_batch_size must be a positive integer or None.")
        loaded = self.loaded
        with loaded.lock, weights_frozen(loaded.model):
            layer = word_embeddings(loaded)
            prepared = prepare(loaded, text, target, output, baseline, layer)
            batch_size = internal_batch_size or rows_per_pass(prepared.seq_len)
            attributions = IntegratedGradients(prepared.target).attribute(
                inputs=prepared.input_embedding,
                baselines=prepared.baseline_embedding,
                n_steps=n_steps,
                method="gausslegendre",
                internal_batch_size=min(batch_size, n_steps),
            )  # (1, seq_len, hidden)
        return build_attribution(
            prepared,
            text,
            attributions.sum(dim=-1)[0],
            self.name,
            target,
            started,
            has_delta=True,
            n_steps=n_steps,
            integration="gausslegendre",
        )


class TokenSaliency:
    """The L2 norm of the target output's gradient at each token's embedding.

    The gradient is taken with respect to the embeddings layer's output; a
    token's score is the length of its gradient vector, so it says how
    sensitive the output is to that token, not in which direction. Simonyan et
    al., 2013, https://arxiv.org/abs/1312.6034

    Args:
        loaded: the model to explain.
    """

    name = "saliency"
    settings: tuple[Setting, ...] = ()
    signed = False

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded

    def attribute(
        self,
        text: str,
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str | None = None,
    ) -> Attribution:
        """Explain ``text``'s score for ``target``.

        Args:
            text: the sentence to explain.
            target: label index or name. Default: None, the predicted label.
            output: ``"probability"``, ``"logit"`` or ``"log_odds"``. Default: ``"probability"``
            baseline: ignored; saliency uses no baseline. Default: None

        Returns:
            The :class:`Attribution`, unsigned, with no baseline or delta.

        Raises:
            InputError: the text is empty.
            ValueError: the target or output is unknown.
        """
        started = time.perf_counter()
        loaded = self.loaded
        with loaded.lock, weights_frozen(loaded.model):
            prepared = prepare(loaded, text, target, output, None)
            gradients = Saliency(prepared.target).attribute(
                prepared.input_embedding.requires_grad_(), abs=False
            )  # (1, seq_len, hidden)
        return build_attribution(
            prepared, text, gradients[0].norm(dim=-1), self.name, target, started, signed=False
        )


class TokenInputXGradient:
    """Each token's embedding times the target output's gradient there, summed over hidden.

    The first-order Taylor term of the output at the embeddings layer: the
    change a token's vector would cause if the output were linear, measured
    from an all-zero embedding. Shrikumar et al., 2016,
    https://arxiv.org/abs/1605.01713

    Args:
        loaded: the model to explain.
    """

    name = "input_x_gradient"
    settings: tuple[Setting, ...] = ()
    signed = True

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded

    def attribute(
        self,
        text: str,
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str | None = None,
    ) -> Attribution:
        """Explain ``text``'s score for ``target``.

        Args:
            text: the sentence to explain.
            target: label index or name. Default: None, the predicted label.
            output: ``"probability"``, ``"logit"`` or ``"log_odds"``. Default: ``"probability"``
            baseline: ignored; Input × Gradient uses no baseline. Default: None

        Returns:
            The :class:`Attribution`, signed, with no baseline or delta.

        Raises:
            InputError: the text is empty.
            ValueError: the target or output is unknown.
        """
        started = time.perf_counter()
        loaded = self.loaded
        with loaded.lock, weights_frozen(loaded.model):
            prepared = prepare(loaded, text, target, output, None)
            attributions = InputXGradient(prepared.target).attribute(
                prepared.input_embedding.requires_grad_()
            )  # (1, seq_len, hidden)
        return build_attribution(
            prepared, text, attributions.sum(dim=-1)[0], self.name, target, started
        )


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


class EmbeddingDeepLift:
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
    settings: tuple[Setting, ...] = ()
    signed = True

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded

    def attribute(
        self,
        text: str,
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str = DEFAULT_BASELINE,
    ) -> Attribution:
        """Explain ``text``'s score for ``target``.

        Args:
            text: the sentence to explain.
            target: label index or name. Default: None, the predicted label.
            output: ``"probability"``, ``"logit"`` or ``"log_odds"``. Default: ``"probability"``
            baseline: a name from :data:`explain.methods.baselines.BASELINES`. Default: ``"pad"``

        Returns:
            The :class:`Attribution`, with the summation-to-delta gap as ``delta``.

        Raises:
            InputError: the text is empty.
            ValueError: the target, output or baseline is unknown.
        """
        started = time.perf_counter()
        loaded = self.loaded
        with loaded.lock, weights_frozen(loaded.model):
            prepared = prepare(loaded, text, target, output, baseline)
            with warnings.catch_warnings():
                # Captum warns on every call that it sets hooks; the class docstring says which
                # non-linearities its rules cover, and the delta on the page shows the rest.
                warnings.filterwarnings("ignore", "Setting forward, backward hooks", UserWarning)
                attributions = DeepLift(_TargetModule(prepared)).attribute(
                    prepared.input_embedding.requires_grad_(),
                    baselines=prepared.baseline_embedding,
                )  # (1, seq_len, hidden)
        return build_attribution(
            prepared, text, attributions.sum(dim=-1)[0], self.name, target, started, has_delta=True
        )


class EmbeddingGradientShap:
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
    settings: tuple[Setting, ...] = (SHAP_SAMPLES, SHAP_STDEV, SEED)
    signed = True

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded

    def attribute(
        self,
        text: str,
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str = DEFAULT_BASELINE,
        n_samples: int = SHAP_SAMPLES.default,
        stdev: float = SHAP_STDEV.default,
        seed: int = SEED.default,
    ) -> Attribution:
        """Explain ``text``'s score for ``target``.

        Args:
            text: the sentence to explain.
            target: label index or name. Default: None, the predicted label.
            output: ``"probability"``, ``"logit"`` or ``"log_odds"``. Default: ``"probability"``
            baseline: a name from :data:`explain.methods.baselines.BASELINES`. Default: ``"pad"``
            n_samples: random samples averaged. Default: 20
            stdev: standard deviation of the noise added to the input's
                embedding. Default: 0.1
            seed: seeds the samples. Default: 0

        Returns:
            The :class:`Attribution`; ``delta`` is the sample's gap from
            ``F(input) - F(baseline)``.

        Raises:
            InputError: the text is empty, or a setting is out of range.
            ValueError: the target, output or baseline is unknown.
        """
        started = time.perf_counter()
        SHAP_SAMPLES.check(n_samples)
        stdev = SHAP_STDEV.check(stdev)
        SEED.check(seed)
        loaded = self.loaded
        with loaded.lock, weights_frozen(loaded.model), seeded(seed, loaded.device):
            prepared = prepare(loaded, text, target, output, baseline)
            explainer = GradientShap(prepared.text_target)
            positions = prepared.text_positions
            inputs = prepared.input_embedding[:, positions]  # (1, n_text, hidden)
            baselines = prepared.baseline_embedding[:, positions]  # type: ignore[index]
            per_pass = rows_per_pass(prepared.seq_len)
            total = torch.zeros_like(inputs, dtype=torch.float64)
            for first in range(0, n_samples, per_pass):
                count = min(per_pass, n_samples - first)
                mean = explainer.attribute(
                    inputs, baselines=baselines, n_samples=count, stdevs=stdev
                )  # (1, n_text, hidden)
                total += mean.double() * count
        return build_attribution(
            prepared,
            text,
            prepared.text_scores((total / n_samples).sum(dim=-1)[0]),
            self.name,
            target,
            started,
            has_delta=True,
            options=(("n_samples", n_samples), ("stdev", stdev), ("seed", seed)),
        )
