"""Multi-label and regression heads: what is explained, and completeness as before.

A multi-label head's labels are independent sigmoids: ``probability`` is the
target label's sigmoid, ``log-odds`` and ``logit`` its logit, and the
prediction is every label at or above 0.5. A regression head's one output is
explained as the predicted score itself, with no softmax.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

import explain
from tests.architectures import SAMPLE, save_architecture

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
    assert prediction.predicted_labels(threshold=0.0) == LABELS
    assert prediction.predicted_labels(threshold=1.01) == ()


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("output", ["probability", "log_odds", "logit"])
def test_any_label_of_a_multi_label_head_is_explained_completely(
    load_head: Callable[[str, str], explain.LoadedModel], label: str, output: str
) -> None:
    loaded = load_head("bert", "multi_label")
    logit = float(_logits(loaded, SAMPLE)[LABELS.index(label)])
    result = explain.attribute(loaded, SAMPLE, target=label, output=output)
    expected = torch.sigmoid(torch.tensor(logit)).item() if output == "probability" else logit
    assert result.f_input == pytest.approx(expected, abs=1e-5)
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
    prediction = explain.predict(loaded, SAMPLE)
    assert prediction.probabilities == pytest.approx((score,), abs=1e-5)
    for output in ("probability", "logit", "log_odds"):
        result = explain.attribute(loaded, SAMPLE, output=output)
        assert result.settings.output == "score"
        assert result.f_input == pytest.approx(score, abs=1e-5)
        assert result.probabilities == pytest.approx((score,), abs=1e-5)
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
