"""The ``fingan`` command. Thin: every subcommand calls the public API."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fingan.cli_args import (Parser, add_data_flags, add_device_flag, add_progress_flag, add_train_flags,
                             half_lives, int_tuple, key_value, name_tuple, non_negative_int,
                             positive_float, positive_int, positive_or_zero_float, resolve_progress)
from fingan.errors import ConfigError, FinganError


TOY_NAMES = ("gaussian", "grid25", "huber", "mixture", "ring8")
OBJECTIVE_NAMES = ("gan", "hellinger", "hinge", "js", "kl", "lsgan", "minimax", "mmd", "ns", "pearson", "reverse-kl",
                   "vgrow", "wgan", "wgan-gp")
IMAGE_NAMES = ("digits", "mnist", "fashion-mnist")


def _add_toy_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("toy", help="train a GAN on a toy distribution")
    p.set_defaults(run=train_toy)
    add_train_flags(p, "ToyGANConfig")
    p.add_argument("--dataset", default="ring8", choices=TOY_NAMES, help="toy distribution")
    p.add_argument("--sn", action="store_true", help="spectral normalisation of the critic")
    p.add_argument("--ema-decay", type=float,
                   help="keep an exponential moving average of the generator weights with this decay")
    p.add_argument("--instance-noise", type=positive_or_zero_float,
                   help="standard deviation of Gaussian noise added to the critic's inputs")
    p.add_argument("--minibatch-kernels", type=non_negative_int,
                   help="minibatch-discrimination kernels in the critic (0: none)")
    p.add_argument("--pack", type=positive_int, help="PacGAN packing degree (default: 1)")
    p.add_argument("--n-samples", type=positive_int, default=2500, help="samples for the metrics and plot")


def _add_quantgan_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("quantgan", help="train a Quant GAN on log returns (several tickers: multi-asset)")
    p.set_defaults(run=train_quantgan)
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
    p.add_argument("--critic-inputs", type=name_tuple, help="what the critic sees, e.g. r,abs (also: square)")
    p.add_argument("--memory", type=half_lives,
                   help="SVNN long-memory half-lives in days, e.g. 2,20,120,500; 'none' for none")
    p.add_argument("--max-drift", type=positive_float,
                   help="SVNN: bound the drift to this many volatilities (default: unbounded)")
    p.add_argument("--lambert-w", action=argparse.BooleanOptionalAction, default=None,
                   help="Gaussianise the tails before training (the paper's preprocessing)")


def _add_corrgan_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("corrgan", help="train a CorrGAN on correlation matrices of a stock panel")
    p.set_defaults(run=train_corrgan)
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


def _add_image_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("image", help="train an image GAN (DCGAN or progressive nets, any objective)")
    p.set_defaults(run=train_image)
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


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="fingan", description="Synthetic financial data with GANs.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")

    train = sub.add_parser("train", help="train a model")
    train_sub = train.add_subparsers(dest="recipe", required=True, parser_class=Parser, metavar="RECIPE")
    _add_toy_parser(train_sub)
    _add_quantgan_parser(train_sub)
    _add_corrgan_parser(train_sub)
    _add_image_parser(train_sub)

    sample = sub.add_parser("sample", help="draw scenarios from a trained model")
    sample.set_defaults(run=sample_command)
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

    demo = sub.add_parser("demo", help="the main job: Quant GAN on the bundled S&P 500, scenarios and report")
    demo.set_defaults(run=demo_command)
    demo.add_argument("--out", type=Path, default=Path("runs/demo"), help="output folder (created when missing)")
    demo.add_argument("--steps", type=positive_int, help="generator steps (default: the small benchmark's)")
    demo.add_argument("--paths", type=positive_int, default=1000,
                      help="one-year scenarios to draw")
    add_device_flag(demo)
    add_progress_flag(demo)

    from fingan.bench import BENCHMARKS

    bench = sub.add_parser("bench", help="run a benchmark (fingan bench NAME --help for its flags)")
    bench_sub = bench.add_subparsers(dest="benchmark", required=True, parser_class=Parser, metavar="NAME")
    for name, (_, what) in BENCHMARKS.items():  # each benchmark parses its own flags (fingan.bench.run)
        bench_sub.add_parser(name, help=what, add_help=False)

    sub.add_parser("objectives", help="list the registered objectives").set_defaults(run=objectives_command)

    val = sub.add_parser("validate", help="score synthetic returns or correlation matrices against real data")
    val.set_defaults(run=validate_command)
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

    data = sub.add_parser("data", help="inspect and fetch price data")
    data.set_defaults(run=data_command)
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
    return parser


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _plain(text: str) -> str:
    """A docstring line without reStructuredText markup (roles, literals) for the terminal."""
    import re

    text = re.sub(r":[a-z]+:`([^`]*)`", r"\1", text)
    return re.sub(r"\\([A-Za-z]+)", r"\1", text).replace("``", "")  # \log -> log


def _version() -> str:
    from fingan import __version__

    return f"fingan {__version__}"


def _recipe(args: argparse.Namespace, cls: type, names: Sequence[str] = (), refuse: bool = True, **options: Any) -> Any:
    """The recipe the flags describe: its --config file, the shared training flags given, ``names``, ``options``.

    ``refuse``: an existing ``model.pt`` in ``--out`` is an error before any work (else the
    trainer's own check of the folder speaks).
    """
    from fingan.config import load_config

    config = load_config(cls.config_class, args.config) if args.config is not None else None
    given = _given(args, "steps", "objective", "seed", "amp", "batch_size", "n_critic", "lr_g", "lr_d", *names)
    model = cls(config, device=args.device, progress=args.progress, **given, **options)
    if refuse:
        _refuse_existing(args.out / "model.pt", "--out")
    return model


def _flag(args: argparse.Namespace, name: str, option: str, value: Any = True) -> dict[str, Any]:
    """``{option: value}`` when the on/off flag ``name`` was given, else nothing (the config file decides)."""
    return {option: value} if getattr(args, name) else {}


def train_toy(args: argparse.Namespace) -> int:
    """``fingan train toy``: fit, then write the model, a plot of samples and their metrics."""
    from fingan.data.toy import load_toy
    from fingan.models.toy import ToyGAN

    model = _recipe(args, ToyGAN, ("ema_decay", "instance_noise", "minibatch_kernels", "pack"), refuse=False,
                    **_flag(args, "sn", "spectral_norm"))
    data = load_toy(args.dataset, seed=model.config.trainer.seed)
    model.fit(data, out_dir=args.out, resume=args.resume)
    if not model.trainer_.dist.is_main:  # under torchrun only rank 0 writes and prints the results
        return 0
    summary = model.summary(args.dataset, data, args.n_samples, plot=args.out / "samples.png")
    _save_run(model, args.out, summary)
    _print_summary(summary, args.out)
    return 0


def data_command(args: argparse.Namespace) -> int:
    """``fingan data show`` and ``fingan data fetch``."""
    from fingan.data.prices import check_price_file, describe_prices, load_prices, write_prices

    if args.action == "show":
        print(describe_prices(args.source, args.start, args.end, args.missing))
        return 0
    check_price_file(args.out)  # before any download
    prices = load_prices(list(args.tickers), start=args.start, end=args.end, cache_dir=args.cache_dir, missing="dropna")
    write_prices(prices, args.out)
    print(f"wrote {len(prices)} dates x {_plural(prices.shape[1], 'ticker')} to {args.out}")
    return 0


def validate_command(args: argparse.Namespace) -> int:
    """``fingan validate``: print the scorecard, write the report (see :func:`fingan.validation.files.validate_file`)."""
    import warnings

    from fingan.errors import FinganWarning
    from fingan.io import write_text
    from fingan.validation.files import check_new_file, validate_file

    for out in (args.report, args.json):
        if out is not None:
            check_new_file(out)  # before any work: a bad path fails now, not after the scorecard
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FinganWarning)
        card = validate_file(args.synthetic, args.reference, args.start, args.end, args.window, args.model,
                             args.baselines, plots=args.report is not None, max_paths=args.max_paths)
    for w in caught:  # fingan's own in one line; the rest as Python shows them
        if issubclass(w.category, FinganWarning):
            print(f"fingan: warning: {w.message}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    print(card.provenance_markdown() + "\n\n" + card.to_markdown())
    print("result: " + ("every fact within tolerance" if card.passed else "some facts outside tolerance")
          + "; facts passed: " + ", ".join(f"{k} {v}" for k, v in card.pass_counts().items()))
    if card.risk_markdown():
        print("\n" + card.risk_markdown())
    for out, write in ((args.report, card.to_html), (args.json, lambda p: write_text(p, card.to_json()))):
        if out is not None:
            write(out)
            print(f"wrote {out}")
    return 0


def _returns_for(args: argparse.Namespace):
    from fingan.data.prices import load_prices
    from fingan.data.returns import log_returns

    tickers = None if not getattr(args, "tickers", None) else [t for t in args.tickers.split(",") if t]
    return log_returns(load_prices(args.data, start=args.start, end=args.end, tickers=tickers, missing="dropna"))


def _split(returns, train_end: str | None, valid_end: str | None):
    from fingan.data.returns import split_periods

    if valid_end is not None and train_end is None:
        raise ConfigError("--valid-end needs --train-end")
    if train_end is None:
        return returns, None
    train, valid, _ = split_periods(returns, train_end, valid_end)
    return train, (valid if len(valid) else None)


def train_quantgan(args: argparse.Namespace) -> int:
    """``fingan train quantgan``: fit, save ``model.pt`` and a summary in ``--out``."""
    from fingan.models.quantgan import QuantGAN, long_cpu_run_warning

    model = _recipe(args, QuantGAN, ("hidden", "dilations", "window", "noise_dim", "generator", "critic_inputs",
                                     "memory", "max_drift", "lambert_w"), **_flag(args, "conditional", "conditional"))
    train, valid = _split(_returns_for(args), args.train_end, args.valid_end)
    warning = long_cpu_run_warning(model.config, args.device)
    if warning:
        print(f"fingan: warning: {warning}", file=sys.stderr, flush=True)
    model.fit(train, valid, out_dir=args.out, resume=args.resume)
    if model.trainer_.dist.is_main:  # under torchrun only rank 0 writes and prints the results
        _save_run(model, args.out, model.summary(str(args.data), train))
        print(f"trained a Quant GAN on {', '.join(model.columns_)} ({len(train)} days to {train.index[-1].date()}), "
              f"receptive field {model.config.receptive_field}"
              + ("" if model.best_step_ is None else f", checkpoint of step {model.best_step_} chosen on validation"))
        _print_written(args.out)
    return 0


def train_corrgan(args: argparse.Namespace) -> int:
    """``fingan train corrgan``: fit on rolling correlation matrices, save ``model.pt`` and a summary."""
    from fingan.data.prices import load_index
    from fingan.data.returns import log_returns
    from fingan.models.corrgan import CorrGAN

    returns = _returns_for(args)
    panel = args.order == "panel" and args.n_assets is None  # every ticker of the panel, in its order
    model = _recipe(args, CorrGAN, ("channels", "n_assets", "window", "step", "order", "postprocess"),
                    **_flag(args, "conditional", "conditional"), **({"n_assets": returns.shape[1]} if panel else {}))
    # a conditional model on the bundled panel uses its bundled index; other panels their equal-weight return
    market = log_returns(load_index()) if args.conditional and args.data == "sp500-stocks" else None
    model.fit(returns, market=market, out_dir=args.out, resume=args.resume)
    if model.trainer_.dist.is_main:  # under torchrun only rank 0 writes and prints the results
        _save_run(model, args.out, model.summary(str(args.data), returns))
        print(f"trained a CorrGAN on {model.n_train_} correlation matrices of {model.config.n_assets} assets "
              f"({model.config.window}-day windows every {model.config.step} days)")
        _print_written(args.out)
    return 0


def train_image(args: argparse.Namespace) -> int:
    """``fingan train image``: fit, then write the model, a PNG grid of samples and the metrics."""
    from fingan.data.images import load_images
    from fingan.models.images import ImageGAN

    model = _recipe(args, ImageGAN, ("channels", "drift", "betas", "arch", "variant"),
                    **_flag(args, "objective_param", "objective_params", dict(args.objective_param)),
                    **_flag(args, "sn", "spectral_norm"))
    images, labels = load_images(args.dataset, size=args.size, root=args.root, download=args.download)
    model.fit(images, labels, out_dir=args.out, resume=args.resume)
    if model.trainer_.dist.is_main:  # under torchrun only rank 0 writes and prints the results
        model.save(args.out / "model.pt")
        title, metrics = model.summary(args.dataset, images, labels, grid=args.out / "samples.png")
        _write_text(args.out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
        print(f"{title}: " + ", ".join(f"{k} {v:.3f}" for k, v in metrics.items()))
        print(f"wrote {args.out / 'samples.png'}, {args.out / 'metrics.json'}, {args.out / 'model.pt'}")
    return 0


def _save_run(model: Any, out: Path, summary: dict[str, Any]) -> None:
    """Write ``model.pt`` and ``summary.json`` of a finished training run."""
    model.save(out / "model.pt")
    _write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")


def _print_written(out: Path) -> None:
    """Say where a training run's files went."""
    print(f"wrote {out / 'model.pt'}, {out / 'metrics.jsonl'}, {out / 'summary.json'}")


def _given(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The named flags the user gave (not None), as recipe options."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _refuse_existing(path: Path, flag: str) -> None:
    if path.exists():
        raise ConfigError(f"{path} already exists; choose another {flag}")


def _write_text(path: Path, text: str) -> None:
    from fingan.io import atomic_write

    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def sample_command(args: argparse.Namespace) -> int:
    """``fingan sample``: draw scenarios from a saved model into a file (:func:`fingan.models.write_samples`)."""
    from fingan.models import load_model, write_samples

    _refuse_existing(args.out, "--out")
    model = load_model(args.model / "model.pt" if args.model.is_dir() else args.model, device=args.device)
    print(write_samples(model, args.out, args.n, args.length, seed=args.seed, regime=args.regime,
                        history=args.history, history_start=args.history_start, history_end=args.history_end,
                        prices=args.prices, start_price=args.start_price, chunk_size=args.chunk_size,
                        progress=args.progress))
    return 0


def demo_command(args: argparse.Namespace) -> int:
    """``fingan demo``: see :func:`fingan.bench.demo.run_demo`."""
    from fingan.bench.demo import run_demo

    return run_demo(args.out, steps=args.steps, n_paths=args.paths, device=args.device, progress=args.progress)


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
    given = list(sys.argv[1:] if argv is None else argv)
    from fingan.bench import BENCHMARKS

    if len(given) >= 2 and given[0] == "bench" and given[1] in BENCHMARKS:  # the benchmark parses its own flags
        from fingan.bench import run

        return _guarded(lambda: run(given[1], given[2:]))
    args = build_parser().parse_args(argv)
    if hasattr(args, "progress"):
        args.progress = resolve_progress(args.progress)
    try:
        code = _run(args)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (fingan data show ... | head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    if "RANK" in os.environ:  # a torchrun worker: leave the process group cleanly
        from fingan.engine.distributed import exit_rank

        return exit_rank(code)
    return code


def _run(args: argparse.Namespace) -> int:
    """Run a parsed command; training commands hold their output folder's lock throughout."""
    def command() -> int:
        if args.command in ("train", "demo") and os.environ.get("RANK", "0") == "0":
            from fingan.engine.checkpoint import run_lock

            with run_lock(args.out):  # the whole command: training, then model and report files
                return _dispatch(args)
        return _dispatch(args)

    return _guarded(command)


def _guarded(command: Callable[[], int]) -> int:
    """Call ``command``; fingan errors become one line and exit status 1, Ctrl-C exit status 130."""
    try:
        return command()
    except FinganError as exc:
        print(f"fingan: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("fingan: interrupted", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    """Run the parsed command: each parser names its handler (``set_defaults(run=...)``)."""
    return args.run(args)


def objectives_command(args: argparse.Namespace) -> int:
    """``fingan objectives``: every registered objective with the first line of its docstring, as plain text."""
    from fingan.engine.objectives import OBJECTIVES

    for name in OBJECTIVES.names():
        print(f"{name:12s} {_plain((OBJECTIVES.get(name).__doc__ or '').strip().splitlines()[0])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
