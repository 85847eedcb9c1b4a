"""Long documents explained in overlapping windows (``long="windows"``).

The tiny checkpoint reads 64 tokens at once (62 text tokens and [CLS], [SEP]);
the document here is about three windows long.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

import explain
from explain.core.results import Attribution
from explain.io.cli import main
from explain.io.notebook import reproduction_options
from explain.methods.windows import mean_of_windows
from explain.model.encoding import encode, encode_windows, window_width
from explain.serve.compute import batchable
from explain.serve.requests import parse_request
from tests.apphelpers import fixed_steps, open_page, rendered_html
from tests.tolerances import float32_model_tolerance

SENTENCE = "the movie was good but the acting was bad and the cars were fast ."
DOCUMENT = " ".join([SENTENCE] * 13)  # 197 tokens with [CLS] and [SEP]
SHORT = "the ride was smooth and quiet"
STEPS = 50


def text_count(result: Attribution) -> int:
    return sum(not special for special in result.special_tokens)


def windows_expected(n_text: int, width: int, stride: int) -> int:
    """Windows at 0, stride, 2 stride, ... before the last start, plus the one ending the text."""
    return 1 if n_text <= width else math.ceil((n_text - width) / stride) + 1


def test_document_is_three_windows_of_the_tiny_model(tiny_model: explain.LoadedModel) -> None:
    truncated = explain.attribute(tiny_model, DOCUMENT, n_steps=4)
    assert len(truncated.tokens) + truncated.tokens_dropped == 197 > 3 * tiny_model.max_length


@pytest.mark.parametrize("stride", [None, 20, 62])
def test_windows_score_every_token_and_add_up_to_the_documents_change(
    tiny_model: explain.LoadedModel, stride: int | None
) -> None:
    result = explain.attribute(
        tiny_model, DOCUMENT, long="windows", stride=stride, n_steps=STEPS, baseline="pad"
    )
    full = tiny_model.tokenizer(DOCUMENT)["input_ids"]
    width = window_width(tiny_model.tokenizer, tiny_model.max_length)
    n_text = len(full) - 2
    assert result.token_ids == tuple(full)
    assert result.tokens_dropped == 0
    assert len(result.scores) == len(full) > tiny_model.max_length
    chosen = width // 2 if stride is None else stride
    assert result.settings.stride == chosen
    assert result.settings.long == "windows"
    assert result.windows == windows_expected(n_text, width, chosen)
    assert result.f_baseline is not None
    assert result.delta is not None
    change = result.f_input - result.f_baseline
    assert result.attribution_sum == pytest.approx(sum(result.scores))
    assert sum(result.scores) == pytest.approx(change, abs=1e-5)
    assert abs(result.delta) <= 1e-3 * abs(change) + 1e-6
    # Every text token is in some window, so (almost surely) none scores exactly zero.
    assert all(
        score != 0.0
        for score, special in zip(result.scores, result.special_tokens, strict=True)
        if not special
    )
    assert text_count(result) == n_text


def test_documents_numbers_are_the_means_of_its_windows(tiny_model: explain.LoadedModel) -> None:
    """Each window alone, with the document's target: the result is their mean, token by token."""
    windows = encode_windows(tiny_model.tokenizer, DOCUMENT, tiny_model.max_length, "cpu", 40)
    document = explain.attribute(tiny_model, DOCUMENT, long="windows", stride=40, n_steps=STEPS)
    explainer = explain.EmbeddingIntegratedGradients(tiny_model)
    alone = [
        explainer.attribute_encoded(
            [DOCUMENT], [window], target=document.target_index, n_steps=STEPS
        )[0]
        for window in windows.windows
    ]
    assert document.windows == len(alone) == 5
    # Batched windows against windows run one at a time: float32 rounding apart.
    outputs = float32_model_tolerance(*(r.f_input for r in alone), *(r.f_baseline for r in alone))
    assert document.f_input == pytest.approx(
        sum(r.f_input for r in alone) / len(alone), abs=outputs
    )
    assert document.f_baseline == pytest.approx(
        sum(r.f_baseline or 0.0 for r in alone) / len(alone), abs=outputs
    )
    expected = torch.zeros(len(document.tokens), dtype=torch.float64)
    for index, result in enumerate(alone):
        expected[windows.positions(index)] += torch.tensor(result.scores, dtype=torch.float64)
    expected /= len(alone)
    # Batched windows equal windows run one at a time, up to float rounding.
    torch.testing.assert_close(
        torch.tensor(document.scores, dtype=torch.float64),
        expected,
        atol=float32_model_tolerance(expected),
        rtol=1e-5,
    )
    # The combination itself is exact.
    combined = mean_of_windows(windows, DOCUMENT, alone, None)
    assert torch.equal(torch.tensor(combined.scores, dtype=torch.float64), expected)
    assert combined.delta == pytest.approx(sum(r.delta or 0.0 for r in alone) / len(alone))


