"""How many stylized facts each kind of path passes under the scorecard's sampling bands.

    make demo        # trains runs/demo/model.pt once
    python benchmarks/scorecard_bands.py --out benchmarks/results/scorecard_bands.md

300 one-year paths of each model against the bundled S&P 500 (1999-2018): i.i.d.
Gaussian, GJR-GARCH(1,1)-t and the stationary bootstrap fitted on the whole history, the
demo Quant GAN, and the demo recipe stopped after 20 training steps.
"""

import argparse
import time
from pathlib import Path

import numpy as np

from fingan.baselines import GARCH, StationaryBootstrap
from fingan.data import load_prices, log_returns, split_periods
from fingan.models import QuantGAN, load_model
from fingan.validation.scorecard import scorecard
from fingan.validation.tables import machine_description, markdown_table, publish


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, default=Path("runs/demo/model.pt"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    returns = log_returns(load_prices("sp500"))
    real = returns.iloc[:, 0]
    train, valid, _ = split_periods(returns, "2014-12-31", "2016-12-31")
    short = QuantGAN(hidden=32, dilations=(1, 2, 4, 8, 16), window=128, steps=20, batch_size=64, seed=0,
                     progress=False).fit(train, valid)
    models = {
        "i.i.d. Gaussian": lambda: np.random.default_rng(0).normal(0, real.std(), (300, 252)),
        "GJR-GARCH(1,1) t": lambda: GARCH("t", gjr=True).fit(real).sample(300, 252, seed=0).to_numpy().T,
        "stationary bootstrap": lambda: StationaryBootstrap().fit(real).sample(300, 252, seed=0).to_numpy().T,
        "Quant GAN, demo model": lambda: load_model(args.demo).sample(300, 252, seed=0).to_numpy().T,
        "Quant GAN, 20 training steps": lambda: short.sample(300, 252, seed=0).to_numpy().T,
    }
    rows = []
    for name, draw in models.items():
        started = time.perf_counter()
        table = scorecard(draw(), real, plots=False).table
        checked = table.dropna(subset=["passed"])
        failed = checked[~checked["passed"].astype(bool)]["fact"].tolist()
        rows.append([name, f"{int(checked['passed'].astype(bool).sum())} of {len(checked)}",
                     f"{time.perf_counter() - started:.1f}", ", ".join(failed)])
    note = (f"\nFacts passed under the sampling bands (5%-95% of the real value over bootstrap resamples of the "
            f"history's one-year blocks); 300 paths of 252 days per model, seed 0. Machine: {machine_description()}. "
            f"Command: `python benchmarks/scorecard_bands.py`.")
    publish(markdown_table(["paths", "facts passed", "scorecard s", "facts failed"], rows), note, args.out)


if __name__ == "__main__":
    main()
