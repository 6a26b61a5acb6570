"""The trainer's objectives and training terms give the same seeded results as recorded.

``tests/data/trainer_fingerprints.json`` holds, for every objective and every term, the
weights' fingerprint after a short seeded run, recorded with the trainer as it was before
the terms moved out of its step functions. A refactoring of the loop must reproduce them
(to 0.1% of how far each net moved: float32 rounding on another CPU or thread count moves it by about 0.03%, the smallest term here by 1% or more); regenerate only on purpose, with
``python tests/test_trainer_terms.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

from fingan.engine import Trainer, TrainerConfig
from fingan.engine.auxiliary import make_auxiliary
from fingan.engine.progressive import fade_real, growth_state
from fingan.engine.objectives import OBJECTIVES
from fingan.nets.conv import ConvCritic, ConvGenerator
from fingan.nets.mlp import MLP
from fingan.nets.progressive import ProgressiveCritic, ProgressiveGenerator

REFERENCE = Path(__file__).parent / "data" / "trainer_fingerprints.json"

# term cases: TrainerConfig options on top of the ns objective (toy nets), or image nets
TERMS: dict[str, dict] = {
    "gradient penalty": {"gp_weight": 1.0},
    "drift": {"drift": 0.1},
    "historical averaging": {"historical_averaging": 0.1},
    "orthogonal regularisation": {"orthogonal_reg": 0.01},
    "clipping": {"objective": "wgan", "clip": 0.05},
    "EMA": {"ema_decay": 0.9},
    "spectral norm": {"spectral_norm": True},
    "instance noise": {"instance_noise": 0.5},
    "everything at once": {"gp_weight": 1.0, "drift": 0.01, "historical_averaging": 0.1, "orthogonal_reg": 0.01,
                           "ema_decay": 0.9, "instance_noise": 0.3, "spectral_norm": True},
    "AC-GAN": {"image": "acgan"},
    "InfoGAN": {"image": "infogan"},
    "progressive growing": {"image": "progressive"},
}


def _flat(net: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().float().reshape(-1) for p in net.parameters()])


def _fit(trainer: Trainer, *data) -> dict[str, float]:
    """Train, then fingerprint how far each net moved from its start (sums of the weight changes) and the losses."""
    start = {"generator": _flat(trainer.generator), "critic": None if trainer.critic is None else _flat(trainer.critic)}
    trainer.fit(*data)
    nets = {"generator": trainer.generator, "critic": trainer.critic, "sampling": trainer.sampling_generator}
    out = {}
    for name, net in nets.items():
        if net is None:
            continue
        moved = _flat(net) - start["critic" if name == "critic" else "generator"]
        out[f"{name} sum"] = float(moved.sum())
        out[f"{name} abs"] = float(moved.abs().sum())
        out[f"{name} weighted"] = float((moved * torch.linspace(-1, 1, len(moved))).sum())
    out["loss_d"], out["loss_g"] = trainer.history[-1]["loss_d"], trainer.history[-1]["loss_g"]
    return out


def _toy_run(options: dict) -> dict[str, float]:
    torch.manual_seed(0)
    data = torch.randn(256, 2) * torch.tensor([1.0, 0.5]) + torch.tensor([0.5, -1.0])
    options = {"objective": "ns", **options}
    config = TrainerConfig(steps=6, batch_size=32, seed=3, device="cpu", log_every=6, **options)
    generator, critic = MLP(4, 2, hidden=(16, 16)), MLP(2, 1, hidden=(16, 16))
    return _fit(Trainer(generator, critic, (4,), config), data)


def _image_run(kind: str) -> dict[str, float]:
    torch.manual_seed(0)
    images = torch.rand(64, 1, 8, 8) * 2 - 1
    labels = torch.arange(64) % 4
    if kind == "progressive":
        generator, critic = ProgressiveGenerator(8, 8, channels=8), ProgressiveCritic(8, channels=8)
        config = TrainerConfig(objective="wgan-gp", steps=6, batch_size=16, n_critic=1, seed=3, device="cpu",
                               log_every=6, growth_steps=2, drift=0.001)
        return _fit(Trainer(generator, critic, (8,), config), images)
    generator = ConvGenerator(8, 8, channels=8, n_classes=4)  # AC-GAN: the class; InfoGAN: the code
    critic = ConvCritic(8, channels=8, n_aux=4)
    config = TrainerConfig(objective="hinge", steps=6, batch_size=16, seed=3, device="cpu", log_every=6,
                           auxiliary=kind, aux_classes=4)
    if kind == "infogan":  # the codes are drawn by the task; the data has no labels
        return _fit(Trainer(generator, critic, (8,), config), images)
    return _fit(Trainer(generator, critic, (8,), config), images, labels)


def run_case(case: str) -> dict[str, float]:
    if case.startswith("objective "):
        return _toy_run({"objective": case.removeprefix("objective ")})
    options = TERMS[case.removeprefix("term ")]
    if "image" in options:
        return _image_run(options["image"])
    return _toy_run(options)


CASES = [f"objective {name}" for name in OBJECTIVES.names()] + [f"term {name}" for name in TERMS]


@pytest.mark.parametrize("case", CASES)
def test_seeded_run_matches_the_recorded_weights(case):
    recorded = json.loads(REFERENCE.read_text())
    assert case in recorded, f"no recorded fingerprint for {case}; regenerate on purpose"
    got = run_case(case)
    assert set(got) == set(recorded[case])
    for key, value in recorded[case].items():
        if key.startswith("loss"):
            assert got[key] == pytest.approx(value, rel=1e-3, abs=1e-5), (case, key)
        else:  # within 0.1% of how far the net moved in all (float32 noise of another CPU: about 0.03%)
            net = key.split()[0]
            assert got[key] == pytest.approx(value, abs=1e-3 * recorded[case][f"{net} abs"]), (case, key)


def test_config_fields_map_to_terms_in_a_fixed_order_and_checkpoints_keep_their_keys():
    from fingan.engine.terms import ORDER, build_terms

    config = TrainerConfig(objective="wgan-gp", ema_decay=0.9, historical_averaging=0.1, drift=0.01,
                           instance_noise=0.1, spectral_norm=True).resolved()
    names = [t.name for t in build_terms(config)]
    assert names == sorted(names, key=ORDER.index)
    assert names == ["spectral_norm", "instance_noise", "drift", "gradient_penalty", "historical_averaging", "ema"]
    trainer = Trainer(MLP(4, 2, hidden=(8,)), MLP(2, 1, hidden=(8,)), (4,), TrainerConfig(
        steps=2, batch_size=8, device="cpu", ema_decay=0.9, historical_averaging=0.1)).fit(torch.randn(32, 2))
    assert {"ema", "hist_g", "hist_d", "generator", "critic", "opt_g", "opt_d", "rng", "step"} <= set(trainer.state_dict())
    assert trainer.term("ema").updates == 2 and trainer.term("clip") is None


def test_a_new_term_plugs_in_without_touching_the_loop():
    from fingan.engine.terms import StepContext, Term

    class FakeMeanPenalty(Term):  # pulls the generated mean towards 0
        name = "fake_mean"

        def __init__(self, weight: float) -> None:
            self.weight = weight
            self.calls = 0

        def generator_term(self, ctx: StepContext) -> torch.Tensor:
            self.calls += 1
            return self.weight * ctx.fake.mean(dim=0).pow(2).sum()

    data = torch.randn(256, 2) + 3.0

    def run(*terms: Term) -> torch.Tensor:
        torch.manual_seed(0)
        trainer = Trainer(MLP(4, 2, hidden=(16,)), MLP(2, 1, hidden=(16,)), (4,),
                          TrainerConfig(steps=40, batch_size=32, seed=1, device="cpu"), terms=terms)
        return trainer.fit(data).sample(2000, seed=0).mean(dim=0)

    penalty = FakeMeanPenalty(10.0)
    plain, pulled = run(), run(penalty)
    assert penalty.calls == 40
    assert pulled.norm() < plain.norm()  # the term moved the generator where it says


# the auxiliary-task term's losses

def test_acgan_critic_classifies_real_and_fake():
    task = make_auxiliary("acgan", 3)
    labels = torch.tensor([0, 1, 2])
    confident = torch.eye(3) * 20
    assert task.critic_loss(confident, labels, confident, labels) < 1e-6
    assert task.critic_loss(-confident, labels, confident, labels) > 10  # wrong on the real images
    info = make_auxiliary("infogan", 4)
    codes = info.fake_labels(None, 1000, torch.Generator().manual_seed(0))
    assert set(codes.tolist()) == {0, 1, 2, 3}
    assert info.critic_loss(-confident[:1, :3].repeat(1, 1), labels[:1], confident[:1], labels[:1]) < 1e-6


# the progressive-growth term's schedule and nets

def test_growth_schedule_fades_each_level_in_then_stabilises():
    states = [growth_state(step, 10, 3) for step in range(0, 60, 5)]
    assert [level for level, _ in states] == [0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]
    assert [alpha for _, alpha in states][:6] == [1.0, 1.0, 0.1, 0.6, 1.0, 1.0]
    x = torch.randn(2, 1, 16, 16)
    torch.testing.assert_close(fade_real(x, 2, 1.0, 3), x)
    low = fade_real(x, 0, 1.0, 3)  # 4x4 blocks of the 4x4 average
    torch.testing.assert_close(low[:, :, :4, :4], low[:, :, :1, :1].expand(-1, -1, 4, 4))
    torch.testing.assert_close(torch.nn.functional.avg_pool2d(low, 4), torch.nn.functional.avg_pool2d(x, 4))


@pytest.mark.parametrize("level", [1, 2])
def test_a_new_level_fades_in_without_a_jump(level):
    """At alpha = 0 the grown nets compute exactly what the previous level computed."""
    torch.manual_seed(0)
    g, d = ProgressiveGenerator(16, 16, channels=8), ProgressiveCritic(16, channels=8)
    z, x = torch.randn(4, 16), torch.randn(4, 1, 16, 16)
    outputs = []
    for state in ((level - 1, 1.0), (level, 0.0), (level, 0.5)):
        g.set_growth(*state)
        d.set_growth(*state)
        outputs.append((g(z), d(x)))
    torch.testing.assert_close(outputs[0][0], outputs[1][0])
    torch.testing.assert_close(outputs[0][1], outputs[1][1])
    assert not torch.allclose(outputs[0][0], outputs[2][0])
    assert outputs[2][0].shape == (4, 1, 16, 16)


def test_earlier_levels_stay_trainable_at_the_top_level():
    g = ProgressiveGenerator(16, 16, channels=8)
    g(torch.randn(4, 16)).sum().backward()
    assert g.base[1].weight.grad.abs().sum() > 0 and g.blocks[0][1].weight.grad.abs().sum() > 0
    assert g.to_image[0].weight.grad is None  # the 4x4 output layer is only used while growing


if __name__ == "__main__":  # regenerate the reference (only when a change of results is intended)
    torch.set_num_threads(1)  # as the tests run (tests/conftest.py)
    REFERENCE.parent.mkdir(exist_ok=True)
    REFERENCE.write_text(json.dumps({case: run_case(case) for case in CASES}, indent=1) + "\n")
    print(f"wrote {REFERENCE}", file=sys.stderr)
