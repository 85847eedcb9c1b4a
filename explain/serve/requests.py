"""An explanation request as the HTTP API takes it: JSON in, a checked, frozen request out.

The JSON names are the keyword names the CLI and :func:`explain.attribute` use
(``n_steps``, ``baseline_seed``, ...; a CLI flag's dashes may be given as
well). Every check here runs before a model is touched, and every refusal is an
:class:`explain.InputError` whose message is the one the page shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from explain.core.errors import InputError
from explain.core.limits import MAX_TEXT_CHARS, too_long
from explain.core.settings import Setting, TextSetting
from explain.core.targets import check_output
from explain.core.task_targets import TaskTarget, target_from_fields, target_text_chars
from explain.io.request_checks import (
    OptionValue,
    check_checkpoint,
    check_label,
    check_method,
    check_option,
    declared_settings,
)
from explain.methods.baselines import BASELINES, DEFAULT_BASELINE
from explain.methods.registry import DEFAULT_METHOD, check_options, get_method
from explain.model.checkpoints import CHECKPOINTS, DEFAULT_CHECKPOINT

MAX_CHECKPOINT_CHARS = 500
# The body limit follows from the text limit: every request with texts within it must fit.
# JSON writes one character as itself (at most 4 bytes of UTF-8), as a two-byte escape
# (\n, \"), or as \uXXXX escapes: one (6 bytes) inside the Basic Multilingual Plane, a
# surrogate pair (12 bytes) beyond it, as json.dumps with ensure_ascii (Python's
# default) writes an emoji. So a string of n characters takes at most 12 n + 2 bytes
# with its quotes. The text and its pair (MAX_TEXT_CHARS each) and the checkpoint come
# to 2 (12 * 20,000 + 2) + 12 * 500 + 2 = 486,006 bytes; the other fields (field
# names, punctuation, method, output, baseline, target and the method's options, under
# 2 KiB even pretty-printed) get 16 KiB, room for a long label name. In all 502,390.
ESCAPED_CHAR_BYTES = 12
OTHER_FIELDS_BYTES = 16 * 1024
MAX_BODY_BYTES = (
    2 * (ESCAPED_CHAR_BYTES * MAX_TEXT_CHARS + 2)
    + ESCAPED_CHAR_BYTES * MAX_CHECKPOINT_CHARS
    + 2
    + OTHER_FIELDS_BYTES
)
FIELDS = (
    "text", "text_pair", "checkpoint", "method", "target", "output", "baseline", "task_target"
)  # fmt: skip
# A task target's texts (a question, or candidate labels and their template) take the
# place of the second text, which a task request refuses; they share its limit.


class RequestTooLarge(InputError):
    """A request body or text is over the server's size limit."""


@dataclass(frozen=True)
class ExplainRequest:
    """One explanation a client asked for, checked.

    Args:
        text: the text to explain.
        text_pair: a second text, for sentence-pair checkpoints. Default: None
        checkpoint: a registered name or a directory under the allowed roots.
        method: a name from :data:`explain.METHODS`.
        target: label index or name; None for the predicted label.
        output: ``"probability"``, ``"logit"`` or ``"log_odds"``.
        baseline: a name from :data:`explain.BASELINES`, or None for a method
            without a baseline.
        options: the method's and baseline's other settings, sorted by name.
        task_target: what a token classifier, zero-shot NLI model or QA model
            is asked to explain; None for a sequence classifier. Default: None
    """

    text: str
    text_pair: str | None
    checkpoint: str
    method: str
    target: int | str | None
    output: str
    baseline: str | None
    options: tuple[tuple[str, OptionValue], ...]
    task_target: TaskTarget | None = None

    def keywords(self) -> dict[str, object]:
        """The keyword arguments of :func:`explain.attribute` besides the model, text and method."""
        found: dict[str, object] = {"target": self.target, "output": self.output}
        if self.baseline is not None:
            found["baseline"] = self.baseline
        if self.text_pair is not None:
            found["text_pair"] = self.text_pair
        return found | dict(self.options)

    def settings_key(self) -> tuple[object, ...]:
        """What must match for two requests to be computed together: all but the texts."""
        return (
            self.checkpoint,
            self.method,
            self.target,
            self.output,
            self.baseline,
            self.options,
            self.task_target,
        )


