"""The benchmark's measuring functions run against the current backend (on the tiny model)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

import explain
from benchmarks import accuracy, bench, gpu


@pytest.mark.slow
def test_cache_hit_method_table_and_batch_rows(
    tiny_model: explain.LoadedModel, tiny_dir: Path
) -> None:
    assert bench.cache_hit_ms(tiny_model, str(tiny_dir), repeats=2) > 0
    rows = bench.method_table(tiny_model, repeats=2)
    assert [row["method"] for row in rows] == list(explain.METHODS)
    assert all(row["p50"] > 0 for row in rows)
    texts = ["the movie was good", "bad", "the car is not quiet", "i love it"] * 2
    batch = bench.batch_throughput(tiny_model, texts)
    assert batch["texts"] == len(texts)
    assert batch["max_abs_score_difference"] < 1e-4
    verdicts = bench.bars([], 1.0, 1.0, batch)
    assert [name for name, _, _ in verdicts][-1].startswith("batched >= 2x")


def test_gpu_benchmark_without_cuda_says_so_and_exits_cleanly() -> None:
    """The real CUDA-absent path, in a fresh process (skipped where a GPU is present)."""
    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present; bench-gpu runs for real there")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.gpu"],
        cwd=Path(gpu.__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == gpu.NO_GPU_STATUS == 0
    assert "no CUDA GPU" in done.stdout
    assert "bench-gpu" in done.stdout


def test_gpu_table_goes_between_the_docs_markers(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(f"# T\n\n{gpu.DOCS_START}\nold\n{gpu.DOCS_END}\n\n## Next\n")
    numbers = {
        "device": "Some GPU",
        "layer_ig_128_ms": 20.0,
        "layer_ig_128_gradients": 15,
        "one_at_a_time_s": 6.0,
        "batched_s": 1.0,
        "batch_speedup_64": 6.0,
    }
    gpu.write_docs(gpu.table(numbers), page)
    text = page.read_text()
    assert "old" not in text
    assert "20.0 ms" in text
    assert "6.0× yes" in text
    assert text.endswith("## Next\n")


def test_gpu_table_goes_to_the_benchmarks_page_which_has_the_markers() -> None:
    text = gpu.DOCS_PAGE.read_text()
    assert gpu.DOCS_PAGE.name == "benchmarks.md"
    assert text.count(gpu.DOCS_START) == text.count(gpu.DOCS_END) == 1


def test_gpu_table_without_markers_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text("# T\n")
    with pytest.raises(ValueError, match="gpu-benchmark:start"):
        gpu.write_docs("| a |", page)
    assert page.read_text() == "# T\n"


@pytest.mark.slow
def test_time_to_accuracy_and_view_latency_on_the_tiny_model(
    tiny_model: explain.LoadedModel,
) -> None:
    (row,) = accuracy.time_to_accuracy(tiny_model, repeats=1, lengths=(8,))
    assert row["adaptive"]["error"] <= 1e-3
    assert row["adaptive"]["gradients"] >= 15
    assert row["fixed 50"]["gradients"] == 50
    views = accuracy.view_latency(tiny_model, tokens=12)
    assert len(views) == 8
    assert all(seconds > 0 for seconds in views.values())
    verdicts = accuracy.verdicts([row], {"peak_mb": 100.0})
    assert verdicts[0][1]
    assert verdicts[-1][1]
