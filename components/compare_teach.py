"""The "Compare & teach" section under the main result: one view at a time.

Each view explains one idea behind attribution (the integration path, the
baseline, how methods agree, whether an explanation is faithful, whether it
depends on the model at all, how credit moves through the layers, where the
model attends). Nothing is computed until a view is chosen; the slow parts
wait for a button. Results are cached per checkpoint, text and settings.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import pandas as pd
import streamlit as st

import explain
from components import backend
from components.controls import Request
from components.markdown import literal
from explain.core.targets import check_output
from explain.evaluation.agreement import RANKINGS, Ranking, agreement_matrix
from explain.evaluation.faithfulness import (
    DEFAULT_PERCENTS,
    Faithfulness,
    evaluate_faithfulness,
    rank_methods,
)
from explain.evaluation.sanity import SanityCheck, randomization_cascade
from explain.render.attention_figures import attention_heatmap, rollout_heatmap
from explain.render.conductance_figures import conductance_heatmap
from explain.render.evaluation_figures import (
    agreement_heatmap,
    aopc_curves,
    faithfulness_bars,
    sanity_curve,
)
from explain.render.path_figures import (
    convergence_plot,
    path_curve,
    path_gradients,
    path_probabilities,
)
from explain.views.attention_maps import AttentionMaps, attention_maps
from explain.views.conductance import N_STEPS as CONDUCTANCE_STEPS
from explain.views.conductance import AllLayerConductance, LayerConductanceResult
from explain.views.integration_path import (
    DEFAULT_RULES,
    PATH_POINTS,
    RULE_TITLES,
    RULES,
    Convergence,
    IntegrationPath,
    Rule,
    convergence,
    integration_path,
)

Settings = tuple[tuple[str, int | float | str], ...]

VIEWS: dict[str, str] = {
    "path": "Integration path",
    "baselines": "Baseline sensitivity",
    "methods": "Method comparison",
    "faithfulness": "Faithfulness",
    "sanity": "Sanity check",
    "layers": "Layers",
    "attention": "Attention",
}
ERRORS = explain.TokenlightError  # user errors only; anything else is a bug and shows as one
CHART = {"displaylogo": False}
DEFAULT_BASELINES = ("pad", "mask", "zero")
STEP_CHOICES = (4, 8, 16, 32, 64, 128, 256, 512, 1024)
DEFAULT_MAX_STEPS = 128
PASSING_CORRELATION = 0.5  # |Spearman| at the last randomisation step below which the check passes


@st.cache_data(max_entries=64, show_spinner=False)
def _path(
    _loaded: explain.LoadedModel,
    checkpoint_key: str,
    text: str,
    target: int | None,
    output: str,
    baseline: str,
    n_points: int,
) -> IntegrationPath:
    return integration_path(_loaded, text, target, check_output(output), baseline, n_points)


@st.cache_data(max_entries=32, show_spinner=False)
def _convergence(
    _loaded: explain.LoadedModel,
    checkpoint_key: str,
    text: str,
    target: int | None,
    output: str,
    baseline: str,
    steps: tuple[int, ...],
    rules: tuple[Rule, ...],
) -> Convergence:
    return convergence(_loaded, text, target, check_output(output), baseline, steps, rules)


@st.cache_data(max_entries=128, show_spinner=False)
def _faithfulness(
    _loaded: explain.LoadedModel,
    _attribution: explain.Attribution,
    checkpoint_key: str,
    text: str,
    method: str,
    target: int | None,
    output: str,
    baseline: str,
    settings: Settings,
) -> Faithfulness:
    """``_attribution`` is the one these arguments produce; they stand in for it in the key."""
    return evaluate_faithfulness(_loaded, _attribution, DEFAULT_PERCENTS)


@st.cache_data(max_entries=16, show_spinner=False)
def _sanity(
    _loaded: explain.LoadedModel,
    checkpoint_key: str,
    text: str,
    method: str,
    target: int | None,
    output: str,
    baseline: str,
    settings: Settings,
    include_embeddings: bool,
) -> SanityCheck:
    return randomization_cascade(
        _loaded,
        text,
        method,
        include_embeddings=include_embeddings,
        target=target,
        output=output,
        baseline=baseline,
        **dict(settings),
    )


@st.cache_data(max_entries=32, show_spinner=False)
def _conductance(
    _loaded: explain.LoadedModel,
    checkpoint_key: str,
    text: str,
    target: int | None,
    output: str,
    baseline: str,
    n_steps: int,
) -> LayerConductanceResult:
    explainer = AllLayerConductance(_loaded)
    return explainer.attribute(text, target, check_output(output), baseline, n_steps)


@st.cache_data(max_entries=64, show_spinner=False)
def _attention(_loaded: explain.LoadedModel, checkpoint_key: str, text: str) -> AttentionMaps:
    return attention_maps(_loaded, text)


def method_settings(method: str, request: Request) -> Settings:
    """The request's settings for the request's method; the declared defaults for any other.

    The request's method also gets the delta tolerance when one is set, which
    bfloat16 scores are held to.
    """
    if method == request.method:
        tolerance = () if request.tolerance is None else (("tolerance", request.tolerance),)
        return (*request.settings, *tolerance)
    return tuple((spec.name, spec.default) for spec in explain.get_method(method).settings)


def default_methods(request: Request) -> list[str]:
    """The request's method and the first two other methods that declare no settings (fast)."""
    cheap = [
        name
        for name, method in explain.METHODS.items()
        if not method.settings and name != request.method
    ]
    return [request.method, *cheap[:2]]


