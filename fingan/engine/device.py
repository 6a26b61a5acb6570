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
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(f"unknown device {device!r}; use 'auto', 'cpu' or 'cuda'") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was asked for but no CUDA GPU is available; use device='auto' or 'cpu'")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ConfigError(f"device {device!r} does not exist: this machine has {torch.cuda.device_count()} CUDA GPU(s)")
    if dev.type == "meta":
        raise ConfigError("device 'meta' holds no data; use 'auto', 'cpu' or 'cuda'")
    if dev.type not in ("cpu", "cuda"):
        try:  # any other backend (mps, xpu, ...): usable only if a tensor can be made there
            torch.empty(1, device=dev)
        except (RuntimeError, AssertionError, AttributeError, NotImplementedError):
            raise ConfigError(f"device {device!r} is not available on this machine; use 'auto', 'cpu' or 'cuda'") \
                from None
    return dev


def cpu_has_bf16_units() -> bool:
    """Whether this CPU multiplies bf16 matrices natively (AMX-BF16 or AVX512-BF16).

    Asks torch's own CPU feature probe (private, hence the guard); without such units bf16
    matrix products are emulated and slower than float32.
    """
    probes = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    try:
        return any(getattr(torch.cpu, name)() for name in probes if hasattr(torch.cpu, name))
    except RuntimeError:
        return False


def use_bf16(device: torch.device, amp: bool | str = "auto") -> bool:
    """Whether to train under bf16 autocast.

    ``"auto"``: on CUDA GPUs that support bf16; float32 on CPU. On a CPU with bf16 matrix
    units bf16 made convolutional recipes' steps 1.1x to 2x faster
    (``benchmarks/throughput.py``) but whole fits only 1.04x to 1.25x, and one CorrGAN fit in
    six came out clearly worse (``benchmarks/precision.py``); without such units bf16 is
    emulated and slower. ``True`` forces bf16 on either device, ``False`` turns it off.
    """
    if amp not in (True, False, "auto"):
        raise ConfigError(f"amp must be True, False or 'auto', not {amp!r}")
    if device.type == "cuda":
        return amp in (True, "auto") and torch.cuda.is_bf16_supported()
    return amp is True


def autocast(device: torch.device, enabled: bool) -> contextlib.AbstractContextManager:
    """A bf16 autocast context on ``device``, or a no-op."""
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
