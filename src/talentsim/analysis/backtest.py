"""Rolling-origin backtests scored by CRPS and PIT against a naive forecast (numbers only).

For each origin, :func:`backtest` calibrates the scenario on the observations up to that year
(:func:`talentsim.analysis.calibrate.calibrate` with ``fit_until``), forecasts every held-back
observation (``kind=observation``, later year, inside the horizon) with the posterior
predictive of the *observed figure* (definition factor x model metric x observation error,
:mod:`talentsim.analysis.observed_model`), and scores it with the CRPS (``scoringrules``) and
the PIT. The yardstick is a **naive forecast** of the same series: a log-linear trend fitted by
least squares to that series' observations up to the origin (at least two years), with a
log-normal predictive whose variance is the regression's prediction variance plus the same
observation error (:func:`naive_forecast`). The skill score of a group of rows is
``1 - mean(CRPS_model / |y|) / mean(CRPS_naive / |y|)`` (CRPS divided by the observed value,
so series in people and in fractions weigh alike) over the rows both forecasts score.

>>> from talentsim.analysis.backtest import backtest                        # doctest: +SKIP
>>> bt = backtest(history, None, origins=(2015, 2018, 2021))                # doctest: +SKIP
>>> bt.skill                                                                # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scoringrules as sr
from scipy.stats import norm

from ..results import QUANTILES, write_atomic_dir
from ..sampling import RNGLike, seed_of
from ..scenario.schema import Scenario
from .calibrate import MOVES, Calibration, calibrate, resolve_observation_model
from .observed import SHIPPED_OBSERVED, at_observations, metric_values, read_observed
from .observed_model import ObservationModel, add_noise, factors, relative_scales

#: columns of ``scores.csv``
SCORE_COLUMNS = ["origin", "series", "metric", "year", "observed", "low", "high", "crps_model", "crps_naive",
                 "pit", "pit_naive", "p05", "p50", "p95", "in_90", "naive_p05", "naive_p50", "naive_p95",
                 "naive_in_90", "naive_points", "deterministic", "source"]
#: columns of ``skill.csv``
SKILL_COLUMNS = ["origin", "group", "n", "n_scored_both", "crps_model_rel", "crps_naive_rel", "skill",
                 "coverage_90", "coverage_90_naive", "mean_pit"]
BAND_COLUMNS = ["origin", "series", "metric", "year", "which", "p05", "p25", "p50", "p75", "p95"]


@dataclass
class Backtest:
    """Result of :func:`backtest`.

    scores : DataFrame
        one row per (origin, held-back observation) (``scores.csv``, :data:`SCORE_COLUMNS`):
        CRPS of the model's and the naive predictive, PIT (share of predictive draws below
        the observation, ties counted half), 5/50/95 % of both predictives, whether the
        observation lies in their 90 % intervals, the naive fit's number of points, and
        ``deterministic`` (the model value does not vary over the prior: data or input paths
        fix it, as for births; left out of the skill scores).
    skill : DataFrame
        per origin: group ``all`` (non-deterministic rows), then each series (``skill.csv``,
        :data:`SKILL_COLUMNS`).
    bands : DataFrame
        predictive bands of each scored series per origin, ``which`` = ``model`` / ``naive``.
    calibrations : dict
        origin -> :class:`Calibration`.
    """

    scenario: str
    origins: list[int]
    scores: pd.DataFrame
    skill: pd.DataFrame
    bands: pd.DataFrame
    observed: pd.DataFrame
    calibrations: dict[int, Calibration]
    settings: dict[str, Any] = field(default_factory=dict)


def naive_forecast(history: pd.DataFrame, years: np.ndarray, obs_sd: float) -> tuple[np.ndarray, np.ndarray] | None:
    """Log-linear trend of a series' ``history`` (``year, value``): ``(mean, sd)`` of log values
    at ``years``, or None with fewer than two distinct years or a non-positive value.

    ``log y = a + b t`` by least squares over the ``n`` points. The predictive sd is
    ``sqrt(s^2 (1 + 1/n + (t - tbar)^2 / Sxx) + obs_sd^2)`` with ``s`` the residual sd
    (``n >= 3``) or ``obs_sd`` (``n = 2``, no residual to estimate it from) and ``obs_sd`` the
    series' relative one-sd observation error.
    """
    h = history.groupby("year", as_index=False)["value"].mean()
    if len(h) < 2 or (h["value"] <= 0).any():
        return None
    t, y = h["year"].to_numpy(float), np.log(h["value"].to_numpy(float))
    n, tbar = len(t), t.mean()
    sxx = np.sum((t - tbar) ** 2)
    b = np.sum((t - tbar) * (y - y.mean())) / sxx
    a = y.mean() - b * tbar
    s = np.sqrt(np.sum((y - a - b * t) ** 2) / (n - 2)) if n >= 3 else obs_sd
    x = np.asarray(years, float)
    sd = np.sqrt(s ** 2 * (1 + 1 / n + (x - tbar) ** 2 / sxx) + obs_sd ** 2)
    return a + b * x, sd


def _pit(ens: np.ndarray, y: np.ndarray) -> np.ndarray:
    """PIT of ``y`` (k,) under ensembles ``ens`` (m, k): share below, ties counted half."""
    return np.mean(ens < y[None, :], axis=0) + 0.5 * np.mean(ens == y[None, :], axis=0)


def _series_scales(om: ObservationModel, rows: pd.DataFrame) -> tuple[float, float]:
    below, above = relative_scales(om, rows)
    return float(np.median(below)), float(np.median(above))


def _noise(pred: np.ndarray, below: float, above: float, rng: np.random.Generator) -> np.ndarray:
    up = rng.random(pred.shape) < below / (below + above)
    mag = np.abs(rng.standard_normal(pred.shape))
    return pred * (1 + np.where(up, mag * below, -mag * above))


def backtest(
    scenario: Scenario,
    observed: str | os.PathLike | pd.DataFrame | None,
    origins: Sequence[int],
    *,
    observation_model: Any = None,
    n_particles: int = 1000,
    rng: RNGLike | None = None,
    chunk_size: int = 5000,
    moves: float = MOVES,
) -> Backtest:
    """Rolling-origin backtest of ``scenario`` at each of ``origins`` (see the module docstring)."""
    horizon = (scenario.horizon.start, scenario.horizon.end)
    shown = (SHIPPED_OBSERVED if observed is None else
             "observations" if isinstance(observed, pd.DataFrame) else str(observed))
    obs = read_observed(observed, horizon=horizon)
    om = resolve_observation_model(observed, observation_model)
    fit_all = obs[obs["kind"] == "observation"]
    origins = sorted({int(o) for o in origins})
    problems = []
    for o in origins:
        n_fit, n_held = int((fit_all["year"] <= o).sum()), int((fit_all["year"] > o).sum())
        if n_fit == 0 or n_held == 0:
            problems.append(f"origins: {o} leaves {n_fit} observations to fit and {n_held} to score inside "
                            f"{horizon[0]}-{horizon[1]}; both must be at least one (got {o})")
    if not origins:
        problems.append("origins: give at least one origin year (got none)")
    if problems:
        raise ValueError("\n".join(f"{shown}: {p}" for p in problems))
    seed = scenario.sampling.seed if rng is None else seed_of(rng)
    score_frames, band_frames, cals = [], [], {}
    for o in origins:
        cal = calibrate(scenario, obs, observation_model=om, n_particles=n_particles, rng=seed,
                        chunk_size=chunk_size, fit_until=o, moves=moves)
        cals[o] = cal
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(o,)))
        held = fit_all[fit_all["year"] > o].reset_index(drop=True)
        fitted = fit_all[fit_all["year"] <= o]
        metrics, years = cal.posterior_metrics, cal.years
        assert years is not None  # calibrate() sets them
        fvals = {c: cal.factors[c].to_numpy(float) for c in cal.factors.columns}
        n = len(cal.posterior)
        model = at_observations(metrics, years, held)
        pred = model * factors(om, held, fvals, n)
        ens = add_noise(pred, held, om, rng)
        y = held["value"].to_numpy(float)
        qs = np.nanquantile(ens, [0.05, 0.5, 0.95], axis=0)
        prior_model = at_observations(cal.prior_metrics, years, held)
        deterministic = np.ptp(prior_model, axis=0) <= 1e-9 * np.maximum(np.abs(y), 1.0)
        table = pd.DataFrame({"origin": o, "series": held["series"], "metric": held["metric"], "year": held["year"],
                              "observed": y, "low": held["low"], "high": held["high"],
                              "crps_model": np.asarray(sr.crps_ensemble(y, ens.T)),
                              "pit": _pit(ens, y), "p05": qs[0], "p50": qs[1], "p95": qs[2],
                              "deterministic": deterministic, "source": held["source"]})
        table["in_90"] = (table["p05"] <= y) & (y <= table["p95"])
        for col in ("crps_naive", "pit_naive", "naive_p05", "naive_p50", "naive_p95"):
            table[col] = np.nan
        table["naive_in_90"] = pd.array([pd.NA] * len(table), dtype="boolean")
        table["naive_points"] = 0
        for s, rows in held.groupby("series", sort=False):
            idx = rows.index.to_numpy()
            hist = fitted[fitted["series"] == s]
            below, above = _series_scales(om, rows)
            table.loc[idx, "naive_points"] = hist["year"].nunique()
            nf = naive_forecast(hist, rows["year"].to_numpy(), 0.5 * (below + above))
            band_years = np.arange(o + 1, horizon[1] + 1)
            metric = rows["metric"].iloc[0]
            # the model's predictive band of the observed figure over the horizon
            m_all = metric_values(metrics, metric)
            f_all = factors(om, pd.DataFrame({"series": s, "year": years}), fvals, n)
            band = np.nanquantile(_noise(m_all * f_all, below, above, rng), QUANTILES, axis=0)
            band_frames.append(pd.DataFrame({"origin": o, "series": s, "metric": metric, "year": years,
                                             "which": "model",
                                             **{f"p{round(q * 100):02d}": band[j] for j, q in enumerate(QUANTILES)}}))
            if nf is None:
                continue
            mu, sd = nf
            draws = np.exp(mu[None, :] + sd[None, :] * rng.standard_normal((n, len(idx))))
            yy = rows["value"].to_numpy(float)
            table.loc[idx, "crps_naive"] = np.asarray(sr.crps_ensemble(yy, draws.T))
            table.loc[idx, "pit_naive"] = _pit(draws, yy)
            nq = np.quantile(draws, [0.05, 0.5, 0.95], axis=0)
            table.loc[idx, "naive_p05"], table.loc[idx, "naive_p50"], table.loc[idx, "naive_p95"] = nq
            table.loc[idx, "naive_in_90"] = (nq[0] <= yy) & (yy <= nq[2])
            band_nf = naive_forecast(hist, band_years, 0.5 * (below + above))
            assert band_nf is not None  # the same history as nf above, which is not None
            nmu, nsd = band_nf
            band_frames.append(pd.DataFrame({"origin": o, "series": s, "metric": metric, "year": band_years,
                                             "which": "naive",
                                             **{f"p{round(q * 100):02d}": np.exp(nmu + norm.ppf(q) * nsd)
                                                for q in QUANTILES}}))
        score_frames.append(table[SCORE_COLUMNS])
    scores = pd.concat(score_frames, ignore_index=True)
    bands = pd.concat(band_frames, ignore_index=True)[BAND_COLUMNS] if band_frames else pd.DataFrame(
        columns=BAND_COLUMNS)
    settings = {"scenario": scenario.name, "origins": origins, "n_particles": n_particles, "moves": moves,
                "seed": int(seed),
                "observation_model": om.source,
                "ess": {o: c.settings["ess"] for o, c in cals.items()},
                "warnings": {o: c.warnings for o, c in cals.items() if c.warnings},
                "skill": "1 - mean(crps_model/|y|) / mean(crps_naive/|y|) over non-deterministic rows "
                         "scored by both forecasts",
                "naive": "log-linear least-squares trend of the series' observations up to the origin "
                         "(>= 2 years), log-normal predictive with the regression's prediction variance "
                         "plus the observation error"}
    return Backtest(scenario=scenario.name, origins=origins, scores=scores, skill=skill_table(scores),
                    bands=bands, observed=obs, calibrations=cals, settings=settings)


def skill_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Skill, coverage and mean PIT per origin: ``all`` (non-deterministic rows), then per series."""
    rows = []
    live = scores[~scores["deterministic"].astype(bool)]
    for o, g in live.groupby("origin", sort=True):
        for name, part in [("all", g), *g.groupby("series", sort=True)]:
            both = part[part["crps_naive"].notna()]
            y = both["observed"].abs()
            m = float((both["crps_model"] / y).mean()) if len(both) else np.nan
            nv = float((both["crps_naive"] / y).mean()) if len(both) else np.nan
            rows.append({"origin": o, "group": name, "n": len(part), "n_scored_both": len(both),
                         "crps_model_rel": m, "crps_naive_rel": nv,
                         "skill": 1 - m / nv if len(both) and nv > 0 else np.nan,
                         "coverage_90": float(part["in_90"].mean()),
                         "coverage_90_naive": float(both["naive_in_90"].astype(float).mean()) if len(both) else np.nan,
                         "mean_pit": float(part["pit"].mean())})
    return pd.DataFrame(rows, columns=SKILL_COLUMNS)


