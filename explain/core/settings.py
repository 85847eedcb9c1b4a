"""Settings a method declares: default, range and help, from which the UI builds controls."""

from __future__ import annotations

import math
from dataclasses import dataclass

from explain.core.errors import InputError


@dataclass(frozen=True)
class IntSetting:
    """An integer setting a method declares.

    Args:
        name: the keyword argument of the method's ``attribute``.
        label: what the UI calls it.
        default: its default value.
        minimum: the smallest allowed value.
        maximum: the largest allowed value.
        step: the UI's increment.
        help: one or two sentences for the UI's help text.
        applies_when: ``(setting, value)``: the setting matters, and the UI
            shows it, only while the method's other setting ``setting`` has
            ``value``. Default: None, always
    """

    name: str
    label: str
    default: int
    minimum: int
    maximum: int
    step: int
    help: str
    applies_when: tuple[str, str] | None = None

    def check(self, value: object) -> int:
        """Return ``value`` if it is in range.

        Raises:
            InputError: it is not an integer in ``[minimum, maximum]``.
        """
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"{self.label} must be a whole number, not {value!r}.")
        if not self.minimum <= value <= self.maximum:
            raise InputError(
                f"{self.label} must be between {self.minimum} and {self.maximum}, not {value}."
            )
        return value


@dataclass(frozen=True)
class FloatSetting:
    """A real-valued setting a method declares.

    Args:
        name: the keyword argument of the method's ``attribute``.
        label: what the UI calls it.
        default: its default value.
        minimum: the smallest allowed value.
        maximum: the largest allowed value.
        step: the UI's increment.
        help: one or two sentences for the UI's help text.
        applies_when: as for :class:`IntSetting`. Default: None, always
    """

    name: str
    label: str
    default: float
    minimum: float
    maximum: float
    step: float
    help: str
    applies_when: tuple[str, str] | None = None

    def check(self, value: object) -> float:
        """Return ``value`` as a float if it is a finite number in range.

        Raises:
            InputError: it is not a number, not finite, or not in ``[minimum, maximum]``.
        """
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{self.label} must be a number, not {value!r}.")
        if not math.isfinite(value) or not self.minimum <= value <= self.maximum:
            raise InputError(
                f"{self.label} must be between {self.minimum} and {self.maximum}, not {value}."
            )
        return float(value)


@dataclass(frozen=True)
class ChoiceSetting:
    """A setting that takes one of a few named values.

    Args:
        name: the keyword argument of the method's ``attribute``.
        label: what the UI calls it.
        default: its default value, one of ``choices``.
        choices: the allowed values, in the order the UI lists them.
        help: one or two sentences for the UI's help text.
    """

    name: str
    label: str
    default: str
    choices: tuple[str, ...]
    help: str

    def __post_init__(self) -> None:
        if self.default not in self.choices:
            raise ValueError(f"{self.name}: the default {self.default!r} is not a choice.")

    def check(self, value: object) -> str:
        """Return ``value`` if it is one of the choices.

        Raises:
            InputError: it is not; the message lists the choices.
        """
        if not isinstance(value, str) or value not in self.choices:
            raise InputError(
                f"{self.label} must be one of {', '.join(self.choices)}, not {value!r}."
            )
        return value


@dataclass(frozen=True)
class TextSetting:
    """A short free-text setting, such as a token the user types.

    Args:
        name: the keyword argument of the method's ``attribute``.
        label: what the UI calls it.
        default: its default value.
        max_chars: the longest value allowed, in characters.
        help: one or two sentences for the UI's help text.
    """

    name: str
    label: str
    default: str
    max_chars: int
    help: str

    def check(self, value: object) -> str:
        """Return ``value`` without surrounding whitespace if it is usable.

        Raises:
            InputError: it is not a string, is empty or only whitespace, or is
                longer than ``max_chars``.
        """
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{self.label} must be some text, not {value!r}.")
        if len(value.strip()) > self.max_chars:
            raise InputError(f"{self.label} must be at most {self.max_chars} characters long.")
        return value.strip()


Setting = IntSetting | FloatSetting | ChoiceSetting
SettingValue = int | float | str


SEED = IntSetting(
    name="seed",
    label="Random seed",
    default=0,
    minimum=0,
    maximum=2**31 - 1,
    step=1,
    help="Seeds the random samples: the same seed gives the same scores; another seed "
    "shows how much they vary.",
)
