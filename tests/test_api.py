"""Recipes follow scikit-learn's estimator conventions: signature, get/set_params, clone, repr."""

import inspect

import numpy as np
import torch

import pytest
from sklearn.base import clone

from fingan.errors import ConfigError
from fingan.models import RECIPES, QuantGAN


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_option_is_in_the_signature_and_survives_clone(name):
    cls = RECIPES[name]
    signature = inspect.signature(cls)
    assert "steps" in signature.parameters and "seed" in signature.parameters and "config" in signature.parameters
    assert signature.parameters["steps"].default == cls().get_params()["steps"]
    model = cls(steps=7, seed=3)
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    assert repr(model) == f"{name}(steps=7, seed=3)" and repr(cls()) == f"{name}()"


def test_set_params_checks_values_like_the_constructor():
    gan = QuantGAN(dilations=[1, 2, 4], window=64)
    assert gan.get_params()["dilations"] == (1, 2, 4)
    assert gan.set_params(hidden=16, steps=5) is gan and gan.config.hidden == 16 and gan.config.trainer.steps == 5
    with pytest.raises(ConfigError, match="no option 'hiden'"):
        gan.set_params(hiden=16)
    with pytest.raises(ConfigError, match="window"):
        gan.set_params(window=2)  # shorter than the critic's receptive field
    assert gan.config.window == 64  # a refused change leaves the model as it was


def test_fitted_attributes_end_with_an_underscore():
    gan = QuantGAN()
    public = [k for k in vars(gan) if not k.startswith("_") and k != "config"]
    assert public and all(k.endswith("_") for k in public), public


def test_fit_leaves_the_users_config_alone_and_save_stores_it(tmp_path):
    """scikit-learn's rule: fit computes its effective training options; the config stays as written."""
    import dataclasses

    from fingan.models import ImageGAN, ToyGAN, load_model

    toy = ToyGAN(pack=4, batch_size=30, steps=3, device="cpu")
    before = dataclasses.asdict(toy.config)
    toy.fit(np.random.default_rng(0).normal(size=(200, 2)))
    assert dataclasses.asdict(toy.config) == before and toy.trainer_.config.batch_size == 32  # rounded to the packing
    toy.fit(np.random.default_rng(1).normal(size=(200, 3)))  # a second fit starts from the same config
    assert dataclasses.asdict(toy.config) == before and toy.sample(5).shape == (5, 3)
    toy.save(tmp_path / "toy.pt")
    assert load_model(tmp_path / "toy.pt").config.trainer.batch_size == 30

    images = np.random.default_rng(0).uniform(-1, 1, size=(40, 1, 8, 8))
    labels = np.arange(40) % 4
    gan = ImageGAN(variant="acgan", channels=8, steps=2, batch_size=8, device="cpu")
    before = dataclasses.asdict(gan.config)
    gan.fit(images, labels)
    assert dataclasses.asdict(gan.config) == before and gan.config.trainer.auxiliary is None
    assert (gan.trainer_.config.auxiliary, gan.trainer_.config.aux_classes) == ("acgan", 4)
    gan.save(tmp_path / "image.pt")
    again = load_model(tmp_path / "image.pt")
    assert again.trainer_.config.aux_classes == 4 and again.sample(4, seed=0).shape == (4, 1, 8, 8)


def test_build_takes_the_data_shape():
    from fingan.models import CorrGAN, QuantGAN, ToyGAN

    generator, critic, latent = ToyGAN().build((3,))
    assert generator(torch.randn(2, *latent)).shape == (2, 3)
    generator, critic, latent = QuantGAN(hidden=8, dilations=(1, 2), window=16).build((16, 2))
    assert generator(torch.randn(1, *latent)).shape == (1, 16, 2)
    generator, critic, latent = CorrGAN(n_assets=6, channels=8).build((1, 6, 6))
    assert generator(torch.randn(2, *latent)).shape == (2, 1, 6, 6)
