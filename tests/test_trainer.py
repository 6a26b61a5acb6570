"""The Trainer: reproducibility, resume, guards, options and errors."""

import json

import pytest
import torch
from torch import nn

from fingan.engine import Trainer, TrainerConfig, load_checkpoint
from fingan.errors import ConfigError, DataError, TrainingDivergedError
from fingan.nets import MLP


def make_data(n=512, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 2, generator=g) * 0.5 + torch.tensor([1.0, -1.0])


def make_trainer(out_dir=None, **options):
    torch.manual_seed(0)
    options.setdefault("steps", 30)
    options.setdefault("device", "cpu")
    options.setdefault("batch_size", 32)
    generator, critic = MLP(3, 2, (32, 32)), MLP(2, 1, (32, 32))
    return Trainer(generator, critic, (3,), TrainerConfig(**options), out_dir=out_dir)


def weights(module):
    return torch.cat([p.detach().reshape(-1) for p in module.parameters()])


def test_same_seed_gives_the_same_weights_on_cpu():
    a = make_trainer(objective="wgan-gp", seed=3).fit(make_data())
    b = make_trainer(objective="wgan-gp", seed=3).fit(make_data())
    c = make_trainer(objective="wgan-gp", seed=4).fit(make_data())
    assert torch.equal(weights(a.generator), weights(b.generator))
    assert not torch.equal(weights(a.generator), weights(c.generator))


