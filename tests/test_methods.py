"""Properties of every registered attribution method on tiny random BERTs."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from captum.attr import LayerDeepLift, LayerIntegratedGradients

import explain
from explain.core.settings import ChoiceSetting, FloatSetting, IntSetting
from explain.engine.hooks import seeded
from explain.methods.registry import METHODS
from tests.tolerances import float32_model_tolerance

TEXT = "The movie was not very good, but the ride was smooth!"
pytestmark = pytest.mark.filterwarnings("ignore:Setting forward, backward hooks:UserWarning")


def fixed(method: str) -> dict[str, object]:
    """Options that pin a random method to one seed."""
    return {"seed": 3} if any(s.name == "seed" for s in METHODS[method].settings) else {}


def encoded(loaded: explain.LoadedModel, text: str) -> dict[str, torch.Tensor]:
    return dict(loaded.tokenizer(text, return_tensors="pt"))


def target_of(loaded: explain.LoadedModel, label: int, output: str = "probability"):
    """The target output as a function of token ids, computed without explain.forward."""

    def forward(input_ids, attention_mask, token_type_ids):
        logits = loaded.model(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).logits
        return explain.core.targets.target_output(logits, label, output)

    return forward


class TargetModule(torch.nn.Module):
    """The classifier as a module of token ids, as Captum's LayerDeepLift wants."""

    def __init__(self, loaded: explain.LoadedModel, label: int) -> None:
        super().__init__()
        self.model = loaded.model
        self.label = label

    def forward(self, input_ids, attention_mask, token_type_ids):
        logits = self.model(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).logits
        return torch.softmax(logits, dim=-1)[:, self.label]


@pytest.mark.parametrize("method", list(METHODS))
def test_one_finite_score_per_token_with_the_declared_flags(
    tiny_model: explain.LoadedModel, method: str
) -> None:
    spec = METHODS[method]
    result = explain.attribute(tiny_model, TEXT, method=method)
    assert len(result.scores) == len(result.tokens) == len(result.token_ids) > 2
    assert all(math.isfinite(score) for score in result.scores)
    assert result.settings.method == method
    assert result.signed is spec.signed
    if not spec.signed:
        assert min(result.scores) >= 0.0
    assert (result.delta is not None) is spec.has_delta
    assert (result.f_baseline is not None) is spec.uses_baseline
    assert (len(result.baseline_tokens) == len(result.tokens)) is spec.uses_baseline
    assert result.settings.baseline == ("pad" if spec.uses_baseline else None)
    declared = {s.name for s in spec.settings} - {"n_steps"}
    if result.settings.integration == "gausslegendre":
        declared -= {"integration", "error_tolerance"}  # adaptive-only; fixed is the default
    assert {name for name, _ in result.settings.options} == declared


@pytest.mark.parametrize("method", list(METHODS))
def test_same_settings_give_the_same_scores(tiny_model: explain.LoadedModel, method: str) -> None:
    first = explain.attribute(tiny_model, TEXT, method=method, **fixed(method))
    second = explain.attribute(tiny_model, TEXT, method=method, **fixed(method))
    assert first.scores == second.scores


@pytest.mark.parametrize(
    "method", [m for m in METHODS if "seed" in {s.name for s in METHODS[m].settings}]
)
def test_the_seed_decides_the_samples(tiny_model: explain.LoadedModel, method: str) -> None:
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()
    one = explain.attribute(tiny_model, TEXT, method=method, seed=1)
    other = explain.attribute(tiny_model, TEXT, method=method, seed=2)
    assert one.scores != other.scores
    assert torch.equal(torch.get_rng_state(), torch_state), "the global torch RNG must be restored"
    assert np.array_equal(np.random.get_state()[1], numpy_state[1]), "and numpy's"


