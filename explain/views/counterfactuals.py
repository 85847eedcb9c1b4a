"""What would change the classifier's mind: two texts compared word by word, and edits that flip it.

:func:`compare_texts` aligns the words of a text and an edited copy
(``difflib`` on the words: matched, inserted, deleted) and gives each word's
change in attribution. :func:`suggest_edits` searches for small edits with the
classifier itself, and checks every one with a forward pass on the edited text:

- deletions of one to three words, found by a beam search whose candidates
  go through the model in batched forwards (Ebrahimi et al.'s ablation flip,
  as in LIT);
- single-word substitutions in the HotFlip style (Ebrahimi et al., 2018,
  https://arxiv.org/abs/1712.06751): the gradient of the target probability
  with respect to each token's one-hot input, ``grad_i · (E[v] - E[x_i])``,
  ranks every vocabulary entry ``v`` at every position ``i``, and the best
  candidates are verified.

The smallest verified edit that changes the predicted label is reported, or
None when none was found within the budget.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import torch

from explain.core.errors import CheckpointError, InputError
from explain.core.results import Attribution
from explain.core.targets import Head, label_probabilities, resolve_label
from explain.model.checkpoints import LoadedModel
from explain.model.encoding import encode
from explain.text.words import Aggregation, Word, WordAttribution, group_words, merge_words

AlignmentKind = Literal["matched", "inserted", "deleted"]
EditKind = Literal["delete", "substitute"]
TOKEN_BUDGET = 4096  # padded tokens per forward pass
DEFAULT_DELETION_BUDGET = 200
DEFAULT_SUBSTITUTION_BUDGET = 64
DEFAULT_BEAM = 6
MAX_DELETED_WORDS = 3


@dataclass(frozen=True)
class AlignedWord:
    """One slot of a word alignment between a text (before) and its edit (after).

    Args:
        kind: ``"matched"`` (in both), ``"deleted"`` (only before) or
            ``"inserted"`` (only after).
        before: the word in the first text; None when inserted.
        after: the word in the edited text; None when deleted.
        before_score: the word's score in the first text; None when inserted.
        after_score: the word's score in the edited text; None when deleted.
    """

    kind: AlignmentKind
    before: str | None
    after: str | None
    before_score: float | None
    after_score: float | None

    @property
    def change(self) -> float:
        """``after_score - before_score``, a missing side counting as 0."""
        return (self.after_score or 0.0) - (self.before_score or 0.0)

    @property
    def label(self) -> str:
        """The word as a chart shows it: ``old → new`` never occurs, one side is enough."""
        return self.after if self.after is not None else str(self.before)


@dataclass(frozen=True)
class TextComparison:
    """Two explanations of a text and its edit, aligned word by word.

    Args:
        before: the first text's attribution.
        after: the edited text's attribution.
        before_words: the first text's word scores.
        after_words: the edited text's word scores.
        alignment: the words of both, in reading order.
    """

    before: Attribution
    after: Attribution
    before_words: WordAttribution
    after_words: WordAttribution
    alignment: tuple[AlignedWord, ...]

    @property
    def prediction_changed(self) -> bool:
        return self.before.predicted_label != self.after.predicted_label


def _normal(word: str) -> str:
    return word.casefold()


def align_words(before: WordAttribution, after: WordAttribution) -> tuple[AlignedWord, ...]:
    """Align two texts' words with ``difflib``: matched, deleted and inserted words.

    Words are compared case-insensitively. A replaced run of words counts as
    its old words deleted, then its new words inserted.

    Args:
        before: the first text's word scores.
        after: the edited text's word scores.

    Returns:
        Every word of both texts once, in reading order.
    """
    old = [_normal(word.text) for word in before.words]
    new = [_normal(word.text) for word in after.words]
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    aligned: list[AlignedWord] = []

    def deleted(i: int) -> AlignedWord:
        return AlignedWord("deleted", before.words[i].text, None, before.scores[i], None)

    def inserted(j: int) -> AlignedWord:
        return AlignedWord("inserted", None, after.words[j].text, None, after.scores[j])

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            aligned += [
                AlignedWord(
                    "matched",
                    before.words[i].text,
                    after.words[j].text,
                    before.scores[i],
                    after.scores[j],
                )
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
        else:
            aligned += [deleted(i) for i in range(i1, i2)]
            aligned += [inserted(j) for j in range(j1, j2)]
    return tuple(aligned)


def compare_texts(
    before: Attribution, after: Attribution, aggregation: Aggregation = "sum"
) -> TextComparison:
    """Align two attributions of a text and its edit word by word.

    Args:
        before: the first text's attribution.
        after: the edited text's, from the same checkpoint, method and target.
        aggregation: how token scores become word scores. Default: ``"sum"``

    Returns:
        The :class:`TextComparison`.

    Raises:
        InputError: the two explain different labels or label sets, so their
            scores are not comparable.
    """
    if before.labels != after.labels or before.target_label != after.target_label:
        raise InputError(
            "The two texts were explained for different labels. Explain both for the "
            "same target label."
        )
    before_words = merge_words(before, aggregation)
    after_words = merge_words(after, aggregation)
    return TextComparison(
        before=before,
        after=after,
        before_words=before_words,
        after_words=after_words,
        alignment=align_words(before_words, after_words),
    )


@dataclass(frozen=True)
class Edit:
    """One edit of the text, checked with a forward pass on the edited text.

    Args:
        kind: ``"delete"`` (one to three words removed) or ``"substitute"``
            (one word replaced).
        text: the edited text.
        removed: the words taken out, in reading order.
        inserted: the word put in; None for a deletion.
        size: how many words changed.
        target_probability: the target label's probability on the edited text.
        change: ``target_probability`` minus its value on the original text.
        predicted_label: the label predicted for the edited text.
        flips: whether the predicted label differs from the original's.
    """

    kind: EditKind
    text: str
    removed: tuple[str, ...]
    inserted: str | None
    size: int
    target_probability: float
    change: float
    predicted_label: str
    flips: bool

    @property
    def description(self) -> str:
        """The edit in words, such as ``delete "not"`` or ``"great" → "awful"``."""
        if self.kind == "delete":
            return "delete " + ", ".join(f'"{word}"' for word in self.removed)
        return f'"{self.removed[0]}" → "{self.inserted}"'


@dataclass(frozen=True)
class Suggestions:
    """Edits that move the target's probability most, each verified by a forward pass.

    Args:
        text: the original text.
        labels: the checkpoint's labels.
        predicted_label: the label predicted for the original text.
        target_label: the label whose probability the edits move.
        target_probability: its probability on the original text.
        direction: ``"lower"`` when the target is the predicted label (edits
            push it down, towards a flip), else ``"raise"``.
        deletions: the best deletions, best first.
        substitutions: the best substitutions, best first.
        smallest_flip: the verified edit that changes the predicted label with
            the fewest words changed (ties: the largest move); None when none
            was found within the budget.
        checked: how many edited texts went through the model.
        deletion_budget: the most deletions that could be checked.
        substitution_budget: the most substitutions that could be checked.
    """

    text: str
    labels: tuple[str, ...]
    predicted_label: str
    target_label: str
    target_probability: float
    direction: Literal["lower", "raise"]
    deletions: tuple[Edit, ...]
    substitutions: tuple[Edit, ...]
    smallest_flip: Edit | None
    checked: int
    deletion_budget: int
    substitution_budget: int

    @property
    def flip_note(self) -> str:
        """One sentence on the smallest flipping edit, or that none was found."""
        if self.smallest_flip is None:
            return (
                f"No edit within the budget ({self.checked} edited texts checked) changes the "
                f"prediction from {self.predicted_label}."
            )
        edit = self.smallest_flip
        words = "word" if edit.size == 1 else "words"
        return (
            f"Smallest edit that flips the prediction ({edit.size} {words}): "
            f"{edit.description}, giving {edit.predicted_label}."
        )


def _log_score(logits: torch.Tensor, head: Head) -> torch.Tensor:
    """What substitutions are ranked by: log-probability, log-sigmoid, or a regressor's score."""
    if head == "regression":
        return logits
    if head == "multi_label":
        return torch.nn.functional.logsigmoid(logits)
    return torch.log_softmax(logits, dim=-1)


