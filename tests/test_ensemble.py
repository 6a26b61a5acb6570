"""Batched ensembles: B GANs in one vmapped model, each member as if trained alone."""

import numpy as np
import pytest
import torch

from fingan.data.toy import huber
from fingan.engine import TrainerConfig, make_objective
from fingan.engine.ensemble import EnsembleTrainer
from fingan.errors import ConfigError, DataError
from fingan.models import RobustGAN
from fingan.nets import MLP


def _reference_penalty(critic, real, fake, eps):
    """WGAN-GP penalty of one member, written out independently of the engine's."""
    mixed = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((grad.norm(dim=1) - 1) ** 2).mean()


@pytest.mark.parametrize("optimizer, objective_name, pack", [("sgd", "ns", 1), ("adam", "ns", 1),
                                                             ("adam", "wgan-gp", 2)])
def test_each_member_follows_the_updates_of_training_it_alone(optimizer, objective_name, pack):
    torch.manual_seed(0)
    b, n, steps, batch = 3, 200, 6, 16
    data = torch.randn(b, n, 2) + torch.arange(b, dtype=torch.float32)[:, None, None]
    gens = [MLP(3, 2, (8,)) for _ in range(b)]
    crits = [MLP(2, 1, (8,), "leaky_relu", pack=pack) for _ in range(b)]
    ref_g = [MLP(3, 2, (8,)) for _ in range(b)]
    ref_d = [MLP(2, 1, (8,), "leaky_relu", pack=pack) for _ in range(b)]
    for mine, theirs in zip(gens + crits, ref_g + ref_d):
        theirs.load_state_dict(mine.state_dict())
    gp = 10.0 if objective_name == "wgan-gp" else None
    cfg = TrainerConfig(objective=objective_name, steps=steps, batch_size=batch, n_critic=2, optimizer=optimizer,
                        lr_g=0.05, lr_d=0.05, betas=(0.5, 0.999), gp_weight=gp, device="cpu", seed=7)
    ens = EnsembleTrainer(gens, crits, (3,), cfg).fit(data)
    assert ens.gp_weight == (gp or 0.0)

    # the reference: the same global random draws, each member trained by its own plain loop
    # (the packed critic scores groups of `pack` samples of its own member's batch)
    objective = make_objective(objective_name)
    make = {"sgd": lambda p: torch.optim.SGD(p, lr=0.05), "adam": lambda p: torch.optim.Adam(p, lr=0.05,
                                                                                          betas=(0.5, 0.999))}
    opt_g = [make[optimizer](g.parameters()) for g in ref_g]
    opt_d = [make[optimizer](d.parameters()) for d in ref_d]
    rng = torch.Generator().manual_seed(7)
    for _ in range(steps):
        for _ in range(2):
            idx = torch.randint(n, (b, batch), generator=rng)
            noise = torch.randn((b, batch, 3), generator=rng)
            eps = torch.rand((b, batch, 1), generator=rng) if gp else None
            for m in range(b):
                real, fake = data[m, idx[m]], ref_g[m](noise[m]).detach()
                loss = objective.critic_loss(ref_d[m](real).reshape(-1), ref_d[m](fake).reshape(-1))
                if gp:
                    loss = loss + gp * _reference_penalty(ref_d[m], real, fake, eps[m])
                opt_d[m].zero_grad()
                loss.backward()
                opt_d[m].step()
        noise = torch.randn((b, batch, 3), generator=rng)
        for m in range(b):
            loss = objective.generator_loss(ref_d[m](ref_g[m](noise[m])).reshape(-1))
            opt_g[m].zero_grad()
            loss.backward()
            opt_g[m].step()
    for m, (g, d) in enumerate(ens.members()):
        for mine, theirs in ((g, ref_g[m]), (d, ref_d[m])):
            for (name, value), ref in zip(mine.state_dict().items(), theirs.state_dict().values()):
                torch.testing.assert_close(value, ref, rtol=1e-4, atol=1e-5, msg=f"member {m} {name}")
    assert ens.sample(5, seed=0).shape == (b, 5, 2)


def test_robust_gan_simulation_study_beats_the_median_on_average():
    p, n, reps = 5, 600, 12
    dist = huber(p=p, contamination=0.2)
    datasets = np.stack([dist.sample(n, seed=s) for s in range(reps)])
    locations = RobustGAN(steps=600, batch_size=300, device="cpu").fit_many(datasets)
    assert locations.shape == (reps, p)
    gan_error = np.linalg.norm(locations, axis=1)  # the clean mean is 0
    median_error = np.linalg.norm(np.median(datasets, axis=1), axis=1)
    assert gan_error.mean() < 0.6 * median_error.mean()


