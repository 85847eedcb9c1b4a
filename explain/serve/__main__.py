"""``python -m explain.serve``: start the attribution service."""

from explain.serve.cli import main

raise SystemExit(main())