def attribution_for(
    spec: str, request: Request, method: str, baseline: str | None = None
) -> explain.Attribution:
    """The cached attribution of the request's text by ``method``, under ``baseline``."""
    return backend.attribute(
        spec,
        request.text,
        method,
        request.target,
        request.output,
        baseline or request.baseline,
        method_settings(method, request),
    )


def requested(pressed: bool, state_key: str, params: Hashable) -> bool:
    """Whether the result for ``params`` should show: its button was pressed for these params.

    A press remembers ``params``, so the result stays on screen through
    reruns until a setting changes; then the button must be pressed again.
    """
    if pressed:
        st.session_state[state_key] = params
    return st.session_state.get(state_key) == params


def explainer_box(view: str, body: str) -> None:
    """The view's "What am I looking at?" expander, in plain language."""
    with st.expander("What am I looking at?", key=f"{view}_help"):
        st.markdown(body)


def output_name(request: Request) -> str:
    return request.output.replace("_", "-")


def target_name(request: Request, loaded: explain.LoadedModel) -> str:
    """The explained label, for captions; "the predicted label" when none was picked."""
    if request.target is None:
        return "the predicted label"
    return f"'{literal(loaded.labels[request.target])}'"


def agreement_panels(results: dict[str, explain.Attribution], ranking: Ranking, key: str) -> None:
    """Spearman and top-k overlap heatmaps of named attributions, side by side."""
    if len(results) < 2:
        st.info("Choose at least two to see how far they agree.")
        return
    left, right = st.columns(2)
    left.plotly_chart(
        agreement_heatmap(agreement_matrix(results, "spearman", ranking)),
        key=f"{key}_spearman",
        config=CHART,
    )
    right.plotly_chart(
        agreement_heatmap(agreement_matrix(results, "top_k", ranking)),
        key=f"{key}_top_k",
        config=CHART,
    )


def chart_grid(
    results: dict[str, explain.Attribution], key: str, normalized: bool, per_row: int = 2
) -> None:
    """One token bar chart per named attribution, ``per_row`` to a row."""
    names = list(results)
    for first in range(0, len(names), per_row):
        for column, name in zip(st.columns(per_row), names[first : first + per_row], strict=False):
            with column:
                st.markdown(f"**{literal(name)}**")
                st.plotly_chart(
                    explain.token_bar_chart(results[name], normalized=normalized),
                    key=f"{key}_{name}",
                    config=CHART,
                )


