"""Auxiliary classification tasks on the critic: AC-GAN and InfoGAN.

A critic with an auxiliary head returns ``(score, logits)``. The task says which labels
condition the generator's fake samples and which cross-entropy terms join the critic's
and the generator's losses; the critic itself is not given labels.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from fingan.errors import ConfigError
from fingan.registry import Registry

AUXILIARY = Registry("auxiliary task")


class AuxiliaryTask:
    """Base class: labels of the fake samples and the auxiliary losses."""

    def __init__(self, n_classes: int) -> None:
        if n_classes < 2:
            raise ConfigError(f"an auxiliary task needs at least 2 classes, got {n_classes}")
        self.n_classes = n_classes

    def fake_labels(self, real_labels: torch.Tensor | None, n: int, generator: torch.Generator) -> torch.Tensor:
        raise NotImplementedError

    def critic_loss(self, logits_real, labels_real, logits_fake, labels_fake) -> torch.Tensor:
        raise NotImplementedError

    def generator_loss(self, logits_fake: torch.Tensor, labels_fake: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits_fake.float(), labels_fake)


@AUXILIARY.register("acgan")
class ACGAN(AuxiliaryTask):
    """AC-GAN (Odena, Olah, Shlens 2017): the critic also classifies real and fake images.

    Fake samples are generated for the labels of the real batch; both networks minimise
    the class cross-entropy on fakes, the critic also on reals.
    """

    def fake_labels(self, real_labels, n, generator):
        if real_labels is None:
            raise ConfigError("AC-GAN trains on labelled data: pass labels to fit")
        return real_labels

    def critic_loss(self, logits_real, labels_real, logits_fake, labels_fake):
        return F.cross_entropy(logits_real.float(), labels_real) + F.cross_entropy(logits_fake.float(), labels_fake)


@AUXILIARY.register("infogan")
class InfoGAN(AuxiliaryTask):
    r"""InfoGAN (Chen et al. 2016): a categorical code c ~ Uniform{0..K-1} conditions the generator.

    The auxiliary head Q(c | x) shares the critic's features; critic and generator both
    minimise :math:`-E[\log Q(c | G(z, c))]`, which maximises the variational lower bound
    :math:`L_I = H(c) + E[\log Q(c | G(z, c))]` on the mutual information I(c; G(z, c)).
    Real labels are never used.
    """

    def fake_labels(self, real_labels, n, generator):
        return torch.randint(self.n_classes, (n,), generator=generator, device=generator.device)

    def critic_loss(self, logits_real, labels_real, logits_fake, labels_fake):
        return F.cross_entropy(logits_fake.float(), labels_fake)


def make_auxiliary(name: str, n_classes: int) -> AuxiliaryTask:
    """The registered auxiliary task ``name`` for ``n_classes`` classes or codes."""
    return AUXILIARY.get(name)(n_classes)