@pytest.mark.parametrize("objective", ["wgan-gp", "ns"])
def test_resume_continues_exactly_where_training_stopped(tmp_path, objective):
    options = dict(objective=objective, checkpoint_every=10, log_every=5, ema_decay=0.9, historical_averaging=0.1)
    full = make_trainer(tmp_path / "full", steps=20, **options).fit(make_data())
    make_trainer(tmp_path / "split", steps=10, **options).fit(make_data())
    resumed = make_trainer(tmp_path / "split", steps=20, **options).fit(make_data(), resume=True)
    assert resumed.step == 20
    torch.testing.assert_close(weights(resumed.generator), weights(full.generator), rtol=0, atol=0)
    torch.testing.assert_close(weights(resumed.critic), weights(full.critic), rtol=0, atol=0)
    torch.testing.assert_close(weights(resumed.ema.module), weights(full.ema.module), rtol=0, atol=0)
    logged = [json.loads(line)["step"] for line in (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()]
    assert logged == [5, 10, 15, 20]


def test_states_written_before_the_draws_moved_to_the_device_still_resume_exactly():
    full = make_trainer(steps=20).fit(make_data())
    half = make_trainer(steps=10).fit(make_data())
    assert half.data_rng.device == half.noise_rng.device == half.device
    state = half.state_dict()
    state["rng"]["noise_device"] = state["rng"].pop("device")  # the older files' key
    resumed = make_trainer(steps=20)
    resumed.load_state_dict(state)
    resumed.fit(make_data())
    torch.testing.assert_close(weights(resumed.generator), weights(full.generator), rtol=0, atol=0)


def test_random_states_of_another_device_type_are_left_out_not_an_error():
    state = make_trainer(steps=3).fit(make_data()).state_dict()
    state["rng"]["device"] = "cuda"
    other = make_trainer(steps=6)
    before = other.data_rng.get_state()
    other.load_state_dict(state)
    assert torch.equal(other.data_rng.get_state(), before) and other.step == 3
    assert torch.isfinite(weights(other.fit(make_data()).generator)).all()


def test_an_existing_run_is_never_overwritten(tmp_path):
    make_trainer(tmp_path, steps=5).fit(make_data())
    before = (tmp_path / "checkpoint.pt").read_bytes()
    with pytest.raises(ConfigError, match="resume"):
        make_trainer(tmp_path, steps=5).fit(make_data())
    assert (tmp_path / "checkpoint.pt").read_bytes() == before


class ExplodingGenerator(nn.Module):
    """Behaves for ``good_calls`` training forward passes, then returns NaN."""

    def __init__(self, good_calls):
        super().__init__()
        self.net = MLP(3, 2, (16,))
        self.calls = 0
        self.good_calls = good_calls

    def forward(self, z):
        self.calls += 1
        out = self.net(z)
        return out * float("nan") if self.calls > self.good_calls else out


def test_divergence_guard_stops_with_a_clear_error_and_keeps_the_last_good_checkpoint(tmp_path):
    torch.manual_seed(0)
    cfg = TrainerConfig(objective="ns", steps=40, batch_size=16, device="cpu", log_every=5, checkpoint_every=5)
    # one critic and one generator forward per step: NaN appears during step 12
    trainer = Trainer(ExplodingGenerator(good_calls=23), MLP(2, 1, (16,)), (3,), cfg, out_dir=tmp_path)
    with pytest.raises(TrainingDivergedError, match=r"step 15.*last good checkpoint"):
        trainer.fit(make_data())
    state = load_checkpoint(tmp_path / "checkpoint.pt")
    assert state["step"] == 10
    assert all(torch.isfinite(v).all() for v in state["generator"].values())


def test_weight_clipping_keeps_every_critic_weight_in_range():
    trainer = make_trainer(objective="wgan", steps=20, lr_d=0.05)
    trainer.fit(make_data())
    c = trainer.config.clip
    assert c == 0.01
    w = weights(trainer.critic)
    assert w.abs().max().item() <= c + 1e-12
    assert (w.abs() > 0.99 * c).any()  # with a large learning rate the clip is active


def test_spectral_norm_option_applies_to_any_objective():
    trainer = make_trainer(objective="hinge", spectral_norm=True, steps=10).fit(make_data())
    for layer in trainer.critic.modules():
        if isinstance(layer, nn.Linear):
            sigma = torch.linalg.matrix_norm(layer.weight.detach(), ord=2).item()
            assert sigma == pytest.approx(1.0, abs=0.1)


def test_defaults_come_from_the_objective_and_can_be_overridden():
    cfg = TrainerConfig(objective="wgan-gp").resolved()
    assert (cfg.lr_g, cfg.n_critic, cfg.gp_weight, cfg.betas) == (1e-4, 5, 10.0, (0.0, 0.9))
    cfg = TrainerConfig(objective="wgan-gp", lr_g=3e-4, lr_d=1e-3, n_critic=2).resolved()
    assert (cfg.lr_g, cfg.lr_d, cfg.n_critic) == (3e-4, 1e-3, 2)
    trainer = make_trainer(objective="ns", lr_g=1e-4, lr_d=4e-4)  # TTUR
    assert trainer.opt_g.param_groups[0]["lr"] == 1e-4
    assert trainer.opt_d.param_groups[0]["lr"] == 4e-4


def test_ema_generator_averages_the_trajectory():
    trainer = make_trainer(objective="ns", steps=25, ema_decay=0.9).fit(make_data())
    assert trainer.ema.n_averaged.item() == 25
    assert not torch.equal(weights(trainer.ema.module), weights(trainer.generator))
    a = trainer.sample(100, seed=1)
    b = trainer.sample(100, seed=1)
    assert torch.equal(a, b)
    assert not torch.equal(a, trainer.sample(100, seed=1, use_ema=False))


def test_training_steps_read_nothing_back_from_the_device_between_logs():
    from torch.utils._python_dispatch import TorchDispatchMode

    class ScalarReads(TorchDispatchMode):  # .item(), bool(tensor), .tolist(): a GPU-to-host sync on CUDA
        count = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.count += func is torch.ops.aten._local_scalar_dense.default
            return func(*args, **(kwargs or {}))

    options = dict(objective="wgan-gp", ema_decay=0.9, orthogonal_reg=1e-3, historical_averaging=0.1,
                   instance_noise=0.1, log_every=1000)
    reads = []
    for steps in (5, 15):
        trainer = make_trainer(steps=2, **options).fit(make_data())
        trainer.config.steps = 2 + steps
        with ScalarReads() as counter:
            trainer.fit(make_data())
        reads.append(counter.count)
    assert reads[0] == reads[1]  # the same few reads (data check, the final log) however many steps


def test_ema_equals_torchs_averaged_model_fed_the_same_trajectory():
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    trainer = make_trainer(objective="ns", steps=12, ema_decay=0.8, log_every=1)
    reference = AveragedModel(trainer.generator, multi_avg_fn=get_ema_multi_avg_fn(0.8), use_buffers=True)
    trainer.callbacks.append(lambda t, record: reference.update_parameters(t.generator))  # after every step
    trainer.fit(make_data())
    torch.testing.assert_close(weights(trainer.ema.module), weights(reference.module), rtol=0, atol=0)


def test_ema_start_copies_the_weights_until_then_and_averages_after():
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    trainer = make_trainer(objective="ns", steps=6, ema_decay=0.8, ema_start=6, log_every=1)
    trainer.fit(make_data())
    torch.testing.assert_close(weights(trainer.ema.module), weights(trainer.generator), rtol=0, atol=0)  # still copying
    # resumed past the start: from here on the same as torch's EMA started from the step-6 weights
    reference = AveragedModel(trainer.generator, multi_avg_fn=get_ema_multi_avg_fn(0.8), use_buffers=True)
    reference.update_parameters(trainer.generator)
    trainer.callbacks.append(lambda t, record: reference.update_parameters(t.generator))
    trainer.config.steps = 12
    trainer.fit(make_data())
    torch.testing.assert_close(weights(trainer.ema.module), weights(reference.module), rtol=0, atol=0)
    assert not torch.equal(weights(trainer.ema.module), weights(trainer.generator))
    # started at step 0 instead, the step-1 weights stay in the average and it differs
    early = make_trainer(objective="ns", steps=12, ema_decay=0.8, log_every=1).fit(make_data())
    assert not torch.allclose(weights(early.ema.module), weights(trainer.ema.module))


def test_mmd_trains_without_a_critic_and_moves_towards_the_data():
    torch.manual_seed(0)
    generator = MLP(3, 2, (32, 32))
    trainer = Trainer(generator, None, (3,), TrainerConfig(objective="mmd", steps=150, batch_size=128, device="cpu"))
    data = make_data(1024)
    before = (trainer.sample(1000, seed=0).mean(0) - data.mean(0)).norm()
    trainer.fit(data)
    after = (trainer.sample(1000, seed=0).mean(0) - data.mean(0)).norm()
    assert after < 0.2 * before


def test_sample_weights_decide_which_samples_the_batches_draw():
    torch.manual_seed(0)
    data = torch.cat([torch.randn(512, 1) - 3, torch.randn(512, 1) + 3])
    weight = torch.cat([torch.zeros(512), torch.ones(512)])  # only the second cluster
    cfg = TrainerConfig(objective="mmd", steps=150, batch_size=128, device="cpu")
    uniform = Trainer(MLP(3, 1, (32, 32)), None, (3,), cfg).fit(data)
    weighted = Trainer(MLP(3, 1, (32, 32)), None, (3,), cfg).fit(data, sample_weight=weight)
    draws = [weighted._batch(data, None)[0] for _ in range(20)]
    assert torch.cat(draws).min() > -1  # never a sample of zero weight
    assert abs(uniform.sample(1000, seed=0).mean().item()) < 1.5
    assert weighted.sample(1000, seed=0).mean().item() > 2
    for bad in (torch.ones(5), -weight, torch.zeros(1024), torch.full((1024,), float("nan"))):
        with pytest.raises(DataError, match="sample_weight"):
            Trainer(MLP(3, 1, (8,)), None, (3,), cfg).fit(data, sample_weight=bad)


def test_instance_noise_and_orthogonal_regularisation_train_finite():
    trainer = make_trainer(objective="ns", instance_noise=0.5, orthogonal_reg=1e-4, steps=20).fit(make_data())
    assert all(torch.isfinite(torch.tensor([r["loss_d"], r["loss_g"]])).all() for r in trainer.history)


def test_conditional_nets_receive_the_labels():
    torch.manual_seed(0)
    data = torch.cat([torch.randn(256, 1) - 3, torch.randn(256, 1) + 3])
    labels = torch.cat([torch.zeros(256), torch.ones(256)]).long()
    generator, critic = MLP(2, 1, (32, 32), n_classes=2), MLP(1, 1, (32, 32), n_classes=2)
    cfg = TrainerConfig(objective="ns", steps=500, batch_size=64, device="cpu", lr_g=1e-3, lr_d=1e-3)
    trainer = Trainer(generator, critic, (2,), cfg).fit(data, labels)
    low = trainer.sample(500, labels=torch.zeros(500), seed=0).mean().item()
    high = trainer.sample(500, labels=torch.ones(500), seed=0).mean().item()
    assert low < -1.5 and high > 1.5


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(steps=-1), "steps"),
        (dict(n_critic=0), "n_critic"),
        (dict(lr_g=0.0), "lr_g"),
        (dict(optimizer="adamw"), "optimizer"),
        (dict(ema_decay=1.5), "ema_decay"),
        (dict(ema_start=-1), "ema_start"),
        (dict(objective="nope"), "unknown objective"),
        (dict(device="tpu"), "device"),
    ],
)
def test_bad_options_are_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        make_trainer(**options)