def path_view(spec: str, loaded: explain.LoadedModel, request: Request) -> None:
    explainer_box(
        "path",
        "Integrated gradients compares your sentence with a *baseline*, a version with the "
        "words blanked out. It walks in a straight line from the baseline (α = 0) to your "
        "sentence (α = 1) and, at each point, asks how strongly each word's direction pushes "
        "the model's score. Adding these pushes up along the walk gives each word's score.\n\n"
        "- **Slider**: move along the walk and watch the prediction change.\n"
        "- **Bars**: each word's push at that point (green raises the score, red lowers it).\n"
        "- **Curves**: the score along the walk, and its slope. The shaded area under the slope "
        "is exactly the total change from baseline to sentence, which the word scores share.\n"
        "- **Convergence**: the walk is approximated with a number of steps; the error "
        "(*delta*) shows how many steps are enough. Gauss-Legendre usually needs far fewer.",
    )
    st.caption(
        f"Explaining the {output_name(request)} of {target_name(request, loaded)}, from the "
        f"'{literal(request.baseline)}' baseline to the text."
    )
    left, right = st.columns(2)
    n_points = left.slider(
        PATH_POINTS.label,
        min_value=PATH_POINTS.minimum,
        max_value=PATH_POINTS.maximum,
        value=PATH_POINTS.default,
        step=PATH_POINTS.step,
        key="path_points",
        help=PATH_POINTS.help,
    )
    alpha = right.slider(
        "Position on the path (α)",
        min_value=0.0,
        max_value=1.0,
        value=0.5,
        step=0.01,
        key="path_alpha",
        help="0 is the baseline, 1 is your text; in between, every embedding vector is "
        "that far along the line from the baseline's to the text's. The nearest point "
        "evaluated is shown.",
    )
    with st.spinner("Walking the path ..."):
        path = _path(
            loaded,
            backend.cache_key(spec),
            request.text,
            request.target,
            request.output,
            request.baseline,
            int(n_points),
        )
    index = path.nearest(float(alpha))
    probabilities, gradients = st.columns([1, 2])
    probabilities.plotly_chart(
        path_probabilities(path, index), key="path_probabilities", config=CHART
    )
    gradients.plotly_chart(path_gradients(path, index), key="path_gradients", config=CHART)
    st.plotly_chart(path_curve(path, index), key="path_curve", config=CHART)
    cols = st.columns(4)
    cols[0].metric("F(baseline)", f"{path.f_baseline:.4f}", help="The score at α = 0.")
    cols[1].metric("F(input)", f"{path.f_input:.4f}", help="The score at α = 1.")
    cols[2].metric(
        "Area under dF/dα",
        f"{sum(path.attributions):.4f}",
        help=f"The trapezoid rule on these {len(path.alphas)} points: the sum of the word "
        "scores this grid gives.",
    )
    cols[3].metric(
        "Delta on this grid",
        f"{path.delta:+.2e}",
        help="Area minus (F(input) - F(baseline)): the error of using this many points.",
    )

    st.markdown("#### How many steps are enough?")
    left, right = st.columns(2)
    rules = left.multiselect(
        "Integration rules",
        list(RULES),
        default=list(DEFAULT_RULES),
        format_func=RULE_TITLES.get,
        key="path_rules",
        help="Captum's ways of placing and weighting the points. Riemann rules space them "
        "evenly; Gauss-Legendre picks points and weights that integrate smooth curves exactly "
        "with few steps.",
    )
    max_steps = right.select_slider(
        "Up to this many steps",
        options=list(STEP_CHOICES),
        value=DEFAULT_MAX_STEPS,
        key="path_max_steps",
        help="Steps tried: 1, 2, 4, ... up to this. Each rule costs about twice this many "
        "forward and backward passes.",
    )
    steps = tuple(2**power for power in range(int(max_steps).bit_length()) if 2**power <= max_steps)
    params = (spec, request, tuple(rules), steps)
    pressed = st.button(
        "Measure convergence",
        key="path_convergence_run",
        help="Run integrated gradients with each rule and number of steps, and plot how far "
        "the scores miss F(input) - F(baseline).",
    )
    if not rules:
        st.info("Choose at least one integration rule.")
        return
    if requested(pressed, "teach_convergence_for", params):
        with st.spinner(f"Integrating with {len(rules)} rules, up to {max_steps} steps ..."):
            result = _convergence(
                loaded,
                backend.cache_key(spec),
                request.text,
                request.target,
                request.output,
                request.baseline,
                steps,
                tuple(rules),
            )
        st.plotly_chart(convergence_plot(result), key="path_convergence", config=CHART)
        st.caption(
            "Both axes are logarithmic. Captum's trapezoid rule weights its points as if they "
            "were 1/n apart when they are 1/(n-1) apart, so in the end its delta only halves "
            f"when the steps double. Computed in {result.seconds:.2f} s."
        )


