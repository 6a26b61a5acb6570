"""Device choice and mixed precision."""

from __future__ import annotations

import contextlib

import torch

from fingan.errors import ConfigError


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` picks CUDA when available, else CPU; other values are checked."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ConfigError(f"unknown device {device!r}; use 'auto', 'cpu' or 'cuda'") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was asked for but no CUDA GPU is available; use device='auto' or 'cpu'")
    return dev


def use_bf16(device: torch.device, amp: bool | str = "auto") -> bool:
    """Whether to train under bf16 autocast.

    ``"auto"``: on CUDA GPUs that support bf16, not on CPU (where it measured slower,
    ``benchmarks/throughput.py``); ``True`` forces it on either device, ``False`` off.
    """
    if amp not in (True, False, "auto"):
        raise ConfigError(f"amp must be True, False or 'auto', not {amp!r}")
    if device.type == "cuda":
        return amp in (True, "auto") and torch.cuda.is_bf16_supported()
    return amp is True


def autocast(device: torch.device, enabled: bool) -> contextlib.AbstractContextManager:
    """A bf16 autocast context on CUDA, or a no-op."""
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
