"""Validation: metrics that say whether synthetic data can be trusted."""

from fingan.validation.correlations import correlation_distances, correlation_facts
from fingan.validation.returns import stylized_facts
from fingan.validation.scorecard import Scorecard, scorecard
from fingan.validation.toy import ks_distance, mmd, mode_metrics

__all__ = [
    "Scorecard",
    "correlation_distances",
    "correlation_facts",
    "ks_distance",
    "mmd",
    "mode_metrics",
    "scorecard",
    "stylized_facts",
]
