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


def as_count(value: object, name: str, minimum: int = 1) -> int:
    """``value`` as an int count of at least ``minimum``; a ConfigError for 2.5, "3", True or 0."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if not (isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer()):
            raise ConfigError(f"{name} must be a whole number, got {value!r}")
    count = int(value)
    if count < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {count}")
    return count


def _is_above(value: object, bound: float, inclusive: bool) -> bool:
    """Whether ``value`` is a real number (not a bool, string or NaN) above ``bound`` (or equal, if ``inclusive``)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool) and (number >= bound if inclusive else number > bound)


def check_positive(value: object, name: str, unit: str) -> None:
    """A ConfigError unless ``value`` is a positive number (not a bool, string or NaN), e.g. of ``unit`` "days"."""
    if not _is_above(value, 0.0, inclusive=False):
        raise ConfigError(f"{name} must be a positive number of {unit} or None, got {value!r}")


def check_non_negative(value: object, name: str) -> None:
    """A ConfigError unless ``value`` is a number >= 0 (not a bool, string or NaN)."""
    if not _is_above(value, 0.0, inclusive=True):
        raise ConfigError(f"{name} must be a number >= 0, got {value!r}")


class FinganWarning(UserWarning):
    """Something in the user's input looks wrong but need not be (``fingan`` prints it in one line)."""
