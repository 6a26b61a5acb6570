"""Trains a small GAN; run by tests/test_distributed.py alone and under torchrun (2 gloo processes)."""

import sys

import torch

from fingan.engine import Trainer, TrainerConfig
from fingan.engine.distributed import exit_rank
from fingan.nets import MLP


def train(out: str, objective: str, steps: int = 30) -> Trainer:
    torch.manual_seed(0)
    data = torch.randn(2000, 2) @ torch.tensor([[1.0, 0.5], [0.0, 0.8]]) + 1.0
    generator, critic = MLP(4, 2, (32, 32)), MLP(2, 1, (32, 32), "leaky_relu")
    cfg = TrainerConfig(objective=objective, steps=steps, batch_size=64, n_critic=2, device="cpu", seed=0,
                        log_every=10)
    trainer = Trainer(generator, critic, (4,), cfg).fit(data)
    state = {"generator": generator.state_dict(), "critic": critic.state_dict(), "history": trainer.history,
             "world_size": trainer.dist.world_size}
    torch.save(state, f"{out}/rank{trainer.dist.rank}.pt")
    return trainer


if __name__ == "__main__":
    torch.set_num_threads(1)
    train(sys.argv[1], sys.argv[2])
    exit_rank(0)
