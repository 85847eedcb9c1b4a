"""The baseline registry builds the right ids and embeddings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

import explain
from explain.methods.baselines import BaselineOptions, random_text_tokens
from explain.methods.layer_integrated_gradients import endpoints, paths
from explain.model.encoding import encode, pad_batch
from tests.tiny import WORDS, save_tiny_classifier
from tests.tolerances import float32_model_tolerance


def test_token_baselines_keep_special_tokens_and_replace_the_rest(
    tiny_model: explain.LoadedModel,
) -> None:
    tokenizer = tiny_model.tokenizer
    encoding = encode(tokenizer, "the movie was great", 64, torch.device("cpu"))
    ids, special = encoding.input_ids, encoding.special_mask
    for name, token in (("pad", "[PAD]"), ("mask", "[MASK]"), ("unk", "[UNK]")):
        baseline_ids = explain.get_baseline(name).token_ids(ids, special, tokenizer)
        assert baseline_ids.shape == ids.shape
        tokens = tokenizer.convert_ids_to_tokens(baseline_ids[0].tolist())
        assert tokens == ["[CLS]", token, token, token, token, "[SEP]"]


def test_zero_baseline_zeroes_text_positions_only() -> None:
    embedding = torch.randn(1, 5, 8)  # (batch, seq_len, hidden)
    special = torch.tensor([[True, False, False, False, True]])
    baseline = explain.get_baseline("zero").embedding(embedding, special)
    assert baseline.shape == embedding.shape
    assert torch.equal(baseline[0, 1:4], torch.zeros(3, 8))
    assert torch.equal(baseline[0, [0, 4]], embedding[0, [0, 4]])


def test_result_reports_the_baseline_it_integrated_from(tiny_model: explain.LoadedModel) -> None:
    result = explain.attribute(tiny_model, "the car was loud", baseline="mask", n_steps=2)
    assert result.baseline_tokens == ("[CLS]", "[MASK]", "[MASK]", "[MASK]", "[MASK]", "[SEP]")
    zero = explain.attribute(tiny_model, "the car was loud", baseline="zero", n_steps=2)
    assert zero.baseline_tokens[0] == "[CLS]"
    assert zero.baseline_tokens[-1] == "[SEP]"
    assert set(zero.baseline_tokens[1:-1]) == {"∅"}


def test_every_baseline_has_a_description() -> None:
    assert set(explain.BASELINES) >= {"pad", "mask", "unk", "zero"}
    for baseline in explain.BASELINES.values():
        assert baseline.description.strip()


def test_unknown_baseline_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="pad, mask, unk, zero"):
        explain.get_baseline("gaussian")


def test_embedding_baseline_refuses_token_ids(tiny_model: explain.LoadedModel) -> None:
    with pytest.raises(ValueError, match="does not replace tokens"):
        explain.get_baseline("zero").token_id(tiny_model.tokenizer)


TEXT = "The movie was not very good, but the ride was smooth!"


def _encoded(loaded: explain.LoadedModel, text: str = TEXT, pair: str | None = None):
    encoding = encode(loaded.tokenizer, text, 64, torch.device("cpu"), text_pair=pair)
    return encoding.input_ids, encoding.special_mask


def _target(loaded: explain.LoadedModel, ids: torch.Tensor, label: int, output: str):
    """The target output for token ids, run through the model with nothing replaced."""
    with torch.no_grad():
        logits = loaded.model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
    return explain.core.targets.target_output(logits, label, output)


@pytest.mark.parametrize(
    "options",
    [{"baseline_seed": 0}, {"baseline_seed": 7}],
)
def test_random_tokens_are_seeded_text_tokens_from_the_vocabulary(
    tiny_model: explain.LoadedModel, options: dict
) -> None:
    tokenizer = tiny_model.tokenizer
    ids, special = _encoded(tiny_model)
    random = explain.get_baseline("random")
    chosen = BaselineOptions(**options)
    first = random.token_ids(ids, special, tokenizer, chosen)
    again = random.token_ids(ids, special, tokenizer, chosen)
    assert first.shape == ids.shape
    assert torch.equal(first, again)
    assert torch.equal(first[special], ids[special])
    text_ids = first[~special].tolist()
    assert not set(text_ids) & set(tokenizer.all_special_ids)
    assert len(set(text_ids)) > 3, "uniform draws over 35 tokens should rarely repeat this much"
    other = random.token_ids(ids, special, tokenizer, replace(chosen, baseline_seed=99))
    assert not torch.equal(first, other)


def test_random_draws_cover_the_vocabulary_but_never_special_or_placeholder_tokens(
    tmp_path: Path,
) -> None:
    directory = save_tiny_classifier(tmp_path / "unused", extra_tokens=("[unused0]", "[unused1]"))
    loaded = explain.load_checkpoint(str(directory), device="cpu")
    ids, special = _encoded(loaded, "good " * 60)
    drawn = random_text_tokens(ids, special, loaded.tokenizer, seed=3, samples=20)
    tokens = set(loaded.tokenizer.convert_ids_to_tokens(drawn[:, ~special].flatten().tolist()))
    assert tokens == set(WORDS), "1200 uniform draws reach every one of the 35 words"


def test_a_text_gets_the_same_random_baseline_alone_or_in_a_batch(
    tiny_model: explain.LoadedModel,
) -> None:
    short = encode(tiny_model.tokenizer, "the car", 64, torch.device("cpu"))
    long = encode(tiny_model.tokenizer, TEXT, 64, torch.device("cpu"))
    batch = pad_batch([short, long], tiny_model.tokenizer.pad_token_id)
    together = random_text_tokens(batch.input_ids, batch.special_mask, tiny_model.tokenizer, 5, 3)
    for row, encoding in enumerate((short, long)):
        alone = random_text_tokens(
            encoding.input_ids, encoding.special_mask, tiny_model.tokenizer, 5, 3
        )
        assert torch.equal(together[:, row, : batch.lengths[row]], alone[:, 0])


def test_gaussian_noise_is_seeded_relative_noise_at_text_positions_only() -> None:
    torch.manual_seed(0)
    embedding = 3.0 * torch.randn(2, 40, 32)  # (batch, seq_len, hidden), RMS about 3
    special = torch.zeros(2, 40, dtype=torch.bool)
    special[:, 0] = special[:, -1] = True
    special[1, 30:] = True  # the second text is shorter, padded
    noisy = explain.get_baseline("gaussian_noise")
    options = BaselineOptions(baseline_noise=0.5, baseline_seed=1)
    baseline = noisy.embedding(embedding, special, options)
    assert baseline.shape == embedding.shape
    assert torch.isfinite(baseline).all()
    assert torch.equal(baseline[special], embedding[special])
    assert torch.equal(baseline, noisy.embedding(embedding, special, options))
    assert not torch.equal(
        baseline, noisy.embedding(embedding, special, replace(options, baseline_seed=2))
    )
    for row in range(2):
        text = ~special[row]
        rms = embedding[row, text].pow(2).mean().sqrt()
        noise = baseline[row, text] - embedding[row, text]
        # sigma = 0.5 * RMS, estimated from over 900 draws: within 10 %.
        assert float(noise.std() / rms) == pytest.approx(0.5, rel=0.1)
        assert abs(float(noise.mean() / rms)) < 0.05


def test_custom_token_replaces_every_text_token(tiny_model: explain.LoadedModel) -> None:
    tokenizer = tiny_model.tokenizer
    ids, special = _encoded(tiny_model, "the car was loud")
    custom = explain.get_baseline("custom")
    for typed in ("movie", " Movie ", "[MASK]"):
        baseline_ids = custom.token_ids(
            ids, special, tokenizer, BaselineOptions(baseline_token=typed)
        )
        expected = typed.strip().lower() if typed.strip() != "[MASK]" else "[MASK]"
        tokens = tokenizer.convert_ids_to_tokens(baseline_ids[0].tolist())
        assert tokens == ["[CLS]", expected, expected, expected, expected, "[SEP]"]
    result = explain.attribute(
        tiny_model, "the car was loud", baseline="custom", baseline_token="film", n_steps=2
    )
    assert result.baseline_tokens == ("[CLS]", "film", "film", "film", "film", "[SEP]")
    assert result.settings.baseline_options == (("baseline_token", "film"),)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("movies", r"2 pieces, 'movie', '##s'"),
        ("the movie", r"2 pieces, 'the', 'movie'"),
        ("zebra", r"not in this model's vocabulary.*\[UNK\]"),
        ("   ", "must be some text"),
    ],
)
def test_custom_token_that_is_not_one_token_is_refused(
    tiny_model: explain.LoadedModel, typed: str, message: str
) -> None:
    with pytest.raises(explain.InputError, match=message):
        explain.attribute(tiny_model, "the car", baseline="custom", baseline_token=typed, n_steps=2)


def test_expected_gradients_samples_are_random_baselines(tiny_model: explain.LoadedModel) -> None:
    tokenizer = tiny_model.tokenizer
    ids, special = _encoded(tiny_model)
    options = BaselineOptions(baseline_samples=5, baseline_seed=4)
    samples = explain.get_baseline("expected_gradients").sample_token_ids(
        ids, special, tokenizer, options
    )
    assert samples.shape == (5, *ids.shape)
    assert all(torch.equal(sample[special], ids[special]) for sample in samples)
    assert len({tuple(sample[0].tolist()) for sample in samples}) == 5
    random = explain.get_baseline("random").token_ids(ids, special, tokenizer, options)
    assert torch.equal(samples[0], random), "sample 0 is the random baseline of the same seed"


@pytest.mark.parametrize(
    ("baseline", "options"),
    [
        ("random", {"baseline_seed": 11}),
        ("custom", {"baseline_token": "awful"}),
        ("mask", {}),
    ],
)
def test_f_baseline_is_the_output_of_the_baseline_that_was_integrated(
    tiny_model: explain.LoadedModel, baseline: str, options: dict
) -> None:
    result = explain.attribute(
        tiny_model, TEXT, baseline=baseline, output="logit", n_steps=300, **options
    )
    ids = torch.tensor([tiny_model.tokenizer.convert_tokens_to_ids(list(result.baseline_tokens))])
    by_hand = float(_target(tiny_model, ids, result.target_index, "logit")[0])
    # The same logit from another forward pass (other inputs around it): float32 rounding.
    assert result.f_baseline == pytest.approx(by_hand, abs=float32_model_tolerance(by_hand))
    change = result.f_input - result.f_baseline
    assert abs(change) > 1e-2
    assert abs(result.delta) <= 1e-3 * abs(change)
    assert result.settings.baseline_options == tuple(options.items())


def test_noise_baseline_completes_and_depends_on_its_seed(tiny_model: explain.LoadedModel) -> None:
    runs = [
        explain.attribute(
            tiny_model,
            TEXT,
            baseline="gaussian_noise",
            output="logit",
            n_steps=200,
            baseline_seed=seed,
            baseline_noise=2.0,
        )
        for seed in (0, 0, 1)
    ]
    assert runs[0].scores == runs[1].scores
    assert runs[0].f_baseline != runs[2].f_baseline
    for run in runs:
        change = run.f_input - run.f_baseline
        assert abs(run.delta) <= 1e-3 * abs(change)
        assert set(run.baseline_tokens[1:-1]) == {"≈"}
    assert runs[0].settings.baseline_options == (("baseline_noise", 2.0), ("baseline_seed", 0))


def test_expected_gradients_completes_against_the_mean_baseline_output(
    tiny_model: explain.LoadedModel,
) -> None:
    result = explain.attribute(
        tiny_model,
        TEXT,
        baseline="expected_gradients",
        output="logit",
        n_steps=200,
        baseline_samples=3,
        baseline_seed=2,
    )
    ids, special = _encoded(tiny_model)
    samples = random_text_tokens(ids, special, tiny_model.tokenizer, seed=2, samples=3)
    outputs = [
        float(_target(tiny_model, sample, result.target_index, "logit")[0]) for sample in samples
    ]
    assert result.f_baseline == pytest.approx(
        sum(outputs) / 3, abs=float32_model_tolerance(outputs)
    )
    assert len(result.sample_deltas) == 3
    for delta, output in zip(result.sample_deltas, outputs, strict=True):
        assert abs(delta) <= 1e-3 * abs(result.f_input - output)
    assert result.delta == pytest.approx(sum(result.sample_deltas) / 3, abs=1e-6)
    change = result.f_input - result.f_baseline
    assert abs(sum(result.scores) - change) <= 1e-3 * abs(change)
    assert result.settings.baseline_options == (("baseline_samples", 3), ("baseline_seed", 2))


def test_expected_gradients_of_one_sample_is_the_random_baseline(
    tiny_model: explain.LoadedModel,
) -> None:
    one = explain.attribute(
        tiny_model,
        TEXT,
        baseline="expected_gradients",
        n_steps=20,
        baseline_samples=1,
        baseline_seed=6,
    )
    random = explain.attribute(tiny_model, TEXT, baseline="random", n_steps=20, baseline_seed=6)
    assert one.scores == pytest.approx(random.scores, abs=1e-6)
    assert one.f_baseline == pytest.approx(random.f_baseline, abs=1e-6)
    other = explain.attribute(
        tiny_model,
        TEXT,
        baseline="expected_gradients",
        n_steps=20,
        baseline_samples=1,
        baseline_seed=7,
    )
    assert other.scores != one.scores


@pytest.mark.parametrize("baseline", ["pad", "random", "custom", "expected_gradients"])
def test_token_baselines_keep_positions_and_token_types(
    tiny_model: explain.LoadedModel, baseline: str
) -> None:
    """Every row the embeddings layer sees, input or baseline, has the input's positions and types.

    The text is a pair, so the token types are not all zero.
    """
    embeddings = tiny_model.model.bert.embeddings
    seen: dict[str, list[torch.Tensor]] = {"type": [], "position": []}
    hooks = [
        embeddings.token_type_embeddings.register_forward_hook(
            lambda _m, args, _out: seen["type"].append(args[0])
        ),
        embeddings.position_embeddings.register_forward_hook(
            lambda _m, args, _out: seen["position"].append(args[0])
        ),
    ]
    try:
        result = explain.attribute(
            tiny_model, "the movie was great", text_pair="i hate it", baseline=baseline, n_steps=2
        )
    finally:
        for hook in hooks:
            hook.remove()
    expected_types = torch.tensor(result.segments)  # 0 for the first text, 1 for the second
    assert expected_types.tolist() == [0] * 6 + [1] * 4
    assert seen["type"]
    for types in seen["type"]:
        assert all(torch.equal(row, expected_types) for row in types)
    assert seen["position"]
    for positions in seen["position"]:
        assert (positions == torch.arange(10)).all()


def test_every_baseline_declares_settings_with_defaults_in_range() -> None:
    for baseline in explain.BASELINES.values():
        for setting in baseline.settings:
            assert setting.check(setting.default) == setting.default
            assert hasattr(BaselineOptions(), setting.name), "settings are attribute()'s keywords"
    assert {s.name for s in explain.get_baseline("expected_gradients").settings} == {
        "baseline_samples",
        "baseline_seed",
    }


@pytest.mark.parametrize(
    ("options", "label"),
    [
        ({"baseline_seed": -1}, "Baseline seed"),
        ({"baseline_noise": 0.0}, "Noise scale"),
        ({"baseline_noise": float("nan")}, "Noise scale"),
        ({"baseline_samples": 0}, "Baseline samples"),
        ({"baseline_samples": 33}, "Baseline samples"),
        ({"baseline_token": ""}, "Baseline token"),
    ],
)
def test_out_of_range_baseline_options_are_refused(
    tiny_model: explain.LoadedModel, options: dict, label: str
) -> None:
    with pytest.raises(explain.InputError, match=label):
        explain.attribute(
            tiny_model, "the car", baseline="expected_gradients", n_steps=2, **options
        )


def test_other_methods_refuse_expected_gradients_clearly(tiny_model: explain.LoadedModel) -> None:
    with pytest.raises(explain.InputError, match=r"cannot do\. Choose another baseline"):
        explain.attribute(tiny_model, "the car", method="deeplift", baseline="expected_gradients")
    with pytest.raises(ValueError, match="no single embedding"):
        explain.get_baseline("expected_gradients").embedding(
            torch.zeros(1, 3, 4), torch.ones(1, 3, dtype=torch.bool)
        )


def test_expected_gradients_in_budget_sized_chunks_equals_one_call(
    tiny_model: explain.LoadedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = {"baseline": "expected_gradients", "baseline_samples": 5, "n_steps": 6}
    whole = explain.attribute(tiny_model, "the movie was not good", **options)
    # 2 samples a call
    monkeypatch.setattr(endpoints, "TOKEN_BUDGET", 16)
    monkeypatch.setattr(paths, "TOKEN_BUDGET", 16)
    chunked = explain.attribute(tiny_model, "the movie was not good", **options)
    # Other chunks, so float32 sums in another order: the scores round with their own size,
    # the deltas (small differences of sums) with the outputs they are differences of.
    assert chunked.scores == pytest.approx(whole.scores, abs=float32_model_tolerance(whole.scores))
    terms = (whole.f_input, whole.f_baseline, sum(map(abs, whole.scores)))
    assert chunked.sample_deltas == pytest.approx(
        whole.sample_deltas, abs=float32_model_tolerance(*terms)
    )
