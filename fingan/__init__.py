"""fingan: realistic synthetic financial data with GANs."""

from fingan.errors import CheckpointError, ConfigError, DataError, FinganError, TrainingDivergedError

try:  # the installed distribution's version; pyproject.toml reads it from fingan._version at build time
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("fingan")
except PackageNotFoundError:  # imported from a checkout that was never installed
    from fingan._version import VERSION as __version__

__all__ = [
    "CheckpointError",
    "ConfigError",
    "DataError",
    "FinganError",
    "TrainingDivergedError",
    "__version__",
]
