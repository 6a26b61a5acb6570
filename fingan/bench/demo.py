"""The main job (``make demo``, ``fingan demo``): the small Quant GAN on the bundled S&P 500.

Trains (or reuses) the benchmark's small Quant GAN on 1999-2014 with the checkpoint chosen
on 2015-2016, draws one-year scenarios, scores them with the scorecard and writes the
model, the scenarios, ``scorecard.md`` and ``report.html`` to one folder. Idempotent: a
finished model in the folder is reused, an interrupted run resumes, and the scenarios and
report (seeded) come out the same.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from fingan.bench.settings import DEMO_SCENARIOS, SPLIT, quantgan_options
from fingan.config import to_dict
from fingan.io import write_text

# trainer options that say where and how a run is watched, not what is trained
_RUNTIME = {"seed", "device", "progress", "log_every", "checkpoint_every", "amp", "compile"}


def option_changes(trained: Any, current: Any) -> str:
    """The options in which config ``trained`` differs from ``current``, as ``"name was -> now"`` text."""
    old, new = to_dict(trained), to_dict(current)
    old.update(old.pop("trainer"))
    new.update(new.pop("trainer"))
    return ", ".join(f"{k} {old.get(k)!r} -> {v!r}" for k, v in new.items()
                     if k not in _RUNTIME and old.get(k) != v)


SHOWN = ["excess kurtosis", "acf |r| lag 1", "leverage lag 1", "W1 1-day returns", "discriminative score"]


def run_demo(out: str | os.PathLike = "runs/demo", steps: int | None = None,
             n_paths: int = DEMO_SCENARIOS["n_paths"], device: str = "auto", progress: bool | str = False) -> int:
    """Train or reuse the model in ``out``, write scenarios and the report there, print the headline facts."""
    from fingan.data.prices import load_prices
    from fingan.data.returns import log_returns, split_periods
    from fingan.models.base import describe_model_file
    from fingan.models.paths import write_paths
    from fingan.models.quantgan import QuantGAN
    from fingan.validation.scorecard import scorecard

    out = Path(out)
    returns = log_returns(load_prices("sp500"))
    train, valid, _ = split_periods(returns, **SPLIT)
    model_path = out / "model.pt"
    options = quantgan_options("small") if steps is None else quantgan_options("small", steps=steps)
    if model_path.exists():
        model = QuantGAN.load(model_path, device=device)
        print(f"reusing the trained model {model_path}")
        changed = option_changes(model.config, QuantGAN(**options).config)
        if changed:
            print(f"note: it was trained with other options than this demo's ({changed}); move {out} away or "
                  "pass --out to train the current one")
    else:
        model = QuantGAN(device=device, progress=progress, **options)
        print(f"training a Quant GAN (receptive field {model.config.receptive_field}, "
              f"{model.config.trainer.steps} steps) on S&P 500 returns {train.index[0].date()} to "
              f"{train.index[-1].date()}; checkpoint chosen on {valid.index[0].date()} to {valid.index[-1].date()}",
              flush=True)
        model.fit(train, valid, out_dir=out / "run", resume=True)
        model.save(model_path)
    scenarios = model.sample(n_paths, DEMO_SCENARIOS["length"], seed=0)
    fmt = ".parquet" if importlib.util.find_spec("pyarrow") else ".csv"
    scenario_path = write_paths(scenarios, out / f"scenarios{fmt}")
    card = scorecard(scenarios, returns, baselines=True, provenance={
        "input": str(out / "scenarios.*"), "model": describe_model_file(model_path),
        "split": f"trained to {SPLIT['train_end']}, checkpoint chosen to {SPLIT['valid_end']}"})
    report = card.to_html(out / "report.html")
    write_text(out / "scorecard.md", card.to_markdown() + "\n\n" + card.risk_markdown() + "\n")
    rows = card.table.set_index("fact")
    print(f"{n_paths} one-year scenarios vs real S&P 500 returns {returns.index[0].date()} to "
          f"{returns.index[-1].date()}:")
    for fact in SHOWN:
        if fact in rows.index:
            r = rows.loc[fact]
            real = "       -" if r.reference != r.reference else f"{r.reference:8.4f}"  # distances have no real value
            print(f"  {fact:22s} real {real}   synthetic {r.synthetic:8.4f}")
    counts = card.pass_counts()
    print(f"  {counts.pop('synthetic')} facts within the real data's sampling band (see the report); "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"wrote {report}, {scenario_path}, {out / 'scorecard.md'}, {model_path}")
    return 0
