"""Input widgets: checkpoint, text, method settings, baseline, target and Run.

Method settings are built from each method's declared ``IntSetting`` spec, so
defaults and ranges live in ``explain.methods`` only.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import explain

CUSTOM_CHECKPOINT = "Other: a Hub id or a local directory"
MAX_CHARS = 2000
EXAMPLE_TEXT = "I would never trust a self-driving car to take my kids to school."
PREDICTED = -1  # sentinel option in the target picker: "whatever the model predicts"
LINK_VALUES = "link_values"  # session-state entry holding a link's values, by widget key
MODE_ONE = "One text"
MODE_MANY = "Many texts"


def initial(key: str, default: object) -> object:
    """A widget's first value: what an opened link set for ``key``, else ``default``.

    Widgets get it through ``value=``/``index=``. Writing widget keys into
    ``st.session_state`` instead races with quick reruns: a run interrupted by
    the next one can drop the entry, and the widget falls back to its own
    default (a number input's minimum).
    """
    return st.session_state.get(LINK_VALUES, {}).get(key, default)


@dataclass(frozen=True)
class Request:
    """One attribution the user asked for: everything the result depends on."""

    checkpoint: str
    text: str
    method: str
    target: int | None
    output: str
    baseline: str
    settings: tuple[tuple[str, int | float | str], ...]


def checkpoint_picker(default: str) -> str:
    """Sidebar picker for the checkpoint; returns its spec (name, directory or hub id)."""
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


def mode_switch() -> str:
    """Explain one text in depth, or many texts in a table."""
    modes = [MODE_ONE, MODE_MANY]
    return st.radio(
        "View",
        modes,
        index=modes.index(initial("mode", MODE_ONE)),
        horizontal=True,
        key="mode",
        label_visibility="collapsed",
        help="One text: highlighting, charts and checks for a single text. Many texts: "
        "pasted lines or an uploaded TXT/CSV file, explained together into a table.",
    )


def text_input() -> str:
    """The sentence to explain."""
    return st.text_area(
        "Text to explain",
        value=initial("text", EXAMPLE_TEXT),
        max_chars=MAX_CHARS,
        height=100,
        key="text",
        help=f"A sentence or short passage, up to {MAX_CHARS} characters. Text beyond the "
        "model's token limit is cut off, and the page says how many tokens were dropped.",
    )


def attribution_controls(
    loaded: explain.LoadedModel, prediction: explain.Prediction | None
) -> tuple[str, int | None, str, str, tuple[tuple[str, int | float | str], ...]]:
    """Sidebar controls for the attribution.

    Returns:
        (method, target, output, baseline, settings); target None means "predicted".
    """
    with st.sidebar:
        st.header("Explanation")
        methods = list(explain.METHODS)
        method_name = st.selectbox(
            "Method",
            methods,
            index=methods.index(initial("method", explain.DEFAULT_METHOD)),
            format_func=lambda name: explain.METHODS[name].title,
            key="method",
            help="How token scores are computed. Gradient methods follow the model's slope, "
            "perturbation methods (occlusion, LIME, KernelSHAP) remove tokens and watch the "
            "output, attention reads where the model looked. Signed scores say which way a "
            "token pushed the target; unsigned ones (saliency, attention) only say how much.",
        )
        method = explain.get_method(method_name)
        st.caption(f"{method.description} [Paper]({method.paper})")

        predicted = (
            f"Predicted label ({prediction.predicted_label})" if prediction else "Predicted label"
        )
        targets = [PREDICTED, *range(len(loaded.labels))]
        if st.session_state.get("target", PREDICTED) not in targets:  # another model's label
            st.session_state["target"] = PREDICTED
        target = st.selectbox(
            "Target label",
            targets,
            index=targets.index(initial("target", PREDICTED)),
            format_func=lambda i: predicted if i == PREDICTED else loaded.labels[i],
            key="target",
            help="Which label's score to explain. By default, the label the model predicts. "
            "Pick another to see what speaks for or against it.",
        )
        outputs = list(explain.OUTPUT_KINDS)
        output = st.selectbox(
            "Explained output",
            outputs,
            index=outputs.index(initial("output", "probability")),
            format_func=lambda kind: kind.replace("_", "-"),
            key="output",
            help="The number being explained. Probability is bounded and easy to read; the logit "
            "is the raw score, unaffected by the other labels; log-odds sits in between.",
        )
        st.caption(explain.OUTPUT_DESCRIPTIONS[output].capitalize() + ".")
        baselines = list(explain.BASELINES)
        baseline = st.selectbox(
            "Baseline",
            baselines,
            index=baselines.index(initial("baseline", explain.DEFAULT_BASELINE)),
            format_func=lambda name: f"{name}: {explain.BASELINES[name].description.split(':')[0]}",
            key="baseline",
            disabled=not method.uses_baseline,
            help="The 'absent input' the explanation is measured against: scores add up to "
            "F(input) - F(baseline). [CLS] and [SEP] stay in place; every other token changes.",
        )
        st.caption(explain.BASELINES[baseline].description)
        settings = tuple((spec.name, setting_input(method.name, spec)) for spec in method.settings)
    return method_name, None if target == PREDICTED else int(target), output, baseline, settings


def setting_key(method: str, name: str) -> str:
    """The widget key of one method setting."""
    return f"setting_{method}_{name}"


def setting_input(method: str, spec: explain.Setting) -> int | float | str:
    """A widget built from a method's declared setting: its range, default, step and help."""
    key = setting_key(method, spec.name)
    if isinstance(spec, explain.IntSetting):
        return int(
            st.number_input(
                spec.label,
                min_value=spec.minimum,
                max_value=spec.maximum,
                value=initial(key, spec.default),
                step=spec.step,
                key=key,
                help=spec.help,
            )
        )
    if isinstance(spec, explain.FloatSetting):
        return float(
            st.number_input(
                spec.label,
                min_value=float(spec.minimum),
                max_value=float(spec.maximum),
                value=float(initial(key, spec.default)),
                step=float(spec.step),
                key=key,
                help=spec.help,
            )
        )
    if isinstance(spec, explain.ChoiceSetting):
        choices = list(spec.choices)
        return st.selectbox(
            spec.label,
            choices,
            index=choices.index(initial(key, spec.default)),
            key=key,
            help=spec.help,
        )
    return st.text_input(
        spec.label,
        value=initial(key, spec.default),
        max_chars=spec.max_chars,
        key=key,
        help=spec.help,
    )


def run_button() -> bool:
    return st.button(
        "Run",
        type="primary",
        key="run",
        help="Compute the explanation for the text and the settings in the sidebar.",
    )
