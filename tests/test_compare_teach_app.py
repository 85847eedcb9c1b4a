"""The "Compare & teach" section, run headless with Streamlit's AppTest on a tiny checkpoint.

``compare_teach_page.py`` renders the section alone for a Layer IG request
with 8 steps; reference numbers come from the same checkpoint (``tiny_model``)
through the backend.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import explain
from explain.evaluation.agreement import spearman
from explain.views.conductance import AllLayerConductance
from tests.apphelpers import open_page
from tests.tolerances import float32_model_tolerance

PAGE = str(Path(__file__).resolve().parent / "compare_teach_page.py")
TEXT = "The movie was not very good, but the ride was smooth!"


@pytest.fixture
def page(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The section alone, run once, with the tiny checkpoint preselected."""
    return open_page(tiny_dir, monkeypatch, page=PAGE)


def charts(at: AppTest) -> dict[str, dict]:
    """The page's Plotly figures, by the key they were given."""
    return {
        chart.proto.id.split("-", 2)[2]: json.loads(chart.proto.spec)
        for chart in at.get("plotly_chart")
    }


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The one dataframe on the page with a column named ``column``."""
    (found,) = [frame.value for frame in at.dataframe if column in frame.value.columns]
    return found


def choose(at: AppTest, view: str) -> AppTest:
    """Pick a view and check it rendered cleanly, with its plain-language note."""
    at.segmented_control(key="teach_view").set_value(view).run()
    assert not at.exception
    assert not at.error, [error.value for error in at.error]
    assert [expander.label for expander in at.expander] == ["What am I looking at?"]
    return at


def test_nothing_is_computed_until_a_view_is_chosen(page: AppTest) -> None:
    control = page.segmented_control(key="teach_view")
    assert control.value is None
    assert control.options == [
        "Integration path",
        "Baseline sensitivity",
        "Method comparison",
        "Faithfulness",
        "Sanity check",
        "Layers",
        "Attention",
        "Counterfactuals",
        "Two checkpoints",
    ]
    assert control.help
    assert not page.get("plotly_chart")
    assert not page.expander


def test_integration_path_view(page: AppTest, tiny_model: explain.LoadedModel) -> None:
    choose(page, "path")
    page.slider(key="path_points").set_value(5).run()
    page.slider(key="path_alpha").set_value(0.0).run()
    assert not page.exception
    figures = charts(page)
    assert {"path_probabilities", "path_gradients", "path_curve"} <= set(figures)
    assert "α = 0.00" in figures["path_gradients"]["layout"]["title"]["text"]
    assert figures["path_curve"]["data"][0]["x"] == [0.0, 0.25, 0.5, 0.75, 1.0]
    reference = explain.attribute(tiny_model, TEXT, baseline="pad", n_steps=8)
    # The view runs the path's points in one batch, the reference the ends apart: float32
    # rounding apart, so compared as numbers, to the four decimals shown plus that rounding.
    outputs = float32_model_tolerance(reference.f_input, reference.f_baseline)
    metrics = {metric.label: float(metric.value) for metric in page.metric}
    assert metrics["F(baseline)"] == pytest.approx(reference.f_baseline, abs=5e-5 + outputs)
    assert metrics["F(input)"] == pytest.approx(reference.f_input, abs=5e-5 + outputs)
    at_baseline = figures["path_probabilities"]["data"][0]["x"]
    assert at_baseline[reference.target_index] == pytest.approx(reference.f_baseline, abs=outputs)
    assert "path_convergence" not in figures  # it waits for its button

    page.select_slider(key="path_max_steps").set_value(8).run()
    page.button(key="path_convergence_run").click().run()
    assert not page.exception
    convergence = charts(page)["path_convergence"]
    assert [trace["name"] for trace in convergence["data"]] == [
        "Riemann, trapezoid",
        "Gauss-Legendre",
    ]
    assert convergence["data"][0]["x"] == [2, 4, 8]
    assert convergence["data"][1]["x"] == [1, 2, 4, 8]
    terms = (reference.f_input, reference.f_baseline, sum(map(abs, reference.scores)))
    assert convergence["data"][1]["y"][-1] == pytest.approx(
        abs(reference.delta),
        abs=float32_model_tolerance(*terms),  # a difference of sums
    )
    page.slider(key="path_alpha").set_value(1.0).run()
    assert "path_convergence" in charts(page)  # the result stays through other changes
    page.multiselect(key="path_rules").set_value([]).run()
    assert not page.exception
    assert any("at least one integration rule" in info.value for info in page.info)


def test_baseline_sensitivity_view(page: AppTest, tiny_model: explain.LoadedModel) -> None:
    choose(page, "baselines")
    assert page.multiselect(key="baselines_chosen").value == ["pad", "mask", "zero"]
    shown = table(page, "F(baseline)")
    assert list(shown["baseline"]) == ["pad", "mask", "zero"]
    results = {
        name: explain.attribute(tiny_model, TEXT, baseline=name, n_steps=8)
        for name in ("pad", "mask", "zero")
    }
    for row in shown.itertuples(index=False):
        assert row[1] == pytest.approx(results[row[0]].f_baseline, abs=1e-5)
    figures = charts(page)
    for name in ("pad", "mask", "zero"):
        assert figures[f"baselines_chart_{name}"]["data"][0]["y"] == pytest.approx(
            results[name].scores, abs=1e-5
        )
    cell = figures["baselines_agreement_spearman"]["data"][0]["z"][0][2]  # pad vs zero
    assert cell == pytest.approx(spearman(results["pad"], results["zero"]), abs=1e-9)
    assert "baselines_agreement_top_k" in figures

    page.multiselect(key="baselines_chosen").set_value(["pad"]).run()
    assert not page.exception
    assert any("at least two" in info.value for info in page.info)
    assert "baselines_agreement_spearman" not in charts(page)


def test_method_comparison_view(page: AppTest) -> None:
    choose(page, "methods")
    chosen = page.multiselect(key="compare_methods").value
    assert chosen[0] == explain.DEFAULT_METHOD
    assert len(chosen) == 3
    assert all(not explain.METHODS[name].settings for name in chosen[1:])
    titles = [explain.METHODS[name].title for name in chosen]
    assert list(table(page, "signed")["method"]) == titles
    figures = charts(page)
    for title in titles:
        peak = max(abs(value) for value in figures[f"compare_chart_{title}"]["data"][0]["y"])
        assert peak == pytest.approx(1.0)  # normalised, so different units compare
    spearman_cells = figures["compare_agreement_spearman"]["data"][0]["z"]
    assert [spearman_cells[i][i] for i in range(3)] == [1.0, 1.0, 1.0]
    assert figures["compare_agreement_top_k"]["data"][0]["zmin"] == 0.0

    page.radio(key="compare_ranking").set_value("absolute").run()
    assert not page.exception
    assert "absolute" in charts(page)["compare_agreement_spearman"]["layout"]["title"]["text"]


def test_faithfulness_view(page: AppTest) -> None:
    choose(page, "faithfulness")
    figures = charts(page)
    assert {"faith_bars", "faith_curves"} <= set(figures)
    ranking = table(page, "rank")
    chosen = page.multiselect(key="faith_methods").value
    assert sorted(ranking["method"]) == sorted(explain.METHODS[name].title for name in chosen)
    assert list(ranking["rank"]) == [1, 2, 3]
    assert list(ranking["score"]) == sorted(ranking["score"], reverse=True)
    assert {"comprehensiveness 10%", "sufficiency 50%", "deletion AOPC"} <= set(ranking.columns)
    assert len(figures["faith_curves"]["data"]) == 2 * len(chosen)


def test_sanity_check_view(page: AppTest) -> None:
    choose(page, "sanity")
    assert "sanity_curve" not in charts(page)  # it waits for its button
    page.button(key="sanity_run").click().run()
    assert not page.exception
    assert "sanity_curve" in charts(page)
    steps = table(page, "re-initialised up to")
    assert list(steps["re-initialised up to"]) == [
        "trained",
        "classifier head",
        "layer 2",
        "layer 1",
    ]
    assert steps["Spearman (signed)"].iloc[0] == pytest.approx(1.0)
    assert len(page.success) + len(page.warning) == 1
    page.checkbox(key="sanity_embeddings").check().run()
    assert "sanity_curve" not in charts(page)  # a new setting waits for the button again
    page.button(key="sanity_run").click().run()
    assert list(table(page, "re-initialised up to")["re-initialised up to"])[-1] == "embeddings"


def test_layers_view(page: AppTest, tiny_model: explain.LoadedModel) -> None:
    choose(page, "layers")
    page.number_input(key="layers_steps").set_value(10).run()
    assert not page.exception
    reference = AllLayerConductance(tiny_model).attribute(TEXT, baseline="pad", n_steps=10)
    heatmap = charts(page)["layers_heatmap"]["data"][0]["z"]
    assert len(heatmap) == 3  # embeddings and two layers
    for shown, expected in zip(heatmap, reference.scores, strict=True):
        assert shown == pytest.approx(expected, abs=1e-6)
    layers = table(page, "total conductance")
    assert list(layers["layer"]) == ["embeddings", "layer 1", "layer 2"]
    assert list(layers["delta"]) == pytest.approx(reference.deltas, abs=1e-6)


def test_attention_view(page: AppTest) -> None:
    choose(page, "attention")
    figures = charts(page)
    assert (
        "layer 2 of 2, mean of 4 heads" in figures["attention_heatmap"]["layout"]["title"]["text"]
    )
    assert "rollout" in figures["attention_rollout"]["layout"]["title"]["text"]
    page.select_slider(key="attention_layer").set_value(1).run()
    page.selectbox(key="attention_head").select(2).run()
    assert not page.exception
    title = charts(page)["attention_heatmap"]["layout"]["title"]["text"]
    assert "layer 1 of 2, head 2 of 4" in title
    rows = charts(page)["attention_heatmap"]["data"][0]["z"]
    assert all(math.isclose(sum(row), 1.0, abs_tol=1e-6) for row in rows)


def test_a_request_without_a_baseline_uses_layer_ig_for_baselines(page: AppTest) -> None:
    page.session_state["page_method"] = "saliency"
    page.session_state["page_settings"] = ()
    page.run()
    choose(page, "baselines")
    assert any("uses no baseline" in caption.value for caption in page.caption)
    choose(page, "methods")
    assert page.multiselect(key="compare_methods").value[0] == "saliency"


def test_errors_become_messages(page: AppTest) -> None:
    page.session_state["page_text"] = "   "
    page.run()
    page.segmented_control(key="teach_view").set_value("path").run()
    assert not page.exception
    assert any("empty" in error.value for error in page.error)
    page.segmented_control(key="teach_view").set_value("attention").run()
    assert not page.exception
    assert any("empty" in error.value for error in page.error)
