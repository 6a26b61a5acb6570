"""How many stylized facts each kind of path passes under the scorecard's sampling bands.

    make demo        # trains runs/demo/model.pt once
    fingan bench scorecard-bands --out benchmarks/results/scorecard_bands.md

300 one-year paths of each model against the bundled S&P 500 (1999-2018): i.i.d.
Gaussian, GJR-GARCH(1,1)-t and the stationary bootstrap fitted on the whole history, the
demo Quant GAN, and the demo recipe stopped after 20 training steps. Then 300 correlation
matrices of 20 stocks (one-year windows of the bundled panel from 2000) against the
CorrGAN's training matrices: LKJ (onion) random matrices, the bootstrap of the real
windows, and CorrGAN (default network) after 20 and after 2,000 training steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
import time

import numpy as np

from fingan.baselines import GARCH, CorrelationBootstrap, LKJCorrelations, StationaryBootstrap
from fingan.bench.report import machine_description, publish
from fingan.bench.report import parser as bench_parser
from fingan.bench.settings import SPLIT, quantgan_options
from fingan.data import load_prices, log_returns, split_periods
from fingan.models import CorrGAN, QuantGAN, load_model
from fingan.validation.scorecard import scorecard
from fingan.validation.tables import markdown_table


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench scorecard-bands``: run it, print the table, write it to ``--out``."""
    parser = bench_parser("scorecard-bands", __doc__)
    parser.add_argument("--demo", type=Path, default=Path("runs/demo/model.pt"), help="the demo model (make demo)")
    parser.add_argument("--out", type=Path, help="write the Markdown tables here")
    args = parser.parse_args(argv)
    returns = log_returns(load_prices("sp500"))
    real = returns.iloc[:, 0]
    train, valid, _ = split_periods(returns, **SPLIT)
    short = QuantGAN(seed=0, progress=False, **quantgan_options("small", steps=20)).fit(train, valid)
    models = {
        "i.i.d. Gaussian": lambda: np.random.default_rng(0).normal(0, real.std(), (300, 252)),
        "GJR-GARCH(1,1) t": lambda: GARCH("t", gjr=True).fit(real).sample(300, 252, seed=0).to_numpy().T,
        "stationary bootstrap": lambda: StationaryBootstrap().fit(real).sample(300, 252, seed=0).to_numpy().T,
        "Quant GAN, demo model": lambda: load_model(args.demo).sample(300, 252, seed=0).to_numpy().T,
        "Quant GAN, 20 training steps": lambda: short.sample(300, 252, seed=0).to_numpy().T,
    }
    rows = [score(name, draw(), real) for name, draw in models.items()]
    stocks = log_returns(load_prices("sp500-stocks", start="2000-01-01"))
    gans = {steps: CorrGAN(n_assets=20, steps=steps, seed=0, progress=False).fit(stocks) for steps in (20, 2000)}
    matrices = gans[20].training_matrices(stocks)[0]
    kinds = {
        "LKJ (onion)": lambda: LKJCorrelations().fit(matrices).sample(300, seed=0),
        "bootstrap of the real windows": lambda: CorrelationBootstrap().fit(matrices).sample(300, seed=0),
        "CorrGAN, 20 training steps": lambda: gans[20].sample(300, seed=0),
        "CorrGAN, 2000 training steps": lambda: gans[2000].sample(300, seed=0),
    }
    mrows = [score(name, draw(), matrices, window=252) for name, draw in kinds.items()]
    note = (f"\nFacts passed under the sampling bands (5%-95% of the real value over bootstrap resamples of the "
            f"history's one-year blocks, or of runs of its rolling matrices); 300 paths of 252 days, or 300 "
            f"matrices of 20 stocks, per model, seed 0. Machine: {machine_description()}. "
            f"Command: `python benchmarks/scorecard_bands.py`.")
    head = ["paths", "facts passed", "scorecard s", "facts failed"]
    publish(markdown_table(head, rows) + "\n\n" + markdown_table(["matrices", *head[1:]], mrows), note, args.out)
    return 0


def score(name: str, synthetic: np.ndarray, reference, window: int | None = None) -> list[str]:
    """One table row: facts passed, the scorecard's time, the facts failed."""
    started = time.perf_counter()
    table = scorecard(synthetic, reference, window=window, plots=False).table
    checked = table.dropna(subset=["passed"])
    failed = checked[~checked["passed"].astype(bool)]["fact"].tolist()
    return [name, f"{int(checked['passed'].astype(bool).sum())} of {len(checked)}",
            f"{time.perf_counter() - started:.1f}", ", ".join(failed)]
