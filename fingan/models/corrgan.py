"""CorrGAN: realistic financial correlation matrices (Marti 2020; conditional: Marti et al. 2021)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from torch import nn

from fingan.data.correlations import clip_to_correlation, nearest_correlation, rolling_correlations
from fingan.data.returns import as_return_frame
from fingan.engine.trainer import TrainerConfig
from fingan.errors import ConfigError, DataError, as_count
from fingan.models.base import Recipe, load_regime_state, regime_labels, regime_state
from fingan.nets.conv import ConvCritic, ConvGenerator, CorrelationGenerator

REGIMES = ("stressed", "normal", "rally")


@dataclass
class CorrGANConfig:
    """Options of :class:`CorrGAN`.

    Attributes
    ----------
    n_assets : int
        Size N of the matrices; each training matrix uses a random subset of N assets.
    window, step : int
        Rolling window (days) of each empirical matrix and the step between windows.
    n_matrices : int, optional
        Draw this many training windows at random (with their own asset subsets) instead
        of one per rolling window: useful when N is smaller than the panel.
    latent_dim, channels : int
        Noise dimension (100 in the paper) and width of the DCGAN-style nets.
    conditional : bool
        Condition on the market regime of each window (stressed / normal / rally).
    postprocess : {"higham", "clip"}
        Make samples valid by the nearest correlation matrix (Higham 2002) or by the
        faster eigenvalue clipping.
    nearest_tol : float
        Stopping tolerance of Higham's iteration.
    min_eigenvalue : float
        Floor of the eigenvalues of every sample (before rescaling to a unit diagonal);
        raise it (e.g. 1e-3) when samples are inverted, as minimum-variance weights do.
    order : {"clustered", "panel"}
        Row order of the training matrices, and so of the samples. ``"clustered"`` (the
        paper's): each matrix reordered by hierarchical clustering, so positions are
        abstract assets. ``"panel"``: the panel's own order, every matrix over the same
        tickers (``n_assets`` must then be the panel's width); ``assets_`` names them.
    trainer : TrainerConfig
        ``wgan-gp`` with one critic step per generator step and TTUR by default.
    """

    n_assets: int = 20
    window: int = 252
    step: int = 5
    n_matrices: int | None = None
    latent_dim: int = 100
    channels: int = 64
    conditional: bool = False
    postprocess: Literal["higham", "clip"] = "higham"
    nearest_tol: float = 1e-8
    min_eigenvalue: float = 1e-8
    order: Literal["clustered", "panel"] = "clustered"
    trainer: TrainerConfig = field(
        default_factory=lambda: TrainerConfig(
            objective="wgan-gp", steps=2000, batch_size=64, n_critic=1, lr_g=1e-4, lr_d=4e-4, log_every=50
        )
    )


def market_regimes(market: pd.Series, starts: np.ndarray, window: int, edges: np.ndarray | None = None):
    """Label windows stressed (0) / normal (1) / rally (2) by the market's risk-adjusted return.

    The score of a window is its total log return divided by its volatility over the
    window (sum / (sd * sqrt(window))); the terciles of the scores (or the given
    ``edges``) separate the regimes. Returns ``(labels, edges)``.
    """
    m = np.asarray(market, dtype=float)
    rows = starts[:, None] + np.arange(window)[None, :]
    windows = m[rows]
    score = windows.sum(axis=1) / (windows.std(axis=1, ddof=1) * np.sqrt(window))
    edges = np.quantile(score, [1 / 3, 2 / 3]) if edges is None else edges
    return np.searchsorted(edges, score), edges


class CorrGAN(Recipe):
    """A GAN for N x N correlation matrices (Marti 2020), on the fingan engine.

    Empirical correlation matrices of rolling windows of a stock panel, with random asset
    subsets and rows ordered by hierarchical clustering, train a DCGAN-style generator
    against a convolutional critic (WGAN-GP by default). Generated matrices are symmetric
    with unit diagonal by construction and are made positive semi-definite by the nearest
    correlation matrix, so every sample is a valid correlation matrix.

    Examples
    --------
    >>> from fingan.data import load_prices, log_returns
    >>> r = log_returns(load_prices("sp500-stocks"))
    >>> gan = CorrGAN(n_assets=20, steps=1000).fit(r)
    >>> mats = gan.sample(1000, seed=0)          # (1000, 20, 20) numpy array
    """

    config_class = CorrGANConfig

    def __init__(self, config: CorrGANConfig | None = None, **options: Any) -> None:
        super().__init__(config, **options)
        cfg = self.config
        if cfg.n_assets < 2 or cfg.window < 2 or cfg.step < 1:
            raise ConfigError("n_assets and window must be >= 2 and step >= 1")
        if not 0 < cfg.min_eigenvalue < 1:
            raise ConfigError(f"min_eigenvalue must be in (0, 1), got {cfg.min_eigenvalue}")
        if cfg.postprocess not in ("higham", "clip"):
            raise ConfigError(f"postprocess must be 'higham' or 'clip', not {cfg.postprocess!r}")
        if cfg.order not in ("clustered", "panel"):
            raise ConfigError(f"order must be 'clustered' or 'panel', not {cfg.order!r}")
        self.assets_: list[str] | None = None
        self.regime_edges_: np.ndarray | None = None
        self.regime_shares_: np.ndarray | None = None
        self.n_train_: int | None = None

    regime_names = REGIMES

    @property
    def data_shape_(self) -> tuple[int, ...]:
        return (1, self.config.n_assets, self.config.n_assets)

    def build(self, data_shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module | None, tuple[int, ...]]:
        cfg = self.config
        n_assets = data_shape[-1]
        n_classes = len(REGIMES) if cfg.conditional else 0
        generator = CorrelationGenerator(ConvGenerator(cfg.latent_dim, n_assets, cfg.channels, n_classes))
        critic = ConvCritic(n_assets, cfg.channels, n_classes)
        return generator, critic, (cfg.latent_dim,)

    def training_matrices(self, returns: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """The empirical matrices (n, N, N) the model trains on, and their window starts."""
        cfg = self.config
        return rolling_correlations(returns, cfg.window, cfg.step, cfg.n_assets, n_samples=cfg.n_matrices,
                                    seed=cfg.trainer.seed, order=cfg.order == "clustered", return_starts=True)

    def fit(
        self,
        returns: pd.DataFrame,
        market: pd.Series | None = None,
        out_dir: str | os.PathLike | None = None,
        resume: bool = False,
    ) -> CorrGAN:
        """Train on a return panel (one column per asset); returns self.

        ``market`` (conditional models): the market's log returns on the same dates, e.g.
        ``log_returns(load_index())``; without it the panel's equal-weight return is used.
        """
        cfg = self.config
        frame = as_return_frame(returns)
        if cfg.order == "panel" and frame.shape[1] != cfg.n_assets:
            raise ConfigError(f"order='panel' keeps the same tickers in every matrix: n_assets ({cfg.n_assets}) must "
                              f"be the panel's {frame.shape[1]} assets (choose them with tickers=...)")
        self.assets_ = [str(c) for c in frame.columns] if cfg.order == "panel" else None
        corr, starts = self.training_matrices(frame)
        labels = None
        if cfg.conditional:
            if market is None:
                market = frame.mean(axis=1)
            market = as_return_frame(market).iloc[:, 0].reindex(frame.index)
            if market.isna().any():
                raise DataError("market returns must cover every date of the panel")
            labels_np, self.regime_edges_ = market_regimes(market, starts, cfg.window)
            self.regime_shares_ = np.bincount(labels_np, minlength=len(REGIMES)) / len(labels_np)
            labels = torch.from_numpy(labels_np)
        self.n_train_ = len(corr)
        data = torch.from_numpy(corr).float()[:, None]
        self._train(data, labels, out_dir=out_dir, resume=resume)
        return self

    def raw_sample(self, n: int, seed: int | None = None, regime: int | str | None = None) -> torch.Tensor:
        """Generator outputs (n, N, N) before post-processing: symmetric, unit diagonal, maybe not PSD."""
        n = as_count(n, "n")
        trainer = self._require_fitted()
        labels = None
        if self.config.conditional:
            labels = regime_labels(regime, REGIMES, self.regime_shares_, n, seed)
        elif regime is not None:
            raise ConfigError("regime= needs a conditional CorrGAN (conditional=True)")
        return trainer.sample(n, labels, seed=seed)[:, 0].double()

    def sample(self, n: int, seed: int | None = None, regime: int | str | None = None) -> np.ndarray:
        """Draw ``n`` valid correlation matrices, shape (n, N, N).

        ``regime`` (conditional models): ``"stressed"``, ``"normal"`` or ``"rally"``.
        """
        raw = self.raw_sample(n, seed, regime)
        cfg = self.config
        if cfg.postprocess == "clip":
            return clip_to_correlation(raw, eps=cfg.min_eigenvalue).numpy()
        return nearest_correlation(raw, tol=cfg.nearest_tol, eps=cfg.min_eigenvalue).numpy()

    def summary(self, data: str, returns: pd.DataFrame) -> dict[str, Any]:
        """What a training run's ``summary.json`` records: data, assets, matrix order and size, windows."""
        self._require_fitted()
        cfg = self.config
        return {"data": data, "assets": [str(c) for c in returns.columns], "order": cfg.order,
                "matrix_assets": self.assets_, "n_assets": cfg.n_assets, "window": cfg.window,
                "training_matrices": self.n_train_, "steps": cfg.trainer.steps}

    def extra_state(self) -> dict[str, Any]:
        return {
            **regime_state(self),
            "n_train": self.n_train_,
            "assets": self.assets_,
        }

    def load_extra_state(self, state: dict[str, Any]) -> None:
        load_regime_state(self, state)
        self.n_train_ = state["n_train"]
        self.assets_ = state.get("assets")  # files written before the order option have none
