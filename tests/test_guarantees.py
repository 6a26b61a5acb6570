"""Bad input gets one clear line, damaged model files and concurrent runs are caught.

One case per class of failure: dates, config files, model files, devices, counts, data
that cannot be learned from, output paths, synthetic files, the Yahoo cache, run folders.
"""

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import torch

from fingan.cli import main
from fingan.config import from_dict
from fingan.data import load_prices, load_toy, log_returns, split_periods
from fingan.data.returns import ReturnTransform
from fingan.engine.checkpoint import load_checkpoint, run_lock, save_checkpoint
from fingan.errors import CheckpointError, ConfigError, DataError
from fingan.models import QuantGAN, QuantGANConfig, ToyGAN, load_model


def one_line_error(capsys, argv, message):
    """main(argv) fails with exit 1 and a single ``fingan: error:`` line containing ``message``."""
    assert main(argv) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fingan: error:") and message in lines[0], captured.err
    assert "\x1b[" not in captured.err
    return captured


@pytest.fixture(scope="module")
def toy_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("toy") / "model.pt"
    ToyGAN(steps=3, hidden=(8,), device="cpu").fit(load_toy("ring8")).save(path)
    return path


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("argv, message", [
    (["data", "show", "sp500", "--start", "notadate"], "start 'notadate' is not a date"),
    (["train", "quantgan", "--data", "sp500", "--train-end", "notadate", "--out", "{tmp}/q"], "is not a date"),
    (["train", "toy", "--device", "mps", "--steps", "2", "--out", "{tmp}/t"], "device 'mps' is not available"),
    (["data", "show", "{tmp}"], "is a folder"),
])
def test_dates_devices_and_folders_are_one_line(capsys, tmp_path, argv, message):
    one_line_error(capsys, [a.format(tmp=tmp_path) for a in argv], message)
    assert not (tmp_path / "q").exists() and not (tmp_path / "t").exists()  # a refused run leaves no folder


@pytest.mark.parametrize("name, text, encoding, message", [
    ("bad.json", '{"hidden": "eight"}', "utf-8", "option 'hidden' of QuantGANConfig must be int, got str 'eight'"),
    ("bad.toml", '[trainer]\nsteps = "ten"\n', "utf-8", "option 'steps' of TrainerConfig must be int"),
    ("latin.toml", '# prix en \u20ac? non: \xe9t\xe9\nhidden = 8\n', "latin-1", "is not UTF-8 text"),
])
def test_config_files_with_wrong_types_or_encoding(capsys, tmp_path, name, text, encoding, message):
    config = _write(tmp_path / name, text.replace("\u20ac", "E"), encoding)
    one_line_error(capsys, ["train", "quantgan", "--config", str(config), "--out", str(tmp_path / "q")], message)


def test_a_partial_trainer_table_changes_only_what_it_names():
    cfg = from_dict(QuantGANConfig, {"trainer": {"checkpoint_every": 50}})
    default = QuantGANConfig().trainer
    assert cfg.trainer.checkpoint_every == 50
    assert (cfg.trainer.objective, cfg.trainer.lr_g, cfg.trainer.lr_d) == (default.objective, default.lr_g, default.lr_d)
    assert cfg.trainer.objective == "wgan-gp"
    with pytest.raises(ConfigError, match="must be a list of float"):
        from_dict(QuantGANConfig, {"memory": [2, "x"]})


def _bare_tensor(path, model):
    torch.save(torch.zeros(3), path)


def _no_trainer(path, model):
    state = load_checkpoint(model)
    del state["trainer"]
    save_checkpoint(state, path)


def _config_mismatch(path, model):
    state = load_checkpoint(model)
    state["config"]["hidden"] = [16]  # the weights are width 8
    save_checkpoint(state, path)


