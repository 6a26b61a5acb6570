"""User-facing recipes: each pairs data handling with nets and a default objective."""

from __future__ import annotations

import os

from fingan.models.base import Recipe
from fingan.models.corrgan import CorrGAN, CorrGANConfig
from fingan.models.images import ImageGAN, ImageGANConfig
from fingan.models.paths import PathModel
from fingan.models.quantgan import QuantGAN, QuantGANConfig
from fingan.models.toy import RobustGAN, RobustGANConfig, ToyGAN, ToyGANConfig

RECIPES: dict[str, type[Recipe]] = {cls.__name__: cls for cls in (QuantGAN, CorrGAN, ImageGAN, ToyGAN, RobustGAN)}


def load_model(path: str | os.PathLike, device: str = "auto") -> Recipe:
    """Load any model written by ``Recipe.save``, whatever its recipe."""
    from fingan.engine.checkpoint import load_checkpoint
    from fingan.errors import CheckpointError

    recipe = load_checkpoint(path).get("recipe")
    if recipe not in RECIPES:
        raise CheckpointError(f"{path} is not a fingan model (recipe {recipe!r})")
    return RECIPES[recipe].load(path, device=device)


__all__ = [
    "RECIPES", "CorrGAN", "CorrGANConfig", "ImageGAN", "ImageGANConfig", "PathModel", "QuantGAN", "QuantGANConfig", "Recipe", "RobustGAN", "RobustGANConfig",
    "ToyGAN", "ToyGANConfig", "load_model",
]
