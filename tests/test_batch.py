"""Many texts at once: batched results equal one-at-a-time, errors stay per text, the page flow."""

from __future__ import annotations

import pytest
import torch
from streamlit.testing.v1 import AppTest

import explain
from explain.methods.batch import buckets, mean_token_scores, top_tokens
from tests.apphelpers import fixed_steps
from tests.tolerances import float32_model_tolerance

TEXTS = (
    "the movie was not very good",
    "bad",
    "i love this car , but the ride is loud !",
    "the film is great",
    "that was awful and terrible and the car was not quiet , i hate it",
    "it is good",
)


@pytest.mark.parametrize("baseline", ["pad", "zero"])
@pytest.mark.parametrize("target", [None, 0])
def test_batched_equals_one_at_a_time(
    tiny_model: explain.LoadedModel, baseline: str, target: int | None
) -> None:
    batched = explain.attribute_batch(
        tiny_model, TEXTS, baseline=baseline, target=target, n_steps=20, bucket_tokens=64
    )
    assert len({len(group) for group in buckets([len(r.tokens) for r in batched.results], 64)}) > 1
    for text, result in zip(TEXTS, batched.results, strict=True):
        alone = explain.attribute(tiny_model, text, baseline=baseline, target=target, n_steps=20)
        assert result.tokens == alone.tokens
        assert result.target_index == alone.target_index
        # Padded in a batch, alone without padding: float32 rounding apart, not bit for bit.
        # A delta is a difference of sums, so it rounds with its terms.
        outputs = float32_model_tolerance(alone.f_input, alone.f_baseline)
        terms = float32_model_tolerance(
            alone.f_input, alone.f_baseline, sum(map(abs, alone.scores))
        )
        torch.testing.assert_close(
            torch.tensor(result.scores),
            torch.tensor(alone.scores),
            atol=float32_model_tolerance(alone.scores),
            rtol=1e-4,
        )
        assert result.f_input == pytest.approx(alone.f_input, abs=outputs)
        assert result.f_baseline == pytest.approx(alone.f_baseline, abs=outputs)
        assert result.delta == pytest.approx(alone.delta, abs=terms)
        assert result.baseline_tokens == alone.baseline_tokens


def test_unbatched_mode_gives_the_same_results(tiny_model: explain.LoadedModel) -> None:
    batched = explain.attribute_batch(tiny_model, TEXTS, n_steps=10)
    single = explain.attribute_batch(tiny_model, TEXTS, n_steps=10, batched=False)
    for a, b in zip(batched.results, single.results, strict=True):
        torch.testing.assert_close(
            torch.tensor(a.scores),
            torch.tensor(b.scores),
            atol=float32_model_tolerance(b.scores),
            rtol=0,
        )


def test_bad_lines_are_reported_and_the_rest_explained(tiny_model: explain.LoadedModel) -> None:
    texts = ("good", "   ", "\u200b\u200b", "the car is bad")
    seen: list[tuple[int, int]] = []
    outcome = explain.attribute_batch(
        tiny_model, texts, n_steps=5, progress=lambda d, t: seen.append((d, t))
    )
    assert [item.result is None for item in outcome.items] == [False, True, True, False]
    assert "empty" in outcome.items[1].error
    assert [r.text for r in outcome.results] == ["good", "the car is bad"]
    assert seen[-1] == (4, 4)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_a_contrast_clash_fails_only_its_own_texts(tiny_model: explain.LoadedModel) -> None:
    predicted = [explain.predict(tiny_model, text).predicted_index for text in TEXTS]
    assert 0 < predicted.count(0) < len(TEXTS), "the test needs both predictions"
    outcome = explain.attribute_batch(tiny_model, TEXTS, contrast=0, n_steps=5)
    for item, label in zip(outcome.items, predicted, strict=True):
        if label == 0:
            assert item.result is None
            assert "contrast" in item.error
        else:
            assert item.result is not None
            assert item.result.settings.output == "logit_difference"


def test_unknown_options_and_bad_settings_are_input_errors(tiny_model: explain.LoadedModel) -> None:
    with pytest.raises(explain.InputError, match="takes no option 'seed'"):
        explain.attribute_batch(tiny_model, TEXTS, seed=1)
    with pytest.raises(explain.InputError, match="between 1 and 500"):
        explain.attribute_batch(tiny_model, TEXTS, n_steps=0)


def test_limits_are_enforced(tiny_model: explain.LoadedModel) -> None:
    with pytest.raises(explain.InputError, match="no texts"):
        explain.attribute_batch(tiny_model, ())
    with pytest.raises(explain.InputError, match=r"more than"):
        explain.attribute_batch(tiny_model, ("good",) * 4, max_texts=3)


