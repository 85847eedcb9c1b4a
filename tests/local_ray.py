"""The local Ray the Ray tests start: 2 CPUs, loopback, no dashboard, no usage statistics."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def local_ray() -> Iterator[None]:
    """A local Ray with 2 CPUs and a 128 MiB object store, shut down on exit.

    Its workers import this checkout (``PYTHONPATH``), so they see the same code.
    """
    import ray

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAY_USAGE_STATS_ENABLED", "0")
        ray.init(
            address="local",
            num_cpus=2,
            include_dashboard=False,
            object_store_memory=128 * 1024 * 1024,
            logging_level="warning",
            log_to_driver=False,
            runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}},
        )
        try:
            yield
        finally:
            ray.shutdown()
