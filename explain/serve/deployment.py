"""The attribution service on Ray Serve: an HTTP gateway in front of batching replicas.

Two deployments make one Serve application:

- ``Gateway`` answers HTTP. It reads and checks each request (size limits, JSON,
  method, options) before any model is touched, so a bad request gets its 4xx
  answer at once, then hands the request to an ``Attributor`` replica through
  Serve's model multiplexing: requests for a checkpoint go to a replica that
  already holds it.
- ``Attributor`` replicas hold up to :data:`MAX_MODELS` checkpoints each
  (``@serve.multiplexed``, least recently used unloaded first) and take
  requests through ``@serve.batch``: requests that arrive within the batch
  wait are computed together, sharing a padded pass where that gives each the
  result it gets alone (see :mod:`explain.serve.compute`). With a CUDA GPU, each
  replica takes one.

Importing this module imports Ray; :mod:`explain.serve.cli` does so only when
the service starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import cast

import torch
from ray import serve
from ray.exceptions import RayActorError
from ray.serve.deployment import Deployment
from ray.serve.handle import DeploymentHandle
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from explain.model.checkpoints import LoadedModel, allowed_roots
from explain.serve.client import SERVICE_TIMEOUT_S, VIEWER_HEADER
from explain.serve.compute import Outcome, answer, explain_requests, load_served, refusal
from explain.serve.requests import MAX_BODY_BYTES, ExplainRequest, RequestTooLarge, parse_request

LOG = logging.getLogger(__name__)
APP_NAME = "tokenlight"
MAX_MODELS = 3
DEFAULT_BATCH_WAIT_MS = 15.0
DEFAULT_MAX_BATCH_SIZE = 16
HEALTH_TIMEOUT_S = 5.0
RESTARTING = (
    "The replica computing this request stopped and is being restarted. "
    "Send the request again in a few seconds."
)


@dataclass(frozen=True)
class ServeOptions:
    """How the service runs.

    Args:
        host: the address it listens on. Default: ``"127.0.0.1"``, loopback only.
        port: the port it listens on. Default: 8000
        replicas: attribution replicas; each takes a GPU when there is one. Default: 1
        batch_wait_ms: how long a batch waits for more requests before it closes.
            Default: 15.0
        max_batch_size: most requests in one batch. Default: 16
        replica_cpus: CPU cores each replica reserves, and its torch threads. Default: 1.0
        request_timeout_s: the longest one HTTP request may take: minutes, as a long
            text explained in windows on a CPU may need. Default: 600.0
    """

    host: str = "127.0.0.1"
    port: int = 8000
    replicas: int = 1
    batch_wait_ms: float = DEFAULT_BATCH_WAIT_MS
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE
    replica_cpus: float = 1.0
    request_timeout_s: float = SERVICE_TIMEOUT_S


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class Attributor:
    """One replica: loads checkpoints on demand and explains batches of requests."""

    def __init__(
        self, roots: tuple[str, ...], batch_wait_s: float, max_batch_size: int, threads: int
    ) -> None:
        torch.set_num_threads(max(1, threads))
        self.roots = tuple(Path(root) for root in roots)
        # Serve's batch decorator carries these setters; its type hints do not say so.
        self.explain_batch.set_batch_wait_timeout_s(batch_wait_s)  # type: ignore[attr-defined]
        self.explain_batch.set_max_batch_size(max_batch_size)  # type: ignore[attr-defined]

    @serve.multiplexed(max_num_models_per_replica=MAX_MODELS)
    async def model(self, checkpoint: str) -> LoadedModel:
        """The checkpoint, loaded once per replica; only registered ones and allowed roots."""
        return await asyncio.to_thread(load_served, checkpoint, self.roots)

    @serve.batch(max_batch_size=DEFAULT_MAX_BATCH_SIZE, batch_wait_timeout_s=0.015)
    async def explain_batch(self, requests: list[ExplainRequest]) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        by_checkpoint: dict[str, list[int]] = {}
        for index, request in enumerate(requests):
            by_checkpoint.setdefault(request.checkpoint, []).append(index)
        for checkpoint, indices in by_checkpoint.items():
            try:
                loaded = await self.model(checkpoint)
            except Exception as error:  # a missing or refused checkpoint: a clear answer
                outcomes.update((index, refusal(error)) for index in indices)
                continue
            # The model runs in a thread, so the replica keeps taking requests meanwhile.
            done = await asyncio.to_thread(
                explain_requests, loaded, [requests[index] for index in indices]
            )
            outcomes.update(zip(indices, done, strict=True))
        return [outcomes[index] for index in range(len(requests))]

    async def explain(self, request: ExplainRequest) -> Outcome:
        """Explain one request, batched with those that arrive with it."""
        return await self.explain_batch(request)

    def pid(self) -> int:
        """The replica's process id (the load test kills it to measure recovery)."""
        return os.getpid()

    def describe(self) -> dict[str, object]:
        """What ``GET /healthz`` reports of the replica that answers."""
        return {
            "replica_pid": os.getpid(),
            "torch_threads": torch.get_num_threads(),
            "device": "cuda" if torch.cuda.is_available() else "cpu",
        }


