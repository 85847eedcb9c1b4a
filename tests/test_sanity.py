"""The model-randomisation cascade on a tiny random BERT."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
import torch

import explain
from explain.evaluation.sanity import (
    PASSING_CORRELATION,
    SanityCheck,
    randomization_cascade,
    reinitialize,
    verdict,
)
from explain.render.evaluation_figures import sanity_curve

TEXT = "The movie was not very good, but the ride was smooth!"
N_STEPS = 8


def checksum(model: torch.nn.Module) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def check(tiny_model: explain.LoadedModel) -> SanityCheck:
    return randomization_cascade(tiny_model, TEXT, n_steps=N_STEPS, include_embeddings=True)


def test_steps_top_down(check: SanityCheck, tiny_model: explain.LoadedModel) -> None:
    layers = tiny_model.model.config.num_hidden_layers
    assert layers == 2
    assert check.steps == ("trained", "classifier head", "layer 2", "layer 1", "embeddings")
    assert len(check.correlations) == len(check.attributions) == len(check.scores) == 5


def test_trained_step_is_the_plain_explanation(
    check: SanityCheck, tiny_model: explain.LoadedModel
) -> None:
    assert check.correlations[0] == 1.0
    assert check.absolute_correlations[0] == 1.0
    plain = explain.attribute(tiny_model, TEXT, n_steps=N_STEPS)
    assert check.scores[0] == plain.scores


def test_randomising_changes_the_explanation(check: SanityCheck) -> None:
    trained = check.attributions[0]
    for attribution, correlation in zip(
        check.attributions[1:], check.correlations[1:], strict=True
    ):
        assert attribution.scores != pytest.approx(trained.scores, abs=1e-4)
        assert -1.0 <= correlation < 1.0
        # Every step explains the trained model's label, so scores stay comparable.
        assert attribution.target_index == trained.target_index
        assert attribution.token_ids == trained.token_ids


def test_deterministic_and_shared_model_untouched(
    check: SanityCheck, tiny_model: explain.LoadedModel
) -> None:
    before = checksum(tiny_model.model)
    again = randomization_cascade(tiny_model, TEXT, n_steps=N_STEPS, include_embeddings=True)
    assert checksum(tiny_model.model) == before
    assert again.scores == check.scores
    assert again.correlations == check.correlations
    other_seed = randomization_cascade(tiny_model, TEXT, n_steps=N_STEPS, init_seed=1)
    assert other_seed.scores[1] != check.scores[1]
    assert other_seed.scores[0] == check.scores[0]


def test_options_reach_the_method(tiny_model: explain.LoadedModel) -> None:
    result = randomization_cascade(tiny_model, TEXT, n_steps=4, output="logit", target=0)
    assert result.steps[-1] == "layer 1"
    assert {a.settings.output for a in result.attributions} == {"logit"}
    assert {a.target_index for a in result.attributions} == {0}


def test_reinitialize_draws_the_config_scheme() -> None:
    layer = torch.nn.Sequential(torch.nn.Linear(200, 300), torch.nn.LayerNorm(300))
    torch.nn.init.constant_(layer[1].weight, 5.0)
    first = torch.Generator().manual_seed(0)
    reinitialize(layer, 0.3, first)
    weight = layer[0].weight.detach()
    assert float(weight.std()) == pytest.approx(0.3, rel=0.02)
    assert float(weight.mean()) == pytest.approx(0.0, abs=0.01)
    assert torch.count_nonzero(layer[0].bias) == 0
    assert torch.equal(layer[1].weight, torch.ones(300))
    assert torch.count_nonzero(layer[1].bias) == 0
    drawn = layer[0].weight.clone()
    reinitialize(layer, 0.3, torch.Generator().manual_seed(0))
    assert torch.equal(layer[0].weight, drawn)


def test_figure(check: SanityCheck) -> None:
    figure = sanity_curve(check)
    assert [trace.name for trace in figure.data] == ["signed scores", "absolute scores"]
    assert list(figure.data[0].x) == list(check.steps)
    assert list(figure.data[0].y) == list(check.correlations)
    assert list(figure.data[1].y) == list(check.absolute_correlations)


def test_verdict_reads_the_last_correlation(check: SanityCheck) -> None:
    """The check passes when the most randomised step's |Spearman| is below the threshold."""

    def ending_at(last: float) -> SanityCheck:
        return replace(check, correlations=(*check.correlations[:-1], last))

    assert verdict(ending_at(0.1)) == "passes"
    assert verdict(ending_at(-PASSING_CORRELATION + 0.01)) == "passes"
    assert verdict(ending_at(PASSING_CORRELATION)) == "suspicious"
    assert verdict(ending_at(-0.9)) == "suspicious"
    assert verdict(ending_at(float("nan"))) == "suspicious"  # constant scores
    assert verdict(ending_at(0.3), threshold=0.2) == "suspicious"