def _flipped_weight(path, model):
    data = bytearray(model.read_bytes())
    weight = load_checkpoint(model)["trainer"]["generator"]
    raw = next(v for v in weight.values() if v.numel() >= 16).numpy().tobytes()
    at = bytes(data).find(raw)
    assert at > 0
    data[at + len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("make, message", [
    (_bare_tensor, "not a fingan model or checkpoint file (it holds a Tensor)"),
    (_no_trainer, "is not a fingan model file: it has no trainer"),
    (_config_mismatch, "do not fit its config"),
    (_flipped_weight, "is damaged"),
])
def test_model_files_that_are_not_what_they_claim(capsys, tmp_path, toy_model, make, message):
    bad = tmp_path / "bad.pt"
    make(bad, toy_model)
    with pytest.raises(CheckpointError, match=re.escape(message)):
        load_model(bad)
    one_line_error(capsys, ["sample", str(bad), "--out", str(tmp_path / "x.npy")], message)
    assert not (tmp_path / "x.npy").exists()
    load_model(toy_model)  # the intact file still loads


def test_a_training_checkpoint_is_not_taken_for_a_model(capsys, tmp_path):
    out = tmp_path / "run"
    assert main(["train", "toy", "--steps", "3", "--out", str(out), "--no-progress", "--n-samples", "100"]) == 0
    capsys.readouterr()
    with pytest.raises(CheckpointError, match="training checkpoint: load the model.pt"):
        load_model(out / "checkpoint.pt")


def test_counts_must_be_whole_numbers(toy_model):
    model = load_model(toy_model)
    for bad in (2.5, "3", True, 0):
        with pytest.raises(ConfigError, match="n must be"):
            model.sample(bad)
    assert model.sample(3.0).shape == (3, 2)


def test_constant_returns_are_refused_where_they_enter(tmp_path, capsys):
    flat = pd.DataFrame({"flat": np.zeros(300)}, index=pd.bdate_range("2001-01-01", periods=300))
    with pytest.raises(DataError, match="constant"):
        ReturnTransform().fit(flat)
    with pytest.raises(DataError, match="constant"):
        QuantGAN(steps=2, hidden=8, dilations=(1,), window=8, device="cpu").fit(flat)
    with pytest.raises(DataError, match="is not a date"):
        split_periods(flat, "notadate")


def test_minibatch_kernels_must_not_be_negative(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "toy", "--minibatch-kernels", "-3", "--out", str(tmp_path / "t")])
    assert exit_info.value.code == 2 and "must be >= 0" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="minibatch_kernels"):
        ToyGAN(minibatch_kernels=-3)


@pytest.mark.parametrize("values, message", [
    (np.full((4, 50), 1e200), "log returns are never that large"),
    (np.zeros((4, 50)), "every path is constant"),
    (np.zeros((4, 50, 2)), "returns are (n_paths, T)"),
])
def test_unusable_synthetic_files_are_named_without_a_warning_flood(capsys, tmp_path, values, message):
    path = tmp_path / "paths.npy"
    np.save(path, values)
    with np.errstate(all="raise"):  # no numpy warning may fire on the way to the error
        one_line_error(capsys, ["validate", str(path), "--reference", "sp500"], message)


def test_validate_checks_its_outputs_and_names_a_missing_reference(capsys, tmp_path):
    path = tmp_path / "paths.npy"
    np.save(path, np.random.default_rng(0).normal(0, 0.01, (5, 300)))
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    captured = one_line_error(capsys, ["validate", str(path), "--json", str(blocker / "scores.json")], "cannot write")
    assert captured.out == ""  # refused before the scorecard was computed or printed
    one_line_error(capsys, ["validate", str(path), "--reference", str(tmp_path / "missing.npy")],
                   "reference file")


