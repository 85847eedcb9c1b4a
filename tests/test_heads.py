"""Multi-label and regression heads: what is explained, and completeness as before.

A multi-label head's labels are independent sigmoids: ``probability`` is the
target label's sigmoid, ``log-odds`` and ``logit`` its logit, and the
prediction is every label at or above 0.5. A regression head's one output is
explained as the predicted score itself, with no softmax.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

import explain
from explain.io.cli import main as cli_main
from explain.io.notebook import to_notebook
from explain.render.charts import PREDICTED
from tests.architectures import SAMPLE, save_architecture
from tests.tolerances import float32_model_tolerance

LABELS = ("toxic", "insult", "threat")
COMPLETE = ("layer_integrated_gradients", "word_integrated_gradients", "kernel_shap")


@pytest.fixture(scope="session")
def load_head(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str, str], explain.LoadedModel]:
    loaded: dict[tuple[str, str], explain.LoadedModel] = {}

    def load(architecture: str, head: str) -> explain.LoadedModel:
        if (architecture, head) not in loaded:
            directory = tmp_path_factory.mktemp(f"{architecture}-{head}") / "checkpoint"
            if head == "multi_label":
                save_architecture(
                    architecture, directory, LABELS, problem_type="multi_label_classification"
                )
            else:
                save_architecture(architecture, directory, ("score",))
            loaded[architecture, head] = explain.load_checkpoint(str(directory), device="cpu")
        return loaded[architecture, head]

    return load


def _logits(loaded: explain.LoadedModel, text: str) -> torch.Tensor:
    encoding = loaded.tokenizer(text, return_tensors="pt")
    with loaded.lock, torch.no_grad():
        return loaded.model(**encoding).logits[0].double()


@pytest.mark.parametrize("architecture", ["bert", "roberta"])
def test_multi_label_probabilities_are_independent_sigmoids(
    load_head: Callable[[str, str], explain.LoadedModel], architecture: str
) -> None:
    loaded = load_head(architecture, "multi_label")
    assert loaded.head == "multi_label"
    prediction = explain.predict(loaded, SAMPLE)
    sigmoids = torch.sigmoid(_logits(loaded, SAMPLE))
    assert prediction.probabilities == pytest.approx(sigmoids.tolist(), abs=1e-5)
    chosen = tuple(name for name, p in zip(LABELS, sigmoids.tolist(), strict=True) if p >= 0.5)
    assert prediction.predicted_labels() == chosen
    for threshold in (0.05, 0.3, 0.7, 0.95):
        expected = tuple(
            name for name, p in zip(LABELS, sigmoids.tolist(), strict=True) if p >= threshold
        )
        assert prediction.predicted_labels(threshold) == expected


@pytest.mark.parametrize("threshold", [0.0, 1.0, 1.01, -0.2, float("nan")])
def test_a_threshold_outside_zero_to_one_is_refused(
    load_head: Callable[[str, str], explain.LoadedModel], threshold: float
) -> None:
    loaded = load_head("bert", "multi_label")
    with pytest.raises(explain.InputError, match="strictly between 0 and 1"):
        explain.predict(loaded, SAMPLE).predicted_labels(threshold)
    result = explain.attribute(loaded, SAMPLE, method="saliency")
    with pytest.raises(explain.InputError, match="strictly between 0 and 1"):
        result.predicted_labels_at(threshold)
    with pytest.raises(explain.InputError, match="strictly between 0 and 1"):
        explain.to_json([result], threshold)


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("output", ["probability", "log_odds", "logit"])
def test_any_label_of_a_multi_label_head_is_explained_completely(
    load_head: Callable[[str, str], explain.LoadedModel], label: str, output: str
) -> None:
    loaded = load_head("bert", "multi_label")
    logit = float(_logits(loaded, SAMPLE)[LABELS.index(label)])
    result = explain.attribute(loaded, SAMPLE, target=label, output=output)
    expected = torch.sigmoid(torch.tensor(logit)).item() if output == "probability" else logit
    # Another forward pass than the attribution's: float32 rounding apart.
    assert result.f_input == pytest.approx(expected, abs=float32_model_tolerance(logit))
    assert result.settings.output == ("label_probability" if output == "probability" else "logit")
    assert result.head == "multi_label"
    assert abs(result.delta) <= 0.01 * abs(result.f_input - result.f_baseline)


@pytest.mark.parametrize("method", COMPLETE)
@pytest.mark.parametrize("head", ["multi_label", "regression"])
def test_completeness_holds_for_each_head(
    load_head: Callable[[str, str], explain.LoadedModel], method: str, head: str
) -> None:
    loaded = load_head("roberta", head)
    options = {"n_samples": 30} if method == "kernel_shap" else {}
    result = explain.attribute(loaded, SAMPLE, method=method, **options)
    change = result.f_input - result.f_baseline
    assert abs(change) > 1e-4
    assert abs(result.delta) <= 0.01 * abs(change), (head, method, result.delta / change)


def test_a_regression_head_explains_its_score_without_softmax(
    load_head: Callable[[str, str], explain.LoadedModel],
) -> None:
    loaded = load_head("bert", "regression")
    assert loaded.head == "regression"
    score = float(_logits(loaded, SAMPLE)[0])
    tolerance = float32_model_tolerance(score)  # other forward passes: float32 rounding apart
    prediction = explain.predict(loaded, SAMPLE)
    assert prediction.probabilities == pytest.approx((score,), abs=tolerance)
    for output in ("probability", "logit", "log_odds"):
        result = explain.attribute(loaded, SAMPLE, output=output)
        assert result.settings.output == "score"
        assert result.f_input == pytest.approx(score, abs=tolerance)
        assert result.probabilities == pytest.approx((score,), abs=tolerance)
        assert result.predicted_labels == ("score",)
    assert "score itself" in explain.OUTPUT_DESCRIPTIONS["score"]


def test_head_survives_the_json_round_trip(
    load_head: Callable[[str, str], explain.LoadedModel],
) -> None:
    result = explain.attribute(load_head("bert", "multi_label"), SAMPLE, method="saliency")
    (back,) = explain.from_json(explain.to_json([result]))
    assert back.head == "multi_label"
    assert back.predicted_labels == result.predicted_labels


def test_a_multi_label_batch_runs(load_head: Callable[[str, str], explain.LoadedModel]) -> None:
    loaded = load_head("bert", "multi_label")
    batch = explain.attribute_batch(loaded, [SAMPLE, "a quiet ride", "bad"], target="insult")
    results = [item.result for item in batch.items if item.result is not None]
    assert len(results) == 3
    assert all(result.target_label == "insult" for result in results)
    assert all(abs(result.delta) <= 0.01 * abs(result.output_change) for result in results)


def test_a_results_recorded_output_asks_for_the_same_again(
    load_head: Callable[[str, str], explain.LoadedModel],
) -> None:
    for head in ("multi_label", "regression"):
        loaded = load_head("bert", head)
        first = explain.attribute(loaded, SAMPLE, method="saliency")
        again = explain.attribute(loaded, SAMPLE, method="saliency", output=first.settings.output)
        assert again.settings.output == first.settings.output
        assert again.f_input == first.f_input


def test_exports_carry_the_predicted_set_at_the_threshold(
    load_head: Callable[[str, str], explain.LoadedModel],
) -> None:
    result = explain.attribute(load_head("bert", "multi_label"), SAMPLE, method="saliency")
    for threshold in (0.05, 0.5, 0.95):
        expected = [
            name for name, p in zip(LABELS, result.probabilities, strict=True) if p >= threshold
        ]
        (data,) = json.loads(explain.to_json([result], threshold))["results"]
        assert data["predicted_labels"] == expected
        assert data["threshold"] == threshold
        rows = list(csv.DictReader(io.StringIO(explain.to_csv([result], threshold))))
        assert {row["predicted_labels"] for row in rows} == {"; ".join(expected)}
    (back,) = explain.from_json(explain.to_json([result], 0.05))
    assert back == result


def test_the_cli_json_of_a_multi_label_checkpoint_carries_the_predicted_set(
    tmp_path: Path, load_head: Callable[[str, str], explain.LoadedModel]
) -> None:
    directory = save_architecture(
        "bert", tmp_path / "checkpoint", LABELS, problem_type="multi_label_classification"
    )
    out = tmp_path / "out.json"
    args = [SAMPLE, "--checkpoint", str(directory), "--method", "saliency", "--out", str(out)]
    assert cli_main([*args, "--threshold", "0.3"]) == 0
    (data,) = json.loads(out.read_text())["results"]
    loaded = explain.load_checkpoint(str(directory), device="cpu")
    assert data["predicted_labels"] == list(explain.predict(loaded, SAMPLE).predicted_labels(0.3))
    assert data["head"] == "multi_label"
    assert data["threshold"] == 0.3
    assert cli_main([*args, "--threshold", "1.5"]) == 2


def test_the_multi_label_chart_draws_independent_bars_and_the_threshold(
    load_head: Callable[[str, str], explain.LoadedModel],
) -> None:
    result = explain.attribute(load_head("roberta", "multi_label"), SAMPLE, method="saliency")
    assert abs(sum(result.probabilities) - 1) > 1e-3  # independent sigmoids, not a softmax
    for threshold in (0.05, 0.5, 0.95):
        figure = explain.probability_chart(result, threshold)
        (bars,) = figure.data
        assert tuple(bars.x) == result.probabilities
        (line,) = figure.layout.shapes
        assert (line.x0, line.x1) == (threshold, threshold)
        highlighted = {
            label
            for label, color in zip(LABELS, bars.marker.color, strict=True)
            if color == PREDICTED
        }
        assert highlighted == set(result.predicted_labels_at(threshold))
        assert f"threshold {threshold:.2f}" in figure.layout.annotations[0].text
    with pytest.raises(explain.InputError):
        explain.probability_chart(result, 1.0)


def test_the_single_label_chart_has_no_threshold(
    load_architecture: Callable[[str], explain.LoadedModel],
) -> None:
    result = explain.attribute(load_architecture("bert"), SAMPLE, method="saliency")
    figure = explain.probability_chart(result)
    assert not figure.layout.shapes
    colors = figure.data[0].marker.color
    assert [c == PREDICTED for c in colors].count(True) == 1


def test_the_regression_chart_shows_the_score(
    load_head: Callable[[str, str], explain.LoadedModel],
) -> None:
    result = explain.attribute(load_head("bert", "regression"), SAMPLE, method="saliency")
    figure = explain.probability_chart(result)
    (bar,) = figure.data
    assert tuple(bar.y) == ("score",)
    assert tuple(bar.x) == result.probabilities
    low, high = figure.layout.xaxis.range
    assert low <= min(0.0, result.probabilities[0])
    assert high >= max(0.0, result.probabilities[0])
    assert figure.layout.xaxis.title.text == "predicted score"
    assert "the score" in explain.token_bar_chart(result).layout.title.text
    assert "score" in explain.html_report([result])


def test_the_label_heatmap_has_one_row_per_label_on_one_scale(
    load_head: Callable[[str, str], explain.LoadedModel],
) -> None:
    loaded = load_head("bert", "multi_label")
    results = [explain.attribute(loaded, SAMPLE, target=label, n_steps=8) for label in LABELS]
    figure = explain.label_token_heatmap(results)
    (heatmap,) = figure.data
    assert [name.split(" (")[0] for name in heatmap.y] == list(LABELS)
    for row, result in zip(heatmap.z, results, strict=True):
        assert tuple(row) == result.scores
    peak = max(abs(score) for result in results for score in result.scores)
    assert (heatmap.zmin, heatmap.zmax) == (-peak, peak)
    other = explain.attribute(loaded, "a quiet ride", n_steps=8)
    with pytest.raises(ValueError, match="same tokens"):
        explain.label_token_heatmap([results[0], other])
    with pytest.raises(ValueError, match="at least one"):
        explain.label_token_heatmap([])


@pytest.mark.slow
@pytest.mark.parametrize("head", ["multi_label", "regression"])
def test_the_notebook_cross_checks_each_head_with_plain_captum(
    load_head: Callable[[str, str], explain.LoadedModel], head: str, tmp_path: Path
) -> None:
    from tests.test_notebook import _execute, _printed_json

    result = explain.attribute(load_head("bert", head), SAMPLE, n_steps=16, baseline="pad")
    executed = _execute(to_notebook(result), tmp_path)
    assert _printed_json(executed)["scores"] == pytest.approx(result.scores, abs=1e-5)
    outputs = "\n".join(
        output.get("text", "") for cell in executed["cells"] for output in cell.get("outputs", [])
    )
    assert "Plain Captum agrees with Tokenlight." in outputs
