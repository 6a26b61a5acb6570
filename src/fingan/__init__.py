"""fingan: realistic synthetic financial data with GANs."""

from fingan.errors import CheckpointError, ConfigError, DataError, FinganError, TrainingDivergedError

__version__ = "0.1.0"

__all__ = [
    "CheckpointError",
    "ConfigError",
    "DataError",
    "FinganError",
    "TrainingDivergedError",
    "__version__",
]
