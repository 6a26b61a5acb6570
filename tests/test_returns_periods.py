"""The returns split's periods and the validation score term by term (fingan bench returns-periods)."""

import numpy as np
import pytest

from fingan.bench import returns_periods, settings
from fingan.validation import returns as R


def test_selection_parts_sum_to_the_selection_score_and_vanish_on_the_reference():
    rng = np.random.default_rng(0)
    reference = rng.standard_t(4, 600) * 0.01
    synthetic = rng.normal(0, 0.02, (30, 600))
    parts = R.selection_parts(synthetic, reference)
    assert list(parts) == ["W1 1-day / sd", "W1 5-day / sd", "W1 20-day / sd", "ACF r", "ACF |r|", "ACF r^2",
                           "leverage"]
    assert sum(parts.values()) == pytest.approx(R.selection_score(synthetic, reference), rel=1e-12)
    assert parts["W1 1-day / sd"] > 0.3  # twice the scale: far from the reference
    same = R.selection_parts(reference[None, :], reference)
    assert max(same.values()) == pytest.approx(0.0, abs=1e-12)


def test_period_facts_read_mean_reversion_as_a_variance_ratio_below_one():
    rng = np.random.default_rng(1)
    e = rng.standard_normal(20_001)
    iid, reverting = e[1:], e[1:] - 0.5 * e[:-1]  # MA(1) with theta -0.5: VR(20) near (1 - 0.5)^2 / 1.25 = 0.2
    assert returns_periods.period_facts(iid)["variance ratio 20-day"] == pytest.approx(1.0, abs=0.1)
    facts = returns_periods.period_facts(reverting)
    assert facts["variance ratio 20-day"] < 0.35 and facts["acf r lag 1"] < -0.3 and facts["days"] == 20_000


def test_the_quant_gan_rows_reproduce_the_score_its_selector_chose(monkeypatch):
    monkeypatch.setitem(settings.MODES, "tiny", {"hidden": 8, "dilations": (1, 2), "window": 32, "steps": 10,
                                              "batch_size": 16, "n_paths": 20})
    monkeypatch.setattr(returns_periods, "log", lambda message: None)
    result = returns_periods.periods_benchmark("tiny", seeds=(0,), n_paths=200, device="cpu")
    facts = result["facts"]
    assert facts["train"]["days"] > 3000 and facts["train"]["daily sd"] > facts["validation"]["daily sd"]
    (row,) = result["scores"]["Quant GAN (tiny mode)"]
    assert row["selection score"] == pytest.approx(result["chosen"][0]["score"], rel=1e-9)
    scores = {name: runs[0] for name, runs in result["scores"].items()}
    # normal paths at the validation period's own scale fit its 1-day returns better than at the training scale
    w1 = {name: s["W1 1-day / sd"] for name, s in scores.items()}
    assert w1["i.i.d. normal, validation sd"] < w1["i.i.d. normal, training sd"]
    assert scores["GJR-GARCH(1,1) t"]["pooled sd"] < facts["train"]["daily sd"]
    text = returns_periods.periods_markdown(result)
    assert f"seed 0 step {result['chosen'][0]['step']} (" in text
    assert "| variance ratio 20-day |" in text and "| GJR-GARCH(1,1) t |" in text
    assert "Quant GAN: seed 0, at the checkpoint each fit chose" in text


def test_the_command_scores_the_baselines_alone_and_refuses_a_negative_count(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(returns_periods, "log", lambda message: None)
    out = tmp_path / "periods.md"
    assert returns_periods.main(["--seeds", "0", "--paths", "50", "--out", str(out)]) == 0
    text = out.read_text()
    assert "| stationary bootstrap |" in text and "Quant GAN" not in text.split("| model |")[1]
    assert "`python benchmarks/returns_periods.py --mode small --seed 0 --seeds 0 --paths 50 --out" in text
    with pytest.raises(SystemExit):
        returns_periods.main(["--seeds", "-1"])
    assert "argument --seeds: must be >= 0, got -1" in capsys.readouterr().err
