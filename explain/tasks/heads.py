"""A task's model as the methods see it: one explained output per choice.

Every method explains ``F``, one scalar per input row, by calling the model and
reducing its logits with :func:`~explain.core.targets.target_output`. A task
other than sequence classification wraps its model in a :class:`ChoiceHead`
whose ``logits`` are already ``F`` for each of the task's choices (a token
classifier's entity groups, the candidate labels, the answer's start and end),
and explains them through an identity head (``head_override="regression"``).
So every method, baseline and the completeness check run unchanged, and the
wrapped model keeps the real one's embeddings and encoder layers for the hooks.

Output kinds over one choice's values ``z`` (its logits) among all values ``a``:
``"logit"`` is ``log sum exp z`` (the logit itself for one label),
``"probability"`` is ``sum softmax(a)[z]``, and ``"log_odds"`` is
``log sum exp z - log sum exp (a without z)``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import torch
from transformers.modeling_outputs import SequenceClassifierOutput

from explain.core.targets import OutputKind
from explain.engine.hooks import output_replaced
from explain.model.architecture import embeddings_layer, positions_follow_ids
from explain.model.checkpoints import LoadedModel


def choice_outputs(
    logits: torch.Tensor, members: Sequence[Sequence[int]], output: OutputKind
) -> torch.Tensor:
    """Each choice's output from logits over labels, a choice being a set of labels.

    Args:
        logits: ``(..., labels)``.
        members: for each choice, the label indices it gathers.
        output: ``"probability"``, ``"logit"`` or ``"log_odds"``.

    Returns:
        ``(..., choices)``.
    """
    columns = []
    for chosen in members:
        inside = logits[..., list(chosen)]  # (..., k)
        if output == "probability":
            columns.append(torch.softmax(logits, dim=-1)[..., list(chosen)].sum(-1))
            continue
        log_inside = torch.logsumexp(inside, dim=-1)
        if output == "logit":
            columns.append(log_inside)
            continue
        others = [i for i in range(logits.shape[-1]) if i not in set(chosen)]
        columns.append(log_inside - torch.logsumexp(logits[..., others], dim=-1))
    return torch.stack(columns, dim=-1)


class ChoiceHead(torch.nn.Module):
    """A task model whose ``logits`` are the explained output of each choice.

    Subclasses implement :meth:`choices`. The wrapped model's ``base_model``
    (its embeddings and encoder) is this module's too, so hooks find them.

    Args:
        inner: the task's Hugging Face model.
        labels: the choices' names, in order.
    """

    def __init__(self, inner: torch.nn.Module, labels: Sequence[str]) -> None:
        super().__init__()
        self.inner = inner
        config: Any = copy.deepcopy(getattr(inner, "config"))  # noqa: B009
        config.id2label = dict(enumerate(labels))
        config.label2id = {name: i for i, name in enumerate(labels)}
        config.problem_type = "regression"
        self.config = config

    @property
    def base_model(self) -> torch.nn.Module:
        return getattr(self.inner, "base_model", self.inner)

    def get_input_embeddings(self) -> torch.nn.Module:
        return getattr(self.inner, "get_input_embeddings")()  # noqa: B009

    def choices(self, outputs: object) -> torch.Tensor:
        """``(batch, choices)`` from the wrapped model's outputs."""
        raise NotImplementedError

    def forward(self, **inputs: torch.Tensor) -> SequenceClassifierOutput:
        return SequenceClassifierOutput(logits=self.choices(self.inner(**inputs)))


class SpanHead(ChoiceHead):
    """A token classifier's output for each entity group, summed over a span of tokens.

    Args:
        inner: a ``*ForTokenClassification`` model.
        groups: the groups' names.
        members: for each group, the model labels it gathers (``B-PER`` and ``I-PER``).
        positions: the span's token positions.
        output: the output kind summed over the span.
    """

    def __init__(
        self,
        inner: torch.nn.Module,
        groups: Sequence[str],
        members: Sequence[Sequence[int]],
        positions: Sequence[int],
        output: OutputKind,
    ) -> None:
        super().__init__(inner, groups)
        self.members = tuple(tuple(chosen) for chosen in members)
        self.positions = list(positions)
        self.output = output

    def choices(self, outputs: object) -> torch.Tensor:
        logits = outputs.logits[:, self.positions].float()  # type: ignore[attr-defined]
        # logits: (batch, span, labels)
        return choice_outputs(logits, self.members, self.output).sum(dim=1)  # (batch, groups)


