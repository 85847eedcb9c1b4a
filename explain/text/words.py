"""Merge tokens into the user's own words, and aggregate their scores.

A token view shows ``self``, ``-``, ``driving``; a reader thinks in words. This
module groups tokens into words with the tokenizer's character offsets and
aggregates their scores (sum, mean, max or L2).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Literal, get_args

from explain.core.errors import InputError
from explain.core.results import Attribution, normalize
from explain.core.targets import OutputKind

Aggregation = Literal["sum", "mean", "max", "l2"]
AGGREGATIONS: tuple[Aggregation, ...] = get_args(Aggregation)
AGGREGATION_DESCRIPTIONS: dict[Aggregation, str] = {
    "sum": "Sum of the word's token scores; word scores add up like token scores.",
    "mean": "Mean of the word's token scores; long words are not favoured.",
    "max": "The token score of largest magnitude, with its sign.",
    "l2": "Square root of the sum of squared token scores: how much, not which way.",
}


@dataclass(frozen=True)
class Word:
    """A run of tokens that the reader sees as one word.

    Args:
        text: the user's original characters, casing and spacing kept. Without
            character offsets it is the tokenizer's spelling instead (see
            :func:`group_words`).
        start: character offset in the original text where the word begins.
        end: character offset just past the word's last character.
        token_indices: positions of the word's tokens in the token sequence.
    """

    text: str
    start: int
    end: int
    token_indices: tuple[int, ...]


def _is_punctuation(characters: str) -> bool:
    """Whether ``characters`` is non-empty and every character is Unicode punctuation (P*)."""
    return bool(characters) and all(
        unicodedata.category(character).startswith("P") for character in characters
    )


def _trimmed_spans(
    offsets: tuple[tuple[int, int], ...], special: tuple[bool, ...], text: str
) -> tuple[tuple[tuple[int, int], ...], tuple[bool, ...]]:
    """Each token's span without surrounding whitespace, and which tokens only mark a word start.

    SentencePiece tokenizers (ALBERT, XLM-RoBERTa, DeBERTa) fold the space
    before a word into its first piece (``▁ride`` spans `` ride``) and emit a
    lone ``▁`` before digits and punctuation, spanning just the space; a
    byte-level BPE tokenizer may emit a lone ``Ġ`` with an empty span after
    the space. Trimmed, a piece spans only its characters, and a token left
    with an empty span right after whitespace (or at the start of the text)
    marks the start of the next word.
    """
    spans: list[tuple[int, int]] = []
    marks: list[bool] = []
    for (start, end), is_special in zip(offsets, special, strict=True):
        if is_special or (start >= end and not (start == 0 or text[start - 1 : start].isspace())):
            spans.append((start, end))
            marks.append(False)
            continue
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        spans.append((start, end))
        marks.append(start == end)
    return tuple(spans), tuple(marks)


def _touching_runs(
    offsets: tuple[tuple[int, int], ...],
    special: tuple[bool, ...],
    marks: tuple[bool, ...] | None = None,
) -> list[list[tuple[int, int, int]]]:
    """Runs of ``(index, start, end)`` for non-special tokens whose spans touch or overlap.

    A token touches the run when it starts where the run ends, or inside the run's
    last token (one character the tokenizer expanded into several tokens); offsets
    that go back start a new run. A special token ends a run; a word-start mark
    (see :func:`_trimmed_spans`) starts one and joins the tokens after it; any
    other token with an empty span joins the run it is in.
    """
    marks = marks or (False,) * len(offsets)
    runs: list[list[tuple[int, int, int]]] = []
    run: list[tuple[int, int, int]] = []
    bound: tuple[int, int] | None = None  # (last token's start, run's end)
    for index, ((start, end), is_special, is_mark) in enumerate(
        zip(offsets, special, marks, strict=True)
    ):
        apart = bound is not None and start < end and not bound[0] <= start <= bound[1]
        if run and (is_special or apart or (is_mark and bound is not None)):
            runs.append(run)
            run, bound = [], None
        if is_special:
            continue
        run.append((index, start, end))
        if start < end:
            bound = (start, end if bound is None else max(bound[1], end))
    if run:
        runs.append(run)
    return runs


def _attach_spanless(groups: list[list[tuple[int, int, int]]]) -> list[list[tuple[int, int, int]]]:
    """Fold a group with no characters (a lone word-start mark at the end) into its neighbour."""
    attached: list[list[tuple[int, int, int]]] = []
    pending: list[tuple[int, int, int]] = []
    for group in groups:
        if not any(start < end for _, start, end in group):
            if attached:
                attached[-1] = attached[-1] + group
            else:
                pending += group
            continue
        attached.append(pending + group)
        pending = []
    if pending:
        attached.append(pending)
    return attached


def _split_edge_punctuation(
    run: list[tuple[int, int, int]], text: str
) -> list[list[tuple[int, int, int]]]:
    """Split a run of touching tokens into leading punctuation, word, trailing punctuation.

    Punctuation inside the word (``don't``, ``self-driving``) stays in it; a run
    of punctuation alone (``...``) stays whole.
    """
    inner = [
        i
        for i, (_, start, end) in enumerate(run)
        if start < end and not _is_punctuation(text[start:end])
    ]
    if not inner:
        return [run]
    parts = [run[: inner[0]], run[inner[0] : inner[-1] + 1], run[inner[-1] + 1 :]]
    if not any(start < end for _, start, end in parts[0]):  # only a word-start mark
        parts = [[], parts[0] + parts[1], parts[2]]
    return [part for part in parts if part]


def _wordpiece_words(tokens: tuple[str, ...], special: tuple[bool, ...]) -> tuple[Word, ...]:
    """Group tokens by WordPiece's ``##`` continuation marker, for tokenizers without offsets."""
    groups: list[list[int]] = []
    joinable = False
    for index, (token, is_special) in enumerate(zip(tokens, special, strict=True)):
        if is_special:
            joinable = False
        elif joinable and token.startswith("##"):
            groups[-1].append(index)
        else:
            groups.append([index])
            joinable = True
    return tuple(
        Word(
            text="".join(tokens[i].removeprefix("##") for i in group),
            start=0,
            end=0,
            token_indices=tuple(group),
        )
        for group in groups
    )


def group_words(
    tokens: tuple[str, ...],
    offsets: tuple[tuple[int, int], ...],
    special: tuple[bool, ...],
    text: str,
) -> tuple[Word, ...]:
    """Group tokens into words by their character spans in ``text``.

    A word is a run of tokens whose spans touch, with no gap between them, so
    ``don't`` and ``self-driving`` are one word each. Punctuation tokens at the
    edge of a run become words of their own, so ``good,`` is ``good`` and ``,``
    (and ``(good)!`` is ``(``, ``good``, ``)!``): a comma's score is not
    folded into the word before it. A special token ([CLS], [SEP], padding)
    belongs to no word and always ends one, so a sentence pair's second
    segment, whose offsets restart at 0 after [SEP], never merges with the
    first. Whitespace is never part of a word: SentencePiece's ``▁`` and
    byte-level BPE's ``Ġ``, alone or at the front of a piece, start the next
    word and join it. Any other non-special token with an empty span joins the
    word around it.
    Combining marks just past a word's last token (an accent the tokenizer
    stripped) are kept with the word.

    Without offsets (a slow tokenizer gives ``(0, 0)`` for every token), words
    are found by joining ``##`` continuation pieces instead: each word's
    ``text`` is then the tokenizer's spelling (possibly lower-cased), its span
    is ``(0, 0)``, and ``don't`` is three words, since whitespace is unknown.

    For a sentence pair, call once per segment with that segment's text and
    ``special`` set for every token outside the segment; token indices stay
    positions in the whole sequence.

    Args:
        tokens: the tokens, as the tokenizer spells them.
        offsets: each token's ``(start, end)`` character span in ``text``;
            special tokens have ``(0, 0)``.
        special: whether each token is a special token.
        text: the text the offsets point into.

    Returns:
        The words, in token order.

    Raises:
        ValueError: the three sequences differ in length, or a span lies
            outside ``text``.
    """
    if not len(tokens) == len(offsets) == len(special):
        raise ValueError(
            f"group_words needs one offset and one special flag per token; got "
            f"{len(tokens)} tokens, {len(offsets)} offsets, {len(special)} flags."
        )
    spans = [span for span, is_special in zip(offsets, special, strict=True) if not is_special]
    if spans and all(span == (0, 0) for span in spans):
        return _wordpiece_words(tokens, special)
    for start, end in spans:
        if not 0 <= start <= end <= len(text):
            raise ValueError(
                f"Token span ({start}, {end}) lies outside the text's {len(text)} characters. "
                "Pass the text the tokenizer was given."
            )
    spans_trimmed, marks = _trimmed_spans(offsets, special, text)
    groups = _attach_spanless(
        [
            part
            for run in _touching_runs(spans_trimmed, special, marks)
            for part in _split_edge_punctuation(run, text)
        ]
    )
    spans_of_groups: list[tuple[int, int] | None] = []
    for group in groups:
        spanned = [(start, end) for _, start, end in group if start < end]
        spans_of_groups.append(
            (min(s for s, _ in spanned), max(e for _, e in spanned)) if spanned else None
        )
    words = []
    previous_end = 0
    for position, (group, span) in enumerate(zip(groups, spans_of_groups, strict=True)):
        start, end = span if span is not None else (previous_end, previous_end)
        following = [s[0] for s in spans_of_groups[position + 1 :] if s is not None]
        limit = following[0] if following and following[0] >= end else len(text)
        while end < limit and unicodedata.category(text[end]).startswith("M"):
            end += 1
        words.append(
            Word(
                text=text[start:end],
                start=start,
                end=end,
                token_indices=tuple(index for index, _, _ in group),
            )
        )
        previous_end = end
    return tuple(words)


def aggregate(scores: tuple[float, ...], aggregation: Aggregation) -> float:
    """One word's score from its tokens' scores.

    Args:
        scores: the scores of the word's tokens; at least one.
        aggregation: ``"sum"``; ``"mean"``; ``"max"``, the score of largest
            magnitude with its sign (the first such on a tie, so ``(0.5, -0.5)``
            gives 0.5); or ``"l2"``, ``sqrt(sum(score**2))``, which is unsigned.

    Returns:
        The word's score.

    Raises:
        ValueError: ``scores`` is empty or ``aggregation`` is unknown.
    """
    if not scores:
        raise ValueError("A word needs at least one token score to aggregate.")
    if aggregation == "sum":
        return math.fsum(scores)
    if aggregation == "mean":
        return math.fsum(scores) / len(scores)
    if aggregation == "max":
        return max(scores, key=abs)
    if aggregation == "l2":
        return math.hypot(*scores)
    raise InputError(
        f"Unknown aggregation {aggregation!r}. Choose one of: {', '.join(AGGREGATIONS)}."
    )


@dataclass(frozen=True)
class WordAttribution:
    """Per-word scores for one attribution: the word view of an :class:`Attribution`.

    Args:
        words: the words, in token order.
        scores: each word's aggregated score, in the attribution's units.
        normalized_scores: ``scores`` divided by the largest word magnitude,
            so the strongest word is +1 or -1 (special tokens do not count).
        aggregation: how token scores became word scores.
        signed: whether scores carry a direction; False for ``"l2"`` or when
            the token scores were unsigned.
        segments: each word's segment, 0 for a single text; a special token
            between two words starts the next segment (a sentence pair's [SEP]).
        special_score: the summed score of the special tokens, which belong to
            no word; with ``"sum"``, word scores plus this make up the token total.
        target_label: the label being explained.
        output: the function of the logits that was attributed.
        tokens_dropped: tokens cut off by the model's length limit. Default: 0
    """

    words: tuple[Word, ...]
    scores: tuple[float, ...]
    normalized_scores: tuple[float, ...]
    aggregation: Aggregation
    signed: bool
    segments: tuple[int, ...]
    special_score: float
    target_label: str
    output: OutputKind
    tokens_dropped: int = 0

    def __post_init__(self) -> None:
        n = len(self.words)
        for name in ("scores", "normalized_scores", "segments"):
            if len(getattr(self, name)) != n:
                raise ValueError(
                    f"WordAttribution has {n} words but {len(getattr(self, name))} {name}."
                )
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(
                f"Unknown aggregation {self.aggregation!r}. "
                f"Choose one of: {', '.join(AGGREGATIONS)}."
            )
        if not all(math.isfinite(value) for value in (*self.scores, *self.normalized_scores)):
            raise ValueError("WordAttribution holds a NaN or infinite value.")


def _segments(words: tuple[Word, ...], special: tuple[bool, ...]) -> tuple[int, ...]:
    """Each word's segment: a special token between two words starts a new one."""
    segments = []
    segment = 0
    for position, word in enumerate(words):
        if position and any(
            special[words[position - 1].token_indices[-1] + 1 : word.token_indices[0]]
        ):
            segment += 1
        segments.append(segment)
    return tuple(segments)


def merge_words(attribution: Attribution, aggregation: Aggregation = "sum") -> WordAttribution:
    """Merge an attribution's token scores into word scores.

    Args:
        attribution: the token-level result.
        aggregation: ``"sum"``, ``"mean"``, ``"max"`` (largest magnitude, sign
            kept) or ``"l2"`` (unsigned); see :func:`aggregate`. Default: ``"sum"``

    Returns:
        The :class:`WordAttribution`. Special tokens belong to no word; their
        summed score is ``special_score``. For a sentence pair, each text's
        words are found on that text, and ``segments`` say which text each
        word is in.

    Raises:
        InputError: ``aggregation`` is unknown.
    """
    if aggregation not in AGGREGATIONS:
        raise InputError(
            f"Unknown aggregation {aggregation!r}. Choose one of: {', '.join(AGGREGATIONS)}."
        )
    if attribution.text_pair is None:
        words = group_words(
            attribution.tokens, attribution.offsets, attribution.special_tokens, attribution.text
        )
        segments = _segments(words, attribution.special_tokens)
    else:
        # A pair's offsets restart in the second text: group each text on its own.
        found: list[Word] = []
        segment_of: list[int] = []
        for segment, text in enumerate((attribution.text, attribution.text_pair)):
            outside = tuple(
                special or token_segment != segment
                for special, token_segment in zip(
                    attribution.special_tokens, attribution.segments, strict=True
                )
            )
            in_segment = group_words(attribution.tokens, attribution.offsets, outside, text)
            found += in_segment
            segment_of += [segment] * len(in_segment)
        words, segments = tuple(found), tuple(segment_of)
    scores = tuple(
        aggregate(tuple(attribution.scores[i] for i in word.token_indices), aggregation)
        for word in words
    )
    in_words = {index for word in words for index in word.token_indices}
    return WordAttribution(
        words=words,
        scores=scores,
        normalized_scores=normalize(scores),
        aggregation=aggregation,
        signed=attribution.signed and aggregation != "l2",
        segments=segments,
        special_score=math.fsum(
            score for index, score in enumerate(attribution.scores) if index not in in_words
        ),
        target_label=attribution.target_label,
        output=attribution.settings.output,
        tokens_dropped=attribution.tokens_dropped,
    )
