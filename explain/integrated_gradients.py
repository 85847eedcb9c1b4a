"""Layer Integrated Gradients on a BERT-family model's embeddings layer.

Integrated gradients (Sundararajan et al., 2017, https://arxiv.org/abs/1703.01365)
integrates the gradient of the target output along the straight line from a
baseline to the input. Here the line runs through the *output of the
embeddings layer* (word + position + token-type embeddings, normalised), which
is what Captum's ``LayerIntegratedGradients(forward, model.bert.embeddings)``
does. Doing it by hand, with the layer's output injected by a forward hook, lets
a baseline be any embedding (such as all zeros), reuses one forward pass for
the prediction, ``F(input)`` and ``F(baseline)``, and computes the convergence
delta without Captum's two extra forward passes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

import torch
from captum.attr import IntegratedGradients

from explain.baselines import DEFAULT_BASELINE, get_baseline
from explain.checkpoints import LoadedModel
from explain.encoding import EncodedBatch, Encoding, encode, pad_batch
from explain.errors import InputError
from explain.pooled import last_layer_pooled
from explain.results import Attribution, AttributionSettings, normalize
from explain.settings import IntSetting
from explain.targets import OutputKind, check_output, resolve_label, target_output

ZERO_TOKEN = "∅"
N_STEPS = IntSetting(
    name="n_steps",
    label="Integration steps",
    default=50,
    minimum=1,
    maximum=500,
    step=10,
    help="Points on the path from baseline to input (Gauss-Legendre rule). "
    "More steps: a smaller convergence delta, proportionally slower.",
)
TOKEN_BUDGET = 4096  # interpolated tokens per forward pass, to bound memory on long inputs


@contextmanager
def _embeddings_replaced(module: torch.nn.Module, replacement: torch.Tensor) -> Iterator[None]:
    """Make ``module`` return ``replacement`` instead of its own output."""
    handle = module.register_forward_hook(lambda _module, _args, _output: replacement)
    try:
        yield
    finally:
        handle.remove()


@contextmanager
def _embeddings_captured(module: torch.nn.Module, into: list[torch.Tensor]) -> Iterator[None]:
    """Append ``module``'s output to ``into`` on every call."""
    handle = module.register_forward_hook(lambda _module, _args, output: into.append(output))
    try:
        yield
    finally:
        handle.remove()


@contextmanager
def _weights_frozen(model: torch.nn.Module) -> Iterator[None]:
    """Stop autograd tracking the weights, restoring each flag afterwards.

    Only gradients with respect to the embeddings are needed; with the weights
    untracked, autograd saves fewer activations (less memory, ~4% faster).
    Callers hold the model's lock, so no other thread sees the change.
    """
    flags = [(parameter, parameter.requires_grad) for parameter in model.parameters()]
    for parameter, _ in flags:
        parameter.requires_grad_(False)
    try:
        yield
    finally:
        for parameter, flag in flags:
            parameter.requires_grad_(flag)