class AnswerHead(ChoiceHead):
    """A QA model's start logit at the answer's first token and end logit at its last.

    ``"probability"`` is a softmax over the positions an answer may take (the
    context and the first token, as the v4 pipeline normalises).

    Args:
        inner: a ``*ForQuestionAnswering`` model.
        start: the answer's first token.
        end: its last token.
        allowed: ``(seq_len,)`` True where an answer may start or end.
        output: the output kind.
    """

    allowed: torch.Tensor

    def __init__(
        self,
        inner: torch.nn.Module,
        start: int,
        end: int,
        allowed: torch.Tensor,
        output: OutputKind,
    ) -> None:
        super().__init__(inner, ("start", "end"))
        self.start = start
        self.end = end
        self.register_buffer("allowed", allowed, persistent=False)
        self.output = output

    def _one(self, logits: torch.Tensor, position: int) -> torch.Tensor:
        logits = logits.float().masked_fill(~self.allowed, -torch.inf)  # (batch, seq_len)
        if self.output == "logit":
            return logits[:, position]
        if self.output == "probability":
            return torch.softmax(logits, dim=-1)[:, position]
        others = logits.clone()
        others[:, position] = -torch.inf
        return logits[:, position] - torch.logsumexp(others, dim=-1)

    def choices(self, outputs: object) -> torch.Tensor:
        start = self._one(outputs.start_logits, self.start)  # type: ignore[attr-defined]
        end = self._one(outputs.end_logits, self.end)  # type: ignore[attr-defined]
        return torch.stack((start, end), dim=-1)  # (batch, 2)


