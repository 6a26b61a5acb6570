"""The speed and scale benchmarks' building blocks (their timings live in benchmarks/, not here)."""

import numpy as np
import pytest
import torch

from fingan.bench import scale
from fingan.bench.throughput import _OpCount, measure, throughput_markdown
from fingan.errors import ConfigError


def test_op_count_uses_the_matmul_formula_and_leaves_views_out():
    a, b = torch.randn(8, 16), torch.randn(16, 4)
    with _OpCount() as counter:
        (a @ b).t().relu()
    assert counter.flops == 2 * 8 * 16 * 4
    assert counter.ops == 2  # mm and relu; the transpose is a view


def test_throughput_measure_reports_speed_memory_and_flops():
    row = measure("toy MLP", steps=3, warmup=1)
    assert row["steps/s"] > 0 and row["samples/s"] > 0 and row["peak MiB"] > 10 and row["GFLOP/step"] > 0
    assert row["ops/step"] > 10
    table = throughput_markdown([row])
    assert "| toy MLP | cpu | no | no | ns, batch 64, n_critic 1 |" in table and "1.00x" in table


def test_vectorised_facts_agree_with_the_statsmodels_loop():
    result = scale.facts_speed(n_paths=30, length=120, max_lag=20, leverage_lags=5)
    assert result["max abs difference"] < 1e-10


def test_nearest_correlation_comparison_matches_statsmodels():
    (row,) = scale.nearest_correlation_comparison({6: 3}, devices=("cpu",))
    assert row["max abs difference"] < 1e-6 and row["min eigenvalue fingan"] > 0
    assert row["distance fingan"] == pytest.approx(row["distance statsmodels"], rel=1e-6)


def test_peak_memory_is_read_and_garch_test_paths_cluster():
    assert scale.peak_rss_mib() > 10
    paths = scale.garch_paths(200, 300, seed=1)
    from fingan.validation.returns import acf

    assert acf(np.abs(paths), 1).mean() > 0.05  # volatility clustering in the test data


def test_unknown_throughput_case_is_a_config_error():
    from fingan.bench.throughput import throughput_benchmark

    with pytest.raises(ConfigError, match="unknown throughput case"):
        throughput_benchmark(["GPT"], ["cpu"])


def test_bf16_unit_probe_agrees_with_the_cpu_flags_the_kernel_reports():
    from pathlib import Path

    from fingan.engine.device import cpu_has_bf16_units
    from fingan.bench.report import machine_description

    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        pytest.skip("needs Linux's /proc/cpuinfo to compare with")
    flags = set(cpuinfo.read_text().split())
    assert cpu_has_bf16_units() == bool(flags & {"amx_tile", "amx_bf16", "avx512_bf16"})
    assert f"bf16 matrix units: {'yes' if cpu_has_bf16_units() else 'no'}" in machine_description()
