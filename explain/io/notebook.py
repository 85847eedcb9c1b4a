"""Export one explanation as a Jupyter notebook that reproduces it.

The notebook loads the checkpoint, runs :func:`explain.attribute` with the
result's exact settings, checks that every number matches the one recorded
here, and ends with the highlighting and the bar chart. For Layer Integrated
Gradients with a token baseline it also computes the attribution with plain
Captum (``LayerIntegratedGradients`` on the embeddings layer, the same
Gauss-Legendre steps) and checks that the two agree, so a reader can see
there is nothing hidden in Tokenlight's faster integration.

The notebook is plain nbformat 4 JSON, written without any Jupyter package.
"""

from __future__ import annotations

import json
from typing import Literal

from explain.core.results import Attribution
from explain.core.targets import resolve_label
from explain.core.task_results import input_segment
from explain.evaluation.completeness import completeness
from explain.io.export import library_versions
from explain.methods.baselines import get_baseline
from explain.methods.registry import get_method, method_options
from explain.tasks.explain_task import target_of

CellKind = Literal["markdown", "code"]
TOLERANCE = 1e-5  # the reproduced numbers must match this closely
CAPTUM_TOLERANCE = 1e-4  # relative to the largest score: Captum's float rounding differs


def _cell(kind: CellKind, source: str) -> dict[str, object]:
    cell: dict[str, object] = {"cell_type": kind, "metadata": {}, "source": source.strip("\n")}
    if kind == "code":
        cell |= {"execution_count": None, "outputs": []}
    return cell


def reproduction_options(result: Attribution) -> dict[str, object]:
    """The keyword arguments of :func:`explain.attribute` that give ``result`` again.

    The target is passed as the label index that was explained; with auto
    steps, the number of steps it settled on is passed instead (the same
    integration, without the search).

    Args:
        result: the explanation to reproduce.

    Returns:
        ``method``, ``target`` and every option the method takes that the
        result recorded.
    """
    settings = result.settings
    accepted = set(method_options(settings.method))
    options: dict[str, object] = {"method": settings.method}
    if result.task_info is None:
        options["target"] = result.target_index
    candidates: dict[str, object] = {
        "output": "probability" if settings.contrast is not None else settings.output,
        "baseline": settings.baseline,
        "n_steps": settings.n_steps,
        "internal_batch_size": settings.internal_batch_size,
        "text_pair": result.text_pair if result.task_info is None else None,
        "contrast": settings.contrast,
        "tolerance": settings.tolerance,
        **dict(settings.options),
        **dict(settings.baseline_options),
    }
    for name, value in candidates.items():
        if value is not None and name in accepted:
            options[name] = value
    if settings.long == "windows":
        options |= {"long": "windows", "stride": settings.stride}
    return options


def _expected(result: Attribution) -> dict[str, object]:
    return {
        "tokens": list(result.tokens),
        "scores": list(result.scores),
        "probabilities": list(result.probabilities),
        "f_input": result.f_input,
        "f_baseline": result.f_baseline,
        "delta": result.delta,
        "target_label": result.target_label,
    }


def _captum_cells(result: Attribution) -> list[dict[str, object]]:
    """The plain-Captum check, for Layer IG with a token baseline; else a note why not."""
    settings = result.settings
    baseline = None if settings.baseline is None else get_baseline(settings.baseline)
    float32 = dict(settings.options).get("precision", "float32") == "float32"
    if settings.method != "layer_integrated_gradients" or result.task_info is not None:
        return []
    if (
        baseline is None
        or baseline.kind != "token"
        or result.text_pair is not None
        or not float32
        or settings.long == "windows"
    ):
        return [
            _cell(
                "markdown",
                "The plain-Captum check covers Layer IG on one text with a token baseline "
                "(pad, mask, unk, random or custom) in float32, without windows; this result "
                "uses another setting, so it is left out.",
            )
        ]
    output = "logit_difference" if settings.contrast is not None else settings.output
    contrast = (
        None
        if settings.contrast is None
        else resolve_label(settings.contrast, result.labels, result.predicted_index)
    )
    code = f"""
# The same attribution with plain Captum: LayerIntegratedGradients on the embeddings layer.
import torch
from captum.attr import LayerIntegratedGradients

hf_model, tokenizer = model.model, model.tokenizer
encoded = tokenizer(TEXT, return_tensors="pt", truncation=True, max_length=model.max_length)
input_ids = encoded["input_ids"].to(model.device)  # (1, seq_len)
baseline_ids = torch.tensor(
    [tokenizer.convert_tokens_to_ids(list(result.baseline_tokens))], device=model.device
)  # (1, seq_len): the baseline token at every text position, special tokens kept
extra = {{key: value.to(model.device) for key, value in encoded.items() if key != "input_ids"}}
TARGET, CONTRAST, OUTPUT = {result.target_index!r}, {contrast!r}, {output!r}


def forward(ids):
    rows = {{key: value.expand(len(ids), -1) for key, value in extra.items()}}
    logits = hf_model(input_ids=ids, **rows).logits  # (batch, num_labels)
    if OUTPUT == "logit_difference":
        return logits[:, TARGET] - logits[:, CONTRAST]
    if OUTPUT in ("logit", "score"):  # a regression head's score is its one logit
        return logits[:, TARGET]
    if OUTPUT == "label_probability":  # a multi-label head's independent sigmoid
        return torch.sigmoid(logits[:, TARGET])
    if OUTPUT == "probability":
        return torch.softmax(logits, dim=-1)[:, TARGET]
    others = torch.cat([logits[:, :TARGET], logits[:, TARGET + 1 :]], dim=-1)
    return logits[:, TARGET] - torch.logsumexp(others, dim=-1)  # log-odds


captum_ig = LayerIntegratedGradients(forward, model.embeddings)
attributions, captum_delta = captum_ig.attribute(
    input_ids,
    baselines=baseline_ids,
    n_steps={settings.n_steps!r},
    method="gausslegendre",
    return_convergence_delta=True,
)
captum_scores = attributions.sum(dim=-1)[0].double().cpu().tolist()  # (seq_len,)
largest = max(abs(score) for score in result.scores)
gap = max(abs(a - b) for a, b in zip(captum_scores, result.scores, strict=True))
print(f"Captum delta {{float(captum_delta):+.2e}}; largest difference {{gap:.2e}} "
      f"({{gap / largest:.1e}} of the largest score)")
assert gap <= {CAPTUM_TOLERANCE!r} * largest, "Captum and Tokenlight disagree"
print("Plain Captum agrees with Tokenlight.")
"""
    return [
        _cell(
            "markdown",
            "## The same attribution with plain Captum\n\nTokenlight integrates along the "
            "straight path with its own batched code. This cell runs Captum's "
            "`LayerIntegratedGradients` on the embeddings layer with the same baseline, "
            "target and Gauss-Legendre steps, and checks that the two agree.",
        ),
        _cell("code", code),
    ]


