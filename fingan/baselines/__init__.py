"""What a quant would use instead of a GAN, with the same fit / sample API as the recipes."""

from fingan.baselines.bootstrap import HistoricalSimulation, StationaryBootstrap
from fingan.baselines.correlations import CorrelationBootstrap, LKJCorrelations, SpectrumCorrelations
from fingan.baselines.garch import GARCH, FilteredHistoricalSimulation
from fingan.baselines.images import VAE

__all__ = ["GARCH", "CorrelationBootstrap", "FilteredHistoricalSimulation", "HistoricalSimulation", "LKJCorrelations", "SpectrumCorrelations", "StationaryBootstrap", "VAE"]