def test_ensemble_rejects_what_it_cannot_batch():
    nets = ([MLP(2, 2)], [MLP(2, 1)])
    with pytest.raises(ConfigError, match="spectral_norm"):
        EnsembleTrainer(*nets, (2,), TrainerConfig(spectral_norm=True))
    with pytest.raises(ConfigError, match="historical_averaging"):
        EnsembleTrainer(*nets, (2,), TrainerConfig(historical_averaging=0.1))
    with pytest.raises(ConfigError, match="adversarial objective"):
        EnsembleTrainer(*nets, (2,), TrainerConfig(objective="mmd"))
    with pytest.raises(ConfigError, match="one critic per generator"):
        EnsembleTrainer([MLP(2, 2)] * 2, [MLP(2, 1)], (2,))
    with pytest.raises(DataError, match=r"\(1, n_samples"):
        EnsembleTrainer(*nets, (2,), TrainerConfig(device="cpu")).fit(torch.zeros(2, 10, 2))


def test_ensemble_decays_the_learning_rates_it_shares():
    def fit(**options):
        torch.manual_seed(0)
        cfg = TrainerConfig(objective="wgan-gp", steps=8, batch_size=16, lr_g=0.01, lr_d=0.02, device="cpu",
                            **options)
        return EnsembleTrainer([MLP(2, 2) for _ in range(2)], [MLP(2, 1) for _ in range(2)], (2,), cfg).fit(
            torch.randn(2, 64, 2))

    decayed, constant = fit(lr_decay="linear", lr_decay_to=0.5), fit()
    assert decayed.opt_g.param_groups[0]["lr"] == pytest.approx(0.005)  # the last step's rate
    assert decayed.opt_d.param_groups[0]["lr"] == pytest.approx(0.01)
    assert constant.opt_g.param_groups[0]["lr"] == 0.01
    assert not torch.equal(decayed.sample(4, seed=0), constant.sample(4, seed=0))


def test_ensemble_applies_weight_clipping_to_every_member():
    torch.manual_seed(0)
    ens = EnsembleTrainer([MLP(2, 2, hidden=(8,)) for _ in range(3)], [MLP(2, 1, hidden=(8,)) for _ in range(3)], (2,),
                          TrainerConfig(objective="wgan", steps=3, batch_size=16, device="cpu"))
    assert ens.config.clip == 0.01
    ens.fit(torch.randn(3, 50, 2) * 5)
    for _, critic in ens.members():
        assert max(p.abs().max().item() for p in critic.parameters()) <= 0.01 + 1e-7


def test_batched_resampling_study_agrees_with_fitting_the_same_samples_one_by_one():
    """The GAN-as-resampler study at B = 8: the batched GANs and the same 8 fitted alone behave alike."""
    from scipy import stats

    from fingan.bench.gan_resampling import SETTINGS, resampling_study, summary
    from fingan.engine import Trainer

    reps, n, m = 8, 100, 4000
    settings = {**SETTINGS, "steps": 600, "ema_decay": 0.99}
    batched = resampling_study(reps, n, m, seed=3, device="cpu", settings=settings)
    samples = np.random.default_rng(3).normal(size=(reps, n))  # the study's data for seed 3
    alone_means, alone_sds = [], []
    for b in range(reps):
        torch.manual_seed(b)
        config = TrainerConfig(objective="ns", steps=600, batch_size=n, lr_g=1e-3, lr_d=1e-3, ema_decay=0.99,
                               seed=b, device="cpu")
        trainer = Trainer(MLP(4, 1, (32, 32)), MLP(1, 1, (32, 32), activation="leaky_relu"), (4,), config)
        draws = trainer.fit(torch.as_tensor(samples[b, :, None], dtype=torch.float32)).sample(m, seed=b)[:, 0]
        alone_means.append(float(draws.mean()))
        alone_sds.append(float(draws.std()))
    gap_batched = batched["gan"]["mean"] - samples.mean(axis=1)
    gap_alone = np.array(alone_means) - samples.mean(axis=1)
    assert np.abs(gap_batched).max() < 0.2 and np.abs(gap_alone).max() < 0.2  # each GAN follows its own sample
    assert stats.ks_2samp(gap_batched, gap_alone).pvalue > 0.01  # and the two ways err alike
    assert abs(batched["gan"]["sd"].mean() - np.mean(alone_sds)) < 0.1
    table = summary(batched)
    assert set(table) == {"gan", "sample"} and 0 <= table["gan"]["coverage of the 95% interval"] <= 1


