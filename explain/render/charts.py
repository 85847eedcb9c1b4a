"""Plotly figures of attribution results. Each takes results and returns a figure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explain.core.results import Attribution
from explain.core.targets import MULTI_LABEL_THRESHOLD, predicted_set
from explain.render.highlight import MAGNITUDE_HUE, escape

if TYPE_CHECKING:
    from explain.methods.batch import TokenMean


def _text(value: str) -> str:
    """Escape a token or label for Plotly, which renders some HTML tags in its text."""
    return escape(value, quote=False)


# Captum's highlighting colours: red lowers the target, green raises it.
NEGATIVE = "hsl(0, 75%, 60%)"
POSITIVE = "hsl(120, 75%, 40%)"
DIVERGING = [[0.0, NEGATIVE], [0.5, "hsl(0, 0%, 97%)"], [1.0, POSITIVE]]
MAGNITUDE = [[0.0, "hsl(0, 0%, 97%)"], [1.0, f"hsl({MAGNITUDE_HUE}, 75%, 50%)"]]
PREDICTED = "#4393c3"


def token_labels(tokens: tuple[str, ...]) -> list[str]:
    """Escaped axis labels that stay distinct when a token repeats: ``"the"``, ``"the·2"``."""
    seen: dict[str, int] = {}
    labels = []
    for token in tokens:
        seen[token] = seen.get(token, 0) + 1
        labels.append(_text(token) if seen[token] == 1 else f"{_text(token)}·{seen[token]}")
    return labels


def labelled_axis(labels: Sequence[str], title: str) -> dict[str, object]:
    """An x axis with one slanted label per bar or column, for token and word charts."""
    return {
        "tickmode": "array",
        "tickvals": list(range(len(labels))),
        "ticktext": list(labels),
        "tickangle": -45,
        "title": title,
    }


def token_bar_chart(result: Attribution, normalized: bool = False) -> go.Figure:
    """Bar chart of token scores in token order, coloured by sign on a diverging scale.

    Args:
        result: the attribution to plot.
        normalized: plot scores divided by the largest magnitude instead of raw
            scores. Default: False

    Returns:
        The figure; hovering a bar shows the token, its exact raw and
        normalised scores, and its position. When the result carries
        ``score_errors``, each bar has an error bar of its estimated error
        (scaled like the bar when ``normalized``) and the hover shows it.
    """
    values = result.normalized_scores if normalized else result.scores
    errors = _scaled_errors(result, normalized)
    peak = max((abs(v) for v in values), default=0.0) or 1.0
    unit = "normalised" if normalized else output_unit(result)
    figure = go.Figure(
        go.Bar(
            x=list(range(len(values))),
            y=list(values),
            marker={
                "color": list(values),
                "colorscale": DIVERGING if result.signed else MAGNITUDE,
                "cmin": -peak if result.signed else 0.0,
                "cmax": peak,
                "line": {"color": "rgba(128,128,128,0.6)", "width": 1},
            },
            error_y=(
                {
                    "type": "data",
                    "array": list(errors),
                    "visible": True,
                    "color": "rgba(60,60,60,0.9)",
                    "thickness": 1.5,
                    "width": 4,
                }
                if errors
                else None
            ),
            customdata=[
                [_text(token), raw, norm, index, error]
                for index, (token, raw, norm, error) in enumerate(
                    zip(
                        result.tokens,
                        result.scores,
                        result.normalized_scores,
                        result.score_errors or (0.0,) * len(result.tokens),
                        strict=True,
                    )
                )
            ],
            hovertemplate="<b>%{customdata[0]}</b> (position %{customdata[3]})<br>"
            "score: %{customdata[1]:.6f}"
            + (" ± %{customdata[4]:.1e} (estimated error)" if errors else "")
            + "<br>normalised: %{customdata[2]:.4f}<extra></extra>",
        )
    )
    figure.update_layout(
        title=_bar_title(result, unit),
        xaxis=labelled_axis(token_labels(result.tokens), "token"),
        yaxis={
            "title": f"attribution ({unit})" if result.signed else f"importance ({unit})",
            "zeroline": True,
        },
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
        height=380,
        showlegend=False,
    )
    return figure


def output_unit(result: Attribution) -> str:
    """The explained output's name as a unit: "logit", "log-odds", "sigmoid probability"."""
    output = result.settings.output
    return "sigmoid probability" if output == "label_probability" else output.replace("_", "-")


