"""``python -m explain``: the command line; see explain.scale.cli."""

from explain.scale.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
