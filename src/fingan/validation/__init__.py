"""Validation: metrics that say whether synthetic data can be trusted."""

from fingan.validation.toy import ks_distance, mmd, mode_metrics

__all__ = ["ks_distance", "mmd", "mode_metrics"]