def _bar_title(result: Attribution, unit: str) -> str:
    """The token chart's title: towards a label, or, for a regression head, the score."""
    towards = "the score" if result.head == "regression" else f"'{_text(result.target_label)}'"
    if result.signed:
        return f"Token attributions towards {towards} ({unit})"
    return f"Token importance for {towards} (unsigned, {unit})"


def _scaled_errors(result: Attribution, normalized: bool) -> tuple[float, ...]:
    """The result's error bars in the units of the plotted values; empty when it has none."""
    if not result.score_errors:
        return ()
    peak = max((abs(score) for score in result.scores), default=0.0)
    if not normalized:
        return result.score_errors
    return tuple(error / peak if peak > 0 else 0.0 for error in result.score_errors)


def probability_chart(result: Attribution, threshold: float = MULTI_LABEL_THRESHOLD) -> go.Figure:
    """Every label's predicted probability, the prediction highlighted, as the head defines them.

    A single-label head's bars are a softmax and sum to 1; the most probable
    label is highlighted. A multi-label head's bars are independent sigmoids
    (they need not sum to 1), with ``threshold`` drawn as a dashed line and
    every label at or above it highlighted. A regression head has one bar, its
    predicted "score", on an axis of its own (a score is no probability).

    Args:
        result: the attribution whose prediction to plot.
        threshold: a multi-label head's threshold. Default: 0.5

    Returns:
        The figure, one bar per label in index order.

    Raises:
        InputError: ``threshold`` is not strictly between 0 and 1.
    """
    if result.head == "regression":
        return _score_chart(result)
    chosen = set(predicted_set(result.probabilities, result.head, threshold))
    colors = [
        PREDICTED if index in chosen else "rgba(150,150,150,0.7)"
        for index in range(len(result.labels))
    ]
    multi = result.head == "multi_label"
    figure = go.Figure(
        go.Bar(
            x=list(result.probabilities),
            y=[_text(label) for label in result.labels],
            orientation="h",
            marker={"color": colors},
            text=[f"{p:.1%}" for p in result.probabilities],
            textposition="auto",
            hovertemplate="%{y}: %{x:.4f}" + (" (sigmoid)" if multi else "") + "<extra></extra>",
        )
    )
    if multi:
        figure.add_vline(
            x=threshold,
            line={"color": "rgba(60,60,60,0.9)", "dash": "dash", "width": 2},
            annotation={"text": f"threshold {threshold:.2f}", "font": {"size": 11}},
            annotation_position="top",
        )
    figure.update_layout(
        xaxis={
            "range": [0, 1],
            "title": (
                "probability, each candidate on its own (entailment against contradiction)"
                if multi and result.task == "zero-shot"
                else "sigmoid probability, each label on its own"
                if multi
                else "probability"
            ),
            "tickformat": ".0%",
        },
        yaxis={"autorange": "reversed"},
        margin={"l": 10, "r": 10, "t": 30 if multi else 10, "b": 40},
        height=(80 if multi else 60) + 40 * len(result.labels),
        showlegend=False,
    )
    return figure


