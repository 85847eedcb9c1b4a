"""Zero-shot classification through an NLI model, as Hugging Face's pipeline does it.

Each candidate label fills the hypothesis template, and the model reads the
text (the premise) with each hypothesis. In single-label mode a candidate's
probability is the softmax of the entailment logits across candidates; in
multi-label mode it is entailment against contradiction for that candidate
alone. The explanation attributes a candidate's output to the premise's
tokens, and to that candidate's hypothesis's tokens when asked; the other
hypotheses stay as they are.
"""

from __future__ import annotations

import torch

from explain.core.errors import CheckpointError, InputError
from explain.core.targets import OutputKind
from explain.core.task_targets import ZeroShotTarget
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import Encoding
from explain.model.tasks import entailment_index
from explain.tasks.heads import HypothesesHead


def nli_labels(loaded: LoadedModel) -> tuple[int, int]:
    """The entailment label's index, and the contradiction's, as the pipeline picks them.

    The pipeline finds entailment by name (``entail*``) and takes the
    contradiction by position: the last label when entailment is the first,
    else the first (so ``not_entailment`` serves a two-label model).

    Args:
        loaded: the NLI checkpoint.

    Returns:
        ``(entailment, contradiction)`` label indices.

    Raises:
        CheckpointError: the model has no entailment label.
    """
    names = loaded.labels
    entail = entailment_index(names)
    if entail is None:
        raise CheckpointError(
            f"{loaded.name} has no entailment label (its labels: {', '.join(names)}): zero-shot "
            "classification needs an NLI model."
        )
    return entail, (len(names) - 1 if entail == 0 else 0)


def hypotheses_head(
    loaded: LoadedModel,
    text: str,
    encoding: Encoding,
    target: ZeroShotTarget,
    output: OutputKind,
    explained: int | None = None,
) -> HypothesesHead:
    """The NLI model as one output per candidate, for the premise ``text`` and its ``encoding``.

    Each pair is encoded as the tokenizer encodes ``(premise, hypothesis)``;
    the part after the premise's own encoding is the hypothesis's. With
    ``explained``, the head reads that candidate's whole pair as its input
    (see :class:`~explain.tasks.heads.HypothesesHead`).

    Raises:
        CheckpointError: the tokenizer does not begin a pair with the premise's
            own encoding, so the premise's tokens cannot be shared.
        InputError: a pair is longer than the model's window.
    """
    tokenizer = loaded.tokenizer
    premise_ids = encoding.input_ids[0].tolist()
    premise = tokenizer.decode(premise_ids)  # only for messages
    rows: list[tuple[list[int], list[int] | None]] = []
    for candidate, label in enumerate(target.candidate_labels):
        pair = tokenizer(text, hypothesis_of(target, candidate), truncation=False)
        ids = list(pair["input_ids"])
        if ids[: len(premise_ids)] != premise_ids:
            raise CheckpointError(
                f"{loaded.name}'s tokenizer does not start a sentence pair with the first text's "
                f"own tokens ({premise[:60]!r}), so the premise cannot be shared across the "
                "candidates."
            )
        if len(ids) > loaded.max_length:
            raise InputError(
                f"The text with the hypothesis for {label!r} takes {len(ids)} tokens, more than "
                f"the model's {loaded.max_length}. Shorten the text."
            )
        types = pair.get("token_type_ids")
        rows.append((ids[len(premise_ids) :], None if types is None else types[len(premise_ids) :]))
    width = max(len(ids) for ids, _ in rows)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    device = encoding.input_ids.device
    pair_ids = torch.tensor(
        [premise_ids + ids + [pad] * (width - len(ids)) for ids, _ in rows], device=device
    )
    pair_mask = torch.tensor(
        [[1] * (len(premise_ids) + len(ids)) + [0] * (width - len(ids)) for ids, _ in rows],
        device=device,
    )
    pair_types = None
    if encoding.token_type_ids is not None and all(types is not None for _, types in rows):
        premise_types = encoding.token_type_ids[0].tolist()
        pair_types = torch.tensor(
            [premise_types + list(types) + [0] * (width - len(types)) for _, types in rows],  # type: ignore[arg-type]
            device=device,
        )
    entail, contra = nli_labels(loaded)
    head = HypothesesHead(
        loaded.model,
        target.candidate_labels,
        pair_ids,
        pair_mask,
        pair_types,
        len(premise_ids),
        entail,
        contra,
        scored_alone(target),
        output,
    )
    if explained is not None:
        head.read_hypothesis_of(explained)
    return head


def hypothesis_of(target: ZeroShotTarget, candidate: int) -> str:
    """The hypothesis a candidate fills in: the template with the candidate at its ``{}``."""
    return target.hypothesis_template.format(target.candidate_labels[candidate])


def scored_alone(target: ZeroShotTarget) -> bool:
    """Whether each candidate is scored on its own: in multi-label mode, or when it is the only one.

    The pipeline scores a lone candidate as multi-label mode does (entailment
    against contradiction), since a softmax over one candidate is always 1.
    """
    return target.multi_label or len(target.candidate_labels) == 1


def candidate_probabilities(head: HypothesesHead, encoding: Encoding) -> tuple[float, ...]:
    """Each candidate's probability, as the pipeline computes it."""
    with torch.inference_mode():
        logits = head.pair_logits(
            encoding.input_ids, encoding.attention_mask, encoding.token_type_ids
        )
        entail = logits[0, :, head.entailment]  # (candidates,)
        if head.multi_label:
            pair = logits[0][:, [head.contradiction, head.entailment]]
            probabilities = torch.softmax(pair, dim=-1)[:, 1]
        else:
            probabilities = torch.softmax(entail, dim=-1)
    return tuple(float(p) for p in probabilities.tolist())
