"""The integration path and the convergence study, on tiny random BERTs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import explain
from explain.render.path_figures import (
    convergence_plot,
    path_curve,
    path_gradients,
    path_probabilities,
)
from explain.views.integration_path import (
    Convergence,
    ConvergenceCurve,
    IntegrationPath,
    convergence,
    integration_path,
    path_grid,
)
from tests.tolerances import float32_model_tolerance

TEXT = "The movie was not very good, but the ride was smooth!"


@pytest.mark.parametrize(("baseline", "output"), [("pad", "probability"), ("zero", "logit")])
def test_ends_of_the_path_are_the_baseline_and_the_input(
    tiny_model: explain.LoadedModel, baseline: str, output: str
) -> None:
    path = integration_path(tiny_model, TEXT, baseline=baseline, output=output, n_points=5)
    reference = explain.attribute(tiny_model, TEXT, baseline=baseline, output=output, n_steps=4)
    assert path.alphas[0] == 0.0
    assert path.alphas[-1] == 1.0
    # The path runs its points in one batch, the reference the two ends apart.
    tolerance = float32_model_tolerance(reference.f_input, reference.f_baseline)
    assert path.f_values[0] == pytest.approx(reference.f_baseline, abs=tolerance)
    assert path.f_values[-1] == pytest.approx(reference.f_input, abs=tolerance)
    assert path.f_baseline == pytest.approx(reference.f_baseline, abs=tolerance)
    assert path.f_input == pytest.approx(reference.f_input, abs=tolerance)
    assert path.probabilities[-1] == pytest.approx(
        reference.probabilities, abs=float32_model_tolerance(reference.probabilities)
    )
    assert path.target_index == reference.target_index
    assert path.tokens == reference.tokens


def test_gauss_legendre_grid_reproduces_integrated_gradients(
    tiny_model: explain.LoadedModel,
) -> None:
    """Weighting the integrands by Gauss-Legendre weights is exactly Layer IG."""
    path = integration_path(tiny_model, TEXT, baseline="mask", n_points=16, grid="gausslegendre")
    reference = explain.attribute(tiny_model, TEXT, baseline="mask", n_steps=16)
    assert all(0.0 < alpha < 1.0 for alpha in path.alphas)
    assert sum(path.weights) == pytest.approx(1.0)
    scores = float32_model_tolerance(reference.scores)
    assert path.attributions == pytest.approx(reference.scores, abs=scores)
    # A delta is a difference of sums: it rounds with the terms, not with its own size.
    terms = (reference.f_input, reference.f_baseline, sum(map(abs, reference.scores)))
    assert path.delta == pytest.approx(reference.delta, abs=float32_model_tolerance(*terms))


def test_integrands_are_the_slope_of_f_and_integrate_to_the_change(
    tiny_model: explain.LoadedModel,
) -> None:
    path = integration_path(tiny_model, TEXT, baseline="zero", output="logit", n_points=201)
    change = path.output_change
    assert abs(change) > 0.1, "the tiny model must react to the input for this test to mean much"
    # The chain rule: the tokens' integrands add up to dF/dalpha, which a
    # central difference of F along the same grid estimates to O(h^2).
    f = np.asarray(path.f_values)
    h = path.alphas[1] - path.alphas[0]
    central = (f[2:] - f[:-2]) / (2 * h)
    slope = np.asarray(path.derivatives)[1:-1]
    assert np.abs(central - slope).max() < 1e-2 * np.abs(slope).max()
    # So their trapezoid integral is F(input) - F(baseline).
    assert float(np.trapezoid(path.derivatives, path.alphas)) == pytest.approx(change, rel=1e-3)
    assert sum(path.attributions) == pytest.approx(change, rel=1e-3)


def test_batched_points_equal_points_taken_alone(tiny_model: explain.LoadedModel) -> None:
    five = integration_path(tiny_model, TEXT, baseline="pad", n_points=5)  # 0, .25, .5, .75, 1
    three = integration_path(tiny_model, TEXT, baseline="pad", n_points=3)  # 0, .5, 1
    for row_five, row_three in ((0, 0), (2, 1), (4, 2)):
        assert five.alphas[row_five] == three.alphas[row_three]
        # Batches of five and of three points: float32 rounding apart, not bit for bit.
        integrands, norms = three.integrands[row_three], three.gradient_norms[row_three]
        assert five.integrands[row_five] == pytest.approx(
            integrands, abs=float32_model_tolerance(integrands)
        )
        assert five.gradient_norms[row_five] == pytest.approx(
            norms, abs=float32_model_tolerance(norms)
        )
        assert five.f_values[row_five] == pytest.approx(
            three.f_values[row_three], abs=float32_model_tolerance(three.f_values)
        )


def test_input_end_matches_saliency_and_input_x_gradient(tiny_model: explain.LoadedModel) -> None:
    """With the zero baseline, x - b is x at text tokens and 0 at special ones."""
    path = integration_path(tiny_model, TEXT, baseline="zero", n_points=2)
    saliency = explain.attribute(tiny_model, TEXT, method="saliency")
    input_x_gradient = explain.attribute(tiny_model, TEXT, method="input_x_gradient")
    tolerance = float32_model_tolerance(saliency.scores)  # other passes, other batches
    assert path.gradient_norms[-1] == pytest.approx(saliency.scores, abs=tolerance)
    for integrand, expected, special in zip(
        path.integrands[-1], input_x_gradient.scores, path.special_tokens, strict=True
    ):
        assert integrand == pytest.approx(0.0 if special else expected, abs=tolerance)


def test_three_labels_and_a_named_target(three_label_model: explain.LoadedModel) -> None:
    path = integration_path(three_label_model, TEXT, target="neutral", n_points=4)
    assert path.target_label == "neutral"
    assert all(len(row) == 3 and sum(row) == pytest.approx(1.0) for row in path.probabilities)
    assert path.f_values == pytest.approx(
        [row[1] for row in path.probabilities], abs=float32_model_tolerance(path.f_values)
    )


def test_the_shared_model_is_left_as_it_was(tiny_model: explain.LoadedModel) -> None:
    flags = [parameter.requires_grad for parameter in tiny_model.model.parameters()]
    integration_path(tiny_model, TEXT, n_points=3)
    convergence(tiny_model, TEXT, steps=(2,))
    assert not tiny_model.embeddings._forward_hooks
    assert [parameter.requires_grad for parameter in tiny_model.model.parameters()] == flags
    assert type(tiny_model.model.bert.encoder.layer[-1]).__name__ == "BertLayer"


def test_gauss_legendre_converges_faster_than_the_trapezoid(
    tiny_model: explain.LoadedModel,
) -> None:
    result = convergence(tiny_model, TEXT, baseline="zero", steps=(1, 4, 16, 64))
    trapezoid = result.curve("riemann_trapezoid")
    gauss = result.curve("gausslegendre")
    assert trapezoid.steps == (4, 16, 64)  # Captum's Riemann rules need 2 steps or more
    assert gauss.steps == (1, 4, 16, 64)
    assert gauss.at(64) < trapezoid.at(64)
    assert trapezoid.at(64) < trapezoid.at(4)
    # Captum's trapezoid puts n points 1/(n - 1) apart but weights them 1/n (the
    # ends halved): its sum is (n - 1) / n times the true trapezoid rule's.
    path = integration_path(tiny_model, TEXT, baseline="zero", n_points=16)
    change = result.output_change
    captum_sum = trapezoid.deltas[trapezoid.steps.index(16)] + change
    assert captum_sum == pytest.approx(15 / 16 * sum(path.attributions), abs=1e-5)
    reference = explain.attribute(tiny_model, TEXT, baseline="zero", n_steps=16)
    terms = (reference.f_input, reference.f_baseline, sum(map(abs, reference.scores)))
    assert gauss.deltas[gauss.steps.index(16)] == pytest.approx(
        reference.delta, abs=float32_model_tolerance(*terms)
    )
    assert result.f_input - result.f_baseline == pytest.approx(reference.output_change, abs=1e-6)


def test_riemann_rules_match_captum_weights(tiny_model: explain.LoadedModel) -> None:
    """Left and right Riemann sums on the same points differ by exactly (g(1) - g(0)) / n."""
    n = 8
    result = convergence(
        tiny_model, TEXT, output="logit", steps=(n,), rules=("riemann_left", "riemann_right")
    )
    path = integration_path(tiny_model, TEXT, output="logit", n_points=n + 1)
    slope = path.derivatives
    expected = (slope[-1] - slope[0]) / n
    left, right = result.curve("riemann_left").deltas[0], result.curve("riemann_right").deltas[0]
    # Two deltas (differences of sums of logits' slopes) minus each other.
    tolerance = float32_model_tolerance(result.f_input, result.f_baseline, slope)
    assert right - left == pytest.approx(expected, abs=tolerance)
    assert result.rules == ("riemann_left", "riemann_right")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: integration_path(m, TEXT, n_points=1), explain.InputError),
        (lambda m: integration_path(m, TEXT, grid="simpson"), ValueError),
        (lambda m: integration_path(m, "   "), explain.InputError),
        (lambda m: integration_path(m, TEXT, baseline="nothing"), ValueError),
        (lambda m: convergence(m, TEXT, steps=(0, 2)), explain.InputError),
        (lambda m: convergence(m, TEXT, steps=()), explain.InputError),
        (lambda m: convergence(m, TEXT, steps=(2,), rules=("simpson",)), ValueError),
    ],
)
def test_bad_settings_name_the_fix(tiny_model: explain.LoadedModel, call, error) -> None:
    with pytest.raises(error):
        call(tiny_model)


def test_uniform_grid_weights_are_the_trapezoid_rule() -> None:
    alphas, weights = path_grid(5)
    assert alphas == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])
    assert weights == pytest.approx([0.125, 0.25, 0.25, 0.25, 0.125])


def hand_made_path() -> IntegrationPath:
    """Three points, three tokens, hostile strings, numbers worked out by hand."""
    return IntegrationPath(
        text="<b>bold</b>",
        tokens=("[CLS]", "<b>", "[SEP]"),
        special_tokens=(True, False, True),
        labels=("negative", "<i>positive</i>"),
        target_index=1,
        output="probability",
        baseline="pad",
        grid="uniform",
        alphas=(0.0, 0.5, 1.0),
        weights=(0.25, 0.5, 0.25),
        f_values=(0.2, 0.5, 0.6),
        probabilities=((0.8, 0.2), (0.5, 0.5), (0.4, 0.6)),
        integrands=((0.0, 0.4, 0.0), (0.0, 0.6, -0.2), (0.0, 0.0, 0.2)),
        gradient_norms=((1.0, 2.0, 3.0), (1.0, 1.0, 1.0), (0.5, 0.5, 0.5)),
        f_baseline=0.2,
        f_input=0.6,
        checkpoint="hand",
        seconds=0.0,
    )


def test_hand_made_path_properties() -> None:
    path = hand_made_path()
    assert path.derivatives == pytest.approx((0.4, 0.4, 0.2))
    # 0.25 * 0.4 + 0.5 * 0.6 = 0.4 for the text token; 0.5 * -0.2 + 0.25 * 0.2 = -0.05 for [SEP]
    assert path.attributions == pytest.approx((0.0, 0.4, -0.05))
    assert path.delta == pytest.approx(0.35 - 0.4)
    assert path.nearest(0.3) == 1
    assert path.nearest(0.9) == 2
    with pytest.raises(ValueError, match="one row of f_values"):
        IntegrationPath(**{**hand_made_path().__dict__, "f_values": (0.2, 0.5)})


def test_path_figures_have_their_traces_and_escape_text() -> None:
    path = hand_made_path()
    curve = path_curve(path)
    assert len(curve.data) == 3
    assert list(curve.data[0].y) == [0.2, 0.5, 0.6]
    assert list(curve.data[1].x) == [0.0, 1.0]
    assert curve.data[2].fill == "tozeroy"
    assert list(curve.data[2].y) == pytest.approx([0.4, 0.4, 0.2])
    marked = path_curve(path, alpha_index=1)
    assert len(marked.data) == 5
    assert [trace.x[0] for trace in marked.data[3:]] == [0.5, 0.5]
    bars = path_gradients(path, 1)
    assert list(bars.data[0].y) == [0.0, 0.6, -0.2]
    assert "&lt;b&gt;" in bars.layout.xaxis.ticktext[1]
    assert "<b>" not in "".join(bars.layout.xaxis.ticktext)
    probabilities = path_probabilities(path, 2)
    assert list(probabilities.data[0].x) == [0.4, 0.6]
    assert list(probabilities.data[0].y) == ["negative", "&lt;i&gt;positive&lt;/i&gt;"]
    assert "&lt;i&gt;" in curve.layout.annotations[0].text
    with pytest.raises(ValueError, match="alpha_index"):
        path_gradients(path, 3)


def test_convergence_plot_has_one_log_log_trace_per_rule() -> None:
    result = Convergence(
        text="x",
        labels=("a", "<b>b</b>"),
        target_index=1,
        output="logit",
        baseline="zero",
        f_input=1.0,
        f_baseline=0.0,
        curves=(
            ConvergenceCurve("riemann_trapezoid", (2, 4), (-0.5, -0.25)),
            ConvergenceCurve("gausslegendre", (1, 2, 4), (0.1, -0.01, 0.001)),
        ),
        checkpoint="hand",
        seconds=0.0,
    )
    figure = convergence_plot(result)
    assert [trace.name for trace in figure.data] == ["Riemann, trapezoid", "Gauss-Legendre"]
    assert list(figure.data[0].y) == [0.5, 0.25]
    assert list(figure.data[1].y) == pytest.approx([0.1, 0.01, 0.001])
    assert figure.layout.xaxis.type == "log"
    assert figure.layout.yaxis.type == "log"
    assert "&lt;b&gt;" in figure.layout.title.text
    assert math.isclose(result.curve("gausslegendre").at(4), 0.001)
    with pytest.raises(ValueError, match="not run with 8 steps"):
        result.curve("gausslegendre").at(8)
    with pytest.raises(ValueError, match="not measured"):
        result.curve("riemann_left")