@pytest.mark.parametrize("stride", [1, 7, 25, 62])
def test_the_windows_cover_the_document_and_keep_its_special_tokens(
    tiny_model: explain.LoadedModel, stride: int
) -> None:
    windows = encode_windows(tiny_model.tokenizer, DOCUMENT, tiny_model.max_length, "cpu", stride)
    assert len(windows.windows) == windows_expected(195, 62, stride)
    assert windows.starts[0] == 0
    assert windows.starts[-1] == 195 - 62
    assert all(
        b - a == stride for a, b in zip(windows.starts[:-1], windows.starts[1:-1], strict=False)
    )
    document_ids = windows.document.input_ids[0]
    covered = torch.zeros(len(document_ids), dtype=torch.int64)
    for index, window in enumerate(windows.windows):
        assert window.input_ids.shape[1] == tiny_model.max_length
        assert window.tokens[0] == "[CLS]"
        assert window.tokens[-1] == "[SEP]"
        positions = windows.positions(index)
        assert torch.equal(document_ids[positions], window.input_ids[0])
        covered[positions] += 1
    assert bool((covered >= 1).all())
    assert covered[0] == covered[-1] == len(windows.windows)


def test_a_text_that_fits_one_window_gets_exactly_the_truncated_result(
    tiny_model: explain.LoadedModel,
) -> None:
    windowed = explain.attribute(tiny_model, SHORT, long="windows", n_steps=STEPS)
    truncated = explain.attribute(tiny_model, SHORT, n_steps=STEPS)
    assert windowed.windows == truncated.windows == 1
    for name in ("tokens", "scores", "f_input", "f_baseline", "delta", "probabilities"):
        assert getattr(windowed, name) == getattr(truncated, name), name
    assert encode_windows(tiny_model.tokenizer, SHORT, 64, "cpu").windows[0].tokens == (
        encode(tiny_model.tokenizer, SHORT, 64, torch.device("cpu")).tokens
    )


def test_the_documents_target_is_its_mean_prediction_for_every_window(
    three_label_model: explain.LoadedModel,
) -> None:
    result = explain.attribute(three_label_model, DOCUMENT, long="windows", n_steps=4)
    assert result.predicted_index == max(range(3), key=result.probabilities.__getitem__)
    assert result.target_index == result.predicted_index
    assert sum(result.probabilities) == pytest.approx(1.0)
    chosen = explain.attribute(
        three_label_model, DOCUMENT, long="windows", n_steps=4, target="neutral"
    )
    assert chosen.target_label == "neutral"
    assert chosen.settings.requested_label == "neutral"


def test_adaptive_integration_in_windows_keeps_error_bars(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, DOCUMENT, long="windows", integration="adaptive")
    assert len(result.score_errors) == len(result.tokens)
    assert result.error_estimate is not None
    assert result.error_estimate >= 0


@pytest.mark.parametrize(
    "method", [name for name, m in explain.METHODS.items() if not m.capabilities.windows]
)
def test_a_method_without_windows_refuses_them_and_names_those_that_can(
    tiny_model: explain.LoadedModel, method: str
) -> None:
    with pytest.raises(explain.InputError, match="cannot explain a long text in windows") as info:
        explain.attribute(tiny_model, DOCUMENT, method=method, long="windows")
    assert "layer_integrated_gradients" in str(info.value)
    with pytest.raises(explain.InputError, match="Methods that can: layer_integrated"):
        explain.AttributionRequest(checkpoint="x", text=DOCUMENT, method=method, long="windows")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"long": "chunks"}, "Unknown long 'chunks'"),
        ({"long": "windows", "stride": 0}, "positive whole number"),
        ({"long": "windows", "stride": 1.5}, "positive whole number"),
        ({"long": "windows", "stride": 63}, "from 1 to 62"),
        ({"stride": 10}, "applies only to windows"),
        ({"long": "windows", "text_pair": "it was"}, "sentence pair is not windowed"),
    ],
)
def test_bad_long_text_options_are_refused_with_the_fix(
    tiny_model: explain.LoadedModel, options: dict[str, object], message: str
) -> None:
    with pytest.raises(explain.InputError, match=message):
        explain.attribute(tiny_model, DOCUMENT, n_steps=4, **options)


def test_request_carries_windows_only_when_chosen() -> None:
    plain = explain.AttributionRequest(checkpoint="x", text=SHORT)
    assert "long" not in plain.options()
    assert "stride" not in plain.options()
    windowed = explain.AttributionRequest(checkpoint="x", text=SHORT, long="windows", stride=9)
    assert windowed.options()["long"] == "windows"
    assert windowed.options()["stride"] == 9
    assert windowed != plain
    assert hash(windowed) != hash(plain)


