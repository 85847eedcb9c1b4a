"""Faithfulness of an explanation: does removing the tokens it ranks highest change the output?

Comprehensiveness and sufficiency follow ERASER (DeYoung et al., 2020,
https://arxiv.org/abs/1911.03429); the deletion and insertion curves and their
area over the perturbation curve (AOPC) follow Samek et al. (2017,
https://arxiv.org/abs/1509.06321).

**Removing a token means deleting it**, as ERASER does: the sequence gets
shorter and the tokens after it move up one position. Special tokens
(``[CLS]``, ``[SEP]``) are never removed or ranked. Perturbed copies of
different lengths are right-padded with ``[PAD]`` into one batch, and the
attention mask hides the padding, so each copy scores as it would alone.

Every score uses the softmax probability of the attribution's target label,
whatever output (probability, logit, log-odds) the attribution explained.
Tokens are ranked by score, highest first: for signed methods the tokens that
pushed the target up most, for unsigned ones (saliency, attention) the ones
with the largest magnitude.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import torch

from explain.core.errors import InputError
from explain.core.results import Attribution
from explain.core.targets import label_probabilities
from explain.evaluation.agreement import (
    count_for_percent,
    importance_order,
    text_positions,
    text_scores,
)
from explain.model.checkpoints import LoadedModel

ProbabilityFn = Callable[[Sequence[Sequence[int]]], torch.Tensor]
"""Maps token id sequences (special tokens included) to the target's probabilities, ``(batch,)``."""

DEFAULT_PERCENTS: tuple[int, ...] = (10, 20, 50)
TOKEN_BUDGET = 4096  # padded tokens per forward pass, to bound memory on long inputs


@dataclass(frozen=True)
class Faithfulness:
    """How much the target's probability depends on the tokens an explanation ranks highest.

    Tokens are ranked by signed score, most positive first, ties broken by
    position. Curves have ``n + 1`` points for ``n`` text tokens: point ``i``
    is the target's probability after deleting (``deletion_curve``) or with
    only (``insertion_curve``) the ``i`` top-ranked tokens. So
    ``deletion_curve[0] == insertion_curve[n]`` is the full text's probability
    and ``deletion_curve[n] == insertion_curve[0]`` that of the text with
    every text token deleted.

    Args:
        method: the name the explanation goes by.
        text: the explained text.
        target_index: the label whose probability is measured.
        order: positions (in the attribution's tokens) of the text tokens,
            most important first.
        percents: the ``k`` values, in percent of the text tokens.
        counts: how many tokens each percentage makes (rounded up, at least 1).
        deletion_curve: probability after deleting the top ``i`` tokens, ``i = 0..n``.
        insertion_curve: probability with only the top ``i`` tokens, ``i = 0..n``.
    """

    method: str
    text: str
    target_index: int
    order: tuple[int, ...]
    percents: tuple[int, ...]
    counts: tuple[int, ...]
    deletion_curve: tuple[float, ...]
    insertion_curve: tuple[float, ...]

    def __post_init__(self) -> None:
        n = len(self.order)
        if len(self.deletion_curve) != n + 1 or len(self.insertion_curve) != n + 1:
            raise ValueError(f"Faithfulness curves need {n + 1} points for {n} text tokens.")
        if len(self.percents) != len(self.counts) or not all(1 <= c <= n for c in self.counts):
            raise ValueError("Faithfulness needs one token count in [1, n] per percentage.")

    @property
    def full_probability(self) -> float:
        """The target's probability for the whole text."""
        return self.deletion_curve[0]

    @property
    def comprehensiveness(self) -> tuple[float, ...]:
        """Per ``k``: ``p(full) - p(top-k tokens deleted)``. Higher is better."""
        return tuple(self.full_probability - self.deletion_curve[c] for c in self.counts)

    @property
    def sufficiency(self) -> tuple[float, ...]:
        """Per ``k``: ``p(full) - p(only the top-k tokens kept)``. Lower is better."""
        return tuple(self.full_probability - self.insertion_curve[c] for c in self.counts)

    @property
    def deletion_aopc(self) -> float:
        """Mean of ``p(full) - p_i`` over the deletion curve. Higher is better."""
        return _aopc(self.full_probability, self.deletion_curve)

    @property
    def insertion_aopc(self) -> float:
        """Mean of ``p(full) - p_i`` over the insertion curve. Lower is better."""
        return _aopc(self.full_probability, self.insertion_curve)

    @property
    def score(self) -> float:
        """Mean comprehensiveness minus mean sufficiency: the ranking key, higher is better."""
        count = len(self.counts)
        return sum(self.comprehensiveness) / count - sum(self.sufficiency) / count


