"""The exported notebook reproduces the explanation: built here, run headless in a real kernel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import explain
from explain.io.notebook import reproduction_options, to_notebook

ROOT = Path(__file__).resolve().parent.parent
TEXT = "the ride was not smooth, but i love the car"


def _source(notebook: dict) -> str:
    return "\n".join(cell["source"] for cell in notebook["cells"])


def test_options_reproduce_the_result(three_label_model: explain.LoadedModel) -> None:
    first = explain.attribute(
        three_label_model, TEXT, n_steps=12, baseline="mask", output="log_odds", target=2
    )
    options = reproduction_options(first)
    assert options["method"] == "layer_integrated_gradients"
    assert options["target"] == 2
    assert options["baseline"] == "mask"
    assert options["n_steps"] == 12
    again = explain.attribute(three_label_model, TEXT, **options)
    assert again.scores == pytest.approx(first.scores, abs=1e-6)


def test_contrast_and_method_options_are_kept(three_label_model: explain.LoadedModel) -> None:
    contrast = explain.attribute(three_label_model, TEXT, n_steps=8, target=0, contrast="neutral")
    options = reproduction_options(contrast)
    assert options["contrast"] == "neutral"
    assert options["output"] == "probability"  # ignored with a contrast; the default passes
    again = explain.attribute(three_label_model, TEXT, **options)
    assert again.scores == pytest.approx(contrast.scores, abs=1e-6)
    occlusion = explain.attribute(three_label_model, TEXT, method="occlusion", window=2)
    assert reproduction_options(occlusion)["window"] == 2
    assert "n_steps" not in reproduction_options(occlusion)


def test_notebook_is_valid_nbformat(tiny_model: explain.LoadedModel) -> None:
    nbformat = pytest.importorskip("nbformat")
    result = explain.attribute(tiny_model, TEXT, n_steps=8)
    notebook = nbformat.reads(to_notebook(result), as_version=4)
    nbformat.validate(notebook)
    source = _source(notebook)
    assert "LayerIntegratedGradients" in source
    assert source.rstrip().endswith("explain.token_bar_chart(result)")
    assert "highlight_html" in source


def test_captum_cell_only_for_layer_ig_with_a_token_baseline(tiny_model) -> None:
    saliency = json.loads(to_notebook(explain.attribute(tiny_model, TEXT, method="saliency")))
    assert "LayerIntegratedGradients" not in _source(saliency)
    zero = json.loads(to_notebook(explain.attribute(tiny_model, TEXT, baseline="zero", n_steps=4)))
    assert "LayerIntegratedGradients" not in _source(zero)
    assert "left out" in _source(zero)


def _execute(notebook_text: str, tmp_path: Path) -> dict:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.reads(notebook_text, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    return notebook


def _printed_json(notebook: dict) -> dict:
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith('{"scores"'):
                    return json.loads(line)
    raise AssertionError("the notebook printed no scores")


@pytest.mark.slow
def test_exported_notebook_runs_and_matches_the_json(
    three_label_model: explain.LoadedModel, tmp_path: Path
) -> None:
    result = explain.attribute(
        three_label_model, TEXT, n_steps=16, baseline="pad", output="log_odds", target="positive"
    )
    exported = json.loads(explain.to_json([result]))["results"][0]
    executed = _execute(to_notebook(result), tmp_path)
    printed = _printed_json(executed)
    assert printed["scores"] == pytest.approx(exported["scores"], abs=1e-5)
    assert printed["probabilities"] == pytest.approx(exported["probabilities"], abs=1e-5)
    outputs = "\n".join(
        output.get("text", "") for cell in executed["cells"] for output in cell.get("outputs", [])
    )
    assert "Plain Captum agrees with Tokenlight." in outputs
    last = executed["cells"][-1]["outputs"]
    assert any("application/vnd.plotly.v1+json" in output.get("data", {}) for output in last)


@pytest.mark.slow
def test_a_notebook_that_no_longer_matches_fails(
    tiny_model: explain.LoadedModel, tmp_path: Path
) -> None:
    nbclient = pytest.importorskip("nbclient")
    result = explain.attribute(tiny_model, TEXT, n_steps=8)
    tampered = to_notebook(result).replace(repr(result.scores[1])[:8], "12345678", 1)
    assert tampered != to_notebook(result)
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="differs from the recorded"):
        _execute(tampered, tmp_path)