def test_bad_data_is_a_data_error():
    trainer = make_trainer()
    bad = make_data()
    bad[3, 1] = float("nan")
    with pytest.raises(DataError, match="NaN"):
        trainer.fit(bad)
    with pytest.raises(DataError, match="shape"):
        trainer.fit(torch.zeros(5))


def test_unwritable_output_folder_is_a_config_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot create output folder"):
        make_trainer(blocker / "run").fit(make_data())


def test_critic_free_objective_needs_no_critic_but_others_do():
    with pytest.raises(ConfigError, match="needs a critic"):
        Trainer(MLP(3, 2), None, (3,), TrainerConfig(objective="ns", device="cpu"))


def test_compile_option_trains_the_same_weights_through_compiled_views(monkeypatch):
    """torch.compile with the eager backend (no C compiler needed): same numbers, plain modules saved."""
    import functools

    monkeypatch.setattr(torch, "compile", functools.partial(torch.compile, backend="eager"))
    data = torch.randn(500, 2) * torch.tensor([1.0, 0.3])
    results = []
    for compiled in (False, True):
        torch.manual_seed(0)
        trainer = Trainer(MLP(4, 2, (16,)), MLP(2, 1, (16,), "leaky_relu"), (4,),
                          TrainerConfig(objective="wgan-gp", steps=5, device="cpu", compile=compiled))
        trainer.fit(data)
        assert (trainer._g_forward is not trainer.generator) == compiled
        results.append(trainer.state_dict())
    assert not any("_orig_mod" in key for key in results[1]["generator"])
    for name, value in results[0]["generator"].items():
        torch.testing.assert_close(results[1]["generator"][name], value)


