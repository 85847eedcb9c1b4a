"""Errors raised by the Tokenlight backend. Each message names the fix."""


class TokenlightError(Exception):
    """Base class for every error Tokenlight raises on purpose."""


class CheckpointError(TokenlightError):
    """A checkpoint could not be found, trusted or loaded."""


class BundledCheckpointMissing(CheckpointError):
    """The bundled checkpoint has not been built yet."""


class InputError(TokenlightError, ValueError):
    """The text, target or settings given to an attribution are not usable."""


class DeviceError(TokenlightError, ValueError):
    """The device asked for (by ``TOKENLIGHT_DEVICE`` or the caller) is unknown or absent."""
