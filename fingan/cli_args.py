"""Argument-parsing pieces shared by ``fingan`` and ``fingan bench``: the parser, value types, common flags."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


class HelpFormatter(argparse.HelpFormatter):
    """Shows each flag's default after its help line, when it has one worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        shown = action.default not in (None, False, [], argparse.SUPPRESS) and not action.required
        if shown and "default" not in text and action.option_strings:
            text += " (default: %(default)s)"
        return text


class Parser(argparse.ArgumentParser):
    """An argument parser that reports a bad flag in one line, without the usage block."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {value}")
    return value


def positive_or_zero_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {value}")
    return value


def unit_float(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, got {value}")
    return value


def key_value(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE read as JSON when it parses (numbers, true / false), else as text."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key.replace("-", "_"), json.loads(value)
    except json.JSONDecodeError:
        return key.replace("-", "_"), value


# fingan.engine.optim.LR_DECAYS, spelled out so that the parser imports no torch (a test checks they match)
LR_DECAY_NAMES = ("linear", "cosine")


def add_optimiser_flags(p: argparse.ArgumentParser) -> None:
    """Batch size, critic steps and learning rates; left unset, the recipe's (or its --config file's) apply."""
    p.add_argument("--batch-size", type=positive_int, help="samples per training batch (default: the recipe's)")
    p.add_argument("--n-critic", type=positive_int, help="critic steps per generator step (default: the recipe's)")
    p.add_argument("--lr-g", type=positive_float, help="generator learning rate (default: the recipe's)")
    p.add_argument("--lr-d", type=positive_float, help="critic learning rate (default: the recipe's)")
    p.add_argument("--lr-decay", choices=LR_DECAY_NAMES,
                   help="decay both learning rates over the run (default: the recipe's, constant)")
    p.add_argument("--lr-decay-to", type=unit_float, metavar="FRACTION",
                   help="fraction of the starting rates reached at the last step (default: 0)")


def add_train_flags(p: argparse.ArgumentParser, config: str) -> None:
    """The flags every ``fingan train`` command shares: output folder, config file, steps, objective, seed, device."""
    p.add_argument("--out", required=True, type=Path, help="output folder (created when missing)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--config", type=Path, help=f"a {config} as TOML or JSON (flags given override it)")
    p.add_argument("--steps", type=positive_int, help="generator steps (default: the recipe's)")
    p.add_argument("--objective", metavar="NAME",
                   help="training objective (fingan objectives lists them) (default: the recipe's)")
    p.add_argument("--seed", type=int, help="random seed (default: the recipe's, 0)")
    add_optimiser_flags(p)
    add_run_flags(p)


def add_run_flags(p: argparse.ArgumentParser) -> None:
    """Where and how a training command runs: device, precision, progress bar."""
    add_device_flag(p)
    p.add_argument("--bf16", dest="amp", action=argparse.BooleanOptionalAction,
                   help="train under bf16 autocast (default: on CUDA, not on CPU; see the guide, Performance and scale)")
    add_progress_flag(p)


def add_device_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", help="auto (CUDA when available, else CPU), cpu, cuda or cuda:N")


def add_progress_flag(p: argparse.ArgumentParser) -> None:
    """``--progress / --no-progress``; left unset, :func:`resolve_progress` decides."""
    p.add_argument("--progress", action=argparse.BooleanOptionalAction,
                   help="a progress bar (default: a bar on a terminal, a plain line every 5%% of the steps otherwise)")


def resolve_progress(progress: bool | None) -> bool | str:
    """An unset ``--progress``: a bar on a terminal, plain lines in a log."""
    if progress is None:
        return True if sys.stderr.isatty() else "lines"
    return progress


def name_tuple(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


# What a flag's type gives for the word 'none' where None already means "flag not given";
# cli._given turns it into the option value None.
NONE = object()


def positive_float_or_none(text: str) -> float | object:
    """A positive number, or :data:`NONE` for the word ``none``."""
    return NONE if text.strip().lower() == "none" else positive_float(text)


def half_lives(text: str) -> tuple[float, ...]:
    if text.strip().lower() == "none":
        return ()
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated days such as 2,20,120 or 'none', got {text!r}") from None
    if any(not v > 0 for v in values):
        raise argparse.ArgumentTypeError(f"half-lives must be positive, got {text!r}")
    return values


def int_tuple(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def add_data_flags(p: argparse.ArgumentParser, default: str) -> None:
    p.add_argument("--data", default=default, help="sp500, sp500-stocks, a .csv/.parquet price file, or yahoo:A,B")
    p.add_argument("--tickers", help="comma-separated columns of --data to use")
    p.add_argument("--start", help="first date to use (YYYY-MM-DD)")
    p.add_argument("--end", help="last date to use (YYYY-MM-DD)")


# ------------------------------------------------------------------ the commands' parsers

def add_sample_parser(sub: argparse._SubParsersAction, run: Callable[[argparse.Namespace], int]) -> None:
    """``fingan sample``, handled by ``run``."""
    sample = sub.add_parser("sample", help="draw scenarios from a trained model")
    sample.set_defaults(run=run)
    sample.add_argument("model", type=Path, help="a model.pt or the folder holding it")
    sample.add_argument("--n", type=positive_int, default=1000, help="number of paths (or points)")
    sample.add_argument("--length", type=positive_int, default=252, help="business days per path")
    sample.add_argument("--out", type=Path, required=True,
                        help=".csv or .parquet (return models), .npy (matrices, toy points); never overwritten")
    sample.add_argument("--seed", type=int, help="random seed (default: none, fresh paths on every run)")
    sample.add_argument("--regime", help="conditional models: calm / normal / stressed (Quant GAN), "
                        "stressed / normal / rally (CorrGAN)")
    sample.add_argument("--history", help="Quant GAN (SVNN): continue this price source's returns (sp500, a "
                        ".csv/.parquet file, yahoo:A,B; the model's tickers are used)")
    sample.add_argument("--history-start", help="first date of --history to read (default: all)")
    sample.add_argument("--history-end", help="last date of --history: the paths start the business day after")
    sample.add_argument("--prices", action="store_true", help="write price paths instead of returns")
    sample.add_argument("--start-price", type=positive_float, default=1.0,
                        help="first price of every path (with --prices)")
    add_device_flag(sample)
    sample.add_argument("--chunk-size", type=positive_int,
                        help="stream to .parquet this many paths at a time, in bounded memory (one row per path)")
    add_progress_flag(sample)


def add_demo_parser(sub: argparse._SubParsersAction, run: Callable[[argparse.Namespace], int]) -> None:
    """``fingan demo``, handled by ``run``."""
    demo = sub.add_parser("demo", help="the main job: Quant GAN on the bundled S&P 500, scenarios and report")
    demo.set_defaults(run=run)
    demo.add_argument("--out", type=Path, default=Path("runs/demo"), help="output folder (created when missing)")
    demo.add_argument("--steps", type=positive_int, help="generator steps (default: the small benchmark's)")
    demo.add_argument("--paths", type=positive_int, default=1000,
                      help="one-year scenarios to draw")
    add_device_flag(demo)
    add_progress_flag(demo)


def add_validate_parser(sub: argparse._SubParsersAction, run: Callable[[argparse.Namespace], int]) -> None:
    """``fingan validate``, handled by ``run``."""
    val = sub.add_parser("validate", help="score synthetic returns or correlation matrices against real data")
    val.set_defaults(run=run)
    val.add_argument("synthetic", type=Path,
                     help="returns as .csv/.parquet (one column per path) or .npy (n_paths, T); matrices as .npy (n, N, N)")
    val.add_argument("--data", "--reference", dest="reference", default="sp500",
                     help="the real data: a price source as in the other commands (sp500, sp500-stocks, a price "
                          "file, yahoo:A,B) or a .npy of reference matrices; --reference is the same flag")
    val.add_argument("--start", help="first date to use (YYYY-MM-DD)")
    val.add_argument("--end", help="last date to use (YYYY-MM-DD)")
    val.add_argument("--window", type=positive_int, default=252,
                     help="window length of the correlation matrices (reference matrices use it too)")
    val.add_argument("--model", type=Path, help="the model that made the synthetic data (for the report's header)")
    val.add_argument("--no-baselines", dest="baselines", action="store_false",
                     help="skip the baseline columns (GJR-GARCH-t and bootstrap; LKJ and window bootstrap for matrices)")
    val.add_argument("--report", type=Path, help="write a self-contained HTML report here (never overwritten)")
    val.add_argument("--json", type=Path, help="write the scorecard as JSON here (never overwritten)")
    val.add_argument("--max-paths", type=positive_int,
                     help="streamed Parquet files: paths used for distance scores and plots (default 10000; "
                          "the stylized facts use every path)")


def add_data_parser(sub: argparse._SubParsersAction, run: Callable[[argparse.Namespace], int]) -> None:
    """``fingan data show`` and ``fingan data fetch``, handled by ``run``."""
    data = sub.add_parser("data", help="inspect and fetch price data")
    data.set_defaults(run=run)
    data_sub = data.add_subparsers(dest="action", required=True, parser_class=Parser, metavar="ACTION")
    show = data_sub.add_parser("show", help="summarise a price source")
    show.add_argument("source", help="sp500, sp500-stocks, a .csv/.parquet file, or yahoo:AAPL,MSFT")
    show.add_argument("--start", help="first date to use (YYYY-MM-DD)")
    show.add_argument("--end", help="last date to use (YYYY-MM-DD)")
    show.add_argument("--missing", default="raise", choices=["raise", "dropna", "ffill"],
                      help="what to do with missing prices")
    fetch = data_sub.add_parser("fetch", help="fetch prices from Yahoo (cached) and write them to a file")
    fetch.add_argument("tickers", nargs="+", help="Yahoo Finance symbols, e.g. ^GSPC AAPL")
    fetch.add_argument("--start", help="first date to use (YYYY-MM-DD)")
    fetch.add_argument("--end", help="last date to use (YYYY-MM-DD)")
    fetch.add_argument("--out", type=Path, required=True, help="a .csv or .parquet file (never overwritten)")
    fetch.add_argument("--cache-dir", type=Path,
                       help="where downloaded prices are cached (default: ~/.cache/fingan/yahoo)")



TOY_NAMES = ("gaussian", "grid25", "huber", "mixture", "ring8")
OBJECTIVE_NAMES = ("gan", "hellinger", "hinge", "js", "kl", "lsgan", "minimax", "mmd", "ns", "pearson", "reverse-kl",
                   "vgrow", "wgan", "wgan-gp")
IMAGE_NAMES = ("digits", "mnist", "fashion-mnist")


def add_ema_flags(p: argparse.ArgumentParser) -> None:
    """``--ema-decay`` and ``--ema-start``: sample from a moving average of the generator's weights."""
    p.add_argument("--ema-decay", type=float,
                   help="sample from an exponential moving average of the generator weights with this decay "
                        "(default: none, the weights themselves)")
    p.add_argument("--ema-start", type=non_negative_int,
                   help="generator steps before that average starts (default 0: from the first step)")