def test_no_method_leaves_a_trace_on_the_shared_model(tiny_model: explain.LoadedModel) -> None:
    model = tiny_model.model
    hook_kinds = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")

    def hooks() -> dict[tuple[str, str], tuple[int, ...]]:
        return {
            (name, kind): tuple(getattr(module, kind))
            for name, module in model.named_modules()
            for kind in hook_kinds
        }

    with torch.no_grad():  # transformers installs its own output-capturing hooks on first use
        model(**encoded(tiny_model, TEXT), output_attentions=True)
    installed = hooks()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    implementation = model.config._attn_implementation
    for method in METHODS:
        explain.attribute(tiny_model, TEXT, method=method, **fixed(method))
        for name, parameter in model.named_parameters():
            assert torch.equal(parameter, before[name]), (method, name)
            assert parameter.requires_grad, (method, name)
            assert parameter.grad is None, (method, name)
        assert hooks() == installed, method
        for name, module in model.named_modules():
            for attribute in ("input", "output", "input_ref"):  # what DeepLift attaches
                assert attribute not in vars(module), (method, name, attribute)
        assert model.config._attn_implementation == implementation, method
        assert not model.training


def test_saliency_and_input_x_gradient_match_a_plain_backward_pass(
    three_label_model: explain.LoadedModel,
) -> None:
    loaded = three_label_model
    captured: list[torch.Tensor] = []

    def keep(_module, _args, output):
        output.retain_grad()
        captured.append(output)

    handle = loaded.embeddings.register_forward_hook(keep)
    try:
        logits = loaded.model(**encoded(loaded, TEXT)).logits
        torch.softmax(logits, dim=-1)[0, 2].backward()  # p(positive)
    finally:
        handle.remove()
        loaded.model.zero_grad(set_to_none=True)
    embedding, gradient = captured[0][0].detach(), captured[0].grad[0]  # (seq_len, hidden)
    saliency = explain.attribute(loaded, TEXT, method="saliency", target=2)
    product = explain.attribute(loaded, TEXT, method="input_x_gradient", target=2)
    torch.testing.assert_close(
        torch.tensor(saliency.scores, dtype=torch.float64),
        gradient.norm(dim=-1).double(),
        rtol=1e-4,
        atol=1e-7,
    )
    torch.testing.assert_close(
        torch.tensor(product.scores, dtype=torch.float64),
        (embedding * gradient).sum(-1).double(),
        rtol=1e-4,
        atol=1e-7,
    )


def test_word_embedding_ig_equals_captum_layer_ig_on_word_embeddings(
    tiny_model: explain.LoadedModel,
) -> None:
    inputs = encoded(tiny_model, TEXT)
    ids = inputs["input_ids"]
    baseline_ids = ids.clone()
    baseline_ids[0, 1:-1] = tiny_model.tokenizer.mask_token_id
    lig = LayerIntegratedGradients(
        target_of(tiny_model, 1), tiny_model.model.bert.embeddings.word_embeddings
    )
    expected, captum_delta = lig.attribute(
        ids,
        baseline_ids,
        additional_forward_args=(inputs["attention_mask"], inputs["token_type_ids"]),
        n_steps=50,
        return_convergence_delta=True,
    )
    result = explain.attribute(
        tiny_model, TEXT, method="word_integrated_gradients", target=1, baseline="mask"
    )
    # Captum batches and sums the same steps its own way: float32 rounding apart. A delta
    # is a difference of sums, so it rounds with its terms.
    captum_scores = expected.sum(dim=-1)[0].double()
    torch.testing.assert_close(
        torch.tensor(result.scores, dtype=torch.float64),
        captum_scores,
        atol=float32_model_tolerance(captum_scores),
        rtol=0,
    )
    terms = (result.f_input, result.f_baseline, sum(map(abs, result.scores)))
    assert result.delta == pytest.approx(float(captum_delta), abs=float32_model_tolerance(*terms))
    assert result.settings.n_steps == 50
    assert result.settings.integration == "gausslegendre"


@pytest.mark.parametrize("baseline", ["mask", "zero"])
def test_word_embedding_ig_is_complete_at_high_steps(
    tiny_model: explain.LoadedModel, baseline: str
) -> None:
    result = explain.attribute(
        tiny_model,
        TEXT,
        method="word_integrated_gradients",
        baseline=baseline,
        output="logit",
        n_steps=300,
    )
    change = result.f_input - result.f_baseline
    assert abs(change) > 1e-3
    assert abs(sum(result.scores) - change) <= 1e-3 * abs(change) + 1e-6
    assert abs(result.delta) <= 1e-3 * abs(change) + 1e-6


