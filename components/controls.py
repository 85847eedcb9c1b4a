"""Input widgets: checkpoint, texts, method settings, baseline, target and Run.

Method settings, baseline options and the auto-steps tolerance are built from
their declared ``IntSetting``/``FloatSetting``/``TextSetting`` specs, so
defaults and ranges live in ``explain`` only. Options that only some methods
take (a contrast label, auto steps, a sentence pair, baseline options) are
offered when the chosen method declares the capability, and the help names
the methods that do.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TypeVar

import streamlit as st

import explain
from components.markdown import literal
from explain.core.targets import DEFAULT_OUTPUT, output_choices
from explain.methods.registry import (
    baseline_settings,
    method_options,
    methods_with,
    tolerance_setting,
)
from explain.methods.request import Pairs
from explain.model.encoding import default_stride, window_width

CUSTOM_CHECKPOINT = "Other: a Hub id or a local directory"
MAX_CHARS = 20000
EXAMPLE_TEXT = "I would never trust a self-driving car to take my kids to school."
PREDICTED = -1  # sentinel option in the target picker: "whatever the model predicts"
NO_CONTRAST = -1  # sentinel option in the contrast picker: explain one label alone
LINK_VALUES = "link_values"  # session-state entry holding a link's values, by widget key
MODE_ONE = "One text"
MODE_MANY = "Many texts"

T = TypeVar("T")


def initial(key: str, default: T) -> T:
    """A widget's first value: what an opened link set for ``key``, else ``default``.

    Widgets get it through ``value=``/``index=``. Writing widget keys into
    ``st.session_state`` instead races with quick reruns: a run interrupted by
    the next one can drop the entry, and the widget falls back to its own
    default (a number input's minimum). A link's value has the type of
    ``default``: :mod:`components.permalink` checks each one before keeping it.
    """
    return st.session_state.get(LINK_VALUES, {}).get(key, default)


def accepts(method: str, option: str) -> bool:
    """Whether ``method``'s ``attribute`` takes the keyword argument ``option``.

    ``explain.attribute`` refuses options a method does not take, so the page
    offers (and sends) an option only where this is True.
    """
    return option in method_options(method)


def titles_with(capability: str) -> str:
    """The titles of the methods that declare ``capability``, for a help text."""
    return ", ".join(method.title for method in methods_with(capability))


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
        help=f"A sentence, a passage or a document, up to {MAX_CHARS:,} characters. Text "
        "beyond the model's token limit is cut off (the page says how many tokens were "
        "dropped), or explained in overlapping windows: see 'Long texts' in the sidebar.",
    )


def with_text_pair(request: explain.AttributionRequest) -> explain.AttributionRequest:
    """``request`` with the second text typed below it, where its method takes one."""
    return replace(request, text_pair=text_pair_input(request.method))


def text_pair_input(method: str) -> str | None:
    """The optional second text of a sentence pair; None when empty or not taken by ``method``."""
    takes = accepts(method, "text_pair")
    preset = str(initial("text_pair", ""))
    title = explain.get_method(method).title
    with st.expander(
        "Second text (for sentence-pair models)", expanded=bool(preset), key="text_pair_box"
    ):
        pair = st.text_area(
            "Second text",
            value=preset,
            max_chars=MAX_CHARS,
            height=80,
            key="text_pair",
            disabled=not takes,
            help="For checkpoints trained on two texts at once (entailment, paraphrase, "
            "question and answer): they are read as [CLS] first [SEP] second [SEP], and both "
            "are explained. Leave empty to explain the text above alone."
            if takes
            else f"{title} explains the text above alone. Methods that explain sentence pairs: "
            f"{titles_with('sentence_pairs')}.",
        )
    return pair if takes and pair.strip() else None


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
        text (see :func:`with_text_pair`); target None means "predicted".
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


LONG_MODES = {
    "truncate": "Truncate: cut to the model's length",
    "windows": "Windows: explain all of it",
}


def long_text_inputs(
    method: str, loaded: explain.LoadedModel
) -> tuple[explain.LongMode, int | None]:
    """What to do with a text longer than the model's window, and the windows' stride.

    Windows are offered where the method declares them; the stride input
    shows only under windows, its default half a window.

    Returns:
        (mode, stride); the stride is None under truncation.
    """
    spec = explain.get_method(method)
    takes = spec.capabilities.windows
    modes = list(LONG_MODES)
    long = st.radio(
        "Long texts",
        modes,
        index=modes.index(initial("long", "truncate")),
        format_func=LONG_MODES.__getitem__,
        key="long",
        horizontal=True,
        disabled=not takes,
        help=f"For a text longer than the model's window of {loaded.max_length} tokens. "
        "Truncate cuts it to fit, and the page says how many tokens were dropped. Windows "
        "explains every token: overlapping windows of the model's length, run in batched "
        "passes; the text's output is the mean of the windows' outputs and each token's "
        "score the mean of its windows' scores, so the scores still add up to "
        "F(input) - F(baseline)."
        if takes
        else f"{spec.title} truncates long texts. Methods that explain them in windows: "
        f"{titles_with('windows')}.",
    )
    if not takes:
        if long == "windows":
            st.caption(
                f"{spec.title} cannot explain in windows, so long texts are truncated. "
                f"Methods that can: {titles_with('windows')}."
            )
        return "truncate", None
    if long != "windows":
        return "truncate", None
    width = window_width(loaded.tokenizer, loaded.max_length)
    if int(st.session_state.get("stride", 1)) > width:  # another model's, longer windows
        st.session_state["stride"] = default_stride(width)
    stride = st.number_input(
        "Stride (tokens)",
        min_value=1,
        max_value=width,
        value=min(int(initial("stride", default_stride(width))), width),
        step=1,
        key="stride",
        help=f"Text tokens from one window's start to the next's. A window holds {width} text "
        f"tokens; the default, {default_stride(width)}, is half a window, so each token is in "
        "about two windows. A smaller stride means more windows (slower, smoother); a stride "
        "of a whole window means windows that touch without overlapping.",
    )
    return "windows", int(stride)


def method_picker() -> str:
    """The attribution method, with its description and paper."""
    methods = list(explain.METHODS)
    name = st.selectbox(
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
    method = explain.get_method(name)
    st.caption(f"{method.description} [Paper]({method.paper})")
    return name


def target_picker(
    labels: tuple[str, ...],
    prediction: explain.Prediction | None,
    threshold: float = explain.MULTI_LABEL_THRESHOLD,
) -> int | None:
    """The label to explain; None means the predicted label (a multi-label head's most probable).

    The prediction is named in a caption, not in the option's text: a keyed
    selectbox keeps showing its first rendering of an option's text in the
    browser when only that text changes.
    """
    targets = [PREDICTED, *range(len(labels))]
    if st.session_state.get("target", PREDICTED) not in targets:  # another model's label
        st.session_state["target"] = PREDICTED
    target = st.selectbox(
        "Target label",
        targets,
        index=targets.index(initial("target", PREDICTED)),
        format_func=lambda i: "Predicted label" if i == PREDICTED else labels[i],
        key="target",
        help="Which label's score to explain. By default, the label the model predicts. "
        "Pick another to see what speaks for or against it.",
    )
    if prediction is not None:
        # The second text's box comes later on the page; its value is already known.
        which = (
            "the first text alone, without the second"
            if st.session_state.get("text_pair")
            else "this text"
        )
        st.caption(f"The model predicts {prediction_words(prediction, threshold)} for {which}.")
    return None if target == PREDICTED else int(target)


def prediction_words(prediction: explain.Prediction, threshold: float) -> str:
    """The prediction in Markdown: the label, a multi-label head's label set, or the score."""
    if prediction.head == "regression":
        return f"the score **{prediction.probabilities[0]:.4g}**"
    if prediction.head == "multi_label":
        chosen = prediction.predicted_labels(threshold)
        named = ", ".join(
            f"**{literal(label)}** ({prediction.probabilities[prediction.labels.index(label)]:.0%})"
            for label in chosen
        )
        return named or f"no label at or above the threshold {threshold:.2f}"
    return (
        f"**{literal(prediction.predicted_label)}** "
        f"({prediction.probabilities[prediction.predicted_index]:.0%})"
    )


def target_name(
    labels: tuple[str, ...], prediction: explain.Prediction | None, target: int | None
) -> str:
    """The target label's name, or "predicted" when it is the (unknown) predicted label."""
    if target is not None:
        return labels[target]
    return prediction.predicted_label if prediction else "predicted"


def contrast_picker(
    labels: tuple[str, ...],
    prediction: explain.Prediction | None,
    method: str,
    target: int | None,
) -> int | None:
    """The label the target is compared with; None for no contrast.

    The target itself is not offered, since its logit difference is always 0.
    """
    takes = accepts(method, "contrast")
    options = [NO_CONTRAST, *(i for i in range(len(labels)) if i != target)]
    if st.session_state.get("contrast", NO_CONTRAST) not in options:  # now the target
        st.session_state["contrast"] = NO_CONTRAST
    preset = initial("contrast", NO_CONTRAST)
    title = explain.get_method(method).title
    contrast = st.selectbox(
        "Compared with",
        options,
        index=options.index(preset) if preset in options else 0,
        format_func=lambda i: "None (explain the target alone)" if i == NO_CONTRAST else labels[i],
        key="contrast",
        disabled=not takes,
        help="Explain why the model prefers the target over this label: the explained number "
        "becomes logit[target] − logit[this label], which is log(p[target] / p[this label]). "
        "Tokens that speak for both labels alike cancel out."
        if takes
        else f"{title} explains one label's output. Methods that explain a difference of two "
        f"labels: {titles_with('contrast')}.",
    )
    if not takes or contrast == NO_CONTRAST:
        return None
    if target is None and prediction is not None and contrast == prediction.predicted_index:
        st.warning(
            f"The model predicts '{literal(labels[contrast])}' for this text, so comparing the "
            "predicted label with it explains nothing. Pick another label to compare with, "
            "or pick a target label."
        )
    return int(contrast)


def output_picker(
    labels: tuple[str, ...],
    prediction: explain.Prediction | None,
    target: int | None,
    contrast: int | None,
    head: explain.Head = "single_label",
) -> str:
    """The output kind; disabled when a contrast makes the output a logit difference.

    A head that offers no choice (a regression head, whose predicted score is
    explained as it is) gets a caption instead, and the default output.
    """
    outputs = list(output_choices(head))
    if not outputs:
        st.caption(
            "A regression head: the explained output is its predicted **score** itself, "
            "with no softmax."
        )
        return DEFAULT_OUTPUT
    output = st.selectbox(
        "Explained output",
        outputs,
        index=outputs.index(initial("output", DEFAULT_OUTPUT)),
        format_func=lambda kind: kind.replace("_", "-"),
        key="output",
        disabled=contrast is not None,
        help="The number being explained. Probability is bounded and easy to read; the logit "
        "is the raw score, unaffected by the other labels; log-odds sits in between. With a "
        "label to compare with, it is the difference of the two labels' logits instead.",
    )
    if contrast is None:
        kind = explain.check_output(output, head)
        same = (
            " (for an independent sigmoid, log-odds are the logit)"
            if output == "log_odds" and head == "multi_label"
            else ""
        )
        st.caption(explain.OUTPUT_DESCRIPTIONS[kind].capitalize() + same + ".")
    else:
        first = literal(target_name(labels, prediction, target))
        second = literal(labels[contrast])
        st.caption(
            f"Explains logit[{first}] − logit[{second}], the log of p[{first}] / p[{second}]: "
            "the output above does not apply."
        )
    return output


def baseline_picker(method: str) -> str:
    """The baseline, disabled for methods that use none."""
    baselines = list(explain.BASELINES)
    baseline = st.selectbox(
        "Baseline",
        baselines,
        index=baselines.index(initial("baseline", explain.DEFAULT_BASELINE)),
        format_func=lambda name: f"{name}: {explain.BASELINES[name].description.split(':')[0]}",
        key="baseline",
        disabled=not explain.get_method(method).uses_baseline,
        help="The 'absent input' the explanation is measured against: scores add up to "
        "F(input) - F(baseline). [CLS] and [SEP] stay in place; every other token changes.",
    )
    st.caption(explain.BASELINES[baseline].description)
    return baseline


def baseline_setting_key(baseline: str, name: str) -> str:
    """The widget key of one baseline option."""
    return f"baseline_setting_{baseline}_{name}"


def baseline_option_inputs(method: str, baseline: str) -> Pairs:
    """Inputs for the options ``baseline`` declares, where ``method`` takes them.

    Returns:
        ``(name, value)`` pairs, the keyword arguments of ``attribute``.
    """
    spec = explain.get_method(method)
    declared = explain.BASELINES[baseline].settings
    read = baseline_settings(method, baseline)
    if spec.uses_baseline and declared and not read:
        if explain.BASELINES[baseline].kind == "samples":
            st.caption(
                f"{spec.title} cannot average over several baselines. Methods that can: "
                f"{titles_with('baseline_options')}. Choose another baseline."
            )
        else:
            defaults = ", ".join(f"{option.label.lower()} {option.default}" for option in declared)
            st.caption(
                f"{spec.title} builds this baseline with its default options ({defaults}). "
                f"Methods that take others: {titles_with('baseline_options')}."
            )
    return tuple(
        (option.name, setting_widget(option, baseline_setting_key(baseline, option.name)))
        for option in read
    )


def auto_steps_inputs(method: str, settings: Pairs = ()) -> tuple[bool, float | None]:
    """The auto-steps switch and its tolerance, for a method that can raise its own steps.

    The tolerance input is enabled while the method holds its scores to it:
    under auto steps, and under the settings the method declares (Layer IG's
    bfloat16, see :meth:`explain.Explainer.uses_tolerance`).

    Args:
        method: the method's registry name.
        settings: the method's chosen settings, ``(name, value)``. Default: ``()``

    Returns:
        (auto steps, tolerance); the tolerance is None when nothing uses it.
    """
    tolerance = tolerance_setting(method)
    title = explain.get_method(method).title
    auto = st.checkbox(
        "Auto steps",
        value=bool(initial("auto_steps", False)),
        key="auto_steps",
        disabled=tolerance is None,
        help="Double the integration steps, starting from the number above, until |delta| is "
        "at most the tolerance times |F(input) - F(baseline)|, or until the most steps "
        "allowed. The completeness check says how many steps were used."
        if tolerance is not None
        else f"{title} does not raise its own steps. Methods that do: {titles_with('auto_steps')}.",
    )
    if tolerance is None:
        return False, None
    used = explain.get_method(method).uses_tolerance({**dict(settings), "auto_steps": auto})
    value = setting_widget(tolerance, setting_key(method, tolerance.name), disabled=not used)
    return auto, float(value) if used else None


def method_setting_inputs(method: str) -> Pairs:
    """Inputs for the settings ``method`` declares, each only while it applies.

    A setting declared with ``applies_when=(other, value)`` is shown only
    while the input for ``other``, declared before it, reads ``value``.

    Returns:
        ``(name, value)`` pairs, the keyword arguments of ``attribute``.
    """
    values: dict[str, int | float | str] = {}
    for spec in explain.get_method(method).settings:
        condition = getattr(spec, "applies_when", None)
        if condition is None or values.get(condition[0]) == condition[1]:
            values[spec.name] = setting_input(method, spec)
    return tuple(values.items())


def setting_key(method: str, name: str) -> str:
    """The widget key of one method setting."""
    return f"setting_{method}_{name}"


def setting_input(method: str, spec: explain.Setting) -> int | float | str:
    """A widget built from a method's declared setting: its range, default, step and help."""
    return setting_widget(spec, setting_key(method, spec.name))


def setting_widget(
    spec: explain.Setting | explain.TextSetting, key: str, disabled: bool = False
) -> int | float | str:
    """A widget built from a declared setting: its range, default, step and help.

    Args:
        spec: the setting.
        key: the widget's key; an opened link's value for it comes first.
        disabled: show the widget greyed out. Default: False

    Returns:
        The widget's value, of the setting's type.
    """
    if isinstance(spec, explain.IntSetting):
        return int(
            st.number_input(
                spec.label,
                min_value=spec.minimum,
                max_value=spec.maximum,
                value=initial(key, spec.default),
                step=spec.step,
                key=key,
                disabled=disabled,
                help=spec.help,
            )
        )
    if isinstance(spec, explain.FloatSetting):
        decimals = max(2, -int(Decimal(str(spec.step)).as_tuple().exponent))
        return float(
            st.number_input(
                spec.label,
                min_value=float(spec.minimum),
                max_value=float(spec.maximum),
                value=float(initial(key, spec.default)),
                step=float(spec.step),
                format=f"%.{decimals}f",
                key=key,
                disabled=disabled,
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
            disabled=disabled,
            help=spec.help,
        )
    return st.text_input(
        spec.label,
        value=initial(key, spec.default),
        max_chars=spec.max_chars,
        key=key,
        disabled=disabled,
        help=spec.help,
    )


def threshold_slider(head: explain.Head) -> float:
    """A multi-label head's threshold, in the sidebar; the default for any other head."""
    if head != "multi_label":
        return explain.MULTI_LABEL_THRESHOLD
    with st.sidebar:
        return float(
            st.slider(
                "Threshold",
                min_value=0.05,
                max_value=0.95,
                value=float(initial("threshold", explain.MULTI_LABEL_THRESHOLD)),
                step=0.05,
                key="threshold",
                help="This checkpoint is multi-label: each label has its own sigmoid "
                "probability, and the prediction is every label at or above this threshold "
                "(none, one or several). It changes the predicted set, the per-label view and "
                "the batch table, not the scores.",
            )
        )


def run_button() -> bool:
    """The Run button: compute the explanation for the text and the sidebar's settings."""
    return st.button(
        "Run",
        type="primary",
        key="run",
        help="Compute the explanation for the text and the settings in the sidebar.",
    )
