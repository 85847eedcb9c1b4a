"""Many texts' "Save as a results directory": the page writes the batch and remembers where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explain.scale.rows import ROW_SCHEMA
from explain.scale.writer import read_rows
from tests.apphelpers import fixed_steps


def test_many_texts_saves_its_batch_as_a_results_directory(
    app: AppTest, tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENLIGHT_CACHE_DIR", str(tmp_path))
    at = app
    at.radio(key="mode").set_value("Many texts").run()
    at.text_area(key="batch_text").input("the movie was good\nthe car is bad !\ni hate it").run()
    fixed_steps(at, 4)
    at.button(key="batch_run").click().run()
    save = at.button(key="batch_save_dir")
    assert save.proto.help  # every control says what it does
    assert "last_results_dir" not in at.session_state
    save.click().run()
    assert not at.exception
    saved = Path(at.session_state["last_results_dir"])
    assert saved.parent == tmp_path.resolve() / "results"
    assert any("Saved 3 rows" in message.value for message in at.success)
    assert [block.value for block in at.code] == [str(saved)]
    table = read_rows(saved)
    assert table.schema == ROW_SCHEMA
    assert table.column("text").to_pylist() == [
        "the movie was good",
        "the car is bad !",
        "i hate it",
    ]
    assert set(table.column("status").to_pylist()) == {"ok"}
    manifest = json.loads((saved / "_manifest.json").read_text())
    assert manifest["settings"]["checkpoint"] == str(tiny_dir)
    assert manifest["settings"]["options"]["n_steps"] == 4
    assert manifest["tuning"] == {"runner": "many texts"}
    # Another batch: the path shown was this batch's, so it goes; the session keeps it.
    at.text_area(key="batch_text").input("a smooth ride").run()
    at.button(key="batch_run").click().run()
    assert not any("Saved" in message.value for message in at.success)
    assert not at.code
    assert at.session_state["last_results_dir"] == str(saved)