def probabilities(loaded: LoadedModel, texts: Sequence[str]) -> torch.Tensor:
    """Every label's probability for each text, in right-padded batched forwards.

    Args:
        loaded: the model.
        texts: the texts; each truncated to the model's length limit.

    Returns:
        ``(len(texts), num_labels)`` float CPU tensor.
    """
    if not texts:
        return torch.zeros((0, len(loaded.labels)))
    tokenizer = loaded.tokenizer
    with loaded.lock:
        encoded = tokenizer(list(texts), truncation=True, max_length=loaded.max_length)["input_ids"]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        result = torch.empty((len(texts), len(loaded.labels)))
        pad_id = tokenizer.pad_token_id or 0
        start = 0
        with torch.inference_mode():
            while start < len(order):
                rows = [order[start]]
                while start + len(rows) < len(order):
                    width = len(encoded[order[start + len(rows)]])
                    if width * (len(rows) + 1) > TOKEN_BUDGET:
                        break
                    rows.append(order[start + len(rows)])
                width = max(len(encoded[i]) for i in rows)
                ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(rows), width), dtype=torch.long)
                for row, index in enumerate(rows):
                    ids[row, : len(encoded[index])] = torch.tensor(encoded[index])
                    mask[row, : len(encoded[index])] = 1
                logits = loaded.model(
                    input_ids=ids.to(loaded.device), attention_mask=mask.to(loaded.device)
                ).logits  # (rows, num_labels)
                result[rows] = label_probabilities(logits.float(), loaded.head).cpu()
                start += len(rows)
    return result


