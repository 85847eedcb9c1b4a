"""Export attributions as JSON, CSV or a standalone HTML report.

Every export carries the settings, the checkpoint and the library versions, so
a result can be reproduced. The HTML report embeds plotly.js, so it opens
offline with no CDN, and every token, label and the text are escaped.
"""

from __future__ import annotations

import csv
import io
import json
import platform
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import plotly.io as pio

from explain.core.errors import InputError
from explain.core.results import Attribution, AttributionSettings
from explain.core.targets import MULTI_LABEL_THRESHOLD, check_threshold
from explain.core.task_results import (
    DEFAULT_TASK,
    TASK_FIELDS,
    QuestionAnsweringInfo,
    TokenClassificationInfo,
    ZeroShotInfo,
    task_info_from_fields,
)
from explain.evaluation.completeness import completeness
from explain.render.charts import probability_chart, token_bar_chart
from explain.render.highlight import escape, highlight_html

FORMAT_VERSION = 1
PACKAGES = ("torch", "transformers", "captum", "tokenizers", "streamlit", "plotly")
CSV_COLUMNS = (
    "sentence", "position", "token", "token_id", "special", "start", "end", "score",
    "normalized_score", "predicted_label", "target_label", "output", "f_input", "f_baseline",
    "delta", "checkpoint", "method", "baseline", "n_steps", "integration", "device", "versions",
    "segment", "contrast_label", "options", "auto_steps", "tolerance", "predicted_labels", "long",
    "stride", "windows", "completeness", "task", "task_info",
)  # fmt: skip


def task_facts(result: Attribution) -> list[tuple[str, str]]:
    """What a task's result predicted and explained, in words: ``(name, value)`` rows.

    Empty for a sequence classifier's result.
    """
    info = result.task_info
    if isinstance(info, TokenClassificationInfo):
        entities = "; ".join(
            f"{entity.word!r} {entity.label} ({entity.score:.3f}, characters "
            f"{entity.start}-{entity.end})"
            for entity in info.entities
        )
        span = result.text[info.start : info.end]
        return [
            ("Task", result.task),
            ("Entities", entities or "none (every token is O)"),
            ("Explained span", f"{span!r}, characters {info.start}-{info.end}, as {info.label}"),
        ]
    if isinstance(info, ZeroShotInfo):
        candidates = "; ".join(
            f"{label} {probability:.3f}"
            for label, probability in zip(
                info.candidate_labels, info.candidate_probabilities, strict=True
            )
        )
        mode = "each on its own" if info.multi_label else "against each other"
        return [
            ("Task", result.task),
            ("Candidates", f"{candidates} ({mode})"),
            ("Hypothesis template", info.hypothesis_template),
            (
                "Attributed",
                "the text and the candidate's hypothesis"
                if info.with_hypothesis
                else "the text (the hypotheses are held as they are)",
            ),
        ]
    if isinstance(info, QuestionAnsweringInfo):
        answer = info.answer
        return [
            ("Task", result.task),
            ("Question", info.question),
            (
                "Answer",
                f"{answer.text!r}, characters {answer.start}-{answer.end} of the context, "
                f"score {answer.score:.4f}",
            ),
            ("Explained", f"the answer's {info.explained}"),
        ]
    return []


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries a result depends on."""
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def to_json(results: Sequence[Attribution], threshold: float = MULTI_LABEL_THRESHOLD) -> str:
    """Serialise results, with the library versions, as JSON (read back with :func:`from_json`).

    Args:
        results: the attributions.
        threshold: a multi-label head's threshold: each result's
            ``"predicted_labels"`` are its labels at or above it. Default: 0.5

    Raises:
        InputError: ``threshold`` is not strictly between 0 and 1.
    """
    check_threshold(threshold)
    document = {
        "format": "tokenlight-attributions",
        "format_version": FORMAT_VERSION,
        "versions": library_versions(),
        "results": [result_dict(result, threshold) for result in results],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)


def result_dict(result: Attribution, threshold: float = MULTI_LABEL_THRESHOLD) -> dict[str, object]:
    """One result as an export writes it: its fields, derived labels and completeness verdict.

    Args:
        result: the attribution.
        threshold: a multi-label head's threshold. Default: 0.5
    """
    return {**result.to_dict(threshold), "completeness": completeness(result).to_dict()}


DERIVED = (
    "predicted_label",
    "predicted_labels",
    "target_label",
    "threshold",
    "completeness",
)  # derived from the fields: written, not read back


def _tuples(value: object) -> object:
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


def from_json(text: str) -> list[Attribution]:
    """Read results written by :func:`to_json`.

    Raises:
        InputError: the text is not a Tokenlight export.
    """
    document = json.loads(text)
    if not isinstance(document, dict) or document.get("format") != "tokenlight-attributions":
        raise InputError("This JSON is not a Tokenlight export (no 'tokenlight-attributions').")
    results = []
    try:
        for data in document["results"]:
            fields: dict[str, Any] = {
                key: _tuples(value)
                for key, value in data.items()
                if key not in DERIVED and key not in TASK_FIELDS
            }
            fields["task_info"] = task_info_from_fields(fields.get("task", DEFAULT_TASK), data)
            fields["settings"] = AttributionSettings(**data["settings"])
            results.append(Attribution(**fields))
    except (KeyError, TypeError, AttributeError) as error:
        raise InputError(f"This Tokenlight export is incomplete or damaged: {error!r}.") from error
    return results


def spreadsheet_safe(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``)."""
    return "'" + text if len(text) > 1 and text[0] in "=+-@\t\r" else text


