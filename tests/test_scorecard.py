"""Scorecards, the HTML report and `fingan validate`."""

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from fingan.data import load_prices, log_returns, rolling_correlations, split_periods
from fingan.validation import scorecard


@pytest.fixture(scope="module")
def sp500():
    return log_returns(load_prices("sp500"))["SP500"]


def test_two_halves_of_the_real_series_agree_and_are_indistinguishable(sp500):
    card = scorecard(sp500.iloc[:2500].to_numpy(), sp500.iloc[2500:].to_numpy(), plots=False)
    table = card.table.set_index("fact")
    assert table.loc["acf |r| lag 1", "passed"] and table.loc["leverage lag 1", "passed"]
    assert table.loc["discriminative score", "synthetic"] < 0.1
    assert (table["meaning"] != "").all()  # every row is explained
    assert table.loc["excess kurtosis 5-day", "meaning"].startswith("aggregational")
    assert table.loc["W1 5-day returns", "meaning"].startswith("Wasserstein")


def test_gaussian_noise_fails_the_heavy_tail_and_clustering_rows(sp500):
    noise = np.random.default_rng(0).standard_normal((20, 1000)) * sp500.std()
    card = scorecard(noise, sp500, plots=False)
    table = card.table.set_index("fact")
    assert not card.passed
    assert not table.loc["excess kurtosis", "passed"] and not table.loc["acf |r| lag 1", "passed"]
    assert table.loc["share beyond 3 sd", "synthetic"] < table.loc["share beyond 3 sd", "reference"]


def test_scorecard_exports_json_markdown_and_a_report_with_every_plot(tmp_path, sp500):
    noise = pd.DataFrame(np.random.default_rng(1).standard_normal((1000, 10)) * 0.01)
    card = scorecard(noise, sp500)
    data = json.loads(card.to_json())
    assert data["kind"] == "returns" and data["passed"] is False
    assert {"fact", "reference", "synthetic", "score", "tolerance", "passed"} <= set(data["rows"][0])
    assert card.to_markdown().startswith("| fact |")
    path = card.to_html(tmp_path / "report.html")
    text = path.read_text()
    images = re.findall(r'<img alt="(\w+)" src="data:image/png;base64,', text)
    assert set(images) == {"histogram", "qq", "acf", "leverage", "paths"}
    assert "<table" in text and "excess kurtosis" in text


def test_correlation_scorecard_flags_onion_matrices():
    returns = log_returns(load_prices("sp500-stocks", start="2000-01-01"))
    real = rolling_correlations(returns, window=252, step=42, n_assets=10, seed=0, order=True)
    torch.manual_seed(0)
    chol = torch.distributions.LKJCholesky(10, torch.tensor(1.0, dtype=torch.float64)).sample((100,))
    card = scorecard((chol @ chol.transpose(1, 2)).numpy(), real, window=252)
    table = card.table.set_index("fact")
    assert table.loc["share valid", "passed"]
    assert not table.loc["Perron-Frobenius share", "passed"] and not table.loc["market eigenvalue share", "passed"]
    assert set(card.images) == {"heatmaps", "spectrum", "coefficients", "mst"}
    same = scorecard(real[::2], real[1::2], window=252, plots=False).table.set_index("fact")  # same years
    assert same.loc["Perron-Frobenius share", "passed"] and same.loc["market eigenvalue share", "passed"]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "fingan.cli", *args], capture_output=True, text=True, timeout=300)


