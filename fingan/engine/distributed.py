"""Data-parallel training across processes (``torchrun``): ranks, gradient averaging, sharded draws.

Under ``torchrun --nproc_per_node K`` every process runs the same training script. The
:class:`~fingan.engine.Trainer` then splits each global batch of ``batch_size`` samples
into K shards of ``batch_size / K``: every rank draws the same global data indices and
noise (same seed) and keeps its own slice, and after each backward pass the gradients are
averaged over the ranks with one all-reduce of a flat buffer. The averaged gradient is the
gradient of the global batch's mean loss, so K processes follow the single-process run
with the same global batch (up to floating-point summation order) for losses that are
means over samples; batch norm sees only its rank's shard.

Written here rather than wrapping the nets in ``DistributedDataParallel``: a GAN step runs
the critic several times before one backward pass (real, generated, and the gradient
penalty's interpolates with a double backward), and the generator step runs the critic with
frozen weights, which DDP's one-forward-one-backward reducer does not expect. The
all-reduce it would do is the same.
"""

from __future__ import annotations

import atexit
import os
import sys
from dataclasses import dataclass
from typing import NoReturn

import torch
import torch.distributed as dist
from torch import nn

from fingan.errors import ConfigError


@dataclass(frozen=True)
class DistributedContext:
    """This process's place among ``world_size`` processes (1 when not distributed)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @classmethod
    def from_env(cls) -> DistributedContext:
        """Read ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` as set by ``torchrun``."""
        try:
            world = int(os.environ.get("WORLD_SIZE", "1"))
            rank = int(os.environ.get("RANK", "0"))
            local = int(os.environ.get("LOCAL_RANK", str(rank)))
        except ValueError as exc:
            raise ConfigError(f"bad torchrun environment (RANK / WORLD_SIZE / LOCAL_RANK): {exc}") from None
        return cls(rank, world, local)

    def init(self, device_type: str) -> None:
        """Join the process group: NCCL between GPUs, gloo on CPUs."""
        if self.enabled and not dist.is_initialized():
            dist.init_process_group("nccl" if device_type == "cuda" else "gloo")
            atexit.register(_leave_group)

    def device(self, device: torch.device) -> torch.device:
        """On CUDA each rank takes the GPU of its local rank."""
        if self.enabled and device.type == "cuda":
            torch.cuda.set_device(self.local_rank)
            return torch.device("cuda", self.local_rank)
        return device

    def shard(self, x: torch.Tensor) -> torch.Tensor:
        """This rank's slice of a global draw along the first dimension."""
        if not self.enabled:
            return x
        size = x.shape[0] // self.world_size
        return x[self.rank * size : (self.rank + 1) * size]

    def average_gradients(self, module: nn.Module) -> None:
        """Replace every parameter's gradient by its mean over the ranks (one flat all-reduce)."""
        if not self.enabled:
            return
        params = [p for p in module.parameters() if p.requires_grad]
        grads = [torch.zeros_like(p) if p.grad is None else p.grad for p in params]
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat)
        flat /= self.world_size
        offset = 0
        for p, g in zip(params, grads):
            p.grad = flat[offset : offset + g.numel()].view_as(g)
            offset += g.numel()

    def mean(self, x: torch.Tensor) -> torch.Tensor:
        """The mean of a tensor over the ranks."""
        if self.enabled:
            x = x.clone()
            dist.all_reduce(x)
            x /= self.world_size
        return x

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()


def _leave_group() -> None:
    """Close the process group this module opened before the interpreter exits."""
    if dist.is_initialized():
        dist.destroy_process_group()


def exit_rank(code: int) -> NoReturn | int:
    """End a ``torchrun`` worker with ``code`` once its work is done; a no-op outside one.

    Under load, a gloo worker that finished and closed its process group still aborts now
    and then in the C++ static destructors that run after Python's own exit ("terminate
    called without an active exception", SIGABRT), and torchrun then reports the whole run
    as failed. Everything is written and flushed by then, so the rank leaves with
    ``os._exit`` and skips those destructors. Returns ``code`` when no group was joined.
    """
    if not dist.is_initialized():
        return code
    dist.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
