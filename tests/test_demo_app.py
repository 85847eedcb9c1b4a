"""The locked demo page through AppTest: the picker, links, Many texts caps, one run per viewer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components import demo_mode
from explain.io.demo import DEMO_ENV
from tests.apphelpers import APP, rendered_html
from tests.tiny import save_tiny_classifier

# The session id AppTest gives its page (streamlit.testing.v1.local_script_runner).
APPTEST_SESSION = "test session id"


def unescaped(markdown: str) -> str:
    """Markdown that :func:`components.markdown.literal` escaped, as the page shows it."""
    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.fixture(scope="module")
def second_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_classifier(tmp_path_factory.mktemp("demo2") / "checkpoint", seed=3)


def open_demo(
    checkpoints: list[Path | str], monkeypatch: pytest.MonkeyPatch, /, **params: str
) -> AppTest:
    """Run the page once as ``tokenlight run --demo --checkpoints ...`` hands it over."""
    monkeypatch.setenv(DEMO_ENV, ",".join(str(name) for name in checkpoints))
    monkeypatch.setenv("TOKENLIGHT_CHECKPOINT", "someone/not-offered")  # a demo ignores it
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_picker_offers_the_demo_checkpoints_only_under_a_banner(
    tiny_dir: Path, second_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_demo([tiny_dir, second_dir], monkeypatch)
    picker = at.selectbox(key="checkpoint_choice")
    assert picker.options == [str(tiny_dir), str(second_dir)]
    assert picker.value == str(tiny_dir)
    assert not [box for box in at.text_input if box.key == "checkpoint_custom"]
    assert "demo offers these checkpoints only" in picker.help
    banner = unescaped(at.info[0].value)
    assert banner.startswith("Demo: this page offers the checkpoints")
    assert "at most 50 texts and 200 KB" in banner
    assert not at.error
    picker.select(str(second_dir)).run()
    assert not at.exception
    assert not at.error, [error.value for error in at.error]


def test_without_a_demo_the_picker_still_offers_other(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DEMO_ENV, raising=False)
    monkeypatch.setenv("TOKENLIGHT_CHECKPOINT", str(tiny_dir))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert any(
        option.startswith("Other") for option in at.selectbox(key="checkpoint_choice").options
    )
    assert not any(unescaped(info.value).startswith("Demo:") for info in at.info)


@pytest.mark.parametrize(
    "named",
    ["tokenlight-sentiment", "/etc", "../../etc", "distilbert/distilbert-base-uncased"],
)
def test_a_link_to_another_checkpoint_opens_the_default_with_a_notice(
    tiny_dir: Path, second_dir: Path, monkeypatch: pytest.MonkeyPatch, named: str
) -> None:
    at = open_demo([tiny_dir, second_dir], monkeypatch, text="the car", checkpoint=named)
    assert at.selectbox(key="checkpoint_choice").value == str(tiny_dir)
    notices = [warning.value for warning in at.warning]
    assert len(notices) == 1, notices
    assert repr(named) in notices[0]
    assert "which this demo does not offer" in notices[0]
    assert f"opens {str(tiny_dir)!r} instead" in notices[0]
    assert not at.error
    assert "<mark" in rendered_html(at), "the link's text is explained with the default"


def test_a_link_to_an_offered_checkpoint_opens_it(
    tiny_dir: Path, second_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_demo([tiny_dir, second_dir], monkeypatch, text="the car", checkpoint=str(second_dir))
    assert at.selectbox(key="checkpoint_choice").value == str(second_dir)
    assert not at.warning
    assert "<mark" in rendered_html(at)
    at.button(key="run").click().run()
    assert at.query_params["checkpoint"] == str(second_dir)


def test_a_demo_directory_loads_outside_the_allowed_roots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = save_tiny_classifier(tmp_path / "operator-model", seed=5)
    monkeypatch.setenv("TOKENLIGHT_ALLOWED_ROOTS", str(tmp_path / "elsewhere"))
    at = open_demo([directory], monkeypatch, text="the car")
    assert not at.error, [error.value for error in at.error]
    assert "<mark" in rendered_html(at)


def test_a_misconfigured_demo_stops_the_page_instead_of_opening_it(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_demo([tiny_dir, "no-such-model"], monkeypatch)
    assert len(at.error) == 1
    assert "set up as a demo" in at.error[0].value
    assert "Registered checkpoints: tokenlight-sentiment" in at.error[0].value
    assert not at.selectbox


def test_many_texts_shows_and_keeps_the_demo_caps(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_demo([tiny_dir], monkeypatch)
    at.radio(key="mode").set_value("Many texts").run()
    assert "At most 50 texts and 200 KB per batch in this demo" in at.radio(key="batch_source").help
    assert "At most 50 lines in this demo" in at.text_area(key="batch_text").help
    at.text_area(key="batch_text").input("\n".join(f"text {i}" for i in range(60))).run()
    assert any("50" in warning.value for warning in at.warning), "the cut is reported"
    assert any(caption.value.startswith("50 text(s) ready") for caption in at.caption)
    at.radio(key="batch_source").set_value("Upload a file").run()
    assert "At most 200 KB and 50 texts in this demo" in at.get("file_uploader")[0].help
    big = "\n".join(["a text that fills the file up"] * 8000).encode()  # about 240 KB
    at.file_uploader(key="batch_file").set_value(("big.txt", big, "text/plain")).run()
    assert not at.exception
    assert any("the limit is 0.2 MB" in error.value for error in at.error)


def test_a_second_explanation_while_one_runs_is_refused_with_a_message(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The viewer's claim is held, as by its earlier run still computing; Run must wait."""
    at = open_demo([tiny_dir], monkeypatch)
    at.text_area(key="text").input("the ride was smooth").run()
    with demo_mode._in_flight().claim(APPTEST_SESSION):
        at.button(key="run").click().run()
        assert not at.exception
        assert any("previous explanation is still running" in w.value for w in at.warning)
        assert "<mark" not in rendered_html(at)
    at.button(key="run").click().run()
    assert not at.warning
    assert "<mark" in rendered_html(at)
    assert len(demo_mode._in_flight()) == 0, "the page's claim ended with its explanation"


def test_two_checkpoints_compares_only_among_the_demo_checkpoints(
    tiny_dir: Path, second_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_demo([tiny_dir], monkeypatch, text="the car")
    at.segmented_control(key="teach_view").set_value("checkpoints").run()
    assert any("offers one checkpoint" in info.value for info in at.info)
    assert not [box for box in at.selectbox if box.key == "ckpt2_choice"]

    at = open_demo([tiny_dir, second_dir], monkeypatch, text="the car")
    at.segmented_control(key="teach_view").set_value("checkpoints").run()
    assert not at.exception
    assert at.selectbox(key="ckpt2_choice").options == [str(second_dir)]
    assert not [box for box in at.text_input if box.key == "ckpt2_custom"]
    assert not at.error, [error.value for error in at.error]


def test_a_demo_opens_no_typed_results_directory(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_demo([tiny_dir], monkeypatch)
    at.radio(key="mode").set_value("Dataset").run()
    assert not at.exception
    assert not [box for box in at.text_input if box.key == "dataset_dir"]
    assert any("opens the run you save from Many texts" in info.value for info in at.info)
