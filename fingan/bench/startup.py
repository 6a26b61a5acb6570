"""Startup: how long ``fingan --help`` and a bare ``import fingan`` take in a fresh process.

    fingan bench startup --out benchmarks/results/startup.md

(``python benchmarks/startup.py`` takes the same flags.) The command line imports torch,
pandas and scipy only when a command needs them, so help and argument errors come back
at once. Each figure is the median wall time over ``--repeats`` fresh processes, beside
the bare interpreter's start (``python -c pass``) on the same machine.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from fingan.bench.report import log, machine_description, publish
from fingan.bench.report import parser as bench_parser
from fingan.cli_args import positive_int
from fingan.validation.tables import markdown_table

HEAVY = ("torch", "pandas", "scipy", "numpy", "matplotlib", "sklearn", "arch")


def _fingan_command() -> list[str]:
    """The installed ``fingan`` script beside this interpreter, else ``python -m fingan``."""
    script = Path(sys.executable).parent / "fingan"
    if script.is_file():
        return [str(script)]
    found = shutil.which("fingan")
    return [found] if found else [sys.executable, "-m", "fingan"]


def wall_seconds(command: list[str], repeats: int) -> list[float]:
    """Wall time of ``command`` run ``repeats`` times, each in a fresh process (output discarded)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return times


def heavy_modules_after_help() -> list[str]:
    """Which heavy libraries building the full ``fingan`` parser and its help text imports (should be none)."""
    probe = ("import sys\nfrom fingan.cli import build_parser\nbuild_parser().format_help()\n"
             f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout.strip()
    return [m for m in out.split(",") if m]


def startup_benchmark(repeats: int = 10) -> list[dict[str, object]]:
    """Median (and max) seconds of each command over ``repeats`` fresh processes."""
    cases = {
        "python -c pass (the interpreter alone)": [sys.executable, "-c", "pass"],
        "fingan --help": [*_fingan_command(), "--help"],
        "fingan train quantgan --help": [*_fingan_command(), "train", "quantgan", "--help"],
        "python -c 'import fingan'": [sys.executable, "-c", "import fingan"],
        "python -c 'import fingan.models' (torch, pandas)": [sys.executable, "-c", "import fingan.models"],
    }
    rows = []
    for name, command in cases.items():
        log(f"{name} ...")
        wall_seconds(command, 1)  # warm the file cache
        times = wall_seconds(command, repeats)
        rows.append({"command": name, "median s": statistics.median(times), "max s": max(times)})
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench startup``: time the commands, print the table, write it to ``--out``."""
    parser = bench_parser("startup", __doc__)
    parser.add_argument("--repeats", type=positive_int, default=10, help="fresh processes per command")
    parser.add_argument("--out", type=Path, help="write the Markdown table here")
    args = parser.parse_args(argv)
    rows = startup_benchmark(args.repeats)
    heavy = heavy_modules_after_help()
    table = markdown_table(["command", "median s", "max s"],
                           [[r["command"], f"{r['median s']:.3f}", f"{r['max s']:.3f}"] for r in rows])
    help_s = next(r["median s"] for r in rows if r["command"] == "fingan --help")
    note = (f"\nTarget: `fingan --help` under 0.5 s; measured median {help_s:.3f} s. Heavy libraries imported "
            f"while building the whole parser and its help: {', '.join(heavy) or 'none'}. Median over "
            f"{args.repeats} fresh processes after one warm-up run. Machine: {machine_description()}. "
            f"Command: `python benchmarks/startup.py --repeats {args.repeats}`.")
    publish(table, note, args.out)
    return 0
