"""Plain Markdown tables for benchmark and scorecard output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (written here to avoid pandas' optional tabulate dependency)."""
    def cells(values: Sequence[Any]) -> str:
        return "| " + " | ".join(str(v).replace("|", "\\|") for v in values) + " |"  # "|r|" must not split a cell

    lines = [cells(header), "|" + "---|" * len(header)] + [cells(row) for row in rows]
    return "\n".join(lines) + "\n"
