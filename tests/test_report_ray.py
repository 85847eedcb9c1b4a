"""``tokenlight report --confirm --ray``: re-predicting on a local Ray gives the same figures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from explain.report.build import build_report
from explain.report.confirm import confirm_shortcuts
from tests.local_ray import local_ray as started_local_ray
from tests.test_report_shortcut import PLANTED, _explained

ray = pytest.importorskip("ray", reason="pip install -r requirements-scale.txt")
pytest.importorskip("duckdb")
pytestmark = pytest.mark.slow  # starts a local Ray: about 20 s on two idle cores


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _explained(tmp_path_factory.mktemp("shortcut-ray"))[1]
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    with started_local_ray():
        yield


def test_confirm_on_ray_equals_confirm_in_process(directory: Path, local_ray: None) -> None:
    report = build_report(directory, min_count=5, top=5)
    here = confirm_shortcuts(report, 3, sample=30)
    there = confirm_shortcuts(report, 3, sample=30, ray_address="local")
    assert ray.is_initialized()  # a Ray the caller started is left running
    assert here.shortcuts[0].word == PLANTED
    for mine, theirs in zip(here.shortcuts, there.shortcuts, strict=True):
        assert (mine.word, mine.label, mine.sampled) == (theirs.word, theirs.label, theirs.sampled)
        if mine.confirmed:
            assert theirs.flip_rate == pytest.approx(mine.flip_rate, rel=1e-6)
            assert theirs.mean_probability_drop == pytest.approx(
                mine.mean_probability_drop, rel=1e-4, abs=1e-6
            )
