"""The "Try an example" picker and the notebook download, driven through AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from explain.model.examples import EXAMPLES


def test_picking_an_example_fills_the_text_and_says_what_to_look_at(app: AppTest) -> None:
    example = EXAMPLES[1]
    app.selectbox(key="example").set_value(example.name).run()
    assert not app.exception
    assert app.text_area(key="text").value == example.text
    assert any(caption.value.startswith("What to look at:") for caption in app.caption)
    app.text_area(key="text").input("my own words").run()
    assert app.text_area(key="text").value == "my own words"


def test_notebook_download_after_a_run(app: AppTest) -> None:
    app.text_area(key="text").input("the ride was smooth").run()
    app.button(key="run").click().run()
    assert not app.exception
    (button,) = [b for b in app.get("download_button") if "Notebook" in b.proto.label]
    assert button.proto.label == "Notebook (.ipynb)"
    assert button.proto.help
