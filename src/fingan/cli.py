"""The ``fingan`` command. Thin: every subcommand calls the public API."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fingan.errors import ConfigError, FinganError

# The best toy variant of benchmarks/toy_modes.py, until the returns recipe becomes the demo.
DEMO_SETTINGS: dict[str, Any] = {
    "dataset": "ring8", "objective": "ns", "pack": 4, "steps": 10_000, "batch_size": 256,
    "lr_g": 1e-3, "lr_d": 1e-3, "ema_decay": 0.999,
}


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports a bad flag in one line, without the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {value}")
    return value


def _add_toy_parser(sub: argparse._SubParsersAction) -> None:
    from fingan.data.toy import TOY_DISTRIBUTIONS
    from fingan.engine.objectives import OBJECTIVES

    p = sub.add_parser("toy", help="train a GAN on a toy distribution")
    p.add_argument("--dataset", default="ring8", choices=TOY_DISTRIBUTIONS.names())
    p.add_argument("--objective", default="wgan-gp", metavar="NAME",
                   help=f"one of: {', '.join(OBJECTIVES.names())}")
    p.add_argument("--steps", type=_positive_int, default=2000, help="generator steps")
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--sn", action="store_true", help="spectral normalisation of the critic")
    p.add_argument("--batch-size", type=_positive_int)
    p.add_argument("--n-critic", type=_positive_int)
    p.add_argument("--lr-g", type=_positive_float)
    p.add_argument("--lr-d", type=_positive_float)
    p.add_argument("--ema-decay", type=float)
    p.add_argument("--instance-noise", type=float, default=0.0)
    p.add_argument("--minibatch-kernels", type=int, default=0)
    p.add_argument("--pack", type=_positive_int, default=1, help="PacGAN packing degree")
    p.add_argument("--n-samples", type=_positive_int, default=2500, help="samples for the metrics and plot")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=sys.stderr.isatty())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fingan", description="Synthetic financial data with GANs.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    train = sub.add_parser("train", help="train a model")
    train_sub = train.add_subparsers(dest="recipe", required=True, parser_class=_Parser, metavar="RECIPE")
    _add_toy_parser(train_sub)

    demo = sub.add_parser("demo", help="the demo job on bundled data (ring of 8 Gaussians for now)")
    demo.add_argument("--out", type=Path, default=Path("runs/demo"))
    demo.add_argument("--steps", type=_positive_int, default=DEMO_SETTINGS["steps"])
    demo.add_argument("--progress", action=argparse.BooleanOptionalAction, default=sys.stderr.isatty())

    sub.add_parser("objectives", help="list the registered objectives")

    val = sub.add_parser("validate", help="score synthetic returns or correlation matrices against real data")
    val.add_argument("synthetic", type=Path,
                     help="returns as .csv/.parquet (one column per path) or .npy (n_paths, T); matrices as .npy (n, N, N)")
    val.add_argument("--reference", default="sp500",
                     help="price source (sp500, sp500-stocks, a price file) or a .npy of reference matrices")
    val.add_argument("--start")
    val.add_argument("--end")
    val.add_argument("--window", type=_positive_int, default=252,
                     help="window length of the correlation matrices (reference matrices use it too)")
    val.add_argument("--report", type=Path, help="write a self-contained HTML report here (never overwritten)")
    val.add_argument("--json", type=Path, help="write the scorecard as JSON here (never overwritten)")

    data = sub.add_parser("data", help="inspect and fetch price data")
    data_sub = data.add_subparsers(dest="action", required=True, parser_class=_Parser, metavar="ACTION")
    show = data_sub.add_parser("show", help="summarise a price source")
    show.add_argument("source", help="sp500, sp500-stocks, a .csv/.parquet file, or yahoo:AAPL,MSFT")
    show.add_argument("--start")
    show.add_argument("--end")
    show.add_argument("--missing", default="raise", choices=["raise", "dropna", "ffill"])
    fetch = data_sub.add_parser("fetch", help="fetch prices from Yahoo (cached) and write them to a file")
    fetch.add_argument("tickers", nargs="+")
    fetch.add_argument("--start")
    fetch.add_argument("--end")
    fetch.add_argument("--out", type=Path, required=True, help="a .csv or .parquet file (never overwritten)")
    fetch.add_argument("--cache-dir", type=Path)
    return parser


def _version() -> str:
    from fingan import __version__

    return f"fingan {__version__}"


def train_toy(args: argparse.Namespace) -> dict[str, Any]:
    """Train a ToyGAN as the flags say; write checkpoint, metrics log, plot and summary."""
    from fingan.data.toy import DEFAULT_SIZES, load_toy, toy_distribution
    from fingan.models.toy import ToyGAN
    from fingan.validation.plots import plot_toy_samples
    from fingan.validation.toy import ks_distance, mmd, mode_metrics

    options = {
        "objective": args.objective,
        "steps": args.steps,
        "spectral_norm": args.sn,
        "batch_size": args.batch_size,
        "n_critic": args.n_critic,
        "lr_g": args.lr_g,
        "lr_d": args.lr_d,
        "ema_decay": args.ema_decay,
        "instance_noise": args.instance_noise,
        "minibatch_kernels": args.minibatch_kernels,
        "pack": args.pack,
        "seed": args.seed,
        "device": args.device,
        "progress": args.progress,
    }
    model = ToyGAN(**{k: v for k, v in options.items() if v is not None})
    mixture = toy_distribution(args.dataset)
    data = load_toy(args.dataset, seed=args.seed)
    model.fit(data, out_dir=args.out, resume=args.resume)
    samples = model.sample(args.n_samples, seed=args.seed)
    summary: dict[str, Any] = {"dataset": args.dataset, "objective": args.objective, "steps": args.steps}
    if args.dataset not in DEFAULT_SIZES:  # well-separated modes: mode metrics apply
        summary.update(mode_metrics(samples, mixture))
    if mixture.dim == 1:
        summary["ks"] = ks_distance(samples, mixture.cdf)
    summary["mmd"] = mmd(samples, data)
    model.save(args.out / "model.pt")
    plot_toy_samples(samples, data[: args.n_samples], args.out / "samples.png",
                     title=f"{args.dataset}, {args.objective}", modes=mixture.means if mixture.dim == 2 else None)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def data_command(args: argparse.Namespace) -> int:
    """``fingan data show`` and ``fingan data fetch``."""
    from fingan.data.prices import load_prices, raw_prices
    from fingan.data.returns import log_returns

    if args.action == "fetch":
        if args.out.exists():
            raise ConfigError(f"{args.out} already exists; choose another --out")
        if args.out.suffix not in (".csv", ".parquet"):
            raise ConfigError(f"--out must end in .csv or .parquet, not {args.out.suffix!r}")
        prices = load_prices(list(args.tickers), start=args.start, end=args.end, cache_dir=args.cache_dir,
                             missing="dropna")
        from fingan.engine.checkpoint import atomic_write

        if args.out.suffix == ".csv":
            atomic_write(args.out, lambda tmp: prices.to_csv(tmp))
        else:
            atomic_write(args.out, lambda tmp: prices.to_parquet(tmp))
        print(f"wrote {len(prices)} dates x {prices.shape[1]} tickers to {args.out}")
        return 0
    raw = raw_prices(args.source, start=args.start, end=args.end)
    prices = load_prices(raw, start=args.start, end=args.end, missing=args.missing)
    returns = log_returns(prices)
    print(f"{args.source}: {prices.index[0].date()} to {prices.index[-1].date()}, {len(prices)} dates, "
          f"{prices.shape[1]} tickers")
    gaps = raw.isna().sum()
    print("missing prices: " + (", ".join(f"{t} {n}" for t, n in gaps[gaps > 0].items()) or "none")
          + ("" if args.missing == "raise" else f" (policy: {args.missing})"))
    stats = returns.describe().T[["mean", "std", "min", "max"]]
    stats["skew"] = returns.skew()
    stats["excess kurtosis"] = returns.kurt()
    print("daily log returns:")
    print(stats.to_string(float_format=lambda v: f"{v:.4f}"))
    return 0


def _read_synthetic(path: Path):
    import numpy as np
    import pandas as pd

    from fingan.errors import DataError

    if not path.is_file():
        raise DataError(f"synthetic data file {path} does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return np.load(path, allow_pickle=False)
        if suffix == ".csv":
            return pd.read_csv(path, index_col=0)
        if suffix == ".parquet":
            return pd.read_parquet(path)
    except (ValueError, OSError, ImportError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    raise DataError(f"synthetic data must be .csv, .parquet or .npy, not {suffix!r}")


def validate_command(args: argparse.Namespace) -> int:
    """``fingan validate``: print the scorecard, write the report."""
    import numpy as np

    from fingan.data.correlations import rolling_correlations
    from fingan.data.prices import load_prices
    from fingan.data.returns import log_returns
    from fingan.validation.scorecard import scorecard

    for out in (args.report, args.json):
        if out is not None and out.exists():
            raise ConfigError(f"{out} already exists; choose another file")
    synthetic = _read_synthetic(args.synthetic)
    matrices = np.ndim(synthetic) == 3
    if str(args.reference).endswith(".npy"):
        reference = _read_synthetic(Path(args.reference))
    else:
        returns = log_returns(load_prices(args.reference, start=args.start, end=args.end, missing="dropna"))
        if matrices:
            reference = rolling_correlations(returns, window=args.window, step=max(1, args.window // 12),
                                             n_assets=np.shape(synthetic)[1], order=True)
        else:
            reference = returns
    card = scorecard(synthetic, reference, window=args.window if matrices else None, plots=args.report is not None)
    print(card.to_markdown())
    print("result: " + ("every fact within tolerance" if card.passed else "some facts outside tolerance"))
    if args.report is not None:
        card.to_html(args.report)
        print(f"wrote {args.report}")
    if args.json is not None:
        from fingan.engine.checkpoint import atomic_write

        atomic_write(args.json, lambda tmp: Path(tmp).write_text(card.to_json(), encoding="utf-8"))
        print(f"wrote {args.json}")
    return 0


def _print_summary(summary: dict[str, Any], out: Path) -> None:
    parts = []
    if "modes" in summary:
        parts.append(f"modes {summary['modes']}/{summary['n_modes']}")
        parts.append(f"high quality {100 * summary['high_quality']:.1f}%")
    if "ks" in summary:
        parts.append(f"KS {summary['ks']:.4f}")
    parts.append(f"MMD^2 {summary['mmd']:.2e}")
    print(f"{summary['dataset']} / {summary['objective']}: " + ", ".join(parts))
    print(f"wrote {out / 'model.pt'}, {out / 'metrics.jsonl'}, {out / 'samples.png'}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "objectives":
            from fingan.engine.objectives import OBJECTIVES

            for name in OBJECTIVES.names():
                doc = (OBJECTIVES.get(name).__doc__ or "").strip().splitlines()[0]
                print(f"{name:12s} {doc}")
            return 0
        if args.command == "demo":
            demo_args = _parser_defaults_for_toy()
            demo_args.update(DEMO_SETTINGS, steps=args.steps, out=args.out, resume=True, progress=args.progress)
            summary = train_toy(argparse.Namespace(**demo_args))
            _print_summary(summary, args.out)
            return 0
        if args.command == "data":
            return data_command(args)
        if args.command == "validate":
            return validate_command(args)
        if args.command == "train" and args.recipe == "toy":
            summary = train_toy(args)
            _print_summary(summary, args.out)
            return 0
        raise ConfigError(f"unknown command {args.command!r}")
    except FinganError as exc:
        print(f"fingan: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("fingan: interrupted", file=sys.stderr)
        return 130


def _parser_defaults_for_toy() -> dict[str, Any]:
    parser = build_parser()
    ns = parser.parse_args(["train", "toy", "--out", "."])
    return {k: v for k, v in vars(ns).items() if k not in ("command", "recipe")}


if __name__ == "__main__":
    sys.exit(main())
