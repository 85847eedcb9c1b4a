"""A task's input, encoded whole: a task's target is a position, so nothing may be cut."""

from __future__ import annotations

from explain.core.errors import InputError
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import Encoding, encode


def encode_whole(loaded: LoadedModel, text: str, text_pair: str | None = None) -> Encoding:
    """``text`` (and ``text_pair``) encoded, refused when the model's window would cut it.

    Raises:
        InputError: the text is empty, or takes more tokens than the model's
            window; the message says by how many.
    """
    encoding = encode(loaded.tokenizer, text, loaded.max_length, loaded.device, text_pair)
    if encoding.tokens_dropped:
        raise InputError(
            f"The input takes {encoding.input_ids.shape[1] + encoding.tokens_dropped} tokens, "
            f"more than the model's {loaded.max_length}; {encoding.tokens_dropped} would be cut. "
            "Shorten the text."
        )
    return encoding
