"""Put model-supplied strings (labels, tokens) into Streamlit Markdown as plain text."""

from __future__ import annotations

import re

MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def literal(text: str) -> str:
    """Escape Markdown syntax (links, images, emphasis, LaTeX) so ``text`` shows as typed."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", text)
