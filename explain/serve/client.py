"""Call a running attribution service (``python -m explain.serve``) over HTTP.

Standard library only, so the dashboard needs no extra package to be a client.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from explain.core.errors import InputError, TokenlightError
from explain.core.results import Attribution
from explain.core.task_targets import TaskTarget, target_fields
from explain.io.export import from_json

BACKEND_URL_ENV = "TOKENLIGHT_BACKEND_URL"
VIEWER_HEADER = "X-Tokenlight-Viewer"  # who asks: the service takes turns between viewers
# The service's limit on one request. The page explains a text of up to MAX_TEXT_CHARS in
# windows with no time limit; through the service, the same text must fit in this. On a
# busy 2-core machine a 10,000-character text (1,817 tokens, 7 windows of 512) took 177 s
# through the service on the bundled model's architecture; 120 s cut it off (HTTP 408).
SERVICE_TIMEOUT_S = 600.0
DEFAULT_TIMEOUT_S = SERVICE_TIMEOUT_S + 30.0  # past the service's limit, to hear its answer
TIMED_OUT = (408, 504)


class BackendError(TokenlightError):
    """The attribution service could not be reached, or failed to answer."""


class BackendRefused(InputError):
    """The attribution service refused the request (a 4xx answer); the message says why."""


@dataclass(frozen=True)
class Answer:
    """A service's answer to one request.

    Args:
        result: the attribution.
        batch_size: how many requests the service computed together with this one.
    """

    result: Attribution
    batch_size: int


def post_json(
    url: str, path: str, body: bytes | None, timeout: float, viewer: str | None = None
) -> tuple[int, bytes]:
    """Send one request (POST when ``body`` is given, else GET) and return status and body.

    ``viewer`` names who asks (the ``X-Tokenlight-Viewer`` header), so the service
    can take turns between viewers.

    Raises:
        BackendError: the service cannot be reached or did not answer in ``timeout`` seconds.
    """
    address = url.rstrip("/") + path
    request = urllib.request.Request(
        address,
        data=body,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json", **({VIEWER_HEADER: viewer} if viewer else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise BackendError(
            f"The attribution service at {url} did not answer ({reason}). Check that it runs "
            f"(python -m explain.serve) and that {BACKEND_URL_ENV} points at it."
        ) from None


def explain_remote(
    url: str,
    text: str,
    checkpoint: str,
    method: str,
    timeout: float = DEFAULT_TIMEOUT_S,
    viewer: str | None = None,
    task_target: TaskTarget | None = None,
    **options: object,
) -> Answer:
    """Ask the service at ``url`` to explain ``text``.

    Args:
        url: the service's address, such as ``"http://127.0.0.1:8000"``.
        text: the text to explain.
        checkpoint: a registered checkpoint or a directory the service may load.
        method: a name from :data:`explain.METHODS`.
        timeout: seconds to wait for the answer. Default: 630.0, past the service's
            own limit of 600 s
        viewer: who asks, such as a dashboard session's id. The service
            computes one request of a viewer at a time (per replica), so a
            viewer who sends many at once cannot starve the others. Default:
            None, a viewer of its own
        task_target: what a token classifier, zero-shot NLI model or QA model
            is asked to explain. Default: None, a sequence classifier's label
        **options: ``text_pair``, ``target``, ``output``, ``baseline`` and the
            method's and baseline's settings, by their keyword names; None
            values are left out.

    Returns:
        The :class:`Answer`: the attribution and the batch it was computed in.

    Raises:
        BackendRefused: the service refused the request; the message is its reason.
        BackendError: the service is unreachable, timed out or failed.
    """
    fields: dict[str, object] = {"text": text, "checkpoint": checkpoint, "method": method}
    fields |= {name: value for name, value in options.items() if value is not None}
    if task_target is not None:
        fields["task_target"] = target_fields(task_target)
    status, body = post_json(url, "/explain", json.dumps(fields).encode("utf-8"), timeout, viewer)
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        document = None
    if status in TIMED_OUT:
        raise BackendError(
            f"The attribution service gave up on this request at its time limit (HTTP "
            f"{status}). Long texts in windows take longest: choose Truncate, a larger stride "
            "or fewer steps, or run the service on a GPU."
        )
    if status != 200 or not isinstance(document, dict):
        reason = document.get("error") if isinstance(document, dict) else None
        message = str(reason or f"it answered HTTP {status}")
        if 400 <= status < 500:
            raise BackendRefused(message)
        raise BackendError(f"The attribution service failed: {message}")
    try:
        (result,) = from_json(body.decode("utf-8"))
    except ValueError as error:
        raise BackendError(f"The attribution service sent an unreadable answer: {error}") from None
    return Answer(result, int(document.get("batch_size", 1)))


def attribute_remote(
    url: str,
    text: str,
    checkpoint: str,
    method: str,
    timeout: float = DEFAULT_TIMEOUT_S,
    viewer: str | None = None,
    task_target: TaskTarget | None = None,
    **options: object,
) -> Attribution:
    """Like :func:`explain.attribute`, computed by the service at ``url``.

    Raises:
        BackendRefused: the service refused the request; the message is its reason.
        BackendError: the service is unreachable, timed out or failed.
    """
    return explain_remote(
        url, text, checkpoint, method, timeout, viewer, task_target, **options
    ).result


def health(url: str, timeout: float = 10.0) -> dict[str, object]:
    """The service's ``GET /healthz`` answer.

    Raises:
        BackendError: it is unreachable or unhealthy.
    """
    status, body = post_json(url, "/healthz", None, timeout)
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        document = None
    if status != 200 or not isinstance(document, dict):
        raise BackendError(f"The attribution service at {url} is not healthy (HTTP {status}).")
    return document
