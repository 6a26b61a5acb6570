"""Throughput: training steps/s, samples/s and peak memory of each recipe's nets, per device and precision.

    fingan bench throughput --out benchmarks/results/throughput_cpu.md

(``python benchmarks/throughput.py`` takes the same flags.) Each case builds a
recipe's networks at a fixed size on random data of the right shape (data values do not
change the cost of a step) and times the engine's :class:`~fingan.engine.Trainer`:
generator steps per second (each with the objective's critic steps), samples per second
from the trained generator, and peak memory (CUDA: ``torch.cuda.max_memory_allocated``;
CPU: the peak resident set of a fresh process per case).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

from fingan.bench.report import log, machine_description, parser, publish
from fingan.bench.scale import peak_rss_mib
from fingan.bench.settings import quantgan_options
from fingan.cli_args import positive_int
from fingan.engine.device import resolve_device
from fingan.engine.trainer import Trainer, TrainerConfig
from fingan.errors import ConfigError


@dataclass(frozen=True)
class Case:
    """One recipe at one size: how to build its nets and its training data."""

    name: str
    recipe: str
    options: dict[str, Any]
    data_shape: tuple[int, ...]
    sample_batch: int


CASES: dict[str, Case] = {
    c.name: c
    for c in [
        Case("toy MLP", "toy", {}, (20_000, 2), 100_000),
        Case("Quant GAN (demo size)", "quantgan",
             quantgan_options("small"), (2000, 128, 1), 1000),
        Case("Quant GAN (paper size)", "quantgan",
             {"hidden": 80, "dilations": (1, 2, 4, 8, 16, 32), "window": 256, "batch_size": 128}, (2000, 256, 1), 1000),
        Case("CorrGAN (20 assets)", "corrgan", {}, (2000, 1, 20, 20), 10_000),
        Case("DCGAN (32x32)", "image", {"channels": 64}, (2000, 1, 32, 32), 2000),
    ]
}


def _nets(case: Case, config: TrainerConfig) -> tuple[torch.nn.Module, torch.nn.Module | None, tuple[int, ...],
                                                        TrainerConfig]:
    """The recipe's nets and its trainer settings, with ``config``'s device, precision and compile options."""
    from fingan.models.corrgan import CorrGAN
    from fingan.models.images import ImageGAN
    from fingan.models.quantgan import QuantGAN
    from fingan.models.toy import ToyGAN

    recipes = {"toy": ToyGAN, "quantgan": QuantGAN, "image": ImageGAN}
    if case.recipe == "corrgan":
        model = CorrGAN(n_assets=case.data_shape[-1], **case.options)
    elif case.recipe in recipes:
        model = recipes[case.recipe](**case.options)
    else:
        raise ConfigError(f"unknown recipe {case.recipe!r}")
    torch.manual_seed(0)
    generator, critic, latent_shape = model.build(tuple(case.data_shape[1:]))
    trainer_cfg = model.trainer_config()
    trainer_cfg.device, trainer_cfg.amp, trainer_cfg.compile = config.device, config.amp, config.compile
    trainer_cfg.log_every, trainer_cfg.progress = 10**9, False
    return generator, critic, latent_shape, trainer_cfg


def measure(case_name: str, device: str = "cpu", amp: bool = False, compile: bool = False,
            steps: int = 20, warmup: int = 3) -> dict[str, Any]:
    """Time one case in this process: steps/s, samples/s and peak memory."""
    case = CASES[case_name]
    dev = resolve_device(device)
    generator, critic, latent_shape, cfg = _nets(case, TrainerConfig(device=str(dev), amp=amp, compile=compile))
    cfg.steps = warmup
    trainer = Trainer(generator, critic, latent_shape, cfg)
    data = torch.randn(case.data_shape)
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    started = time.perf_counter()
    trainer.fit(data)  # warm-up: allocator, cuDNN autotuning, compilation
    warmup_s = time.perf_counter() - started
    trainer.config.steps = warmup + steps
    _sync(dev)
    started = time.perf_counter()
    trainer.fit(data)
    _sync(dev)
    train_s = time.perf_counter() - started
    trainer.sample(case.sample_batch)  # warm-up
    _sync(dev)
    started = time.perf_counter()
    repeats = 3
    for _ in range(repeats):
        trainer.sample(case.sample_batch)
    _sync(dev)
    sample_s = time.perf_counter() - started
    flops = ops = np.nan
    if not compile:  # FLOPs and operators of one more step, counted eagerly
        trainer.config.steps += 1
        with _OpCount() as counter:
            trainer.fit(data)
        flops, ops = counter.flops, counter.ops
    if dev.type == "cuda":
        peak = torch.cuda.max_memory_allocated(dev) / 2**20
    else:
        peak = peak_rss_mib()
    return {
        "case": case_name, "device": dev.type, "bf16": trainer.bf16, "compile": compile,
        "batch": trainer.config.batch_size, "n_critic": trainer.config.n_critic, "objective": cfg.objective,
        "steps/s": steps / train_s, "samples/s": repeats * case.sample_batch / sample_s,
        "peak MiB": peak, "warm-up s": warmup_s, "GFLOP/step": flops / 1e9, "ops/step": ops,
    }


class _OpCount(TorchDispatchMode):
    """Counts FLOPs with torch's per-operator formulas (``torch.utils.flop_counter``) and operators.

    ``ops`` counts the operators that compute (views excluded), forward and backward: run
    eagerly on a GPU each is at least one kernel launched by the host, so ``ops`` times the
    host's cost per operator bounds how fast a step can go however fast the GPU is.
    Written here because ``FlopCounterMode`` also tracks modules with backward hooks, which
    fail inside ``torch.autograd.grad`` (the gradient penalty).
    """

    def __init__(self) -> None:
        super().__init__()
        self.flops = 0
        self.ops = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        self.ops += not func.is_view
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.flops += formula(*args, **kwargs, out_val=out)
        return out


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _measure_in_child(args: tuple) -> dict[str, Any]:
    return measure(*args)


def throughput_benchmark(
    cases: list[str] | None = None,
    devices: list[str] | None = None,
    steps: int = 20,
    compile_options: tuple[bool, ...] = (False, True),
) -> list[dict[str, Any]]:
    """Measure every case on every device with bf16 autocast off / on and torch.compile off / on.

    CPU cases each run in a fresh process so that their peak resident memory is their own.
    """
    cases = cases or list(CASES)
    devices = devices or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        raise ConfigError(f"unknown throughput case(s) {unknown}; choose from {list(CASES)}")
    rows = []
    context = multiprocessing.get_context("spawn")
    for device in devices:
        for case in cases:
            for amp in (False, True):
                for compiled in compile_options:
                    args = (case, device, amp, compiled, steps)
                    log(f"throughput: {case} on {device}, bf16 {amp}, compile {compiled}")
                    if device == "cpu":
                        with context.Pool(1) as pool:
                            rows.append(pool.apply(_measure_in_child, (args,)))
                    else:
                        rows.append(measure(*args))
    return rows


def throughput_markdown(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table, with each case's speed-up over its plain float32 run."""
    from fingan.validation.tables import markdown_table

    base = {(r["case"], r["device"]): r["steps/s"] for r in rows if not r["bf16"] and not r["compile"]}
    body = []
    for r in rows:
        ratio = r["steps/s"] / base[(r["case"], r["device"])] if (r["case"], r["device"]) in base else np.nan
        body.append([r["case"], r["device"], "yes" if r["bf16"] else "no", "yes" if r["compile"] else "no",
                     f"{r['objective']}, batch {r['batch']}, n_critic {r['n_critic']}",
                     f"{r['steps/s']:.1f}", f"{ratio:.2f}x", f"{r['samples/s']:,.0f}", f"{r['peak MiB']:,.0f}",
                     f"{r['warm-up s']:.1f}", _flops(r), _ops(r)])
    return markdown_table(["case", "device", "bf16", "compile", "training", "steps/s", "vs plain", "samples/s",
                           "peak MiB", "warm-up s", "GFLOP/step (achieved TFLOP/s)", "ops/step (ops/s)"], body)


