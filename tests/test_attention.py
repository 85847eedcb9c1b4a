"""Attention maps, attention rollout and their heatmaps on tiny random BERTs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import BertForSequenceClassification

import explain
from explain.engine.attention import attention_rollout
from explain.render.attention_figures import attention_heatmap, rollout_heatmap
from explain.views.attention_maps import AttentionMaps, attention_maps

TEXT = "The movie was not very good, but the ride was smooth!"


@pytest.fixture(scope="module")
def eager_twin(tiny_dir: Path) -> BertForSequenceClassification:
    """A second copy of the tiny model, loaded with eager attention from the start."""
    return BertForSequenceClassification.from_pretrained(
        tiny_dir, attn_implementation="eager"
    ).eval()


def reference_attentions(twin: BertForSequenceClassification, loaded: explain.LoadedModel):
    """``(layers, heads, seq, seq)`` weights read from the eager twin, without explain."""
    inputs = loaded.tokenizer(TEXT, return_tensors="pt")
    with torch.no_grad():
        attentions = twin(**inputs, output_attentions=True).attentions
    return torch.stack([layer[0] for layer in attentions]).double().numpy()


def test_rollout_of_a_two_layer_example_by_hand() -> None:
    # Layer 1 heads average to [[1, 0], [.5, .5]]; with the residual: [[1, 0], [.25, .75]].
    # Layer 2 heads average to [[0, 1], [1, 0]]; with the residual: [[.5, .5], [.5, .5]].
    # Rollout = A2 @ A1 = [[.625, .375], [.625, .375]].
    attentions = np.array(
        [
            [[[1.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]],
            [[[0.0, 1.0], [1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]]],
        ]
    )  # (layers=2, heads=2, 2, 2)
    np.testing.assert_allclose(attention_rollout(attentions), [[0.625, 0.375], [0.625, 0.375]])


def test_rollout_composes_layers_in_order() -> None:
    """The first layer acts first: R = A2 @ A1, not A1 @ A2."""
    first = np.array([[[[0.0, 1.0], [0.0, 1.0]]]])  # everyone looks at token 1
    second = np.array([[[[1.0, 0.0], [1.0, 0.0]]]])  # everyone looks at token 0
    rollout = attention_rollout(np.concatenate([first, second]))
    a1 = np.array([[0.5, 0.5], [0.0, 1.0]])
    a2 = np.array([[1.0, 0.0], [0.5, 0.5]])
    np.testing.assert_allclose(rollout, a2 @ a1)
    assert not np.allclose(rollout, a1 @ a2)


def test_maps_equal_an_eager_forward_and_rollout_rows_sum_to_one(
    tiny_model: explain.LoadedModel, eager_twin: BertForSequenceClassification
) -> None:
    maps = attention_maps(tiny_model, TEXT)
    expected = reference_attentions(eager_twin, tiny_model)
    assert maps.attentions.shape == expected.shape == (2, 4, len(maps.tokens), len(maps.tokens))
    np.testing.assert_allclose(maps.attentions, expected, atol=1e-6)
    np.testing.assert_allclose(maps.rollout.sum(axis=-1), 1.0, atol=1e-12)
    by_hand = np.eye(len(maps.tokens))
    for layer in expected:
        mixed = 0.5 * layer.mean(axis=0) + 0.5 * np.eye(len(maps.tokens))
        by_hand = (mixed / mixed.sum(axis=-1, keepdims=True)) @ by_hand
    np.testing.assert_allclose(maps.rollout, by_hand, atol=1e-6)
    assert tiny_model.model.config._attn_implementation == "sdpa", "restored after reading"


def test_attention_methods_score_the_cls_row(
    tiny_model: explain.LoadedModel, eager_twin: BertForSequenceClassification
) -> None:
    expected = reference_attentions(eager_twin, tiny_model)
    last = explain.attribute(tiny_model, TEXT, method="attention")
    np.testing.assert_allclose(last.scores, expected[-1].mean(axis=0)[0], atol=1e-6)
    rollout = explain.attribute(tiny_model, TEXT, method="attention_rollout")
    np.testing.assert_allclose(rollout.scores, attention_rollout(expected)[0], atol=1e-6)
    for result in (last, rollout):
        assert not result.signed
        assert sum(result.scores) == pytest.approx(1.0, abs=1e-6)
        assert result.f_baseline is None
        assert result.delta is None
        assert result.baseline_tokens == ()


def test_attention_scores_do_not_depend_on_the_target(
    three_label_model: explain.LoadedModel,
) -> None:
    runs = [
        explain.attribute(three_label_model, TEXT, method="attention_rollout", target=label)
        for label in range(3)
    ]
    assert runs[0].scores == runs[1].scores == runs[2].scores
    assert [run.target_index for run in runs] == [0, 1, 2]
    assert runs[1].f_input == pytest.approx(runs[1].probabilities[1], abs=1e-6)


def test_maps_are_read_only(tiny_model: explain.LoadedModel) -> None:
    maps = attention_maps(tiny_model, TEXT)
    with pytest.raises(ValueError, match="read-only"):
        maps.attentions[0, 0, 0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        maps.rollout[0, 0] = 1.0


def test_maps_check_their_shapes() -> None:
    with pytest.raises(ValueError, match="layers, heads, 2, 2"):
        AttentionMaps(("a", "b"), (False, False), np.zeros((1, 1, 3, 3)), np.eye(2))
    with pytest.raises(ValueError, match="rollout"):
        AttentionMaps(("a", "b"), (False, False), np.zeros((1, 1, 2, 2)), np.eye(3))


def test_heatmaps_show_the_chosen_matrix_with_escaped_tokens() -> None:
    attentions = np.random.default_rng(0).dirichlet(np.ones(3), size=(2, 2, 3))  # (2, 2, 3, 3)
    maps = AttentionMaps(
        ("[CLS]", "<b>x</b>", "[SEP]"),
        (True, False, True),
        attentions,
        attention_rollout(attentions),
    )
    mean = attention_heatmap(maps, layer=1)
    np.testing.assert_allclose(np.array(mean.data[0].z), attentions[1].mean(axis=0))
    head = attention_heatmap(maps, layer=0, head=1)
    np.testing.assert_allclose(np.array(head.data[0].z), attentions[0, 1])
    assert "layer 1 of 2" in head.layout.title.text
    assert "head 2 of 2" in head.layout.title.text
    rollout = rollout_heatmap(maps)
    np.testing.assert_allclose(np.array(rollout.data[0].z), maps.rollout)
    for figure in (mean, head, rollout):
        assert "<b>x</b>" not in list(figure.data[0].x)
        assert "&lt;b&gt;x&lt;/b&gt;" in list(figure.data[0].y)


@pytest.mark.parametrize(("layer", "head"), [(2, "mean"), (-1, "mean"), (0, 4), (0, "max")])
def test_heatmap_refuses_a_missing_layer_or_head(layer: int, head) -> None:
    maps = AttentionMaps(("a",), (False,), np.ones((2, 4, 1, 1)), np.ones((1, 1)))
    with pytest.raises(ValueError, match="from 0 to"):
        attention_heatmap(maps, layer=layer, head=head)
