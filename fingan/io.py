"""Writing files safely: whole or not at all.

Every file fingan writes (checkpoints, configs, scenarios, reports, benchmark tables,
cached downloads) goes through :func:`atomic_write`, so a crash or a full disk never
leaves a truncated file in place of the user's previous one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fingan.errors import ConfigError


def atomic_write(path: str | os.PathLike, write: Callable[[str], Any]) -> Path:
    """Call ``write(tmp_path)`` then move the file into place with :func:`os.replace`.

    A crash mid-write leaves the previous file untouched, never a truncated one.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def check_new_file(path: str | os.PathLike, choice: str = "file") -> Path:
    """Refuse an output file that exists or could not be written, before any work is done.

    ``choice`` names what the user should change (a flag such as ``--out``). Nothing the
    user has is ever overwritten: fingan writes new files only.
    """
    path = Path(path)
    if path.exists():
        raise ConfigError(f"{path} already exists; choose another {choice}")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:  # the folder is created when the file is written
        folder = folder.parent
    try:
        if not folder.is_dir():
            raise NotADirectoryError(f"{folder} is not a folder")
        with tempfile.TemporaryFile(dir=folder):  # the one sure test of writing there (also as root)
            pass
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
