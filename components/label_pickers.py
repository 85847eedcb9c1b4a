"""The labels an explanation is about: target, contrast, explained output and threshold.

The pickers name the model's prediction; a contrast label is offered where
the chosen method takes one, and the output choices are the head's own
(:func:`explain.core.targets.output_choices`).
"""

from __future__ import annotations

import streamlit as st

import explain
from components.markdown import literal
from components.session_state import initial
from components.setting_widgets import accepts, titles_with
from explain.core.targets import DEFAULT_OUTPUT, output_choices
from explain.core.task_targets import explained_output

PREDICTED = -1  # sentinel option in the target picker: "whatever the model predicts"
NO_CONTRAST = -1  # sentinel option in the contrast picker: explain one label alone


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


def task_output_picker(target: explain.TaskTarget) -> str:
    """The output kind of a task's explanation, captioned with what it is for ``target``'s task."""
    outputs = list(explain.OUTPUT_KINDS)
    preset = initial("output", DEFAULT_OUTPUT)
    output = st.selectbox(
        "Explained output",
        outputs,
        index=outputs.index(preset) if preset in outputs else 0,
        format_func=lambda kind: kind.replace("_", "-"),
        key="output",
        help="The number being explained, for the span, candidate or answer end chosen under "
        "the text. Probability is bounded and easy to read; the logit is the raw score; "
        "log-odds sits in between.",
    )
    st.caption(f"Explains {explained_output(target, output)}.")
    return output


def candidate_threshold(target: explain.TaskTarget) -> float:
    """A multi-label zero-shot run's threshold, in the sidebar; the default otherwise."""
    if not (isinstance(target, explain.ZeroShotTarget) and target.multi_label):
        return explain.MULTI_LABEL_THRESHOLD
    return _threshold(
        "Multi-label zero-shot scores each candidate on its own, so the likely candidates are "
        "every one at or above this threshold (none, one or several). It changes the "
        "candidates marked on the chart and explained side by side, not the scores."
    )


def threshold_slider(head: explain.Head) -> float:
    """A multi-label head's threshold, in the sidebar; the default for any other head."""
    if head != "multi_label":
        return explain.MULTI_LABEL_THRESHOLD
    return _threshold(
        "This checkpoint is multi-label: each label has its own sigmoid probability, and the "
        "prediction is every label at or above this threshold (none, one or several). It "
        "changes the predicted set, the per-label view and the batch table, not the scores."
    )


def _threshold(help_text: str) -> float:
    """The sidebar's one threshold slider (key ``threshold``), with ``help_text``."""
    with st.sidebar:
        return float(
            st.slider(
                "Threshold",
                min_value=0.05,
                max_value=0.95,
                value=float(initial("threshold", explain.MULTI_LABEL_THRESHOLD)),
                step=0.05,
                key="threshold",
                help=help_text,
            )
        )
