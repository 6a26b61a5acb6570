"""Plain Markdown tables for benchmark and scorecard output."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fingan.engine.checkpoint import atomic_write


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (written here to avoid pandas' optional tabulate dependency)."""
    def cells(values: Sequence[Any]) -> str:
        return "| " + " | ".join(str(v).replace("|", "\\|") for v in values) + " |"  # "|r|" must not split a cell

    lines = [cells(header), "|" + "---|" * len(header)] + [cells(row) for row in rows]
    return "\n".join(lines) + "\n"


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
        atomic_write(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
