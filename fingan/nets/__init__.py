"""Networks only: they map tensors to tensors and know nothing about losses."""

from fingan.nets.layers import MinibatchDiscrimination, apply_spectral_norm
from fingan.nets.mlp import MLP, GaussianGenerator
from fingan.nets.progressive import ProgressiveCritic, ProgressiveGenerator
from fingan.nets.tcn import SVNN, TCN, TCNCritic, TemporalBlock, receptive_field

__all__ = ["MLP", "TCN", "GaussianGenerator", "MinibatchDiscrimination", "ProgressiveCritic",
           "ProgressiveGenerator", "SVNN", "TCNCritic", "TemporalBlock",
           "apply_spectral_norm", "receptive_field"]