def test_a_damaged_yahoo_cache_entry_is_fetched_again_or_named_offline(monkeypatch, tmp_path):
    import yfinance

    from fingan.data.yahoo import cache_path
    from test_prices import recorded_download

    panel = load_prices("sp500-stocks", start="2019-06-01", end="2020-12-31")
    monkeypatch.setattr(yfinance, "download", recorded_download(panel))
    good = load_prices(["AAPL"], start="2020-01-01", end="2020-03-01", source="yahoo", cache_dir=tmp_path)
    entry = cache_path(tmp_path, "AAPL", "2020-01-01", "2020-03-01")
    entry.write_text(entry.read_text().replace(entry.read_text().splitlines()[3].split(",")[1], "oops", 1))
    again = load_prices(["AAPL"], start="2020-01-01", end="2020-03-01", source="yahoo", cache_dir=tmp_path)
    pd.testing.assert_frame_equal(again, good)  # fetched again, and the cache repaired
    entry.write_text("date,AAPL\n2020-01-02,not a price\n")
    monkeypatch.setattr(yfinance, "download", recorded_download(panel, offline=True))
    with pytest.raises(DataError, match="damaged and was ignored"):
        load_prices(["AAPL"], start="2020-01-01", end="2020-03-01", source="yahoo", cache_dir=tmp_path)


def test_a_second_run_into_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "run"
    with run_lock(out):  # this process holds the folder, as a running training would
        result = subprocess.run([sys.executable, "-m", "fingan.cli", "train", "toy", "--steps", "3", "--out",
                                 str(out), "--no-progress"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "in use by another fingan run" in result.stderr
    assert not (out / "checkpoint.pt").exists()
    with run_lock(out), run_lock(out):  # re-entrant within one process
        pass


def test_a_killed_runs_lock_does_not_block_resume(tmp_path):
    out = tmp_path / "run"
    code = ("import sys, time; from fingan.engine.checkpoint import run_lock\n"
            "with run_lock(sys.argv[1]):\n    print('locked', flush=True); time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ConfigError, match="in use"):
            with run_lock(out):
                pass
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
    deadline = time.monotonic() + 10
    while True:  # the OS releases the lock with the process
        try:
            with run_lock(out):
                break
        except ConfigError:
            assert time.monotonic() < deadline
            time.sleep(0.1)


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch pwned-marker",))


def test_unsafe_or_empty_files_get_a_short_reason(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    evil = tmp_path / "evil.pt"
    torch.save({"recipe": _Evil()}, evil)
    one_line_error(capsys, ["sample", str(evil), "--out", str(tmp_path / "x.csv")],
                   "not a fingan model file, or it contains pickled code; refusing to load it")
    assert not (tmp_path / "pwned-marker").exists()
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match=r"cannot read checkpoint .*empty\.pt: \S"):
        load_model(empty)


def test_kill_9_then_resume_gives_the_uninterrupted_weights(tmp_path):
    out = tmp_path / "run"
    options = dict(steps=1000, checkpoint_every=50, hidden=(16,), seed=0, device="cpu", objective="ns")
    code = ("import sys; from fingan.data import load_toy; from fingan.models import ToyGAN\n"
            f"ToyGAN(**{options!r}).fit(load_toy('ring8', seed=0), out_dir=sys.argv[1])\n")
    run = subprocess.Popen([sys.executable, "-c", code, str(out)])
    try:
        deadline = time.monotonic() + 240
        while not (out / "checkpoint.pt").exists():  # kill as soon as a checkpoint is on disk
            assert run.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    assert load_checkpoint(out / "checkpoint.pt")["step"] < 1000  # it really was interrupted
    resumed = ToyGAN(**options).fit(load_toy("ring8", seed=0), out_dir=out, resume=True)
    straight = ToyGAN(**options).fit(load_toy("ring8", seed=0))
    for name, value in straight.trainer_.generator.state_dict().items():
        torch.testing.assert_close(resumed.trainer_.generator.state_dict()[name], value, rtol=0, atol=0)


def test_prices_given_as_returns_get_a_one_line_warning(capsys, tmp_path):
    path = tmp_path / "prices.npy"
    np.save(path, 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, (20, 300)), axis=1)))
    main(["validate", str(path), "--reference", "sp500", "--no-baselines"])
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "looks like prices, not log returns" in warnings[0]
