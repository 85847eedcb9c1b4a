"""The One-text request that explains a results directory's text again, with the job's settings.

A job's manifest records its checkpoint, method and options in the form
:meth:`explain.AttributionRequest.options` gives them (``target``, ``output``,
``baseline``, the method's settings, the baseline's options, and the optional
ones); :func:`replay_request` turns them back into a request.
"""

from __future__ import annotations

from collections.abc import Mapping

from explain.core.errors import InputError
from explain.core.results import LONG_MODES
from explain.core.task_targets import target_from_fields
from explain.methods.baselines import BASELINES, DEFAULT_BASELINE
from explain.methods.registry import DEFAULT_METHOD
from explain.methods.request import AttributionRequest, Pairs, Value

FIELDS = ("target", "output", "baseline", "text_pair", "contrast", "auto_steps", "tolerance")


def replay_request(manifest: Mapping[str, object], text: str) -> AttributionRequest:
    """The request that explains ``text`` as the job that wrote ``manifest`` did.

    Args:
        manifest: a results directory's ``_manifest.json`` (its ``checkpoint``,
            ``method``, ``options`` and, for a task, ``task_target``).
        text: the text to explain (a QA model's context).

    Returns:
        The request.

    Raises:
        InputError: the manifest names no checkpoint, or its method, options or
            task target are not ones this version takes (the message lists the
            valid ones).
    """
    checkpoint = manifest.get("checkpoint")
    if not isinstance(checkpoint, str) or not checkpoint.strip():
        raise InputError(
            "The results directory's manifest names no checkpoint, so its texts cannot be "
            "explained again. Open the text in One text and pick the checkpoint yourself."
        )
    method = str(manifest.get("method") or DEFAULT_METHOD)
    raw = manifest.get("options")
    options: dict[str, object] = dict(raw) if isinstance(raw, Mapping) else {}
    named = {name: options.pop(name) for name in FIELDS if name in options}
    baseline = str(named.get("baseline") or DEFAULT_BASELINE)
    if baseline not in BASELINES:
        raise InputError(f"Unknown baseline {baseline!r}. Choose one of: {', '.join(BASELINES)}.")
    declared = {spec.name for spec in BASELINES[baseline].settings}
    baseline_options = _pairs({name: options.pop(name) for name in sorted(declared & set(options))})
    long = str(options.pop("long", "truncate"))
    if long not in LONG_MODES:
        raise InputError(f"Unknown long mode {long!r}. Choose one of: {', '.join(LONG_MODES)}.")
    stride = options.pop("stride", None)
    target, contrast = named.get("target"), named.get("contrast")
    tolerance = named.get("tolerance")
    text_pair = named.get("text_pair")
    raw_target = manifest.get("task_target")
    task_target = None if raw_target is None else target_from_fields(raw_target)
    return AttributionRequest(
        checkpoint=checkpoint.strip(),
        text=text,
        method=method,
        target=target if isinstance(target, int | str) else None,
        output=str(named.get("output") or "probability"),
        baseline=baseline,
        settings=_pairs(options),
        text_pair=text_pair if isinstance(text_pair, str) else None,
        contrast=contrast if isinstance(contrast, int | str) else None,
        baseline_options=baseline_options,
        auto_steps=bool(named.get("auto_steps")),
        tolerance=float(tolerance) if isinstance(tolerance, int | float) else None,
        long="windows" if long == "windows" else "truncate",
        stride=int(stride) if isinstance(stride, int) else None,
        task_target=task_target,
    )


def _pairs(options: Mapping[str, object]) -> Pairs:
    """``options`` as sorted ``(name, value)`` pairs.

    Raises:
        InputError: a value is not a number, a string or a flag.
    """
    pairs: list[tuple[str, Value]] = []
    for name in sorted(options):
        value = options[name]
        if not isinstance(value, int | float | str):
            raise InputError(
                f"The manifest's option {name!r} is {value!r}, not a number or a string. "
                "Give a results directory that tokenlight explain wrote."
            )
        pairs.append((name, value))
    return tuple(pairs)