def test_ensemble_keeps_an_ema_of_each_generator_and_samples_from_it():
    torch.manual_seed(0)
    make = lambda: EnsembleTrainer([MLP(2, 2, hidden=(8,)) for _ in range(3)],  # noqa: E731
                                   [MLP(2, 1, hidden=(8,)) for _ in range(3)], (2,),
                                   TrainerConfig(objective="ns", steps=1, batch_size=16, device="cpu", ema_decay=0.9))
    data = torch.randn(3, 50, 2)
    one = make().fit(data)
    assert all(torch.equal(one.ema[k], v) for k, v in one.generator.params.items())  # the first update copies
    one.config.steps = 20
    one.fit(data)
    assert any(not torch.allclose(one.ema[k], v) for k, v in one.generator.params.items())
    torch.testing.assert_close(one.sample(5, seed=1), one.generator(one._noise(5, torch.Generator().manual_seed(1)),
                                                                    params=one.ema))
    late = make()
    late.config.ema_start, late.config.steps = 20, 20
    late.fit(data)  # every step before ema_start copies
    assert all(torch.equal(late.ema[k], v) for k, v in late.generator.params.items())


def test_mode_coverage_study_batches_what_it_can_and_publishes_table_and_figure(tmp_path):
    from fingan.bench import toy_modes

    assert all(toy_modes.batchable(v) for v in ("ns", "wgan", "wgan-gp", "ns + PacGAN4", "wgan-gp + PacGAN4",
                                                 "ns + minibatch discrimination"))
    assert not toy_modes.batchable("ns + SN") and not toy_modes.batchable("mmd")
    samples = toy_modes.train_batched("ns + PacGAN2", seeds=[0, 1], steps=5, datasets=["ring8"])
    assert set(samples) == {("ring8", 0), ("ring8", 1)}
    assert samples[("ring8", 0)].shape == (toy_modes.N_SAMPLES, 2)
    assert not np.allclose(samples[("ring8", 0)], samples[("ring8", 1)])  # own data, weights and noise

    out = tmp_path / "modes.md"
    assert toy_modes.main(["--steps", "5", "--seeds", "2", "--variants", "ns + PacGAN2", "ns + SN", "--jobs", "1",
                           "--out", str(out)]) == 0
    text = out.read_text()
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines() if line.startswith("| ")}
    assert "batched" in rows["ns + PacGAN2"] and "one by one" in rows["ns + SN"]
    assert "| 7.8 | 95.9 | 24.8 | 93.6 |" in rows["PacGAN4 (published)"]
    assert (tmp_path / "modes.png").stat().st_size > 10_000 and "![samples of every variant](modes.png)" in text
    assert not (tmp_path / "modes.partial.json").exists()  # a finished run leaves no state behind


def test_an_interrupted_mode_coverage_run_resumes_with_the_variants_it_finished(tmp_path, monkeypatch):
    from fingan.bench import toy_modes
    from fingan.errors import ConfigError

    out = tmp_path / "modes.md"
    ran = []
    real_run = toy_modes.run_variant

    def interrupted(variant, *args, **kwargs):
        if variant == "hinge":
            raise KeyboardInterrupt
        ran.append(variant)
        return real_run(variant, *args, **kwargs)

    monkeypatch.setattr(toy_modes, "run_variant", interrupted)
    argv = ["--steps", "3", "--seeds", "2", "--variants", "ns", "hinge", "--out", str(out)]
    with pytest.raises(KeyboardInterrupt):
        toy_modes.main(argv)
    assert "| ns |" in out.read_text() and "Not run yet: hinge" in out.read_text()
    assert (tmp_path / "modes.partial.json").exists() and (tmp_path / "modes.png").exists()

    resumed = []
    monkeypatch.setattr(toy_modes, "run_variant", lambda v, *a, **k: resumed.append(v) or real_run(v, *a, **k))
    with pytest.raises(ConfigError, match="measured with 3 steps"):
        toy_modes.main(["--steps", "4", *argv[2:], "--resume"])
    before = out.read_text().split("| ns |")[1].splitlines()[0]
    assert toy_modes.main([*argv, "--resume"]) == 0
    text = out.read_text()
    assert ran == ["ns"] and resumed == ["hinge"]  # ns kept from the first run, not refitted
    assert text.split("| ns |")[1].splitlines()[0] == before
    assert "| hinge |" in text and "Not run yet" not in text and not (tmp_path / "modes.partial.json").exists()
