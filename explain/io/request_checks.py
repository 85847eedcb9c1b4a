"""The checks a request from outside gets before a model is touched: a shared link, an HTTP body.

The page's links (:mod:`explain.io.links`) and the service's request parser
(:mod:`explain.serve.requests`) both run these (and the registries' own
lookups, :func:`explain.get_method`, :func:`explain.get_baseline` and
:func:`explain.check_output`), so a checkpoint, a method or a setting one of
them refuses, the other refuses too.
Every refusal is a project error whose message says how to fix it.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from explain.core.errors import CheckpointError, InputError
from explain.core.settings import Setting, TextSetting
from explain.methods.baselines import BASELINES
from explain.methods.registry import METHODS, get_method
from explain.model.checkpoints import ALLOWED_ROOTS_ENV, HUB_ID, looks_like_path

OptionValue = int | float | str | bool
"""A checked option, as :func:`explain.attribute` takes it."""


def check_checkpoint(spec: str, registered: Collection[str], directories: bool) -> str:
    """The checkpoint a request from outside names, once it may name it.

    A request from outside must not make the server download a checkpoint:
    a Hugging Face Hub id is refused. Where ``directories`` is False (a
    shared link), neither may it make the server read a directory of its
    choosing: only ``registered`` names pass. Where it is True (the service),
    a path passes on to the loader, which keeps it under the allowed roots.

    Args:
        spec: the checkpoint as the request names it.
        registered: the checkpoint names the request may name.
        directories: whether a local directory may be named.

    Returns:
        ``spec`` without surrounding whitespace.

    Raises:
        CheckpointError: ``spec`` is a Hub id, or (without ``directories``)
            anything but a registered name; the message lists those.
    """
    spec = spec.strip()
    if spec in registered:
        return spec
    names = ", ".join(registered) or "none"
    if not directories:
        raise CheckpointError(
            f"{spec[:200]!r} is not a registered checkpoint ({names}); only those are opened "
            "from outside, so that nothing is downloaded or read on a request's say-so."
        )
    if not looks_like_path(spec) and HUB_ID.match(spec):
        raise CheckpointError(
            f"This server serves the registered checkpoints ({names}) and "
            f"directories, given as absolute paths, under the roots its operator allows "
            f"({ALLOWED_ROOTS_ENV}); {spec[:100]!r} is neither, and it downloads nothing "
            "from the Hugging Face Hub."
        )
    return spec


def check_method(name: object) -> str:
    """A registered method's name.

    Raises:
        InputError: ``name`` is not a string, or not a registered method; the
            message lists the valid ones.
    """
    if not isinstance(name, str):
        raise InputError(f"'method' must be a method name, not {name!r:.80}.")
    return get_method(name).name


def declared_settings() -> dict[str, Setting | TextSetting]:
    """Every setting a method or baseline declares, by keyword name, auto steps' included."""
    found: dict[str, Setting | TextSetting] = {}
    declared = [
        *(setting for method in METHODS.values() for setting in method.settings),
        *(setting for baseline in BASELINES.values() for setting in baseline.settings),
        *(setting for method in METHODS.values() for setting in method.auto_settings),
    ]
    for setting in declared:
        found.setdefault(setting.name, setting)
    return found


def check_label(value: object, name: str) -> int | str | None:
    """A label as a request gives it: a name, an index, or None for the predicted one.

    Raises:
        InputError: it is none of these.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise InputError(f"'{name}' must be a label name or index, not {value!r:.80}.")


def check_option(
    name: str, value: object, settings: dict[str, Setting | TextSetting]
) -> OptionValue:
    """One of a method's other options, checked against its declared setting if it has one.

    Args:
        name: the keyword name (``n_steps``, ``auto_steps``, ``contrast``, ...).
        value: its value.
        settings: the declared settings by name, as :func:`declared_settings` gives them.

    Returns:
        The value, as the setting takes it.

    Raises:
        InputError: the value is of the wrong type, not finite, or out of its
            declared range.
    """
    if name == "auto_steps":
        if not isinstance(value, bool):
            raise InputError(f"auto_steps must be true or false, not {value!r:.80}.")
        return value
    if name in ("contrast", "internal_batch_size"):
        checked = check_label(value, name)
        if checked is None:
            raise InputError(f"'{name}' must not be null; leave it out instead.")
        return checked
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"'{name}' must be a finite number.")
    if not isinstance(value, int | float | str) or value is None:
        raise InputError(f"'{name}' must be a number or a string, not {value!r:.80}.")
    setting = settings.get(name)
    return setting.check(value) if setting is not None else value
