"""The fingan command: training, outputs, and one-line errors."""

import json
import subprocess
import sys

import pytest

from fingan.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "fingan.cli", *args], capture_output=True, text=True, timeout=300)


def test_train_toy_writes_checkpoint_log_plot_and_prints_modes(tmp_path, capsys):
    out = tmp_path / "ring"
    code = main(["train", "toy", "--dataset", "ring8", "--objective", "ns", "--steps", "30",
                 "--out", str(out), "--no-progress", "--n-samples", "500"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "modes" in printed and "high quality" in printed
    for name in ("checkpoint.pt", "model.pt", "metrics.jsonl", "samples.png", "summary.json"):
        assert (out / name).is_file(), name
    assert (out / "samples.png").read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_modes"] == 8 and 0 <= summary["modes"] <= 8


def test_train_toy_refuses_to_overwrite_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "toy", "--dataset", "gaussian", "--objective", "wgan-gp", "--steps", "10",
            "--out", str(out), "--no-progress", "--n-samples", "200"]
    assert main(args) == 0
    assert main(args) == 1
    assert "already holds a training run" in capsys.readouterr().err
    assert main(args[:7] + ["20"] + args[8:] + ["--resume"]) == 0
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps[-1] == 20
    assert "KS" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "toy", "--objective", "wgan-pg", "--out", "{tmp}/x"], "unknown objective 'wgan-pg'"),
        (["train", "toy", "--steps", "-5", "--out", "{tmp}/x"], "must be a positive integer"),
        (["train", "toy", "--dataset", "ring9", "--out", "{tmp}/x"], "invalid choice"),
        (["train", "toy", "--steps", "1", "--out", "{tmp}/file/x"], "cannot create output folder"),
    ],
)
def test_errors_are_one_line_and_exit_non_zero(tmp_path, args, message):
    (tmp_path / "file").write_text("not a folder")
    result = run_cli(*[a.format(tmp=tmp_path) for a in args])
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_the_subcommands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("train", "demo", "objectives"):
        assert command in result.stdout


def test_objectives_lists_every_registered_name(capsys):
    from fingan.engine import OBJECTIVES

    assert main(["objectives"]) == 0
    printed = capsys.readouterr().out
    for name in OBJECTIVES.names():
        assert name in printed


def test_demo_is_idempotent(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--steps", "20", "--no-progress"]) == 0
    first = capsys.readouterr().out
    checkpoint = (out / "checkpoint.pt").read_bytes()
    assert main(["demo", "--out", str(out), "--steps", "20", "--no-progress"]) == 0
    assert capsys.readouterr().out == first  # the finished run is resumed, not retrained
    assert (out / "checkpoint.pt").read_bytes() == checkpoint
    assert "ring8" in first and "modes" in first


def test_data_show_prints_range_tickers_missing_and_statistics(capsys):
    assert main(["data", "show", "sp500-stocks", "--start", "2010-01-01", "--end", "2010-12-31"]) == 0
    printed = capsys.readouterr().out
    assert "2010-01-04 to 2010-12-31" in printed and "20 tickers" in printed
    assert "missing prices: none" in printed and "excess kurtosis" in printed and "MSFT" in printed


def test_data_fetch_offline_is_one_line(tmp_path):
    result = run_cli("data", "fetch", "AAPL", "--start", "2015-01-01", "--out", str(tmp_path / "p.csv"),
                     "--cache-dir", str(tmp_path / "cache"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach Yahoo" in lines[0] and "sp500-stocks" in lines[0], result.stderr
    assert not (tmp_path / "p.csv").exists()


def test_data_fetch_writes_from_the_cache_and_never_overwrites(tmp_path, capsys):
    import pandas as pd

    from fingan.data import load_prices
    from fingan.data.yahoo import cache_path

    cache = tmp_path / "cache"
    ko = load_prices("sp500-stocks", start="2015-01-01", end="2015-12-31", tickers=["KO"])["KO"]
    cache_path(cache, "KO", "2015-01-01", None).parent.mkdir(parents=True)
    ko.to_frame().to_csv(cache_path(cache, "KO", "2015-01-01", None))
    out = tmp_path / "p.csv"
    assert main(["data", "fetch", "KO", "--start", "2015-01-01", "--out", str(out), "--cache-dir", str(cache)]) == 0
    written = pd.read_csv(out, index_col=0, parse_dates=True)
    assert len(written) == len(ko)
    assert main(["data", "fetch", "KO", "--start", "2015-01-01", "--out", str(out), "--cache-dir", str(cache)]) == 1
    assert "already exists" in capsys.readouterr().err
