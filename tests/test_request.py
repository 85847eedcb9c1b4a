"""One frozen request carries a user's choices to the backend; its options and cache key."""

from __future__ import annotations

from dataclasses import replace

import pytest

import explain
from components import backend
from explain.core.errors import InputError
from explain.evaluation.comparison import comparison_request, default_methods, input_request
from explain.methods.registry import method_options

TEXT = "the movie was good but the car was loud"


def test_options_carry_every_choice_the_method_takes() -> None:
    request = explain.AttributionRequest(
        checkpoint="tiny",
        text=TEXT,
        target=1,
        output="logit",
        baseline="random",
        settings=(("precision", "float32"), ("n_steps", 8)),
        text_pair="a second text",
        contrast=0,
        baseline_options=(("baseline_seed", 3),),
        auto_steps=True,
        tolerance=0.02,
    )
    assert request.options() == {
        "target": 1,
        "output": "logit",
        "baseline": "random",
        "n_steps": 8,
        "precision": "float32",
        "baseline_seed": 3,
        "text_pair": "a second text",
        "contrast": 0,
        "auto_steps": True,
        "tolerance": 0.02,
    }
    assert set(request.options()) <= set(method_options(request.method))


def test_unset_options_stay_out_so_every_method_keeps_its_defaults() -> None:
    for name, method in explain.METHODS.items():
        settings = tuple((spec.name, spec.default) for spec in method.settings)
        request = explain.AttributionRequest("tiny", TEXT, method=name, settings=settings)
        options = request.options()
        assert options == {
            "target": None,
            "output": "probability",
            "baseline": explain.DEFAULT_BASELINE,
            **dict(settings),
        }
        assert set(options) <= set(method_options(name)), name


def test_a_choice_the_method_does_not_take_is_refused_with_those_it_does() -> None:
    with pytest.raises(InputError, match=r"takes no option 'contrast'.*Its options are: target"):
        explain.AttributionRequest("tiny", TEXT, method="saliency", contrast=0)
    with pytest.raises(InputError, match="takes no option 'n_samples'"):
        explain.AttributionRequest("tiny", TEXT, settings=(("n_samples", 5),))
    with pytest.raises(InputError, match=r"Unknown method 'magic'\. Choose one of: layer_integ"):
        explain.AttributionRequest("tiny", TEXT, method="magic")
    with pytest.raises(InputError, match="Unknown baseline"):
        explain.AttributionRequest("tiny", TEXT, baseline="void")
    with pytest.raises(InputError, match="Unknown output"):
        explain.AttributionRequest("tiny", TEXT, output="logit_difference")
    with pytest.raises(InputError, match="'n_steps' is given more than once"):
        explain.AttributionRequest("tiny", TEXT, settings=(("n_steps", 4), ("n_steps", 8)))


def test_equal_choices_make_equal_hashable_requests() -> None:
    first = explain.AttributionRequest(
        "tiny", TEXT, settings=(("precision", "float32"), ("n_steps", 8))
    )
    second = explain.AttributionRequest(
        "tiny", TEXT, settings=(("n_steps", 8), ("precision", "float32"))
    )
    assert first == second
    assert hash(first) == hash(second)
    assert first.settings == (("n_steps", 8), ("precision", "float32"))
    assert len({first, second, replace(first, text="another text")}) == 2
    with pytest.raises(AttributeError):
        first.text = "changed"  # type: ignore[misc]


def test_the_request_gives_the_same_result_as_the_options_spelled_out(
    tiny_model: explain.LoadedModel,
) -> None:
    request = explain.AttributionRequest(
        "tiny", TEXT, target=0, baseline="mask", settings=(("n_steps", 6),), contrast=1
    )
    via_request = explain.attribute(
        tiny_model, request.text, method=request.method, **request.options()
    )
    spelled_out = explain.attribute(
        tiny_model, TEXT, target=0, baseline="mask", n_steps=6, contrast=1
    )
    assert via_request.scores == spelled_out.scores
    assert via_request.settings == spelled_out.settings


def test_the_cache_keys_on_the_request(
    tiny_model: explain.LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = explain.attribute

    def counting(*args: object, **kwargs: object) -> explain.Attribution:
        calls.append(str(args[1]))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(explain, "attribute", counting)
    backend._attribute.clear()
    request = explain.AttributionRequest(
        "tiny", TEXT, settings=(("n_steps", 4), ("precision", "float32"))
    )
    same = explain.AttributionRequest(
        "tiny", TEXT, settings=(("precision", "float32"), ("n_steps", 4))
    )
    first = backend._attribute(tiny_model, "key", request)
    again = backend._attribute(tiny_model, "key", same)
    assert len(calls) == 1
    assert first.scores == again.scores
    backend._attribute(tiny_model, "key", replace(request, settings=(("n_steps", 5),)))
    backend._attribute(tiny_model, "another checkpoint key", request)
    assert len(calls) == 3
    backend._attribute.clear()


def test_comparisons_keep_the_request_method_settings_and_default_the_others() -> None:
    request = explain.AttributionRequest(
        "tiny",
        TEXT,
        baseline="random",
        settings=(("n_steps", 8), ("precision", "bfloat16")),
        text_pair="second",
        contrast=1,
        baseline_options=(("baseline_seed", 2),),
        auto_steps=True,
        tolerance=0.05,
    )
    own = comparison_request(request)
    assert own.settings == request.settings
    assert own.tolerance == 0.05
    assert (own.text_pair, own.contrast, own.baseline_options, own.auto_steps) == (
        None,
        None,
        (),
        False,
    )
    other = comparison_request(request, "lime", "mask")
    assert dict(other.settings) == {
        spec.name: spec.default for spec in explain.METHODS["lime"].settings
    }
    assert other.baseline == "mask"
    assert other.tolerance is None
    assert input_request(request) == input_request(replace(own, settings=(("n_steps", 9),)))
    assert default_methods("saliency")[0] == "saliency"
    assert all(not explain.METHODS[name].settings for name in default_methods("lime")[1:])
