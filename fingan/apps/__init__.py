"""Applications of synthetic data: portfolio stress tests on sampled correlation matrices."""

from fingan.apps.allocation import ALLOCATIONS, allocation_stress, hierarchical_risk_parity

__all__ = ["ALLOCATIONS", "allocation_stress", "hierarchical_risk_parity"]
