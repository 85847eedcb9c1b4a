"""Extractive question answering: the answer span, chosen as the v4 pipeline chose it.

transformers 5 has no ``question-answering`` pipeline, so its v4 rule is
reproduced here: over the context's tokens, the span ``s <= e < s + 15``
with the largest ``start_logit[s] + end_logit[e]``. Its score is the start
probability times the end probability, each a softmax over the context's
tokens and the first ([CLS]) token, as v4 normalised them. Its text runs
from the start of the word holding token ``s`` to the end of the word
holding token ``e``, as v4 aligned answers to words (``align_to_words``).
"""

from __future__ import annotations

import torch

from explain.core.errors import InputError
from explain.core.task_results import Answer
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import Encoding

MAX_ANSWER_TOKENS = 15


def answer_positions(
    encoding: Encoding, cls_token_id: int | None
) -> tuple[list[int], torch.Tensor]:
    """The context's token positions, and where the v4 softmax reads (context and [CLS]).

    Returns:
        ``(context, allowed)``: positions in order, and a ``(seq_len,)`` bool mask.
    """
    special = encoding.special_mask[0].tolist()
    context = [
        i for i, (segment, is_special) in enumerate(zip(encoding.segments, special, strict=True))
        if segment == 1 and not is_special
    ]  # fmt: skip
    allowed = torch.zeros(len(special), dtype=torch.bool, device=encoding.input_ids.device)
    allowed[context] = True
    if cls_token_id is not None and int(encoding.input_ids[0, 0]) == cls_token_id:
        allowed[0] = True
    return context, allowed


def best_span(
    start_logits: torch.Tensor, end_logits: torch.Tensor, context: list[int]
) -> tuple[int, int]:
    """The v4 rule: over context tokens ``s <= e < s + 15``, the largest start + end logit.

    Ties go to the smallest ``s``, then the smallest ``e``, as ``argmax`` over
    the flattened start-by-end table does.

    Args:
        start_logits: ``(seq_len,)``.
        end_logits: ``(seq_len,)``.
        context: the context's token positions, ascending.

    Returns:
        ``(s, e)`` token positions.
    """
    inside = set(context)
    best: tuple[float, int, int] | None = None
    for s in context:
        for e in range(s, s + MAX_ANSWER_TOKENS):
            if e not in inside:
                continue
            value = float(start_logits[s]) + float(end_logits[e])
            if best is None or value > best[0]:
                best = (value, s, e)
    assert best is not None
    return best[1], best[2]


def word_aligned(
    loaded: LoadedModel, encoding: Encoding, question: str, context_text: str, s: int, e: int
) -> tuple[int, int]:
    """The answer's characters in the context, widened to whole words as the v4 pipeline did.

    A tokenizer that tells no words (a slow one, or one whose pre-tokenizer
    gives none) keeps the tokens' own offsets, as v4 fell back to them.

    Args:
        loaded: the model, for its tokenizer.
        encoding: the question and context's encoding.
        question: the question.
        context_text: the context.
        s: the answer's first token.
        e: its last token.

    Returns:
        ``(start, end)`` characters in the context.
    """
    pair = loaded.tokenizer(question, context_text, truncation=False)
    try:
        if pair["input_ids"] != encoding.input_ids[0].tolist():
            raise ValueError("the encodings differ")
        start = pair.word_to_chars(pair.token_to_word(s), sequence_index=1).start
        end = pair.word_to_chars(pair.token_to_word(e), sequence_index=1).end
    except (TypeError, ValueError):  # no word ids: None, or a slow tokenizer
        return encoding.offsets[s][0], encoding.offsets[e][1]
    return start, end


def predict_answer(
    loaded: LoadedModel, encoding: Encoding, question: str, context_text: str
) -> tuple[Answer, torch.Tensor, tuple[float, float]]:
    """The predicted answer, the mask the probabilities normalise over, and both probabilities.

    Args:
        loaded: the QA model.
        encoding: the question and context, encoded as a pair.
        question: the question.
        context_text: the context.

    Returns:
        ``(answer, allowed, (start probability, end probability))``.

    Raises:
        InputError: the context has no token (only special tokens).
    """
    context, allowed = answer_positions(encoding, loaded.tokenizer.cls_token_id)
    if not context:
        raise InputError("The context has no tokens to answer from. Type the text to answer from.")
    with torch.inference_mode():
        out = loaded.model(input_ids=encoding.input_ids, **encoding.model_inputs())
    start_logits = out.start_logits[0].float()  # (seq_len,)
    end_logits = out.end_logits[0].float()
    s, e = best_span(start_logits, end_logits, context)
    p_start = torch.softmax(start_logits.masked_fill(~allowed, -torch.inf), dim=-1)
    p_end = torch.softmax(end_logits.masked_fill(~allowed, -torch.inf), dim=-1)
    first, last = word_aligned(loaded, encoding, question, context_text, s, e)
    answer = Answer(
        text=context_text[first:last],
        start=first,
        end=last,
        score=float(p_start[s] * p_end[e]),
        start_token=s,
        end_token=e,
    )
    return answer, allowed, (float(p_start[s]), float(p_end[e]))