def _without(text: str, words: Sequence[Word]) -> str:
    """``text`` with ``words`` cut out and the spaces around each cut closed up."""
    pieces = []
    cursor = 0
    for word in sorted(words, key=lambda w: w.start):
        pieces.append(text[cursor : word.start])
        cursor = word.end
    pieces.append(text[cursor:])
    joined = pieces[0]
    for piece in pieces[1:]:
        joined = (
            joined.rstrip(" ")
            + (" " if joined.strip() and piece[:1] == " " else "")
            + (piece.lstrip(" "))
        )
    return re.sub(r" {2,}", " ", joined).strip()


def _replaced(text: str, word: Word, replacement: str) -> str:
    return text[: word.start] + replacement + text[word.end :]


def _words(loaded: LoadedModel, text: str) -> tuple[tuple[Word, ...], list[int]]:
    """The text's words (those that carry letters or digits) and the token ids."""
    with loaded.lock:
        encoding = encode(loaded.tokenizer, text, loaded.max_length, torch.device("cpu"))
    special = tuple(encoding.special_mask[0].tolist())
    words = group_words(encoding.tokens, encoding.offsets, special, text)
    if words and all(word.end == 0 for word in words):
        raise InputError(
            "This checkpoint's tokenizer gives no character offsets, so edits cannot be placed "
            "on the text. Use a checkpoint with a fast tokenizer."
        )
    return words, encoding.input_ids[0].tolist()


