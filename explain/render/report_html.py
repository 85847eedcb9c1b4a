"""The dataset report as one self-contained HTML page (plotly.js embedded once)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.io as pio

from explain.core.report_results import DatasetReport
from explain.core.task_results import DEFAULT_TASK
from explain.render.highlight import escape
from explain.render.report_figures import confusion_heatmap, shortcut_chart, word_chart

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #555; }
"""


def _number(value: float | None, spec: str = ".4f") -> str:
    return "–" if value is None else format(value, spec)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: int = 1) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{cell}</td>' if index >= numeric else f"<td>{cell}</td>"
            for index, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(figure: go.Figure, first: bool) -> str:
    return str(
        pio.to_html(figure, include_plotlyjs=first, full_html=False, config={"displaylogo": False})
    )


def report_html(report: DatasetReport, title: str = "Tokenlight dataset report") -> str:
    """A standalone HTML page of the report: charts and tables of every section.

    It embeds plotly.js once (about 4.8 MB), so it opens offline.

    Args:
        report: the report.
        title: the page title. Default: ``"Tokenlight dataset report"``

    Returns:
        The page.
    """
    figures: list[go.Figure] = []
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="note">{report.ok_rows} explained row(s) of {report.rows} read from '
        f"<code>{escape(report.directory)}</code>; checkpoint <code>"
        f"{escape(report.checkpoint)}</code>, method <code>{escape(report.method)}</code>"
        + ("" if report.task == DEFAULT_TASK else f", task <code>{escape(report.task)}</code>")
        + ". "
        f"Words are compared lowercased; a word is listed when at least {report.min_count} "
        f"row(s) hold it, at most {report.top} per table.</p>",
    ]
    sections: list[tuple[str, go.Figure | None, str]] = []
    for label, stats in report.labels.items():
        table = _table(
            ["word", "rows", "mean score", "95 % interval", "share"],
            [
                [
                    escape(s.word),
                    str(s.count),
                    _number(s.mean_score),
                    f"{_number(s.ci_low)} – {_number(s.ci_high)}",
                    _number(s.share, ".2%"),
                ]
                for s in stats
            ],
        )
        chart = word_chart(label, stats) if stats else None
        sections.append((f"Words towards {escape(label)}", chart, table))
    confirmed = any(s.confirmed for s in report.shortcuts)
    header = ["word", "label", "score", "rows", "reliance", "association"]
    if confirmed:
        header += ["flip rate", "probability drop", "texts checked"]
    shortcut_rows = [
        [
            escape(s.word),
            escape(s.label),
            _number(s.score, ".3f"),
            str(s.count),
            _number(s.reliance),
            _number(s.association),
            *(
                [_number(s.flip_rate, ".1%"), _number(s.mean_probability_drop), str(s.sampled)]
                if confirmed
                else []
            ),
        ]
        for s in report.shortcuts
    ]
    sections.append(
        (
            "Shortcut candidates",
            shortcut_chart(report.shortcuts) if report.shortcuts else None,
            _table(header, shortcut_rows, numeric=2),
        )
    )
    cluster_rows = [
        [
            str(c.index),
            str(c.size),
            escape(", ".join(c.top_words)),
            "<br>".join(escape(t.text[:300]) for t in c.texts),
        ]
        for c in report.clusters
    ]
    sections.append(
        (
            f"Salience clusters (fitted on {report.cluster_rows} row(s))",
            None,
            _table(["cluster", "rows", "top words", "examples"], cluster_rows, numeric=1),
        )
    )
    if report.errors is not None:
        error_rows = [
            [
                escape(w.word),
                escape(w.gold_label),
                escape(w.predicted_label),
                str(w.count),
                _number(w.wrong_rate, ".1%"),
                _number(w.right_rate, ".1%"),
                _number(w.lift, ".2f"),
            ]
            for w in report.errors.words
        ]
        sections.append(
            (
                f"Errors: accuracy {report.errors.accuracy:.1%}",
                confusion_heatmap(report.errors),
                _table(
                    ["word", "gold", "predicted", "wrong rows", "in wrong", "in right", "lift"],
                    error_rows,
                    numeric=3,
                ),
            )
        )
    for heading, chart, table in sections:
        parts.append(f"<h2>{heading}</h2>")
        if chart is not None:
            parts.append(_figure(chart, first=not figures))
            figures.append(chart)
        parts.append(table)
    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )
