"""Token classification (NER): the predicted entities, and why a span got its label.

Entities are grouped as Hugging Face's ``token-classification`` pipeline groups
them with ``aggregation_strategy="simple"``: each token takes its most
probable label; neighbours with the same tag join one entity unless the later
one is a ``B-`` tag; entities tagged ``O`` are dropped. Every entity keeps its
tokens' positions, so a token that occurs twice keeps both of its scores.

What is explained is one entity group's output summed over a span of tokens:
the group ``PER`` gathers the labels ``B-PER`` and ``I-PER`` (its probability
is theirs added up). The span is the K-th predicted entity or any one token.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import PreTrainedTokenizerBase

from explain.core.errors import InputError
from explain.core.task_results import Entity
from explain.core.task_targets import TokenTarget
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import Encoding
from explain.tasks.encoding import encode_whole

IGNORED_GROUP = "O"


@dataclass(frozen=True)
class TokenPrediction:
    """What a token classifier predicts for a text, before anything is explained.

    Args:
        entities: the predicted entities, grouped as the pipeline's "simple" strategy.
        tokens: the model's tokens, by position.
        special: per position, whether the token is a special one ([CLS], [SEP]).
        groups: the model's entity groups (``PER`` for ``B-PER``/``I-PER``).
    """

    entities: tuple[Entity, ...]
    tokens: tuple[str, ...]
    special: tuple[bool, ...]
    groups: tuple[str, ...]


def predict_tokens(loaded: LoadedModel, text: str) -> TokenPrediction:
    """The entities a token classifier predicts for ``text``, with its tokens by position.

    Raises:
        InputError: the text is empty or longer than the model's window.
    """
    encoding, _, entities = read_tokens(loaded, text)
    return TokenPrediction(
        entities=entities,
        tokens=encoding.tokens,
        special=tuple(bool(flag) for flag in encoding.special_mask[0].tolist()),
        groups=label_groups(loaded.labels)[0],
    )


def read_tokens(
    loaded: LoadedModel, text: str
) -> tuple[Encoding, torch.Tensor, tuple[Entity, ...]]:
    """``text`` encoded whole and run through the token classifier once, under its lock.

    Returns:
        ``(encoding, logits, entities)``: logits ``(seq_len, labels)`` float32,
        entities as :func:`predicted_entities` groups them.

    Raises:
        InputError: the text is empty or longer than the model's window.
    """
    with loaded.lock:
        encoding = encode_whole(loaded, text)
        logits = token_logits(loaded, encoding)  # (seq_len, labels)
        entities = predicted_entities(logits, encoding, loaded.tokenizer, text, loaded.labels)
    return encoding, logits, entities


def tag_of(label: str) -> str:
    """A label's entity group, as the pipeline names it: ``B-PER`` -> ``PER``, ``O`` -> ``O``."""
    return label.split("-", 1)[-1]


def label_groups(labels: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]:
    """The entity groups of a token classifier's labels, and each group's label indices.

    Returns:
        ``(groups, members)``, groups in the order their first label appears.
    """
    groups: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(tag_of(label), []).append(index)
    return tuple(groups), tuple(tuple(members) for members in groups.values())


def token_logits(loaded: LoadedModel, encoding: Encoding) -> torch.Tensor:
    """``(seq_len, labels)`` float32 logits of one encoded text."""
    with torch.inference_mode():
        out = loaded.model(input_ids=encoding.input_ids, **encoding.model_inputs())
    return out.logits[0].float()


def _bio(label: str) -> tuple[str, str]:
    """The pipeline's ``get_tag``: ``("B" or "I", tag)``; a label without a prefix continues."""
    if label.startswith(("B-", "I-")):
        return label[0], label[2:]
    return "I", label


