"""Image GANs: data, metrics, and the DCGAN / conditional / AC-GAN / InfoGAN variants on the engine."""

import gzip

import numpy as np
import pytest
import torch

from fingan.data.images import load_images, read_idx
from fingan.errors import ConfigError, DataError
from fingan.models import ImageGAN, load_model
from fingan.validation.images import class_accuracy, feature_classifier, features, frechet_distance, image_metrics, prdc

FAST = {"channels": 16, "batch_size": 64, "device": "cpu", "log_every": 50}


@pytest.fixture(scope="module")
def digits():
    return load_images("digits", size=16)


@pytest.fixture(scope="module")
def classifier(digits, tmp_path_factory):
    import os

    os.environ["FINGAN_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    try:
        return feature_classifier("digits", *digits)
    finally:
        del os.environ["FINGAN_CACHE"]


# ------------------------------------------------------------------ data


def test_digits_are_scaled_and_resized(digits):
    x, y = digits
    assert x.shape == (1797, 1, 16, 16) and y.shape == (1797,)
    assert x.min() >= -1 and x.max() <= 1 and set(y.tolist()) == set(range(10))
    assert load_images("digits", size=32)[0].shape == (1797, 1, 32, 32)


def test_idx_files_are_read_and_missing_ones_explained(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    header = bytes([0, 0, 8, 3]) + np.array([5, 28, 28], dtype=">u4").tobytes()
    with gzip.open(tmp_path / "train-images-idx3-ubyte.gz", "wb") as fh:
        fh.write(header + images.tobytes())
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(bytes([0, 0, 8, 1]) + np.array([5], ">u4").tobytes()
                                                       + bytes([3, 1, 4, 1, 5]))
    np.testing.assert_array_equal(read_idx(tmp_path / "train-images-idx3-ubyte.gz"), images)
    x, y = load_images("mnist", root=tmp_path, size=16)
    assert x.shape == (5, 1, 16, 16) and y.tolist() == [3, 1, 4, 1, 5]
    with pytest.raises(DataError, match="digits"):
        load_images("fashion-mnist", root=tmp_path / "empty")


def test_torchvision_is_used_when_installed_and_the_files_are_elsewhere(tmp_path, monkeypatch):
    """A stand-in for torchvision.datasets with the real classes' signature and attributes."""
    import sys
    import types

    calls = []

    class MNIST:
        def __init__(self, root, train=True, download=False):
            calls.append((root, train, download))
            if not download:
                raise RuntimeError("Dataset not found. You can use download=True to download it")
            self.data = torch.randint(0, 256, (6, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
            self.targets = torch.tensor([5, 0, 4, 1, 9, 2])

    datasets = types.SimpleNamespace(MNIST=MNIST, FashionMNIST=MNIST)
    monkeypatch.setitem(sys.modules, "torchvision", types.SimpleNamespace(datasets=datasets))
    monkeypatch.setitem(sys.modules, "torchvision.datasets", datasets)
    with pytest.raises(DataError, match="download=True"):
        load_images("mnist", root=tmp_path)
    x, y = load_images("mnist", root=tmp_path, size=16, split="test", download=True)
    assert x.shape == (6, 1, 16, 16) and y.tolist() == [5, 0, 4, 1, 9, 2] and -1 <= x.min() < x.max() <= 1
    assert calls[-1] == (str(tmp_path), False, True)


# ------------------------------------------------------------------ metrics


def test_classifier_features_and_the_metrics_behave(digits, classifier):
    x, y = digits
    assert class_accuracy(classifier, x, y) > 0.95
    f = features(classifier, x)
    assert frechet_distance(f, f) == pytest.approx(0.0, abs=1e-6)
    assert frechet_distance(f[:900], f[900:]) < frechet_distance(f[y == 0], f[y == 1])
    same = prdc(f[:900], f[900:1800])
    collapsed = prdc(f[:900], np.repeat(f[900:901], 900, axis=0))
    assert same["recall"] > 0.7 and collapsed["recall"] < 0.05 and collapsed["coverage"] < 0.05


# ------------------------------------------------------------------ models


def test_dcgan_training_shrinks_the_frechet_distance(digits, classifier):
    x, _ = digits
    untrained = ImageGAN(steps=0, **FAST).fit(x)
    trained = ImageGAN(steps=300, **FAST).fit(x)
    before = image_metrics(classifier, x, untrained.sample(500, seed=0))["frechet distance"]
    after = image_metrics(classifier, x, trained.sample(500, seed=0))["frechet distance"]
    assert after < 0.5 * before
    samples = trained.sample(8, seed=1)
    assert samples.shape == (8, 1, 16, 16) and samples.min() >= -1 and samples.max() <= 1


def test_conditional_sn_gan_draws_the_requested_digits(digits, classifier, tmp_path):
    x, y = digits
    gan = ImageGAN(variant="conditional", objective="hinge", spectral_norm=True, steps=800, **FAST).fit(x, y)
    requested = torch.arange(500) % 10
    assert class_accuracy(classifier, gan.sample(500, seed=0, labels=requested), requested) > 0.5  # chance: 0.1
    path = gan.save_grid(tmp_path / "grid.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    loaded = load_model(gan.save(tmp_path / "g.pt"), device="cpu")
    np.testing.assert_allclose(loaded.sample(10, seed=3), gan.sample(10, seed=3), atol=1e-6)


def test_infogan_code_is_recovered_by_its_auxiliary_head(digits):
    x, _ = digits
    gan = ImageGAN(variant="infogan", objective="hinge", spectral_norm=True, steps=300, **FAST).fit(x)
    codes = torch.arange(400) % 10
    images = torch.as_tensor(gan.sample(400, seed=0, labels=codes))
    with torch.no_grad():
        predicted = gan.trainer_.critic(images)[1].argmax(dim=1)
    assert (predicted == codes).float().mean() > 0.9  # the code survives into the images: high I(c; G(z, c))


def test_image_gan_rejects_bad_input(digits):
    x, y = digits
    with pytest.raises(ConfigError, match="variant"):
        ImageGAN(variant="stylegan")
    with pytest.raises(DataError, match="needs labels"):
        ImageGAN(variant="acgan", **FAST).fit(x)
    with pytest.raises(DataError, match="power of 2"):
        ImageGAN(**FAST).fit(torch.zeros(4, 1, 12, 12))
    with pytest.raises(DataError, match=r"\[-1, 1\]"):
        ImageGAN(**FAST).fit(x * 3)
    with pytest.raises(ConfigError, match="needs an adversarial critic"):
        ImageGAN(variant="infogan", objective="mmd", steps=1, **FAST).fit(x)


def test_vae_baseline_learns_and_samples_in_range(digits, classifier):
    from fingan.baselines import VAE

    x, _ = digits
    vae = VAE(steps=400, channels=16, device="cpu").fit(x)
    assert vae.history_[-1] < 0.8 * vae.history_[0]  # the negative ELBO falls
    untrained = VAE(steps=0, channels=16, device="cpu").fit(x)
    fd = {name: image_metrics(classifier, x, m.sample(500, seed=0))["frechet distance"]
          for name, m in (("trained", vae), ("untrained", untrained))}
    assert fd["trained"] < 0.5 * fd["untrained"]
    samples = vae.sample(10, seed=0)
    assert samples.shape == (10, 1, 16, 16) and samples.min() >= -1 and samples.max() <= 1
    np.testing.assert_array_equal(samples, vae.sample(10, seed=0))


# ------------------------------------------------------------------ progressive growing


def test_progressive_gan_grows_to_full_size_and_learns(digits, classifier, tmp_path):
    x, _ = digits
    # hinge learns faster than the paper's WGAN-GP on this budget (benchmarks/images.py runs the latter)
    options = dict(arch="progressive", objective="hinge", lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.99), drift=1e-3, **FAST)
    untrained = ImageGAN(steps=0, **options).fit(x)
    gan = ImageGAN(steps=300, **options).fit(x)
    assert gan.trainer_.growth == (2, 1.0) and gan.trainer_.config.growth_steps == 60
    assert gan.config.trainer.growth_steps == 0  # the user's config is left as given
    fd = {name: image_metrics(classifier, x, m.sample(500, seed=0))["frechet distance"]
          for name, m in (("trained", gan), ("untrained", untrained))}
    assert fd["trained"] < 0.5 * fd["untrained"], fd
    loaded = load_model(gan.save(tmp_path / "p.pt"), device="cpu")
    np.testing.assert_allclose(loaded.sample(6, seed=2), gan.sample(6, seed=2), atol=1e-6)


def test_vgrow_fits_the_generator_to_particles_moved_toward_the_data(digits, classifier):
    x, _ = digits
    untrained = ImageGAN(steps=0, objective="vgrow", **FAST).fit(x)
    fd = {"untrained": image_metrics(classifier, x, untrained.sample(500, seed=0))["frechet distance"]}
    for divergence in ("kl", "js", "logd"):
        gan = ImageGAN(steps=250, objective="vgrow", objective_params={"divergence": divergence}, **FAST).fit(x)
        fd[divergence] = image_metrics(classifier, x, gan.sample(500, seed=0))["frechet distance"]
        assert fd[divergence] < 0.5 * fd["untrained"], fd