def baselines_view(spec: str, loaded: explain.LoadedModel, request: Request) -> None:
    explainer_box(
        "baselines",
        "An attribution answers *compared with what?* The *baseline* is the blank sentence "
        "the text is compared with: padding, [MASK] tokens, or all-zero vectors. Different "
        "blanks can give different word scores, and a robust explanation should not depend "
        "much on this arbitrary choice.\n\n"
        "- **Table**: the model's score for each blank, and how much the text changes it.\n"
        "- **Bars**: the word scores measured against each blank.\n"
        "- **Heatmap**: how similarly the blanks rank the words (1: same order, 0: unrelated, "
        "-1: reversed).",
    )
    method = request.method
    if not explain.METHODS[method].uses_baseline:
        method = explain.DEFAULT_METHOD
        st.caption(
            f"{literal(explain.METHODS[request.method].title)} uses no baseline, so this view "
            f"uses {literal(explain.METHODS[method].title)} with its default settings."
        )
    chosen = st.multiselect(
        "Baselines",
        list(explain.BASELINES),
        default=[name for name in DEFAULT_BASELINES if name in explain.BASELINES],
        format_func=lambda name: f"{name}: {explain.BASELINES[name].description.split(':')[0]}",
        key="baselines_chosen",
        help="The blanks to compare. Each one's explanation is computed once and cached.",
    )
    if not chosen:
        st.info("Choose at least one baseline.")
        return
    with st.spinner(f"Explaining against {len(chosen)} baselines ..."):
        results = {name: attribution_for(spec, request, method, name) for name in chosen}
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "baseline": name,
                    "F(baseline)": result.f_baseline,
                    "F(input)": result.f_input,
                    "F(input) - F(baseline)": result.output_change,
                    "sum of scores": result.attribution_sum,
                    "delta": result.delta,
                }
                for name, result in results.items()
            ]
        ),
        hide_index=True,
        key="baselines_table",
    )
    chart_grid(results, "baselines_chart", normalized=False)
    agreement_panels(results, "signed", "baselines_agreement")


def methods_view(spec: str, loaded: explain.LoadedModel, request: Request) -> None:
    explainer_box(
        "methods",
        "There are many ways to score words. Gradient methods ask how sensitive the score is "
        "to each word; perturbation methods (occlusion, LIME, SHAP) remove words and watch "
        "the score; attention reads where the model looked. When methods agree, trust grows; "
        "when they disagree, at least one is not telling the whole story.\n\n"
        "- **Bars**: each method's scores, scaled so the strongest word is ±1.\n"
        "- **Rank correlation**: 1 means two methods order the words identically.\n"
        "- **Top-k overlap**: the share of the most important words that two methods share.",
    )
    chosen = st.multiselect(
        "Methods",
        list(explain.METHODS),
        default=default_methods(request),
        format_func=lambda name: explain.METHODS[name].title,
        key="compare_methods",
        help="The request's method uses your settings from the sidebar; the others use their "
        "defaults. Perturbation methods (LIME, Kernel SHAP) are the slowest.",
    )
    ranking = st.radio(
        "Rank words by",
        list(RANKINGS),
        horizontal=True,
        key="compare_ranking",
        help="Signed: most positive first. Absolute: largest effect either way first, which "
        "is fairer to methods that give sizes only (saliency, attention).",
    )
    if not chosen:
        st.info("Choose at least one method.")
        return
    with st.spinner(f"Explaining with {len(chosen)} methods ..."):
        results = {
            explain.METHODS[name].title: attribution_for(spec, request, name) for name in chosen
        }
    chart_grid(results, "compare_chart", normalized=True)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "method": title,
                    "signed": result.signed,
                    "sum of scores": result.attribution_sum,
                    "delta": result.delta,
                    "seconds": result.seconds,
                }
                for title, result in results.items()
            ]
        ),
        hide_index=True,
        key="compare_table",
    )
    agreement_panels(results, ranking or "signed", "compare_agreement")


