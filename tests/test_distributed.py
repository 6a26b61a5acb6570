"""Data-parallel training: 2 gloo processes on CPU under torchrun follow the single-process run."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from fingan.engine.distributed import DistributedContext
from fingan.errors import ConfigError

WORKER = Path(__file__).with_name("ddp_worker.py")


def run_pair(tmp_path, objective):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(WORKER.parent)}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(WORKER),
         str(tmp_path), objective],
        capture_output=True, text=True, env=env, timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]


@pytest.mark.parametrize("objective", ["ns", "wgan-gp"])
def test_two_gloo_processes_stay_in_sync_and_match_one_process_with_the_same_global_batch(tmp_path, objective):
    sys.path.insert(0, str(WORKER.parent))
    try:
        from ddp_worker import train
    finally:
        sys.path.pop(0)
    single_dir = tmp_path / "single"
    single_dir.mkdir()
    train(str(single_dir), objective)
    single = torch.load(single_dir / "rank0.pt", weights_only=True)
    rank0, rank1 = run_pair(tmp_path, objective)
    assert rank0["world_size"] == 2 and single["world_size"] == 1
    for net in ("generator", "critic"):
        for name, value in rank0[net].items():
            torch.testing.assert_close(value, rank1[net][name], rtol=0, atol=0)  # identical on both ranks
            if objective == "ns":  # every random draw is sharded from the global one: the same run
                torch.testing.assert_close(value, single[net][name], rtol=1e-4, atol=1e-5)
    if objective == "ns":
        for a, b in zip(rank0["history"], single["history"]):
            assert a["loss_d"] == pytest.approx(b["loss_d"], rel=1e-4)  # logged losses are global means


def test_context_reads_torchrun_variables_and_shards(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "2")
    monkeypatch.setenv("LOCAL_RANK", "0")
    ctx = DistributedContext.from_env()
    assert ctx.enabled and not ctx.is_main and ctx.local_rank == 0
    assert ctx.shard(torch.arange(8)).tolist() == [4, 5]
    monkeypatch.setenv("WORLD_SIZE", "two")
    with pytest.raises(ConfigError, match="torchrun"):
        DistributedContext.from_env()


def test_exit_rank_only_exits_a_process_that_joined_a_group():
    from fingan.engine.distributed import exit_rank

    assert exit_rank(3) == 3  # no process group here: the caller keeps running with its status
