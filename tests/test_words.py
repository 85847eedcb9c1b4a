"""Words: WordPiece tokens merged into words, highlighted on the user's own text."""

from __future__ import annotations

import math
from html.parser import HTMLParser

import pytest
from captum.attr._utils.visualization import _get_color
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import explain
from explain.model.encoding import encode
from explain.render.charts import token_labels
from explain.render.highlight import score_color
from explain.render.word_figures import word_bar_chart, word_highlight_html
from explain.text.words import Word, WordAttribution, aggregate, group_words, merge_words
from tests.tiny import WORDS
from tests.tolerances import ulps

# Hand-made WordPiece tokens for TEXT, with spans counted by hand:
# S0 e1 l2 f3 -4 d5..g11 _12 c13..s16 _17 a18 r19 e20 n21 '22 t23 _24 b25 a26 d27 ,28 _29
# r30 e31 a32 l33 l34 y35 .36
TEXT = "Self-driving cars aren't bad, really."
TOKENS = (
    "[CLS]",
    "self",
    "-",
    "driving",
    "cars",
    "aren",
    "'",
    "t",
    "bad",
    ",",
    "real",
    "##ly",
    ".",
    "[SEP]",
)
OFFSETS = (
    (0, 0),
    (0, 4),
    (4, 5),
    (5, 12),
    (13, 17),
    (18, 22),
    (22, 23),
    (23, 24),
    (25, 28),
    (28, 29),
    (30, 34),
    (34, 36),
    (36, 37),
    (0, 0),
)
SPECIAL = (True, *(False,) * 12, True)
# Binary fractions, so every sum below is exact in floating point.
SCORES = (0.5, 0.25, -0.125, 1.0, -0.5, -0.25, 0.0, -0.75, -2.0, 0.125, 0.5, -1.5, 0.375, -1.0)
WORD_TEXTS = ("Self-driving", "cars", "aren't", "bad", ",", "really", ".")
# Per word, by hand from SCORES: [0.25, -0.125, 1.0], [-0.5], [-0.25, 0.0, -0.75], [-2.0],
# [0.125], [0.5, -1.5], [0.375].
EXPECTED = {
    "sum": (1.125, -0.5, -1.0, -2.0, 0.125, -1.0, 0.375),
    "mean": (0.375, -0.5, -1 / 3, -2.0, 0.125, -0.5, 0.375),
    "max": (1.0, -0.5, -0.75, -2.0, 0.125, -1.5, 0.375),
    "l2": (
        math.sqrt(0.0625 + 0.015625 + 1.0),
        0.5,
        math.sqrt(0.0625 + 0.5625),
        2.0,
        0.125,
        math.sqrt(0.25 + 2.25),
        0.375,
    ),
}


def hand_attribution(
    text: str,
    tokens: tuple[str, ...],
    offsets: tuple[tuple[int, int], ...],
    special: tuple[bool, ...],
    scores: tuple[float, ...],
    tokens_dropped: int = 0,
) -> explain.Attribution:
    """A hand-made attribution (not computed by any model) to test merging exactly."""
    total = math.fsum(scores)
    return explain.Attribution(
        text=text,
        tokens=tokens,
        token_ids=tuple(range(len(tokens))),
        special_tokens=special,
        offsets=offsets,
        scores=scores,
        normalized_scores=explain.core.results.normalize(scores),
        labels=("negative", "positive"),
        probabilities=(0.25, 0.75),
        predicted_index=1,
        target_index=1,
        f_input=total,
        f_baseline=0.0,
        attribution_sum=total,
        delta=0.0,
        baseline_tokens=tokens,
        settings=explain.AttributionSettings(
            checkpoint="hand-made",
            method="layer_integrated_gradients",
            baseline="pad",
            output="logit",
            n_steps=1,
            requested_label=None,
        ),
        seconds=0.0,
        tokens_dropped=tokens_dropped,
    )


