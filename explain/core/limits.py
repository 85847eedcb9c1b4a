"""Size limits that the page, the command line and the service share.

One constant per limit, so a text the page takes is a text the service takes.
"""

from __future__ import annotations

MAX_TEXT_CHARS = 20_000
"""The longest text (or second text of a pair) any entry point explains, in characters."""