class Gateway:
    """The HTTP front: ``POST /explain`` and ``GET /healthz``."""

    def __init__(self, attributor: DeploymentHandle, described: dict[str, object]) -> None:
        self.attributor = attributor
        self.described = described
        # Each named viewer has as many requests at the replicas as there are replicas;
        # the rest wait here, so one viewer's flood cannot queue ahead of everyone else.
        self.turns_per_viewer = max(1, int(cast(int, described.get("replicas", 1))))
        self.viewers: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def _turn(self, viewer: str) -> AsyncIterator[None]:
        """Wait for one of ``viewer``'s turns; an unnamed viewer (``""``) never waits."""
        if not viewer:
            yield
            return
        turns, users = self.viewers.setdefault(
            viewer, (asyncio.Semaphore(self.turns_per_viewer), [0])
        )
        users[0] += 1
        try:
            async with turns:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self.viewers[viewer]

    async def __call__(self, request: Request) -> Response:
        path = request.url.path.rstrip("/")
        if path == "/explain":
            if request.method != "POST":
                return _error(405, "Send explanations with POST /explain and a JSON body.")
            return await self.explain(request)
        if path == "/healthz":
            if request.method != "GET":
                return _error(405, "Ask for health with GET /healthz.")
            return await self.health()
        return _error(404, f"No such route {path[:100]!r}. Use POST /explain or GET /healthz.")

    async def _body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise RequestTooLarge(
                f"The request is {int(declared):,} bytes; this server takes at most "
                f"{MAX_BODY_BYTES:,}. Send shorter texts."
            )
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise RequestTooLarge(
                    f"The request is over {MAX_BODY_BYTES:,} bytes, the most this server "
                    "takes. Send shorter texts."
                )
        return body

    async def explain(self, request: Request) -> Response:
        try:
            asked = parse_request(await self._body(request))
        except Exception as error:
            refused = refusal(error)
            return _error(refused.status, str(refused.error))
        async with self._turn(request.headers.get(VIEWER_HEADER, "")[:200]):
            outcome = await self._compute(asked)
        if outcome.result is None:
            return _error(outcome.status, str(outcome.error))
        try:
            document = answer(outcome)
        except ValueError as error:
            refused = refusal(error)
            return _error(500, str(refused.error))
        return JSONResponse(document)

    async def _compute(self, asked: ExplainRequest) -> Outcome:
        handle = self.attributor.options(multiplexed_model_id=asked.checkpoint)
        for attempt in range(2):  # one retry, on another (or the restarted) replica
            try:
                return await handle.explain.remote(asked)
            except RayActorError:
                LOG.warning("replica died during a request (attempt %d)", attempt + 1)
            except Exception as error:
                return refusal(error)
        return Outcome(None, 1, RESTARTING, 503)

    async def health(self) -> Response:
        try:
            replica = await asyncio.wait_for(self.attributor.describe.remote(), HEALTH_TIMEOUT_S)
        except Exception:
            return JSONResponse(
                {"status": "unavailable", "detail": "no attribution replica answered"},
                status_code=503,
            )
        return JSONResponse({"status": "ok", **replica, **self.described})


def _deployment(cls: type) -> Deployment:
    # serve.deployment(cls) returns a Deployment; its annotation only covers the decorator form.
    return cast(Deployment, serve.deployment(cls))


def build_app(options: ServeOptions, roots: tuple[Path, ...] | None = None) -> serve.Application:
    """The Serve application: the gateway bound to the attribution replicas.

    Args:
        options: how the service runs.
        roots: directories local checkpoints may be loaded from. Default: None,
            :func:`explain.model.checkpoints.allowed_roots` as the driver sees it.
    """
    gpus = 1 if torch.cuda.is_available() else 0
    attributor = (
        _deployment(Attributor)
        .options(
            name="Attributor",
            num_replicas=options.replicas,
            max_ongoing_requests=4 * options.max_batch_size,
            ray_actor_options={"num_cpus": options.replica_cpus, "num_gpus": gpus},
            health_check_period_s=2,
        )
        .bind(
            tuple(str(root) for root in (roots if roots is not None else allowed_roots())),
            options.batch_wait_ms / 1000,
            options.max_batch_size,
            max(1, round(options.replica_cpus)),
        )
    )
    described = {
        "replicas": options.replicas,
        "batch_wait_ms": options.batch_wait_ms,
        "max_batch_size": options.max_batch_size,
        "gpu_per_replica": bool(gpus),
        "max_models_per_replica": MAX_MODELS,
    }
    return (
        _deployment(Gateway)
        .options(
            name="Gateway",
            num_replicas=1,
            max_ongoing_requests=1000,
            ray_actor_options={"num_cpus": 0},
        )
        .bind(attributor, described)
    )


def start(options: ServeOptions, roots: tuple[Path, ...] | None = None) -> DeploymentHandle:
    """Start Serve with the application on ``options.host:options.port``; returns at once.

    Ray must already run (see :func:`explain.serve.cli.start_ray`).
    """
    serve.start(
        proxy_location="HeadOnly",
        http_options={
            "host": options.host,
            "port": options.port,
            "request_timeout_s": options.request_timeout_s,
        },
    )
    return serve.run(build_app(options, roots), name=APP_NAME, route_prefix="/", blocking=False)


def replica_pids() -> list[int]:
    """The process ids of the running attribution replicas (asks each one it reaches)."""
    handle = serve.get_deployment_handle("Attributor", app_name=APP_NAME)
    return sorted({handle.pid.remote().result(timeout_s=30) for _ in range(8)})


def describe(options: ServeOptions) -> dict[str, object]:
    """The options as a plain dict, for logs."""
    return asdict(options)
