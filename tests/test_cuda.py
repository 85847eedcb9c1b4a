"""On a CUDA GPU: every method, bfloat16, batching and the pooled last layer (make bench-gpu)."""

from __future__ import annotations

import pytest
import torch

import explain
from explain.engine.pooled import last_layer_pooled
from tests.tiny import save_tiny_classifier

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
TEXT = "the movie was not very good, but the ride was smooth!"


@pytest.fixture(scope="module")
def cuda_model(tmp_path_factory: pytest.TempPathFactory) -> explain.LoadedModel:
    directory = save_tiny_classifier(tmp_path_factory.mktemp("cuda") / "checkpoint")
    return explain.load_checkpoint(str(directory), device="cuda")


@pytest.fixture(scope="module")
def cpu_model(tmp_path_factory: pytest.TempPathFactory) -> explain.LoadedModel:
    directory = save_tiny_classifier(tmp_path_factory.mktemp("cpu") / "checkpoint")
    return explain.load_checkpoint(str(directory), device="cpu")


@pytest.mark.parametrize("method", list(explain.METHODS))
def test_every_method_runs_on_cuda(cuda_model: explain.LoadedModel, method: str) -> None:
    result = explain.attribute(cuda_model, TEXT, method=method)
    assert result.settings.device.startswith("cuda")
    assert len(result.scores) == len(result.tokens)


def test_layer_ig_on_cuda_equals_cpu(
    cuda_model: explain.LoadedModel, cpu_model: explain.LoadedModel
) -> None:
    on_gpu = explain.attribute(cuda_model, TEXT, n_steps=50)
    on_cpu = explain.attribute(cpu_model, TEXT, n_steps=50)
    assert on_gpu.scores == pytest.approx(on_cpu.scores, abs=1e-4)
    adaptive = explain.attribute(cuda_model, TEXT, integration="adaptive")
    assert adaptive.error_estimate is not None
    assert adaptive.error_estimate <= 1e-3


def test_bfloat16_on_cuda(cuda_model: explain.LoadedModel) -> None:
    result = explain.attribute(cuda_model, TEXT, precision="bfloat16", n_steps=50)
    assert dict(result.settings.options)["precision"] in ("bfloat16", "float32")
    assert abs(result.relative_delta) <= 0.01 or result.completeness_warning


def test_batched_equals_one_at_a_time_on_cuda(cuda_model: explain.LoadedModel) -> None:
    texts = [TEXT, "i hate this loud car", "a great film"]
    batched = explain.attribute_batch(cuda_model, texts, n_steps=50)
    alone = explain.attribute_batch(cuda_model, texts, n_steps=50, batched=False)
    for one, many in zip(alone.results, batched.results, strict=True):
        assert one.scores == pytest.approx(many.scores, abs=1e-4)


def test_pooled_last_layer_on_cuda(cuda_model: explain.LoadedModel) -> None:
    ids = cuda_model.tokenizer(TEXT, return_tensors="pt").to("cuda")
    with torch.no_grad():
        full = cuda_model.model(**ids).logits
        with last_layer_pooled(cuda_model.model):
            pooled = cuda_model.model(**ids).logits
    torch.testing.assert_close(pooled, full, atol=1e-4, rtol=1e-4)
