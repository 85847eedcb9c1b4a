"""All-layer conductance on tiny random BERTs, checked against Captum's LayerConductance."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from captum.attr import LayerConductance

import explain
from explain.engine.straight_path import gauss_legendre
from explain.render.conductance_figures import conductance_heatmap
from explain.views.conductance import AllLayerConductance, LayerConductanceResult
from tests.tiny import save_tiny_classifier
from tests.tolerances import float32_model_tolerance

TEXT = "The movie was not very good, but the ride was smooth!"
HOSTILE_LABEL = "<b>positive</b>"


@pytest.fixture(scope="module")
def four_layer_model(tmp_path_factory: pytest.TempPathFactory) -> explain.LoadedModel:
    directory: Path = save_tiny_classifier(
        tmp_path_factory.mktemp("tiny4") / "checkpoint",
        labels=("negative", HOSTILE_LABEL),
        extra_tokens=("<", ">", "&"),
        seed=2,
        layers=4,
    )
    return explain.load_checkpoint(str(directory), device="cpu")


def captum_per_layer(
    loaded: explain.LoadedModel, text: str, baseline: str, output: str, n_steps: int
) -> torch.Tensor:
    """``(layers + 1, seq_len)`` per-token conductance, one Captum call per layer.

    Built from the model's parts alone: the path runs through the embeddings
    layer's output, injected by a hook, and an ``Identity`` in front of the
    injection gives Captum a module whose output is the path itself.
    """
    bert = loaded.model.bert
    encoded = loaded.tokenizer(text, return_tensors="pt")
    ids, mask, types = encoded["input_ids"], encoded["attention_mask"], encoded["token_type_ids"]
    with torch.no_grad():
        inputs = bert.embeddings(input_ids=ids, token_type_ids=types)
        if baseline == "pad":
            baseline_ids = ids.clone()
            baseline_ids[0, 1:-1] = loaded.tokenizer.pad_token_id
            baselines = bert.embeddings(input_ids=baseline_ids, token_type_ids=types)
        else:
            baselines = inputs.clone()
            baselines[0, 1:-1] = 0.0
    passthrough = torch.nn.Identity()

    def forward(embeddings: torch.Tensor, input_ids: torch.Tensor) -> torch.Tensor:
        path = passthrough(embeddings)
        batch = input_ids.shape[0]
        handle = bert.embeddings.register_forward_hook(lambda *_: path)
        try:
            logits = loaded.model(
                input_ids=input_ids,
                attention_mask=mask.expand(batch, -1),
                token_type_ids=types.expand(batch, -1),
            ).logits
        finally:
            handle.remove()
        return torch.softmax(logits, dim=-1)[:, 1] if output == "probability" else logits[:, 1]

    rows = [
        LayerConductance(forward, layer).attribute(
            inputs, baselines, additional_forward_args=(ids,), n_steps=n_steps
        )
        for layer in (passthrough, *bert.encoder.layer)
    ]
    return torch.cat([row.sum(dim=-1) for row in rows])


@pytest.mark.parametrize("baseline", ["pad", "zero"])
@pytest.mark.parametrize("output", ["probability", "logit"])
def test_equals_captum_layer_conductance_for_every_layer(
    four_layer_model: explain.LoadedModel, baseline: str, output: str
) -> None:
    expected = captum_per_layer(four_layer_model, TEXT, baseline, output, n_steps=20)
    result = AllLayerConductance(four_layer_model).attribute(
        TEXT, target=1, output=output, baseline=baseline, n_steps=20
    )
    assert expected.shape == (5, len(result.tokens))
    assert expected.abs().max() > 1e-3, "the scores must be far from zero for this to mean much"
    # Captum sums the same steps in its own order: float32 rounding apart.
    torch.testing.assert_close(
        torch.tensor(result.scores, dtype=torch.float32),
        expected,
        atol=float32_model_tolerance(expected),
        rtol=1e-4,
    )


def test_shape_names_and_finiteness(tiny_model: explain.LoadedModel) -> None:
    result = AllLayerConductance(tiny_model).attribute(TEXT, n_steps=8)
    layers = tiny_model.model.config.num_hidden_layers
    assert result.layer_names == ("embeddings", *(f"layer {i}" for i in range(1, layers + 1)))
    assert len(result.scores) == layers + 1
    assert all(len(row) == len(result.tokens) for row in result.scores)
    assert result.tokens[0] == "[CLS]"
    assert result.tokens[-1] == "[SEP]"
    assert result.special_tokens[0]
    assert not result.special_tokens[1]
    assert all(math.isfinite(value) for row in result.scores for value in row)
    assert result.target_index == result.predicted_index
    assert sum(result.probabilities) == pytest.approx(1.0, abs=1e-5)


def test_deterministic(tiny_model: explain.LoadedModel) -> None:
    first = AllLayerConductance(tiny_model).attribute(TEXT, baseline="mask", n_steps=12)
    second = AllLayerConductance(tiny_model).attribute(TEXT, baseline="mask", n_steps=12)
    assert first.scores == second.scores
    assert (first.f_input, first.f_baseline) == (second.f_input, second.f_baseline)


@pytest.mark.parametrize("output", ["logit", "log_odds"])
def test_every_layer_adds_up_to_the_output_change(
    four_layer_model: explain.LoadedModel, output: str
) -> None:
    """Every path to the output crosses every layer, so each row sums to F(input) - F(baseline).

    Captum's rule multiplies each step's change by the gradient at the step's
    start, so the error shrinks like 1/n_steps: three times the steps, a third
    of the error.
    """
    explainer = AllLayerConductance(four_layer_model)
    coarse = explainer.attribute(TEXT, target=1, output=output, n_steps=100)
    fine = explainer.attribute(TEXT, target=1, output=output, n_steps=300)
    change = fine.output_change
    assert abs(change) > 0.1, "the tiny model must react to the input for this test to mean much"
    for total in fine.layer_sums:
        assert total == pytest.approx(change, rel=0.05)
    for coarse_delta, fine_delta in zip(coarse.deltas, fine.deltas, strict=True):
        assert abs(fine_delta) < 0.4 * abs(coarse_delta)


def test_first_point_is_near_the_baseline_and_last_near_the_input() -> None:
    alphas, _ = gauss_legendre(51)
    assert list(alphas) == sorted(alphas)
    assert 0 < alphas[0] < 1e-3
    assert 1 - 1e-3 < alphas[-1] < 1
    assert sum(alphas) == pytest.approx(51 / 2)  # symmetric about 1/2


@pytest.mark.parametrize("batch", [1, 4, 7])
def test_internal_batch_size_does_not_change_the_result(
    tiny_model: explain.LoadedModel, batch: int
) -> None:
    whole = AllLayerConductance(tiny_model).attribute(TEXT, n_steps=20, internal_batch_size=21)
    chunked = AllLayerConductance(tiny_model).attribute(TEXT, n_steps=20, internal_batch_size=batch)
    for expected, row in zip(whole.scores, chunked.scores, strict=True):
        # Other chunks of steps, so other matrix shapes: float32 rounding apart.
        assert row == pytest.approx(expected, abs=float32_model_tolerance(whole.scores))


def test_target_by_name_on_three_labels(three_label_model: explain.LoadedModel) -> None:
    result = AllLayerConductance(three_label_model).attribute(
        TEXT, target="neutral", output="logit", n_steps=100
    )
    assert result.target_label == "neutral"
    assert result.layer_sums[-1] == pytest.approx(result.output_change, rel=0.05)


def test_leaves_the_model_as_it_found_it(tiny_model: explain.LoadedModel) -> None:
    model = tiny_model.model
    modules = list(model.modules())
    hooks_before = [len(module._forward_hooks) for module in modules]
    flags_before = [parameter.requires_grad for parameter in model.parameters()]
    AllLayerConductance(tiny_model).attribute(TEXT, baseline="zero", n_steps=4)
    assert [len(module._forward_hooks) for module in modules] == hooks_before
    assert [parameter.requires_grad for parameter in model.parameters()] == flags_before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_steps": 0}, "between 1 and 500"),
        ({"internal_batch_size": 0}, "internal_batch_size"),
        ({"baseline": "noise"}, "Unknown baseline"),
        ({"output": "softmax"}, "Unknown output"),
        ({"target": "sideways"}, "Unknown target label"),
    ],
)
def test_rejects_bad_settings(
    tiny_model: explain.LoadedModel, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        AllLayerConductance(tiny_model).attribute(TEXT, **options)  # type: ignore[arg-type]


def test_result_refuses_ragged_or_nan_scores(tiny_model: explain.LoadedModel) -> None:
    result = AllLayerConductance(tiny_model).attribute(TEXT, n_steps=2)
    fields = {name: getattr(result, name) for name in result.__dataclass_fields__}
    with pytest.raises(ValueError, match="one score per token"):
        LayerConductanceResult(**{**fields, "scores": (*result.scores[:-1], (0.0,))})
    nan_row = (math.nan, *result.scores[0][1:])
    with pytest.raises(ValueError, match="NaN"):
        LayerConductanceResult(**{**fields, "scores": (nan_row, *result.scores[1:])})


def test_heatmap_shape_colours_and_escaped_labels(four_layer_model: explain.LoadedModel) -> None:
    result = AllLayerConductance(four_layer_model).attribute(
        "the <b> film & the car", target=1, n_steps=6
    )
    assert "<" in result.tokens
    assert "&" in result.tokens
    figure = conductance_heatmap(result)
    heatmap = figure.data[0]
    assert len(heatmap.z) == 5
    assert all(len(row) == len(result.tokens) for row in heatmap.z)
    assert tuple(heatmap.z[0]) == result.scores[0]
    assert heatmap.zmin == -heatmap.zmax
    assert heatmap.zmax == max(abs(value) for row in result.scores for value in row)
    assert heatmap.colorscale[0][1] == explain.render.charts.NEGATIVE
    assert heatmap.colorscale[-1][1] == explain.render.charts.POSITIVE
    ticks = list(figure.layout.xaxis.ticktext)
    assert "&lt;" in ticks
    assert "&amp;" in ticks
    assert "the·2" in ticks
    assert "<" not in ticks
    assert list(figure.layout.yaxis.ticktext) == list(result.layer_names)
    assert list(figure.layout.yaxis.tickvals) == list(range(5))  # embeddings at the bottom
    assert heatmap.customdata[2][3][1] == "layer 2"
    assert "<b>positive</b>" not in figure.layout.title.text
    assert "&lt;b&gt;positive&lt;/b&gt;" in figure.layout.title.text
