"""The manifest of an output directory: settings, library versions and counts.

``_manifest.json`` sits beside the Parquet parts (the leading ``_`` makes Parquet
readers such as ``pandas.read_parquet(DIR)`` pass it by). ``--resume`` reads it to refuse
a directory that was written with other settings.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from explain.core.errors import InputError
from explain.io.export import library_versions

MANIFEST = "_manifest.json"
FORMAT = "tokenlight-dataset"
SCALE_PACKAGES = ("ray", "pyarrow", "pandas", "numpy")


def scale_versions() -> dict[str, str]:
    """:func:`explain.io.export.library_versions` plus Ray and the table libraries."""
    found = library_versions()
    for package in SCALE_PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def write_manifest(directory: Path, document: Mapping[str, object]) -> Path:
    """Write ``_manifest.json`` in ``directory`` atomically (a reader never sees half of it)."""
    path = directory / MANIFEST
    scratch = directory / f".{MANIFEST}.{os.getpid()}.tmp"
    body = {"format": FORMAT, **document}
    scratch.write_text(json.dumps(body, indent=2, sort_keys=True, default=str), encoding="utf-8")
    os.replace(scratch, path)
    return path


def read_manifest(directory: Path) -> dict[str, object] | None:
    """The manifest in ``directory``, or None when there is none.

    Raises:
        InputError: the file is there but is not a Tokenlight dataset manifest.
    """
    path = directory / MANIFEST
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise InputError(
            f"{path} is damaged ({error}). Remove it, or use another --out."
        ) from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"{path} is not a Tokenlight dataset manifest. Use another --out.")
    return document
