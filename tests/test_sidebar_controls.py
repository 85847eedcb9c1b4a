"""The sidebar controls on the page: baseline options, contrast, auto steps, pairs, word view.

Every test drives the dashboard through AppTest on the tiny checkpoint, whose
labels are ``negative`` and ``positive``, with few integration steps.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import explain
from components.label_pickers import NO_CONTRAST
from components.setting_widgets import baseline_setting_key, setting_key
from tests.apphelpers import open_page, rendered_html

STEPS_KEY = setting_key("layer_integrated_gradients", "n_steps")
INTEGRATION_KEY = setting_key("layer_integrated_gradients", "integration")
TOLERANCE_KEY = setting_key("layer_integrated_gradients", "tolerance")
TEXT = "the ride was smooth and quiet"
# Non-default values for every baseline option, chosen by hand.
OPTION_VALUES: dict[str, int | float | str] = {
    "baseline_seed": 7,
    "baseline_noise": 0.5,
    "baseline_token": "good",
    "baseline_samples": 2,
}


def run(at: AppTest, steps: int = 6) -> AppTest:
    """Fix a small number of steps (where the method has them), press Run, check no traceback."""
    if any(widget.key == INTEGRATION_KEY for widget in at.selectbox):
        at.selectbox(key=INTEGRATION_KEY).set_value("fixed").run()
    if any(widget.key == STEPS_KEY for widget in at.number_input):
        at.number_input(key=STEPS_KEY).set_value(steps).run()
    at.button(key="run").click().run()
    assert not at.exception
    return at


def captions(at: AppTest) -> str:
    return "\n".join(caption.value for caption in at.caption)


def footer(at: AppTest) -> str:
    """The completeness panel's last line: steps, options, device and time."""
    return next(caption.value for caption in at.caption if "computed in" in caption.value)