def faithfulness_view(spec: str, loaded: explain.LoadedModel, request: Request) -> None:
    percents = "/".join(str(k) for k in DEFAULT_PERCENTS)
    explainer_box(
        "faithfulness",
        "Does the explanation point at the words the model really relies on? Delete the words "
        "it ranks highest and the prediction should collapse; keep only those words and the "
        "prediction should survive.\n\n"
        f"- **Comprehensiveness** ({percents} % of words deleted): how far the probability "
        "falls. Higher is better.\n"
        f"- **Sufficiency** ({percents} % kept): how far it falls with only the top words. "
        "Lower is better.\n"
        "- **Curves**: the probability as more top words are deleted (left, should fall fast) "
        "or kept (right, should rise fast).\n"
        "- **Ranking**: methods ordered by mean comprehensiveness minus mean sufficiency.",
    )
    chosen = st.multiselect(
        "Methods to judge",
        list(explain.METHODS),
        default=default_methods(request),
        format_func=lambda name: explain.METHODS[name].title,
        key="faith_methods",
        help="Each method's explanation is judged by deleting words, two model passes per word.",
    )
    if not chosen:
        st.info("Choose at least one method.")
        return
    key = backend.cache_key(spec)
    results: dict[str, Faithfulness] = {}
    with st.spinner(f"Deleting and keeping words for {len(chosen)} methods ..."):
        for name in chosen:
            attribution = attribution_for(spec, request, name)
            results[explain.METHODS[name].title] = _faithfulness(
                loaded,
                attribution,
                key,
                request.text,
                name,
                request.target,
                request.output,
                request.baseline,
                method_settings(name, request),
            )
    st.plotly_chart(faithfulness_bars(results), key="faith_bars", config=CHART)
    st.plotly_chart(aopc_curves(results), key="faith_curves", config=CHART)
    st.markdown("**Ranking, most faithful first**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "rank": rank,
                    "method": title,
                    "score": result.score,
                    **{
                        f"comprehensiveness {k}%": value
                        for k, value in zip(result.percents, result.comprehensiveness, strict=True)
                    },
                    **{
                        f"sufficiency {k}%": value
                        for k, value in zip(result.percents, result.sufficiency, strict=True)
                    },
                    "deletion AOPC": result.deletion_aopc,
                    "insertion AOPC": result.insertion_aopc,
                }
                for rank, (title, result) in enumerate(rank_methods(results), start=1)
            ]
        ),
        hide_index=True,
        key="faith_table",
    )


def sanity_view(spec: str, loaded: explain.LoadedModel, request: Request) -> None:
    explainer_box(
        "sanity",
        "An explanation should explain *this trained model*, not just the sentence. The check "
        "scrambles the model's learned weights step by step, from the classifier down to the "
        "first layer, and explains the same sentence again each time.\n\n"
        "**Passing** looks like the correlation with the trained model's explanation falling "
        "towards 0 as more of the model is scrambled. An explanation that barely changes when "
        "the model is destroyed is describing the input or the architecture, not what the "
        "model learned (Adebayo et al., 2018).",
    )
    method = explain.METHODS[request.method]
    include_embeddings = st.checkbox(
        "Also scramble the embeddings",
        value=False,
        key="sanity_embeddings",
        help="Add a last step that re-initialises the word, position and token-type "
        "embeddings too.",
    )
    params = (spec, request, include_embeddings)
    pressed = st.button(
        f"Run the sanity check for {method.title}",
        key="sanity_run",
        help="Explains the text once per layer of the model, plus the classifier (and the "
        "embeddings), on a scrambled copy; the shared model is not touched.",
    )
    if not requested(pressed, "teach_sanity_for", params):
        st.caption("Press the button to run the check with the request's method and settings.")
        return
    with st.spinner("Scrambling the model layer by layer and explaining again ..."):
        check = _sanity(
            loaded,
            backend.cache_key(spec),
            request.text,
            request.method,
            request.target,
            request.output,
            request.baseline,
            method_settings(request.method, request),
            include_embeddings,
        )
    st.plotly_chart(sanity_curve(check), key="sanity_curve", config=CHART)
    st.dataframe(
        pd.DataFrame(
            {
                "re-initialised up to": list(check.steps),
                "Spearman (signed)": list(check.correlations),
                "Spearman (absolute)": list(check.absolute_correlations),
            }
        ),
        hide_index=True,
        key="sanity_table",
    )
    last = check.correlations[-1]
    if last == last and abs(last) < PASSING_CORRELATION:  # NaN when the scores are constant
        st.success(
            f"Passes: with the model scrambled, the explanation's correlation with the trained "
            f"one is {last:+.2f}, so it depends on what the model learned."
        )
    else:
        st.warning(
            f"Suspicious: with the model scrambled, the correlation with the trained explanation "
            f"is still {last:+.2f}. This explanation may describe the input more than the model."
        )


