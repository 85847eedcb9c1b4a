"""SmoothGrad and VarGrad: registered with their settings, and checked against what they pool."""

from __future__ import annotations

import pytest

import explain
from tests.tolerances import float32_model_tolerance

TEXT = "the ride was not smooth, but i love the car"
NOISE_METHODS = ("smoothgrad", "smoothgrad_ig", "vargrad", "vargrad_ig")


def test_registered_with_declared_settings() -> None:
    for name in NOISE_METHODS:
        method = explain.METHODS[name]
        declared = {setting.name for setting in method.settings}
        assert {"n_samples", "stdev", "seed"} <= declared
        assert ("n_steps" in declared) == name.endswith("_ig")
        assert method.uses_baseline == name.endswith("_ig")
        assert method.paper.startswith("https://arxiv.org/")
    assert explain.METHODS["smoothgrad_ig"].signed
    assert not any(explain.METHODS[n].signed for n in ("smoothgrad", "vargrad", "vargrad_ig"))


def test_smoothgrad_without_noise_is_saliency(tiny_model: explain.LoadedModel) -> None:
    smooth = explain.attribute(tiny_model, TEXT, method="smoothgrad", stdev=0.0, n_samples=4)
    plain = explain.attribute(tiny_model, TEXT, method="saliency")
    text = [i for i, special in enumerate(plain.special_tokens) if not special]
    # Four copies in one batch against one pass: float32 rounding apart.
    assert [smooth.scores[i] for i in text] == pytest.approx(
        [plain.scores[i] for i in text], rel=1e-5, abs=float32_model_tolerance(plain.scores)
    )
    assert all(s == 0.0 for s, sp in zip(smooth.scores, smooth.special_tokens, strict=True) if sp)
    assert not smooth.signed


def test_smoothgrad_ig_without_noise_is_layer_ig(tiny_model: explain.LoadedModel) -> None:
    smooth = explain.attribute(
        tiny_model, TEXT, method="smoothgrad_ig", stdev=0.0, n_samples=2, n_steps=16
    )
    plain = explain.attribute(tiny_model, TEXT, n_steps=16)
    assert smooth.scores == pytest.approx(
        plain.scores, rel=1e-4, abs=float32_model_tolerance(plain.scores)
    )
    assert smooth.delta is None


@pytest.mark.parametrize("name", ["vargrad", "vargrad_ig"])
def test_vargrad_without_noise_is_zero_and_with_noise_is_not(
    tiny_model: explain.LoadedModel, name: str
) -> None:
    still = explain.attribute(tiny_model, TEXT, method=name, stdev=0.0, n_samples=3)
    # The copies agree, so E[x²] - E[x]² leaves only float32 rounding: a few ulps of the
    # summed squares it cancels, the squared gradient norm (saliency) times the squared
    # embedding difference (of order one, LayerNorm'd) for VarGrad over IG.
    saliency = explain.attribute(tiny_model, TEXT, method="saliency")
    rounding = float32_model_tolerance(max(saliency.scores) ** 2, count=16)
    assert max(abs(score) for score in still.scores) < rounding
    noisy = explain.attribute(tiny_model, TEXT, method=name, stdev=0.5, n_samples=6)
    text_scores = [
        s for s, special in zip(noisy.scores, noisy.special_tokens, strict=True) if not special
    ]
    assert min(text_scores) >= 0.0
    assert max(text_scores) > 1e-4


def test_noise_is_seeded(tiny_model: explain.LoadedModel) -> None:
    first = explain.attribute(tiny_model, TEXT, method="smoothgrad", stdev=0.5, seed=3)
    again = explain.attribute(tiny_model, TEXT, method="smoothgrad", stdev=0.5, seed=3)
    other = explain.attribute(tiny_model, TEXT, method="smoothgrad", stdev=0.5, seed=4)
    assert first.scores == again.scores
    assert first.scores != other.scores


def test_settings_are_checked(tiny_model: explain.LoadedModel) -> None:
    with pytest.raises(explain.InputError, match="Noisy samples"):
        explain.attribute(tiny_model, TEXT, method="vargrad", n_samples=1)
    with pytest.raises(explain.InputError, match="n_steps"):
        explain.attribute(tiny_model, TEXT, method="smoothgrad", n_steps=4)
