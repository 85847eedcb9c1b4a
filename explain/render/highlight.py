"""Captum's token highlighting as an HTML string, with every string escaped.

Captum 0.9's ``visualize_text`` needs IPython, calls ``display()``, escapes no
token or label (captum #1226) and writes ``<tr>`` where ``</tr>`` belongs. This
module fills Captum's ``VisualizationDataRecord`` correctly and renders it with
Captum's own cell formatters, after escaping each string itself.
"""

from __future__ import annotations

import html

import torch
from captum.attr import visualization as captum_viz

from explain.core.results import Attribution

COLUMN_WIDTHS = (9, 16, 16, 10, 49)  # true, predicted, explained label, sum, tokens
MAGNITUDE_HUE = 210  # blue, for unsigned scores


def escape(text: object, quote: bool = True) -> str:
    """HTML-escape any value; ``quote`` also escapes quotes, for attribute values.

    Default: True
    """
    return html.escape(str(text), quote=quote)


def score_color(value: float, signed: bool = True) -> str:
    """The background colour of a normalised score, on Captum's highlighting scale.

    As in Captum's ``visualize_text``: the value is clipped to [-1, 1];
    positive values are green, ``hsl(120, 75%, 100 - int(50 * value)%)``, and
    the rest red, ``hsl(0, 75%, 100 - int(40 * -value)%)``. Unsigned values
    use a blue of the same lightness instead of green.

    Args:
        value: the normalised score.
        signed: whether the score has a direction. Default: True

    Returns:
        A CSS ``hsl()`` colour.
    """
    value = max(-1.0, min(1.0, value))
    if value > 0:
        return f"hsl({120 if signed else MAGNITUDE_HUE}, 75%, {100 - int(50 * value)}%)"
    return f"hsl(0, 75%, {100 - int(-40 * value)}%)"


def legend_html(signed: bool) -> str:
    """Swatches explaining the colours, in Captum's legend style."""
    entries = (
        ((-1.0, "Lowers the target"), (0.0, "Neutral"), (1.0, "Raises the target"))
        if signed
        else ((0.0, "No effect"), (1.0, "Strong effect, either way"))
    )
    swatches = "".join(
        f'<span style="display:inline-block;width:10px;height:10px;border:1px solid;'
        f'background-color:{score_color(value, signed)}"></span> {name} &nbsp;'
        for value, name in entries
    )
    return f'<div style="margin-bottom:5px"><b>Legend: </b>{swatches}</div>'


def visualization_record(result: Attribution) -> captum_viz.VisualizationDataRecord:
    """Captum's record for ``result``, with its eight fields in Captum's order.

    ``true_class`` is unknown for a typed sentence, so it is ``"n/a"``;
    ``attr_class`` is the label being explained, not the sentence; and
    ``attr_score`` is the sum of the raw attributions. Strings are escaped.

    Args:
        result: the attribution to describe.

    Returns:
        Captum's ``VisualizationDataRecord``.
    """
    return captum_viz.VisualizationDataRecord(
        word_attributions=torch.tensor(result.normalized_scores),
        pred_prob=result.probabilities[result.predicted_index],
        pred_class=escape(result.predicted_label),
        true_class="n/a",
        attr_class=escape(result.target_label),
        attr_score=result.attribution_sum,
        raw_input_ids=[escape(token) for token in result.tokens],
        convergence_score=result.delta,
    )


def highlight_html(result: Attribution, legend: bool = True) -> str:
    """Render ``result`` as Captum's highlighted-token table.

    Green tokens raised the target output, red ones lowered it; the colour's
    strength is the token's score divided by the largest magnitude. Unsigned
    scores (saliency, attention) are blue: darker mattered more, either way.

    Args:
        result: the attribution to render.
        legend: add Captum's colour legend. Default: True

    Returns:
        A self-contained HTML fragment, safe to embed.
    """
    record = visualization_record(result)
    header = "".join(
        f"<th>{name}</th>"
        for name in (
            "True",
            "Predicted",
            "Explained label",
            "Sum",
            "Token importance",
        )
    )
    row = "".join(
        [
            captum_viz.format_classname(record.true_class),
            captum_viz.format_classname(f"{record.pred_class} ({record.pred_prob:.2f})"),
            captum_viz.format_classname(record.attr_class),
            captum_viz.format_classname(f"{record.attr_score:+.2f}"),
            (
                captum_viz.format_word_importances(record.raw_input_ids, record.word_attributions)
                if result.signed
                else _unsigned_marks(record.raw_input_ids, result.normalized_scores)
            ),
        ]
    )
    # Captum pads each label cell by 2em, a third of a narrow column. The quoted
    # attribute cannot occur in escaped text, whose quotes are entities.
    row = row.replace('style="padding-right:2em"', 'style="padding-right:0.3em"')
    parts = ['<div class="tokenlight-highlight">']
    if legend:
        parts.append(legend_html(result.signed))
    # Fixed widths keep the token column wide, however long a label is.
    columns = "".join(f'<col style="width:{width}%">' for width in COLUMN_WIDTHS)
    parts.append(
        '<table style="width:100%;table-layout:fixed;overflow-wrap:break-word">'
        f"<colgroup>{columns}</colgroup><tr>{header}</tr><tr>{row}</tr></table></div>"
    )
    return "".join(parts)


def _unsigned_marks(tokens: list[str], values: tuple[float, ...]) -> str:
    """Captum's token cell, coloured on the unsigned (blue) scale; ``tokens`` are escaped."""
    marks = "".join(
        f'<mark style="background-color: {score_color(value, signed=False)}; opacity:1.0; '
        f'line-height:1.75"><font color="black"> {captum_viz.format_special_tokens(token)} '
        "</font></mark>"
        for token, value in zip(tokens, values, strict=True)
    )
    return f"<td>{marks}</td>"
