"""``python -m explain``: the command line (see :mod:`explain.io.cli`)."""

from explain.io.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
