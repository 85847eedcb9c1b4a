"""Spearman rank correlation and top-k overlap, checked against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explain.core.results import Attribution, AttributionSettings, normalize
from explain.evaluation.agreement import (
    agreement_matrix,
    average_ranks,
    count_for_percent,
    spearman,
    top_k_overlap,
)
from explain.render.evaluation_figures import agreement_heatmap


def made_up(scores: tuple[float, ...], token_ids: tuple[int, ...] | None = None) -> Attribution:
    """[CLS] + len(scores) - 2 text tokens + [SEP]."""
    n = len(scores)
    return Attribution(
        text="made up",
        tokens=tuple(f"t{i}" for i in range(n)),
        token_ids=token_ids or tuple(range(n)),
        special_tokens=(True, *([False] * (n - 2)), True),
        offsets=tuple((0, 0) for _ in range(n)),
        scores=scores,
        normalized_scores=normalize(scores),
        labels=("no", "yes"),
        probabilities=(0.5, 0.5),
        predicted_index=0,
        target_index=0,
        f_input=0.0,
        f_baseline=0.0,
        attribution_sum=sum(scores),
        delta=-sum(scores),
        baseline_tokens=tuple("[PAD]" for _ in range(n)),
        settings=AttributionSettings(
            checkpoint="none",
            method="made_up",
            baseline="pad",
            output="logit",
            n_steps=1,
            requested_label=None,
        ),
        seconds=0.0,
    )


def test_average_ranks_share_ties() -> None:
    assert average_ranks(np.array([10.0, 20.0, 20.0, 30.0])).tolist() == [1, 2.5, 2.5, 4]
    assert average_ranks(np.array([3.0, 1.0, 3.0, 3.0])).tolist() == [3, 1, 3, 3]


def test_perfect_and_reversed() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == 1.0
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0
    # Monotone but not linear: ranks agree exactly.
    assert spearman([1, 2, 3, 4], [1, 8, 27, 64]) == 1.0


def test_without_ties_matches_the_textbook_formula() -> None:
    # Ranks 1..5 against 1, 3, 2, 5, 4: d = 0, -1, 1, -1, 1, so sum d² = 4.
    # rho = 1 - 6 * 4 / (5 * (25 - 1)) = 0.8.
    assert spearman([10, 20, 30, 40, 50], [1, 3, 2, 5, 4]) == pytest.approx(0.8)


def test_with_ties() -> None:
    # Ranks of a: 1, 2.5, 2.5, 4; of b: 1, 3, 2, 4; both have mean 2.5.
    # Centred: a = -1.5, 0, 0, 1.5; b = -1.5, 0.5, -0.5, 1.5.
    # Pearson: 4.5 / sqrt(4.5 * 5).
    assert spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(4.5 / math.sqrt(4.5 * 5))


def test_absolute_ranking_ignores_sign() -> None:
    assert spearman([1, 2, 3], [-1, -2, -3]) == -1.0
    assert spearman([1, 2, 3], [-1, -2, -3], ranking="absolute") == 1.0


def test_constant_scores_have_no_correlation() -> None:
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))
    assert math.isnan(spearman([1], [2]))


def test_attributions_compare_text_tokens_only() -> None:
    # Text tokens agree perfectly; the special tokens' scores disagree wildly.
    first = made_up((100.0, 1.0, 2.0, 3.0, -100.0))
    second = made_up((-100.0, 0.1, 0.2, 0.3, 100.0))
    assert spearman(first, second) == 1.0
    assert spearman(first.scores, second.scores) < 0
    assert top_k_overlap(first, second, 1) == 1.0


def test_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="different token sequences"):
        spearman(made_up((0, 1, 2, 0)), made_up((0, 1, 2, 0), token_ids=(0, 1, 9, 3)))
    with pytest.raises(ValueError, match="equal length"):
        spearman([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="not one of each"):
        spearman(made_up((0, 1, 2, 0)), [1, 2])
    with pytest.raises(ValueError, match="NaN"):
        spearman([1, math.nan], [1, 2])
    with pytest.raises(ValueError, match="ranking"):
        spearman([1, 2], [1, 2], ranking="magnitude")  # type: ignore[arg-type]


def test_top_k_overlap_by_hand() -> None:
    a = [5, 4, 3, 2, 1]  # top: 0, 1, 2, 3, 4
    b = [5, 1, 4, 2, 3]  # top: 0, 2, 4, 3, 1
    assert top_k_overlap(a, b, 1) == 1.0  # {0} and {0}
    assert top_k_overlap(a, b, 2) == 0.5  # {0, 1} and {0, 2}
    assert top_k_overlap(a, b, 3) == pytest.approx(2 / 3)  # {0, 1, 2} and {0, 2, 4}
    assert top_k_overlap(a, b, 5) == 1.0
    # Ties go to the earlier position: top-1 of [1, 1, 0] is {0}, of [0, 1, 1] is {1}.
    assert top_k_overlap([1, 1, 0], [0, 1, 1], 1) == 0.0
    # By magnitude, -9 is the most important.
    assert top_k_overlap([-9, 1, 2], [9, 1, 2], 1, ranking="absolute") == 1.0
    assert top_k_overlap([-9, 1, 2], [9, 1, 2], 1) == 0.0


@pytest.mark.parametrize("k", [0, 6, True])
def test_top_k_range(k: int) -> None:
    with pytest.raises(ValueError, match="k must be"):
        top_k_overlap([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], k)


def test_count_for_percent_rounds_up() -> None:
    assert count_for_percent(10, 5) == 1  # 0.5 -> 1
    assert count_for_percent(50, 5) == 3  # 2.5 -> 3
    assert count_for_percent(20, 10) == 2  # exactly 2
    assert count_for_percent(1, 3) == 1  # at least one
    assert count_for_percent(100, 7) == 7


def test_matrix_is_symmetric_pairwise() -> None:
    results = {
        "a": made_up((0.0, 1.0, 2.0, 3.0, 4.0, 0.0)),
        "b": made_up((0.0, 4.0, 3.0, 2.0, 1.0, 0.0)),
        "c": made_up((0.0, 1.0, 3.0, 2.0, 4.0, 0.0)),
    }
    matrix = agreement_matrix(results)
    assert matrix.names == ("a", "b", "c")
    assert [matrix.values[i][i] for i in range(3)] == [1.0, 1.0, 1.0]
    assert matrix.values[0][1] == matrix.values[1][0] == -1.0
    # Ranks 1, 2, 3, 4 against 1, 3, 2, 4: sum d² = 2, rho = 1 - 12 / 60 = 0.8.
    assert matrix.values[0][2] == pytest.approx(0.8)
    assert matrix.values[2][1] == pytest.approx(-0.8)
    top = agreement_matrix(results, measure="top_k")
    assert top.k == 1  # 20 % of 4 text tokens, rounded up
    assert top.values[0][2] == 1.0  # both rank token 4 first
    assert top.values[0][1] == 0.0
    with pytest.raises(ValueError, match="at least two"):
        agreement_matrix({"a": results["a"]})
    with pytest.raises(ValueError, match="measure"):
        agreement_matrix(results, measure="kendall")  # type: ignore[arg-type]


def test_heatmap() -> None:
    results = {"<i>a</i>": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0], "flat": [1.0, 1.0, 1.0]}
    figure = agreement_heatmap(agreement_matrix(results))
    (trace,) = figure.data
    assert trace.type == "heatmap"
    assert list(trace.x) == ["&lt;i&gt;a&lt;/i&gt;", "b", "flat"]
    assert trace.z[0][1] == -1.0
    assert trace.z[2][0] is None  # undefined for constant scores
    assert trace.text[2][0] == "n/a"
    assert (trace.zmin, trace.zmax) == (-1.0, 1.0)
