"""Settings shared by the benchmarks, the demo and the examples: one place for each number.

The S&P 500 split (train to 2014, choose the checkpoint on 2015-2016, test on 2017-2018)
and the Quant GAN sizes of the two benchmark modes. ``"small"`` is the demo's network:
minutes on two CPU cores. ``"full"`` is the paper's (width 80, receptive field 127), meant
for a GPU.
"""

from __future__ import annotations

from typing import Any

from fingan.errors import ConfigError

TRAIN_END = "2014-12-31"
VALID_END = "2016-12-31"
TEST_END = "2018-12-31"
SPLIT = {"train_end": TRAIN_END, "valid_end": VALID_END}

# QuantGAN options per mode, plus the paths each model draws in the returns benchmark.
MODES: dict[str, dict[str, Any]] = {
    "small": {"hidden": 32, "dilations": (1, 2, 4, 8, 16), "window": 128, "steps": 1200, "batch_size": 64,
              "n_paths": 200},
    "full": {"hidden": 80, "dilations": (1, 2, 4, 8, 16, 32), "window": 256, "steps": 6000, "batch_size": 128,
             "n_paths": 1000},
}

# The demo's scenarios: one year of business days per path.
DEMO_SCENARIOS = {"n_paths": 1000, "length": 252}


def quantgan_options(mode: str = "small", **overrides: Any) -> dict[str, Any]:
    """The QuantGAN options of a mode of :data:`MODES` (without ``n_paths``), with ``overrides`` on top."""
    if mode not in MODES:
        raise ConfigError(f"mode must be one of {sorted(MODES)}, not {mode!r}")
    return {**{k: v for k, v in MODES[mode].items() if k != "n_paths"}, **overrides}
