"""The one training engine: objectives, training terms, the Trainer, checkpoints."""

from fingan.engine.checkpoint import load_checkpoint, save_checkpoint
from fingan.engine.device import resolve_device
from fingan.engine.kernels import median_bandwidth, rbf_mmd2
from fingan.engine.objectives import DIVERGENCES, FGAN, OBJECTIVES, Hyperparameters, Objective, make_objective
from fingan.engine.penalties import (
    HistoricalAverage,
    gradient_penalty,
    instance_noise_std,
    orthogonal_regularization,
)
from fingan.engine.optim import make_optimizer
from fingan.engine.terms import TERMS, StepContext, Term, build_terms
from fingan.engine.trainer import Trainer, TrainerConfig

__all__ = [
    "DIVERGENCES",
    "FGAN",
    "OBJECTIVES",
    "TERMS",
    "StepContext",
    "Term",
    "HistoricalAverage",
    "Hyperparameters",
    "Objective",
    "Trainer",
    "TrainerConfig",
    "gradient_penalty",
    "instance_noise_std",
    "build_terms",
    "load_checkpoint",
    "make_objective",
    "make_optimizer",
    "median_bandwidth",
    "orthogonal_regularization",
    "rbf_mmd2",
    "resolve_device",
    "save_checkpoint",
]
