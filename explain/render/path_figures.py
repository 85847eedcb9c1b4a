"""Plotly figures of the integration path and of integrated gradients' convergence.

Each takes a result of :mod:`explain.views.integration_path` and returns a figure.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explain.render.charts import DIVERGING, PREDICTED, labelled_axis, token_labels
from explain.render.highlight import escape
from explain.views.integration_path import Convergence, IntegrationPath

BASELINE_COLOR = "rgba(120,120,120,0.9)"
AREA_COLOR = "rgba(67,147,195,0.25)"
RULE_COLORS = {
    "riemann_left": "#d6604d",
    "riemann_right": "#f4a582",
    "riemann_middle": "#92c5de",
    "riemann_trapezoid": "#b2182b",
    "gausslegendre": PREDICTED,
}


def _text(value: str) -> str:
    """Escape a token or label for Plotly, which renders some HTML tags in its text."""
    return escape(value, quote=False)


def _check_index(path: IntegrationPath, alpha_index: int) -> None:
    if not 0 <= alpha_index < len(path.alphas):
        raise ValueError(
            f"alpha_index must be from 0 to {len(path.alphas) - 1}, not {alpha_index}."
        )


def path_curve(path: IntegrationPath, alpha_index: int | None = None) -> go.Figure:
    """``F`` along the path (top) and its slope ``dF/dalpha`` with the area under it (bottom).

    The area under the slope is ``F(input) - F(baseline)``: the change that
    integrated gradients shares out among the tokens.

    Args:
        path: from :func:`explain.views.integration_path.integration_path`.
        alpha_index: a grid point to mark on both curves. Default: None, no mark.

    Returns:
        The figure: ``F`` along the path, the baseline and input endpoints,
        the shaded slope and, when ``alpha_index`` is given, the chosen point
        on each of the two curves, in that order.

    Raises:
        ValueError: ``alpha_index`` is not a grid point.
    """
    output = path.output.replace("_", "-")
    label = _text(path.target_label)
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=(
            f"F(α): the {output} of '{label}' along the path",
            f"dF/dα: its area is F(input) − F(baseline) = {path.output_change:+.4f}",
        ),
    )
    alphas = list(path.alphas)
    figure.add_trace(
        go.Scatter(
            x=alphas,
            y=list(path.f_values),
            mode="lines+markers",
            name="F(α)",
            line={"color": PREDICTED},
            hovertemplate="α = %{x:.3f}<br>F = %{y:.6f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=[0.0, 1.0],
            y=[path.f_baseline, path.f_input],
            mode="markers+text",
            name="baseline and input",
            text=[f"baseline ({_text(path.baseline)})", "input"],
            textposition=["top right", "top left"],
            marker={"size": 12, "color": [BASELINE_COLOR, PREDICTED], "symbol": "diamond"},
            hovertemplate="%{text}<br>F = %{y:.6f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=alphas,
            y=list(path.derivatives),
            mode="lines+markers",
            name="dF/dα (sum of the tokens' integrands)",
            fill="tozeroy",
            fillcolor=AREA_COLOR,
            line={"color": PREDICTED},
            hovertemplate="α = %{x:.3f}<br>dF/dα = %{y:.6f}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    if alpha_index is not None:
        _check_index(path, alpha_index)
        alpha = path.alphas[alpha_index]
        for row, value in ((1, path.f_values[alpha_index]), (2, path.derivatives[alpha_index])):
            figure.add_trace(
                go.Scatter(
                    x=[alpha],
                    y=[value],
                    mode="markers",
                    name=f"α = {alpha:.2f}",
                    legendgroup="chosen",
                    showlegend=row == 1,
                    marker={"size": 14, "color": "rgba(0,0,0,0)", "line": {"width": 2}},
                    hovertemplate="α = %{x:.3f}: %{y:.6f}<extra></extra>",
                ),
                row=row,
                col=1,
            )
    figure.update_xaxes(title="α (0 = baseline, 1 = input)", range=[-0.03, 1.03], row=2, col=1)
    figure.update_yaxes(title=f"F ({output})", row=1, col=1)
    figure.update_yaxes(title="dF/dα", zeroline=True, row=2, col=1)
    figure.update_layout(
        height=520, margin={"l": 40, "r": 10, "t": 50, "b": 40}, legend={"orientation": "h"}
    )
    return figure


def path_gradients(path: IntegrationPath, alpha_index: int) -> go.Figure:
    """Each token's integrand ``gradient · (x - b)`` at one point of the path, as bars.

    Args:
        path: from :func:`explain.views.integration_path.integration_path`.
        alpha_index: which grid point.

    Returns:
        The figure: one bar trace in token order, coloured by sign (green
        raises the target, red lowers it); hovering shows the gradient's length.

    Raises:
        ValueError: ``alpha_index`` is not a grid point.
    """
    _check_index(path, alpha_index)
    values = list(path.integrands[alpha_index])
    peak = max((abs(value) for value in values), default=0.0) or 1.0
    figure = go.Figure(
        go.Bar(
            x=list(range(len(values))),
            y=values,
            marker={
                "color": values,
                "colorscale": DIVERGING,
                "cmin": -peak,
                "cmax": peak,
                "line": {"color": "rgba(128,128,128,0.6)", "width": 1},
            },
            customdata=[
                [_text(token), norm, index]
                for index, (token, norm) in enumerate(
                    zip(path.tokens, path.gradient_norms[alpha_index], strict=True)
                )
            ],
            hovertemplate="<b>%{customdata[0]}</b> (position %{customdata[2]})<br>"
            "gradient · (x − b): %{y:.6f}<br>gradient length: %{customdata[1]:.6f}"
            "<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"Each token's gradient · (input − baseline) at α = {path.alphas[alpha_index]:.2f}",
        xaxis=labelled_axis(token_labels(path.tokens), "token"),
        yaxis={"title": "integrand", "zeroline": True},
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
        height=380,
        showlegend=False,
    )
    return figure


def path_probabilities(path: IntegrationPath, alpha_index: int) -> go.Figure:
    """Every label's probability at one point of the path, the target highlighted.

    A regression head's one bar is its predicted score, on an axis that holds
    the score's range along the whole path.

    Args:
        path: from :func:`explain.views.integration_path.integration_path`.
        alpha_index: which grid point.

    Returns:
        The figure: one horizontal bar per label, in index order.

    Raises:
        ValueError: ``alpha_index`` is not a grid point.
    """
    _check_index(path, alpha_index)
    probabilities = list(path.probabilities[alpha_index])
    score = path.output == "score"  # a regression head's one output is no probability
    colors = [
        PREDICTED if index == path.target_index else "rgba(150,150,150,0.7)"
        for index in range(len(path.labels))
    ]
    figure = go.Figure(
        go.Bar(
            x=probabilities,
            y=[_text(label) for label in path.labels],
            orientation="h",
            marker={"color": colors},
            text=[f"{p:.4g}" if score else f"{p:.1%}" for p in probabilities],
            textposition="auto",
            hovertemplate="%{y}: %{x:.4f}<extra></extra>",
        )
    )
    reach = max((abs(p) for row in path.probabilities for p in row), default=1.0) or 1.0
    figure.update_layout(
        title=f"Prediction at α = {path.alphas[alpha_index]:.2f}",
        xaxis=(
            {"range": [min(0.0, -reach), reach], "title": "predicted score"}
            if score
            else {"range": [0, 1], "title": "probability", "tickformat": ".0%"}
        ),
        yaxis={"autorange": "reversed"},
        margin={"l": 10, "r": 10, "t": 40, "b": 40},
        height=100 + 40 * len(path.labels),
        showlegend=False,
    )
    return figure


def convergence_plot(result: Convergence) -> go.Figure:
    """``|delta|`` against the number of steps, both on log axes, one trace per rule.

    Args:
        result: from :func:`explain.views.integration_path.convergence`.

    Returns:
        The figure, one line trace per rule in ``result.curves`` order.
    """
    figure = go.Figure()
    for curve in result.curves:
        figure.add_trace(
            go.Scatter(
                x=list(curve.steps),
                y=list(curve.abs_deltas),
                mode="lines+markers",
                name=curve.title,
                line={"color": RULE_COLORS.get(curve.rule, BASELINE_COLOR)},
                hovertemplate="%{x} steps: |delta| = %{y:.2e}<extra>" + curve.title + "</extra>",
            )
        )
    output = result.output.replace("_", "-")
    figure.update_layout(
        title=f"Convergence delta of '{_text(result.target_label)}' ({output}, "
        f"{_text(result.baseline)} baseline)",
        xaxis={"title": "integration steps", "type": "log"},
        yaxis={"title": "|sum of scores − (F(input) − F(baseline))|", "type": "log"},
        height=400,
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
    )
    return figure