def predicted_entities(
    logits: torch.Tensor,
    encoding: Encoding,
    tokenizer: PreTrainedTokenizerBase,
    text: str,
    labels: tuple[str, ...],
) -> tuple[Entity, ...]:
    """The entities, grouped as the pipeline's ``aggregation_strategy="simple"`` does.

    Args:
        logits: ``(seq_len, labels)``.
        encoding: the text's encoding (its offsets and special-token mask).
        tokenizer: joins an entity's tokens back into text.
        text: the text.
        labels: the model's labels.

    Returns:
        The entities in text order, ``O`` left out.
    """
    scores = torch.softmax(logits.float(), dim=-1)  # (seq_len, labels)
    special = encoding.special_mask[0].tolist()
    ids = encoding.input_ids[0].tolist()
    tokens: list[dict] = []
    for index, is_special in enumerate(special):
        if is_special:
            continue
        best = int(scores[index].argmax())
        start, end = encoding.offsets[index]
        word = tokenizer.convert_ids_to_tokens(ids[index])
        if ids[index] == tokenizer.unk_token_id:
            word = text[start:end]
        tokens.append(
            {
                "label": labels[best],
                "score": float(scores[index, best]),
                "word": word,
                "start": start,
                "end": end,
                "index": index,
            }
        )
    runs: list[list[dict]] = []
    for token in tokens:
        bi, tag = _bio(token["label"])
        if runs and tag == _bio(runs[-1][-1]["label"])[1] and bi != "B":
            runs[-1].append(token)
        else:
            runs.append([token])
    entities = []
    for run in runs:
        group = tag_of(run[0]["label"])
        if group == IGNORED_GROUP:
            continue
        entities.append(
            Entity(
                word=tokenizer.convert_tokens_to_string([token["word"] for token in run]),
                label=group,
                start=run[0]["start"],
                end=run[-1]["end"],
                score=sum(token["score"] for token in run) / len(run),
                positions=tuple(token["index"] for token in run),
            )
        )
    return tuple(entities)


def resolve_span(
    target: TokenTarget,
    entities: tuple[Entity, ...],
    encoding: Encoding,
    logits: torch.Tensor,
    groups: tuple[str, ...],
    members: tuple[tuple[int, ...], ...],
) -> tuple[tuple[int, ...], int]:
    """The explained span's token positions and the explained group's index.

    With neither an entity nor a token, the first entity is explained.

    Raises:
        InputError: the entity or token is out of range or a special token,
            there is no entity to default to, or the label is not a group
            (the messages list the valid ones).
    """
    special = encoding.special_mask[0].tolist()
    if target.token is not None:
        if target.token >= len(special) or special[target.token]:
            text_tokens = [i for i, is_special in enumerate(special) if not is_special]
            raise InputError(
                f"Token {target.token} is not a text token of this input. Choose one of "
                f"{text_tokens[0]}-{text_tokens[-1]} (special tokens such as [CLS] are never "
                "tagged)."
            )
        positions: tuple[int, ...] = (target.token,)
        default = None
    else:
        if not entities:
            raise InputError(
                "The model predicts no entity in this text (every token is 'O'). Pick a token "
                "to explain instead (--token N), with a label (--target LABEL)."
            )
        index = 0 if target.entity is None else target.entity
        if index >= len(entities):
            raise InputError(
                f"There is no entity {index}: the model predicts {len(entities)} "
                f"({', '.join(f'{i}={e.word!r} {e.label}' for i, e in enumerate(entities))})."
            )
        positions = entities[index].positions
        default = entities[index].label
    if target.label is not None:
        if target.label not in groups:
            raise InputError(
                f"Unknown label {target.label!r}. This model's entity groups are: "
                f"{', '.join(groups)}."
            )
        return positions, groups.index(target.label)
    if default is not None:
        return positions, groups.index(default)
    probabilities = torch.softmax(logits[positions[0]].float(), dim=-1)
    ranked = sorted(range(len(groups)), key=lambda g: -float(probabilities[list(members[g])].sum()))
    chosen = next((g for g in ranked if groups[g] != IGNORED_GROUP), ranked[0])
    return positions, chosen


def span_probabilities(
    logits: torch.Tensor, positions: tuple[int, ...], members: tuple[tuple[int, ...], ...]
) -> tuple[float, ...]:
    """Each group's probability averaged over the span's tokens (they add up to 1)."""
    probabilities = torch.softmax(logits[list(positions)].float(), dim=-1)  # (span, labels)
    means = [float(probabilities[:, list(chosen)].sum(-1).mean()) for chosen in members]
    total = sum(means)
    return tuple(mean / total for mean in means)
