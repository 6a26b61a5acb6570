"""The ``fingan`` command. Thin: every subcommand calls the public API."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fingan.cli_args import (NONE, Parser, add_corrgan_parser, add_data_parser, add_demo_parser, add_image_parser,
                             add_quantgan_parser, add_sample_parser, add_toy_parser, add_validate_parser,
                             resolve_progress)
from fingan.errors import ConfigError, FinganError
from fingan.io import check_new_file, write_text


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="fingan", description="Synthetic financial data with GANs.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")

    train = sub.add_parser("train", help="train a model")
    train_sub = train.add_subparsers(dest="recipe", required=True, parser_class=Parser, metavar="RECIPE")
    add_toy_parser(train_sub, train_toy)
    add_quantgan_parser(train_sub, train_quantgan)
    add_corrgan_parser(train_sub, train_corrgan)
    add_image_parser(train_sub, train_image)
    add_sample_parser(sub, sample_command)
    add_demo_parser(sub, demo_command)

    from fingan.bench import BENCHMARKS

    bench = sub.add_parser("bench", help="run a benchmark (fingan bench NAME --help for its flags)")
    bench_sub = bench.add_subparsers(dest="benchmark", required=True, parser_class=Parser, metavar="NAME")
    for name, (_, what) in BENCHMARKS.items():  # each benchmark parses its own flags (fingan.bench.run)
        bench_sub.add_parser(name, help=what, add_help=False)

    sub.add_parser("objectives", help="list the registered objectives").set_defaults(run=objectives_command)
    add_validate_parser(sub, validate_command)
    add_data_parser(sub, data_command)

    return parser


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
    given = _given(args, "steps", "objective", "seed", "amp", "batch_size", "n_critic", "lr_g", "lr_d", "lr_decay",
                   "lr_decay_to", *names)
    model = cls(config, device=args.device, progress=args.progress, **given, **options)
    if refuse:
        check_new_file(args.out / "model.pt", "--out")
    return model


def _flag(args: argparse.Namespace, name: str, option: str, value: Any = True) -> dict[str, Any]:
    """``{option: value}`` when the on/off flag ``name`` was given, else nothing (the config file decides)."""
    return {option: value} if getattr(args, name) else {}


def train_toy(args: argparse.Namespace) -> int:
    """``fingan train toy``: fit, then write the model, a plot of samples and their metrics."""
    from fingan.data.toy import load_toy
    from fingan.models.toy import ToyGAN

    model = _recipe(args, ToyGAN, ("ema_decay", "ema_start", "instance_noise", "minibatch_kernels", "pack"), refuse=False,
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
    from fingan.data.prices import check_price_file, count_tickers, describe_prices, load_prices, write_prices

    if args.action == "show":
        print(describe_prices(args.source, args.start, args.end, args.missing))
        return 0
    check_price_file(args.out)  # before any download
    prices = load_prices(list(args.tickers), start=args.start, end=args.end, cache_dir=args.cache_dir, missing="dropna")
    write_prices(prices, args.out)
    print(f"wrote {len(prices)} dates x {count_tickers(prices)} to {args.out}")
    return 0


def validate_command(args: argparse.Namespace) -> int:
    """``fingan validate``: print the scorecard, write the report (see :func:`fingan.validation.files.validate_file`)."""
    import warnings

    from fingan.errors import FinganWarning
    from fingan.validation.files import validate_file

    for out, flag in ((args.report, "--report"), (args.json, "--json")):
        if out is not None:
            check_new_file(out, flag)  # before any work: a bad path fails now, not after the scorecard
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
                                     "critic_dilations", "critic_window_features", "memory", "max_drift", "drift_clip",
                                     "fact_weight", "fact_lags", "fact_pooled_weight", "fact_pooled_facts", "recency",
                                     "lambert_w", "selection", "ema_decay", "ema_start"),
                    **_flag(args, "conditional", "conditional"))
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
        write_text(args.out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
        print(f"{title}: " + ", ".join(f"{k} {v:.3f}" for k, v in metrics.items()))
        print(f"wrote {args.out / 'samples.png'}, {args.out / 'metrics.json'}, {args.out / 'model.pt'}")
    return 0


def _save_run(model: Any, out: Path, summary: dict[str, Any]) -> None:
    """Write ``model.pt`` and ``summary.json`` of a finished training run."""
    model.save(out / "model.pt")
    write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")


def _print_written(out: Path) -> None:
    """Say where a training run's files went."""
    print(f"wrote {out / 'model.pt'}, {out / 'metrics.jsonl'}, {out / 'summary.json'}")


def _given(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The named flags the user gave (not None), as recipe options; a flag given as 'none' is the option None."""
    values = {name: getattr(args, name) for name in names}
    return {name: None if value is NONE else value for name, value in values.items() if value is not None}


def sample_command(args: argparse.Namespace) -> int:
    """``fingan sample``: draw scenarios from a saved model into a file (:func:`fingan.models.write_samples`)."""
    from fingan.models import load_model, write_samples

    check_new_file(args.out, "--out")
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
