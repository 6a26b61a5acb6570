"""What a quant would use instead of a GAN, with the same fit / sample API as the recipes."""

from fingan.baselines.bootstrap import StationaryBootstrap
from fingan.baselines.correlations import CorrelationBootstrap, LKJCorrelations, SpectrumCorrelations
from fingan.baselines.garch import GARCH
from fingan.baselines.images import VAE

__all__ = ["GARCH", "CorrelationBootstrap", "LKJCorrelations", "SpectrumCorrelations", "StationaryBootstrap", "VAE"]
