"""Every task command in the README and docs/tasks.md runs, on the random task checkpoints."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from explain.scale.cli import main
from explain.scale.writer import read_rows
from scripts.task_checkpoints import main as write_checkpoints

ROOT = Path(__file__).resolve().parent.parent
PLACE = "/tmp/tiny-tasks"
COMMAND = re.compile(r"^\.venv/bin/python -m explain (--checkpoint /tmp/tiny-tasks/.*)$", re.M)
COMMANDS = sorted(
    {
        line
        for page in ("README.md", "docs/tasks.md")
        for line in COMMAND.findall((ROOT / page).read_text(encoding="utf-8"))
    }
)


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny-tasks")
    assert write_checkpoints([str(out)]) == 0
    return out


def test_the_docs_show_a_command_for_each_task() -> None:
    assert {re.search(r"tiny-tasks/(\w+)", line).group(1) for line in COMMANDS} == {  # type: ignore[union-attr]
        "ner",
        "nli",
        "qa",
    }


@pytest.mark.parametrize("command", COMMANDS)
def test_a_documented_task_command_runs(
    command: str, place: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [part.replace(PLACE, str(place)) for part in shlex.split(command)]
    assert main(argv) == 0, capsys.readouterr().err
    task = {"ner": "token-classification", "nli": "zero-shot", "qa": "question-answering"}
    expected = task[re.search(r"tiny-tasks/(\w+)", command).group(1)]  # type: ignore[union-attr]
    if "--column" in argv:  # a results directory: a row per sentence of texts.csv
        rows = read_rows(Path(argv[argv.index("--out") + 1]))
        assert rows.num_rows == 4
        statuses, tasks = rows.column("status").to_pylist(), rows.column("task").to_pylist()
        assert {task for task, status in zip(tasks, statuses, strict=True) if status == "ok"} == {
            expected
        }
        return
    results = json.loads(capsys.readouterr().out)["results"]
    assert {result["task"] for result in results} == {expected}
