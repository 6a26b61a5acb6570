"""The fingan command: training, outputs, and one-line errors."""

import json
import subprocess
import sys

import numpy as np
import torch
import pandas as pd
import pyarrow.parquet as pq
import pytest

from fingan.cli import main
from fingan.errors import ConfigError
from fingan.models import QuantGAN


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
        (["train", "toy", "--lr-decay-to", "2", "--out", "{tmp}/x"], "must be a number from 0 to 1"),
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


def test_demo_trains_samples_validates_and_is_idempotent(tmp_path, capsys):
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--steps", "20", "--paths", "60", "--no-progress"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "training a Quant GAN" in first and "one-year scenarios" in first
    for name in ("report.html", "scenarios.parquet", "scorecard.md", "model.pt"):
        assert (out / name).is_file() and str(out / name) in first
    scenarios = pd.read_parquet(out / "scenarios.parquet")
    # the scenario layout of sample_to_parquet: one row per path, one column per business day
    assert scenarios.shape == (60, 253) and list(scenarios.columns[:2]) == ["path", "2017-01-02"]
    report = (out / "report.html").read_text()
    assert "excess kurtosis" in report and report.count("<img") >= 4
    assert main(args) == 0  # reuses the model; same seeded scenarios and scorecard
    second = capsys.readouterr().out
    assert second.startswith("reusing the trained model") and second.splitlines()[1:] == first.splitlines()[1:]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "scenarios.parquet"), scenarios)
    # a model trained with other options than the demo's now is reused, and the demo says so
    assert main(["demo", "--out", str(out), "--steps", "30", "--paths", "60", "--no-progress"]) == 0
    third = capsys.readouterr().out.splitlines()
    assert third[0].startswith("reusing") and third[1].startswith("note:") and "steps 20 -> 30" in third[1]


