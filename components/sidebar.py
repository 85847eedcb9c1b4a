"""The sidebar, composed: the checkpoint picker, and the explanation's controls as one request."""

from __future__ import annotations

import streamlit as st

import explain
from components import demo_mode
from components.label_pickers import (
    contrast_picker,
    output_picker,
    target_picker,
    task_output_picker,
)
from components.method_inputs import (
    auto_steps_inputs,
    baseline_option_inputs,
    baseline_picker,
    long_text_inputs,
    method_picker,
)
from components.session_state import initial
from components.setting_widgets import method_setting_inputs

CUSTOM_CHECKPOINT = "Other: a Hub id or a local directory"


def checkpoint_picker(default: str) -> str:
    """Sidebar picker for the checkpoint; returns its spec (name, directory or hub id).

    In a demo it offers the demo's checkpoints only, and no 'Other'.
    """
    demo = demo_mode.policy()
    if demo is not None:
        return demo_checkpoint_picker(demo.checkpoints, default)
    names = list(explain.checkpoint_names())
    options = [*names, CUSTOM_CHECKPOINT]
    preset = initial("checkpoint_choice", default if default in names else CUSTOM_CHECKPOINT)
    with st.sidebar:
        st.header("Model")
        choice = st.selectbox(
            "Checkpoint",
            options,
            index=options.index(preset),
            key="checkpoint_choice",
            help="The text classifier to explain. The bundled checkpoint is built offline from "
            "installed packages. Pick 'Other' to load a fine-tuned sequence classifier from the "
            "Hugging Face Hub (needs a network) or from a local directory (safetensors only).",
        )
        if choice != CUSTOM_CHECKPOINT:
            st.caption(explain.CHECKPOINTS[choice].description)
            return choice
        return st.text_input(
            "Hub id or local directory",
            value="" if default in names else default,
            key="checkpoint_custom",
            max_chars=300,
            placeholder="owner/model-name or /path/to/checkpoint",
            help="A Hugging Face Hub id such as 'distilbert/distilbert-base-uncased-finetuned-"
            "sst-2-english', or a directory holding config.json, tokenizer files and "
            "model.safetensors. Press Enter to load it.",
        ).strip()


def demo_checkpoint_picker(offered: tuple[str, ...], default: str) -> str:
    """The sidebar picker of a demo: only the ``offered`` checkpoints; returns the one picked."""
    options = list(offered)
    preset = initial("checkpoint_choice", default)
    with st.sidebar:
        st.header("Model")
        choice = st.selectbox(
            "Checkpoint",
            options,
            index=options.index(preset if preset in options else default),
            key="checkpoint_choice",
            help="The text classifier to explain. This demo offers "
            + ("this checkpoint only." if len(options) == 1 else "these checkpoints only."),
        )
        st.caption(demo_mode.checkpoint_caption(choice))
    return choice


def attribution_controls(
    spec: str,
    text: str,
    loaded: explain.LoadedModel,
    prediction: explain.Prediction | None,
    threshold: float = explain.MULTI_LABEL_THRESHOLD,
) -> explain.AttributionRequest:
    """Sidebar controls for the attribution.

    Args:
        spec: the checkpoint's spec, as picked.
        text: the text to explain ("" for a batch).
        loaded: the model whose labels the pickers offer.
        prediction: the text's prediction, named in the pickers; None if unknown.
        threshold: a multi-label head's threshold, for the prediction's caption.
            Default: 0.5

    Returns:
        The :class:`explain.AttributionRequest` for ``text``, without a second
        text (see :func:`components.inputs.with_text_pair`); target None means "predicted".
    """
    with st.sidebar:
        st.header("Explanation")
        method = method_picker()
        target = target_picker(loaded.labels, prediction, threshold)
        contrast = contrast_picker(loaded.labels, prediction, method, target)
        output = output_picker(loaded.labels, prediction, target, contrast, loaded.head)
        baseline = baseline_picker(method)
        baseline_options = baseline_option_inputs(method, baseline)
        settings = method_setting_inputs(method)
        auto_steps, tolerance = auto_steps_inputs(method, settings)
        long, stride = long_text_inputs(method, loaded)
    return explain.AttributionRequest(
        checkpoint=spec,
        text=text,
        method=method,
        target=target,
        output=output,
        baseline=baseline,
        settings=settings,
        contrast=contrast,
        baseline_options=baseline_options,
        auto_steps=auto_steps,
        tolerance=tolerance,
        long=long,
        stride=stride,
    )


def task_controls(
    spec: str, text: str, task: explain.TaskName, target: explain.TaskTarget
) -> explain.AttributionRequest:
    """Sidebar controls for a task's explanation: the methods that serve it, output, baseline.

    There is no label, contrast, second text or long-text choice: ``target``
    (from the inputs under the text) says what is explained, and a task's
    input is explained whole.

    Args:
        spec: the checkpoint's spec, as picked.
        text: the text (a question-answering model's context).
        task: the task the page explains.
        target: what to explain, from :func:`components.task_inputs.task_target`.

    Returns:
        The :class:`explain.AttributionRequest`, carrying ``target``.
    """
    with st.sidebar:
        st.header("Explanation")
        method = method_picker(task)
        st.caption(
            "What is explained is chosen on the page: "
            + {
                "token-classification": "an entity or a token, and an entity group.",
                "zero-shot": "the candidate labels and the candidate.",
                "question-answering": "the question, and the answer's start or end.",
            }.get(task, "the task's target.")
        )
        output = task_output_picker(target)
        baseline = baseline_picker(method)
        baseline_options = baseline_option_inputs(method, baseline)
        settings = method_setting_inputs(method)
        auto_steps, tolerance = auto_steps_inputs(method, settings)
    return explain.AttributionRequest(
        checkpoint=spec,
        text=text,
        method=method,
        output=output,
        baseline=baseline,
        settings=settings,
        baseline_options=baseline_options,
        auto_steps=auto_steps,
        tolerance=tolerance,
        task_target=target,
    )
