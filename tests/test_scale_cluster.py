"""A dataset job on a simulated three-node Ray cluster that loses a node mid-job.

Slow (three raylets start on this machine): ``pytest -m slow tests/test_scale_cluster.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from explain.scale.dataset import ScaleJob, Workers, explain_dataset, read_rows

ray = pytest.importorskip("ray", reason="pip install -r requirements-scale.txt")
cluster_utils = pytest.importorskip("ray.cluster_utils")

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


@pytest.mark.slow
def test_a_lost_node_loses_and_duplicates_no_row(
    tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    texts = [f"the car is {'very ' * (i % 4)}good" if i % 9 else "" for i in range(60)]
    pd.DataFrame({"text": texts}).to_csv(tmp_path / "d.csv", index=False)
    # The head holds no CPU, so every actor runs on a worker node.
    cluster = cluster_utils.Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 0, "object_store_memory": 80 * MIB},
    )
    try:
        doomed = cluster.add_node(num_cpus=1, object_store_memory=80 * MIB)
        cluster.add_node(num_cpus=1, object_store_memory=80 * MIB)
        cluster.wait_for_nodes()
        ray.init(
            address=cluster.address,
            logging_level="warning",
            log_to_driver=False,
            runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}},
        )
        removed: list[bool] = []

        def lose_a_node(table: pa.Table) -> None:
            if not removed:
                cluster.remove_node(doomed, allow_graceful=False)
                cluster.add_node(num_cpus=1, object_store_memory=80 * MIB)  # its replacement
                removed.append(True)

        job = ScaleJob(
            file=tmp_path / "d.csv", column="text", out=tmp_path / "out",
            checkpoint=str(tiny_dir), options={"n_steps": 16}, address=cluster.address,
            workers=Workers(2, 2), batch_size=3,
        )  # fmt: skip
        summary = explain_dataset(job, on_rows=lose_a_node, progress=False)
    finally:
        ray.shutdown()
        cluster.shutdown()
    assert removed
    table = read_rows(tmp_path / "out").to_pandas()
    assert sorted(table["row_id"]) == sorted(f"d.csv:{i}" for i in range(len(texts)))
    assert table["row_id"].is_unique
    assert summary.counts["input_error"] == sum(1 for text in texts if not text)