def add_toy_parser(sub: argparse._SubParsersAction, run: Callable[[argparse.Namespace], int]) -> None:
    """``fingan train toy``, handled by ``run``."""
    p = sub.add_parser("toy", help="train a GAN on a toy distribution")
    p.set_defaults(run=run)
    add_train_flags(p, "ToyGANConfig")
    p.add_argument("--dataset", default="ring8", choices=TOY_NAMES, help="toy distribution")
    p.add_argument("--sn", action="store_true", help="spectral normalisation of the critic")
    add_ema_flags(p)
    p.add_argument("--instance-noise", type=positive_or_zero_float,
                   help="standard deviation of Gaussian noise added to the critic's inputs")
    p.add_argument("--minibatch-kernels", type=non_negative_int,
                   help="minibatch-discrimination kernels in the critic (0: none)")
    p.add_argument("--pack", type=positive_int, help="PacGAN packing degree (default: 1)")
    p.add_argument("--n-samples", type=positive_int, default=2500, help="samples for the metrics and plot")


def add_quantgan_parser(sub: argparse._SubParsersAction, run: Callable[[argparse.Namespace], int]) -> None:
    """``fingan train quantgan``, handled by ``run``."""
    p = sub.add_parser("quantgan", help="train a Quant GAN on log returns (several tickers: multi-asset)")
    p.set_defaults(run=run)
    add_train_flags(p, "QuantGANConfig")
    add_data_flags(p, "sp500")
    p.add_argument("--train-end", help="last training date; dates after it up to --valid-end choose the checkpoint")
    p.add_argument("--valid-end", help="last validation date (needs --train-end); later dates are never used")
    p.add_argument("--hidden", type=positive_int, help="channels of the TCN blocks (default: the recipe's)")
    p.add_argument("--dilations", type=int_tuple, help="e.g. 1,2,4,8,16,32")
    p.add_argument("--window", type=positive_int, help="days per training window (default: the recipe's)")
    p.add_argument("--noise-dim", type=positive_int, help="noise channels per day (default: the recipe's)")
    p.add_argument("--conditional", action="store_true", help="condition on the volatility regime")
    p.add_argument("--generator", choices=["svnn", "tcn"],
                   help="svnn (default): volatility and drift from past noise times i.i.d. innovations; tcn: the "
                        "paper's pure TCN")
    p.add_argument("--critic-inputs", type=name_tuple, help="what the critic sees (default r,abs,standardised; also: square)")
    p.add_argument("--critic-dilations", type=int_tuple,
                   help="the critic's own dilations, e.g. 1,2,4,8,16,32 (default: the generator's)")
    p.add_argument("--critic-window-features", type=non_negative_int,
                   help="features the critic averages over the whole window and scores (default 0: none)")
    p.add_argument("--memory", type=half_lives,
                   help="SVNN long-memory half-lives in days, e.g. 2,20,120,500; 'none' for none")
    p.add_argument("--max-drift", type=positive_float,
                   help="SVNN: bound the drift to this many volatilities (default: unbounded)")
    p.add_argument("--drift-clip", type=positive_float,
                   help="SVNN: clip the drift at this many volatilities, leaving smaller drifts as they are "
                        "(default: no clip; not with --max-drift)")
    p.add_argument("--fact-weight", type=positive_or_zero_float,
                   help="weight of a generator loss matching the windows' autocorrelations of r, |r|, r^2 and "
                        "leverage to the real batch's (default 10; 0: off)")
    p.add_argument("--fact-lags", type=positive_int,
                   help="lags of that loss (default 50, or the window length - 2 when shorter)")
    p.add_argument("--fact-pooled-weight", type=positive_or_zero_float,
                   help="weight of the same loss on the batch's windows pooled as one series, which also sees calm "
                        "against stormy windows (default 0: off)")
    p.add_argument("--fact-pooled-facts", type=name_tuple,
                   help="which facts the pooled loss matches, e.g. abs (default r,abs,square,leverage)")
    p.add_argument("--recency", type=positive_float_or_none, metavar="DAYS",
                   help="draw training windows with weights halving every DAYS trading days of age, so recent "
                        "years count more (default 500); 'none' for all windows alike")
    add_ema_flags(p)
    p.add_argument("--lambert-w", action=argparse.BooleanOptionalAction, default=None,
                   help="Gaussianise the tails before training (the paper's preprocessing)")
    p.add_argument("--selection", choices=["unconditional", "origin"],
                   help="what the validation score draws: paths from the model's stationary state (default) or, "
                        "SVNN only, scenarios continuing the training returns from the validation period's first day")


