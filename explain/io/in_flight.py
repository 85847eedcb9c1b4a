"""One explanation in flight per viewer: a non-blocking, thread-safe claim by viewer id.

Streamlit starts a new script run as soon as a viewer presses Run again, while
the previous run's computation goes on in its own thread, so a viewer could
otherwise pile explanations onto a shared demo machine. The page owns one
:class:`InFlight` (cached for the server's life) and wraps every explanation in
:meth:`InFlight.claim`; a second claim by the same viewer fails at once, with
a message, instead of waiting. A viewer's entry lives only while its claim is
held, so the registry never holds more than the explanations running now.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from explain.core.errors import TokenlightError


class AlreadyRunning(TokenlightError):
    """This viewer already has an explanation running."""


class InFlight:
    """The viewers that have an explanation running now, at most one each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[str] = set()

    @contextmanager
    def claim(self, viewer: str) -> Iterator[None]:
        """Hold ``viewer``'s one explanation for the ``with`` block; never waits.

        Args:
            viewer: who asks, such as the page session's id.

        Raises:
            AlreadyRunning: ``viewer`` holds a claim already; the message says
                to wait for it and run again.
        """
        with self._lock:
            if viewer in self._running:
                raise AlreadyRunning(
                    "Your previous explanation is still running, and this demo runs one "
                    "explanation per viewer at a time. Wait a few seconds for it to finish, "
                    "then press Run (or Run batch) again."
                )
            self._running.add(viewer)
        try:
            yield
        finally:
            with self._lock:
                self._running.discard(viewer)

    def busy(self, viewer: str) -> bool:
        """Whether ``viewer`` has an explanation running now."""
        with self._lock:
            return viewer in self._running

    def __len__(self) -> int:
        """How many viewers have an explanation running now."""
        with self._lock:
            return len(self._running)
