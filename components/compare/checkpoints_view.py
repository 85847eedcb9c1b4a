"""Two checkpoints: the same text through a second model, word by word."""

from __future__ import annotations

import math
from dataclasses import replace

import streamlit as st

import explain
from components import backend, demo_mode
from components.compare.parts import CHART, explainer_box
from components.markdown import literal
from explain.evaluation.agreement import RANKINGS
from explain.evaluation.two_checkpoints import compare_checkpoints
from explain.model import bundled
from explain.render.checkpoint_figures import checkpoint_word_bars
from explain.render.word_figures import word_highlight_html

OTHER = "Other (Hub id or local directory)"


def _second_checkpoint(first: str) -> str:
    """The picker for the second checkpoint; returns its spec, or "" when none is typed.

    In a demo it offers the demo's other checkpoints only, and no 'Other'.
    """
    demo = demo_mode.policy()
    if demo is not None:
        return _second_demo_checkpoint(first, demo.checkpoints)
    names = [name for name in explain.checkpoint_names() if name != first]
    options = [*names, OTHER]
    pairs = {bundled.BUNDLED_NAME: bundled.EARLY_NAME, bundled.EARLY_NAME: bundled.BUNDLED_NAME}
    default = pairs.get(first, OTHER)  # your own checkpoint: compare it with another of yours
    choice = st.selectbox(
        "Second checkpoint",
        options,
        index=options.index(default),
        key="ckpt2_choice",
        help="The model to compare with the one in the sidebar. The early bundled checkpoint "
        "is the same model after about 10 % of its fine-tuning: compare it with the final one "
        "to see explanations sharpen. 'Other' takes a Hub id or a local directory, under the "
        "same rules as the sidebar.",
    )
    if choice != OTHER:
        return choice
    return st.text_input(
        "Hub id or local directory",
        key="ckpt2_custom",
        max_chars=300,
        placeholder="owner/model-name or /path/to/checkpoint",
        help="A Hugging Face Hub id (needs a network unless cached) or a directory with "
        "config.json, tokenizer files and model.safetensors, inside the directories this "
        "server allows.",
    ).strip()


def _second_demo_checkpoint(first: str, offered: tuple[str, ...]) -> str:
    """The second-checkpoint picker of a demo; returns "" when it offers no other."""
    options = [name for name in offered if name != first]
    if not options:
        return ""
    pairs = {bundled.BUNDLED_NAME: bundled.EARLY_NAME, bundled.EARLY_NAME: bundled.BUNDLED_NAME}
    default = pairs.get(first)
    return st.selectbox(
        "Second checkpoint",
        options,
        index=options.index(default) if default in options else 0,
        key="ckpt2_choice",
        help="The model to compare with the one in the sidebar, among the checkpoints this "
        "demo offers. The early bundled checkpoint is the same model after about 10 % of its "
        "fine-tuning: compare it with the final one to see explanations sharpen.",
    )


def render(loaded: explain.LoadedModel, request: explain.AttributionRequest) -> None:
    """The two-checkpoints view: the request's text under the sidebar's and a second model."""
    explainer_box(
        "checkpoints",
        "Does another version of the model reason the same way? The same text, method and "
        "settings go through a second checkpoint.\n\n"
        "- **Predictions and highlighting**: each model's own, side by side.\n"
        "- **Words**: the two tokenizers may split the text differently, so scores are "
        "compared word by word (words are matched by their place in the text).\n"
        "- **Rank correlation** (Spearman): 1 means both models order the words the same.\n"
        "- **Top-k overlap**: the share of the most important words the two have in common.",
    )
    second_spec = _second_checkpoint(request.checkpoint)
    if not second_spec and demo_mode.policy() is not None:
        st.info("This demo offers one checkpoint, so there is no second one to compare with.")
        return
    if not second_spec:
        st.info("Type a Hub id or a local directory for the second checkpoint.")
        return
    left, right = st.columns(2)
    ranking = left.radio(
        "Rank words by",
        list(RANKINGS),
        horizontal=True,
        key="ckpt2_ranking",
        help="Signed: most positive first. Absolute: largest effect either way first.",
    )
    with st.spinner(f"Loading {second_spec} and explaining ..."):
        other = backend.load_model(second_spec)
        first = backend.attribute(request)
        target = first.target_label if first.target_label in other.labels else None
        contrast = request.contrast if target is not None else None
        if contrast is not None and str(contrast) not in other.labels:
            contrast = None
        second = backend.attribute(
            replace(request, checkpoint=second_spec, target=target, contrast=contrast)
        )
    k = right.slider(
        "Top-k words",
        min_value=1,
        max_value=max(1, len(first.tokens)),
        value=max(1, min(3, len(first.tokens))),
        key="ckpt2_k",
        help="How many of each model's highest-ranked words to compare in the top-k overlap.",
    )
    comparison = compare_checkpoints(first, second, k=k, ranking=ranking or "signed")
    if not comparison.same_target:
        st.warning(
            f"The second checkpoint has no label '{literal(first.target_label)}', so it explains "
            f"its own prediction, '{literal(second.target_label)}'; the agreement compares "
            "different outputs."
        )
    a, b, c, d = st.columns(4)
    a.metric("Sidebar checkpoint predicts", first.predicted_label)
    b.metric("Second checkpoint predicts", second.predicted_label)
    c.metric(
        "Rank correlation",
        "n/a" if math.isnan(comparison.spearman) else f"{comparison.spearman:.2f}",
        help="Spearman's correlation of the word scores: 1 same order, 0 unrelated, "
        "-1 reversed. n/a when a side scores every word the same.",
    )
    d.metric(
        f"Top-{comparison.k} overlap",
        f"{comparison.top_k:.0%}",
        help="Share of the k highest-ranked words the two have in common.",
    )
    for column, name, words, result in zip(
        st.columns(2),
        (request.checkpoint, second_spec),
        (comparison.first_words, comparison.second_words),
        (first, second),
        strict=True,
    ):
        with column:
            st.markdown(f"**{literal(name)}**: explains '{literal(result.target_label)}'")
            st.html(word_highlight_html(words, result.text, legend=False))
    st.plotly_chart(
        checkpoint_word_bars(comparison, request.checkpoint, second_spec),
        key="ckpt2_bars",
        config=CHART,
    )
