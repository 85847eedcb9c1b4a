"""Shareable links without Streamlit: the codec, its checks and the checkpoint rule."""

from __future__ import annotations

import json

import pytest

import explain
from explain.core.limits import MAX_TEXT_CHARS
from explain.io.links import (
    PREDICTED_IN_LINK,
    LinkValues,
    link_checkpoint,
    link_params,
    read_link,
    read_link_labels,
)
from explain.io.request_checks import check_checkpoint
from explain.serve.requests import parse_request

LABELS = ("negative", "positive")
REGISTERED = (explain.DEFAULT_CHECKPOINT,)


def notices(link: LinkValues) -> str:
    return " ".join(link.notices)


def test_a_written_link_reads_back_as_the_same_request() -> None:
    request = explain.AttributionRequest(
        checkpoint=explain.DEFAULT_CHECKPOINT,
        text="the movie was great",
        target=1,
        output="logit",
        baseline="gaussian_noise",
        settings=(("integration", "fixed"), ("n_steps", 5), ("precision", "float32")),
        text_pair="i love this film",
        contrast=0,
        baseline_options=(("baseline_noise", 0.5), ("baseline_seed", 3)),
        auto_steps=True,
        tolerance=0.02,
        long="windows",
        stride=20,
    )
    params = link_params(request, LABELS)
    assert params["steps"] == "5"  # n_steps has its shorter name in links
    assert params["target"] == "positive"  # labels go by name
    assert params["contrast"] == "negative"
    link = read_link(params, REGISTERED)
    assert link.notices == ()
    assert link.runs
    chosen = read_link_labels(link.target, link.contrast, LABELS)
    assert chosen.notices == ()
    assert link.output is not None
    assert link.baseline is not None
    assert link.long is not None
    again = explain.AttributionRequest(
        checkpoint=str(link.checkpoint),
        text=str(link.text),
        method=link.method,
        target=chosen.target,
        output=link.output,
        baseline=link.baseline,
        settings=link.settings,
        text_pair=link.text_pair,
        contrast=chosen.contrast,
        baseline_options=link.baseline_options,
        auto_steps=bool(link.auto_steps),
        tolerance=link.tolerance,
        long=link.long,
        stride=link.stride,
    )
    assert again == request


def test_options_at_their_defaults_stay_out_of_a_link() -> None:
    request = explain.AttributionRequest(checkpoint="tokenlight-sentiment", text="a film")
    assert link_params(request, LABELS) == {
        "text": "a film",
        "checkpoint": "tokenlight-sentiment",
        "method": explain.DEFAULT_METHOD,
        "target": PREDICTED_IN_LINK,
        "output": "probability",
        "baseline": explain.DEFAULT_BASELINE,
    }


def test_an_old_link_still_opens() -> None:
    # The format links were written in before this module: steps, tol, auto=1, labels by name.
    link = read_link(
        {"text": "a quiet film", "method": "layer_integrated_gradients", "target": "negative",
         "output": "logit", "baseline": "unk", "steps": "20", "integration": "fixed",
         "auto": "1", "tol": "0.02"},
        REGISTERED,
    )  # fmt: skip
    assert link.notices == ()
    assert dict(link.settings) == {"n_steps": 20, "integration": "fixed"}
    assert (link.output, link.baseline, link.auto_steps, link.tolerance) == (
        "logit",
        "unk",
        True,
        0.02,
    )
    assert read_link_labels(link.target, None, LABELS).target == 0


def test_bad_values_fall_back_with_notices() -> None:
    link = read_link(
        {"text": "the car", "method": "shapley", "output": "odds", "baseline": "nonsense",
         "steps": "many", "target": "happy", "integration": "fixed"},
        REGISTERED,
    )  # fmt: skip
    said = notices(link)
    for fragment in ("method 'shapley'", "output 'odds'", "baseline 'nonsense'", "steps 'many'"):
        assert fragment in said
    assert link.method == explain.DEFAULT_METHOD
    assert link.output is None
    assert link.baseline is None
    assert "n_steps" not in dict(link.settings)
    labels = read_link_labels(link.target, None, LABELS)
    assert labels.target is None
    assert "'happy'" in " ".join(labels.notices)


def test_settings_are_checked_against_their_declared_ranges() -> None:
    link = read_link(
        {"steps": "0", "tol": "5", "auto": "maybe", "baseline": "random",
         "baseline_seed": "many", "error_tolerance": "nan"},
        REGISTERED,
    )  # fmt: skip
    said = notices(link)
    for fragment in ("steps '0'", "tolerance '5'", "auto steps 'maybe'", "'many'", "'nan'"):
        assert fragment in said
    assert link.settings == ()
    assert link.baseline_options == ()
    assert link.auto_steps is None
    assert link.tolerance is None


