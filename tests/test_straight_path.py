"""Straight-path integration: Captum's quadrature, the probe's gradient, the layer shortcut."""

from __future__ import annotations

import pytest
import torch
from captum.attr import IntegratedGradients
from captum.attr._utils.approximation_methods import approximation_parameters
from transformers import BertConfig, BertForMaskedLM

import explain
from explain.engine.attention import attention_implementation
from explain.engine.straight_path import (
    PathFirstLayer,
    StraightPath,
    first_layer_on_path,
    gauss_legendre,
    integrate_gradients,
    supports_path_first_layer,
)
from tests.tolerances import float32_model_tolerance

TEXTS = ["the movie was not very good", "bad", "i love this car, but the ride is loud !"]


@pytest.mark.parametrize("n_points", [1, 2, 7, 50])
def test_gauss_legendre_is_captums(n_points: int) -> None:
    step_sizes, alphas = approximation_parameters("gausslegendre")
    ours_alphas, ours_weights = gauss_legendre(n_points)
    assert ours_alphas == pytest.approx(alphas(n_points), abs=1e-12)
    assert ours_weights == pytest.approx(step_sizes(n_points), abs=1e-12)
    assert sum(ours_weights) == pytest.approx(1.0)


def _path(rows: int = 2, steps: int = 3, seq_len: int = 4, hidden: int = 6) -> StraightPath:
    generator = torch.Generator().manual_seed(0)
    return StraightPath(
        start=torch.randn(rows, seq_len, hidden, generator=generator),
        direction=torch.randn(rows, seq_len, hidden, generator=generator),
        probe=torch.randn(rows, seq_len, hidden, generator=generator),
        coefficients=torch.rand(steps, 2, generator=generator),
    )


def test_points_are_step_major() -> None:
    path = _path()
    points = path.points().view(3, 2, 4, 6)  # (steps, rows, seq_len, hidden)
    for step, (alpha, weight) in enumerate(path.coefficients.tolist()):
        expected = path.start + alpha * path.direction + weight * path.probe
        torch.testing.assert_close(points[step], expected)


def test_projection_of_the_ends_equals_projecting_every_point() -> None:
    path = _path()
    linear = torch.nn.Linear(6, 5)
    with torch.no_grad():
        torch.testing.assert_close(path.projected(linear), linear(path.points()))


def _sine_outputs(points: torch.Tensor, steps: int) -> torch.Tensor:
    # F(h) = sum of sin(h) over each row's tokens and hidden units: dF/dh = cos(h)
    return torch.sin(points).flatten(1).sum(dim=1)


@pytest.mark.parametrize("steps_per_pass", [1, 3, 7, 50])
def test_weighted_gradient_sum_equals_the_quadrature(steps_per_pass: int) -> None:
    generator = torch.Generator().manual_seed(1)
    start = torch.randn(2, 3, 4, generator=generator, dtype=torch.float64)
    end = torch.randn(2, 3, 4, generator=generator, dtype=torch.float64)
    scores = integrate_gradients(
        _sine_outputs, torch.nn.Identity(), start, end, n_steps=7, steps_per_pass=steps_per_pass
    )
    alphas, weights = gauss_legendre(7)
    expected = sum(
        w * torch.cos(start + a * (end - start)) for a, w in zip(alphas, weights, strict=True)
    ) * (end - start)
    torch.testing.assert_close(scores, expected)
    # completeness: the integral of dF/dalpha is F(end) - F(start)
    change = _sine_outputs(end, 1) - _sine_outputs(start, 1)
    torch.testing.assert_close(scores.flatten(1).sum(dim=1), change, atol=1e-9, rtol=1e-9)


def test_steps_are_shared_evenly_among_passes() -> None:
    seen = []

    def counting(points: torch.Tensor, steps: int) -> torch.Tensor:
        seen.append(steps)
        return _sine_outputs(points, steps)

    start = torch.zeros(1, 2, 3)
    integrate_gradients(counting, torch.nn.Identity(), start, start + 1, 50, steps_per_pass=32)
    assert seen == [25, 25]
    seen.clear()
    integrate_gradients(counting, torch.nn.Identity(), start, start + 1, 50, steps_per_pass=7)
    assert sum(seen) == 50
    assert max(seen) <= 7
    assert max(seen) - min(seen) <= 1


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_shortcut_equals_the_plain_first_layer(
    tiny_model: explain.LoadedModel, attention: str
) -> None:
    model = tiny_model.model
    batch = tiny_model.tokenizer(TEXTS, padding=True, return_tensors="pt")
    assert not bool(batch["attention_mask"].all()), "the batch must hold padding"
    with torch.no_grad():
        embeddings = tiny_model.embeddings(
            input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"]
        )
    start, end = embeddings.roll(1, dims=0), embeddings

    def outputs_at(points: torch.Tensor, steps: int) -> torch.Tensor:
        inputs = {key: value.repeat(steps, 1) for key, value in batch.items()}
        handle = tiny_model.embeddings.register_forward_hook(lambda *_: points)
        try:
            return model(**inputs).logits[:, 1]
        finally:
            handle.remove()

    with attention_implementation(model, attention):
        with_shortcut = integrate_gradients(outputs_at, model, start, end, 6, steps_per_pass=4)
        without = integrate_gradients(
            outputs_at, torch.nn.Identity(), start, end, 6, steps_per_pass=4
        )
    # The shortcut projects the ends and interpolates: the same sums, rounded otherwise.
    torch.testing.assert_close(
        with_shortcut, without, atol=float32_model_tolerance(without), rtol=1e-4
    )


def test_equals_captum_integrated_gradients(tiny_model: explain.LoadedModel) -> None:
    model = tiny_model.model
    batch = tiny_model.tokenizer(TEXTS[:1], return_tensors="pt")
    with torch.no_grad():
        end = tiny_model.embeddings(input_ids=batch["input_ids"])
    start = torch.zeros_like(end)

    def logit(points: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        rows = points.shape[0]
        handle = tiny_model.embeddings.register_forward_hook(lambda *_: points)
        try:
            return model(input_ids=batch["input_ids"].expand(rows, -1)).logits[:, 0]
        finally:
            handle.remove()

    ours = integrate_gradients(logit, model, start, end, 20, steps_per_pass=20)
    captum = IntegratedGradients(logit).attribute(
        end, baselines=start, n_steps=20, method="gausslegendre"
    )
    # Captum batches and sums the steps its own way: float32 rounding apart.
    torch.testing.assert_close(ours, captum, atol=float32_model_tolerance(captum), rtol=1e-4)


def test_first_layer_restored_even_after_an_error(tiny_model: explain.LoadedModel) -> None:
    original = tiny_model.model.bert.encoder.layer[0]
    swapped = []
    try:
        with first_layer_on_path(tiny_model.model, _path(hidden=32)) as active:
            swapped.append(active and tiny_model.model.bert.encoder.layer[0])
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert isinstance(swapped[0], PathFirstLayer)
    assert tiny_model.model.bert.encoder.layer[0] is original


def test_other_models_are_left_alone() -> None:
    config = BertConfig(
        vocab_size=20,
        hidden_size=8,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=16,
    )
    model = BertForMaskedLM(config).eval()
    assert not supports_path_first_layer(model)
    original = model.bert.encoder.layer[0]
    with first_layer_on_path(model, _path(hidden=8)) as active:
        assert not active
        assert model.bert.encoder.layer[0] is original
