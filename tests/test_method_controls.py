"""Every registered method is offered by the page, with controls built from its settings."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import explain
from components.setting_widgets import setting_key


@pytest.mark.parametrize("method", list(explain.METHODS))
def test_each_method_runs_from_the_page(app: AppTest, method: str) -> None:
    app.selectbox(key="method").set_value(method).run()
    spec = explain.METHODS[method]
    defaults = {setting.name: setting.default for setting in spec.settings}
    for setting in spec.settings:
        key = setting_key(method, setting.name)
        shown = [w for kind in ("number_input", "selectbox", "text_input")
                 for w in app.get(kind) if w.key == key]  # fmt: skip
        condition = getattr(setting, "applies_when", None)
        if condition is not None and defaults[condition[0]] != condition[1]:
            assert not shown, f"{setting.name} applies only when {condition}"
            continue
        (widget,) = shown
        assert widget.value == setting.default
    assert app.selectbox(key="baseline").disabled is not spec.uses_baseline
    app.button(key="run").click().run()
    assert not app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.get("plotly_chart")
    completeness = " ".join(i.value for i in app.info)
    if spec.has_delta:
        assert any(m.label == "Convergence delta" for m in app.metric)
    else:
        assert "no convergence delta" in completeness


def test_the_integration_picks_which_of_steps_and_error_tolerance_shows(app: AppTest) -> None:
    method = "layer_integrated_gradients"
    app.selectbox(key="method").set_value(method).run()
    steps, tolerance = setting_key(method, "n_steps"), setting_key(method, "error_tolerance")

    def shown() -> set[str]:
        return {w.key for w in app.number_input} & {steps, tolerance}

    assert shown() == {tolerance}  # adaptive integration is the default
    app.selectbox(key=setting_key(method, "integration")).set_value("fixed").run()
    assert shown() == {steps}
    app.selectbox(key=setting_key(method, "integration")).set_value("adaptive").run()
    assert shown() == {tolerance}
    app.button(key="run").click().run()
    assert not app.exception
    assert any("Integrated to an error tolerance" in c.value for c in app.caption)


def test_a_setting_reaches_the_result(app: AppTest) -> None:
    app.selectbox(key="method").set_value("occlusion").run()
    key = setting_key("occlusion", "window")
    app.number_input(key=key).set_value(2).run()
    app.button(key="run").click().run()
    assert not app.exception
    assert any("window 2" in c.value for c in app.caption)
