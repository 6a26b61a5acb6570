"""What the Trainer does around each logged step: metrics log, progress bar, guard."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from fingan.errors import TrainingDivergedError


class MetricsLog:
    """Appends one JSON object per logged step to a JSON-lines file."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def __call__(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")


class ProgressBar:
    """Progress over generator steps, shown as ``mode`` says.

    ``True``: a tqdm bar with the latest losses (for a terminal). ``"lines"``: one plain
    line on stderr about every 5% of the steps (for logs, where a bar is noise).
    ``False``: nothing.
    """

    def __init__(self, total: int, initial: int, mode: bool | str) -> None:
        self.total, self.lines = total, mode == "lines"
        self.every = max(1, total // 20)
        self.next_line = initial + self.every
        self.started = time.perf_counter()
        self.bar = tqdm(total=total, initial=initial, disable=mode is not True, desc="training", unit="step")

    def advance(self, n: int = 1) -> None:
        self.bar.update(n)

    def show(self, record: dict[str, Any]) -> None:
        losses = {k: f"{v:.4g}" for k, v in record.items() if k.startswith("loss")}
        self.bar.set_postfix(losses)
        step = int(record.get("step", 0))
        if self.lines and (step >= self.next_line or step >= self.total):
            text = ", ".join(f"{k} {v}" for k, v in losses.items())
            print(f"training: step {step} of {self.total} ({100 * step / max(self.total, 1):.0f}%), {text}, "
                  f"{time.perf_counter() - self.started:.0f} s", file=sys.stderr, flush=True)
            self.next_line = step + self.every

    def close(self) -> None:
        self.bar.close()


def check_finite(record: dict[str, Any], last_checkpoint: Path | None) -> None:
    """Divergence guard: raise :class:`TrainingDivergedError` when a loss is NaN or inf."""
    bad = {k: v for k, v in record.items() if k.startswith("loss") and not math.isfinite(v)}
    if bad:
        where = (
            f"the last good checkpoint is {last_checkpoint}"
            if last_checkpoint is not None and last_checkpoint.exists()
            else "no checkpoint was written"
        )
        names = ", ".join(f"{k}={v}" for k, v in bad.items())
        raise TrainingDivergedError(
            f"training diverged by step {record['step']} ({names}); {where}. "
            "Lower the learning rates, add a gradient penalty or spectral normalisation, and resume."
        )
