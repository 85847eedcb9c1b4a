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

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import torch

from explain.core.errors import InputError
from explain.core.results import Attribution, AttributionSettings, normalize
from explain.core.settings import ChoiceSetting, FloatSetting
from explain.core.targets import (
    CONTRAST_OUTPUT,
    OutputKind,
    check_output,
    label_probabilities,
    resolve_contrast,
    resolve_label,
    target_output,
)
from explain.engine.adaptive import AdaptiveIntegral, integrate_adaptively, unit_scaled_error
from explain.engine.hooks import (
    TOKEN_BUDGET,
    output_captured,
    output_replaced,
    rows_per_pass,
    weights_frozen,
)
from explain.engine.pooled import last_layer_pooled
from explain.engine.straight_path import integrate_gradients
from explain.methods.base import Capabilities, Explainer, Values
from explain.methods.baselines import (
    BASELINE_NOISE,
    BASELINE_SAMPLES,
    BASELINE_SEED,
    BASELINE_TOKEN,
    DEFAULT_BASELINE,
    Baseline,
    BaselineOptions,
    get_baseline,
)
from explain.methods.step_settings import N_STEPS, TOLERANCE
from explain.methods.windows import mean_of_windows
from explain.model.encoding import EncodedBatch, Encoding, encode, encode_windows, pad_batch

PRECISION = ChoiceSetting(
    name="precision",
    label="Precision",
    default="float32",
    choices=("float32", "bfloat16"),
    help="bfloat16 runs the integration's matrix products at half width (autocast): much "
    "faster on GPUs, a little on recent CPUs, and less exact. Its scores are kept only when "
    "|delta| is within the delta tolerance of |F(input) - F(baseline)|; otherwise they are "
    "computed again in float32, and the page says so. The prediction is always float32.",
)
Precision = Literal["float32", "bfloat16"]
INTEGRATION = ChoiceSetting(
    name="integration",
    label="Integration",
    default="adaptive",
    choices=("adaptive", "fixed"),
    help="adaptive (the default): Gauss-Kronrod rules on the two halves of the path, each "
    "interval cut in two where its estimated error is large, until the scores are within "
    "the error tolerance; each score gets an error bar. fixed: the given number of "
    "Gauss-Legendre steps, no error bars (giving n_steps alone chooses it).",
)
Integration = Literal["adaptive", "fixed"]
ERROR_TOLERANCE = FloatSetting(
    name="error_tolerance",
    label="Error tolerance",
    default=1e-3,
    minimum=1e-5,
    maximum=0.1,
    step=1e-4,
    help="Adaptive integration stops when the estimated error of every token's score, with "
    "the scores scaled to unit length, is at most this. 0.001 is finer than a chart shows.",
    applies_when=("integration", "adaptive"),
)
FIXED_STEPS = dataclasses.replace(N_STEPS, applies_when=("integration", "fixed"))
"""The steps setting as Layer IG declares it: it applies to fixed integration only."""
INTEGRATION_NAMES = {"adaptive": "gauss-kronrod adaptive", "fixed": "gausslegendre"}


@dataclass(frozen=True, eq=False)
class _Endpoints:
    """Both ends of the integration paths, for ``n`` texts and ``k`` baselines each.

    Args:
        input_embedding: ``(n, seq_len, hidden)`` embedding-layer output of the texts.
        baseline_embedding: ``(k * n, seq_len, hidden)``; row ``i`` belongs to text ``i % n``.
        input_logits: ``(n, num_labels)``.
        baseline_logits: ``(k * n, num_labels)``.
        baseline_tokens: per text, what stands at each position of its baseline.
    """

    input_embedding: torch.Tensor
    baseline_embedding: torch.Tensor
    input_logits: torch.Tensor
    baseline_logits: torch.Tensor
    baseline_tokens: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, eq=False)