def test_word_embedding_ig_moves_only_the_word_vectors(tiny_model: explain.LoadedModel) -> None:
    """Position and token types stay: so it differs from IG on the whole embeddings layer."""
    words = explain.attribute(tiny_model, TEXT, method="word_integrated_gradients", baseline="zero")
    layer = explain.attribute(tiny_model, TEXT, baseline="zero")
    assert words.f_input == pytest.approx(layer.f_input, abs=1e-6)
    assert words.f_baseline != pytest.approx(layer.f_baseline, abs=1e-4)
    # A BERT's [PAD] word vector is zero, so "pad" and "zero" are the same baseline here.
    pad = explain.attribute(tiny_model, TEXT, method="word_integrated_gradients", baseline="pad")
    assert pad.scores == pytest.approx(words.scores, abs=1e-9)


def test_deeplift_equals_captum_layer_deeplift(tiny_model: explain.LoadedModel) -> None:
    inputs = encoded(tiny_model, TEXT)
    ids = inputs["input_ids"]
    baseline_ids = ids.clone()
    baseline_ids[0, 1:-1] = tiny_model.tokenizer.pad_token_id
    layer_deeplift = LayerDeepLift(TargetModule(tiny_model, 0), tiny_model.model.bert.embeddings)
    expected = layer_deeplift.attribute(
        ids,
        baseline_ids,
        additional_forward_args=(inputs["attention_mask"], inputs["token_type_ids"]),
    )
    result = explain.attribute(tiny_model, TEXT, method="deeplift", target=0)
    torch.testing.assert_close(
        torch.tensor(result.scores, dtype=torch.float64),
        expected.sum(dim=-1)[0].double(),
        atol=1e-6,
        rtol=1e-5,
    )
    assert result.delta == pytest.approx(
        sum(result.scores) - (result.f_input - result.f_baseline), abs=1e-9
    )


def test_noiseless_gradient_shap_sample_is_a_gradient_at_a_seeded_point(
    tiny_model: explain.LoadedModel,
) -> None:
    """One sample with no noise: (x - b) * dF/dx at b + alpha (x - b), alpha the seed's uniform."""
    result = explain.attribute(
        tiny_model, TEXT, method="gradient_shap", n_samples=1, stdev=0.0, seed=5, target=1
    )
    with seeded(5, torch.device("cpu")):
        alpha = float(np.random.uniform(0.0, 1.0, 1)[0])
    inputs = encoded(tiny_model, TEXT)
    baseline_ids = inputs["input_ids"].clone()
    baseline_ids[0, 1:-1] = tiny_model.tokenizer.pad_token_id
    with torch.no_grad():
        x = tiny_model.embeddings(input_ids=inputs["input_ids"])
        b = tiny_model.embeddings(input_ids=baseline_ids)
    point = (b + alpha * (x - b)).requires_grad_()
    handle = tiny_model.embeddings.register_forward_hook(lambda *_: point)
    try:
        probability = torch.softmax(tiny_model.model(**inputs).logits, dim=-1)[0, 1]
        (gradient,) = torch.autograd.grad(probability, point)
    finally:
        handle.remove()
    expected = ((x - b) * gradient).sum(-1)[0].double()
    torch.testing.assert_close(  # another pass than Captum's: float32 rounding apart
        torch.tensor(result.scores, dtype=torch.float64),
        expected,
        atol=float32_model_tolerance(expected),
        rtol=1e-4,
    )


