"""Recipes follow scikit-learn's estimator conventions: signature, get/set_params, clone, repr."""

import inspect

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
