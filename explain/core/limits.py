"""Size limits that the page, the command line and the service share.

One constant per limit, so a text the page takes is a text the service takes,
and one message for a text over it, so every entry point refuses it in the same words.
"""

from __future__ import annotations

from explain.core.errors import InputError

MAX_TEXT_CHARS = 20_000
"""The longest text (or second text of a pair) any entry point explains, in characters."""


def too_long(what: str, length: int) -> str:
    """The message for a text over :data:`MAX_TEXT_CHARS`, the same on every entry point.

    Args:
        what: the text, named as a sentence's subject: ``"'text'"``,
            ``"Line 3 of notes.txt"``, ``"The --pair text"``.
        length: the text's length in characters.

    Returns:
        The message, naming the limit and the fix.
    """
    return (
        f"{what} is {length:,} characters long; the limit is {MAX_TEXT_CHARS:,}. "
        f"Shorten it, or split it into texts of at most {MAX_TEXT_CHARS:,} characters."
    )


def check_length(text: str, what: str) -> None:
    """Refuse a text over :data:`MAX_TEXT_CHARS` characters.

    Args:
        text: the text.
        what: the text, named as a sentence's subject (see :func:`too_long`).

    Raises:
        InputError: the text is longer than the limit; the message is :func:`too_long`'s.
    """
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(too_long(what, len(text)))
