"""Backtests: calibrate on observations up to a year, score the projection on the rest.

>>> from talentsim.analysis.backtest import backtest                        # doctest: +SKIP
>>> bt = backtest(history, None, fit_until=2019, n_draws=20000)             # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..engine.cohort import simulate
from ..results import QUANTILES, write_atomic_dir
from ..sampling import RNGLike
from ..scenario.schema import Scenario
from .calibrate import Calibration, bands_frame, calibrate, draws_from_posterior, file_writers
from .observed import at_observations, base_metrics, in_horizon, quantile_bands, read_observed

BACKTEST_COLUMNS = ["year", "metric", "observed", "low", "high", "p05", "p25", "p50", "p75", "p95",
                    "in_50", "in_90", "range_overlaps_90", "median_error", "relative_error", "deterministic",
                    "source"]

# ------------------------------------------------------------------ backtest
@dataclass
class Backtest:
    """Result of :func:`backtest`.

    table : DataFrame
        one row per held-back observation (``backtest.csv``): ``year, metric, observed, low,
        high, p05 ... p95`` (posterior predictive quantiles), ``in_50`` (observed in p25-p75),
        ``in_90`` (in p05-p95), ``range_overlaps_90`` (``[low, high]`` meets ``[p05, p95]``),
        ``median_error = p50 - observed``, ``relative_error = median_error / observed``, ``source``.
    coverage : DataFrame
        ``group, n, coverage_50, coverage_90, range_overlap_90, median_abs_relative_error``;
        group ``all`` then one row per metric (``coverage.csv``).
    bands, prior_bands : DataFrame
        ``metric, year, p05 ... p95`` of the projection from the posterior and of the prior.
    """

    scenario: str
    fit_until: int
    calibration: Calibration
    table: pd.DataFrame
    coverage: pd.DataFrame
    bands: pd.DataFrame
    prior_bands: pd.DataFrame
    observed: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)


def backtest(
    scenario: Scenario,
    observed: str | os.PathLike | pd.DataFrame | None,
    fit_until: int,
    *,
    n_draws: int = 20000,
    accept: float = 0.02,
    n_project: int = 2000,
    method: Literal["mc", "lhs", "sobol"] = "mc",
    rng: RNGLike | None = None,
    rel_tol: float = 0.05,
    chunk_size: int = 5000,
) -> Backtest:
    """Calibrate on observations up to ``fit_until``, project with the posterior, score the rest.

    The projection simulates ``n_project`` draws from :func:`draws_from_posterior` (so it is
    what a scenario with ``inputs_from: posterior.parquet`` gives). Observations after
    ``fit_until`` inside the horizon are held back and scored (:class:`Backtest`).
    """
    obs = read_observed(observed)
    inside = in_horizon(scenario, obs)
    held = inside & (obs["year"] > fit_until).to_numpy()
    fitted = inside & ~held
    if not fitted.any() or not held.any():
        raise ValueError(f"fit_until={fit_until} leaves {int(fitted.sum())} observations to fit and "
                         f"{int(held.sum())} to test inside {scenario.horizon.start}-{scenario.horizon.end}; "
                         "both must be at least one")
    metrics = sorted(set(obs["metric"]))
    cal = calibrate(scenario, obs[fitted], n_draws=n_draws, accept=accept, method=method, rng=rng,
                    rel_tol=rel_tol, track=metrics, chunk_size=chunk_size)
    draws = draws_from_posterior(scenario, cal.posterior, n_project, cal.settings["seed"], method="mc")
    run = simulate(scenario, draws, chunk_size=chunk_size, metrics=base_metrics(metrics))
    test = obs[held].reset_index(drop=True)
    model = at_observations(run.metrics, run.years, test)
    qs = np.nanquantile(model, QUANTILES, axis=0)
    table = pd.DataFrame({"year": test["year"], "metric": test["metric"], "observed": test["value"],
                          "low": test["low"], "high": test["high"],
                          **{f"p{round(q * 100):02d}": qs[j] for j, q in enumerate(QUANTILES)}})
    y = table["observed"]
    table["in_50"] = (table["p25"] <= y) & (y <= table["p75"])
    table["in_90"] = (table["p05"] <= y) & (y <= table["p95"])
    table["range_overlaps_90"] = (table["low"].fillna(y) <= table["p95"]) & (table["high"].fillna(y) >= table["p05"])
    table["median_error"] = table["p50"] - y
    table["relative_error"] = table["median_error"] / y.where(y != 0)
    # the scenario fixes these values (data or input paths): no band to cover the observation
    table["deterministic"] = (table["p95"] - table["p05"]) <= 1e-9 * np.maximum(table["p50"].abs(), 1.0)
    table["source"] = test["source"]
    return Backtest(
        scenario=scenario.name, fit_until=int(fit_until), calibration=cal, table=table[BACKTEST_COLUMNS],
        coverage=coverage_summary(table), bands=quantile_bands(run.metrics, run.years, metrics),
        prior_bands=cal.prior_bands, observed=obs[inside].reset_index(drop=True),
        settings={**cal.settings, "fit_until": int(fit_until), "n_project": draws.n_draws,
                  "n_observations_fitted": int(fitted.sum()), "n_observations_held_back": int(held.sum())},
    )


def coverage_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Coverage of a backtest table: ``all`` rows, ``uncertain`` rows (those whose 90 % band has
    a width), ``deterministic`` rows (fixed by the scenario's data and inputs, so their bands
    cannot contain an observation that differs by rounding), then one row per metric; groups
    without rows are left out."""
    groups = ([("all", table), ("uncertain", table[~table["deterministic"]]),
               ("deterministic", table[table["deterministic"]])]
              + [(m, g) for m, g in table.groupby("metric", sort=True)])
    return pd.DataFrame([{
        "group": name, "n": len(g),
        "coverage_50": g["in_50"].mean(), "coverage_90": g["in_90"].mean(),
        "range_overlap_90": g["range_overlaps_90"].mean(),
        "median_abs_relative_error": g["relative_error"].abs().median(),
    } for name, g in groups if len(g)])


def write_backtest(result: Backtest, out_dir: str | os.PathLike, manifest: dict | None = None,
                   *, extra_files: Mapping[str, Callable[[Path], Any]] | None = None) -> Path:
    """Write ``backtest.csv``, ``coverage.csv``, ``bands.csv``, the calibration's files and
    ``extra_files`` (``{name: writer(path)}``, e.g. the figure of
    :func:`talentsim.plots.calibration.backtest_files`), atomically."""
    cal = result.calibration
    frames = {"backtest.csv": result.table, "coverage.csv": result.coverage,
              "bands.csv": bands_frame(result.prior_bands, result.bands, "posterior_projection"),
              "posterior.parquet": cal.posterior, "calibration_report.csv": cal.report,
              "observations.csv": cal.observations}
    meta = {"kind": "backtest", **(manifest or {}), "backtest": result.settings}
    files = file_writers(meta, frames)
    files.update(extra_files or {})
    return write_atomic_dir(out_dir, files)
