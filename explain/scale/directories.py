"""Which results directories a server opens: the checkpoint rule, for a results directory.

A results directory is what ``tokenlight explain --out DIR`` (or Many texts' save
button) writes: Parquet parts (``part-*.parquet``) and a ``_manifest.json``. A page
opens one only under the directories it loads checkpoints from
(:func:`explain.model.checkpoints.allowed_roots`, widened with
``$TOKENLIGHT_ALLOWED_ROOTS``), so a typed path cannot make the server read a
directory of the user's choosing.
"""

from __future__ import annotations

from pathlib import Path

from explain.core.errors import InputError
from explain.model.checkpoints import ALLOWED_ROOTS_ENV
from explain.scale.dataset import PART_PREFIX
from explain.scale.manifest import MANIFEST


def check_results_directory(path: str, roots: tuple[Path, ...] | None) -> Path:
    """The results directory ``path`` names, resolved, once it may be opened and holds rows.

    The roots are checked before anything else, so nothing outside them is probed.

    Args:
        path: the directory as the user typed it.
        roots: open directories only under these (see
            :func:`explain.model.checkpoints.allowed_roots`); None opens any, for a
            directory the page itself has just written.

    Returns:
        The resolved directory.

    Raises:
        InputError: the path is blank, outside ``roots``, missing, not a directory,
            or holds no Parquet parts; the message says what to give instead.
    """
    typed = path.strip()
    if not typed:
        raise InputError(
            "Type the path of a results directory: the --out of `tokenlight explain "
            "--file F --column C --out DIR`, or a directory saved from Many texts."
        )
    try:
        directory = Path(typed).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        raise InputError(f"{typed[:200]!r} is not a usable path.") from None
    if roots is not None and not any(directory.is_relative_to(root) for root in roots):
        shown = ", ".join(str(root) for root in roots) or "none"
        raise InputError(
            f"{typed[:200]!r} is outside the directories this server opens ({shown}). Move "
            f"the results under one of them; the server's operator can allow more with "
            f"{ALLOWED_ROOTS_ENV}."
        )
    if not directory.exists():
        raise InputError(f"{typed[:200]!r} does not exist. Check the path.")
    if not directory.is_dir():
        raise InputError(
            f"{typed[:200]!r} is a file. Give the directory that holds the Parquet parts."
        )
    if not any(directory.glob(f"{PART_PREFIX}*.parquet")):
        manifest = (directory / MANIFEST).is_file()
        raise InputError(
            f"{typed[:200]!r} holds no results ({PART_PREFIX}*.parquet files)"
            + (
                ": its job wrote no rows yet. Wait for it, or resume it with --resume."
                if manifest
                else ". Give the --out directory of `tokenlight explain ... --out DIR`."
            )
        )
    return directory