def test_buckets_group_similar_lengths_within_the_budget() -> None:
    lengths = [5, 30, 6, 29, 7, 100, 31]
    groups = buckets(lengths, bucket_tokens=64, max_padding=0.2)
    assert sorted(i for group in groups for i in group) == list(range(7))
    for group in groups:
        sizes = [lengths[i] for i in group]
        assert len(group) == 1 or len(group) * max(sizes) <= 64
        assert max(sizes) <= 1.2 * min(sizes)
    assert groups == [[0, 2], [4], [3, 1], [6], [5]]
    with pytest.raises(ValueError, match="positive"):
        buckets(lengths, 0)


def test_summary_means_by_hand() -> None:
    def result(tokens: tuple[str, ...], scores: tuple[float, ...], target: int) -> object:
        base = explain.attribute  # noqa: F841  (keeps the import used in type checkers)
        n = len(tokens)
        return explain.Attribution(
            text=" ".join(tokens),
            tokens=tokens,
            token_ids=tuple(range(n)),
            special_tokens=tuple(t in ("[CLS]", "[SEP]") for t in tokens),
            offsets=((0, 0),) * n,
            scores=scores,
            normalized_scores=scores,
            labels=("neg", "pos"),
            probabilities=(0.5, 0.5),
            predicted_index=target,
            target_index=target,
            f_input=0.5,
            f_baseline=0.5,
            attribution_sum=sum(scores),
            delta=sum(scores),
            baseline_tokens=tokens,
            settings=explain.AttributionSettings("c", "m", "pad", "probability", 1, None),
            seconds=0.0,
        )

    results = [
        result(("[CLS]", "good", "car", "[SEP]"), (9.0, 0.5, 0.1, 9.0), 1),
        result(("[CLS]", "good", "good", "[SEP]"), (0.0, 0.3, 0.1, 0.0), 1),
        result(("[CLS]", "bad", "car", "[SEP]"), (0.0, 0.4, -0.2, 0.0), 0),
    ]
    means = mean_token_scores(results, k=5)
    by_label = {(m.label, m.token): (m.mean, m.count) for m in means}
    assert by_label[("pos", "good")] == (pytest.approx((0.5 + 0.3 + 0.1) / 3), 3)
    assert by_label[("pos", "car")] == (pytest.approx(0.1), 1)
    assert by_label[("neg", "bad")] == (pytest.approx(0.4), 1)
    assert ("pos", "[CLS]") not in by_label
    assert [m.token for m in means if m.label == "pos"] == ["good", "car"]
    assert mean_token_scores(results, min_count=2)[0].token == "good"
    assert top_tokens(results[0], k=1) == (("good", 0.5),)


@pytest.fixture
def batch_page(app: AppTest) -> AppTest:
    app.radio(key="mode").set_value("Many texts").run()
    assert not app.exception
    return app


def test_batch_flow_from_pasted_lines(batch_page: AppTest) -> None:
    at = batch_page
    assert at.button(key="batch_run").disabled is False
    at.text_area(key="batch_text").input(
        "the movie was good\n\n  \nthe car is bad !\ni hate it"
    ).run()
    fixed_steps(at, 10)
    at.button(key="batch_run").click().run()
    assert not at.exception
    assert any("Explained 3 of 3 texts" in s.value for s in at.success)
    table = at.dataframe[0].value
    assert list(table["text"]) == ["the movie was good", "the car is bad !", "i hate it"]
    assert set(table["predicted"]) <= {"negative", "positive"}
    assert all(0.0 <= p <= 1.0 for p in table["probability"])
    assert len(at.get("plotly_chart")) == 1
    assert {b.proto.label for b in at.get("download_button")} >= {
        "All scores as JSON",
        "All scores as CSV",
    }


def test_batch_reports_a_cap_and_needs_texts(batch_page: AppTest) -> None:
    at = batch_page
    at.text_area(key="batch_text").input("").run()
    assert at.button(key="batch_run").disabled
    assert any("Paste some lines" in i.value for i in at.info)
    too_many = "\n".join(f"good {i}" for i in range(explain.methods.batch.MAX_TEXTS + 5))
    at.text_area(key="batch_text").input(too_many).run()
    assert any(f"at most {explain.methods.batch.MAX_TEXTS}" in w.value for w in at.warning)


def test_one_text_view_still_works_after_a_batch(batch_page: AppTest) -> None:
    at = batch_page
    at.button(key="batch_run").click().run()
    at.radio(key="mode").set_value("One text").run()
    at.button(key="run").click().run()
    assert not at.exception
    assert at.get("plotly_chart")