def parse_body(body: bytes) -> dict[str, object]:
    """The JSON object of a request body.

    Raises:
        RequestTooLarge: the body is over :data:`MAX_BODY_BYTES`.
        InputError: it is not a JSON object.
    """
    if len(body) > MAX_BODY_BYTES:
        raise RequestTooLarge(
            f"The request is {len(body):,} bytes; this server takes at most "
            f"{MAX_BODY_BYTES:,}. Send shorter texts."
        )
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise InputError(
            f"The request body is not valid JSON ({error}). Send a JSON object such as "
            '{"text": "The ride was smooth."}.'
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            'The request body must be a JSON object such as {"text": "The ride was smooth."}.'
        )
    return data


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _text(data: dict[str, object], name: str, required: bool) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"'{name}' must be some text, not {value!r:.80}.")
    if len(value) > MAX_TEXT_CHARS:
        raise RequestTooLarge(too_long(f"'{name}'", len(value)))
    return value


def parse_request(body: bytes) -> ExplainRequest:
    """Check a ``POST /explain`` body and turn it into an :class:`ExplainRequest`.

    Args:
        body: the raw request body.

    Returns:
        The checked request. Options the method does not take, settings out of
        range, an unknown method, output or baseline are refused here; what
        needs the model (an unknown label name, say) is refused when it runs.

    Raises:
        RequestTooLarge: the body or a text is over its limit.
        InputError: anything else is wrong; the message says what and how to fix it.
    """
    data = parse_body(body)
    text = _text(data, "text", required=True)
    assert text is not None
    text_pair = _text(data, "text_pair", required=False)
    checkpoint = data.get("checkpoint", DEFAULT_CHECKPOINT)
    if not isinstance(checkpoint, str) or not checkpoint.strip():
        raise InputError(
            f"'checkpoint' must be a checkpoint name or directory, not {checkpoint!r}."
        )
    if len(checkpoint) > MAX_CHECKPOINT_CHARS:
        raise RequestTooLarge(f"'checkpoint' is longer than {MAX_CHECKPOINT_CHARS} characters.")
    checkpoint = check_checkpoint(checkpoint, tuple(CHECKPOINTS), directories=True)
    method = get_method(check_method(data.get("method", DEFAULT_METHOD)))
    output = check_output(str(data.get("output", "probability")))
    baseline: str | None = None
    if method.uses_baseline:
        baseline = str(data.get("baseline", DEFAULT_BASELINE))
        if baseline not in BASELINES:
            raise InputError(
                f"Unknown baseline {baseline!r:.80}. Choose one of: {', '.join(BASELINES)}."
            )
    settings: dict[str, Setting | TextSetting] = declared_settings()
    options = {
        key.replace("-", "_"): value
        for key, value in data.items()
        if key not in FIELDS and value is not None
    }
    check_options(method.name, options)
    checked = {name: check_option(name, value, settings) for name, value in options.items()}
    task_target = None
    if data.get("task_target") is not None:
        task_target = target_from_fields(data["task_target"])
        if text_pair is not None or data.get("target") is not None:
            raise InputError(
                "A task request takes no 'text_pair' or 'target': its 'task_target' says what "
                "is explained (the label, candidate or question is part of it)."
            )
        if target_text_chars(task_target) > MAX_TEXT_CHARS:
            raise RequestTooLarge(
                too_long("The task target's text", target_text_chars(task_target))
            )
    return ExplainRequest(
        text=text,
        text_pair=text_pair,
        checkpoint=checkpoint,
        method=method.name,
        target=check_label(data.get("target"), "target"),
        output=output,
        baseline=baseline,
        options=tuple(sorted(checked.items())),
        task_target=task_target,
    )