def test_batch_explains_each_long_text_in_its_own_windows(tiny_model: explain.LoadedModel) -> None:
    batch = explain.attribute_batch(tiny_model, [DOCUMENT, SHORT], long="windows", n_steps=4)
    long_result, short_result = batch.results
    assert long_result.windows > 1
    assert long_result.tokens_dropped == 0
    assert short_result.windows == 1


def test_export_round_trip_keeps_the_windows(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, DOCUMENT, long="windows", stride=31, n_steps=4)
    (back,) = explain.from_json(explain.to_json([result]))
    assert back == result
    assert "Windows" in explain.html_report([result])
    header, first = explain.to_csv([result]).splitlines()[:2]
    assert header.endswith("long,stride,windows,completeness,task,task_info")
    assert ',windows,31,6,"{' in first


def test_faithfulness_refuses_a_windowed_explanation(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, DOCUMENT, long="windows", n_steps=4)
    with pytest.raises(explain.InputError, match="windows"):
        explain.evaluate_faithfulness(tiny_model, result)


def test_serve_takes_long_and_stride_and_runs_windows_alone() -> None:
    request = parse_request(json.dumps({"text": SHORT, "long": "windows", "stride": 5}).encode())
    assert request.keywords()["long"] == "windows"
    assert request.keywords()["stride"] == 5
    assert not batchable(request)
    with pytest.raises(explain.InputError, match="Methods that can"):
        parse_request(json.dumps({"text": SHORT, "method": "saliency", "long": "windows"}).encode())


def test_cli_long_windows_scores_the_whole_document(
    tiny_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([DOCUMENT, "--checkpoint", str(tiny_dir), "--long", "windows", "--steps", "8"])
    assert code == 0
    (data,) = json.loads(capsys.readouterr().out)["results"]
    assert data["windows"] == windows_expected(195, 62, 31) == 6
    assert data["tokens_dropped"] == 0
    assert len(data["scores"]) == len(data["tokens"]) == 197
    change = data["f_input"] - data["f_baseline"]
    assert sum(data["scores"]) - change == pytest.approx(data["delta"], abs=1e-9)
    assert data["settings"]["long"] == "windows"
    assert data["settings"]["stride"] == 31


def test_cli_refuses_windows_for_a_method_without_them(
    tiny_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([SHORT, "--checkpoint", str(tiny_dir), "--method", "saliency", "--long", "windows"])
    assert code == 2
    assert "cannot explain a long text in windows" in capsys.readouterr().err


def test_sidebar_long_texts_in_windows(app: AppTest) -> None:
    app.text_area(key="text").input(DOCUMENT).run()
    assert not any(widget.key == "stride" for widget in app.number_input)
    app.radio(key="long").set_value("windows").run()
    stride = app.number_input(key="stride")
    assert stride.value == 31
    assert stride.max == 62
    stride.set_value(40).run()
    fixed_steps(app, 6)
    app.button(key="run").click().run()
    assert not app.exception
    notice = " ".join(info.value for info in app.info)
    assert "5 windows of 64 tokens, stride 40" in notice
    assert not app.warning
    (expander,) = [e for e in app.expander if e.label == "What am I looking at?"]
    help_text = " ".join(m.value for m in expander.markdown)
    assert "mean of the windows' outputs" in help_text
    assert "linear" in help_text
    assert rendered_html(app).count("<mark") >= 195
    assert app.query_params["long"] == "windows"
    assert app.query_params["stride"] == "40"


def test_sidebar_says_a_method_without_windows_truncates(app: AppTest) -> None:
    app.radio(key="long").set_value("windows").run()
    app.selectbox(key="method").select("saliency").run()
    assert app.radio(key="long").disabled
    assert any("cannot explain in windows" in caption.value for caption in app.caption)


def test_link_with_windows_opens_them(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(tiny_dir, monkeypatch, text=DOCUMENT, long="windows", stride="20", steps="4")
    assert at.radio(key="long").value == "windows"
    assert at.number_input(key="stride").value == 20
    assert any("windows of 64 tokens, stride 20" in info.value for info in at.info)


def test_notebook_options_reproduce_a_windowed_result(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, DOCUMENT, long="windows", stride=40, n_steps=8)
    options = reproduction_options(result)
    assert options["long"] == "windows"
    assert options["stride"] == 40
    again = explain.attribute(tiny_model, DOCUMENT, **options)
    assert again.scores == result.scores


def test_batch_takes_truncate_said_outright(tiny_model: explain.LoadedModel) -> None:
    batch = explain.attribute_batch(tiny_model, [DOCUMENT, SHORT], long="truncate", n_steps=4)
    assert [result.windows for result in batch.results] == [1, 1]
    assert batch.results[0].tokens_dropped > 0
