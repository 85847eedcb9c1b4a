"""The ``tokenlight`` command: its subcommands in-process, and ``pip install .`` in a fresh venv."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from explain.io import build, cli, entry

ROOT = Path(__file__).resolve().parent.parent


def test_help_lists_the_three_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        entry.main(["--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    for name in ("run", "explain", "build"):
        assert f"    {name} " in shown, shown
    assert "start the dashboard" in shown


def test_no_subcommand_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        entry.main([])
    assert done.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_explain_gives_what_python_m_explain_gives(
    tiny_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["the ride was smooth", "--checkpoint", str(tiny_dir), "--baseline", "mask"]
    flags += ["--steps", "4", "--format", "csv"]
    assert cli.main(flags) == 0
    direct = capsys.readouterr().out
    assert entry.main(["explain", *flags]) == 0
    through = capsys.readouterr().out
    assert "mask" in direct
    assert through == direct


def test_explain_refuses_what_python_m_explain_refuses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        entry.main(["explain", "a text", "--no-such-flag"])
    assert done.value.code == 2
    assert "--no-such-flag" in capsys.readouterr().err


def test_build_takes_the_build_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        entry.main(["build", "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("usage: tokenlight build")
    for flag in ("--force", "--out", "--train-size", "--epochs", "--learning-rate"):
        assert flag in shown


@pytest.mark.parametrize(
    ("run", "prog"),
    [
        (lambda: entry.main(["explain", "--help"]), "tokenlight explain"),
        (lambda: cli.main(["--help"]), "python -m explain"),
        (lambda: build.main(["--help"]), "python -m explain.io.build"),
    ],
)
def test_help_names_the_command_it_was_called_as(
    run: Callable[[], int], prog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        run()
    assert done.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"usage: {prog} ")
    if "explain.io.build" not in prog:  # the explain commands show an example too
        assert f"Example: {prog} " in shown


def test_build_passes_its_flags_through(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(build, "main", lambda argv, prog: calls.append([prog, *argv]) or 0)
    assert entry.main(["build", "--out", str(tiny_dir), "--force"]) == 0
    assert calls == [["tokenlight build", "--out", str(tiny_dir), "--force"]]


def test_run_serves_the_dashboard_script_without_telemetry_or_watcher() -> None:
    command = entry.dashboard_command(port=8765)
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(command[4]) == ROOT / "streamlit_app.py"
    pairs = dict(zip(command[5::2], command[6::2], strict=True))
    assert pairs == {
        "--server.address": "127.0.0.1",  # this machine only, unless --host says otherwise
        "--server.port": "8765",
        "--browser.gatherUsageStats": "false",
        "--server.fileWatcherType": "none",
        "--client.toolbarMode": "viewer",  # no developer menu in front of an audience
    }


def test_run_hands_the_process_to_streamlit_on_the_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(
        entry.os, "execve", lambda path, command, env: seen.append([path, *command])
    )
    assert entry.main(["run", "--port", "9001"]) == 0
    ((path, *command),) = seen
    assert path == command[0] == sys.executable
    assert command[command.index("--server.port") + 1] == "9001"


def test_serve_hands_the_process_to_the_attribution_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(entry.os, "execv", lambda path, command: seen.append([path, *command]))
    assert entry.main(["serve", "--port", "8100", "--replicas", "2"]) == 0
    assert seen == [
        [sys.executable, sys.executable, "-m", "explain.serve", "--port", "8100", "--replicas", "2"]
    ]


def test_run_without_the_app_script_says_how_to_fix_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(entry, "__file__", str(tmp_path / "explain" / "io" / "entry.py"))
    assert entry.main(["run"]) == 1
    assert "pip install ." in capsys.readouterr().err


@pytest.mark.slow
def test_pip_install_in_a_fresh_venv_gives_a_working_command(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    """``pip install .`` (torch from the local wheel, as pip is configured here) then ``--help``.

    Takes minutes: pip resolves and installs every runtime dependency.
    """
    venv = tmp_path / "venv"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, str(ROOT)], check=True, cwd=tmp_path, timeout=1800)
    installed = time.monotonic() - started
    env = {**os.environ, "PYTHONPATH": ""}
    shown = subprocess.run(
        [str(venv / "bin" / "tokenlight"), "--help"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=env,
    ).stdout  # fmt: skip
    for name in ("run", "explain", "build"):
        assert f"    {name} " in shown
    located = subprocess.run(
        [str(venv / "bin" / "python"), "-c", _LOCATE],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=env,
    ).stdout  # fmt: skip
    found = json.loads(located)
    assert Path(found["app"]).is_file()
    assert Path(found["app"]).parent != ROOT, "the installed copy, not this checkout"
    assert Path(found["cache"]) == tmp_path / ".cache", "built checkpoints go to the cwd"
    record_property("pip_install_seconds", round(installed))


_LOCATE = """
import json
from explain.io.entry import app_path
from explain.model.locations import cache_dir
print(json.dumps({"app": str(app_path()), "cache": str(cache_dir())}))
"""
