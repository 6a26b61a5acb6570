"""How the returns benchmark's three periods differ, and what the validation score rewards.

    fingan bench returns-periods --seeds 3 --out benchmarks/results/returns_periods.md

(``python benchmarks/returns_periods.py`` takes the same flags.) The first table gives
the facts of the S&P 500's training, validation and test periods of
:mod:`fingan.bench.returns`. The second scores every model of that benchmark on the
validation period with the Quant GAN's checkpoint-selection score
(:func:`fingan.validation.returns.selection_score`), term by term, on the paths the
selector draws (200 validation-length paths, seed 12345), next to the standard deviation
of those paths pooled. The Quant GAN rows are the checkpoints its ``fit`` chose (small
mode by default); the test period is never scored here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fingan.bench.report import log, machine_description, parser, publish
from fingan.bench.returns import _baselines, _mean_sd, _seeds_text, long_path_facts
from fingan.bench.settings import MODES, TRAIN_END, VALID_END, quantgan_options
from fingan.cli_args import add_device_flag, non_negative_int, positive_int
from fingan.data.prices import load_prices
from fingan.data.returns import log_returns, split_periods
from fingan.models.quantgan import SELECTION_SEED, QuantGAN
from fingan.validation import returns as R
from fingan.validation.tables import markdown_table


def period_facts(series: Any) -> dict[str, float]:
    """Scale, tails, clustering, leverage and mean reversion of one real return series."""
    x = R.as_paths(series)
    # clustering and leverage as the returns benchmark's long-path table defines them
    shared = {k: v for k, v in long_path_facts(x).items() if k.startswith(("acf |r|", "mean leverage"))}
    return {
        "days": float(x.shape[1]),
        "daily sd": float(x.std()),
        "excess kurtosis": float(R.excess_kurtosis(x)[0]),
        "acf r lag 1": float(R.acf(x, 1)[0, 0]),
        **shared,
        # Lo and MacKinlay's variance ratio: below 1 when returns revert over the horizon
        "variance ratio 20-day": float(R.aggregate(x, 20, True).var() / (20 * x.var())),
    }


def validation_rows(paths: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """Selection score, its terms and the pooled sd of paths (n_paths, length) against the validation series."""
    parts = R.selection_parts(paths, reference)
    return {"selection score": float(sum(parts.values())), **parts, "pooled sd": float(paths.std())}


def periods_benchmark(mode: str = "small", seeds: Sequence[int] = (0,), n_paths: int = 200,
                      device: str = "auto") -> dict[str, Any]:
    """Facts of the three periods and validation-score terms of every model (Quant GAN over ``seeds``)."""
    returns = log_returns(load_prices("sp500"))
    train, valid, test = split_periods(returns, TRAIN_END, VALID_END)
    reference = valid.to_numpy().ravel()
    facts = {name: period_facts(frame.to_numpy().ravel())
             for name, frame in {"train": train, "validation": valid, "test": test}.items()}
    scores: dict[str, list[dict[str, float]]] = {}
    chosen = []  # the score each fit's selector gave its checkpoint (the table's Quant GAN rows reproduce it)
    for seed in seeds:
        log(f"seed {seed}: Quant GAN fitting")
        gan = QuantGAN(seed=seed, device=device, progress=False, **quantgan_options(mode)).fit(train, valid)
        paths = gan.sample(n_paths, len(reference), seed=SELECTION_SEED).to_numpy().T
        scores.setdefault(f"Quant GAN ({mode} mode)", []).append(validation_rows(paths, reference))
        chosen.append({"seed": seed, "step": gan.best_step_, "score": min(s["score"] for s in gan.selection_)})
    for name, make in _baselines().items():
        paths = make().fit(train).sample(n_paths, len(reference), seed=SELECTION_SEED).to_numpy().T
        scores[name] = [validation_rows(paths, reference)]
    rng = np.random.default_rng(SELECTION_SEED)
    for label, sd in (("i.i.d. normal, training sd", train.to_numpy().std()),
                      ("i.i.d. normal, validation sd", reference.std())):
        scores[label] = [validation_rows(rng.normal(0.0, sd, (n_paths, len(reference))), reference)]
    return {"facts": facts, "scores": scores, "seeds": list(seeds), "mode": mode, "n_paths": n_paths,
            "chosen": chosen}


def periods_markdown(result: dict[str, Any]) -> str:
    """The two tables of :func:`periods_benchmark` as Markdown."""
    facts = pd.DataFrame(result["facts"])
    fact_rows = [[name] + [f"{v:.0f}" if name == "days" else f"{v:.4f}" if name == "daily sd" else f"{v:.3f}"
                           for v in row] for name, row in facts.iterrows()]
    parts = ["**The three periods** (S&P 500 daily log returns; one series per period, so its ACFs carry the "
             "small-sample bias of its length)",
             markdown_table(["fact", *facts.columns], fact_rows)]
    columns = list(next(iter(result["scores"].values()))[0])
    rows = []
    for name, runs in result["scores"].items():
        cells = []
        for column in columns:
            mean, sd = _mean_sd([run[column] for run in runs])
            digits = ".4f" if column == "pooled sd" else ".3f"
            cells.append(f"{mean:{digits}}" + (f" ± {sd:{digits}}" if len(runs) > 1 else ""))
        rows.append([name, *cells])
    seeds = result["seeds"]
    fits = f"; Quant GAN: {_seeds_text(seeds)}, at the checkpoint each fit chose" if seeds else ""
    parts += [f"**Validation score, term by term** (lower is better; {result['n_paths']} validation-length paths "
              f"drawn with seed {SELECTION_SEED}, as the Quant GAN's selector draws them{fits})",
              markdown_table(["model", *columns], rows)]
    if result["chosen"]:
        parts.append("Checkpoints the Quant GAN's fits chose, with the score the selector gave each: " + ", ".join(
            f"seed {c['seed']} step {c['step']} ({c['score']:.3f})" for c in result["chosen"]) + ".")
    return "\n\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench returns-periods``: run it, print the tables, write them to ``--out``."""
    p = parser("returns-periods", __doc__)
    p.add_argument("--mode", choices=sorted(MODES), default="small", help="the Quant GAN's size")
    p.add_argument("--seed", type=int, default=0, help="first Quant GAN seed")
    p.add_argument("--seeds", type=non_negative_int, default=1,
                   help="Quant GAN fits (seed, seed + 1, ...); 0 scores the baselines only")
    p.add_argument("--paths", type=positive_int, default=200,
                   help="validation-length paths per model (200: the Quant GAN selector's own paths)")
    add_device_flag(p)
    p.add_argument("--out", type=Path, help="write the Markdown tables here")
    args = p.parse_args(argv)
    seeds = list(range(args.seed, args.seed + args.seeds))
    result = periods_benchmark(args.mode, seeds, args.paths, args.device)
    note = (f"\nTrain to {TRAIN_END}, validation to {VALID_END}, test after (as in `fingan bench returns`). "
            f"Machine: {machine_description()}. Command: `python benchmarks/returns_periods.py --mode {args.mode} "
            f"--seed {args.seed} --seeds {args.seeds}"
            + ("" if args.paths == 200 else f" --paths {args.paths}")
            + ("" if args.out is None else f" --out {args.out}") + "`.")
    publish(periods_markdown(result), note, args.out)
    return 0