def add_corrgan_parser(sub: argparse._SubParsersAction, run: Callable[[argparse.Namespace], int]) -> None:
    """``fingan train corrgan``, handled by ``run``."""
    p = sub.add_parser("corrgan", help="train a CorrGAN on correlation matrices of a stock panel")
    p.set_defaults(run=run)
    add_train_flags(p, "CorrGANConfig")
    add_data_flags(p, "sp500-stocks")
    p.add_argument("--n-assets", type=positive_int,
                   help="matrix size N, random subsets when smaller than the panel (default: 20; with --order "
                        "panel every ticker)")
    p.add_argument("--order", choices=["clustered", "panel"],
                   help="rows of each matrix: reordered by clustering (the paper's; default) or the panel's "
                        "tickers in order")
    p.add_argument("--window", type=positive_int, help="days per empirical correlation matrix (default: 252)")
    p.add_argument("--step", type=positive_int, help="days between windows (default: 5)")
    p.add_argument("--channels", type=positive_int,
                   help="base width of the convolutional nets (default: the recipe's)")
    p.add_argument("--conditional", action="store_true",
                   help="condition on the market regime (stressed / normal / rally) of each window")
    p.add_argument("--postprocess", choices=["higham", "clip"],
                   help="make samples valid correlation matrices: higham (nearest) or clip (eigenvalues)")


