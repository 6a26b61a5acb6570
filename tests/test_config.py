"""Configs round-trip through dicts, JSON and TOML."""

import pytest

from fingan.config import from_dict, load_config, save_config, to_dict
from fingan.engine import TrainerConfig
from fingan.errors import ConfigError
from fingan.models import ToyGANConfig


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_config_round_trips_through_files(tmp_path, suffix):
    cfg = ToyGANConfig(
        hidden=(64, 32),
        pack=4,
        trainer=TrainerConfig(objective="wgan-gp", betas=(0.0, 0.9), steps=123, ema_decay=0.99,
                              objective_params={"alternative": True}),
    )
    path = save_config(cfg, tmp_path / f"toy{suffix}")
    assert load_config(ToyGANConfig, path) == cfg


def test_dict_round_trip_keeps_tuples():
    cfg = ToyGANConfig(critic_hidden=(7,))
    back = from_dict(ToyGANConfig, to_dict(cfg))
    assert back == cfg and isinstance(back.critic_hidden, tuple)


def test_unknown_keys_are_rejected_with_the_known_ones(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('latent_dims = 3\n')
    with pytest.raises(ConfigError, match="latent_dims.*latent_dim"):
        load_config(ToyGANConfig, path)


def test_malformed_files_are_config_errors(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("steps = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(ToyGANConfig, path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(ToyGANConfig, tmp_path / "missing.json")


def test_string_options_accept_only_their_listed_values():
    from fingan.models import QuantGANConfig

    assert from_dict(QuantGANConfig, {"generator": "tcn"}).generator == "tcn"
    with pytest.raises(ConfigError, match="one of 'svnn', 'tcn'"):
        from_dict(QuantGANConfig, {"generator": "lstm"})
    with pytest.raises(ConfigError, match="'adam'"):
        from_dict(TrainerConfig, {"optimizer": "adamw"})
    assert from_dict(TrainerConfig, {"progress": "lines", "amp": "auto"}).progress == "lines"