def test_gradient_shap_adds_up_to_the_change_on_average(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(
        tiny_model, TEXT, method="gradient_shap", n_samples=300, stdev=0.0, output="logit"
    )
    change = result.f_input - result.f_baseline
    assert abs(result.delta) < 0.1 * abs(change)


def _occluded_output(
    loaded: explain.LoadedModel, positions: list[int], label: int, output: str
) -> float:
    inputs = encoded(loaded, TEXT)
    inputs["input_ids"][0, positions] = loaded.tokenizer.pad_token_id
    with torch.no_grad():
        logits = loaded.model(**inputs).logits
    return float(explain.core.targets.target_output(logits, label, output)[0])


def test_occlusion_batched_equals_one_forward_per_window(
    three_label_model: explain.LoadedModel,
) -> None:
    loaded = three_label_model
    options = {"target": "neutral", "output": "log_odds"}
    result = explain.attribute(loaded, TEXT, method="occlusion", window=1, **options)
    # The windows run in one padded batch, each here alone: float32 rounding apart.
    tolerance = float32_model_tolerance(result.f_input, result.scores)
    for position in (2, 7):
        drop = result.f_input - _occluded_output(loaded, [position], 1, "log_odds")
        assert result.scores[position] == pytest.approx(drop, abs=tolerance)
    assert result.scores[0] == result.scores[-1] == 0.0
    pairs = explain.attribute(loaded, TEXT, method="occlusion", window=2, **options)
    # Token 5 is covered by the windows over tokens (4, 5) and (5, 6).
    drops = [pairs.f_input - _occluded_output(loaded, w, 1, "log_odds") for w in ([4, 5], [5, 6])]
    assert pairs.scores[5] == pytest.approx(sum(drops) / 2, abs=tolerance)
    # Token 1 is the first text token: only the window (1, 2) covers it.
    first = pairs.f_input - _occluded_output(loaded, [1, 2], 1, "log_odds")
    assert pairs.scores[1] == pytest.approx(first, abs=tolerance)


def test_occlusion_by_word_removes_every_piece_of_a_word(tiny_model: explain.LoadedModel) -> None:
    text = "the cars ride smoothly"  # smoothly -> smooth ##ly
    tokens = explain.attribute(tiny_model, text, method="saliency").tokens
    assert tokens[4:6] == ("smooth", "##ly")
    result = explain.attribute(tiny_model, text, method="occlusion", unit="word", target=1)
    inputs = encoded(tiny_model, text)
    inputs["input_ids"][0, [4, 5]] = tiny_model.tokenizer.pad_token_id
    with torch.no_grad():
        occluded = float(torch.softmax(tiny_model.model(**inputs).logits, dim=-1)[0, 1])
    tolerance = float32_model_tolerance(result.f_input, occluded)  # another forward pass
    assert (
        result.scores[4]
        == result.scores[5]
        == pytest.approx(result.f_input - occluded, abs=tolerance)
    )


def test_occlusion_window_wider_than_the_text_removes_it_all(
    tiny_model: explain.LoadedModel,
) -> None:
    result = explain.attribute(tiny_model, "good film", method="occlusion", window=10)
    change = result.f_input - result.f_baseline
    # The occluded text runs in the windows' batch, the baseline apart: float32 rounding apart.
    tolerance = float32_model_tolerance(result.f_input, result.f_baseline)
    assert result.scores == pytest.approx((0.0, change, change, 0.0), abs=tolerance)


def _exact_shapley(loaded: explain.LoadedModel, text: str, label: int) -> list[float]:
    """Shapley values of the text tokens by enumerating every coalition, one forward each."""
    inputs = encoded(loaded, text)
    players = list(range(1, inputs["input_ids"].shape[1] - 1))
    n = len(players)
    value: dict[frozenset[int], float] = {}
    for size in range(n + 1):
        for kept in itertools.combinations(players, size):
            ids = inputs["input_ids"].clone()
            ids[0, [p for p in players if p not in kept]] = loaded.tokenizer.pad_token_id
            with torch.no_grad():
                logits = loaded.model(**{**inputs, "input_ids": ids}).logits
            value[frozenset(kept)] = float(torch.softmax(logits, dim=-1)[0, label])
    shapley = []
    for player in players:
        others = [p for p in players if p != player]
        total = 0.0
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for coalition in itertools.combinations(others, size):
                with_player = value[frozenset((*coalition, player))]
                total += weight * (with_player - value[frozenset(coalition)])
        shapley.append(total)
    return shapley


def test_kernel_shap_approaches_exact_shapley_values(tiny_model: explain.LoadedModel) -> None:
    text = "not a good film"
    exact = _exact_shapley(tiny_model, text, 1)
    result = explain.attribute(tiny_model, text, method="kernel_shap", target=1, n_samples=1000)
    estimate = result.scores[1:-1]
    scale = max(abs(v) for v in exact)
    assert scale > 1e-3
    assert max(abs(a - b) for a, b in zip(estimate, exact, strict=True)) < 0.05 * scale
    assert abs(result.delta) < 1e-4
    # Exact Shapley values add up to v(text) - v(baseline) from this test's own forward
    # passes: float32 rounding away from the attribution's.
    ends = float32_model_tolerance(result.f_input, result.f_baseline)
    assert sum(exact) == pytest.approx(result.f_input - result.f_baseline, abs=ends)


def test_lime_and_kernel_shap_leave_special_tokens_alone(tiny_model: explain.LoadedModel) -> None:
    for method in ("lime", "kernel_shap", "gradient_shap"):
        result = explain.attribute(tiny_model, TEXT, method=method)
        assert result.scores[0] == result.scores[-1] == 0.0, method
        assert any(score != 0.0 for score in result.scores[1:-1]), method


def test_one_token_text_works_everywhere(tiny_model: explain.LoadedModel) -> None:
    for method in METHODS:
        result = explain.attribute(tiny_model, "good", method=method)
        assert len(result.scores) == 3, method
    shap = explain.attribute(tiny_model, "good", method="kernel_shap")
    assert shap.scores[1] == pytest.approx(shap.f_input - shap.f_baseline, abs=1e-6)


def _bad_values(setting: IntSetting | FloatSetting | ChoiceSetting) -> list[object]:
    if isinstance(setting, ChoiceSetting):
        return ["sentence", 1, None]
    return [setting.minimum - 1, setting.maximum + 1, "3", True, float("nan")]


@pytest.mark.parametrize(
    ("method", "setting"),
    [(m, s) for m in METHODS for s in METHODS[m].settings],
    ids=lambda value: value if isinstance(value, str) else value.name,
)
def test_out_of_range_settings_raise_input_error(
    tiny_model: explain.LoadedModel, method: str, setting
) -> None:
    for value in _bad_values(setting):
        with pytest.raises(explain.InputError, match=setting.label):
            explain.attribute(tiny_model, TEXT, method=method, **{setting.name: value})


@pytest.mark.parametrize("method", list(METHODS))
def test_unknown_options_name_the_valid_ones(tiny_model: explain.LoadedModel, method: str) -> None:
    with pytest.raises(explain.InputError, match="Its options are: target, output, baseline"):
        explain.attribute(tiny_model, TEXT, method=method, window_size=3)


def test_unknown_method_lists_every_method(tiny_model: explain.LoadedModel) -> None:
    with pytest.raises(ValueError, match="saliency, input_x_gradient, deeplift") as error:
        explain.attribute(tiny_model, TEXT, method="shapley")
    assert all(name in str(error.value) for name in METHODS)


def test_settings_check_types_and_ranges() -> None:
    stdev = FloatSetting("stdev", "Noise", 0.1, 0.0, 2.0, 0.05, "help")
    assert stdev.check(1) == 1.0
    assert isinstance(stdev.check(1), float)
    for bad in (-0.1, 2.5, math.inf, "0.1", False):
        with pytest.raises(explain.InputError):
            stdev.check(bad)  # type: ignore[arg-type]
    unit = ChoiceSetting("unit", "Unit", "token", ("token", "word"), "help")
    assert unit.check("word") == "word"
    with pytest.raises(explain.InputError, match="token, word"):
        unit.check("Word")
    with pytest.raises(ValueError, match="not a choice"):
        ChoiceSetting("unit", "Unit", "sentence", ("token", "word"), "help")


@pytest.mark.parametrize("method", ["saliency", "occlusion", "gradient_shap", "attention"])
def test_results_survive_a_json_round_trip(tiny_model: explain.LoadedModel, method: str) -> None:
    result = explain.attribute(tiny_model, TEXT, method=method, **fixed(method))
    (back,) = explain.from_json(explain.to_json([result]))
    assert back == result


def test_results_without_baseline_or_delta_say_so(tiny_model: explain.LoadedModel) -> None:
    saliency = explain.attribute(tiny_model, TEXT, method="saliency")
    assert saliency.output_change is None
    assert saliency.relative_delta is None
    lime = explain.attribute(tiny_model, TEXT, method="lime")
    assert lime.output_change == pytest.approx(lime.f_input - lime.f_baseline)
    assert lime.relative_delta is None
    layer = explain.attribute(tiny_model, TEXT, n_steps=8)
    assert layer.relative_delta == pytest.approx(abs(layer.delta) / abs(layer.output_change))
