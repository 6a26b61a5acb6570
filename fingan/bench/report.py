"""What every benchmark shares: its argument parser, the machine line and publishing a table."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from fingan.cli_args import Parser
from fingan.errors import ConfigError
from fingan.io import write_text


def parser(name: str, doc: str | None) -> Parser:
    """The parser of ``fingan bench NAME``: one-line errors, defaults shown, the module docstring's first line."""
    return Parser(prog=f"fingan bench {name}", description=(doc or "").strip().splitlines()[0])


def log(message: str) -> None:
    """Progress of a benchmark, on stderr (stdout carries the tables)."""
    print(message, file=sys.stderr, flush=True)


def check_variants(variants: Sequence[str] | None, ablation: Iterable[str], where: str) -> None:
    """A ConfigError naming the ``variants`` that are not rows of the ablation table ``where``."""
    unknown = sorted(set(variants or ()) - set(ablation))
    if unknown:
        raise ConfigError(f"unknown ablation variants {unknown}; see {where}")


def machine_description() -> str:
    """Where a benchmark ran: architecture, core count, whether the CPU has bf16 units, torch version."""
    import platform

    import torch

    from fingan.engine.device import cpu_has_bf16_units

    units = "yes" if cpu_has_bf16_units() else "no"
    where = f"{platform.machine()} with {os.cpu_count()} cores (bf16 matrix units: {units}), torch {torch.__version__}"
    if torch.cuda.is_available():
        where += f", GPU {torch.cuda.get_device_name(0)}"
    return where


def publish(table: str, note: str, out: str | os.PathLike | None = None) -> None:
    """Print a benchmark table with its note, and write both to ``out`` (atomically) when given."""
    text = table + "\n" + note.rstrip("\n") + "\n"
    print(text)
    if out is not None:
        write_text(Path(out), text)
