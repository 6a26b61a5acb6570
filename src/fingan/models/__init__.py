"""User-facing recipes: each pairs data handling with nets and a default objective."""

from fingan.models.base import Recipe
from fingan.models.toy import RobustGAN, RobustGANConfig, ToyGAN, ToyGANConfig

__all__ = ["Recipe", "RobustGAN", "RobustGANConfig", "ToyGAN", "ToyGANConfig"]
