"""The baseline registry builds the right ids and embeddings."""

from __future__ import annotations

import pytest
import torch

import explain
from explain.encoding import encode


def test_token_baselines_keep_special_tokens_and_replace_the_rest(
    tiny_model: explain.LoadedModel,
) -> None:
    tokenizer = tiny_model.tokenizer
    encoding = encode(tokenizer, "the movie was great", 64, torch.device("cpu"))
    ids, special = encoding.input_ids, encoding.special_mask
    for name, token in (("pad", "[PAD]"), ("mask", "[MASK]"), ("unk", "[UNK]")):
        baseline_ids = explain.get_baseline(name).token_ids(ids, special, tokenizer)
        assert baseline_ids.shape == ids.shape
        tokens = tokenizer.convert_ids_to_tokens(baseline_ids[0].tolist())
        assert tokens == ["[CLS]", token, token, token, token, "[SEP]"]


def test_zero_baseline_zeroes_text_positions_only() -> None:
    embedding = torch.randn(1, 5, 8)  # (batch, seq_len, hidden)
    special = torch.tensor([[True, False, False, False, True]])
    baseline = explain.get_baseline("zero").embedding(embedding, special)
    assert baseline.shape == embedding.shape
    assert torch.equal(baseline[0, 1:4], torch.zeros(3, 8))
    assert torch.equal(baseline[0, [0, 4]], embedding[0, [0, 4]])


def test_result_reports_the_baseline_it_integrated_from(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, "the car was loud", baseline="mask", n_steps=2)
    assert result.baseline_tokens == ("[CLS]", "[MASK]", "[MASK]", "[MASK]", "[MASK]", "[SEP]")
    zero = explain.attribute(tiny_model, "the car was loud", baseline="zero", n_steps=2)
    assert zero.baseline_tokens[0] == "[CLS]"
    assert zero.baseline_tokens[-1] == "[SEP]"
    assert set(zero.baseline_tokens[1:-1]) == {"∅"}


def test_every_baseline_has_a_description() -> None:
    assert set(explain.BASELINES) >= {"pad", "mask", "unk", "zero"}
    for baseline in explain.BASELINES.values():
        assert baseline.description.strip()


def test_unknown_baseline_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="pad, mask, unk, zero"):
        explain.get_baseline("gaussian")


def test_embedding_baseline_refuses_token_ids(tiny_model: explain.LoadedModel) -> None:
    with pytest.raises(ValueError, match="does not replace tokens"):
        explain.get_baseline("zero").token_id(tiny_model.tokenizer)