class PremiseEmbeddings(torch.nn.Module):
    """The model's embeddings layer on the premise alone: the layer zero-shot attributes to.

    A token's embedding (word, position and token type, normalised) does not
    depend on the tokens after it, so the premise's rows are the same whether
    it is embedded alone or with a hypothesis after it. A RoBERTa-style model
    counts positions from the attention mask here, as the whole model does
    (:func:`explain.model.architecture.positions_from_attention_mask`), so a
    ``<pad>`` baseline keeps the input's positions.

    Args:
        embeddings: the NLI model's embeddings layer.
        mask_positions: count positions from the attention mask.
    """

    def __init__(self, embeddings: torch.nn.Module, mask_positions: bool) -> None:
        super().__init__()
        self.inner = embeddings
        self.mask_positions = mask_positions

    def forward(
        self,
        input_ids: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        extra: dict[str, torch.Tensor] = {}
        if token_type_ids is not None:
            extra["token_type_ids"] = token_type_ids
        if self.mask_positions:
            attended = (
                torch.ones_like(input_ids) if attention_mask is None else attention_mask.ne(0)
            ).long()  # (batch, premise_len)
            padding_idx: int = getattr(self.inner, "padding_idx")  # noqa: B009
            extra["position_ids"] = torch.cumsum(attended, dim=1) * attended + padding_idx
        return self.inner(input_ids=input_ids, **extra)  # (batch, premise_len, hidden)


class _PremiseBase(torch.nn.Module):
    """What the hooks look up on a zero-shot view: its ``embeddings``."""

    def __init__(self, embeddings: PremiseEmbeddings) -> None:
        super().__init__()
        self.embeddings = embeddings


class HypothesesHead(ChoiceHead):
    """An NLI model run on the premise with each candidate's hypothesis: one output per candidate.

    The premise's tokens (``[CLS] premise [SEP]``) are the input. Each forward
    embeds them, appends every hypothesis's embedded tokens (computed once,
    at their positions after the premise) and runs all the pairs at once,
    padded, through the encoder. Single-label mode explains the softmax of
    the entailment logits across candidates; multi-label mode, each
    candidate's entailment against its contradiction.

    After :meth:`read_hypothesis_of`, the input is one candidate's whole pair
    (``[CLS] premise [SEP] hypothesis [SEP]``): its hypothesis's tokens are
    embedded from the input too, so they are attributed with the premise's,
    while the other candidates' hypotheses stay as they are.

    Args:
        inner: the NLI ``*ForSequenceClassification`` model.
        candidates: the candidate labels.
        pair_ids: ``(candidates, pair_len)`` each pair's tokens, padded.
        pair_mask: ``(candidates, pair_len)`` 1 on real tokens.
        pair_types: ``(candidates, pair_len)`` token types, or None when the
            tokenizer gives none.
        premise_len: the premise's tokens at the start of every pair.
        entailment: the entailment label's index.
        contradiction: the contradiction label's index (multi-label mode).
        multi_label: score each candidate on its own (entailment against contradiction).
        output: the output kind.
    """

    hypothesis_vectors: torch.Tensor
    pair_ids: torch.Tensor
    pair_mask: torch.Tensor
    pair_types: torch.Tensor | None

    def __init__(
        self,
        inner: torch.nn.Module,
        candidates: Sequence[str],
        pair_ids: torch.Tensor,
        pair_mask: torch.Tensor,
        pair_types: torch.Tensor | None,
        premise_len: int,
        entailment: int,
        contradiction: int,
        multi_label: bool,
        output: OutputKind,
    ) -> None:
        super().__init__(inner, candidates)
        layer = embeddings_layer(inner)
        self.premise = PremiseEmbeddings(layer, positions_follow_ids(inner))
        self._base = _PremiseBase(self.premise)
        types = {} if pair_types is None else {"token_type_ids": pair_types}
        with torch.no_grad():  # constant: the hypotheses are not attributed
            vectors = layer(input_ids=pair_ids, **types)[:, premise_len:]
        self.register_buffer("hypothesis_vectors", vectors, persistent=False)
        self.register_buffer("pair_ids", pair_ids, persistent=False)
        self.register_buffer("pair_mask", pair_mask, persistent=False)
        self.register_buffer("pair_types", pair_types, persistent=False)
        self.premise_len = premise_len
        self.entailment = entailment
        self.contradiction = contradiction
        self.multi_label = multi_label
        self.output = output
        self.explained: int | None = None  # the candidate whose hypothesis the input holds
        self.explained_len = 0  # its hypothesis's tokens

    def read_hypothesis_of(self, candidate: int) -> None:
        """From now on, the input is ``candidate``'s whole pair, its hypothesis attributed too.

        Args:
            candidate: the candidate's index.
        """
        self.explained = candidate
        self.explained_len = int(self.pair_mask[candidate, self.premise_len :].sum())

    @property
    def base_model(self) -> torch.nn.Module:
        return self._base

    def pair_logits(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The NLI logits of every (premise, hypothesis) pair.

        Args:
            input_ids: ``(batch, premise_len)``, or ``(batch, pair_len)`` of the
                explained candidate's pair.
            attention_mask: as ``input_ids``. Default: all ones
            token_type_ids: as ``input_ids``. Default: None

        Returns:
            ``(batch, candidates, labels)``.
        """
        embedded = self.premise(input_ids, token_type_ids, attention_mask)
        # embedded: (batch, input_len, hidden)
        batch, input_len, width = embedded.shape
        length = self.premise_len
        count, hyp_len, _ = self.hypothesis_vectors.shape
        if attention_mask is None:
            attention_mask = torch.ones(batch, input_len, dtype=torch.long, device=embedded.device)
        if input_len != length + self.explained_len:
            raise ValueError(
                f"The zero-shot view reads {length + self.explained_len} tokens (the premise"
                f"{' and its hypothesis' if self.explained_len else ''}), not {input_len}."
            )
        vectors = embedded[:, :length]  # (batch, premise_len, hidden)
        hypotheses = self.hypothesis_vectors.to(embedded.dtype).unsqueeze(0)
        hypotheses = hypotheses.expand(batch, count, hyp_len, width)
        hyp_mask = self.pair_mask[:, length:].unsqueeze(0).expand(batch, count, hyp_len)
        if self.explained is not None:  # that candidate's hypothesis comes from the input
            hypotheses, hyp_mask = self._with_input_hypothesis(
                hypotheses, hyp_mask, embedded[:, length:], attention_mask[:, length:]
            )
        pairs = torch.cat(
            (vectors.unsqueeze(1).expand(batch, count, length, width), hypotheses), dim=2
        ).reshape(batch * count, length + hyp_len, width)
        mask = torch.cat(
            (
                attention_mask[:, :length].unsqueeze(1).expand(batch, count, length),
                hyp_mask.to(attention_mask.dtype),
            ),
            dim=2,
        ).reshape(batch * count, length + hyp_len)
        extra: dict[str, torch.Tensor] = {}
        if self.pair_types is not None:
            extra["token_type_ids"] = self.pair_types.repeat(batch, 1)
        table: Any = getattr(self.inner, "get_input_embeddings")()  # noqa: B009
        # The embeddings layer's output is replaced, so it need not look its table up.
        placeholder = torch.zeros(
            batch * count, length + hyp_len, table.embedding_dim, device=vectors.device
        )
        with output_replaced(self.premise.inner, pairs):
            logits = self.inner(inputs_embeds=placeholder, attention_mask=mask, **extra).logits
        return logits.float().view(batch, count, -1)

    def _with_input_hypothesis(
        self,
        hypotheses: torch.Tensor,
        hyp_mask: torch.Tensor,
        own: torch.Tensor,
        own_mask: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The hypotheses with the explained candidate's taken from the input.

        Args:
            hypotheses: ``(batch, candidates, hyp_len, hidden)`` the constant ones.
            hyp_mask: ``(batch, candidates, hyp_len)``.
            own: ``(batch, own_len, hidden)`` the input's hypothesis tokens, embedded.
            own_mask: ``(batch, own_len)``.

        Returns:
            ``(hypotheses, hyp_mask)`` of the same shapes.
        """
        chosen = self.explained
        assert chosen is not None
        own_len = own.shape[1]  # == self.explained_len, checked by pair_logits
        row = torch.cat((own, hypotheses[:, chosen, own_len:]), dim=1)  # (batch, hyp_len, hidden)
        row_mask = torch.cat((own_mask.to(hyp_mask.dtype), hyp_mask[:, chosen, own_len:]), dim=1)
        stacked = torch.cat(
            (hypotheses[:, :chosen], row.unsqueeze(1), hypotheses[:, chosen + 1 :]), dim=1
        )
        masks = torch.cat(
            (hyp_mask[:, :chosen], row_mask.unsqueeze(1), hyp_mask[:, chosen + 1 :]), dim=1
        )
        return stacked, masks

    def forward(self, **inputs: torch.Tensor) -> SequenceClassifierOutput:
        if inputs.get("inputs_embeds") is not None:
            raise ValueError("A zero-shot view takes the premise's ids, not embeddings.")
        logits = self.pair_logits(
            inputs["input_ids"], inputs.get("attention_mask"), inputs.get("token_type_ids")
        )  # (batch, candidates, labels)
        return SequenceClassifierOutput(logits=self.candidate_outputs(logits))

    def candidate_outputs(self, logits: torch.Tensor) -> torch.Tensor:
        """``(batch, candidates)`` explained outputs from the pairs' NLI logits."""
        entail = logits[..., self.entailment]  # (batch, candidates)
        if not self.multi_label:
            every = [[i] for i in range(entail.shape[-1])]
            return choice_outputs(entail, every, self.output)
        odds = entail - logits[..., self.contradiction]  # log(p_entail / p_contradiction)
        return torch.sigmoid(odds) if self.output == "probability" else odds


def view_of(loaded: LoadedModel, head: ChoiceHead) -> LoadedModel:
    """``loaded`` as the methods see it with ``head``: same lock, tokenizer and device."""
    return replace(loaded, model=head, head_override="regression")  # type: ignore[arg-type]
