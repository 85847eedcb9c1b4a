"""``python -m explain.report``: the same as ``tokenlight report``."""

from explain.report.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
