"""Calibration: approximate Bayesian computation against observed series (numbers only).

**Rejection ABC.** :func:`calibrate` draws ``n_draws`` times from the priors (every
distribution of the scenario), simulates them, and accepts the share ``accept`` with the
smallest ``D`` (the distance of :mod:`talentsim.analysis.observed`; or every draw with
``D <= epsilon``). The accepted draws, equally weighted, are the posterior sample.

>>> import talentsim as ts                                                  # doctest: +SKIP
>>> from talentsim.analysis import calibrate as cal                         # doctest: +SKIP
>>> history = ts.load_scenario("scenarios/history.yaml")                    # doctest: +SKIP
>>> fit = cal.calibrate(history, None, n_draws=20000)   # shipped observations  # doctest: +SKIP
>>> fit.report.head()        # prior vs posterior per input                 # doctest: +SKIP
>>> draws = cal.draws_from_posterior(history, fit.posterior, 2000, rng=1)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..engine.cohort import simulate
from ..results import METRICS, write_atomic_dir
from ..sampling import Draws, RNGLike, pin_posterior, sample_inputs
from ..scenario.schema import Scenario
from .observed import (
    DERIVED,
    at_observations,
    base_metrics,
    distance,
    in_horizon,
    quantile_bands,
    read_observed,
    standardised_errors,
)


# ------------------------------------------------------------------ calibration
@dataclass
class Calibration:
    """Result of :func:`calibrate`.

    posterior : DataFrame
        accepted draws, best first: one column per uncertain input (field path) and
        ``distance`` (``posterior.parquet``).
    report : DataFrame
        per input: ``input, prior_p05, prior_p50, prior_p95, posterior_p05, posterior_p50,
        posterior_p95, shrinkage`` with ``shrinkage = 1 - (posterior 90 % width) / (prior 90 %
        width)``; sorted by shrinkage, largest first (``calibration_report.csv``).
    observations : DataFrame
        every observation with ``used`` (inside the horizon), the prior and posterior 5/50/95 %
        model values and ``z_median`` (standardised error of the posterior median)
        (``observations.csv``).
    prior_bands, posterior_bands : DataFrame
        ``metric, year, p05 ... p95`` over all prior / accepted draws for every observed metric
        and horizon year (``bands.csv`` with a ``which`` column).
    """

    scenario: str
    posterior: pd.DataFrame
    report: pd.DataFrame
    observations: pd.DataFrame
    prior_bands: pd.DataFrame
    posterior_bands: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def n_accepted(self) -> int:
        return len(self.posterior)


def calibrate(
    scenario: Scenario,
    observed: str | os.PathLike | pd.DataFrame | None,
    *,
    n_draws: int = 20000,
    accept: float = 0.02,
    epsilon: float | None = None,
    method: Literal["mc", "lhs", "sobol"] = "mc",
    rng: RNGLike | None = None,
    rel_tol: float = 0.05,
    track: Sequence[str] = (),
    chunk_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> Calibration:
    """Rejection ABC of the scenario's uncertain inputs against observations.

    Parameters
    ----------
    scenario : Scenario
        every distribution in it is a calibrated input (its prior).
    observed : path, DataFrame or None
        observations (:func:`read_observed`; ``None`` = the shipped file). Rows outside the
        scenario's horizon are not used (``observations.used`` is False).
    n_draws, method, rng :
        the prior design (:func:`talentsim.sample_inputs`; ``rng=None`` = the scenario's seed).
    accept :
        share of prior draws accepted (smallest distances), in (0, 1].
    epsilon :
        if given, accept every draw with ``distance <= epsilon`` instead.
    rel_tol :
        relative scale of observations without ``low``/``high``.
    track :
        more metrics (model or derived) whose prior and posterior bands to keep.
    """
    obs = read_observed(observed)
    if not 0 < accept <= 1:
        raise ValueError(f"accept must be in (0, 1] (got {accept})")
    if rel_tol <= 0:
        raise ValueError(f"rel_tol must be > 0 (got {rel_tol})")
    used = in_horizon(scenario, obs)
    if not used.any():
        raise ValueError(f"no observation lies in the horizon {scenario.horizon.start}-"
                         f"{scenario.horizon.end} of scenario {scenario.name!r}")
    draws = sample_inputs(scenario, n_draws, method, rng)
    if not draws.inputs:
        raise ValueError(f"scenario {scenario.name!r} has no uncertain inputs to calibrate")
    unknown = sorted(set(track) - set(METRICS) - set(DERIVED))
    if unknown:
        raise ValueError(f"track: unknown metrics {unknown}")
    metrics = sorted(set(obs["metric"]) | set(track))
    run = simulate(scenario, draws, chunk_size=chunk_size, metrics=base_metrics(metrics), progress=progress)
    fit = obs[used].reset_index(drop=True)
    model = at_observations(run.metrics, run.years, fit)
    dist = distance(model, fit, rel_tol)
    if epsilon is not None:
        keep = np.flatnonzero(dist <= epsilon)
        if keep.size == 0:
            raise ValueError(f"no draw within epsilon={epsilon:g} (smallest distance {dist.min():.4g}); "
                             "raise epsilon or n_draws")
    else:
        keep = np.argsort(dist, kind="stable")[: max(1, round(accept * draws.n_draws))]
    keep = keep[np.argsort(dist[keep], kind="stable")]
    values = _input_values(draws, chunk_size)
    posterior = pd.DataFrame({name: values[name][keep] for name in draws.names})
    posterior["distance"] = dist[keep]
    accepted = {k: v[keep] for k, v in run.metrics.items()}
    all_model, post_model = model, model[keep]
    observations = obs.copy()
    observations["used"] = used
    for label, arr in (("prior", all_model), ("posterior", post_model)):
        qs = np.nanquantile(arr, [0.05, 0.5, 0.95], axis=0)
        for j, q in enumerate(("p05", "p50", "p95")):
            observations[f"{label}_{q}"] = np.nan
            observations.loc[used, f"{label}_{q}"] = qs[j]
    observations["z_median"] = np.nan
    observations.loc[used, "z_median"] = standardised_errors(
        observations.loc[used, ["posterior_p50"]].to_numpy().T, fit, rel_tol)[0]
    settings = {"scenario": scenario.name, "n_draws": draws.n_draws, "method": draws.method,
                "seed": draws.seed, "accept": accept, "epsilon": epsilon, "rel_tol": rel_tol,
                "n_accepted": int(keep.size), "max_accepted_distance": float(dist[keep].max()),
                "n_observations_used": int(used.sum()), "n_observations_skipped": int((~used).sum()),
                # observations whose model value varies over the prior draws: only they inform
                "n_observations_informative": int(np.sum(np.ptp(model, axis=0) > 1e-9 * np.abs(
                    fit["value"].to_numpy(float)).clip(1.0))),
                "distance": "sum over observations of ((model - value) / s)^2, s = value - low below "
                            "the value, high - value above it, rel_tol * |value| without a range"}
    return Calibration(
        scenario=scenario.name,
        posterior=posterior,
        report=posterior_report(draws, posterior),
        observations=observations,
        prior_bands=quantile_bands(run.metrics, run.years, metrics),
        posterior_bands=quantile_bands(accepted, run.years, metrics),
        settings=settings,
    )


def _input_values(draws: Draws, chunk_size: int) -> dict[str, np.ndarray]:
    parts = [draws.chunk(start, min(start + chunk_size, draws.n_draws))
             for start in range(0, draws.n_draws, chunk_size)]
    return {name: np.concatenate([p[name] for p in parts]) for name in draws.names}


def posterior_report(draws: Draws, posterior: pd.DataFrame) -> pd.DataFrame:
    """Prior (exact quantiles of each distribution) vs posterior (sample quantiles) per input."""
    rows = []
    for name, dist in draws.inputs:
        prior = dist.frozen().ppf([0.05, 0.5, 0.95])
        post = np.quantile(posterior[name].to_numpy(float), [0.05, 0.5, 0.95])
        width = prior[2] - prior[0]
        rows.append({"input": name,
                     **{f"prior_{q}": v for q, v in zip(("p05", "p50", "p95"), prior)},
                     **{f"posterior_{q}": v for q, v in zip(("p05", "p50", "p95"), post)},
                     "shrinkage": 1 - (post[2] - post[0]) / width if width > 0 else 0.0})
    report = pd.DataFrame(rows)
    return report.sort_values("shrinkage", ascending=False, kind="stable").reset_index(drop=True)


def read_posterior(posterior: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """A posterior sample: a DataFrame, or a ``.parquet`` / ``.csv`` file written by :func:`calibrate`."""
    if isinstance(posterior, pd.DataFrame):
        return posterior
    path = Path(posterior)
    return pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)


def draws_from_posterior(
    scenario: Scenario,
    posterior: str | os.PathLike | pd.DataFrame,
    n_draws: int | None = None,
    rng: RNGLike | None = None,
    *,
    method: Literal["mc", "lhs", "sobol"] | None = None,
    strict: bool = True,
) -> Draws:
    """Draws whose inputs come from a posterior sample where it has them, from the priors otherwise.

    ``n_draws`` rows of ``posterior`` are resampled with replacement (a generator seeded from
    ``rng``), keeping each row's inputs together (their joint posterior), and pinned with
    ``Draws.fixed``. Inputs missing from the posterior are sampled from their priors as
    :func:`talentsim.sample_inputs` would (same ``method``/``rng`` streams). ``None`` takes
    the scenario's ``sampling`` values. Posterior columns (other than ``distance``) that are
    not inputs of ``scenario`` raise ``ValueError`` unless ``strict=False``.

    A posterior applies to scenarios whose inputs mean the same thing: ``workforce.initial.*``
    are stocks at the end of the year before the horizon, so a posterior from a 2011 start
    does not fit a 2024 start.
    """
    return pin_posterior(sample_inputs(scenario, n_draws, method, rng), read_posterior(posterior),
                         strict=strict, scenario_name=scenario.name)


# ------------------------------------------------------------------ writing
def file_writers(manifest: dict, frames: Mapping[str, pd.DataFrame]) -> dict[str, Callable[[Path], Any]]:
    files: dict[str, Callable[[Path], Any]] = {
        "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
    }
    for name, frame in frames.items():
        if name.endswith(".parquet"):
            files[name] = lambda p, f=frame: f.to_parquet(p, index=False)
        else:
            files[name] = lambda p, f=frame: f.to_csv(p, index=False, float_format="%.8g")
    return files


def bands_frame(prior: pd.DataFrame, posterior: pd.DataFrame, label: str) -> pd.DataFrame:
    return pd.concat([prior.assign(which="prior"), posterior.assign(which=label)], ignore_index=True)


def write_calibration(result: Calibration, out_dir: str | os.PathLike, manifest: dict | None = None) -> Path:
    """Write ``posterior.parquet``, ``calibration_report.csv``, ``observations.csv``, ``bands.csv``
    and ``manifest.json`` (``manifest`` plus the calibration settings) atomically."""
    frames = {"posterior.parquet": result.posterior, "calibration_report.csv": result.report,
              "observations.csv": result.observations,
              "bands.csv": bands_frame(result.prior_bands, result.posterior_bands, "posterior")}
    meta = {"kind": "calibration", **(manifest or {}), "calibration": result.settings}
    return write_atomic_dir(out_dir, file_writers(meta, frames))
