"""The pooled last layer: same logits, fewer rows, and the model given back intact."""

from __future__ import annotations

import pytest
import torch
from transformers import BertConfig, BertForMaskedLM

import explain
from explain.engine.attention import attention_implementation
from explain.engine.pooled import PooledTokenLayer, last_layer_pooled, supports_pooled_layer
from tests.tolerances import float32_model_tolerance

TEXTS = ["the movie was not very good", "bad", "i love this car, but the ride is loud !"]


@pytest.mark.parametrize("attention", ["sdpa", "eager"])  # boolean and additive masks
def test_same_logits_with_padding(tiny_model: explain.LoadedModel, attention: str) -> None:
    batch = tiny_model.tokenizer(TEXTS, padding=True, return_tensors="pt")
    assert not bool(batch["attention_mask"].all()), "the batch must hold padding"
    with attention_implementation(tiny_model.model, attention), torch.no_grad():
        expected = tiny_model.model(**batch).logits
        with last_layer_pooled(tiny_model.model) as active:
            assert active
            assert isinstance(tiny_model.model.bert.encoder.layer[-1], PooledTokenLayer)
            pooled = tiny_model.model(**batch).logits
    # The last layer on the [CLS] row only: the same sums in other shapes, so float32
    # rounding apart.
    torch.testing.assert_close(pooled, expected, atol=float32_model_tolerance(expected), rtol=1e-5)


def test_same_input_gradients(tiny_model: explain.LoadedModel) -> None:
    batch = tiny_model.tokenizer(TEXTS[:1], return_tensors="pt")

    def gradient() -> torch.Tensor:
        embeddings = tiny_model.model.bert.embeddings(batch["input_ids"]).detach()
        embeddings.requires_grad_(True)
        logits = tiny_model.model(inputs_embeds=embeddings).logits
        (grad,) = torch.autograd.grad(logits[0, 1], embeddings)
        return grad

    expected = gradient()
    with last_layer_pooled(tiny_model.model):
        pooled = gradient()
    torch.testing.assert_close(pooled, expected, atol=float32_model_tolerance(expected), rtol=1e-5)


def test_layer_restored_even_after_an_error(tiny_model: explain.LoadedModel) -> None:
    original = tiny_model.model.bert.encoder.layer[-1]
    try:
        with last_layer_pooled(tiny_model.model):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert tiny_model.model.bert.encoder.layer[-1] is original


def test_other_models_are_left_alone() -> None:
    config = BertConfig(
        vocab_size=20,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
    )
    model = BertForMaskedLM(config).eval()
    assert not supports_pooled_layer(model)
    original = model.bert.encoder.layer[-1]
    with last_layer_pooled(model) as active:
        assert not active
        assert model.bert.encoder.layer[-1] is original
