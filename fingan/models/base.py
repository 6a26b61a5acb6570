"""What every recipe shares: options, training through the engine, save / load."""

from __future__ import annotations

import dataclasses
import inspect
import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from fingan import config as config_io
from fingan.engine.checkpoint import load_checkpoint, save_checkpoint
from fingan.engine.terms import Term
from fingan.engine.trainer import Trainer, TrainerConfig
from fingan.errors import CheckpointError, ConfigError

FORMAT_VERSION = 1


class Recipe:
    """Base class of the user-facing models (ToyGAN, ...).

    A recipe's config is a dataclass with a ``trainer`` field (:class:`TrainerConfig`).
    Keyword options given to the constructor go to whichever of the two has that field,
    so ``ToyGAN(objective="wgan-gp", hidden=(64, 64), steps=500)`` works.

    Subclasses implement :meth:`build` (the nets) and the public ``fit`` / ``sample``;
    :meth:`extra_state` / :meth:`load_extra_state` carry fitted transforms through
    :meth:`save` and :meth:`load`.
    """

    config_class: ClassVar[type]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give each recipe the signature of its options, so inspect, help() and scikit-learn see them."""
        super().__init_subclass__(**kwargs)
        if "config_class" in cls.__dict__:
            params = [inspect.Parameter("config", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)]
            params += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=value)
                       for name, value in cls._defaults().items()]
            cls.__signature__ = inspect.Signature(params)

    @classmethod
    def _defaults(cls) -> dict[str, Any]:
        """Every option by name with its default: the recipe's config fields, then the trainer's."""
        cfg = cls.config_class()
        out = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg) if f.name != "trainer"}
        out.update({f.name: getattr(cfg.trainer, f.name) for f in dataclasses.fields(TrainerConfig) if f.name not in out})
        return out

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Every option by name (recipe and training), as scikit-learn's ``get_params``."""
        model_fields = {f.name for f in dataclasses.fields(self.config)}
        return {name: getattr(self.config if name in model_fields else self.config.trainer, name)
                for name in self._defaults()}

    def set_params(self, **params: Any) -> Recipe:
        """Set options by name, checked as the constructor checks them; returns the model."""
        self.config = type(self)(self.config, **params).config
        return self

    def __repr__(self) -> str:
        defaults = self._defaults()
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if k in defaults and not _same(v, defaults[k])]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __init__(self, config: Any | None = None, **options: Any) -> None:
        cfg = dataclasses.replace(config) if config is not None else self.config_class()
        cfg.trainer = dataclasses.replace(cfg.trainer)
        model_fields = {f.name for f in dataclasses.fields(cfg)} - {"trainer"}
        trainer_fields = {f.name for f in dataclasses.fields(TrainerConfig)}
        for key, value in options.items():
            if key in model_fields:
                setattr(cfg, key, value)
            elif key in trainer_fields:
                setattr(cfg.trainer, key, value)
            else:
                known = ", ".join(sorted(model_fields | trainer_fields))
                raise ConfigError(f"{type(self).__name__} has no option {key!r}; options: {known}")
        cfg.trainer.resolved()  # validate early: bad values fail here, not mid-training
        self.config = cfg
        self.trainer_: Trainer | None = None

    # -- to implement -------------------------------------------------------
    def build(self, data_shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module | None, tuple[int, ...]]:
        """Return (generator, critic, latent_shape) for training samples of shape ``data_shape``."""
        raise NotImplementedError

    @property
    def data_shape_(self) -> tuple[int, ...]:
        """The shape of one training sample, from the fitted state (what :meth:`build` is given)."""
        raise NotImplementedError

    def trainer_config(self) -> TrainerConfig:
        """The training options this fit runs with: a copy of ``config.trainer`` with what the data decides.

        ``fit`` never changes the user's config (scikit-learn's rule); recipes whose data
        fixes a training option (a batch size rounded to the packing, the number of
        classes of an auxiliary task) override this instead.
        """
        return dataclasses.replace(self.config.trainer)

    def extra_terms(self) -> list[Term]:
        """Training terms the recipe adds to those its trainer options ask for (none by default)."""
        return []

    def extra_state(self) -> dict[str, Any]:
        """Fitted state besides the nets (tensors, numbers, strings) kept by :meth:`save`."""
        return {}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`extra_state` returned."""

    @classmethod
    def upgrade_config(cls, data: dict[str, Any]) -> dict[str, Any]:
        """A saved config as a dict, with options added since it was written set to their old meaning."""
        return data

    # -- shared -------------------------------------------------------------
    def _make_trainer(self, out_dir: str | os.PathLike | None = None, callbacks=()) -> Trainer:
        torch.manual_seed(self.config.trainer.seed)
        generator, critic, latent_shape = self.build(self.data_shape_)
        return Trainer(generator, critic, latent_shape, self.trainer_config(), out_dir=out_dir, callbacks=callbacks,
                       terms=self.extra_terms())

    def _train(
        self,
        data: torch.Tensor,
        labels: torch.Tensor | None = None,
        out_dir: str | os.PathLike | None = None,
        resume: bool = False,
        callbacks=(),
        sample_weight: Any = None,
    ) -> None:
        self.trainer_ = self._make_trainer(out_dir, callbacks)
        self.trainer_.fit(data, labels, resume=resume, sample_weight=sample_weight)

    def _require_fitted(self) -> Trainer:
        if self.trainer_ is None:
            raise ConfigError(f"this {type(self).__name__} is not fitted yet: call fit(...) or load(...) first")
        return self.trainer_

    @property
    def history_(self) -> list[dict[str, Any]]:
        """Logged losses of the training run."""
        return self._require_fitted().history

    def save(self, path: str | os.PathLike) -> Path:
        """Write config, weights (with optimiser state) and fitted transforms to one file, atomically."""
        trainer = self._require_fitted()
        state = {
            "format": FORMAT_VERSION,
            "recipe": type(self).__name__,
            "config": config_io.to_dict(self.config),
            "trainer": trainer.state_dict(),
            "extra": self.extra_state(),
        }
        return save_checkpoint(state, path)

    @classmethod
    def load(cls, path: str | os.PathLike, device: str = "auto", state: dict[str, Any] | None = None) -> Recipe:
        """Load a model written by :meth:`save`; no code is unpickled.

        Every way a file can fail to be such a model (not a model file, another recipe's,
        damaged, weights that do not fit its config) is one :class:`CheckpointError`.
        ``state`` is the file's contents when already read by :func:`read_model_file`.
        """
        state = read_model_file(path) if state is None else state
        if state["recipe"] != cls.__name__:
            raise CheckpointError(f"{path} holds a {state['recipe']!r} model, not a {cls.__name__}")
        cfg = config_io.from_dict(cls.config_class, cls.upgrade_config(dict(state["config"])))
        cfg.trainer.device = device
        model = cls(cfg)
        try:
            model.load_extra_state(state["extra"])
            model.trainer_ = model._make_trainer()
            model.trainer_.load_state_dict(state["trainer"])
        except (RuntimeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CheckpointError(f"{path}: the saved weights and fitted state do not fit its config ({first})") from None
        return model


def unchanged(value: Any, normalised: tuple) -> Any:
    """``value`` itself when it already is ``normalised`` (same tuple, same element types), else ``normalised``.

    Recipes normalise tuple options; keeping the very object a caller passed lets
    scikit-learn's ``clone`` check that the constructor stored its parameters as given.
    """
    same = isinstance(value, tuple) and len(value) == len(normalised) and all(
        type(a) is type(b) and a == b for a, b in zip(value, normalised))
    return value if same else normalised


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays and the like: shown as changed
        return False


MODEL_KEYS = ("recipe", "config", "trainer", "extra")


def read_model_file(path: str | os.PathLike) -> dict[str, Any]:
    """The contents of a model file written by :meth:`Recipe.save`, after checking its structure."""
    state = load_checkpoint(path)
    missing = [key for key in MODEL_KEYS if key not in state]
    if missing:
        hint = " (it is a training checkpoint: load the model.pt written next to it)" if "opt_g" in state else ""
        raise CheckpointError(f"{path} is not a fingan model file: it has no {', '.join(missing)}{hint}")
    if not isinstance(state["recipe"], str) or not all(isinstance(state[k], dict) for k in MODEL_KEYS[1:]):
        raise CheckpointError(f"{path} is not a fingan model file: its recipe, config, trainer or extra entry "
                              "has the wrong type")
    return state


def describe_model_file(path: str | os.PathLike) -> str:
    """One line on a saved model: its recipe, training steps and last date of data it saw."""
    path = Path(path)
    state = read_model_file(path / "model.pt" if path.is_dir() else path)
    last = state["extra"].get("last_date")
    step = state["trainer"].get("step")
    return f"{path} ({state['recipe']}, {step} steps" + (f", data up to {str(last)[:10]})" if last else ")")


def regime_state(model: Any) -> dict[str, Any]:
    """A conditional model's fitted regimes (``regime_edges_``, ``regime_shares_``) as saveable lists."""
    return {name: None if getattr(model, f"{name}_") is None else getattr(model, f"{name}_").tolist()
            for name in ("regime_edges", "regime_shares")}


def load_regime_state(model: Any, state: dict[str, Any]) -> None:
    """Restore what :func:`regime_state` saved onto ``model``."""
    for name in ("regime_edges", "regime_shares"):
        setattr(model, f"{name}_", None if state[name] is None else np.asarray(state[name]))


def regime_labels(
    regime: int | str | None, names: tuple[str, ...], shares: np.ndarray, n: int, seed: int | None
) -> torch.Tensor:
    """Integer labels for ``n`` conditional samples.

    ``regime`` (a name from ``names`` or its index) gives every sample that label;
    ``None`` draws the labels with the training ``shares`` (seeded).
    """
    if regime is None:
        return torch.from_numpy(np.random.default_rng(seed).choice(len(names), size=n, p=shares))
    if isinstance(regime, str):
        if regime not in names:
            raise ConfigError(f"unknown regime {regime!r}; choose one of {', '.join(names)}")
        index = names.index(regime)
    else:
        index = int(regime)
        if not 0 <= index < len(names):
            raise ConfigError(f"regime must be between 0 and {len(names) - 1}, got {regime}")
    return torch.full((n,), index, dtype=torch.long)