def suggest_edits(
    loaded: LoadedModel,
    text: str,
    target: int | str | None = None,
    deletion_budget: int = DEFAULT_DELETION_BUDGET,
    substitution_budget: int = DEFAULT_SUBSTITUTION_BUDGET,
    beam: int = DEFAULT_BEAM,
    keep: int = 5,
) -> Suggestions:
    """Find small edits that move the target's probability most, each verified by the model.

    Deletions: every single word is tried; the ``beam`` best sets are then
    grown by one more word, up to three, until ``deletion_budget`` edited
    texts have been checked. Substitutions: one backward pass gives
    ``grad_i · (E[v] - E[x_i])`` for every text token ``i`` that is a whole
    word and every vocabulary entry ``v`` that is a whole word (a first-order
    estimate of the change, HotFlip); the ``substitution_budget`` best are
    verified. All checks are batched forwards on the edited texts.

    Args:
        loaded: the model.
        text: the text to edit.
        target: the label whose probability the edits move, index or name.
            Default: None, the predicted label (edits lower it, towards a flip);
            any other label is raised.
        deletion_budget: most deletions checked. Default: 200
        substitution_budget: most substitutions checked. Default: 64
        beam: deletion sets grown at each size. Default: 6
        keep: edits of each kind returned. Default: 5

    Returns:
        The :class:`Suggestions`.

    Raises:
        InputError: the text is empty, has no words, or a budget is negative.
        ValueError: the target is unknown.
    """
    if min(deletion_budget, substitution_budget) < 0 or beam < 1 or keep < 1:
        raise InputError("Budgets must not be negative, and beam and keep must be at least 1.")
    words, token_ids = _words(loaded, text)
    words = tuple(word for word in words if any(c.isalnum() for c in word.text))
    if not words:
        raise InputError("The text has no words to edit. Type a sentence with words.")
    original = probabilities(loaded, [text])[0]  # (num_labels,)
    predicted = int(original.argmax())
    label = resolve_label(target, loaded.labels, predicted)
    direction: Literal["lower", "raise"] = "lower" if label == predicted else "raise"
    p_original = float(original[label])

    def edit(
        kind: EditKind,
        edited: str,
        removed: Sequence[str],
        inserted: str | None,
        probs: torch.Tensor,
    ) -> Edit:
        new_predicted = int(probs.argmax())
        return Edit(
            kind=kind,
            text=edited,
            removed=tuple(removed),
            inserted=inserted,
            size=len(removed),
            target_probability=float(probs[label]),
            change=float(probs[label]) - p_original,
            predicted_label=loaded.labels[new_predicted],
            flips=new_predicted != predicted,
        )

    def gain(e: Edit) -> float:
        return -e.change if direction == "lower" else e.change

    deletions = _deletions(loaded, text, words, deletion_budget, beam, edit, gain)
    substitutions = _substitutions(
        loaded, text, words, token_ids, label, direction, substitution_budget, edit
    )

    def best(edits: list[Edit]) -> tuple[Edit, ...]:
        return tuple(sorted(edits, key=lambda e: -gain(e))[:keep])

    flips = [e for e in deletions + substitutions if e.flips]
    smallest = min(flips, key=lambda e: (e.size, -gain(e)), default=None)
    return Suggestions(
        text=text,
        labels=loaded.labels,
        predicted_label=loaded.labels[predicted],
        target_label=loaded.labels[label],
        target_probability=p_original,
        direction=direction,
        deletions=best(deletions),
        substitutions=best(substitutions),
        smallest_flip=smallest,
        checked=len(deletions) + len(substitutions),
        deletion_budget=deletion_budget,
        substitution_budget=substitution_budget,
    )


MakeEdit = Callable[[EditKind, str, Sequence[str], str | None, torch.Tensor], Edit]


