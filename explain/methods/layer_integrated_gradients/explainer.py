"""The Layer IG explainer: its declarations, and the batched call that runs its parts.

:meth:`EmbeddingIntegratedGradients.attribute_encoded` checks the options
(:mod:`~explain.methods.layer_integrated_gradients.checks`), runs both ends of
the paths (:mod:`~explain.methods.layer_integrated_gradients.endpoints`),
integrates until the scores are good enough
(:mod:`~explain.methods.layer_integrated_gradients.convergence`) and builds the
results (:mod:`~explain.methods.layer_integrated_gradients.results`); a long
text goes in windows (:mod:`~explain.methods.layer_integrated_gradients.windowed`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from explain.core.results import Attribution
from explain.core.targets import OutputKind
from explain.engine.hooks import weights_frozen
from explain.engine.pooled import last_layer_pooled
from explain.methods.base import Capabilities, Explainer, Values
from explain.methods.baselines import (
    BASELINE_NOISE,
    BASELINE_SAMPLES,
    BASELINE_SEED,
    BASELINE_TOKEN,
    DEFAULT_BASELINE,
)
from explain.methods.layer_integrated_gradients.checks import checked_request
from explain.methods.layer_integrated_gradients.convergence import converge_in_precision
from explain.methods.layer_integrated_gradients.endpoints import endpoint_passes, targets_at
from explain.methods.layer_integrated_gradients.paths import Paths
from explain.methods.layer_integrated_gradients.results import attributions
from explain.methods.layer_integrated_gradients.settings import (
    ERROR_TOLERANCE,
    FIXED_STEPS,
    INTEGRATION,
    PRECISION,
    Integration,
    Precision,
)
from explain.methods.layer_integrated_gradients.windowed import attribute_windows
from explain.methods.step_settings import N_STEPS, TOLERANCE
from explain.model.encoding import Encoding, encode, pad_batch


class EmbeddingIntegratedGradients(Explainer):
    """Attribute a classifier's output to its input tokens with Layer Integrated Gradients.

    ``settings`` are the method's controls; ``auto_settings`` the one that
    applies when ``auto_steps`` is on. The baseline's own options are declared
    by each baseline (:attr:`explain.methods.baselines.Baseline.settings`).
    :meth:`attribute` takes every option :meth:`attribute_encoded` does, and
    ``text_pair``, a second text for sentence-pair checkpoints (NLI,
    paraphrase): the result's ``segments`` say which text each token is in.

    Args:
        loaded: the model to explain. Its lock is held for the whole
            attribution, because the method installs hooks on the shared model.
    """

    name = "layer_integrated_gradients"
    title = "Layer Integrated Gradients (embeddings)"
    description = (
        "Integrates gradients along a straight path from the baseline's embeddings to the "
        "input's; scores add up to F(input) - F(baseline)."
    )
    paper = "https://arxiv.org/abs/1703.01365"
    settings = (INTEGRATION, FIXED_STEPS, ERROR_TOLERANCE, PRECISION)
    auto_settings = (TOLERANCE,)
    # bfloat16 scores are kept only within the delta tolerance, else redone in float32.
    tolerance_checked_when = ((PRECISION.name, "bfloat16"),)
    capabilities = Capabilities(
        sentence_pairs=True,
        contrast=True,
        auto_steps=True,
        batching=True,
        baseline_options=True,
        internal_batch_size=True,
        windows=True,
    )

    @classmethod
    def check_options(cls, options: Mapping[str, object]) -> dict[str, Any]:
        """As :meth:`Explainer.check_options`; ``n_steps`` given alone chooses fixed integration.

        Adaptive integration is the default and does not read ``n_steps``,
        so a caller who names the steps but not the integration gets them.
        """
        values = super().check_options(options)
        if N_STEPS.name in options and INTEGRATION.name not in options:
            values[INTEGRATION.name] = "fixed"
        return values

    def _run(
        self,
        text: str,
        target: int | str | None,
        output: OutputKind,
        baseline: str,
        values: Values,
    ) -> Attribution:
        """One text, as a batch of one: see :meth:`attribute_encoded` for every option."""
        options = dict(values)
        encoding = encode(
            self.loaded.tokenizer,
            text,
            self.loaded.max_length,
            self.loaded.device,
            text_pair=options.pop("text_pair"),
        )
        (result,) = self.attribute_encoded(
            [text], [encoding], target=target, output=output, baseline=baseline, **options
        )
        return result

    def _run_windows(
        self,
        text: str,
        target: int | str | None,
        output: OutputKind,
        baseline: str,
        values: Values,
        stride: int | None,
    ) -> Attribution:
        """A long text in overlapping windows, integrated in batches of windows.

        See :func:`~explain.methods.layer_integrated_gradients.windowed.attribute_windows`.
        """
        return attribute_windows(
            self.loaded, self.attribute_encoded, text, target, output, baseline, values, stride
        )

    def attribute_encoded(
        self,
        texts: Sequence[str],
        encodings: Sequence[Encoding],
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str = DEFAULT_BASELINE,
        n_steps: int | None = None,
        internal_batch_size: int | None = None,
        contrast: int | str | None = None,
        auto_steps: bool = False,
        tolerance: float = TOLERANCE.default,
        baseline_seed: int = BASELINE_SEED.default,
        baseline_noise: float = BASELINE_NOISE.default,
        baseline_token: str = BASELINE_TOKEN.default,
        baseline_samples: int = BASELINE_SAMPLES.default,
        precision: Precision = "float32",
        integration: Integration | None = None,
        error_tolerance: float = ERROR_TOLERANCE.default,
    ) -> list[Attribution]:
        """Explain several tokenised texts together, in one batched integration.

        The texts are padded to the longest; padding positions are identical in
        input and baseline, so they get exactly zero attribution and are cut
        off again. Results equal those of one text at a time up to float
        rounding (with auto steps, the batch goes on until every text's delta
        is small enough, so a text may get more steps than alone). Pad texts
        of similar length together (see :func:`explain.methods.batch.attribute_batch`)
        to waste little compute. A sentence pair comes in as its encoding.

        Args:
            texts: the texts, as the user gave them (the first text of a pair).
            encodings: their encodings, from :func:`explain.model.encoding.encode`.
            target: label index or name to explain; None explains each
                text's own predicted label. Default: None
            output: ``"probability"``, ``"logit"`` or ``"log_odds"`` of the
                target. Default: ``"probability"``
            baseline: a name from :data:`explain.methods.baselines.BASELINES`.
                Default: ``"pad"``
            n_steps: Gauss-Legendre integration steps, for the fixed rule;
                with ``auto_steps``, the first number tried. Default: None,
                50 for the fixed rule
            internal_batch_size: interpolated inputs per forward pass. Default:
                None, as many as fit in a budget of 4096 tokens, and at least
                one step of every text and baseline.
            contrast: a second label, given by index or name. When set, the
                explained output is ``logit[target] - logit[contrast]`` (which
                is ``log(p[target] / p[contrast])``), whatever ``output`` says:
                the result records the output as ``"logit_difference"``.
                Default: None
            auto_steps: double ``n_steps`` until ``|delta|`` is at most
                ``tolerance`` times ``|F(input) - F(baseline)|``, or until the
                most steps allowed (500) are used; ``F(input)`` and
                ``F(baseline)`` are computed once. Default: False
            tolerance: see ``auto_steps``. Default: 0.01
            baseline_seed: seed of the ``"random"``, ``"gaussian_noise"`` and
                ``"expected_gradients"`` baselines. Default: 0
            baseline_noise: noise scale of ``"gaussian_noise"``, relative to the
                embeddings' root-mean-square. Default: 1.0
            baseline_token: the token of the ``"custom"`` baseline. Default: ``"."``
            baseline_samples: baselines averaged by ``"expected_gradients"``.
                Default: 4
            precision: ``"float32"``, or ``"bfloat16"`` to run the integration's
                forward passes under bfloat16 autocast. bfloat16 gets one try,
                at ``n_steps``: its scores are kept only when ``|delta|`` is
                within ``tolerance`` of ``|F(input) - F(baseline)|``; otherwise
                the integration runs again in float32 (with auto steps, if
                asked for), the result records ``precision`` as ``"float32"``
                and its ``completeness_warning`` says why; when one text of the
                batch misses the tolerance, the whole batch runs again.
                ``F(input)`` and ``F(baseline)`` are always float32. The
                bfloat16 try uses the fixed rule at ``n_steps`` (its rounding
                does not shrink with more points). Default: ``"float32"``
            integration: ``"adaptive"`` integrates with Gauss-Kronrod rules
                on intervals of alpha cut in two until the estimated error of
                the unit-scaled scores is at most ``error_tolerance`` (each
                path cut on its own, so a text gets the result it gets
                alone), and gives each score an error bar
                (``score_errors``); ``n_steps`` then records the most
                gradients any of the text's paths used. ``"fixed"`` uses ``n_steps``
                Gauss-Legendre points. With auto steps, adaptive integration
                shrinks ``error_tolerance`` tenfold until the delta is within
                ``tolerance``. Default: None, ``"fixed"`` when ``n_steps`` is
                given and ``"adaptive"`` otherwise (:meth:`attribute` and
                :meth:`check_options` follow the same rule)
            error_tolerance: see ``integration``. Default: 0.001

        Returns:
            One :class:`Attribution` per text, in order; each one's ``seconds``
            is its share of the batch's time.

        Raises:
            InputError: a setting is out of range, the custom baseline token is
                not one token, the contrast is a text's target, the target,
                contrast, output or baseline is unknown, or bfloat16 is asked
                for on a device autocast does not serve.
            ValueError: the texts and encodings differ in number.
        """
        started = time.perf_counter()
        loaded = self.loaded
        request = checked_request(
            loaded,
            texts,
            encodings,
            target=target,
            output=output,
            baseline=baseline,
            n_steps=n_steps,
            internal_batch_size=internal_batch_size,
            contrast=contrast,
            auto_steps=auto_steps,
            tolerance=tolerance,
            baseline_seed=baseline_seed,
            baseline_noise=baseline_noise,
            baseline_token=baseline_token,
            baseline_samples=baseline_samples,
            precision=precision,
            integration=integration,
            error_tolerance=error_tolerance,
        )
        with loaded.lock, weights_frozen(loaded.model), last_layer_pooled(loaded.model):
            batch = pad_batch(encodings, int(loaded.tokenizer.pad_token_id or 0))
            with torch.no_grad():
                ends = endpoint_passes(
                    loaded, batch, encodings, request.strategy, request.baseline_options
                )
            targets = targets_at(loaded, batch, ends, target, contrast, request.kind)
            paths = Paths(
                loaded=loaded,
                batch=batch,
                endpoints=ends,
                labels=targets.labels,
                contrasts=targets.contrasts,
                output=request.kind,
                internal_batch_size=internal_batch_size,
            )
            outcome, precision, precision_notes = converge_in_precision(
                paths,
                targets.change,
                request.n_steps,
                auto_steps,
                tolerance,
                precision,
                request.most_steps,
                request.adaptive_tolerance,
            )
        return attributions(
            loaded,
            method=self.name,
            signed=self.signed,
            texts=texts,
            encodings=encodings,
            batch=batch,
            request=request,
            ends=ends,
            targets=targets,
            outcome=outcome,
            precision=precision,
            precision_notes=precision_notes,
            started=started,
        )
