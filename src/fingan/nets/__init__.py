"""Networks only: they map tensors to tensors and know nothing about losses."""

from fingan.nets.layers import MinibatchDiscrimination, apply_spectral_norm
from fingan.nets.mlp import MLP, GaussianGenerator

__all__ = ["MLP", "GaussianGenerator", "MinibatchDiscrimination", "apply_spectral_norm"]