def layers_view(spec: str, loaded: explain.LoadedModel, request: Request) -> None:
    explainer_box(
        "layers",
        "A transformer passes every word through a stack of layers. *Layer conductance* "
        "measures how much of the change from the baseline to your text flows through each "
        "word's position in each layer. Rows are layers (the embeddings at the bottom), "
        "columns are words; green raised the score, red lowered it. Watch the credit move: "
        "in the top layers it often gathers on [CLS], which the classifier reads. Each row "
        "adds up to the same total, F(input) - F(baseline).",
    )
    n_steps = st.number_input(
        CONDUCTANCE_STEPS.label,
        min_value=CONDUCTANCE_STEPS.minimum,
        max_value=CONDUCTANCE_STEPS.maximum,
        value=CONDUCTANCE_STEPS.default,
        step=CONDUCTANCE_STEPS.step,
        key="layers_steps",
        help=CONDUCTANCE_STEPS.help,
    )
    with st.spinner("Measuring every layer's conductance ..."):
        result = _conductance(
            loaded,
            backend.cache_key(spec),
            request.text,
            request.target,
            request.output,
            request.baseline,
            int(n_steps),
        )
    st.plotly_chart(conductance_heatmap(result), key="layers_heatmap", config=CHART)
    st.dataframe(
        pd.DataFrame(
            {
                "layer": list(result.layer_names),
                "total conductance": list(result.layer_sums),
                "delta": list(result.deltas),
            }
        ),
        hide_index=True,
        key="layers_table",
    )
    st.caption(
        f"Against the '{literal(result.baseline)}' baseline; F(input) - F(baseline) = "
        f"{result.output_change:+.4f}. Computed in {result.seconds:.2f} s."
    )


def attention_view(spec: str, loaded: explain.LoadedModel, request: Request) -> None:
    explainer_box(
        "attention",
        "Attention is how each word gathers information from the others. Each row of a map "
        "is one word; darker cells are the words it looks at. Each layer has several *heads* "
        "that look in different ways; *mean* averages them. *Rollout* follows attention "
        "through all layers at once. Attention shows where the model looked, not whether "
        "what it saw raised or lowered its score, so it is not a full explanation.",
    )
    with st.spinner("Reading the attention weights ..."):
        maps = _attention(loaded, backend.cache_key(spec), request.text)
    left, right = st.columns(2)
    layer = left.select_slider(
        "Layer",
        options=list(range(1, maps.layers + 1)),
        value=maps.layers,
        key="attention_layer",
        help="1 is the first layer, just above the embeddings.",
    )
    head = right.selectbox(
        "Head",
        ["mean", *range(1, maps.heads + 1)],
        key="attention_head",
        help="One attention head, or the mean over all of them.",
    )
    left, right = st.columns(2)
    left.plotly_chart(
        attention_heatmap(maps, int(layer) - 1, "mean" if head == "mean" else int(head) - 1),
        key="attention_heatmap",
        config=CHART,
    )
    right.plotly_chart(rollout_heatmap(maps), key="attention_rollout", config=CHART)


VIEW_RENDERERS: dict[str, Callable[[str, explain.LoadedModel, Request], None]] = {
    "path": path_view,
    "baselines": baselines_view,
    "methods": methods_view,
    "faithfulness": faithfulness_view,
    "sanity": sanity_view,
    "layers": layers_view,
    "attention": attention_view,
}


def render(spec: str, loaded: explain.LoadedModel, request: Request) -> None:
    """The "Compare & teach" section for the request on screen.

    Args:
        spec: the checkpoint as picked (name, directory or hub id).
        loaded: that checkpoint, loaded.
        request: the request whose result the page shows.
    """
    st.divider()
    st.subheader("Compare & teach")
    st.caption(
        "Look under the hood of the explanation above: one view at a time, computed only "
        "when you choose it."
    )
    view = st.segmented_control(
        "View",
        list(VIEWS),
        format_func=VIEWS.get,
        key="teach_view",
        help="Each view explains one idea behind attribution and has a 'What am I looking "
        "at?' note. Slow views wait for a button.",
    )
    if view is None:
        return
    if request.checkpoint != spec:
        st.info(
            "The checkpoint in the sidebar changed since the result above was computed. "
            "Press **Run** to explain with it; these views follow the result on screen."
        )
        return
    ignored = [
        name
        for name, used in (
            ("the second text", request.text_pair is not None),
            ("the contrast label", request.contrast is not None),
            ("the baseline's options", bool(request.baseline_options)),
            ("auto steps", request.auto_steps),
        )
        if used
    ]
    if ignored:
        st.caption(
            f"These views leave out {', '.join(ignored)}: they explain the first text's target "
            "label with each baseline's default options and fixed steps."
        )
    try:
        VIEW_RENDERERS[view](spec, loaded, request)
    except ERRORS as error:
        st.error(str(error))
