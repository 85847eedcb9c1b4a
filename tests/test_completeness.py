"""One completeness verdict, carried by the page, the CLI, the exports and the service."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import explain
from explain.evaluation.completeness import LARGE_DELTA, Completeness, completeness
from explain.io import export
from explain.io.cli import main
from explain.io.notebook import to_notebook
from explain.serve.compute import Outcome, answer, explain_requests
from explain.serve.requests import parse_request

LEVELS = {"ok", "large_delta", "warning", "no_change", "not_defined"}
NOT_CONVERGED = "Even with 500 steps, the most allowed, |delta| is 9 % of |F(input) - F(baseline)|."


@pytest.fixture(scope="module")
def result(tiny_model: explain.LoadedModel) -> explain.Attribution:
    return explain.attribute(tiny_model, "the movie was great", n_steps=8)


def with_figures(
    result: explain.Attribution, f_input: float, f_baseline: float, delta: float
) -> explain.Attribution:
    """``result`` with other completeness figures; the scores are left as they are."""
    return replace(result, f_input=f_input, f_baseline=f_baseline, delta=delta)


def test_scores_that_add_up_are_ok(result: explain.Attribution) -> None:
    verdict = completeness(with_figures(result, 0.8, 0.3, 0.001))
    assert verdict.level == "ok"
    assert verdict.relative_delta == pytest.approx(0.002, rel=1e-9)
    assert verdict.output_change == pytest.approx(0.5, rel=1e-9)
    assert "0.20%" in verdict.message
    assert verdict.method_warning is None


def test_a_large_delta_is_flagged(result: explain.Attribution) -> None:
    verdict = completeness(with_figures(result, 0.8, 0.3, -0.1))
    assert verdict.level == "large_delta"
    assert verdict.relative_delta == pytest.approx(0.2, rel=1e-9)
    assert "20.0% of F(input) - F(baseline)" in verdict.message
    assert "raise the steps" in verdict.message


def test_the_threshold_is_the_callers(result: explain.Attribution) -> None:
    at_the_threshold = with_figures(result, 0.8, 0.3, 0.5 * LARGE_DELTA)
    assert completeness(at_the_threshold).level == "ok"
    assert completeness(at_the_threshold, large_delta=0.01).level == "large_delta"
    assert completeness(at_the_threshold, large_delta=0.01).large_delta == 0.01


def test_the_methods_own_warning_comes_before_the_delta(result: explain.Attribution) -> None:
    warned = replace(with_figures(result, 0.8, 0.3, 0.2), completeness_warning=NOT_CONVERGED)
    verdict = completeness(warned)
    assert verdict.level == "warning"
    assert verdict.message == NOT_CONVERGED
    assert verdict.method_warning == NOT_CONVERGED


def test_an_unchanged_output_has_nothing_to_attribute(result: explain.Attribution) -> None:
    same = replace(with_figures(result, 0.5, 0.5, 0.001), completeness_warning=NOT_CONVERGED)
    verdict = completeness(same)
    assert verdict.level == "no_change"
    assert "nothing to attribute" in verdict.message
    assert verdict.method_warning == NOT_CONVERGED  # the page shows it too
    assert verdict.relative_delta == float("inf")
    assert verdict.to_dict()["relative_delta"] is None  # JSON has no infinity
    json.dumps(verdict.to_dict(), allow_nan=False)


def test_a_method_without_a_delta_has_nothing_to_check(tiny_model: explain.LoadedModel) -> None:
    verdict = completeness(explain.attribute(tiny_model, "the movie was great", "saliency"))
    assert verdict.level == "not_defined"
    assert verdict.message.startswith("Saliency")
    assert "does not promise" in verdict.message
    assert (verdict.delta, verdict.output_change, verdict.relative_delta) == (None, None, None)


def test_the_verdict_is_frozen(result: explain.Attribution) -> None:
    verdict = completeness(result)
    assert isinstance(verdict, Completeness)
    with pytest.raises(AttributeError):
        verdict.level = "ok"  # type: ignore[misc]


def test_the_cli_json_carries_the_verdict(tiny_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    code = main(["the movie was great", "--checkpoint", str(tiny_dir), "--out", str(out)])
    assert code == 0
    document = json.loads(out.read_text())
    (written,) = document["results"]
    (read,) = export.from_json(out.read_text())  # the verdict is written, not read back
    assert written["completeness"] == completeness(read).to_dict()
    assert written["completeness"]["level"] in LEVELS
    assert written["completeness"]["message"]


def test_csv_html_and_notebook_carry_the_verdict(result: explain.Attribution) -> None:
    expected = completeness(result)
    rows = list(csv.DictReader(io.StringIO(export.to_csv([result]))))
    assert {row["completeness"] for row in rows} == {json.dumps(expected.to_dict(), sort_keys=True)}
    assert explain.escape(expected.message) in export.html_report([result])
    notebook = json.loads(to_notebook(result))
    assert notebook["metadata"]["completeness"] == expected.to_dict()
    assert expected.message in notebook["cells"][0]["source"]


def test_the_service_answer_carries_the_verdict(tiny_model: explain.LoadedModel) -> None:
    body = json.dumps({"text": "the movie was great", "checkpoint": tiny_model.name})
    (outcome,) = explain_requests(tiny_model, [parse_request(body.encode())])
    assert outcome.result is not None
    document = answer(outcome)
    assert document["batch_size"] == 1
    (served,) = document["results"]  # type: ignore[misc]
    assert served["completeness"] == completeness(outcome.result).to_dict()
    with pytest.raises(ValueError, match="error"):
        answer(Outcome(None, 1, "refused", 400))


def test_the_page_shows_the_verdict(app: AppTest) -> None:
    app.selectbox(key="method").select("saliency").run()
    app.button(key="run").click().run()
    assert not app.exception
    assert any("does not promise" in info.value for info in app.info)