class EmbeddingIntegratedGradients:
    """Attribute a classifier's output to its input tokens with Layer Integrated Gradients.

    Args:
        loaded: the model to explain. Its lock is held for the whole
            attribution, because the method installs hooks on the shared model.
    """

    name = "layer_integrated_gradients"
    settings: tuple[IntSetting, ...] = (N_STEPS,)

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded

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
        with _embeddings_replaced(self.loaded.embeddings, embeddings):
            return self.loaded.model(input_ids=input_ids, **kwargs).logits

    def attribute(
        self,
        text: str,
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str = DEFAULT_BASELINE,
        n_steps: int = N_STEPS.default,
        internal_batch_size: int | None = None,
    ) -> Attribution:
        """Explain why the model gives ``text`` its score for ``target``.

        Args:
            text: the sentence to explain. Longer inputs are truncated to the
                model's maximum length, and ``tokens_dropped`` says by how much.
            target: label index or name to explain. Default: None, the
                predicted label.
            output: ``"probability"``, ``"logit"`` or ``"log_odds"`` of the
                target. Default: ``"probability"``
            baseline: a name from :data:`explain.baselines.BASELINES`.
                Default: ``"pad"``
            n_steps: Gauss-Legendre integration steps. Default: 50
            internal_batch_size: interpolated inputs per forward pass. Default:
                None, as many as fit in a budget of 4096 tokens.

        Returns:
            The :class:`Attribution`, with completeness numbers and timings.

        Raises:
            InputError: the text is empty, or a setting is out of range.
            ValueError: the target, output or baseline is unknown.
        """
        started = time.perf_counter()
        with self.loaded.lock:
            encoding = encode(
                self.loaded.tokenizer, text, self.loaded.max_length, self.loaded.device
            )
            (result,) = self.attribute_encoded(
                [text],
                [encoding],
                target=target,
                output=output,
                baseline=baseline,
                n_steps=n_steps,
                internal_batch_size=internal_batch_size,
            )
        return replace(result, seconds=time.perf_counter() - started)

    def attribute_encoded(
        self,
        texts: Sequence[str],
        encodings: Sequence[Encoding],
        target: int | str | None = None,
        output: OutputKind = "probability",
        baseline: str = DEFAULT_BASELINE,
        n_steps: int = N_STEPS.default,
        internal_batch_size: int | None = None,
    ) -> list[Attribution]:
        """Explain several tokenised texts together, in one batched integration.

        The texts are padded to the longest; padding positions are identical in
        input and baseline, so they get exactly zero attribution and are cut
        off again. Results equal those of one text at a time up to float
        rounding. Pad texts of similar length together (see
        :func:`explain.batch.attribute_batch`) to waste little compute.

        Args:
            texts: the texts, as the user gave them.
            encodings: their encodings, from :func:`explain.encoding.encode`.
            target: as for :meth:`attribute`; None explains each text's own
                predicted label. Default: None
            output: as for :meth:`attribute`. Default: ``"probability"``
            baseline: as for :meth:`attribute`. Default: ``"pad"``
            n_steps: as for :meth:`attribute`. Default: 50
            internal_batch_size: interpolated inputs per forward pass. Default:
                None, as many as fit in a budget of 4096 tokens, and at least
                one step of every text.

        Returns:
            One :class:`Attribution` per text, in order; each one's ``seconds``
            is its share of the batch's time.

        Raises:
            InputError: a setting is out of range.
            ValueError: the target, output or baseline is unknown, or the
                texts and encodings differ in number.
        """
        started = time.perf_counter()
        output = check_output(output)
        strategy = get_baseline(baseline)
        N_STEPS.check(n_steps)
        if internal_batch_size is not None and internal_batch_size < 1:
            raise InputError("internal_batch_size must be a positive integer or None.")
        if len(texts) != len(encodings) or not texts:
            raise ValueError("attribute_encoded needs one encoding per text, and some texts.")
        loaded = self.loaded
        with loaded.lock, _weights_frozen(loaded.model), last_layer_pooled(loaded.model):
            batch = pad_batch(encodings, int(loaded.tokenizer.pad_token_id or 0))
            ids = batch.input_ids  # (n, seq_len)
            n, seq_len = ids.shape
            with torch.no_grad():
                captured: list[torch.Tensor] = []
                if strategy.kind == "token":
                    baseline_ids = strategy.token_ids(ids, batch.special_mask, loaded.tokenizer)
                    with _embeddings_captured(loaded.embeddings, captured):
                        logits = self._logits(batch, torch.cat([ids, baseline_ids]))
                    input_embedding, baseline_embedding = captured[0][:n], captured[0][n:]
                    input_logits, baseline_logits = logits[:n], logits[n:]
                    baseline_rows = [
                        tuple(loaded.tokenizer.convert_ids_to_tokens(row.tolist()))
                        for row in baseline_ids
                    ]
                else:
                    with _embeddings_captured(loaded.embeddings, captured):
                        input_logits = self._logits(batch, ids)
                    input_embedding = captured[0]  # (n, seq_len, hidden)
                    baseline_embedding = strategy.embedding(input_embedding, batch.special_mask)
                    baseline_logits = self._logits(batch, ids, baseline_embedding)
                    baseline_rows = [
                        tuple(
                            token if special else ZERO_TOKEN
                            for token, special in zip(
                                encoding.tokens, encoding.special_mask[0].tolist(), strict=True
                            )
                        )
                        for encoding in encodings
                    ]
            probabilities = torch.softmax(input_logits.float(), dim=-1)  # (n, num_labels)
            predicted = probabilities.argmax(dim=-1).tolist()
            labels = torch.tensor(
                [resolve_label(target, loaded.labels, p) for p in predicted],
                device=ids.device,
            )  # (n,)
            f_input = target_output(input_logits, labels, output).tolist()
            f_baseline = target_output(baseline_logits, labels, output).tolist()

            def forward(
                embeddings: torch.Tensor, input_ids: torch.Tensor, row_labels: torch.Tensor
            ) -> torch.Tensor:
                # embeddings: (steps * n, seq_len, hidden)
                logits = self._logits(batch, input_ids, embeddings)
                return target_output(logits, row_labels, output)  # (steps * n,)

            rows = internal_batch_size or max(n, TOKEN_BUDGET // seq_len)
            attributions = IntegratedGradients(forward).attribute(
                inputs=input_embedding,
                baselines=baseline_embedding,
                additional_forward_args=(ids, labels),
                n_steps=n_steps,
                method="gausslegendre",
                internal_batch_size=min(max(rows, n), n * n_steps),
            )  # (n, seq_len, hidden)
            token_scores = attributions.sum(dim=-1).tolist()  # (n, seq_len)
        share = (time.perf_counter() - started) / n
        results = []
        for i, (text, encoding) in enumerate(zip(texts, encodings, strict=True)):
            length = batch.lengths[i]
            scores = tuple(float(value) for value in token_scores[i][:length])
            attribution_sum = float(sum(scores))
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
                    target_index=int(labels[i]),
                    f_input=float(f_input[i]),
                    f_baseline=float(f_baseline[i]),
                    attribution_sum=attribution_sum,
                    delta=attribution_sum - (f_input[i] - f_baseline[i]),
                    baseline_tokens=baseline_rows[i][:length],
                    settings=AttributionSettings(
                        checkpoint=loaded.name,
                        method=self.name,
                        baseline=strategy.name,
                        output=output,
                        n_steps=n_steps,
                        requested_label=target,
                        internal_batch_size=internal_batch_size,
                        device=str(loaded.device),
                    ),
                    seconds=share,
                    tokens_dropped=encoding.tokens_dropped,
                    max_length=loaded.max_length,
                )
            )
        return results