def test_options_the_method_does_not_take_are_ignored_with_notices() -> None:
    link = read_link(
        {"method": "saliency", "pair": "a film", "contrast": "negative", "auto": "1",
         "tol": "0.02", "long": "windows", "stride": "4"},
        REGISTERED,
    )  # fmt: skip
    said = notices(link)
    for fragment in (
        "second text is ignored",
        "contrast label is ignored",
        "auto steps are off",
        "long text is truncated",
    ):
        assert fragment in said
    assert (link.text_pair, link.contrast, link.auto_steps, link.tolerance) == (None,) * 4
    assert (link.long, link.stride) == (None, None)


@pytest.mark.parametrize(
    ("params", "long", "stride", "notice"),
    [
        ({"long": "windows", "stride": "20"}, "windows", 20, None),
        ({"long": "windows", "stride": "0"}, "windows", None, "half a window"),
        ({"long": "truncate", "stride": "20"}, "truncate", None, None),
        ({"long": "pages"}, None, None, "Unknown long 'pages'"),
    ],
)
def test_long_texts_and_stride(
    params: dict[str, str], long: str | None, stride: int | None, notice: str | None
) -> None:
    link = read_link(params, REGISTERED)
    assert (link.long, link.stride) == (long, stride)
    assert (notice in notices(link)) if notice else link.notices == ()


def test_texts_over_the_limit_are_cut_with_a_notice() -> None:
    long = "a" * (MAX_TEXT_CHARS + 5)
    link = read_link({"text": long, "pair": long}, REGISTERED)
    assert link.text == long[:MAX_TEXT_CHARS]
    assert link.text_pair == long[:MAX_TEXT_CHARS]
    assert "text was cut" in notices(link)
    assert "second text was cut" in notices(link)


def test_a_link_without_text_does_not_run() -> None:
    assert not read_link({}, REGISTERED).runs
    assert not read_link({"text": "   "}, REGISTERED).runs


def test_contrast_labels() -> None:
    both = read_link_labels("positive", "negative", LABELS)
    assert (both.target, both.contrast, both.notices) == (1, 0, ())
    itself = read_link_labels("positive", "positive", LABELS)
    assert itself.contrast is None
    assert "the target label itself" in " ".join(itself.notices)
    unknown = read_link_labels(PREDICTED_IN_LINK, "happy", LABELS)
    assert (unknown.target, unknown.contrast) == (None, None)
    assert "not one of this model's labels" in " ".join(unknown.notices)


@pytest.mark.parametrize("name", ["someone/some-model", "/etc", "./models/mine", "bert-base"])
def test_a_link_opens_registered_checkpoints_only(name: str) -> None:
    with pytest.raises(explain.CheckpointError, match="registered checkpoints only"):
        link_checkpoint(name, REGISTERED)
    link = read_link({"checkpoint": name, "text": "a film"}, REGISTERED)
    assert link.checkpoint is None
    assert "registered checkpoints only" in notices(link)
    assert link_checkpoint(f" {REGISTERED[0]} ", REGISTERED) == REGISTERED[0]


def test_the_checkpoint_list_a_link_may_open_is_the_callers() -> None:
    assert read_link({"checkpoint": "demo"}, ("demo",)).checkpoint == "demo"
    assert read_link({"checkpoint": REGISTERED[0]}, ("demo",)).checkpoint is None


def test_the_service_takes_directories_but_no_hub_ids() -> None:
    with pytest.raises(explain.CheckpointError, match="downloads nothing"):
        check_checkpoint("someone/some-model", REGISTERED, directories=True)
    assert check_checkpoint("/srv/models/mine", REGISTERED, directories=True) == "/srv/models/mine"
    assert check_checkpoint(REGISTERED[0], REGISTERED, directories=True) == REGISTERED[0]
    with pytest.raises(explain.CheckpointError, match="not a registered checkpoint"):
        check_checkpoint("/srv/models/mine", REGISTERED, directories=False)


def test_the_service_refuses_a_hub_id_before_any_model_is_loaded() -> None:
    body = json.dumps({"text": "a film", "checkpoint": "someone/some-model"}).encode()
    with pytest.raises(explain.CheckpointError, match="downloads nothing"):
        parse_request(body)
