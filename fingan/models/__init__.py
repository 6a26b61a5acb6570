"""User-facing recipes: each pairs data handling with nets and a default objective."""

from __future__ import annotations

import os

from fingan.models.base import Recipe
from fingan.models.corrgan import CorrGAN, CorrGANConfig
from fingan.models.images import ImageGAN, ImageGANConfig
from fingan.models.paths import PathModel
from fingan.models.quantgan import QuantGAN, QuantGANConfig
from fingan.models.sampling import write_samples
from fingan.models.toy import RobustGAN, RobustGANConfig, ToyGAN, ToyGANConfig

RECIPES: dict[str, type[Recipe]] = {cls.__name__: cls for cls in (QuantGAN, CorrGAN, ImageGAN, ToyGAN, RobustGAN)}


def load_model(path: str | os.PathLike, device: str = "auto") -> Recipe:
    """Load any model written by ``Recipe.save``, whatever its recipe."""
    from fingan.errors import CheckpointError
    from fingan.models.base import read_model_file

    state = read_model_file(path)
    if state["recipe"] not in RECIPES:
        raise CheckpointError(f"{path} is not a fingan model (recipe {state['recipe']!r})")
    return RECIPES[state["recipe"]].load(path, device=device, state=state)


__all__ = [
    "RECIPES", "CorrGAN", "CorrGANConfig", "ImageGAN", "ImageGANConfig", "PathModel", "QuantGAN", "QuantGANConfig", "Recipe", "RobustGAN", "RobustGANConfig",
    "ToyGAN", "ToyGANConfig", "load_model", "write_samples",
]
