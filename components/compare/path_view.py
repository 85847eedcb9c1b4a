"""The integration path: the walk from the baseline to the text, and how many steps it needs."""

from __future__ import annotations

import streamlit as st

import explain
from components import backend
from components.compare.parts import CHART, explainer_box, output_name, requested, target_name
from components.markdown import literal
from explain.render.path_figures import (
    convergence_plot,
    path_curve,
    path_gradients,
    path_probabilities,
)
from explain.views.integration_path import (
    DEFAULT_RULES,
    PATH_POINTS,
    RULE_TITLES,
    RULES,
    doubling_steps,
)

STEP_CHOICES = (4, 8, 16, 32, 64, 128, 256, 512, 1024)
DEFAULT_MAX_STEPS = 128


def render(loaded: explain.LoadedModel, request: explain.AttributionRequest) -> None:
    """The integration path view for the request on screen."""
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
        path = backend.integration_path(request, int(n_points))
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
        format_func=lambda rule: RULE_TITLES[rule],
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
    steps = doubling_steps(int(max_steps))
    params = (request, tuple(rules), steps)
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
            result = backend.convergence(request, steps, tuple(rules))
        st.plotly_chart(convergence_plot(result), key="path_convergence", config=CHART)
        st.caption(
            "Both axes are logarithmic. Captum's trapezoid rule weights its points as if they "
            "were 1/n apart when they are 1/(n-1) apart, so in the end its delta only halves "
            f"when the steps double. Computed in {result.seconds:.2f} s."
        )
