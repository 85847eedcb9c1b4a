"""Choose the torch device: CUDA when there is one, else CPU, with an override."""

from __future__ import annotations

import os

import torch

from explain.core.errors import DeviceError

DEVICE_ENV = "TOKENLIGHT_DEVICE"


def resolve_device(requested: str | None = None) -> torch.device:
    """Return the device to run on.

    Args:
        requested: ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``. Default: the
            ``TOKENLIGHT_DEVICE`` environment variable, else ``"auto"``.

    Raises:
        DeviceError: the device is unknown, or CUDA was asked for and is absent.
    """
    choice = (requested or os.environ.get(DEVICE_ENV) or "auto").strip().lower()
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(choice)
    except RuntimeError as error:
        raise DeviceError(
            f"Unknown device {choice!r} (from {DEVICE_ENV} or the caller). "
            "Use 'auto', 'cpu', 'cuda' or 'cuda:N'."
        ) from error
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceError(
            f"Device {choice!r} was requested but this machine has no CUDA GPU. "
            f"Unset {DEVICE_ENV} or set it to 'cpu'."
        )
    if device.type not in ("cpu", "cuda"):
        raise DeviceError(f"Device {choice!r} is not supported. Use 'auto', 'cpu' or 'cuda'.")
    return device