def to_notebook(result: Attribution) -> str:
    """A Jupyter notebook (nbformat 4 JSON) that reproduces ``result`` and checks it.

    Args:
        result: the explanation of one text.

    Returns:
        The ``.ipynb`` file's text; its metadata hold the result's completeness
        verdict under ``"completeness"``, which the introduction states too.
    """
    settings = result.settings
    verdict = completeness(result)
    options = reproduction_options(result)
    method = get_method(settings.method)
    expected = json.dumps(_expected(result), allow_nan=False)
    device = settings.device
    versions = library_versions()
    shown = "\n".join(f"| `{name}` | `{value!r}` |" for name, value in options.items())
    intro = f"""
# Reproduce a Tokenlight explanation

Checkpoint `{settings.checkpoint}` explains why it predicts **{result.predicted_label}** for
the text below, with **{method.title}** ({method.paper}). Run every cell: the notebook
loads the checkpoint, computes the explanation again with the same settings, checks that
every number matches the recorded ones to {TOLERANCE:g}, and ends with the highlighting and
the bar chart.

| Setting | Value |
|---|---|
{shown}

**Completeness** ({verdict.level}): {verdict.message}

Recorded with Python {versions["python"]}, torch {versions["torch"]}, transformers
{versions["transformers"]} and captum {versions["captum"]}, on `{device}`. Other versions or
devices can differ in the last digits.
"""
    setup = f"""
import json

import torch

import explain

CHECKPOINT = {settings.checkpoint!r}
TEXT = {(result.text_pair if input_segment(result.task) == 1 else result.text)!r}
OPTIONS = {options!r}
DEVICE = {device!r} if {device!r} == "cpu" or torch.cuda.is_available() else "cpu"
EXPECTED = json.loads({expected!r})
TOLERANCE = {TOLERANCE!r}
"""
    target = target_of(result)
    run = (
        (
            """
model = explain.load_checkpoint(CHECKPOINT, device=DEVICE)
result = explain.attribute(model, TEXT, **OPTIONS)
"""
            if target is None
            else f"""
model = explain.load_checkpoint(CHECKPOINT, device=DEVICE, task={result.task!r})
result = explain.explain_task(model, TEXT, explain.{target!r}, **OPTIONS)
"""
        )
        + """print(f"Predicted {result.predicted_label}; explained {result.target_label}; "
      f"F(input) {result.f_input:.6f}, delta {result.delta}")
"""
    )
    check = """
assert list(result.tokens) == EXPECTED["tokens"], "the tokenizer splits the text differently"
assert result.target_label == EXPECTED["target_label"]
pairs = [
    *zip(result.scores, EXPECTED["scores"]),
    *zip(result.probabilities, EXPECTED["probabilities"]),
    (result.f_input, EXPECTED["f_input"]),
]
if EXPECTED["f_baseline"] is not None:
    pairs.append((result.f_baseline, EXPECTED["f_baseline"]))
if EXPECTED["delta"] is not None:
    pairs.append((result.delta, EXPECTED["delta"]))
largest = max(abs(now - then) for now, then in pairs)
print(f"Largest difference from the recorded numbers: {largest:.2e}")
assert largest <= TOLERANCE, "the explanation differs from the recorded one"
print(json.dumps({"scores": list(result.scores), "probabilities": list(result.probabilities)}))
"""
    cells = [
        _cell("markdown", intro),
        _cell("code", setup),
        _cell("markdown", "## Load the checkpoint and explain the text"),
        _cell("code", run),
        _cell("markdown", "## Check the numbers against the recorded ones"),
        _cell("code", check),
        *_captum_cells(result),
        _cell(
            "markdown",
            "## The highlighting and the bar chart\n\nGreen tokens raised the explained "
            "output and red ones lowered it.",
        ),
        _cell(
            "code",
            "from IPython.display import HTML, display\n\n"
            "display(HTML(explain.highlight_html(result)))",
        ),
        _cell("code", "explain.token_bar_chart(result)"),
    ]
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "completeness": verdict.to_dict(),
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    return json.dumps(notebook, indent=1, ensure_ascii=False)
