"""GARCH-family baselines fitted and simulated with ``arch`` (Sheppard)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from arch import arch_model

from fingan.errors import ConfigError, DataError
from fingan.data.returns import as_return_frame
from fingan.models.paths import PathModel, check_forecast_sizes, origin_positions

DISTRIBUTIONS = {"normal": "normal", "t": "t", "skewt": "skewt"}


class GARCH(PathModel):
    r"""GARCH(1,1) or GJR-GARCH(1,1) with a constant mean, one model per asset.

    :math:`r_t = \mu + \sigma_t \epsilon_t`,
    :math:`\sigma_t^2 = \omega + (\alpha + \gamma 1_{r_{t-1} < \mu}) (r_{t-1} - \mu)^2 + \beta \sigma_{t-1}^2`
    with :math:`\gamma = 0` unless ``gjr`` (Glosten, Jagannathan, Runkle 1993) and
    :math:`\epsilon_t` standard normal or standardised Student-t. Fitted by maximum
    likelihood with :func:`arch.arch_model` on returns scaled by 100 (arch's advice for
    daily returns); paths are simulated by arch from the fitted parameters, starting at
    the conditional variance of the last training day. Several assets get independent
    univariate models (their innovations are uncorrelated).

    Parameters
    ----------
    dist : {"normal", "t", "skewt"}
    gjr : bool
        Add the leverage term gamma (GJR-GARCH).
    """

    forecast_method = "simulation"

    def __init__(self, dist: str = "normal", gjr: bool = False) -> None:
        if dist not in DISTRIBUTIONS:
            raise ConfigError(f"dist must be one of {', '.join(DISTRIBUTIONS)}, not {dist!r}")
        self.dist = dist
        self.gjr = bool(gjr)
        self.results_: list[Any] = []

    @property
    def name(self) -> str:
        dist = {"normal": "normal", "t": "Student-t", "skewt": "skewed t"}[self.dist]
        return f"{'GJR-' if self.gjr else ''}GARCH(1,1) {dist}"

    def fit(self, returns: pd.DataFrame | pd.Series) -> GARCH:
        """Fit one model per column of log returns; returns self."""
        frame = as_return_frame(returns)
        if len(frame) < 100:
            raise DataError(f"need at least 100 returns to fit a GARCH model, got {len(frame)}")
        self.results_ = []
        for column in frame.columns:
            self.results_.append(self._model(frame[column]).fit(disp="off", show_warning=False))
        self.columns_ = [str(c) for c in frame.columns]
        self.last_date_ = frame.index[-1]
        return self

    @property
    def params_(self) -> pd.DataFrame:
        """Fitted parameters, one column per asset (mean and omega in percent units)."""
        self._check_fitted()
        return pd.DataFrame({c: r.params for c, r in zip(self.columns_, self.results_)})

    def _model(self, series: pd.Series) -> Any:
        return arch_model(100 * series, mean="Constant", vol="GARCH", p=1, o=int(self.gjr), q=1,
                          dist=DISTRIBUTIONS[self.dist])

    def forecast_paths(
        self, returns: pd.DataFrame | pd.Series, origins: Any = None, n_paths: int = 1000, horizon: int = 10,
        seed: int | None = None, method: str | None = None,
    ) -> np.ndarray:
        """Scenarios that continue real returns from each origin, with the fitted parameters held fixed.

        The model is run through ``returns`` with the parameters of :meth:`fit` (no
        refit), so each origin starts from the conditional variance of the day before it,
        as :meth:`arch.univariate.base.ARCHModelResult.forecast` does with ``start=``.
        ``method="simulation"`` (the default) draws innovations from the fitted
        distribution; ``"bootstrap"`` resamples the standardised residuals up to each
        origin (filtered historical simulation, Barone-Adesi, Giannopoulos and Vosper
        1999; the default of :class:`FilteredHistoricalSimulation`).

        Returns an array (n_origins, n_paths, horizon, n_assets) of log returns; origins
        as in :meth:`fingan.models.QuantGAN.forecast_paths`.
        """
        self._check_fitted()
        method = self.forecast_method if method is None else method
        if method not in ("simulation", "bootstrap"):
            raise ConfigError(f"method must be 'simulation' or 'bootstrap', not {method!r}")
        frame = as_return_frame(returns)
        if [str(c) for c in frame.columns] != self.columns_:
            raise DataError(f"returns must have the model's columns {self.columns_}, got {list(frame.columns)}")
        n_paths, horizon = check_forecast_sizes(n_paths, horizon)
        positions = origin_positions(frame, origins)
        frame = frame.iloc[:positions.max()]  # later days are never needed
        first = int(positions.min()) - 1  # forecasts made at the close of the day before each origin
        generator = np.random.default_rng(seed)
        out = np.empty((len(positions), n_paths, horizon, len(self.columns_)))
        for j, (column, result) in enumerate(zip(frame.columns, self.results_)):
            fixed = self._model(frame[column]).fix(result.params)
            options: dict[str, Any] = {"random_state": np.random.RandomState(generator.integers(2**31))}
            if method == "simulation":
                distribution = type(result.model.distribution)(seed=generator)
                n_dist = distribution.num_params
                options = {"rng": distribution.simulate(result.params.to_numpy()[len(result.params) - n_dist:])}
            forecast = fixed.forecast(horizon=horizon, start=first, method=method, simulations=n_paths,
                                      reindex=False, **options)
            out[..., j] = forecast.simulations.values[positions - 1 - first] / 100
        return out

    def _paths(self, n_paths: int, length: int, seed: int | None) -> np.ndarray:
        generator = np.random.default_rng(seed)
        out = np.empty((n_paths, length, len(self.results_)))
        for j, result in enumerate(self.results_):
            # a fresh, seeded copy of the fitted innovation distribution makes the draw reproducible
            distribution = type(result.model.distribution)(seed=generator)
            n_dist = distribution.num_params
            innovations = distribution.simulate(result.params.to_numpy()[len(result.params) - n_dist:])
            forecast = result.forecast(horizon=length, method="simulation", simulations=n_paths,
                                       rng=innovations, reindex=False)
            out[:, :, j] = forecast.simulations.values[-1] / 100
        return out


class FilteredHistoricalSimulation(GARCH):
    """Filtered historical simulation (Barone-Adesi, Giannopoulos and Vosper 1999).

    A GARCH model (GJR-GARCH(1,1) Student-t by default) gives each origin's conditional
    volatility; its scenarios resample the standardised residuals observed up to the
    origin instead of drawing from the fitted distribution, through arch's bootstrap
    forecasts. Unconditional ``sample`` paths are the GARCH model's.
    """

    forecast_method = "bootstrap"

    def __init__(self, dist: str = "t", gjr: bool = True) -> None:
        super().__init__(dist, gjr)

    @property
    def name(self) -> str:
        return f"filtered historical simulation ({super().name})"
