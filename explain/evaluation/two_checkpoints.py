"""One text through two checkpoints, compared at the word level.

Two checkpoints may tokenise differently (WordPiece against BPE, cased against
uncased), so their token scores cannot be lined up. Both are merged into words
(:func:`explain.text.words.merge_words`), and the words are aligned by their
character spans in the text: words whose spans overlap on either side are
joined into one slot, whose score on each side is the sum of its words'
scores. Spearman's rank correlation and the top-k overlap are then taken over
the slots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from explain.core.errors import InputError
from explain.core.results import Attribution
from explain.evaluation.agreement import (
    DEFAULT_TOP_PERCENT,
    Ranking,
    count_for_percent,
    spearman,
    top_k_overlap,
)
from explain.text.words import Aggregation, WordAttribution, merge_words


@dataclass(frozen=True)
class AlignedSlot:
    """A stretch of the text that is one or more whole words for both checkpoints.

    Args:
        text: the characters of the stretch.
        start: its first character.
        end: just past its last character.
        first_score: the summed word score under the first checkpoint.
        second_score: the summed word score under the second checkpoint.
    """

    text: str
    start: int
    end: int
    first_score: float
    second_score: float


@dataclass(frozen=True)
class CheckpointComparison:
    """Two checkpoints' explanations of one text, aligned word by word.

    Args:
        first: the first checkpoint's attribution.
        second: the second checkpoint's.
        first_words: the first's word scores.
        second_words: the second's word scores.
        slots: the aligned stretches of text, in reading order.
        spearman: rank correlation of the slot scores; NaN when undefined
            (fewer than two slots, or constant scores).
        top_k: share of the ``k`` highest-ranked slots the two have in common.
        k: the top-k size.
        ranking: ``"signed"`` or ``"absolute"``.
    """

    first: Attribution
    second: Attribution
    first_words: WordAttribution
    second_words: WordAttribution
    slots: tuple[AlignedSlot, ...]
    spearman: float
    top_k: float
    k: int
    ranking: Ranking

    @property
    def same_prediction(self) -> bool:
        return self.first.predicted_label == self.second.predicted_label

    @property
    def same_target(self) -> bool:
        return self.first.target_label == self.second.target_label


def align_by_offsets(
    first: WordAttribution, second: WordAttribution, text: str
) -> tuple[AlignedSlot, ...]:
    """Join the words of two tokenisations of ``text`` into slots by their character spans.

    Args:
        first: one checkpoint's words of ``text``.
        second: the other's.
        text: the text both were found in.

    Returns:
        The slots, in reading order; every word of either side is in exactly one.

    Raises:
        InputError: a side has no character offsets (a slow tokenizer).
    """
    spans: list[tuple[int, int, int, float]] = []  # (start, end, side, score)
    for side, words in enumerate((first, second)):
        if words.words and all(word.end == 0 for word in words.words):
            raise InputError(
                "A checkpoint's tokenizer gives no character offsets, so its words cannot be "
                "aligned with the other's. Use checkpoints with fast tokenizers."
            )
        spans += [
            (word.start, word.end, side, score)
            for word, score in zip(words.words, words.scores, strict=True)
            if word.end > word.start
        ]
    spans.sort(key=lambda span: (span[0], span[1]))
    groups: list[list[tuple[int, int, int, float]]] = []
    group_end = -1
    for span in spans:
        if groups and span[0] < group_end:
            groups[-1].append(span)
            group_end = max(group_end, span[1])
        else:
            groups.append([span])
            group_end = span[1]
    slots = []
    for group in groups:
        start, end = group[0][0], max(span[1] for span in group)
        first_score, second_score = (
            math.fsum(span[3] for span in group if span[2] == side) for side in (0, 1)
        )
        slots.append(AlignedSlot(text[start:end], start, end, first_score, second_score))
    return tuple(slots)


def compare_checkpoints(
    first: Attribution,
    second: Attribution,
    aggregation: Aggregation = "sum",
    k: int | None = None,
    ranking: Ranking = "signed",
) -> CheckpointComparison:
    """Compare two checkpoints' explanations of the same text at the word level.

    Args:
        first: one checkpoint's attribution.
        second: the other's, of the same text with the same method and output.
        aggregation: how token scores become word scores. Default: ``"sum"``
        k: the top-k size. Default: None, 20 % of the slots rounded up.
        ranking: ``"signed"`` or ``"absolute"``. Default: ``"signed"``

    Returns:
        The :class:`CheckpointComparison`.

    Raises:
        InputError: the two explain different texts, a sentence pair, or
            a tokenizer without character offsets.
    """
    if first.text != second.text or first.text_pair is not None or second.text_pair is not None:
        raise InputError("Compare two checkpoints on the same single text.")
    first_words = merge_words(first, aggregation)
    second_words = merge_words(second, aggregation)
    slots = align_by_offsets(first_words, second_words, first.text)
    a = [slot.first_score for slot in slots]
    b = [slot.second_score for slot in slots]
    if not slots:
        raise InputError("The text has no words both checkpoints read.")
    size = count_for_percent(DEFAULT_TOP_PERCENT, len(slots)) if k is None else min(k, len(slots))
    return CheckpointComparison(
        first=first,
        second=second,
        first_words=first_words,
        second_words=second_words,
        slots=slots,
        spearman=spearman(a, b, ranking),
        top_k=top_k_overlap(a, b, size, ranking),
        k=size,
        ranking=ranking,
    )