def _score_chart(result: Attribution) -> go.Figure:
    """A regression head's predicted score, one bar from zero, named "score"."""
    score = result.probabilities[0]
    figure = go.Figure(
        go.Bar(
            x=[score],
            y=["score"],
            orientation="h",
            marker={"color": PREDICTED},
            text=[f"{score:.4g}"],
            textposition="auto",
            hovertemplate="score: %{x:.6f}<extra></extra>",
        )
    )
    reach = max(abs(score), 1e-9) * 1.15
    figure.update_layout(
        xaxis={"range": [min(0.0, -reach), max(0.0, reach)], "title": "predicted score"},
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        height=120,
        showlegend=False,
    )
    return figure


def label_token_heatmap(results: Sequence[Attribution]) -> go.Figure:
    """Labels × tokens: one row per explained label of the same text, on one colour scale.

    Each row is one attribution's raw scores; all rows must explain the same
    tokens with the same output kind, so their colours compare. The scale is
    diverging (red lowers, green raises) for signed scores and runs from 0
    for unsigned ones.

    Args:
        results: attributions of one text, one per label, in the order to show.

    Returns:
        The figure; hovering a cell shows the label, the token and its score.

    Raises:
        ValueError: no results, or results of different tokens or output kinds.
    """
    if not results:
        raise ValueError("label_token_heatmap needs at least one attribution.")
    first = results[0]
    if any(
        (r.tokens, r.settings.output, r.signed)
        != (first.tokens, first.settings.output, first.signed)
        for r in results
    ):
        raise ValueError(
            "label_token_heatmap compares labels of one text: every result needs the same "
            "tokens, output kind and signedness."
        )
    rows = [list(result.scores) for result in results]  # (labels, seq_len)
    peak = max((abs(value) for row in rows for value in row), default=0.0) or 1.0
    names = [
        f"{_text(result.target_label)} ({result.target_probability:.0%})" for result in results
    ]
    unit = output_unit(first)
    figure = go.Figure(
        go.Heatmap(
            z=rows,
            x=list(range(len(first.tokens))),
            y=names,
            colorscale=DIVERGING if first.signed else MAGNITUDE,
            zmin=-peak if first.signed else 0.0,
            zmax=peak,
            customdata=[[_text(token) for token in first.tokens] for _ in results],
            hovertemplate="%{y} · <b>%{customdata}</b>: %{z:.4f}<extra></extra>",
            colorbar={"title": {"text": unit}},
        )
    )
    figure.update_layout(
        title=f"Token attributions per label ({unit})",
        xaxis=labelled_axis(token_labels(first.tokens), "token"),
        yaxis={"autorange": "reversed"},
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        height=160 + 40 * len(results),
    )
    return figure


def mean_token_chart(means: Sequence[TokenMean]) -> go.Figure:
    """Horizontal bars of each label's tokens with the highest mean score, one panel per label.

    Args:
        means: from :func:`explain.methods.batch.mean_token_scores`.

    Returns:
        The figure; hovering a bar shows the exact mean and how many times
        the token occurred.
    """
    labels = list(dict.fromkeys(entry.label for entry in means))
    figure = make_subplots(
        rows=1,
        cols=max(1, len(labels)),
        subplot_titles=[_text(label) for label in labels],
        horizontal_spacing=0.12,
    )
    for column, label in enumerate(labels, start=1):
        entries = [entry for entry in means if entry.label == label][::-1]  # highest on top
        figure.add_trace(
            go.Bar(
                x=[entry.mean for entry in entries],
                y=[f"{_text(entry.token)} " for entry in entries],
                orientation="h",
                marker={"color": [POSITIVE if e.mean >= 0 else NEGATIVE for e in entries]},
                customdata=[[_text(entry.token), entry.count] for entry in entries],
                hovertemplate="%{customdata[0]}: mean %{x:.4g} over %{customdata[1]} "
                "occurrences<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=column,
        )
    figure.update_layout(
        height=80 + 24 * max((sum(e.label == label for e in means) for label in labels), default=1),
        margin={"l": 10, "r": 10, "t": 40, "b": 30},
    )
    figure.update_xaxes(title_text="mean score", zeroline=True)
    return figure