class Fragment(HTMLParser):
    """Collects an HTML fragment's start tags, and the text, marks and greyed tail of its
    ``tokenlight-words-text`` block, with entities decoded."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""
        self.marks: list[str] = []
        self.titles: list[str] = []
        self.styles: list[str] = []
        self.truncated = ""
        self.open: list[tuple[str, str]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append(tag)
        self.open.append((tag, attributes.get("class") or ""))
        if tag == "mark":
            self.marks.append("")
            self.titles.append(attributes.get("title") or "")
            self.styles.append(attributes.get("style") or "")

    def handle_endtag(self, tag: str) -> None:
        assert self.open, f"</{tag}> closes nothing"
        assert self.open[-1][0] == tag, f"</{tag}> closes <{self.open[-1][0]}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        classes = [name for _, name in self.open]
        if "tokenlight-words-text" not in classes:
            return
        self.text += data
        if self.open[-1][0] == "mark":
            self.marks[-1] += data
        if "tokenlight-truncated" in classes:
            self.truncated += data


def test_hand_made_tokens_group_into_words() -> None:
    words = group_words(TOKENS, OFFSETS, SPECIAL, TEXT)
    assert tuple(word.text for word in words) == WORD_TEXTS
    assert tuple(word.token_indices for word in words) == (
        (1, 2, 3),
        (4,),
        (5, 6, 7),
        (8,),
        (9,),
        (10, 11),
        (12,),
    )
    assert words[0] == Word(text="Self-driving", start=0, end=12, token_indices=(1, 2, 3))
    assert all(TEXT[word.start : word.end] == word.text for word in words)


def test_punctuation_at_a_word_edge_is_its_own_word() -> None:
    text = "(good)!! don't"
    offsets = ((0, 1), (1, 5), (5, 6), (6, 7), (7, 8), (9, 12), (12, 13), (13, 14))
    tokens = ("(", "good", ")", "!", "!", "don", "'", "t")
    words = group_words(tokens, offsets, (False,) * 8, text)
    assert tuple(word.text for word in words) == ("(", "good", ")!!", "don't")
    assert words[2].token_indices == (2, 3, 4)


@pytest.mark.parametrize("aggregation", ["sum", "mean", "max", "l2"])
def test_each_aggregation_matches_hand_arithmetic(aggregation: str) -> None:
    merged = merge_words(hand_attribution(TEXT, TOKENS, OFFSETS, SPECIAL, SCORES), aggregation)
    # Sums of binary fractions are exact; a mean's division and an L2 norm's square
    # root round once or twice more, to within a few ulps of each value.
    assert merged.scores == pytest.approx(EXPECTED[aggregation], rel=ulps(4), abs=0)
    peak = max(abs(score) for score in EXPECTED[aggregation])
    assert merged.normalized_scores == pytest.approx(
        [score / peak for score in EXPECTED[aggregation]], rel=ulps(4), abs=0
    )
    assert merged.signed is (aggregation != "l2")
    assert merged.special_score == 0.5 - 1.0  # [CLS] and [SEP]


def test_sum_is_exact_and_keeps_the_total_on_hand_made_scores() -> None:
    merged = merge_words(hand_attribution(TEXT, TOKENS, OFFSETS, SPECIAL, SCORES), "sum")
    assert merged.scores == EXPECTED["sum"]  # binary fractions: exact, no tolerance
    assert sum(merged.scores) + merged.special_score == sum(SCORES) == -3.375


def test_max_keeps_the_sign_of_the_largest_magnitude() -> None:
    assert aggregate((0.25, -1.5, 1.0), "max") == -1.5
    assert aggregate((0.5, -0.5), "max") == 0.5
    assert aggregate((-0.5, 0.5), "max") == -0.5
    assert aggregate((-3.0, 4.0), "l2") == 5.0


def test_unknown_aggregation_names_the_choices() -> None:
    attribution = hand_attribution(TEXT, TOKENS, OFFSETS, SPECIAL, SCORES)
    with pytest.raises(ValueError, match="sum, mean, max, l2"):
        merge_words(attribution, "median")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        aggregate((), "sum")


def test_a_special_token_ends_a_word_across_a_sentence_pair() -> None:
    tokens = ("[CLS]", "a", "##b", "[SEP]", "c", "[SEP]")
    special = (True, False, False, True, False, True)
    touching = ((0, 0), (0, 1), (1, 2), (0, 0), (2, 3), (0, 0))
    restarting = ((0, 0), (0, 1), (1, 2), (0, 0), (0, 1), (0, 0))
    for offsets in (touching, restarting):
        words = group_words(tokens, offsets, special, "abc")
        assert tuple(word.token_indices for word in words) == ((1, 2), (4,))
    # Without the [SEP], offsets that restart at 0 still start a new word.
    words = group_words(("a", "##b", "c"), ((0, 1), (1, 2), (0, 1)), (False,) * 3, "ab")
    assert tuple(word.token_indices for word in words) == ((0, 1), (2,))


def test_a_sentence_pair_renders_each_segment_on_its_own_text() -> None:
    first, second = "ab", "a"
    tokens = ("[CLS]", "a", "##b", "[SEP]", "a", "[SEP]")
    offsets = ((0, 0), (0, 1), (1, 2), (0, 0), (0, 1), (0, 0))
    special = (True, False, False, True, False, True)
    scores = (0.0, 0.5, 0.25, 0.0, -1.0, 0.0)
    merged = merge_words(hand_attribution(first, tokens, offsets, special, scores))
    assert merged.segments == (0, 1)
    assert merged.scores == (0.75, -1.0)
    # A caller masks the other segment as special to find one segment's words.
    only_second = group_words(tokens, offsets, (True, True, True, True, False, True), second)
    assert only_second == (Word(text="a", start=0, end=1, token_indices=(4,)),)
    for segment, text in enumerate((first, second)):
        fragment = Fragment(word_highlight_html(merged, text, segment=segment))
        assert fragment.text == text
        assert fragment.marks == [text]
    with pytest.raises(ValueError, match="no segment 2"):
        word_highlight_html(merged, first, segment=2)


def test_without_offsets_wordpiece_pieces_are_joined() -> None:
    tokens = ("[CLS]", "self", "-", "driv", "##ing", "cars", "[SEP]", "##s")
    special = (True, False, False, False, False, False, True, False)
    words = group_words(tokens, ((0, 0),) * len(tokens), special, "Self-driving cars")
    assert tuple(word.text for word in words) == ("self", "-", "driving", "cars", "s")
    assert tuple(word.token_indices for word in words) == ((1,), (2,), (3, 4), (5,), (7,))
    assert all((word.start, word.end) == (0, 0) for word in words)


def test_words_from_the_real_tokenizer_rebuild_the_text(
    tiny_model: explain.LoadedModel,
) -> None:
    text = "The  Self-driving cars\twere GOOD,\nreally!  Zebra's é  "
    attribution = explain.attribute(tiny_model, text, n_steps=2)
    merged = merge_words(attribution, "sum")
    rebuilt, cursor = "", 0
    for word in merged.words:
        assert word.text == text[word.start : word.end]
        assert word.start >= cursor
        gap = text[cursor : word.start]
        assert not gap.strip(), f"{gap!r} between words is not whitespace"
        rebuilt += gap + word.text
        cursor = word.end
    assert rebuilt + text[cursor:] == text
    assert not text[cursor:].strip()
    assert "Self-driving" in [word.text for word in merged.words]
    assert "GOOD" in [word.text for word in merged.words]
    covered = sorted(i for word in merged.words for i in word.token_indices)
    assert covered == [i for i, special in enumerate(attribution.special_tokens) if not special]


def test_sum_aggregation_preserves_the_total(tiny_model: explain.LoadedModel) -> None:
    attribution = explain.attribute(
        tiny_model, "i love this self-driving car, it is smooth!", n_steps=8
    )
    merged = merge_words(attribution, "sum")
    non_special = sum(
        score
        for score, special in zip(attribution.scores, attribution.special_tokens, strict=True)
        if not special
    )
    assert sum(merged.scores) == pytest.approx(non_special, abs=1e-9)
    assert sum(merged.scores) + merged.special_score == pytest.approx(
        attribution.attribution_sum, abs=1e-9
    )
    assert max(abs(value) for value in merged.normalized_scores) == pytest.approx(1.0)


def test_hostile_text_is_escaped_everywhere(tiny_model: explain.LoadedModel) -> None:
    text = "the movie <script>alert(1)</script> was \"'><img src=x onerror=alert(1)> good"
    merged = merge_words(explain.attribute(tiny_model, text, n_steps=2), "max")
    html = word_highlight_html(merged, text)
    fragment = Fragment(html)
    assert set(fragment.tags) <= {"div", "mark", "span", "b"}
    assert "<script" not in html
    assert "<img" not in html
    assert fragment.text == text
    assert fragment.marks == [word.text for word in merged.words]
    for title, word, score in zip(fragment.titles, merged.words, merged.scores, strict=True):
        assert title.startswith(f"{word.text}: {score!r} (max of ")
    figure = word_bar_chart(merged)
    assert all("<" not in label for label in figure.layout.xaxis.ticktext)
    assert all("<" not in row[0] for row in figure.data[0].customdata)


def test_casing_and_whitespace_are_kept(tiny_model: explain.LoadedModel) -> None:
    text = "The  MOVIE\twas\n\nGood,   REALLY  good"
    merged = merge_words(explain.attribute(tiny_model, text, n_steps=2))
    fragment = Fragment(word_highlight_html(merged, text))
    assert fragment.text == text
    assert fragment.marks == ["The", "MOVIE", "was", "Good", ",", "REALLY", "good"]
    assert fragment.truncated == ""


def test_truncated_tail_is_shown_greyed(tiny_model: explain.LoadedModel) -> None:
    text = "the movie was good and " * 20 + "the END IS HERE."
    attribution = explain.attribute(tiny_model, text, n_steps=2)
    assert attribution.tokens_dropped > 0
    merged = merge_words(attribution)
    fragment = Fragment(word_highlight_html(merged, text))
    last = merged.words[-1]
    assert fragment.text == text
    assert fragment.truncated == text[last.end :].lstrip()
    assert fragment.truncated.endswith("the END IS HERE.")
    assert len(fragment.marks) == len(merged.words)


def test_colours_follow_captums_scale() -> None:
    # Captum: green hsl(120, 75%, 100 - int(50 v)%) above 0,
    # else red hsl(0, 75%, 100 - int(-40 v)%).
    assert score_color(1.0) == "hsl(120, 75%, 50%)"
    assert score_color(0.5) == "hsl(120, 75%, 75%)"
    assert score_color(0.0) == "hsl(0, 75%, 100%)"
    assert score_color(-0.5) == "hsl(0, 75%, 80%)"
    assert score_color(-1.0) == score_color(-7.0) == "hsl(0, 75%, 60%)"
    assert score_color(1.0, signed=False) == "hsl(210, 75%, 50%)"
    for step in range(-20, 21):
        assert score_color(step / 10) == _get_color(step / 10)


def test_highlight_colours_each_word_by_its_normalised_score() -> None:
    merged = merge_words(hand_attribution(TEXT, TOKENS, OFFSETS, SPECIAL, SCORES), "sum")
    html = word_highlight_html(merged, TEXT)
    fragment = Fragment(html)
    colours = dict(zip(fragment.marks, fragment.styles, strict=True))
    # "bad" has the largest |sum| (-2.0), so it is full red; "Self-driving" is +1.125 / 2,
    # so 100 - int(50 * 0.5625) = 72% light; "cars" is -0.5 / 2, 100 - int(40 * 0.25) = 90%.
    assert "background-color:hsl(0, 75%, 60%);" in colours["bad"]
    assert "background-color:hsl(120, 75%, 72%);" in colours["Self-driving"]
    assert "background-color:hsl(0, 75%, 90%);" in colours["cars"]
    assert fragment.text == TEXT


def test_offsetless_words_are_shown_by_their_spelling() -> None:
    tokens = ("[CLS]", "self", "driv", "##ing", "[SEP]")
    attribution = hand_attribution(
        "Self Driving", tokens, ((0, 0),) * 5, (True, False, False, False, True), (0.0,) * 5
    )
    fragment = Fragment(word_highlight_html(merge_words(attribution), "Self Driving"))
    assert fragment.marks == ["self", "driving"]
    assert fragment.text == "self driving"


def test_word_bar_chart_has_exact_scores_in_word_order() -> None:
    attribution = hand_attribution(TEXT, TOKENS, OFFSETS, SPECIAL, SCORES)
    figure = word_bar_chart(merge_words(attribution, "sum"))
    bar = figure.data[0]
    assert tuple(bar.y) == EXPECTED["sum"]
    assert list(figure.layout.xaxis.ticktext) == token_labels(WORD_TEXTS)
    assert (bar.marker.cmin, bar.marker.cmax) == (-2.0, 2.0)
    assert [row[3] for row in bar.customdata] == ["1–3", "4", "5–7", "8", "9", "10–11", "12"]
    assert "sum" in figure.layout.title.text
    unsigned = word_bar_chart(merge_words(attribution, "l2"), normalized=True)
    assert unsigned.data[0].marker.cmin == 0.0
    assert max(unsigned.data[0].y) == 1.0


def test_word_attribution_checks_itself() -> None:
    with pytest.raises(ValueError, match="1 words but 0 scores"):
        WordAttribution(
            words=(Word("a", 0, 1, (1,)),),
            scores=(),
            normalized_scores=(1.0,),
            aggregation="sum",
            signed=True,
            segments=(0,),
            special_score=0.0,
            target_label="positive",
            output="logit",
        )


PIECES = st.one_of(
    st.sampled_from(
        [
            *WORDS,
            " ",
            "  ",
            "\n",
            "\t",
            "<script>",
            "&amp;",
            '"',
            "'",
            "e\u0301",
            "שלום",
            "😀",
            "\u200b",
            "Self-Driving",
        ]
    ),
    st.text(max_size=6),
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=40).map("".join))
def test_highlight_text_content_is_the_original_text(
    tiny_model: explain.LoadedModel, text: str
) -> None:
    # The real tokenizer's tokens, offsets and truncation; the scores are arbitrary
    # (rendering is under test, not attribution), which keeps 50 examples fast.
    try:
        encoding = encode(tiny_model.tokenizer, text, tiny_model.max_length, tiny_model.device)
    except explain.InputError:
        assume(False)
        raise
    n = len(encoding.tokens)
    attribution = hand_attribution(
        text,
        encoding.tokens,
        encoding.offsets,
        tuple(encoding.special_mask[0].tolist()),
        tuple((-1.0) ** i * (i + 1) / n for i in range(n)),
        tokens_dropped=encoding.tokens_dropped,
    )
    merged = merge_words(attribution, "mean")
    fragment = Fragment(word_highlight_html(merged, text))
    assert fragment.text == text
    assert fragment.marks == [word.text for word in merged.words]
