"""Argument-parsing pieces shared by ``fingan`` and ``fingan bench``: the parser, value types, common flags."""

from __future__ import annotations

import argparse
import json
import sys
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


def key_value(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE read as JSON when it parses (numbers, true / false), else as text."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key.replace("-", "_"), json.loads(value)
    except json.JSONDecodeError:
        return key.replace("-", "_"), value


def add_optimiser_flags(p: argparse.ArgumentParser) -> None:
    """Batch size, critic steps and learning rates; left unset, the recipe's (or its --config file's) apply."""
    p.add_argument("--batch-size", type=positive_int, help="samples per training batch (default: the recipe's)")
    p.add_argument("--n-critic", type=positive_int, help="critic steps per generator step (default: the recipe's)")
    p.add_argument("--lr-g", type=positive_float, help="generator learning rate (default: the recipe's)")
    p.add_argument("--lr-d", type=positive_float, help="critic learning rate (default: the recipe's)")


def add_train_flags(p: argparse.ArgumentParser, config: str) -> None:
    """The flags every ``fingan train`` command shares: output folder, config file, steps, objective, seed, device."""
    from pathlib import Path

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
