"""Hostile checkpoints and paths: nothing runs, everything shows as text."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from huggingface_hub.constants import HF_HUB_CACHE
from streamlit.testing.v1 import AppTest

import explain
from explain.model.checkpoints import allowed_roots, check_allowed
from tests.apphelpers import fixed_steps, open_page, rendered_html
from tests.hostile import HOSTILE_LABELS, HOSTILE_TEXT, HOSTILE_TOKENS, save_hostile_classifier


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_hostile_classifier(tmp_path_factory.mktemp("hostile") / "checkpoint")


def test_hostile_tokens_and_labels_are_escaped_everywhere(hostile_dir: Path) -> None:
    model = explain.load_checkpoint(str(hostile_dir))
    result = explain.attribute(model, HOSTILE_TEXT, n_steps=4)
    assert set(HOSTILE_TOKENS) <= set(result.tokens)
    assert result.labels == HOSTILE_LABELS
    html = explain.highlight_html(result)
    for payload in (*HOSTILE_TOKENS, result.predicted_label, result.target_label):
        assert explain.escape(payload) in html
    assert "<script" not in html
    assert "<img" not in html
    assert "<svg" not in html
    figures = json.dumps(
        [explain.token_bar_chart(result).to_dict(), explain.probability_chart(result).to_dict()]
    )
    for marker in ("<script", "<img", "<svg", "</mark"):
        assert marker not in figures


def test_hostile_checkpoint_in_the_app_renders_escaped(
    hostile_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(hostile_dir, monkeypatch)
    at.text_area(key="text").input(HOSTILE_TEXT).run()
    at.button(key="run").click().run()
    assert not at.exception
    html = rendered_html(at)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html
    assert "<script" not in html


def test_directory_outside_allowed_roots_is_refused(tiny_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(explain.CheckpointError, match="TOKENLIGHT_ALLOWED_ROOTS"):
        explain.load_checkpoint(str(tiny_dir), roots=(tmp_path / "elsewhere",))
    assert explain.load_checkpoint(str(tiny_dir), roots=(tiny_dir.parent,)).labels


def test_symlink_out_of_an_allowed_root_is_refused(tiny_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(tiny_dir, target_is_directory=True)
    with pytest.raises(explain.CheckpointError, match="outside"):
        check_allowed(root / "link", (root,))
    with pytest.raises(explain.CheckpointError, match="outside"):
        check_allowed(root / ".." / tiny_dir.name, (root,))


def test_default_roots_are_the_cache_and_configured_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENLIGHT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv(
        "TOKENLIGHT_ALLOWED_ROOTS", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")])
    )
    roots = allowed_roots()
    assert (tmp_path / "cache").resolve() in roots
    assert (tmp_path / "a").resolve() in roots
    assert (tmp_path / "b").resolve() in roots
    # The Hugging Face cache wherever this machine keeps it (HF_HOME may move it).
    assert Path(HF_HUB_CACHE).expanduser().resolve() in roots


def test_app_refuses_a_directory_outside_the_roots(
    app: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENLIGHT_ALLOWED_ROOTS", str(tmp_path / "nothing-here"))
    app.text_input(key="checkpoint_custom").input("/etc").run()
    assert not app.exception
    assert any("outside the directories" in error.value for error in app.error)


def test_operator_preselected_directory_is_allowed(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from components import backend

    monkeypatch.setenv("TOKENLIGHT_ALLOWED_ROOTS", "")
    monkeypatch.setenv("TOKENLIGHT_CHECKPOINT", str(tiny_dir))
    assert tiny_dir.resolve() in backend.server_roots()
    monkeypatch.delenv("TOKENLIGHT_CHECKPOINT")
    assert tiny_dir.resolve() not in backend.server_roots()


def test_paths_outside_the_roots_are_refused_before_any_existence_check(tmp_path: Path) -> None:
    roots = (tmp_path / "allowed",)
    for spec in ("/etc", "/no/such/directory", str(tmp_path / "missing")):
        with pytest.raises(explain.CheckpointError, match="outside") as refusal:
            explain.load_checkpoint(spec, roots=roots)
        assert "does not exist" not in str(refusal.value)
        assert str(tmp_path / "allowed") not in str(refusal.value)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.tags.update(f"{tag}[{name}]" for name, _ in attrs if name.startswith("on"))


UNESCAPED = re.compile(r"(?<!\\)<(script|img|svg|/td|/mark)", re.IGNORECASE)


def _raw_markup(at: AppTest) -> list[str]:
    """Markup from the checkpoint that the page would render as markup, not as text."""
    parser = _Tags()
    parser.feed(rendered_html(at))
    found = sorted(parser.tags & {"script", "img", "svg"} | {t for t in parser.tags if "[on" in t})
    charts = [chart.proto.spec for chart in at.get("plotly_chart")]
    found += [m for spec in charts for m in ("<script", "<img", "<svg", "</mark") if m in spec]
    texts = [element.value for kind in ("markdown", "caption", "info", "warning", "error")
             for element in getattr(at, kind)]  # fmt: skip
    found += [match.group(0) for text in texts for match in UNESCAPED.finditer(text)]
    return found


def test_hostile_checkpoint_in_every_view_stays_text(
    hostile_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(hostile_dir, monkeypatch, timeout=120)
    at.text_area(key="text").input(HOSTILE_TEXT).run()
    fixed_steps(at, 4)
    at.button(key="run").click().run()
    at.segmented_control(key="granularity").set_value("Word view").run()
    assert not at.exception
    assert not _raw_markup(at)
    for view in ("path", "baselines", "methods", "faithfulness", "layers", "attention"):
        at.segmented_control(key="teach_view").set_value(view).run()
        assert not at.exception, view
        assert not _raw_markup(at), view
        assert not at.error, (view, [e.value for e in at.error])
    at.radio(key="mode").set_value("Many texts").run()
    at.text_area(key="batch_text").input(HOSTILE_TEXT + "\nthe movie was good").run()
    at.button(key="batch_run").click().run()
    assert not at.exception
    assert not _raw_markup(at)
