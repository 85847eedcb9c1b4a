"""What every attribution method starts from: one forward pass, and the result it builds.

A method tokenises the text once and runs it through the model once
(:func:`prepare`), together with its baseline where it has one; that pass gives
the prediction, the probabilities, ``F(input)``, ``F(baseline)`` and the
output of the layer being attributed to. The method then asks
:meth:`Prepared.target` for the target output with that layer's output
replaced, which is how every method here perturbs or differentiates the
input, and :func:`build_attribution` turns its per-token scores into the
:class:`~explain.core.results.Attribution` every method returns.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from explain.core.results import Attribution, AttributionSettings, normalize
from explain.core.settings import SettingValue
from explain.core.targets import (
    OutputKind,
    check_output,
    label_probabilities,
    resolve_label,
    target_output,
)
from explain.engine.hooks import batch_inputs, output_captured, output_replaced
from explain.methods.baselines import Baseline, get_baseline
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import Encoding, encode


@dataclass(frozen=True, eq=False)
class Prepared:
    """A text tokenised and run through the model once, with what every method needs.

    Args:
        loaded: the model.
        encoding: the tokenised text.
        layer: the module whose output the method attributes to.
        input_embedding: ``(1, seq_len, hidden)`` output of ``layer`` for the text.
        probabilities: every label's probability.
        predicted: the predicted label's index.
        label: the target label's index.
        output: the function of the logits being explained.
        f_input: the target output for the text.
        baseline: the baseline strategy; None for a method without one.
        baseline_embedding: ``(1, seq_len, hidden)`` output of ``layer`` for
            the baseline; None without a baseline.
        baseline_tokens: what stands at each position in the baseline (empty
            without a baseline).
        f_baseline: the target output for the baseline; None without one.
    """

    loaded: LoadedModel
    encoding: Encoding
    layer: torch.nn.Module
    input_embedding: torch.Tensor
    probabilities: tuple[float, ...]
    predicted: int
    label: int
    output: OutputKind
    f_input: float
    baseline: Baseline | None
    baseline_embedding: torch.Tensor | None
    baseline_tokens: tuple[str, ...]
    f_baseline: float | None

    @property
    def seq_len(self) -> int:
        return int(self.encoding.input_ids.shape[1])

    @property
    def text_positions(self) -> torch.Tensor:
        """``(n_text,)`` positions of the tokens that are not special tokens."""
        return (~self.encoding.special_mask[0]).nonzero().squeeze(-1)

    def logits(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Logits with ``layer``'s output replaced by ``embeddings``.

        Args:
            embeddings: ``(batch, seq_len, hidden)``.

        Returns:
            ``(batch, num_labels)``.
        """
        batch = embeddings.shape[0]
        ids = self.encoding.input_ids.expand(batch, -1)
        with output_replaced(self.layer, embeddings):
            return self.loaded.model(input_ids=ids, **batch_inputs(self.encoding, batch)).logits

    def target(self, embeddings: torch.Tensor) -> torch.Tensor:
        """The target output with ``layer``'s output replaced by ``embeddings``.

        Args:
            embeddings: ``(batch, seq_len, hidden)``.

        Returns:
            ``(batch,)``.
        """
        return target_output(self.logits(embeddings), self.label, self.output)

    def text_target(self, text_embeddings: torch.Tensor) -> torch.Tensor:
        """:meth:`target` with only the text tokens' vectors given; special tokens stay.

        Args:
            text_embeddings: ``(batch, n_text, hidden)``, at :attr:`text_positions`.

        Returns:
            ``(batch,)``.
        """
        batch = text_embeddings.shape[0]
        embeddings = self.input_embedding.expand(batch, -1, -1).clone()
        embeddings[:, self.text_positions] = text_embeddings  # (batch, seq_len, hidden)
        return self.target(embeddings)

    def text_scores(self, text_scores: torch.Tensor) -> torch.Tensor:
        """Per-token scores from scores of the text tokens alone, zero at special tokens.

        Args:
            text_scores: ``(n_text,)``, at :attr:`text_positions`.

        Returns:
            ``(seq_len,)`` float64 on the CPU.
        """
        scores = torch.zeros(self.seq_len, dtype=torch.float64)
        scores[self.text_positions.cpu()] = text_scores.detach().double().cpu()
        return scores


def word_embeddings(loaded: LoadedModel) -> torch.nn.Module:
    """The word-embedding table of the embeddings layer (no position or token types).

    Raises:
        CheckpointError: the model has no word-embedding table in its embeddings layer.
    """
    return loaded.word_embeddings