def _ops(row: dict[str, Any]) -> str:
    ops = row.get("ops/step", np.nan)
    return "" if not np.isfinite(ops) else f"{ops:,.0f} ({ops * row['steps/s']:,.0f})"


def _flops(row: dict[str, Any]) -> str:
    if not np.isfinite(row["GFLOP/step"]):
        return ""
    return f"{row['GFLOP/step']:.2f} ({row['GFLOP/step'] * row['steps/s'] / 1e3:.3f})"


def main(argv: Sequence[str] | None = None) -> int:
    """``fingan bench throughput``: time every case, print the table, write it to ``--out``."""
    p = parser("throughput", __doc__)
    p.add_argument("--cases", nargs="+", metavar="NAME", help="cases to run (default: all)")
    p.add_argument("--devices", nargs="+", choices=["cpu", "cuda"], help="default: cpu, and cuda when present")
    p.add_argument("--steps", type=positive_int, default=20, help="timed generator steps per run")
    p.add_argument("--no-compile", action="store_true", help="skip the torch.compile runs")
    p.add_argument("--out", type=Path, help="write the Markdown table here")
    args = p.parse_args(argv)
    rows = throughput_benchmark(args.cases, args.devices, args.steps, (False,) if args.no_compile else (False, True))
    note = (f"\n{args.steps} timed generator steps after a warm-up (which includes any compilation), random "
            f"data of each recipe's shape; samples/s from the trained generator; peak memory: CUDA allocator "
            f"peak, or the peak resident set of a fresh process per CPU case. Machine: {machine_description()}. "
            f"Command: `python benchmarks/throughput.py"
            + ("" if args.cases is None else " --cases " + " ".join(f"'{c}'" for c in args.cases))
            + ("" if args.devices is None else " --devices " + " ".join(args.devices))
            + f" --steps {args.steps}{' --no-compile' if args.no_compile else ''}`.")
    publish(throughput_markdown(rows), note, args.out)
    return 0