def _deletions(
    loaded: LoadedModel,
    text: str,
    words: tuple[Word, ...],
    budget: int,
    beam: int,
    edit: MakeEdit,
    gain: Callable[[Edit], float],
) -> list[Edit]:
    """Beam search over sets of one to three deleted words, checked in batched forwards.

    The beam keeps the sets whose edits flip the prediction first, then those
    with the largest ``gain``; a set that would delete every word is skipped.
    """
    checked: dict[str, Edit] = {}  # by edited text: two sets can give the same text
    frontier: list[frozenset[int]] = [frozenset()]
    for _size in range(1, MAX_DELETED_WORDS + 1):
        candidates: dict[str, frozenset[int]] = {}
        for base in frontier:
            for index in range(len(words)):
                grown = base | {index}
                if index in base or len(grown) == len(words):
                    continue
                edited = _without(text, [words[i] for i in sorted(grown)])
                if edited.strip() and edited not in checked and edited not in candidates:
                    candidates[edited] = grown
        texts = list(candidates)[: max(0, budget - len(checked))]
        if not texts:
            break
        probs = probabilities(loaded, texts)  # (len(texts), num_labels)
        for row, edited in enumerate(texts):
            removed = [words[w].text for w in sorted(candidates[edited])]
            checked[edited] = edit("delete", edited, removed, None, probs[row])
        texts.sort(key=lambda t: (not checked[t].flips, -gain(checked[t])))
        frontier = [candidates[t] for t in texts[:beam]]
    return list(checked.values())


def _substitutions(
    loaded: LoadedModel,
    text: str,
    words: tuple[Word, ...],
    token_ids: list[int],
    label: int,
    direction: Literal["lower", "raise"],
    budget: int,
    edit: MakeEdit,
) -> list[Edit]:
    """HotFlip: rank (whole-word position, whole-word vocabulary entry) pairs by gradient.

    The best ``budget`` pairs are each checked with a forward pass on the edited text.
    """
    if budget == 0:
        return []
    tokenizer = loaded.tokenizer
    single = [
        (w, word.token_indices[0]) for w, word in enumerate(words) if len(word.token_indices) == 1
    ]
    if not single:
        return []
    embedding = loaded.model.get_input_embeddings()
    if not isinstance(embedding, torch.nn.Embedding):
        raise CheckpointError(
            f"{loaded.name}: its input embeddings are not a lookup table, so single-word "
            "swaps cannot be ranked by the gradient. Deletions still work: set "
            "substitution_budget=0."
        )
    table = embedding.weight.detach()  # (vocab, hidden)
    vocabulary = tokenizer.convert_ids_to_tokens(list(range(table.shape[0])))
    allowed = torch.tensor(
        [
            token is not None
            and token.isalpha()
            and not token.startswith(("##", "[", "<"))
            and index not in tokenizer.all_special_ids
            for index, token in enumerate(vocabulary)
        ]
    )
    ids = torch.tensor([token_ids], device=loaded.device)  # (1, seq_len)
    with loaded.lock, torch.enable_grad():
        inputs = embedding(ids).detach().requires_grad_(True)  # (1, seq_len, hidden)
        logits = loaded.model(inputs_embeds=inputs, attention_mask=torch.ones_like(ids)).logits
        score = _log_score(logits.float(), loaded.head)[0, label]
        (gradient,) = torch.autograd.grad(score, inputs)  # no parameter gradients kept
    gradient = gradient[0].to(table.dtype)  # (seq_len, hidden)
    positions = torch.tensor([position for _, position in single], device=table.device)
    estimate = gradient[positions] @ table.T  # (n_single, vocab)
    estimate = estimate - (gradient[positions] * table[ids[0, positions]]).sum(-1, keepdim=True)
    if direction == "lower":
        estimate = -estimate
    estimate[:, ~allowed.to(estimate.device)] = -torch.inf
    estimate[torch.arange(len(single)), ids[0, positions]] = -torch.inf  # no "replace by itself"
    flat = estimate.flatten()
    count = min(budget, int(torch.isfinite(flat).sum()))
    best = flat.topk(count).indices.tolist() if count else []
    pairs = [(single[i // table.shape[0]][0], vocabulary[i % table.shape[0]]) for i in best]
    texts = [_replaced(text, words[w], token) for w, token in pairs]
    probs = probabilities(loaded, texts)
    return [
        edit("substitute", edited, [words[w].text], token, probs[row])
        for row, (edited, (w, token)) in enumerate(zip(texts, pairs, strict=True))
    ]
