"""Open a results directory for the report: check it, and query its Parquet parts in place.

A results directory holds ``_manifest.json`` and ``part-*.parquet`` files with
:data:`explain.scale.rows.ROW_SCHEMA` (``tokenlight explain --out DIR``). DuckDB
reads the parts where they lie; the rows are never loaded whole into memory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from explain.core.errors import InputError, TokenlightError
from explain.core.task_results import DEFAULT_TASK, TaskName
from explain.model.tasks import check_task
from explain.scale.dataset import part_files
from explain.scale.manifest import MANIFEST, read_manifest

INSTALL = (
    "The report needs DuckDB and scikit-learn: pip install -r requirements-report.txt "
    "(or pip install 'tokenlight[report]')."
)
MEMORY_LIMIT = "1GB"
"""DuckDB's working memory; beyond it, it spills to a scratch directory on disk."""
REQUIRED_COLUMNS = (
    "row_id",
    "text",
    "status",
    "predicted_label",
    "target_label",
    "gold_label",
    "words",
    "word_scores",
)


class ReportMissing(TokenlightError):
    """DuckDB or scikit-learn is not installed."""


def import_duckdb() -> Any:
    """The ``duckdb`` module.

    Raises:
        ReportMissing: DuckDB is not installed; the message says how to install it.
    """
    try:
        import duckdb
    except ImportError as error:
        raise ReportMissing(INSTALL) from error
    return duckdb


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class ResultsDirectory:
    """A checked results directory and a DuckDB connection with a ``rows`` view over it.

    ``ok`` is a view of the explained rows only (``status = 'ok'``).

    Args:
        path: the directory.
        manifest: its ``_manifest.json``.
        parts: its Parquet parts.
        connection: the DuckDB connection.
    """

    path: Path
    manifest: dict[str, object]
    parts: tuple[Path, ...]
    connection: Any = field(repr=False)

    @property
    def settings(self) -> dict[str, object]:
        """The manifest's settings: checkpoint, method, options (empty when absent)."""
        found = self.manifest.get("settings", self.manifest)
        return dict(found) if isinstance(found, dict) else {}

    @property
    def checkpoint(self) -> str:
        """The checkpoint the rows were explained with."""
        return str(self.settings.get("checkpoint", ""))

    @property
    def method(self) -> str:
        """The attribution method the rows were explained with."""
        return str(self.settings.get("method", ""))

    @property
    def options(self) -> dict[str, object]:
        """The method's options, as the manifest records them."""
        found = self.settings.get("options", {})
        return dict(found) if isinstance(found, dict) else {}

    @property
    def task(self) -> TaskName:
        """The task the rows explain: the manifest's task target's, else sequence classification.

        Raises:
            InputError: the manifest names an unknown task.
        """
        found = self.task_target
        return DEFAULT_TASK if found is None else check_task(found.get("task"))

    @property
    def task_target(self) -> dict[str, object] | None:
        """The manifest's task target, as the job wrote its fields; None for a classifier's rows."""
        found = self.settings.get("task_target")
        return dict(found) if isinstance(found, dict) else None

    def query(
        self, sql: str, parameters: list[object] | dict[str, object] | None = None
    ) -> list[tuple[Any, ...]]:
        """The rows of one query, as tuples (``?`` or ``$name`` parameters)."""
        return list(self.connection.execute(sql, parameters or []).fetchall())

    def close(self) -> None:
        """Close the DuckDB connection."""
        self.connection.close()

    def __enter__(self) -> ResultsDirectory:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_results(directory: Path | str, threads: int | None = None) -> ResultsDirectory:
    """Check ``directory`` is a results directory and open it with DuckDB.

    Args:
        directory: the directory ``tokenlight explain --out`` wrote.
        threads: DuckDB's threads. Default: None, one per CPU core.

    Returns:
        The :class:`ResultsDirectory`, with views ``rows`` (every row) and ``ok``
        (explained rows).

    Raises:
        ReportMissing: DuckDB is not installed.
        InputError: the path is not a directory, has no manifest or no Parquet
            parts, or its parts lack the word columns.
    """
    path = Path(directory).expanduser()
    if not path.is_dir():
        raise InputError(
            f"{path} is not a directory. Give the directory that "
            "`tokenlight explain --out DIR` wrote."
        )
    manifest = read_manifest(path)
    if manifest is None:
        raise InputError(
            f"{path} has no {MANIFEST}, so it is not a results directory. Give the directory "
            "that `tokenlight explain --out DIR` wrote."
        )
    parts = tuple(part_files(path))
    if not parts:
        raise InputError(
            f"{path} has a manifest but no Parquet parts (part-*.parquet): no row was written "
            "yet. Run `tokenlight explain ... --out DIR --resume` to finish it."
        )
    duckdb = import_duckdb()
    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    connection.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
    connection.execute("SET preserve_insertion_order = false")
    files = "[" + ", ".join(_literal(str(part)) for part in parts) + "]"
    try:
        connection.execute(
            f"CREATE VIEW rows AS SELECT * FROM read_parquet({files}, union_by_name = true)"
        )
        columns = {row[0] for row in connection.execute("DESCRIBE rows").fetchall()}
    except duckdb.Error as error:
        connection.close()
        raise InputError(f"The Parquet parts in {path} cannot be read: {error}") from error
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        connection.close()
        raise InputError(
            f"The rows in {path} lack {', '.join(missing)}: they were written by an older "
            "Tokenlight. Explain the texts again with `tokenlight explain ... --out DIR`."
        )
    connection.execute("CREATE VIEW ok AS SELECT * FROM rows WHERE status = 'ok'")
    return ResultsDirectory(path, manifest, parts, connection)