def test_validate_command_prints_the_table_and_writes_report_and_json(tmp_path):
    paths = pd.DataFrame(np.random.default_rng(2).standard_t(4, size=(1000, 8)) * 0.008,
                         columns=[f"path{i}" for i in range(8)])
    paths.to_csv(tmp_path / "synthetic.csv")
    result = run_cli("validate", str(tmp_path / "synthetic.csv"), "--reference", "sp500",
                     "--report", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    assert "| excess kurtosis |" in result.stdout and "result:" in result.stdout
    assert (tmp_path / "r.html").stat().st_size > 10_000
    assert json.loads((tmp_path / "r.json").read_text())["kind"] == "returns"
    again = run_cli("validate", str(tmp_path / "synthetic.csv"), "--report", str(tmp_path / "r.html"))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_validate_command_reads_matrices_from_npy(tmp_path):
    torch.manual_seed(0)
    chol = torch.distributions.LKJCholesky(8, torch.tensor(1.0, dtype=torch.float64)).sample((40,))
    np.save(tmp_path / "m.npy", (chol @ chol.transpose(1, 2)).numpy())
    result = run_cli("validate", str(tmp_path / "m.npy"), "--reference", "sp500-stocks", "--window", "126")
    assert result.returncode == 0, result.stderr
    assert "Perron-Frobenius share" in result.stdout


def test_validate_command_errors_are_one_line(tmp_path):
    result = run_cli("validate", str(tmp_path / "missing.csv"))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "does not exist" in result.stderr


def test_sampling_bands_separate_models_by_how_real_they_are():
    from fingan.baselines import GARCH, StationaryBootstrap

    real = log_returns(load_prices("sp500")).iloc[:, 0]

    def card(paths):
        table = scorecard(paths, real, plots=False).table.set_index("fact")
        return table, int(table["passed"].dropna().astype(bool).sum())

    gaussian, n_gaussian = card(np.random.default_rng(0).normal(0, real.std(), (300, 252)))
    garch, n_garch = card(GARCH("t", gjr=True).fit(real).sample(300, 252, seed=0).to_numpy().T)
    boot, n_boot = card(StationaryBootstrap().fit(real).sample(300, 252, seed=0).to_numpy().T)
    assert n_gaussian < n_garch < n_boot and n_boot >= 17  # the bootstrap of the reference passes nearly all
    for fact in ("excess kurtosis", "share beyond 3 sd", "acf |r| lag 1", "acf r^2 lag 1", "acf |r| decay beta"):
        assert not gaussian.loc[fact, "passed"]  # no heavy tails, no clustering
    for fact in ("acf |r| lag 100", "acf |r| decay beta", "excess kurtosis EWMA-standardised"):
        assert garch.loc[fact, "passed"]  # GJR-GARCH clusters, slowly decaying
    row = garch.loc["acf |r| lag 1"]
    assert row["low"] < row["reference"] < row["high"] and np.isnan(row["tolerance"])
    flat = scorecard(np.random.default_rng(0).normal(0, real.std(), (300, 252)), real, plots=False, tolerance="flat")
    assert flat.table["low"].isna().all() and flat.table["tolerance"].notna().sum() == 21  # 20 facts + discriminative


def test_baseline_columns_and_provenance(tmp_path):
    real = log_returns(load_prices("sp500")).iloc[:, 0]
    paths = np.random.default_rng(1).normal(0, real.std(), (60, 252))
    card = scorecard(paths, real, plots=False, baselines=True, provenance={"input": "paths.npy"})
    table = card.table.set_index("fact")
    assert {"GJR-GARCH(1,1) t", "GJR-GARCH(1,1) t passed", "stationary bootstrap passed"} <= set(table.columns)
    counts = card.pass_counts()
    assert set(counts) == {"synthetic", "GJR-GARCH(1,1) t", "stationary bootstrap"}
    assert int(counts["stationary bootstrap"].split()[0]) > int(counts["synthetic"].split()[0])
    assert card.provenance["synthetic"] == "60 paths x 252 days" and card.provenance["input"] == "paths.npy"
    assert card.provenance["reference"].startswith("1999-01-05 to 2018-12-31")
    assert '"provenance": {' in card.to_json() and "GJR-GARCH(1,1) t" in card.to_markdown()
    html = card.to_html(tmp_path / "r.html").read_text()
    assert "paths.npy" in html and "stationary bootstrap" in html


def test_matrix_baselines_are_lkj_and_the_window_bootstrap():
    returns = log_returns(load_prices("sp500-stocks", start="2000-01-01"))
    real = rolling_correlations(returns, window=252, step=42, n_assets=10, seed=0, order=True)
    card = scorecard(real[::2], real[1::2], window=252, plots=False, baselines=True)
    counts = card.pass_counts()
    assert set(counts) == {"synthetic", "LKJ (onion)", "bootstrap of windows"}
    assert int(counts["LKJ (onion)"].split()[0]) < int(counts["bootstrap of windows"].split()[0])
    assert not card.table.set_index("fact").loc["Perron-Frobenius share", "LKJ (onion) passed"]


def test_a_quant_gan_stopped_after_20_steps_passes_clearly_fewer_facts_than_one_trained_longer():
    """The headline separates models: the demo's network after 20 and 300 steps (seeded).

    On 64-day windows and with memories up to 120 days (the default's 500-day memory adds
    a 2000-day warm-up to every training window), so that it trains faster.
    """
    from fingan.models import QuantGAN

    returns = log_returns(load_prices("sp500"))
    train, _, _ = split_periods(returns, "2014-12-31", "2016-12-31")
    counts = {}
    for steps in (20, 300):
        gan = QuantGAN(hidden=32, dilations=(1, 2, 4, 8, 16), window=64, memory=(2.0, 20.0, 120.0), batch_size=64,
                       steps=steps, seed=0, device="cpu", progress=False).fit(train)
        card = scorecard(gan.sample(200, 252, seed=0), returns.iloc[:, 0], plots=False)
        counts[steps] = int(card.pass_counts()["synthetic"].split()[0])
    assert counts[300] >= counts[20] + 2, counts


def test_validate_with_a_conditional_model_adds_the_risk_panel_by_regime(tmp_path):
    from fingan.models import QuantGAN

    returns = log_returns(load_prices("sp500", end="2008-12-31"))
    gan = QuantGAN(steps=2, hidden=8, dilations=(1, 2), window=16, batch_size=16, conditional=True, n_regimes=2,
                   device="cpu", progress=False).fit(returns)
    gan.save(tmp_path / "model.pt")
    gan.sample(20, 252, seed=0).to_csv(tmp_path / "paths.csv")
    result = run_cli("validate", str(tmp_path / "paths.csv"), "--reference", "sp500", "--end", "2008-12-31",
                     "--model", str(tmp_path), "--no-baselines", "--json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    assert "| regime | risk measure | real | synthetic | real windows |" in result.stdout
    rows = json.loads((tmp_path / "r.json").read_text())["risk_by_regime"]
    assert {r["regime"] for r in rows} == {"calm", "stressed"}
    by = {(r["regime"], r["measure"]): r["real"] for r in rows}
    assert by[("stressed", "ES 1-day 1%")] < by[("calm", "ES 1-day 1%")]  # the real column follows the regimes