def write_backtest(result: Backtest, out_dir: str | os.PathLike, manifest: dict | None = None,
                   *, extra_files: Mapping[str, Callable[[Path], Any]] | None = None) -> Path:
    """Write ``scores.csv``, ``skill.csv``, ``bands.csv``, per origin ``posterior_<origin>.parquet``
    and ``smc_stages_<origin>.csv``, ``manifest.json`` and ``extra_files`` (``{name:
    writer(path)}``, e.g. the figures of :func:`talentsim.plots.calibration.backtest_files`),
    atomically."""
    fmt = "%.8g"
    files: dict[str, Callable[[Path], Any]] = {
        "scores.csv": lambda p: result.scores.to_csv(p, index=False, float_format=fmt),
        "skill.csv": lambda p: result.skill.to_csv(p, index=False, float_format=fmt),
        "bands.csv": lambda p: result.bands.to_csv(p, index=False, float_format=fmt),
    }
    for o, cal in result.calibrations.items():
        files[f"posterior_{o}.parquet"] = partial(cal.posterior.to_parquet, index=False)
        files[f"smc_stages_{o}.csv"] = partial(cal.stages.to_csv, index=False, float_format=fmt)
    meta = {"kind": "backtest", **(manifest or {}), "backtest": result.settings}
    files["manifest.json"] = lambda p: p.write_text(json.dumps(meta, indent=2, default=str) + "\n")
    files.update(extra_files or {})
    return write_atomic_dir(out_dir, files)
