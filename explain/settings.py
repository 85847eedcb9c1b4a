"""Settings a method declares: default, range and help, from which the UI builds controls."""

from __future__ import annotations

from dataclasses import dataclass

from explain.errors import InputError


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
    """

    name: str
    label: str
    default: int
    minimum: int
    maximum: int
    step: int
    help: str

    def check(self, value: int) -> int:
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