def _aopc(full: float, curve: tuple[float, ...]) -> float:
    return sum(full - point for point in curve) / len(curve)


def _kept(token_ids: Sequence[int], positions: set[int] | frozenset[int]) -> tuple[int, ...]:
    return tuple(token_id for index, token_id in enumerate(token_ids) if index in positions)


def faithfulness(
    attribution: Attribution,
    probability_fn: ProbabilityFn,
    percents: Sequence[int] = DEFAULT_PERCENTS,
    name: str | None = None,
) -> Faithfulness:
    """Comprehensiveness, sufficiency and AOPC curves of one explanation.

    All perturbed copies (``2n`` for ``n`` text tokens, duplicates dropped)
    go to ``probability_fn`` in a single call; the comprehensiveness and
    sufficiency at ``k`` are read off the curves at ``ceil(k * n / 100)`` tokens.

    Args:
        attribution: the explanation to judge.
        probability_fn: maps a list of token id sequences to a ``(batch,)``
            tensor of the target label's probability (see :func:`model_probability`).
        percents: ``k`` values, whole percentages of the text tokens.
            Default: ``(10, 20, 50)``
        name: what to call the explanation. Default: None, the attribution's method.

    Returns:
        The :class:`Faithfulness`.

    Raises:
        ValueError: the attribution has no text tokens, a percentage is not in
            ``[1, 100]``, or ``probability_fn`` returns the wrong shape.
    """
    positions = text_positions(attribution)
    n = len(positions)
    if n == 0:
        raise ValueError("The attribution has no text tokens, so none can be removed.")
    counts = tuple(count_for_percent(percent, n) for percent in percents)
    if not counts:
        raise ValueError("Give at least one percentage of tokens, such as (10, 20, 50).")
    ranked = importance_order(text_scores(attribution))
    order = tuple(positions[index] for index in ranked)
    everything = frozenset(range(len(attribution.token_ids)))
    specials = everything - frozenset(positions)
    deletions = [_kept(attribution.token_ids, everything - set(order[:i])) for i in range(n + 1)]
    insertions = [_kept(attribution.token_ids, specials | set(order[:i])) for i in range(n + 1)]
    unique = list(dict.fromkeys(deletions + insertions))
    probabilities = probability_fn(unique)
    if probabilities.shape != (len(unique),):
        raise ValueError(
            f"probability_fn returned shape {tuple(probabilities.shape)} for {len(unique)} "
            "sequences; it must return one probability per sequence."
        )
    lookup = dict(zip(unique, probabilities.tolist(), strict=True))
    return Faithfulness(
        method=name if name is not None else attribution.settings.method,
        text=attribution.text,
        target_index=attribution.target_index,
        order=order,
        percents=tuple(percents),
        counts=counts,
        deletion_curve=tuple(float(lookup[ids]) for ids in deletions),
        insertion_curve=tuple(float(lookup[ids]) for ids in insertions),
    )


