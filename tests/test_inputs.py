"""Odd and arbitrary input never raises an unexpected error or produces a NaN."""

from __future__ import annotations

import math
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import explain
from explain.core.limits import MAX_TEXT_CHARS
from explain.core.results import AttributionSettings, normalize

ODD_TEXTS = {
    "control characters": "the\x00 movie\x07 was\x1b good\x7f",
    "zero-width": "the\u200b movie\u200d was\ufeff good",
    "emoji": "the movie 🚗💥 was 👍🏽 good",
    "right-to-left": "the movie كانت جيدة was good שלום",
    "combining marks": "the mo\u0301vie wa\u0308s good",
    "many lines": "the movie\n\n\twas\r\ngood",
    "at the length cap": ("good " * MAX_TEXT_CHARS)[:MAX_TEXT_CHARS],
}


@pytest.mark.parametrize("text", ODD_TEXTS.values(), ids=ODD_TEXTS.keys())
def test_odd_text_gives_finite_results(tiny_model: explain.LoadedModel, text: str) -> None:
    result = explain.attribute(tiny_model, text, n_steps=4)
    assert all(math.isfinite(score) for score in result.scores)
    assert "<mark" in explain.highlight_html(result)


@pytest.mark.parametrize("text", ["\u200b\u200b", "\x00\x01", "\ufeff \u200d"])
def test_text_with_no_readable_token_is_a_clear_input_error(
    tiny_model: explain.LoadedModel, text: str
) -> None:
    with pytest.raises(explain.InputError, match="no characters"):
        explain.attribute(tiny_model, text)


@pytest.mark.slow
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200))
def test_arbitrary_text_through_backend_and_renderer(
    tiny_model: explain.LoadedModel, text: str
) -> None:
    try:
        result = explain.attribute(tiny_model, text, n_steps=2)
    except explain.InputError:
        return
    assert all(math.isfinite(v) for v in (*result.scores, result.delta, result.f_input))
    assert len(result.scores) == len(result.tokens) <= tiny_model.max_length
    html = explain.highlight_html(result)
    assert html.count("<mark") == len(result.tokens)


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


SAFE_TAGS = {
    *("div", "b", "span", "table", "tr", "th", "td", "text", "mark", "font", "br", "small"),
    *("colgroup", "col"),
}


@settings(max_examples=60, deadline=None)
@example(tokens=["padding-right:2em"], labels=["0", "00"])  # once rewritten by the renderer
@example(tokens=['style="padding-right:2em"', "<b>"], labels=["<td>", "&amp;"])
@given(
    tokens=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=12),
    labels=st.lists(st.text(min_size=1, max_size=30), min_size=2, max_size=2, unique=True),
)
def test_renderer_only_emits_its_own_markup(tokens: list[str], labels: list[str]) -> None:
    scores = tuple(float(i) - 3.0 for i in range(len(tokens)))
    result = explain.Attribution(
        text="x",
        tokens=tuple(tokens),
        token_ids=tuple(range(len(tokens))),
        special_tokens=tuple(False for _ in tokens),
        offsets=tuple((0, 0) for _ in tokens),
        scores=scores,
        normalized_scores=normalize(scores),
        labels=tuple(labels),
        probabilities=(0.25, 0.75),
        predicted_index=1,
        target_index=0,
        f_input=0.5,
        f_baseline=0.1,
        attribution_sum=sum(scores),
        delta=sum(scores) - 0.4,
        baseline_tokens=tuple("[PAD]" for _ in tokens),
        settings=AttributionSettings(
            "c", "layer_integrated_gradients", "pad", "probability", 2, None
        ),
        seconds=0.0,
    )
    parser = _TagCollector()
    parser.feed(explain.highlight_html(result))
    assert parser.tags <= SAFE_TAGS
    assert parser.attributes <= {"class", "style", "color"}
    shown = "".join(parser.text)
    for token in tokens:
        assert token.strip() == "" or token.strip() in shown or "\r" in token
