"""Zero-shot details the pipeline comparisons miss: positions under a pad baseline, templates."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import explain
from explain.core.task_results import task_info_from_fields
from explain.model.encoding import encode
from explain.tasks.zero_shot import hypotheses_head
from tests.architectures import save_architecture
from tests.tolerances import float32_model_tolerance

TEXT = "The ride was smooth and quiet."
CANDIDATES = ("cars", "films", "food")


@pytest.mark.parametrize("name", ["roberta", "bert"])
def test_a_pad_premise_keeps_the_inputs_positions(tmp_path: Path, name: str) -> None:
    """The head's pairs equal the whole model on each pair, positions counted from the mask."""
    labels = ("entailment", "neutral", "contradiction")
    loaded = explain.load_checkpoint(
        str(save_architecture(name, tmp_path / name, labels=labels)), device="cpu"
    )
    target = explain.ZeroShotTarget(CANDIDATES)
    encoding = encode(loaded.tokenizer, TEXT, loaded.max_length, loaded.device)
    head = hypotheses_head(loaded, TEXT, encoding, target, "logit")
    special = encoding.special_mask[0]
    pads = encoding.input_ids.masked_fill(~special, loaded.tokenizer.pad_token_id)  # (1, n)
    with torch.no_grad():
        mine = head.pair_logits(pads, encoding.attention_mask, encoding.token_type_ids)[0]
        for index in range(len(CANDIDATES)):
            kept = head.pair_mask[index].bool()
            ids = torch.cat((pads[0], head.pair_ids[index, pads.shape[1] :]))[kept][None]
            types = None if head.pair_types is None else head.pair_types[index][kept][None]
            extra = {} if types is None else {"token_type_ids": types}
            whole = loaded.model(input_ids=ids, attention_mask=torch.ones_like(ids), **extra)
            expected = whole.logits[0].float()
            tolerance = float32_model_tolerance(expected.tolist())
            assert torch.allclose(mine[index], expected, rtol=0, atol=tolerance), name


@pytest.mark.parametrize("template", ["This is {{}}.", "No slot.", "{} and {}", "{0} {}", "{x}"])
def test_a_template_without_exactly_one_slot_is_refused(template: str) -> None:
    with pytest.raises(explain.InputError, match="exactly one"):
        explain.ZeroShotTarget(CANDIDATES, hypothesis_template=template)


def test_an_explained_entity_is_found_by_its_span_in_older_json() -> None:
    entities = [
        {"word": "ada", "label": "PER", "start": 0, "end": 3, "score": 0.9},
        {"word": "london", "label": "LOC", "start": 18, "end": 24, "score": 0.8},
    ]
    data = {"entities": entities, "explained": {"start": 18, "end": 24, "label": "LOC"}}
    info = task_info_from_fields("token-classification", data)
    assert info.entity == 1  # type: ignore[union-attr]
    assert (
        task_info_from_fields("token-classification", {**data, "explained_entity": None}).entity
        is None
    )  # type: ignore[union-attr]