def test_bf16_autocast_is_off_on_cpu_unless_forced_and_still_trains():
    data = torch.randn(300, 2)
    make = lambda amp: Trainer(MLP(4, 2, (16,)), MLP(2, 1, (16,)), (4,),  # noqa: E731
                               TrainerConfig(steps=20, device="cpu", amp=amp, log_every=10))
    assert not make("auto").bf16 and not make(False).bf16
    forced = make(True).fit(data)
    assert forced.bf16 and all(torch.isfinite(torch.tensor([r["loss_d"], r["loss_g"]])).all() for r in forced.history)
    samples = forced.sample(500)
    assert samples.dtype == torch.float32
    assert not torch.equal(samples.bfloat16().float(), samples)  # full precision, not bf16 values widened


# learning-rate decay

def test_lr_factor_runs_from_one_to_the_final_fraction():
    from fingan.engine.optim import lr_factor

    for kind in ("linear", "cosine"):
        assert lr_factor(kind, 0, 101) == pytest.approx(1.0)
        assert lr_factor(kind, 100, 101) == pytest.approx(0.0)
        assert lr_factor(kind, 50, 101) == pytest.approx(0.5)
        assert lr_factor(kind, 100, 101, final=0.1) == pytest.approx(0.1)
        factors = [lr_factor(kind, s, 101) for s in range(101)]
        assert all(a >= b for a, b in zip(factors, factors[1:]))
    # cosine stays high longer, then falls faster than linear
    assert lr_factor("cosine", 10, 101) > lr_factor("linear", 10, 101)
    assert lr_factor("cosine", 90, 101) < lr_factor("linear", 90, 101)
    with pytest.raises(ConfigError, match="lr_decay"):
        lr_factor("step", 0, 10)


def test_lr_decay_sets_both_rates_each_step_and_resumes_on_the_same_curve(tmp_path):
    seen = []

    def rates(trainer, record):
        seen.append((record["step"], trainer.opt_g.param_groups[0]["lr"], trainer.opt_d.param_groups[0]["lr"]))

    options = dict(objective="wgan-gp", lr_g=1e-3, lr_d=4e-3, lr_decay="linear", lr_decay_to=0.1, log_every=5,
                   checkpoint_every=10)
    full = make_trainer(tmp_path / "full", steps=21, **options)
    full.callbacks.append(rates)
    full.fit(make_data())
    # at logged step s the last update ran at step s - 1 of 0..20, with factor 1 - 0.9 (s - 1) / 20
    for step, lr_g, lr_d in seen:
        factor = 1 - 0.9 * (step - 1) / 20
        assert lr_g == pytest.approx(1e-3 * factor) and lr_d == pytest.approx(4e-3 * factor)
    assert seen[-1][1] == pytest.approx(1e-4)

    def interrupt(trainer, record):  # after the checkpoint at step 10, before the one at 20
        if record["step"] == 15:
            raise KeyboardInterrupt

    interrupted = make_trainer(tmp_path / "split", steps=21, **options)
    interrupted.callbacks.append(interrupt)
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(make_data())
    resumed = make_trainer(tmp_path / "split", steps=21, **options).fit(make_data(), resume=True)
    torch.testing.assert_close(weights(resumed.generator), weights(full.generator), rtol=0, atol=0)
    constant = make_trainer(steps=21, **{**options, "lr_decay": None}).fit(make_data())
    assert not torch.equal(weights(constant.generator), weights(full.generator))


@pytest.mark.parametrize("options, message", [
    ({"lr_decay": "step"}, "lr_decay must be one of"),
    ({"lr_decay": "linear", "lr_decay_to": 1.5}, "lr_decay_to must be in"),
])
def test_bad_lr_decay_options_are_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        TrainerConfig(**options).resolved()
