"""Plotly figures of explanation evaluations: faithfulness, agreement and the sanity check."""

from __future__ import annotations

import math
from collections.abc import Mapping

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explain.evaluation.agreement import AgreementMatrix
from explain.evaluation.faithfulness import Faithfulness, rank_methods
from explain.evaluation.sanity import SanityCheck
from explain.methods.registry import METHODS
from explain.render.charts import DIVERGING, PREDICTED
from explain.render.highlight import escape


def _text(value: str) -> str:
    """Escape a name or label for Plotly, which renders some HTML tags in its text."""
    return escape(value, quote=False)


def aopc_curves(results: Mapping[str, Faithfulness]) -> go.Figure:
    """Deletion and insertion curves side by side, one trace per method on each.

    The x axis is the fraction of text tokens deleted (left) or kept (right),
    most important first, so a faithful explanation's deletion curve falls
    fast and its insertion curve rises fast.

    Args:
        results: name to :class:`Faithfulness`, usually for the same text.

    Returns:
        The figure: ``2 * len(results)`` traces, deletion ones first per method;
        each method's two traces share a legend entry.
    """
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Deletion (top tokens removed)", "Insertion (top tokens kept)"),
        shared_yaxes=True,
    )
    for name, result in results.items():
        n = len(result.order)
        fractions = [i / n for i in range(n + 1)]
        label = _text(name)
        for column, (curve, aopc, kind) in enumerate(
            (
                (result.deletion_curve, result.deletion_aopc, "deletion"),
                (result.insertion_curve, result.insertion_aopc, "insertion"),
            ),
            start=1,
        ):
            figure.add_trace(
                go.Scatter(
                    x=fractions,
                    y=list(curve),
                    mode="lines+markers",
                    name=label,
                    legendgroup=label,
                    showlegend=column == 1,
                    customdata=[[i, label, kind, aopc] for i in range(n + 1)],
                    hovertemplate="<b>%{customdata[1]}</b> (%{customdata[2]}, "
                    "AOPC %{customdata[3]:.4f})<br>%{customdata[0]} tokens: p = %{y:.4f}"
                    "<extra></extra>",
                ),
                row=1,
                col=column,
            )
    figure.update_xaxes(title="fraction of text tokens", tickformat=".0%", range=[0, 1])
    figure.update_yaxes(title="target probability", range=[0, 1], row=1, col=1)
    figure.update_layout(height=380, margin={"l": 40, "r": 10, "t": 50, "b": 40})
    return figure


def faithfulness_bars(results: Mapping[str, Faithfulness]) -> go.Figure:
    """Grouped bars of comprehensiveness and sufficiency at each ``k``, one trace per method.

    Methods appear in :func:`explain.evaluation.faithfulness.rank_methods` order, best first.

    Args:
        results: name to :class:`Faithfulness`, for the same text, target and percentages.

    Returns:
        The figure: one bar trace per method over the categories
        ``comprehensiveness k%`` (higher is better) and ``sufficiency k%``
        (lower is better).
    """
    figure = go.Figure()
    for name, result in rank_methods(results):
        categories = [f"comprehensiveness {k}%" for k in result.percents]
        categories += [f"sufficiency {k}%" for k in result.percents]
        label = _text(name)
        figure.add_trace(
            go.Bar(
                x=categories,
                y=[*result.comprehensiveness, *result.sufficiency],
                name=f"{label} (score {result.score:+.3f})",
                customdata=[label] * len(categories),
                hovertemplate="<b>%{customdata}</b><br>%{x}: %{y:.4f}<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="group",
        yaxis={"title": "change in target probability", "zeroline": True},
        height=380,
        margin={"l": 40, "r": 10, "t": 30, "b": 40},
    )
    return figure


def agreement_heatmap(matrix: AgreementMatrix) -> go.Figure:
    """Heatmap of pairwise agreement, each cell labelled with its value.

    Args:
        matrix: from :func:`explain.evaluation.agreement.agreement_matrix`.

    Returns:
        The figure: one heatmap trace, on ``[-1, 1]`` for Spearman and
        ``[0, 1]`` for top-k overlap; undefined cells read ``n/a``.
    """
    names = [_text(name) for name in matrix.names]
    spearman = matrix.measure == "spearman"
    values = [[None if math.isnan(v) else v for v in row] for row in matrix.values]
    title = (
        f"Spearman rank correlation ({matrix.ranking} scores)"
        if spearman
        else f"Top-{matrix.k} overlap ({matrix.ranking} scores)"
    )
    figure = go.Figure(
        go.Heatmap(
            z=values,
            x=names,
            y=names,
            zmin=-1.0 if spearman else 0.0,
            zmax=1.0,
            colorscale=DIVERGING if spearman else "Blues",
            text=[["n/a" if v is None else f"{v:.2f}" for v in row] for row in values],
            texttemplate="%{text}",
            hovertemplate="%{y} vs %{x}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(
        title=title,
        yaxis={"autorange": "reversed"},
        height=120 + 50 * len(names),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
    )
    return figure


def sanity_curve(check: SanityCheck) -> go.Figure:
    """Rank correlation with the trained explanation at each randomisation step.

    A method that passes the check falls towards 0 as the model is randomised.

    Args:
        check: from :func:`explain.evaluation.sanity.randomization_cascade`.

    Returns:
        The figure: two line traces over the steps, signed and absolute scores.
    """
    steps = [_text(step) for step in check.steps]
    figure = go.Figure()
    for values, name, color in (
        (check.correlations, "signed scores", PREDICTED),
        (check.absolute_correlations, "absolute scores", "rgba(120,120,120,0.9)"),
    ):
        figure.add_trace(
            go.Scatter(
                x=steps,
                y=[None if math.isnan(v) else v for v in values],
                mode="lines+markers",
                name=name,
                line={"color": color},
                hovertemplate="%{x}: %{y:.3f}<extra>" + name + "</extra>",
            )
        )
    figure.add_hline(y=0.0, line={"color": "rgba(128,128,128,0.6)", "dash": "dot"})
    figure.update_layout(
        title=f"Model randomisation: {_text(METHODS[check.method].title)}"
        if check.method in METHODS
        else f"Model randomisation: {_text(check.method)}",
        xaxis={"title": "re-initialised up to", "tickangle": -30},
        yaxis={"title": "Spearman correlation with trained", "range": [-1.05, 1.05]},
        height=380,
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
    )
    return figure