def add_image_parser(sub: argparse._SubParsersAction, run: Callable[[argparse.Namespace], int]) -> None:
    """``fingan train image``, handled by ``run``."""
    p = sub.add_parser("image", help="train an image GAN (DCGAN or progressive nets, any objective)")
    p.set_defaults(run=run)
    add_train_flags(p, "ImageGANConfig")
    p.add_argument("--dataset", default="digits", choices=IMAGE_NAMES, help="image data set")
    p.add_argument("--root", type=Path, help="folder of the MNIST / Fashion-MNIST IDX files")
    p.add_argument("--download", action="store_true", help="let torchvision fetch MNIST / Fashion-MNIST (network)")
    p.add_argument("--size", type=positive_int, default=16, help="image side (a power of 2)")
    p.add_argument("--arch", choices=["dcgan", "progressive"],
                   help="generator and critic architecture (default: dcgan)")
    p.add_argument("--variant", choices=["gan", "conditional", "acgan", "infogan"],
                   help="plain, class-conditional, AC-GAN or InfoGAN (default: gan)")
    p.add_argument("--objective-param", action="append", type=key_value, default=[], metavar="KEY=VALUE",
                   help="objective option, repeatable (e.g. divergence=js step_size=0.5 for vgrow)")
    p.add_argument("--drift", type=positive_float, help="drift penalty weight (progressive growing: 0.001)")
    p.add_argument("--betas", type=positive_or_zero_float, nargs=2, metavar=("BETA1", "BETA2"), help="Adam betas")
    p.add_argument("--sn", action="store_true", help="spectral normalisation of the critic (SN-GAN)")
    p.add_argument("--channels", type=positive_int,
                   help="base width of the convolutional nets (default: the recipe's)")
