"""Option rules live in the declarations, and the sidebar and the service read them there."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

import explain
from components.label_pickers import output_picker
from explain.core.targets import DEFAULT_OUTPUT, HEADS, OUTPUT_KINDS, output_choices
from explain.methods.registry import EXPLAINERS, tolerance_setting
from explain.serve.compute import batchable
from explain.serve.requests import parse_request

ROOT = Path(__file__).resolve().parents[1]
LAYER_IG = explain.EmbeddingIntegratedGradients


@pytest.mark.parametrize("explainer", EXPLAINERS, ids=lambda cls: cls.name)
def test_what_holds_scores_to_the_tolerance_is_a_declared_setting_value(explainer) -> None:
    declared = {setting.name: setting for setting in explainer.settings}
    for name, value in explainer.tolerance_checked_when:
        assert explainer.capabilities.auto_steps, "the tolerance comes with auto steps"
        assert declared[name].check(value) == value
    assert (tolerance_setting(explainer.name) is None) == (not explainer.capabilities.auto_steps)


def test_layer_ig_holds_bfloat16_and_auto_steps_to_the_tolerance() -> None:
    assert LAYER_IG.uses_tolerance({"precision": "bfloat16"})
    assert LAYER_IG.uses_tolerance({"auto_steps": True, "precision": "float32"})
    assert not LAYER_IG.uses_tolerance({"precision": "float32"})
    assert not LAYER_IG.uses_tolerance({"auto_steps": False})
    saliency = explain.get_method("saliency")
    assert not saliency.uses_tolerance({"auto_steps": True, "precision": "bfloat16"})


def test_the_service_batches_only_what_no_tolerance_holds() -> None:
    def asked(**fields: object) -> bool:
        return batchable(parse_request(json.dumps({"text": "x", **fields}).encode()))

    assert asked()
    assert not asked(precision="bfloat16")
    assert not asked(auto_steps=True)
    assert asked(precision="float32", auto_steps=False)


@pytest.mark.parametrize("head", HEADS)
def test_a_regression_head_offers_no_output_to_choose(head: explain.Head) -> None:
    choices = output_choices(head)
    assert choices == (() if head == "regression" else OUTPUT_KINDS)
    # Whatever a caller sends for a regression head, its score is what is explained.
    assert DEFAULT_OUTPUT in OUTPUT_KINDS
    if head == "regression":
        assert {explain.check_output(kind, head) for kind in OUTPUT_KINDS} == {"score"}


def test_the_sidebar_restates_no_option_rule() -> None:
    for path in (ROOT / "components").rglob("*.py"):
        assert '"bfloat16"' not in path.read_text(), path
    assert '"regression"' not in inspect.getsource(output_picker)