def model_probability(
    loaded: LoadedModel, target_index: int, token_budget: int = TOKEN_BUDGET
) -> ProbabilityFn:
    """A :data:`ProbabilityFn` that runs the model on right-padded batches.

    Each call holds the model's lock and runs under ``torch.inference_mode()``,
    one forward pass per chunk of rows; a chunk holds as many rows as fit in
    ``token_budget`` padded tokens, so usually all of them.

    Args:
        loaded: the model whose probabilities to read.
        target_index: the label whose softmax probability is returned.
        token_budget: most padded tokens per forward pass, to bound memory.
            Default: 4096

    Returns:
        A function from token id sequences to a ``(batch,)`` CPU float tensor.

    Raises:
        ValueError: ``target_index`` is out of range or ``token_budget < 1``.
    """
    if not 0 <= target_index < len(loaded.labels):
        raise ValueError(
            f"target_index must be from 0 to {len(loaded.labels) - 1}, not {target_index}."
        )
    if token_budget < 1:
        raise ValueError("token_budget must be a positive number of tokens.")
    pad_id = loaded.tokenizer.pad_token_id
    pad_id = 0 if pad_id is None else int(pad_id)  # masked out, so any id works
    use_token_types = "token_type_ids" in loaded.tokenizer.model_input_names

    def probability(sequences: Sequence[Sequence[int]]) -> torch.Tensor:
        if not sequences or any(len(ids) == 0 for ids in sequences):
            raise ValueError("Give at least one non-empty token id sequence.")
        longest = max(len(ids) for ids in sequences)
        ids = torch.full((len(sequences), longest), pad_id, dtype=torch.long)
        mask = torch.zeros((len(sequences), longest), dtype=torch.long)
        for row, sequence in enumerate(sequences):
            ids[row, : len(sequence)] = torch.tensor(list(sequence), dtype=torch.long)
            mask[row, : len(sequence)] = 1
        rows = max(1, token_budget // longest)
        outputs = []
        with loaded.lock, torch.inference_mode():
            for start in range(0, len(sequences), rows):
                chunk_ids = ids[start : start + rows].to(loaded.device)  # (rows, longest)
                inputs = {"attention_mask": mask[start : start + rows].to(loaded.device)}
                if use_token_types:
                    inputs["token_type_ids"] = torch.zeros_like(chunk_ids)
                logits = loaded.model(input_ids=chunk_ids, **inputs).logits  # (rows, labels)
                probabilities = label_probabilities(logits.float(), loaded.head)
                outputs.append(probabilities[:, target_index].cpu())
        return torch.cat(outputs)  # (batch,)

    return probability


def evaluate_faithfulness(
    loaded: LoadedModel,
    attribution: Attribution,
    percents: Sequence[int] = DEFAULT_PERCENTS,
    name: str | None = None,
    token_budget: int = TOKEN_BUDGET,
) -> Faithfulness:
    """:func:`faithfulness` of ``attribution`` under the model that produced it.

    Args:
        loaded: the model the attribution explains.
        attribution: the explanation to judge.
        percents: ``k`` values in percent of the text tokens. Default: ``(10, 20, 50)``
        name: what to call the explanation. Default: None, the attribution's method.
        token_budget: most padded tokens per forward pass. Default: 4096

    Returns:
        The :class:`Faithfulness`.

    Raises:
        ValueError: the attribution's labels are not the model's.
        InputError: the attribution was made in windows, so its text is longer
            than the model reads in one pass.
    """
    if attribution.windows > 1:
        raise InputError(
            "Faithfulness runs the model on the whole text at once, but this explanation was "
            f"made in {attribution.windows} windows of a text longer than the model reads. "
            "Judge a truncated explanation instead (long='truncate')."
        )
    if attribution.labels != loaded.labels:
        raise ValueError(
            "The attribution's labels differ from this model's; judge an attribution with "
            "the checkpoint that produced it."
        )
    probability = model_probability(loaded, attribution.target_index, token_budget)
    return faithfulness(attribution, probability, percents, name)


def rank_methods(results: Mapping[str, Faithfulness]) -> list[tuple[str, Faithfulness]]:
    """Order explanations of one text from most to least faithful.

    The key is :attr:`Faithfulness.score` (mean comprehensiveness minus mean
    sufficiency), higher first; ties go to the larger ``deletion_aopc -
    insertion_aopc``, then to the name.

    Args:
        results: name to :class:`Faithfulness`, all for the same text and target.

    Returns:
        ``(name, result)`` pairs, best first.

    Raises:
        ValueError: the results judge different texts or targets, or use
            different percentages.
    """
    if len({(r.text, r.target_index, r.percents) for r in results.values()}) > 1:
        raise ValueError(
            "Rank only explanations of the same text and target, judged at the same percentages."
        )
    return sorted(
        results.items(),
        key=lambda item: (
            -item[1].score,
            -(item[1].deletion_aopc - item[1].insertion_aopc),
            item[0],
        ),
    )