def prepare(
    loaded: LoadedModel,
    text: str,
    target: int | str | None,
    output: str,
    baseline: str | None,
    layer: torch.nn.Module | None = None,
) -> Prepared:
    """Tokenise ``text`` and run it, with its baseline, through the model in one pass.

    The caller holds ``loaded.lock``. A token baseline goes in the same batch
    as the text; the ``"zero"`` baseline (zero vectors out of ``layer`` at text
    positions) needs a second pass with the layer's output replaced.

    Args:
        loaded: the model.
        text: the text to explain.
        target: label index or name; None for the predicted label.
        output: ``"probability"``, ``"logit"`` or ``"log_odds"``.
        baseline: a name from :data:`explain.methods.baselines.BASELINES`, or None for
            a method without a baseline.
        layer: the module whose output is attributed to. Default: None, the
            embeddings layer.

    Returns:
        The :class:`Prepared` text.

    Raises:
        InputError: the text is empty.
        ValueError: the target, output or baseline is unknown.
    """
    kind = check_output(output, loaded.head)
    strategy = None if baseline is None else get_baseline(baseline)
    module = loaded.embeddings if layer is None else layer
    encoding = encode(loaded.tokenizer, text, loaded.max_length, loaded.device)
    ids = encoding.input_ids  # (1, seq_len)
    batch = ids
    if strategy is not None and strategy.kind == "token":
        baseline_ids = strategy.token_ids(ids, encoding.special_mask, loaded.tokenizer)
        batch = torch.cat([ids, baseline_ids])
    captured: list[torch.Tensor] = []
    with torch.no_grad():
        with output_captured(module, captured):
            logits = loaded.model(
                input_ids=batch, **batch_inputs(encoding, batch.shape[0])
            ).logits  # (1 or 2, num_labels)
        input_embedding = captured[0][:1]  # (1, seq_len, hidden)
        baseline_embedding: torch.Tensor | None = None
        baseline_tokens: tuple[str, ...] = ()
        baseline_logits: torch.Tensor | None = None
        if strategy is not None and strategy.kind == "token":
            baseline_embedding, baseline_logits = captured[0][1:], logits[1:]
            baseline_tokens = tuple(loaded.tokenizer.convert_ids_to_tokens(batch[1].tolist()))
        elif strategy is not None:
            baseline_embedding = strategy.embedding(input_embedding, encoding.special_mask)
            with output_replaced(module, baseline_embedding):
                baseline_logits = loaded.model(input_ids=ids, **encoding.model_inputs()).logits
            special = encoding.special_mask[0].tolist()
            baseline_tokens = tuple(
                token if is_special else strategy.placeholder
                for token, is_special in zip(encoding.tokens, special, strict=True)
            )
    input_logits = logits[:1]
    probabilities = label_probabilities(input_logits.float(), loaded.head)[0]
    predicted = int(probabilities.argmax())
    label = resolve_label(target, loaded.labels, predicted)
    return Prepared(
        loaded=loaded,
        encoding=encoding,
        layer=module,
        input_embedding=input_embedding,
        probabilities=tuple(float(p) for p in probabilities.tolist()),
        predicted=predicted,
        label=label,
        output=kind,
        f_input=float(target_output(input_logits, label, kind)[0]),
        baseline=strategy,
        baseline_embedding=baseline_embedding,
        baseline_tokens=baseline_tokens,
        f_baseline=(
            None
            if baseline_logits is None
            else float(target_output(baseline_logits, label, kind)[0])
        ),
    )


def build_attribution(
    prepared: Prepared,
    text: str,
    scores: torch.Tensor | Sequence[float],
    method: str,
    requested_label: int | str | None,
    started: float,
    signed: bool = True,
    has_delta: bool = False,
    n_steps: int | None = None,
    integration: str | None = None,
    options: tuple[tuple[str, SettingValue], ...] = (),
) -> Attribution:
    """The :class:`Attribution` of one text from its per-token scores.

    Args:
        prepared: from :func:`prepare`.
        text: the text as given.
        scores: ``(seq_len,)`` one score per token.
        method: the method's registry name.
        requested_label: the target as the caller gave it.
        started: ``time.perf_counter()`` when the method began.
        signed: whether the scores carry a direction. Default: True
        has_delta: whether the scores should add up to ``F(input) - F(baseline)``,
            so that a delta is defined. Default: False
        n_steps: integration steps, for integrating methods. Default: None
        integration: the integration rule, for integrating methods. Default: None
        options: the method's other settings, as ``(name, value)`` pairs. Default: ``()``

    Returns:
        The result.
    """
    values = scores.detach().double().cpu().tolist() if isinstance(scores, torch.Tensor) else scores
    token_scores = tuple(float(value) for value in values)
    attribution_sum = float(sum(token_scores))
    f_baseline = prepared.f_baseline
    delta = (
        attribution_sum - (prepared.f_input - f_baseline)
        if has_delta and f_baseline is not None
        else None
    )
    encoding = prepared.encoding
    loaded = prepared.loaded
    return Attribution(
        text=text,
        tokens=encoding.tokens,
        token_ids=tuple(encoding.input_ids[0].tolist()),
        special_tokens=tuple(encoding.special_mask[0].tolist()),
        offsets=encoding.offsets,
        scores=token_scores,
        normalized_scores=normalize(token_scores),
        labels=loaded.labels,
        probabilities=prepared.probabilities,
        predicted_index=prepared.predicted,
        target_index=prepared.label,
        f_input=prepared.f_input,
        f_baseline=f_baseline,
        attribution_sum=attribution_sum,
        delta=delta,
        baseline_tokens=prepared.baseline_tokens,
        settings=AttributionSettings(
            checkpoint=loaded.name,
            method=method,
            baseline=None if prepared.baseline is None else prepared.baseline.name,
            output=prepared.output,
            n_steps=n_steps,
            requested_label=requested_label,
            integration=integration,
            device=str(loaded.device),
            options=options,
        ),
        seconds=time.perf_counter() - started,
        tokens_dropped=encoding.tokens_dropped,
        max_length=loaded.max_length,
        signed=signed,
        head=loaded.head,
    )