def to_csv(results: Sequence[Attribution], threshold: float = MULTI_LABEL_THRESHOLD) -> str:
    """One row per token of each result, with the settings and versions on every row.

    Tokens, labels and the checkpoint pass through :func:`spreadsheet_safe`.
    ``predicted_labels`` holds the predicted label set, joined by ``"; "``:
    for a multi-label head, every label at or above ``threshold``; ``completeness``
    the result's completeness verdict as a JSON object (level, message, figures);
    ``task`` the result's task and ``task_info`` what a task other than sequence
    classification predicted and explained, in words (:func:`task_facts`).

    Raises:
        InputError: ``threshold`` is not strictly between 0 and 1.
    """
    check_threshold(threshold)
    versions = json.dumps(library_versions(), sort_keys=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for sentence, result in enumerate(results):
        settings = result.settings
        # Everything else that decides the result: method and baseline options.
        options = json.dumps(
            dict(settings.options) | dict(settings.baseline_options), sort_keys=True
        )
        contrast = "" if settings.contrast is None else spreadsheet_safe(contrast_label(result))
        predicted = spreadsheet_safe("; ".join(result.predicted_labels_at(threshold)))
        verdict = json.dumps(completeness(result).to_dict(), sort_keys=True, allow_nan=False)
        facts = task_facts(result)
        task_info = spreadsheet_safe("; ".join(f"{name}: {value}" for name, value in facts[1:]))
        for position, token in enumerate(result.tokens):
            start, end = result.offsets[position]
            writer.writerow(
                (
                    sentence, position, spreadsheet_safe(token), result.token_ids[position],
                    result.special_tokens[position], start, end, result.scores[position],
                    result.normalized_scores[position], spreadsheet_safe(result.predicted_label),
                    spreadsheet_safe(result.target_label), settings.output, result.f_input,
                    result.f_baseline, result.delta, spreadsheet_safe(settings.checkpoint),
                    settings.method, settings.baseline,
                    settings.n_steps, settings.integration, settings.device, versions,
                    result.segments[position] if result.segments else 0, contrast, options,
                    settings.auto_steps, settings.tolerance, predicted, settings.long,
                    settings.stride, result.windows, verdict, result.task, task_info,
                )
            )  # fmt: skip
    return buffer.getvalue()


def contrast_label(result: Attribution) -> str:
    """The name of the label a contrastive result compares its target with."""
    contrast = result.settings.contrast
    if isinstance(contrast, int) and not isinstance(contrast, bool):
        return result.labels[contrast]
    return str(contrast)


def predicted_text(result: Attribution, threshold: float = MULTI_LABEL_THRESHOLD) -> str:
    """The prediction in words: the label and its probability, the label set, or the score."""
    if result.head == "regression":
        return f"score {result.probabilities[0]:.6f}"
    if result.head == "multi_label":
        chosen = ", ".join(result.predicted_labels_at(threshold))
        return f"{chosen or 'no label'} (sigmoid probability at or above {threshold})"
    return f"{result.predicted_label} ({result.probabilities[result.predicted_index]:.3f})"


def _table(rows: Sequence[tuple[str, object]]) -> str:
    cells = "".join(
        f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>" for name, value in rows
    )
    return f'<table class="facts">{cells}</table>'


def _number(value: float | None, spec: str) -> str:
    """``value`` formatted, or "not defined for this method" when it is None."""
    return "not defined for this method" if value is None else format(value, spec)


def html_report(results: Sequence[Attribution], title: str = "Tokenlight report") -> str:
    """A standalone HTML page of the results: highlighting, charts, numbers and settings.

    It embeds plotly.js once (about 4.8 MB), so it opens offline.
    """
    sections = []
    for index, result in enumerate(results):
        figures = [token_bar_chart(result), probability_chart(result)]
        charts = "".join(
            pio.to_html(
                figure,
                include_plotlyjs=(index == 0 and position == 0),
                full_html=False,
                config={"displaylogo": False},
            )
            for position, figure in enumerate(figures)
        )
        settings = result.settings
        verdict = completeness(result)
        steps = f"{settings.n_steps} ({settings.integration})" if settings.n_steps else "n/a"
        extra_target = [
            *([("Compared with", contrast_label(result))] if settings.contrast is not None else []),
            *([("Second text", result.text_pair)] if result.text_pair is not None else []),
        ]
        auto = [
            *([("Auto steps", "on")] if settings.auto_steps else []),
            *(
                [("Delta tolerance", str(settings.tolerance))]
                if settings.tolerance is not None
                else []
            ),
        ]
        windows = (
            [
                (
                    "Windows",
                    f"{result.windows} of {result.max_length} tokens, stride {settings.stride}",
                )
            ]
            if settings.long == "windows"
            else []
        )
        facts = _table(
            [
                *task_facts(result),
                ("Predicted", predicted_text(result)),
                ("Explained label", result.target_label),
                ("Output", settings.output),
                *extra_target,
                ("F(input)", f"{result.f_input:.6f}"),
                ("F(baseline)", _number(result.f_baseline, ".6f")),
                ("Sum of attributions", f"{result.attribution_sum:.6f}"),
                ("Convergence delta", _number(result.delta, "+.3e")),
                ("Completeness", f"{verdict.level}: {verdict.message}"),
                ("Tokens dropped by truncation", result.tokens_dropped),
                *windows,
                ("Checkpoint", settings.checkpoint),
                ("Method", settings.method),
                ("Baseline", settings.baseline or "none"),
                ("Steps", steps),
                *((name, value) for name, value in settings.options),
                *((name, value) for name, value in settings.baseline_options),
                *auto,
                ("Device", settings.device),
                ("Seconds", f"{result.seconds:.3f}"),
            ]
        )  # fmt: skip
        sections.append(
            f"<section><h2>{escape(result.text)}</h2>{highlight_html(result)}{charts}{facts}</section>"
        )
    versions = _table(sorted(library_versions().items()))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table.facts{border-collapse:collapse;margin:1em 0}"
        "table.facts th,table.facts td{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
        "section{border-top:2px solid #ddd;margin-top:2em}</style></head><body>"
        f"<h1>{escape(title)}</h1>{''.join(sections)}<h2>Library versions</h2>{versions}"
        "</body></html>"
    )
