"""Comprehensiveness, sufficiency and AOPC, checked by hand on an additive scorer."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch

import explain
from explain.core.results import Attribution, AttributionSettings, normalize
from explain.evaluation.faithfulness import (
    Faithfulness,
    evaluate_faithfulness,
    faithfulness,
    model_probability,
    rank_methods,
)
from explain.render.evaluation_figures import aopc_curves, faithfulness_bars
from tests.tolerances import float32_model_tolerance

TEXT = "The movie was not very good, but the ride was smooth!"
CLS, SEP = 101, 102
# Text tokens a..e with ids 1..5; the scorer adds a weight per text token present.
WEIGHTS = {1: 0.1, 2: 0.3, 3: 0.05, 4: 0.2, 5: 0.15}
BIAS = 0.1  # probability with every text token deleted


def made_up(
    scores: tuple[float, ...] = (9.0, 0.1, 0.5, -0.2, 0.5, 0.0, -9.0), method: str = "made_up"
) -> Attribution:
    """[CLS] a b c d e [SEP]; special tokens carry extreme scores that must be ignored."""
    n = len(scores)
    return Attribution(
        text="a b c d e",
        tokens=("[CLS]", "a", "b", "c", "d", "e", "[SEP]"),
        token_ids=(CLS, 1, 2, 3, 4, 5, SEP),
        special_tokens=(True, False, False, False, False, False, True),
        offsets=tuple((0, 0) for _ in range(n)),
        scores=scores,
        normalized_scores=normalize(scores),
        labels=("no", "yes"),
        probabilities=(0.1, 0.9),
        predicted_index=1,
        target_index=1,
        f_input=0.9,
        f_baseline=0.1,
        attribution_sum=sum(scores),
        delta=0.0,
        baseline_tokens=("[CLS]", "[PAD]", "[PAD]", "[PAD]", "[PAD]", "[PAD]", "[SEP]"),
        settings=AttributionSettings(
            checkpoint="none",
            method=method,
            baseline="pad",
            output="logit",
            n_steps=1,
            requested_label=None,
        ),
        seconds=0.0,
    )


class AdditiveScorer:
    """p = 0.1 + the weights of the text tokens present; records every call."""

    def __init__(self) -> None:
        self.calls: list[list[tuple[int, ...]]] = []

    def __call__(self, sequences: Sequence[Sequence[int]]) -> torch.Tensor:
        self.calls.append([tuple(ids) for ids in sequences])
        for ids in sequences:
            assert (ids[0], ids[-1]) == (CLS, SEP), "special tokens must stay in place"
            assert list(ids[1:-1]) == sorted(ids[1:-1]), "deletion must keep the token order"
        return torch.tensor(
            [BIAS + sum(WEIGHTS.get(token, 0.0) for token in ids) for ids in sequences],
            dtype=torch.float64,
        )


def test_hand_computed_scores() -> None:
    scorer = AdditiveScorer()
    result = faithfulness(made_up(), scorer)
    # Scores a=0.1, b=0.5, c=-0.2, d=0.5, e=0.0: order b, d (tie, earlier first), a, e, c.
    assert result.order == (2, 4, 1, 5, 3)
    # Full text: 0.1 + 0.1 + 0.3 + 0.05 + 0.2 + 0.15 = 0.9.
    assert result.full_probability == pytest.approx(0.9)
    # Deleting b, d, a, e, c in turn: 0.9, 0.6, 0.4, 0.3, 0.15, 0.1.
    assert result.deletion_curve == pytest.approx((0.9, 0.6, 0.4, 0.3, 0.15, 0.1))
    # Keeping only b, then b d, b d a, ...: 0.1, 0.4, 0.6, 0.7, 0.85, 0.9.
    assert result.insertion_curve == pytest.approx((0.1, 0.4, 0.6, 0.7, 0.85, 0.9))
    # 10 % and 20 % of 5 tokens round up to 1 token, 50 % (2.5) to 3.
    assert result.counts == (1, 1, 3)
    # Comprehensiveness: 0.9 - 0.6 = 0.3 at one token; 0.9 - 0.3 = 0.6 at three.
    assert result.comprehensiveness == pytest.approx((0.3, 0.3, 0.6))
    # Sufficiency: 0.9 - 0.4 = 0.5 keeping b; 0.9 - 0.7 = 0.2 keeping b, d, a.
    assert result.sufficiency == pytest.approx((0.5, 0.5, 0.2))
    # AOPC: mean of 0.9 - p over the six points.
    assert result.deletion_aopc == pytest.approx((0 + 0.3 + 0.5 + 0.6 + 0.75 + 0.8) / 6)
    assert result.insertion_aopc == pytest.approx((0.8 + 0.5 + 0.3 + 0.2 + 0.05 + 0) / 6)
    assert result.score == pytest.approx((0.3 + 0.3 + 0.6) / 3 - (0.5 + 0.5 + 0.2) / 3)
    assert result.method == "made_up"


def test_one_batched_call_without_duplicates() -> None:
    scorer = AdditiveScorer()
    faithfulness(made_up(), scorer, percents=(10, 20, 50, 100))
    assert len(scorer.calls) == 1
    (batch,) = scorer.calls
    # 6 deletion + 6 insertion points, of which full and empty appear in both.
    assert len(batch) == len(set(batch)) == 10


def test_a_better_ranking_ranks_first() -> None:
    scorer = AdditiveScorer()
    # The weights' own order is the ideal explanation for an additive scorer.
    oracle = faithfulness(made_up((0.0, 0.1, 0.3, 0.05, 0.2, 0.15, 0.0)), scorer, name="oracle")
    reverse = faithfulness(made_up((0.0, -0.1, -0.3, -0.05, -0.2, -0.15, 0.0)), scorer)
    given = faithfulness(made_up(), scorer)
    ranking = rank_methods({"reverse": reverse, "given": given, "oracle": oracle})
    assert [name for name, _ in ranking] == ["oracle", "given", "reverse"]
    assert oracle.deletion_aopc > reverse.deletion_aopc
    assert oracle.insertion_aopc < reverse.insertion_aopc


def test_rank_refuses_different_targets() -> None:
    result = faithfulness(made_up(), AdditiveScorer())
    other = Faithfulness(**{**result.__dict__, "target_index": 0})
    with pytest.raises(ValueError, match="same text and target"):
        rank_methods({"one": result, "other": other})


@pytest.mark.parametrize("percents", [(0,), (101,), (True,), ()])
def test_bad_percents(percents: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="percentage"):
        faithfulness(made_up(), AdditiveScorer(), percents=percents)


def test_needs_text_tokens() -> None:
    only_special = made_up()
    only_special = Attribution(
        **{**only_special.__dict__, "special_tokens": (True,) * len(only_special.tokens)}
    )
    with pytest.raises(ValueError, match="no text tokens"):
        faithfulness(only_special, AdditiveScorer())


def test_batched_forward_equals_one_at_a_time(tiny_model: explain.LoadedModel) -> None:
    ids = tiny_model.tokenizer(TEXT)["input_ids"]
    sequences = [ids, ids[:1] + ids[3:], ids[:2] + ids[-1:], [ids[0], ids[-1]]]
    batched = model_probability(tiny_model, 1)(sequences)
    chunked = model_probability(tiny_model, 1, token_budget=len(ids))(sequences)
    alone = []
    for sequence in sequences:
        tensor = torch.tensor([sequence])
        with torch.inference_mode():
            logits = tiny_model.model(input_ids=tensor, attention_mask=torch.ones_like(tensor))
        alone.append(float(torch.softmax(logits.logits, dim=-1)[0, 1]))
    # Padded batches, chunks and single passes: float32 rounding apart, not bit for bit.
    tolerance = float32_model_tolerance(alone)
    torch.testing.assert_close(batched, torch.tensor(alone), atol=tolerance, rtol=1e-5)
    torch.testing.assert_close(chunked, batched, atol=tolerance, rtol=1e-5)
    assert len(set(batched.tolist())) == len(sequences), "the model must react to deletions"


def test_model_evaluation_runs_one_forward(tiny_model: explain.LoadedModel) -> None:
    attribution = explain.attribute(tiny_model, TEXT, output="logit", n_steps=8)
    calls: list[torch.Tensor] = []
    hook = tiny_model.model.register_forward_pre_hook(
        lambda _module, _args, kwargs: calls.append(kwargs["input_ids"]), with_kwargs=True
    )
    try:
        result = evaluate_faithfulness(tiny_model, attribution)
    finally:
        hook.remove()
    n = sum(not special for special in attribution.special_tokens)
    assert len(calls) == 1
    assert calls[0].shape == (2 * n, len(attribution.tokens))
    # The full text's probability matches the attribution's own forward pass.
    assert result.full_probability == pytest.approx(attribution.target_probability, abs=1e-5)
    assert len(result.deletion_curve) == n + 1


def test_evaluation_refuses_another_models_attribution(
    tiny_model: explain.LoadedModel,
) -> None:
    with pytest.raises(ValueError, match="labels differ"):
        evaluate_faithfulness(tiny_model, made_up())


def test_figures() -> None:
    scorer = AdditiveScorer()
    results = {
        "<b>oracle</b>": faithfulness(made_up((0.0, 0.1, 0.3, 0.05, 0.2, 0.15, 0.0)), scorer),
        "given": faithfulness(made_up(), scorer),
    }
    curves = aopc_curves(results)
    assert len(curves.data) == 4
    assert [trace.name for trace in curves.data] == ["&lt;b&gt;oracle&lt;/b&gt;"] * 2 + [
        "given"
    ] * 2
    assert list(curves.data[2].y) == pytest.approx(results["given"].deletion_curve)
    assert list(curves.data[3].y) == pytest.approx(results["given"].insertion_curve)
    assert curves.data[0].x[-1] == 1.0
    bars = faithfulness_bars(results)
    assert len(bars.data) == 2
    assert bars.data[0].name.startswith("&lt;b&gt;oracle")  # best first
    assert len(bars.data[1].y) == 6
    escaped = "&lt;b&gt;oracle&lt;/b&gt;"
    assert {row[1] for row in curves.data[0].customdata} == {escaped}  # shown on hover
    assert set(bars.data[0].customdata) == {escaped}