def chart(at: AppTest, name: str) -> dict:
    """The Plotly figure (as JSON) of the chart whose key is ``name``."""
    (element,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{name}")]
    return json.loads(element.proto.spec)


def marks(at: AppTest) -> list[str]:
    """The text of every highlighted token or word on the page, in order."""
    found = re.findall(r"<mark[^>]*>(.*?)</mark>", rendered_html(at), flags=re.DOTALL)
    return [re.sub(r"<[^>]+>", "", mark).strip() for mark in found]


def metric(at: AppTest, label: str) -> float:
    return float(next(m.value for m in at.metric if m.label == label))


# Baselines and their options


@pytest.mark.parametrize("baseline", list(explain.BASELINES))
def test_each_baseline_offers_its_own_options_and_they_reach_the_result(
    app: AppTest, baseline: str
) -> None:
    app.text_area(key="text").input(TEXT).run()
    app.selectbox(key="baseline").select(baseline).run()
    declared = explain.BASELINES[baseline].settings
    offered = {w.key for kind in ("number_input", "text_input") for w in app.get(kind)}
    option_keys = {key for key in offered if key.startswith("baseline_setting_")}
    assert option_keys == {baseline_setting_key(baseline, spec.name) for spec in declared}
    for spec in declared:
        kind = "text_input" if isinstance(spec, explain.TextSetting) else "number_input"
        widget = next(
            w for w in app.get(kind) if w.key == baseline_setting_key(baseline, spec.name)
        )
        assert widget.value == spec.default
        assert widget.help == spec.help
    before = chart(run(app), "token_chart")["data"][0]["y"] if declared else None
    for spec in declared:
        key = baseline_setting_key(baseline, spec.name)
        if isinstance(spec, explain.TextSetting):
            app.text_input(key=key).input(str(OPTION_VALUES[spec.name])).run()
        else:
            app.number_input(key=key).set_value(OPTION_VALUES[spec.name]).run()
    run(app)
    assert not app.error, [e.value for e in app.error]
    assert f"'{baseline}' baseline" in captions(app)
    for spec in declared:
        assert f"{spec.name.replace('_', ' ')} {OPTION_VALUES[spec.name]}" in footer(app)
    if declared:  # other options, another baseline: other scores
        assert chart(app, "token_chart")["data"][0]["y"] != before


def test_expected_gradients_shows_each_samples_delta(app: AppTest) -> None:
    app.selectbox(key="baseline").select("expected_gradients").run()
    app.number_input(key=baseline_setting_key("expected_gradients", "baseline_samples")).set_value(
        3
    ).run()
    run(app)
    text = captions(app)
    assert "averaged 3 random baselines" in text
    deltas = [float(value) for value in re.findall(r"#\d ([+-]\d\.\d+e[+-]\d+)", text)]
    assert len(deltas) == 3
    # The delta shown is the mean of the samples' deltas (each rounded to 3 figures).
    assert metric(app, "Convergence delta") == pytest.approx(sum(deltas) / 3, rel=0.02, abs=1e-6)


def test_methods_without_baseline_options_get_none_and_say_so(app: AppTest) -> None:
    app.selectbox(key="method").set_value("deeplift").run()
    app.selectbox(key="baseline").select("random").run()
    assert not [w for w in app.number_input if w.key.startswith("baseline_setting_")]
    assert "default options (baseline seed 0)" in captions(app)
    run(app)
    assert not app.error
    assert "baseline seed" not in footer(app)


def test_expected_gradients_with_another_method_is_an_error_not_a_traceback(
    app: AppTest,
) -> None:
    app.selectbox(key="method").set_value("deeplift").run()
    app.selectbox(key="baseline").select("expected_gradients").run()
    assert "cannot average over several baselines" in captions(app)
    run(app)
    assert any("Choose another baseline" in error.value for error in app.error)


def test_a_custom_token_that_is_not_one_token_is_an_error(app: AppTest) -> None:
    app.selectbox(key="baseline").select("custom").run()
    app.text_input(key=baseline_setting_key("custom", "baseline_token")).input("zebra").run()
    run(app)
    assert any("not in this model's vocabulary" in error.value for error in app.error)


# Contrast


def test_contrast_explains_the_logit_difference(
    app: AppTest, tiny_model: explain.LoadedModel
) -> None:
    app.text_area(key="text").input(TEXT).run()
    app.selectbox(key="target").select(1).run()
    contrast = app.selectbox(key="contrast")
    assert "positive" not in contrast.options  # the target cannot be its own contrast
    contrast.set_value(0).run()
    assert app.selectbox(key="output").disabled
    assert "Explains logit[positive] − logit[negative]" in captions(app)
    run(app)
    assert not app.error
    assert any("'positive' rather than 'negative'" in h.value for h in app.subheader)
    assert "logit difference 'positive' − 'negative'" in captions(app)
    probabilities = explain.predict(tiny_model, TEXT).probabilities
    # logit[1] - logit[0] = log(p[1] / p[0]), computed by hand from the prediction.
    expected = math.log(probabilities[1] / probabilities[0])
    assert metric(app, "F(input)") == pytest.approx(expected, abs=2e-4)
    assert "logit-difference" in chart(app, "token_chart")["layout"]["title"]["text"]


def test_contrast_equal_to_the_predicted_target_is_flagged_and_refused(
    app: AppTest, tiny_model: explain.LoadedModel
) -> None:
    app.text_area(key="text").input(TEXT).run()
    predicted = explain.predict(tiny_model, TEXT).predicted_index
    app.selectbox(key="contrast").set_value(predicted).run()
    assert any("explains nothing" in warning.value for warning in app.warning)
    run(app)
    assert any("the target label itself" in error.value for error in app.error)


def test_contrast_is_offered_only_where_the_method_takes_it(app: AppTest) -> None:
    app.selectbox(key="contrast").set_value(0).run()
    app.selectbox(key="method").set_value("saliency").run()
    assert app.selectbox(key="contrast").disabled
    help_text = app.selectbox(key="contrast").help
    assert f"labels: {explain.METHODS['layer_integrated_gradients'].title}." in help_text
    assert not app.selectbox(key="output").disabled
    run(app)
    assert not app.error
    assert not any("rather than" in h.value for h in app.subheader)


def test_picking_the_contrast_as_target_resets_the_contrast(app: AppTest) -> None:
    app.selectbox(key="target").select(1).run()
    app.selectbox(key="contrast").set_value(0).run()
    app.selectbox(key="target").select(0).run()
    assert not app.exception
    assert app.selectbox(key="contrast").value == NO_CONTRAST
    assert "negative" not in app.selectbox(key="contrast").options


# Auto steps


def test_auto_steps_reports_the_steps_used(app: AppTest) -> None:
    assert app.number_input(key=TOLERANCE_KEY).disabled
    app.checkbox(key="auto_steps").check().run()
    assert not app.number_input(key=TOLERANCE_KEY).disabled
    app.number_input(key=TOLERANCE_KEY).set_value(0.05).run()
    run(app, steps=4)
    text = captions(app)
    used = int(re.search(r"Auto steps: \*\*(\d+) steps used\*\*", text).group(1))
    assert used in (4, 8, 16, 32, 64, 128, 256, 500)  # doubled from 4, capped at 500
    assert f"{used} steps (auto)" in footer(app)
    assert "converged: |delta| is within 5.00%" in text  # IG converges long before 500 steps
    relative = abs(metric(app, "Convergence delta")) / abs(
        metric(app, "F(input)") - metric(app, "F(baseline)")
    )
    assert relative <= 0.05 + 1e-3  # rounding of the shown numbers


def test_auto_steps_that_cannot_converge_warn(app: AppTest) -> None:
    app.checkbox(key="auto_steps").check().run()
    app.number_input(key=TOLERANCE_KEY).set_value(0.0).run()  # only an exact integral passes
    run(app, steps=100)
    text = captions(app)
    assert "**500 steps used**, did not converge" in text
    assert any("Even with 500 steps" in warning.value for warning in app.warning)


def test_auto_steps_are_offered_only_where_the_method_takes_them(app: AppTest) -> None:
    app.checkbox(key="auto_steps").check().run()
    app.selectbox(key="method").set_value("word_integrated_gradients").run()
    assert app.checkbox(key="auto_steps").disabled
    help_text = app.checkbox(key="auto_steps").help
    assert f"that do: {explain.METHODS['layer_integrated_gradients'].title}." in help_text
    assert not [w for w in app.number_input if w.key.endswith("_tolerance")]
    run(app)
    assert not app.error
    assert "(auto)" not in footer(app)


# Sentence pairs


def test_a_sentence_pair_shows_both_texts(app: AppTest) -> None:
    app.text_area(key="text").input("the movie was great").run()
    app.text_area(key="text_pair").input("I love this film").run()
    run(app)
    assert not app.error
    tokens = marks(app)
    assert tokens == ["[CLS]", "the", "movie", "was", "great", "[SEP]", "i", "love", "this",
                      "film", "[SEP]"]  # fmt: skip
    assert "A sentence pair" in captions(app)
    app.segmented_control(key="granularity").set_value("Word view").run()
    assert not app.exception
    html = rendered_html(app)
    assert marks(app) == ["the", "movie", "was", "great", "I", "love", "this", "film"]
    assert html.index("First text") < html.index("[SEP]: the second") < html.index("Second text")


def test_the_second_text_is_offered_only_where_the_method_takes_it(app: AppTest) -> None:
    app.text_area(key="text_pair").input("i love this film").run()
    app.selectbox(key="method").set_value("saliency").run()
    assert app.text_area(key="text_pair").disabled
    run(app)
    assert "i love this film" not in "".join(marks(app))
    assert "[SEP]" in marks(app)
    assert marks(app).count("[SEP]") == 1


# Word view


def test_word_view_highlights_words_on_the_original_text(app: AppTest) -> None:
    app.text_area(key="text").input("I love self-driving cars").run()
    run(app)
    assert "[CLS]" in marks(app)  # the token view comes first
    app.segmented_control(key="granularity").set_value("Word view").run()
    assert not app.exception
    assert marks(app) == ["I", "love", "self-driving", "cars"]
    assert len(app.get("plotly_chart")) == 2  # label probabilities and word scores
    words = chart(app, "word_chart")["data"][0]["y"]
    special = float(re.search(r"add up to ([+-]\d+\.\d+)", captions(app)).group(1))
    # With "sum", word scores plus the special tokens' make up the tokens' total.
    assert sum(words) + special == pytest.approx(metric(app, "Sum of attributions"), abs=2e-4)


def test_the_aggregation_changes_the_word_chart(app: AppTest) -> None:
    app.text_area(key="text").input("I love self-driving cars").run()
    run(app)
    app.segmented_control(key="granularity").set_value("Word view").run()
    sums = chart(app, "word_chart")["data"][0]["y"]
    app.selectbox(key="word_aggregation").select("max").run()
    figure = chart(app, "word_chart")
    assert "max of token scores" in figure["layout"]["title"]["text"]
    maxima = figure["data"][0]["y"]
    single = [0, 1, 3]  # one-token words: I, love, cars; self-driving has three tokens
    assert [maxima[i] for i in single] == pytest.approx([sums[i] for i in single])
    assert maxima[2] != pytest.approx(sums[2])
    app.selectbox(key="word_aggregation").select("l2").run()
    norms = chart(app, "word_chart")["data"][0]["y"]
    assert all(value >= 0 for value in norms)
    assert [norms[i] for i in single] == pytest.approx([abs(sums[i]) for i in single])
    assert norms[2] >= abs(maxima[2])


# Shareable links


def test_run_writes_the_new_options_into_the_link(app: AppTest, tiny_dir: Path) -> None:
    app.text_area(key="text").input("the movie was great").run()
    app.text_area(key="text_pair").input("i love this film").run()
    app.selectbox(key="target").select(1).run()
    app.selectbox(key="contrast").set_value(0).run()
    app.selectbox(key="baseline").select("random").run()
    app.number_input(key=baseline_setting_key("random", "baseline_seed")).set_value(7).run()
    app.checkbox(key="auto_steps").check().run()
    app.number_input(key=TOLERANCE_KEY).set_value(0.02).run()
    run(app, steps=5)
    assert dict(app.query_params) == {
        "text": "the movie was great",
        "pair": "i love this film",
        "checkpoint": str(tiny_dir),
        "method": "layer_integrated_gradients",
        "target": "positive",
        "contrast": "negative",
        "output": "probability",
        "baseline": "random",
        "baseline_seed": "7",
        "steps": "5",
        "integration": "fixed",  # the error tolerance applies to adaptive integration only
        "precision": "float32",
        "auto": "1",
        "tol": "0.02",
    }


def test_opening_a_link_restores_the_new_options(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(
        tiny_dir, monkeypatch, text="the movie was great", pair="i love this film",
        target="positive", contrast="negative", baseline="gaussian_noise", baseline_noise="0.5",
        baseline_seed="3", steps="5", auto="1", tol="0.02",
    )  # fmt: skip
    assert not at.warning
    assert at.text_area(key="text_pair").value == "i love this film"
    assert at.selectbox(key="contrast").value == 0
    assert at.checkbox(key="auto_steps").value
    assert at.number_input(key=TOLERANCE_KEY).value == 0.02
    assert (
        at.number_input(key=baseline_setting_key("gaussian_noise", "baseline_noise")).value == 0.5
    )
    assert at.number_input(key=baseline_setting_key("gaussian_noise", "baseline_seed")).value == 3
    assert not at.error, [e.value for e in at.error]  # the link ran
    text = captions(at)
    assert "logit difference 'positive' − 'negative'" in text
    assert "baseline noise 0.5" in text
    assert "baseline seed 3" in text
    assert "steps used" in text
    assert "love" in marks(at)


def test_bad_new_link_values_fall_back_with_notices(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(
        tiny_dir, monkeypatch, text="the car", contrast="happy", auto="maybe", tol="5",
        baseline="random", baseline_seed="many",
    )  # fmt: skip
    warnings = " ".join(warning.value for warning in at.warning)
    for fragment in ("contrast label 'happy'", "auto steps 'maybe'", "tolerance '5'", "'many'"):
        assert fragment in warnings
    assert at.selectbox(key="contrast").value == NO_CONTRAST
    assert not at.checkbox(key="auto_steps").value
    (tolerance,) = explain.EmbeddingIntegratedGradients.auto_settings
    assert at.number_input(key=TOLERANCE_KEY).value == tolerance.default
    assert at.number_input(key=baseline_setting_key("random", "baseline_seed")).value == 0
    assert not at.get("plotly_chart")  # an unusable contrast label: nothing runs unasked


def test_a_link_contrasting_the_target_with_itself_falls_back(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(tiny_dir, monkeypatch, text="the car", target="positive", contrast="positive")
    assert any("the target label itself" in warning.value for warning in at.warning)
    assert at.selectbox(key="contrast").value == NO_CONTRAST


def test_a_link_with_options_the_method_does_not_take_says_so(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(
        tiny_dir, monkeypatch, text="the car", method="saliency", pair="a film",
        contrast="negative", auto="1",
    )  # fmt: skip
    warnings = " ".join(warning.value for warning in at.warning)
    for fragment in ("second text is ignored", "contrast label is ignored", "auto steps are off"):
        assert fragment in warnings
    assert not at.error
    assert "film" not in marks(at)
