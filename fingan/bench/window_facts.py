"""What the stylized-fact loss can see in real training windows: ACF of |r| per window and pooled.

Draws batches of the small mode's training windows from the S&P 500 training years with
the default recency weights (half-life 500 trading days) and prints the mean and the
spread between batches of :func:`fingan.engine.penalties.window_facts` with and without
``pooled``, beside the training series' own autocorrelations: each window centred on its
own mean hides how calm or stormy the window is as a whole, the pooled reading keeps it.
Seconds on a CPU.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fingan.bench.report import machine_description, parser, publish
from fingan.bench.settings import MODES, TRAIN_END, VALID_END
from fingan.cli_args import positive_int, positive_or_zero_float

LAGS = (1, 5, 20, 50)


def window_facts_table(batches: int = 50, recency: float = 500.0, seed: int = 0) -> str:
    """The Markdown table: ACF of |r| at :data:`LAGS`, per window, pooled, and of the whole series."""
    from fingan.data import load_prices, log_returns, split_periods
    from fingan.data.windows import ReturnWindows
    from fingan.engine.penalties import window_facts
    from fingan.validation.returns import acf

    train, _, _ = split_periods(log_returns(load_prices("sp500")), TRAIN_END, VALID_END)
    window, batch = MODES["small"]["window"], MODES["small"]["batch_size"]
    windows = ReturnWindows(train, window)
    data = windows.tensor.double()
    weights = windows.recency_weights(recency) if recency > 0 else np.ones(len(windows))
    rng = np.random.default_rng(seed)
    lags = [k - 1 for k in LAGS]
    rows: dict[str, list[np.ndarray]] = {"each window's own (mean over the batch)": [],
                                         "the batch's windows pooled as one series": []}
    for _ in range(batches):
        x = data[rng.choice(len(windows), batch, p=weights / weights.sum())]
        for pooled, name in zip((False, True), rows):
            rows[name].append(window_facts(x, max(LAGS), pooled=pooled)[0, 1, lags].numpy())
    whole = acf(np.abs(train.to_numpy().ravel()), max(LAGS))[0, lags]
    lines = ["| ACF of \\|r\\| | " + " | ".join(f"lag {k}" for k in LAGS) + " |", "|---" * (len(LAGS) + 1) + "|"]
    for name, values in rows.items():
        v = np.array(values)
        lines.append(f"| {name} | " + " | ".join(f"{m:.3f} ± {s:.3f}" for m, s in zip(v.mean(0), v.std(0))) + " |")
    lines.append("| the whole training series | " + " | ".join(f"{w:.3f}" for w in whole) + " |")
    weighting = f"recency half-life {recency:g} days" if recency > 0 else "every window alike"
    return (f"**ACF of |r| seen in real training windows** ({window}-day S&P 500 windows of "
            f"{train.index[0].year}-{train.index[-1].year}, {batches} batches of {batch} drawn with {weighting}, "
            f"seed {seed}; mean ± sd between batches)\n\n" + "\n".join(lines) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench window-facts``: print the table, write it to ``--out``."""
    p = parser("window-facts", __doc__)
    p.add_argument("--batches", type=positive_int, default=50, help="batches of training windows drawn")
    p.add_argument("--recency", type=positive_or_zero_float, default=500.0,
                   help="half-life of the window weights in trading days (0: every window alike)")
    p.add_argument("--seed", type=int, default=0, help="seed of the batch draws")
    p.add_argument("--out", help="write the Markdown table here")
    args = p.parse_args(argv)
    note = (f"\nCommand: `python benchmarks/window_facts.py --batches {args.batches} --recency {args.recency:g} "
            f"--seed {args.seed}" + ("" if args.out is None else f" --out {args.out}") + "`. Machine: "
            f"{machine_description()}.")
    publish(window_facts_table(args.batches, args.recency, args.seed), note, args.out)
    return 0
