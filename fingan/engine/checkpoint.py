"""Atomic checkpoint files that load without unpickling arbitrary code."""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from collections.abc import Iterator
from typing import Any

import torch

from fingan.errors import CheckpointError, ConfigError
from fingan.io import atomic_write


CHECKSUM_KEY = "sha256"


def _digest(value: Any, h: Any) -> None:
    """Feed a state (nested dicts, lists, tensors, plain values) into a hash, in a fixed order."""
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().contiguous()
        h.update(f"T{t.dtype}{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    elif isinstance(value, dict):
        h.update(b"{")
        for key in sorted(value, key=repr):
            h.update(repr(key).encode())
            _digest(value[key], h)
        h.update(b"}")
    elif isinstance(value, (list, tuple)):
        h.update(b"[")
        for item in value:
            _digest(item, h)
        h.update(b"]")
    else:
        h.update(f"{type(value).__name__}:{value!r}".encode())


def state_checksum(state: dict[str, Any]) -> str:
    """SHA-256 of everything in a checkpoint state but its own checksum entry."""
    h = hashlib.sha256()
    _digest({k: v for k, v in state.items() if k != CHECKSUM_KEY}, h)
    return h.hexdigest()


def save_checkpoint(state: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write ``state`` (tensors, numbers, strings, lists, dicts) atomically with torch.save.

    A SHA-256 of the whole state is stored with it, so that :func:`load_checkpoint` can
    refuse a file whose weights were damaged after writing.
    """
    stamped = {**state, CHECKSUM_KEY: state_checksum(state)}
    try:
        return atomic_write(path, lambda tmp: torch.save(stamped, tmp))
    except OSError as exc:
        raise CheckpointError(f"cannot write checkpoint {path}: {exc.strerror or exc}") from exc


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True``: plain data only, no code is unpickled.

    The file must hold a dict; when it carries a checksum (every file fingan writes does)
    the state must match it. Files written before checksums were added load unchecked.
    """
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a model or checkpoint file")
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises several types for corrupt or unsafe files
        text = str(exc)
        if "weights_only" in text or "Unpickler" in text or "pickle" in text.lower():
            reason = "not a fingan model file, or it contains pickled code; refusing to load it"
        else:
            reason = text.strip().splitlines()[0] if text.strip() else f"unreadable ({type(exc).__name__})"
        raise CheckpointError(f"cannot read checkpoint {path}: {reason}") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"{path} is not a fingan model or checkpoint file (it holds a {type(state).__name__})")
    if CHECKSUM_KEY in state:
        stored = state.pop(CHECKSUM_KEY)
        if stored != state_checksum(state):
            raise CheckpointError(f"{path} is damaged: its contents do not match the checksum written with them")
    return state


LOCK_NAME = ".fingan.lock"
_HELD: dict[str, list[int]] = {}  # folder -> [file descriptor, depth] for the locks this process holds


@contextlib.contextmanager
def run_lock(folder: str | os.PathLike) -> Iterator[Path]:
    """Hold an exclusive lock on a run folder while a run writes there; yields the folder.

    An OS file lock (``flock``) on ``folder/.fingan.lock``: a second process asking for
    the same folder gets a one-line :class:`ConfigError` instead of interleaving its files
    with the first. The OS drops the lock when its process ends, however it ends, so a
    killed run never blocks ``--resume``. Re-entrant within one process. Where the OS has
    no ``flock`` (Windows) runs are not locked.
    """
    path = Path(folder)
    created = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create output folder {path}: {exc.strerror or exc}") from None
    key = str(path.resolve())
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield path
        finally:
            _HELD[key][1] -= 1
        return
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield path
        return
    try:
        fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ConfigError(f"output folder {path} is not writable: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise ConfigError(f"{path} is in use by another fingan run; wait for it to end or choose another folder") \
            from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    _HELD[key] = [fd, 1]
    try:
        yield path
    finally:
        _HELD[key][1] -= 1
        if _HELD[key][1] == 0:
            del _HELD[key]
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            if created and [p.name for p in path.iterdir()] == [LOCK_NAME]:  # a run that wrote nothing
                (path / LOCK_NAME).unlink(missing_ok=True)
                path.rmdir()
