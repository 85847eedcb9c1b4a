"""Start the attribution service: ``python -m explain.serve --help``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence

from explain.core.errors import TokenlightError
from explain.scale.dataset import LOOPBACK_ENV

INSTALL_HINT = (
    "The attribution service runs on Ray Serve, which is not installed. "
    "Install it with: pip install -r requirements-scale.txt"
)
OBJECT_STORE_BYTES = 256 * 1024**2


class ServeUnavailable(TokenlightError):
    """Ray Serve is not installed."""


def start_ray(num_cpus: int | None = None, object_store_bytes: int = OBJECT_STORE_BYTES) -> None:
    """Start a local Ray for the service: no dashboard, no usage stats, a bounded object store,
    and workers at the usual priority.

    Raises:
        ServeUnavailable: Ray is not installed; the message says how to install it.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    # Ray runs its workers at nice 15, below everything else on the machine; the
    # replicas are this service's work, so they run at the usual priority.
    os.environ.setdefault("RAY_worker_niceness", "0")
    os.environ.setdefault(LOOPBACK_ENV, "0")  # a local node on 127.0.0.1, read at import
    try:
        import ray
    except ImportError:
        raise ServeUnavailable(INSTALL_HINT) from None
    if not ray.is_initialized():
        ray.init(
            address="local",
            num_cpus=num_cpus,
            include_dashboard=False,
            object_store_memory=object_store_bytes,
            log_to_driver=False,
        )


def stop_ray() -> None:
    """Shut Serve and Ray down, if they run."""
    import ray
    from ray import serve

    if ray.is_initialized():
        serve.shutdown()
        ray.shutdown()


def parser() -> argparse.ArgumentParser:
    build = argparse.ArgumentParser(
        prog="python -m explain.serve",
        description="Serve explanations over HTTP for many viewers at once, on Ray Serve: "
        "POST /explain with a JSON body, GET /healthz. Concurrent requests with the same "
        "checkpoint, method and settings are computed together.",
    )
    build.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only; put a proxy in "
        "front rather than listening on 0.0.0.0)",
    )
    build.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    build.add_argument(
        "--replicas", type=int, default=1, help="attribution replicas; each takes a GPU if any"
    )
    build.add_argument(
        "--batch-wait-ms",
        type=float,
        default=15.0,
        help="how long a batch waits for more requests before it closes (default: 15)",
    )
    build.add_argument(
        "--max-batch-size", type=int, default=16, help="most requests in one batch (default: 16)"
    )
    build.add_argument(
        "--replica-cpus",
        type=float,
        default=1.0,
        help="CPU cores each replica reserves and uses (default: 1)",
    )
    build.add_argument(
        "--num-cpus", type=int, default=None, help="CPU cores Ray may use (default: all)"
    )
    build.add_argument(
        "--duration",
        type=float,
        default=None,
        help="stop by itself after this many seconds (default: run until Ctrl-C)",
    )
    return build


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.replicas < 1 or args.max_batch_size < 1 or not 0 <= args.batch_wait_ms <= 1000:
        parser().error("--replicas and --max-batch-size must be >= 1, --batch-wait-ms 0-1000")
    try:
        start_ray(args.num_cpus)
    except ServeUnavailable as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    from explain.serve.deployment import ServeOptions, start

    options = ServeOptions(
        host=args.host,
        port=args.port,
        replicas=args.replicas,
        batch_wait_ms=args.batch_wait_ms,
        max_batch_size=args.max_batch_size,
        replica_cpus=args.replica_cpus,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        start(options)
        print(  # noqa: T201
            f"Tokenlight attribution service on http://{args.host}:{args.port} "
            "(POST /explain, GET /healthz). Ctrl-C stops it.",
            file=sys.stderr,
        )
        stop.wait(args.duration)
    except KeyboardInterrupt:
        pass
    finally:
        stop_ray()
    return 0