class _Outcome:
    """Integrated gradients at the steps where auto steps stopped.

    Args:
        token_scores: ``(k, n, seq_len)``, float64.
        sample_deltas: ``(k, n)``, each baseline's sum of scores minus its change.
        relative: ``(k, n)``, ``|sample_deltas| / |F(input) - F(baseline)|``.
        steps: ``(n,)``, each text's steps; for adaptive integration, the most
            gradients any of the text's paths used.
        token_errors: ``(k, n, seq_len)`` estimated absolute errors of the
            scores; None for a fixed rule.
    """

    token_scores: torch.Tensor
    sample_deltas: torch.Tensor
    relative: torch.Tensor
    steps: tuple[int, ...]
    token_errors: torch.Tensor | None = None

    def within(self, tolerance: float) -> bool:
        """Whether every text's every baseline is within ``tolerance``."""
        return bool((self.relative <= tolerance).all())


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

    def _logits(
        self,
        batch: EncodedBatch,
        input_ids: torch.Tensor,
        embeddings: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Logits for ids that are ``batch``'s, each row repeated ``k`` times.

        Args:
            batch: the padded encodings, ``(n, seq_len)``.
            input_ids: ``(k * n, seq_len)``; row ``i`` belongs to text ``i % n``.
            embeddings: ``(k * n, seq_len, hidden)``, replacing the embeddings
                layer's output. Default: None, the layer's own output.
        """
        repeats = input_ids.shape[0] // batch.input_ids.shape[0]
        kwargs = {key: value.repeat(repeats, 1) for key, value in batch.model_inputs().items()}
        if embeddings is None:
            return self.loaded.model(input_ids=input_ids, **kwargs).logits
        with output_replaced(self.loaded.embeddings, embeddings):
            return self.loaded.model(input_ids=input_ids, **kwargs).logits

    def _endpoints(
        self,
        batch: EncodedBatch,
        encodings: Sequence[Encoding],
        strategy: Baseline,
        options: BaselineOptions,
    ) -> _Endpoints:
        """Run the texts and their baselines through the model, keeping the embeddings.

        Token baselines go in the same passes as the texts, as many texts and
        baselines per pass as fit in the token budget; embedding baselines are
        built from the texts' embeddings and run in a second pass.
        """
        loaded = self.loaded
        ids = batch.input_ids  # (n, seq_len)
        n, seq_len = ids.shape
        captured: list[torch.Tensor] = []
        if strategy.kind == "embedding":
            with output_captured(loaded.embeddings, captured):
                input_logits = self._logits(batch, ids)
            input_embedding = captured[0]  # (n, seq_len, hidden)
            baseline_embedding = strategy.embedding(input_embedding, batch.special_mask, options)
            return _Endpoints(
                input_embedding=input_embedding,
                baseline_embedding=baseline_embedding,
                input_logits=input_logits,
                baseline_logits=self._logits(batch, ids, baseline_embedding),
                baseline_tokens=_placeholder_rows(encodings, strategy.placeholder),
            )
        samples = strategy.sample_token_ids(ids, batch.special_mask, loaded.tokenizer, options)
        every = torch.cat([ids, samples.flatten(0, 1)])  # ((1 + k) * n, seq_len)
        groups = max(1, TOKEN_BUDGET // (n * seq_len))  # texts or baselines of all n per pass
        logits = []
        with output_captured(loaded.embeddings, captured):
            for start in range(0, every.shape[0], groups * n):
                logits.append(self._logits(batch, every[start : start + groups * n]))
        embeddings = torch.cat(captured)  # ((1 + k) * n, seq_len, hidden)
        all_logits = torch.cat(logits)  # ((1 + k) * n, num_labels)
        if strategy.kind == "samples":
            baseline_tokens = _placeholder_rows(encodings, strategy.placeholder)
        else:
            baseline_tokens = tuple(
                tuple(loaded.tokenizer.convert_ids_to_tokens(row.tolist())) for row in samples[0]
            )
        return _Endpoints(
            input_embedding=embeddings[:n],
            baseline_embedding=embeddings[n:],
            input_logits=all_logits[:n],
            baseline_logits=all_logits[n:],
            baseline_tokens=baseline_tokens,
        )

    def _outputs_at(
        self,
        batch: EncodedBatch,
        input_ids: torch.Tensor,
        labels: torch.Tensor,
        contrasts: torch.Tensor | None,
        output: OutputKind,
        low_precision: bool,
        points: torch.Tensor,
        steps: int,
    ) -> torch.Tensor:
        """The explained output at ``steps`` points of each path.

        Args:
            batch: the padded encodings, ``(n, seq_len)``.
            input_ids: ``(rows, seq_len)``, one row per path.
            labels: ``(rows,)`` target labels.
            contrasts: ``(rows,)`` contrast labels, or None.
            output: what is explained.
            low_precision: run the forward pass under bfloat16 autocast (the
                backward pass then follows the same casts, outside autocast).
            points: ``(steps * rows, seq_len, hidden)``, step-major, replacing
                the embeddings layer's output.
            steps: how many steps ``points`` holds.

        Returns:
            ``(steps * rows,)`` outputs.
        """
        with torch.autocast(
            device_type=points.device.type, dtype=torch.bfloat16, enabled=low_precision
        ):
            logits = self._logits(batch, input_ids.repeat(steps, 1), points)
        contrast = None if contrasts is None else contrasts.repeat(steps)
        return target_output(logits.float(), labels.repeat(steps), output, contrast)

    def _integrate(
        self,
        batch: EncodedBatch,
        endpoints: _Endpoints,
        labels: torch.Tensor,
        contrasts: torch.Tensor | None,
        output: OutputKind,
        n_steps: int,
        internal_batch_size: int | None,
        low_precision: bool = False,
    ) -> torch.Tensor:
        """Integrated gradients from every baseline to its text, summed over the hidden axis.

        Args:
            low_precision: run the forward passes under bfloat16 autocast.
                Default: False

        Returns:
            ``(k * n, seq_len)`` token scores; row ``i`` belongs to text ``i % n``.
        """
        chunks = [
            integrate_gradients(
                outputs_at,
                self.loaded.model,
                start=start,
                end=end,
                n_steps=n_steps,
                steps_per_pass=steps_per_pass,
            )  # (chunk_rows, seq_len, hidden)
            for outputs_at, start, end, steps_per_pass in self._path_chunks(
                batch, endpoints, labels, contrasts, output, internal_batch_size, low_precision
            )
        ]
        return torch.cat(chunks).sum(dim=-1)

    def _path_chunks(
        self,
        batch: EncodedBatch,
        endpoints: _Endpoints,
        labels: torch.Tensor,
        contrasts: torch.Tensor | None,
        output: OutputKind,
        internal_batch_size: int | None,
        low_precision: bool,
    ) -> Iterator[tuple[Callable[..., torch.Tensor], torch.Tensor, torch.Tensor, int]]:
        """The ``k * n`` paths in chunks of whole baseline samples that fit the token budget.

        Expected gradients' ``k`` baselines go in chunks; each chunk walks its
        paths together.

        Yields:
            The output at points of the chunk's paths, their starts and ends
            ``(chunk_rows, seq_len, hidden)``, and the steps per forward pass.
        """
        n, seq_len = batch.input_ids.shape
        k = endpoints.baseline_embedding.shape[0] // n
        samples_per_call = k if internal_batch_size else max(1, TOKEN_BUDGET // (n * seq_len))
        for first in range(0, k, samples_per_call):
            count = min(samples_per_call, k - first)
            chunk_rows = count * n
            outputs_at = partial(
                self._outputs_at,
                batch,
                batch.input_ids.repeat(count, 1),
                labels.repeat(count),
                None if contrasts is None else contrasts.repeat(count),
                output,
                low_precision,
            )
            per_pass = internal_batch_size or max(chunk_rows, rows_per_pass(seq_len))
            yield (
                outputs_at,
                endpoints.baseline_embedding[first * n : first * n + chunk_rows],
                endpoints.input_embedding.repeat(count, 1, 1),
                per_pass // chunk_rows,
            )

    def _integrate_adaptively(
        self,
        batch: EncodedBatch,
        endpoints: _Endpoints,
        labels: torch.Tensor,
        contrasts: torch.Tensor | None,
        output: OutputKind,
        error_tolerance: float,
        internal_batch_size: int | None,
    ) -> AdaptiveIntegral:
        """Integrated gradients to ``error_tolerance`` (:func:`integrate_adaptively`).

        Returns:
            The integral of all ``k * n`` paths; row ``i`` belongs to text ``i % n``.
        """
        parts = [
            integrate_adaptively(
                outputs_at,
                self.loaded.model,
                start=start,
                end=end,
                tolerance=error_tolerance,
                steps_per_pass=steps_per_pass,
                max_evaluations=N_STEPS.maximum,
            )
            for outputs_at, start, end, steps_per_pass in self._path_chunks(
                batch, endpoints, labels, contrasts, output, internal_batch_size, False
            )
        ]
        return AdaptiveIntegral(
            token_scores=torch.cat([part.token_scores for part in parts]),
            token_errors=torch.cat([part.token_errors for part in parts]),
            unit_errors=torch.cat([part.unit_errors for part in parts]),
            evaluations=sum((part.evaluations for part in parts), ()),
            intervals=sum((part.intervals for part in parts), ()),
            converged=sum((part.converged for part in parts), ()),
        )

    def _converge(
        self,
        batch: EncodedBatch,
        endpoints: _Endpoints,
        labels: torch.Tensor,
        contrasts: torch.Tensor | None,
        output: OutputKind,
        change: torch.Tensor,
        n_steps: int,
        internal_batch_size: int | None,
        auto_steps: bool,
        tolerance: float,
        low_precision: bool,
        error_tolerance: float | None = None,
    ) -> _Outcome:
        """Integrate at ``n_steps``, doubling them under auto steps until within ``tolerance``.

        Args:
            change: ``(k, n)``, ``F(input) - F(baseline)`` of each baseline.
            auto_steps: double the steps until within ``tolerance``.
            low_precision: run the forward passes under bfloat16 autocast.
            error_tolerance: integrate adaptively to this error tolerance
                instead of by ``n_steps`` (under auto steps, it shrinks
                tenfold until the delta is within ``tolerance``). Default:
                None, the fixed rule.
        """
        while error_tolerance is not None:
            integral = self._integrate_adaptively(
                batch, endpoints, labels, contrasts, output, error_tolerance, internal_batch_size
            )
            token_scores = integral.token_scores.view(*change.shape, -1)  # (k, n, seq_len)
            sample_deltas = token_scores.sum(dim=-1) - change  # (k, n)
            relative = (sample_deltas.abs() / change.abs()).nan_to_num(torch.inf)  # (k, n)
            converged = bool((relative <= tolerance).all())
            finest = error_tolerance <= ERROR_TOLERANCE.minimum or not all(integral.converged)
            if not auto_steps or converged or finest:
                per_path = torch.tensor(integral.evaluations).view(change.shape)  # (k, n)
                return _Outcome(
                    token_scores,
                    sample_deltas,
                    relative,
                    tuple(per_path.amax(dim=0).tolist()),
                    integral.token_errors.view(*change.shape, -1),
                )
            error_tolerance = max(error_tolerance / 10, ERROR_TOLERANCE.minimum)
        steps = n_steps
        while True:
            scores = self._integrate(
                batch,
                endpoints,
                labels,
                contrasts,
                output,
                steps,
                internal_batch_size,
                low_precision,
            )
            token_scores = scores.double().view(*change.shape, -1)  # (k, n, seq_len)
            sample_deltas = token_scores.sum(dim=-1) - change  # (k, n)
            relative = (sample_deltas.abs() / change.abs()).nan_to_num(torch.inf)  # (k, n)
            converged = bool((relative <= tolerance).all())
            if not auto_steps or converged or steps >= N_STEPS.maximum:
                return _Outcome(token_scores, sample_deltas, relative, (steps,) * change.shape[1])
            steps = min(2 * steps, N_STEPS.maximum)

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

        The target is the label of the windows' mean prediction (or the one
        asked for), the same for every window; the document's result is the
        mean of the windows' (:func:`explain.methods.windows.mean_of_windows`).

        Raises:
            InputError: a sentence pair, or a stride out of range.
        """
        options = dict(values)
        if options.pop("text_pair") is not None:
            raise InputError(
                "Windows cut one text; a sentence pair is not windowed. Explain the pair with "
                "long='truncate' (the longer text loses tokens first)."
            )
        loaded = self.loaded
        windows = encode_windows(loaded.tokenizer, text, loaded.max_length, loaded.device, stride)
        per_pass = max(1, TOKEN_BUDGET // loaded.max_length)  # windows per batched integration
        groups = [
            list(windows.windows[start : start + per_pass])
            for start in range(0, len(windows.windows), per_pass)
        ]
        pad_id = int(loaded.tokenizer.pad_token_id or 0)
        with torch.no_grad():
            logits = torch.cat(
                [
                    self._logits(batch, batch.input_ids)
                    for batch in (pad_batch(group, pad_id) for group in groups)
                ]
            )  # (windows, num_labels)
        mean_probabilities = label_probabilities(logits.float(), loaded.head).mean(dim=0)
        label = resolve_label(target, loaded.labels, int(mean_probabilities.argmax()))
        results = [
            result
            for group in groups
            for result in self.attribute_encoded(
                [text] * len(group), group, target=label, output=output, baseline=baseline,
                **options,
            )
        ]  # fmt: skip
        return mean_of_windows(windows, text, results, target)

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
        output = check_output(output, self.loaded.head)
        strategy = get_baseline(baseline)
        options = BaselineOptions(
            baseline_seed=baseline_seed,
            baseline_noise=baseline_noise,
            baseline_token=baseline_token,
            baseline_samples=baseline_samples,
        ).checked()
        chosen = INTEGRATION.check(
            integration or ("fixed" if n_steps is not None else INTEGRATION.default)
        )
        n_steps = N_STEPS.check(N_STEPS.default if n_steps is None else n_steps)
        error_tolerance = ERROR_TOLERANCE.check(error_tolerance)
        adaptive_tolerance = error_tolerance if chosen == "adaptive" else None
        TOLERANCE.check(tolerance)
        PRECISION.check(precision)
        if not isinstance(auto_steps, bool):
            raise InputError(f"auto_steps must be True or False, not {auto_steps!r}.")
        if internal_batch_size is not None and internal_batch_size < 1:
            raise InputError("internal_batch_size must be a positive integer or None.")
        if len(texts) != len(encodings) or not texts:
            raise ValueError("attribute_encoded needs one encoding per text, and some texts.")
        kind: OutputKind = output if contrast is None else CONTRAST_OUTPUT
        loaded = self.loaded
        if precision == "bfloat16" and loaded.device.type not in ("cpu", "cuda"):
            raise InputError(
                f"bfloat16 precision runs on a CPU or a CUDA GPU, not on {loaded.device.type}; "
                "choose float32."
            )
        with loaded.lock, weights_frozen(loaded.model), last_layer_pooled(loaded.model):
            batch = pad_batch(encodings, int(loaded.tokenizer.pad_token_id or 0))
            n = batch.input_ids.shape[0]
            with torch.no_grad():
                ends = self._endpoints(batch, encodings, strategy, options)
            k = ends.baseline_logits.shape[0] // n
            probabilities = label_probabilities(ends.input_logits.float(), loaded.head)
            predicted = probabilities.argmax(dim=-1).tolist()
            indices = [resolve_label(target, loaded.labels, p) for p in predicted]
            labels = torch.tensor(indices, device=batch.input_ids.device)  # (n,)
            contrasts = (
                None
                if contrast is None
                else torch.tensor(
                    [resolve_contrast(contrast, loaded.labels, i) for i in indices],
                    device=labels.device,
                )
            )  # (n,)
            f_input = target_output(ends.input_logits, labels, kind, contrasts).double()  # (n,)
            f_baselines = (
                target_output(
                    ends.baseline_logits,
                    labels.repeat(k),
                    kind,
                    None if contrasts is None else contrasts.repeat(k),
                )
                .double()
                .view(k, n)
            )
            change = f_input - f_baselines  # (k, n)
            low_precision = precision == "bfloat16"
            # bfloat16's rounding does not shrink with more steps, so it gets one try at
            # n_steps; auto steps then go on in float32.
            outcome = self._converge(
                batch, ends, labels, contrasts, kind, change, n_steps, internal_batch_size,
                auto_steps and not low_precision, tolerance, low_precision,
                None if low_precision else adaptive_tolerance,
            )  # fmt: skip
            precision_notes: list[str | None] = [None] * n
            if low_precision and not outcome.within(tolerance):
                missed = (outcome.relative > tolerance).any(dim=0).tolist()  # (n,)
                worst_low = outcome.relative.max(dim=0).values.tolist()  # (n,)
                precision_notes = [
                    _precision_note(worst_low[i] if missed[i] else None, tolerance)
                    for i in range(n)
                ]
                outcome = self._converge(
                    batch, ends, labels, contrasts, kind, change, n_steps, internal_batch_size,
                    auto_steps, tolerance, False, adaptive_tolerance,
                )  # fmt: skip
                precision = "float32"
            token_scores, sample_deltas, relative = (
                outcome.token_scores,
                outcome.sample_deltas,
                outcome.relative,
            )
            converged = (relative <= tolerance).all(dim=0).tolist()  # (n,)
            steps = outcome.steps
            mean_tensor = token_scores.mean(dim=0)  # (n, seq_len)
            # The mean of k estimates is off by at most the mean of their errors.
            mean_errors = None if outcome.token_errors is None else outcome.token_errors.mean(dim=0)
            unit_errors = (
                None
                if mean_errors is None
                else unit_scaled_error(mean_tensor, mean_errors).tolist()
            )  # (n,)
            mean_scores = mean_tensor.tolist()
        share = (time.perf_counter() - started) / n
        settings = AttributionSettings(
            checkpoint=loaded.name,
            method=self.name,
            baseline=strategy.name,
            output=kind,
            n_steps=steps[0],
            requested_label=target,
            integration=INTEGRATION_NAMES["fixed" if mean_errors is None else "adaptive"],
            internal_batch_size=internal_batch_size,
            device=str(loaded.device),
            baseline_options=strategy.recorded(options),
            contrast=contrast,
            auto_steps=auto_steps,
            tolerance=tolerance if auto_steps or low_precision else None,
            options=(
                ((PRECISION.name, precision),)
                if mean_errors is None
                else (
                    (INTEGRATION.name, "adaptive"),
                    (ERROR_TOLERANCE.name, error_tolerance),
                    (PRECISION.name, precision),
                )
            ),
        )
        results = []
        for i, (text, encoding) in enumerate(zip(texts, encodings, strict=True)):
            length = batch.lengths[i]
            scores = tuple(float(value) for value in mean_scores[i][:length])
            attribution_sum = float(sum(scores))
            f_baseline = float(f_baselines[:, i].mean())
            worst = float(relative[:, i].max())
            results.append(
                Attribution(
                    text=text,
                    tokens=encoding.tokens,
                    token_ids=tuple(encoding.input_ids[0].tolist()),
                    special_tokens=tuple(encoding.special_mask[0].tolist()),
                    offsets=encoding.offsets,
                    scores=scores,
                    normalized_scores=normalize(scores),
                    labels=loaded.labels,
                    probabilities=tuple(float(p) for p in probabilities[i].tolist()),
                    predicted_index=int(predicted[i]),
                    target_index=indices[i],
                    f_input=float(f_input[i]),
                    f_baseline=f_baseline,
                    attribution_sum=attribution_sum,
                    delta=attribution_sum - (float(f_input[i]) - f_baseline),
                    baseline_tokens=ends.baseline_tokens[i][:length],
                    settings=dataclasses.replace(settings, n_steps=steps[i]),
                    seconds=share,
                    tokens_dropped=encoding.tokens_dropped,
                    signed=self.signed,
                    max_length=loaded.max_length,
                    sample_deltas=(
                        tuple(float(d) for d in sample_deltas[:, i].tolist())
                        if strategy.kind == "samples"
                        else ()
                    ),
                    text_pair=encoding.text_pair,
                    segments=encoding.segments,
                    head=loaded.head,
                    converged=bool(converged[i]) if auto_steps else None,
                    score_errors=()
                    if mean_errors is None
                    else tuple(float(value) for value in mean_errors[i][:length].tolist()),
                    error_estimate=None if unit_errors is None else float(unit_errors[i]),
                    completeness_warning=_joined(
                        precision_notes[i],
                        _completeness_warning(worst, tolerance, steps[i])
                        if auto_steps and not converged[i]
                        else None,
                    ),
                )
            )
        return results


def _placeholder_rows(
    encodings: Sequence[Encoding], placeholder: str
) -> tuple[tuple[str, ...], ...]:
    """Per text, its special tokens with ``placeholder`` at every text position."""
    return tuple(
        tuple(
            token if special else placeholder
            for token, special in zip(
                encoding.tokens, encoding.special_mask[0].tolist(), strict=True
            )
        )
        for encoding in encodings
    )


def _completeness_warning(relative: float, tolerance: float, steps: int) -> str:
    """What to tell the user when auto steps stopped at the cap with a large delta."""
    size = _percent(relative)
    return (
        f"Even with {steps} steps, the most allowed, |delta| is {size} of "
        f"|F(input) - F(baseline)|, above the {100 * tolerance:.3g} % tolerance: the scores do "
        "not add up to the change as closely as asked. If F(input) and F(baseline) are nearly "
        "equal, any delta is large beside their difference; otherwise try another baseline."
    )


def _percent(relative: float) -> str:
    """A relative delta for a sentence: ``"2.5 %"``, or ``"unbounded"`` when infinite."""
    return "unbounded" if relative == float("inf") else f"{100 * relative:.3g} %"


def _precision_note(relative: float | None, tolerance: float) -> str:
    """Why a result asked for in bfloat16 was computed in float32.

    Args:
        relative: this text's ``|delta| / |F(input) - F(baseline)|`` in
            bfloat16; None when it was within the tolerance and another text
            of its batch was not.
        tolerance: the tolerance it was held to.
    """
    if relative is None:
        return (
            "Another text batched with this one missed the delta tolerance in bfloat16, so "
            "they were all computed again in float32."
        )
    size = _percent(relative)
    return (
        f"In bfloat16, |delta| was {size} of |F(input) - F(baseline)|, above the "
        f"{100 * tolerance:.3g} % tolerance, so these scores were computed again in float32."
    )


def _joined(*notes: str | None) -> str | None:
    """The notes that are there, one after the other; None when there are none."""
    present = [note for note in notes if note]
    return " ".join(present) if present else None