def test_train_quantgan_sample_and_validate_from_the_command_line(tmp_path, capsys):
    run = tmp_path / "q"
    assert main(["train", "quantgan", "--data", "sp500", "--start", "2005-01-01", "--train-end", "2012-12-31",
                 "--valid-end", "2013-12-31", "--out", str(run), "--steps", "40", "--hidden", "8",
                 "--dilations", "1,2,4", "--window", "32", "--generator", "svnn", "--memory", "2,20",
                 "--critic-inputs", "r,abs", "--critic-dilations", "1,2,4,8", "--critic-window-features", "4",
                 "--recency", "250", "--fact-weight", "0.5", "--fact-lags", "8", "--fact-pooled-weight", "0.25", "--fact-pooled-facts", "abs,leverage", "--no-lambert-w",
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out
    # TCN 15 days + the current innovation + a warm-up of 4 x 20 days for the memory
    assert "receptive field 96" in printed and "chosen on validation" in printed
    loaded = QuantGAN.load(run / "model.pt", device="cpu")
    critic = loaded.trainer_.critic
    assert loaded.config.recency == 250 and (loaded.config.fact_weight, loaded.config.fact_lags, loaded.config.fact_pooled_weight) == (0.5, 8, 0.25)
    assert loaded.config.fact_pooled_facts == ("abs", "leverage")
    assert critic.receptive_field == 31 and critic.window_features == 4
    summary = json.loads((run / "summary.json").read_text())
    assert summary["best_step"] in [s["step"] for s in summary["selection"]]
    scenarios = tmp_path / "s.parquet"
    assert main(["sample", str(run), "--n", "30", "--length", "300", "--out", str(scenarios)]) == 0
    frame = pd.read_parquet(scenarios)  # the one scenario layout: a row per path, a column per business day
    assert frame.shape == (30, 301) and list(frame.columns[:2]) == ["path", "2014-01-01"]
    prices = tmp_path / "p.csv"
    assert main(["sample", str(run / "model.pt"), "--n", "3", "--prices", "--start-price", "100",
                 "--out", str(prices)]) == 0
    assert (pd.read_csv(prices, index_col=0) > 0).all().all()
    capsys.readouterr()
    report = tmp_path / "report.html"
    assert main(["validate", str(scenarios), "--reference", "sp500", "--report", str(report)]) == 0
    assert r"acf \|r\| lag 1" in capsys.readouterr().out and report.is_file()  # Markdown-escaped
    # streamed: one row per path, one row group per chunk; validate reads it chunk by chunk
    streamed = tmp_path / "big.parquet"
    assert main(["sample", str(run), "--n", "250", "--length", "60", "--chunk-size", "100", "--out", str(streamed),
                 "--seed", "7", "--no-progress"]) == 0
    meta = pq.ParquetFile(streamed)
    assert meta.metadata.num_rows == 250 and meta.metadata.num_row_groups == 3
    table = pd.read_parquet(streamed)
    assert table["path"].tolist() == list(range(250)) and table.columns[1] == "2014-01-01" and table.shape[1] == 61
    for chunk in ("30", None):  # same seed, same paths: whatever the chunk size, or in memory
        again = tmp_path / f"again-{chunk}.parquet"
        assert main(["sample", str(run), "--n", "250", "--length", "60", "--out", str(again), "--seed", "7",
                     "--no-progress", *(["--chunk-size", chunk] if chunk else [])]) == 0
        pd.testing.assert_frame_equal(pd.read_parquet(again), table)
    fresh = tmp_path / "fresh.parquet"  # no seed: fresh paths on every run
    assert main(["sample", str(run), "--n", "250", "--length", "60", "--out", str(fresh), "--no-progress"]) == 0
    assert not np.allclose(pd.read_parquet(fresh).iloc[:, 1:].to_numpy(), table.iloc[:, 1:].to_numpy())
    capsys.readouterr()
    assert main(["validate", str(streamed), "--reference", "sp500", "--max-paths", "50"]) == 0
    assert "over all 250 paths" in capsys.readouterr().out
    assert main(["sample", str(run), "--n", "10", "--chunk-size", "5", "--out", str(tmp_path / "x.csv")]) == 1


def test_sample_refuses_to_overwrite_and_explains_bad_models(tmp_path):
    existing = tmp_path / "s.csv"
    existing.write_text("keep me")
    result = run_cli("sample", str(tmp_path), "--out", str(existing))
    assert result.returncode == 1 and "already exists" in result.stderr and existing.read_text() == "keep me"
    result = run_cli("sample", str(tmp_path / "nothing"), "--out", str(tmp_path / "new.csv"))
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1 and "no checkpoint" in result.stderr


def test_bench_returns_writes_every_model_and_score(tmp_path, monkeypatch, capsys):
    from fingan.bench import settings

    monkeypatch.setitem(settings.MODES, "small", {"hidden": 8, "dilations": (1, 2), "window": 16, "steps": 20,
                                               "batch_size": 16, "n_paths": 8})
    out = tmp_path / "returns.md"
    assert main(["bench", "returns", "--mode", "small", "--out", str(out), "--no-progress"]) == 0
    text = out.read_text()
    for name in ("Quant GAN", "GARCH(1,1) normal", "GARCH(1,1) t", "GJR-GARCH(1,1) t", "stationary bootstrap",
                 "TCN (paper)", "EMD 100-day", r"ACF score \|r\|", "leverage score", "DY 1-day", "fit s", "excess kurtosis"):
        assert name in text
    assert "Command: `python benchmarks/returns.py --mode small" in text


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


def test_train_corrgan_sample_matrices_and_validate(tmp_path, capsys):
    run = tmp_path / "corr"
    assert main(["train", "corrgan", "--data", "sp500-stocks", "--n-assets", "10", "--step", "20",
                 "--steps", "20", "--channels", "8", "--conditional", "--bf16", "--out", str(run), "--no-progress"]) == 0
    assert "correlation matrices of 10 assets" in capsys.readouterr().out
    assert torch.load(run / "model.pt", weights_only=True)["config"]["trainer"]["amp"] is True
    mats = tmp_path / "mats.npy"
    assert main(["sample", str(run), "--n", "50", "--regime", "stressed", "--out", str(mats)]) == 0
    values = np.load(mats)
    assert values.shape == (50, 10, 10) and np.linalg.eigvalsh(values).min() > -1e-9
    capsys.readouterr()
    assert main(["validate", str(mats), "--reference", "sp500-stocks", "--window", "252"]) == 0
    assert "Perron-Frobenius share" in capsys.readouterr().out


def test_train_corrgan_in_panel_order_from_a_config_file(tmp_path, capsys):
    config = tmp_path / "corr.toml"
    config.write_text("window = 126\nchannels = 8\n[trainer]\nsteps = 3\nbatch_size = 16\n")
    run = tmp_path / "panel"
    assert main(["train", "corrgan", "--data", "sp500-stocks", "--tickers", "AAPL,MSFT,JPM,XOM", "--start",
                 "2010-01-01", "--order", "panel", "--step", "21", "--config", str(config), "--out", str(run),
                 "--no-progress"]) == 0
    assert "of 4 assets (126-day windows every 21 days)" in capsys.readouterr().out  # config file, then flags
    summary = json.loads((run / "summary.json").read_text())
    assert summary["matrix_assets"] == ["AAPL", "MSFT", "JPM", "XOM"] and summary["order"] == "panel"
    assert summary["assets"] == ["AAPL", "MSFT", "JPM", "XOM"] and summary["steps"] == 3


def test_train_image_writes_grid_metrics_and_model(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FINGAN_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "digits"
    assert main(["train", "image", "--dataset", "digits", "--variant", "conditional", "--objective", "hinge", "--sn",
                 "--steps", "20", "--channels", "8", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "frechet distance" in printed and "class accuracy" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) >= {"frechet distance", "precision", "recall", "density", "coverage", "class accuracy"}
    assert (out / "samples.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["sample", str(out), "--n", "7", "--out", str(tmp_path / "x.npy")]) == 0
    assert np.load(tmp_path / "x.npy").shape == (7, 1, 16, 16)


def test_train_image_takes_the_progressive_arch_and_objective_parameters(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FINGAN_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "grown"
    assert main(["train", "image", "--arch", "progressive", "--objective", "vgrow", "--objective-param",
                 "divergence=js", "--objective-param", "step_size=0.2", "--betas", "0", "0.99", "--steps", "10",
                 "--channels", "8", "--out", str(out), "--no-progress"]) == 0
    assert "progressive, gan, vgrow" in capsys.readouterr().out
    state = torch.load(out / "model.pt", weights_only=True)
    saved, used = state["config"]["trainer"], state["trainer"]["config"]  # as given; as the run used it
    assert saved["objective_params"] == {"divergence": "js", "step_size": 0.2} and saved["growth_steps"] == 0
    assert used["objective_params"] == saved["objective_params"] and used["growth_steps"] == 2
    assert main(["train", "image", "--objective", "vgrow", "--objective-param", "divergence=chi2", "--steps", "1",
                 "--out", str(tmp_path / "bad"), "--no-progress"]) == 1
    assert "VGrow divergence must be one of kl, js, logd" in capsys.readouterr().err


def test_an_unwritable_output_path_is_one_clear_error(tmp_path):
    from fingan.io import atomic_write

    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ConfigError, match="cannot write"):
        atomic_write(tmp_path / "file" / "paths.parquet", lambda tmp: None)
    assert (tmp_path / "file").read_text() == "not a folder"


def test_every_command_refuses_existing_outputs_with_the_flag_to_change(tmp_path, capsys):
    from fingan.data.prices import check_price_file
    from fingan.io import check_new_file

    kept = tmp_path / "kept.csv"
    kept.write_text("mine")
    for check in (lambda p: check_new_file(p, "--out"), check_price_file):
        with pytest.raises(ConfigError, match=r"kept.csv already exists; choose another --out"):
            check(kept)
    assert check_new_file(tmp_path / "new" / "deeper" / "x.md") == tmp_path / "new" / "deeper" / "x.md"
    assert not (tmp_path / "new").exists()  # checking creates nothing
    assert main(["validate", str(kept), "--report", str(kept)]) == 1
    assert "choose another --report" in capsys.readouterr().err and kept.read_text() == "mine"


def test_quantgan_generator_flags_are_checked(tmp_path, capsys, monkeypatch):
    base = ["train", "quantgan", "--data", "sp500", "--out", str(tmp_path / "x"), "--steps", "1"]
    with pytest.raises(SystemExit):
        main([*base, "--memory", "2,-5"])
    assert "half-lives must be positive" in capsys.readouterr().err
    assert main([*base, "--critic-inputs", "r,cube"]) != 0
    assert "critic_inputs" in capsys.readouterr().err
    assert main([*base, "--generator", "tcn", "--selection", "origin"]) != 0  # the flag reaches the config
    err = capsys.readouterr().err
    assert "selection='origin' needs the SVNN generator" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit):
        main([*base, "--recency", "0"])
    assert "must be a positive number" in capsys.readouterr().err

    assert main([*base, "--ema-decay", "1.5"]) != 0
    err = capsys.readouterr().err
    assert "ema_decay must be in (0, 1)" in err and len(err.strip().splitlines()) == 1
    seen = []

    def stop_before_training(model, *args, **kwargs):
        seen.append((model.config.recency, model.config.trainer.ema_decay))
        raise ConfigError("stopped before training")

    monkeypatch.setattr(QuantGAN, "fit", stop_before_training)
    for flag, recency in ((["--recency", "none"], None), (["--recency", "250"], 250.0), ([], 500.0)):
        assert main([*base, *flag]) != 0
        assert seen[-1] == (recency, None)  # 'none': every window alike; no flag: the default; no EMA
    assert main([*base, "--ema-decay", "0.99"]) != 0
    assert seen[-1] == (500.0, 0.99)  # the moving average of fingan 0.1.0, on request


def test_bench_var_backtests_every_model_at_both_horizons_and_levels(tmp_path, monkeypatch, capsys):
    from fingan.bench import settings

    monkeypatch.setitem(settings.MODES, "small", {"hidden": 8, "dilations": (1, 2), "window": 16, "steps": 10,
                                               "batch_size": 16, "n_paths": 8})
    out = tmp_path / "var.md"
    assert main(["bench", "var", "--period", "crisis", "--paths", "40", "--ablation", "--out", str(out),
                 "--no-progress"]) == 0
    text = out.read_text()
    for name in ("Quant GAN (history-conditioned)", "Quant GAN (no history)", "GJR-GARCH(1,1) t", "GARCH(1,1) t",
                 "historical simulation (250 d)", "filtered historical simulation", "1-day 1%", "1-day 5%",
                 "10-day 1%", "10-day 5%", "Kupiec p", "Christoffersen cc p", "ES test p", "FZ0", "forecast s",
                 "one filter particle", "drift bounded", "drift clipped"):
        assert name in text
    assert "test 2007-07-02 to 2009-06-30 (504 days" in text and "2017-2018" not in text.split("Machine")[0]
    assert "Command: `python benchmarks/var_backtest.py --period crisis" in text
    capsys.readouterr()
    assert main(["bench", "var", "--ablation", "--variants", "Quant GAN, no such row", "--no-progress"]) != 0
    err = capsys.readouterr().err.strip()
    assert "unknown ablation variants" in err and len(err.splitlines()) == 1


def test_parser_names_match_the_registries_and_help_imports_no_torch():
    from fingan import cli_args as cli
    from fingan.data.images import IMAGE_DATASETS
    from fingan.data.toy import TOY_DISTRIBUTIONS
    from fingan.engine.objectives import OBJECTIVES
    from fingan.engine.optim import LR_DECAYS

    assert cli.TOY_NAMES == tuple(TOY_DISTRIBUTIONS.names())
    assert cli.OBJECTIVE_NAMES == tuple(OBJECTIVES.names())
    assert cli.IMAGE_NAMES == tuple(IMAGE_DATASETS)
    assert cli.LR_DECAY_NAMES == LR_DECAYS
    probe = ("import sys\nfrom fingan.cli import build_parser\nbuild_parser().format_help()\n"
             "print(sorted(m for m in ('torch', 'scipy', 'pandas') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_every_flag_has_a_help_line_and_defaults_are_shown():
    import argparse

    from fingan.cli import build_parser

    missing, parsers = [], []

    def walk(parser, path):
        parsers.append((path, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{path} {name}")
            elif not action.help:
                missing.append(f"{path} {action.option_strings or action.dest}")

    walk(build_parser(), "fingan")
    assert not missing, missing
    toy = dict(parsers)["fingan train toy"].format_help()
    assert "(default: ring8)" in toy and "(default: the recipe's)" in toy and "(default: None)" not in toy


def test_commands_print_plain_text(tmp_path):
    objectives = run_cli("objectives").stdout
    assert "ns " in objectives and ":math:" not in objectives and "``" not in objectives
    assert ", 1 ticker\n" in run_cli("data", "show", "sp500").stdout


def test_training_without_a_terminal_prints_plain_progress_lines(tmp_path):
    result = run_cli("train", "toy", "--steps", "100", "--out", str(tmp_path / "toy"), "--n-samples", "300")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("training: step")]
    assert lines and lines[-1].startswith("training: step 100 of 100 (100%)"), result.stderr
    assert "\r" not in result.stderr  # no bar redrawn in a log
    quiet = run_cli("train", "toy", "--steps", "20", "--out", str(tmp_path / "quiet"), "--no-progress")
    assert "training: step" not in quiet.stderr


def test_a_long_cpu_run_is_announced():
    from fingan.models.quantgan import QuantGANConfig, cpu_minutes, long_cpu_run_warning

    paper = QuantGANConfig(hidden=80, dilations=(1, 2, 4, 8, 16, 32), window=256)
    paper.trainer.batch_size, paper.trainer.steps = 128, 2000
    assert 60 < cpu_minutes(paper) < 100  # the paper network: 0.4 steps/s measured
    assert "minutes on a 2-core CPU" in long_cpu_run_warning(QuantGANConfig(), "cpu")  # the default: paper network
    small = QuantGANConfig(hidden=32, dilations=(1, 2, 4, 8, 16), window=128)
    small.trainer.batch_size, small.trainer.steps = 64, 1200
    assert long_cpu_run_warning(small, "cpu") is None  # the demo's network: minutes


def test_fingan_bench_reaches_every_benchmark_and_each_script_is_a_wrapper():
    import importlib
    from pathlib import Path

    from fingan.bench import BENCHMARKS

    folder = Path(__file__).resolve().parents[1] / "benchmarks"
    wrappers = {p.stem: p.read_text() for p in folder.glob("*.py")}
    modules = {module for module, _ in BENCHMARKS.values()}
    assert {"var" if stem == "var_backtest" else stem for stem in wrappers} == modules
    for stem, text in wrappers.items():  # three lines of code: import the module's main and call it
        code = [line for line in text.splitlines() if line and not line.startswith(('"""', "#"))]
        assert len(code) == 4 and code[1].startswith("from fingan.bench.") and code[1].endswith(" import main"), stem
    for module in modules:
        assert callable(importlib.import_module(f"fingan.bench.{module}").main)
    result = run_cli("bench", "toy-modes", "--help")
    assert result.returncode == 0 and "usage: fingan bench toy-modes" in result.stdout
    bad = run_cli("bench", "scorecard-bands", "--nonsense")
    assert bad.returncode == 2 and "unrecognized arguments: --nonsense" in bad.stderr and "usage" not in bad.stderr
    listing = run_cli("bench", "--help")
    assert listing.returncode == 0 and all(name in listing.stdout for name in BENCHMARKS)


def test_every_train_command_reads_a_config_file_and_flags_override_it(tmp_path, capsys, monkeypatch):
    toy = tmp_path / "toy.toml"
    toy.write_text('pack = 2\n[trainer]\nobjective = "hinge"\nsteps = 12\nbatch_size = 32\n')
    assert main(["train", "toy", "--config", str(toy), "--steps", "9", "--out", str(tmp_path / "t"), "--no-progress",
                 "--n-samples", "300", "--lr-decay", "cosine", "--lr-decay-to", "0.2", "--ema-decay", "0.9",
                 "--ema-start", "4"]) == 0
    summary = json.loads((tmp_path / "t" / "summary.json").read_text())
    assert summary["objective"] == "hinge" and summary["steps"] == 9  # file, then the flag given
    saved = torch.load(tmp_path / "t" / "model.pt", weights_only=True)["config"]
    assert saved["pack"] == 2 and saved["trainer"]["batch_size"] == 32
    assert saved["trainer"]["lr_decay"] == "cosine" and saved["trainer"]["lr_decay_to"] == 0.2
    assert saved["trainer"]["ema_decay"] == 0.9 and saved["trainer"]["ema_start"] == 4
    monkeypatch.setenv("FINGAN_CACHE", str(tmp_path / "cache"))
    image = tmp_path / "image.toml"
    image.write_text('channels = 8\nvariant = "conditional"\n[trainer]\nsteps = 3\nobjective = "hinge"\n')
    assert main(["train", "image", "--config", str(image), "--out", str(tmp_path / "i"), "--no-progress"]) == 0
    assert "digits, dcgan, conditional, hinge, 3 steps" in capsys.readouterr().out
    saved = torch.load(tmp_path / "i" / "model.pt", weights_only=True)["config"]
    assert saved["channels"] == 8 and saved["trainer"]["objective"] == "hinge"


def test_validate_takes_the_data_flag_of_the_other_commands(tmp_path):
    paths = pd.DataFrame(np.random.default_rng(3).standard_t(4, size=(300, 6)) * 0.01)
    paths.to_csv(tmp_path / "p.csv")
    by_data = run_cli("validate", str(tmp_path / "p.csv"), "--data", "sp500", "--end", "2010-12-31", "--no-baselines")
    by_reference = run_cli("validate", str(tmp_path / "p.csv"), "--reference", "sp500", "--end", "2010-12-31",
                           "--no-baselines")
    assert by_data.returncode == 0, by_data.stderr
    strip = lambda out: [line for line in out.splitlines() if not line.startswith("- written")]  # noqa: E731
    assert strip(by_data.stdout) == strip(by_reference.stdout) and "1999-01-05 to 2010-12-31" in by_data.stdout


def test_every_benchmark_flag_has_a_help_line(monkeypatch):
    import importlib

    from fingan.bench import BENCHMARKS, report

    built = []
    real_parser = report.parser

    def recording(name, doc):
        built.append(real_parser(name, doc))
        return built[-1]

    monkeypatch.setattr(report, "parser", recording)
    missing = []
    for name, (module, _) in BENCHMARKS.items():
        mod = importlib.import_module(f"fingan.bench.{module}")
        monkeypatch.setattr(mod, "parser" if hasattr(mod, "parser") else "bench_parser", recording)
        with pytest.raises(SystemExit):
            mod.main(["--help"])
        missing += [f"{name} {a.option_strings}" for a in built[-1]._actions if not a.help]
    assert len(built) == len(BENCHMARKS) and not missing, missing
