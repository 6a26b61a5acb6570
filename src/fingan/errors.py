"""Exceptions raised by fingan.

Every error a user can cause derives from :class:`FinganError`, so callers (and the CLI)
can catch one type and show its message without a traceback.
"""

from __future__ import annotations


class FinganError(Exception):
    """Base class of all fingan errors; the message names the problem and the fix."""


class ConfigError(FinganError, ValueError):
    """An option, name or value is not valid (unknown objective, negative steps, ...)."""


class DataError(FinganError, ValueError):
    """Input data is unusable (wrong shape, non-finite values, too short, ...)."""


class TrainingDivergedError(FinganError, RuntimeError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


class CheckpointError(FinganError, OSError):
    """A checkpoint or saved model cannot be written or read."""
