"""Calibration and backtesting: approximate Bayesian computation against observed series.

Observations are a CSV (``year, metric, value, source`` and optional ``low, high``; see
``data/OBSERVED.md``); :func:`read_observed` checks one, ``None`` reads the shipped
``data/observed_kr.csv``. A metric is a model metric (:data:`talentsim.results.METRICS`) or a
derived one (:data:`DERIVED`, a ratio of sums of model metrics).

**Distance.** For observation ``i`` with value ``y``, model value ``x`` (one draw) and range
``[low, high]``, the standardised error is ``z = (x - y) / s`` with ``s = y - low`` when
``x < y`` and ``s = high - y`` otherwise (so an asymmetric range is honoured; a zero side
falls back to ``(high - low) / 2``; without a range ``s = rel_tol * |y|``). A draw's distance
is ``D = sum_i z_i ** 2`` over the observations used.

**Rejection ABC.** :func:`calibrate` draws ``n_draws`` times from the priors (every
distribution of the scenario), simulates them, and accepts the share ``accept`` with the
smallest ``D`` (or every draw with ``D <= epsilon``). The accepted draws, equally weighted,
are the posterior sample.

>>> import talentsim as ts                                                  # doctest: +SKIP
>>> from talentsim import calibrate as cal                                  # doctest: +SKIP
>>> history = ts.load_scenario("scenarios/history.yaml")                    # doctest: +SKIP
>>> fit = cal.calibrate(history, None, n_draws=20000)   # shipped observations  # doctest: +SKIP
>>> fit.report.head()        # prior vs posterior per input                 # doctest: +SKIP
>>> draws = cal.draws_from_posterior(history, fit.posterior, 2000, seed=1)  # doctest: +SKIP
>>> bt = cal.backtest(history, None, fit_until=2019, n_draws=20000)         # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from .model import simulate
from .results import METRICS, QUANTILES, unit_of, write_atomic_dir
from .sampling import Draws, pin_posterior, sample_inputs
from .schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

OBSERVED_COLUMNS = ["year", "metric", "value", "low", "high", "source"]
BAND_COLUMNS = ["metric", "year", "p05", "p25", "p50", "p75", "p95"]
BACKTEST_COLUMNS = ["year", "metric", "observed", "low", "high", "p05", "p25", "p50", "p75", "p95",
                    "in_50", "in_90", "range_overlaps_90", "median_error", "relative_error", "deterministic",
                    "source"]


class DerivedMetric(NamedTuple):
    """``sum(numerator metrics) / sum(denominator metrics)``, per draw and year."""

    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    unit: str
    meaning: str


#: metrics computed from model metrics, usable in an observations file
DERIVED: dict[str, DerivedMetric] = {
    "tertiary_entry_rate": DerivedMetric(("tertiary_entrants",), ("cohort18",), "fraction",
                                         "tertiary entrants per 18-year-old"),
    "ai_track_entry_share": DerivedMetric(("ai_track_entrants",), ("tertiary_entrants",), "fraction",
                                          "AI-track entrants per tertiary entrant"),
    "s18": DerivedMetric(("cohort18",), ("births_18_years_before",), "ratio",
                         "18-year-olds per birth 18 years earlier"),
    "advanced_degree_share": DerivedMetric(("ai_workforce_master", "ai_workforce_phd"), ("ai_workforce",),
                                           "fraction", "share of AI workers holding a master's or PhD"),
    "phd_share": DerivedMetric(("ai_workforce_phd",), ("ai_workforce",), "fraction",
                               "share of AI workers holding a PhD"),
    "diaspora_share": DerivedMetric(("diaspora",), ("ai_workforce", "diaspora"), "fraction",
                                    "Korean AI workers abroad / (in Korea + abroad)"),
}


def metric_unit(metric: str) -> str:
    """Unit of a model or derived metric (``""`` if unknown)."""
    if metric in DERIVED:
        return DERIVED[metric].unit
    return unit_of(metric)


def base_metrics(metrics: Sequence[str]) -> list[str]:
    """Model metrics needed to evaluate ``metrics`` (derived ones expanded), sorted."""
    out: set[str] = set()
    for m in metrics:
        out.update(DERIVED[m].numerator + DERIVED[m].denominator if m in DERIVED else (m,))
    return sorted(out)


def metric_values(arrays: Mapping[str, np.ndarray], metric: str) -> np.ndarray:
    """A model or derived metric from ``{model metric: (draw, year)}`` arrays (or a Run)."""
    if metric not in DERIVED:
        return np.asarray(arrays[metric], dtype=float)
    d = DERIVED[metric]
    num = sum(np.asarray(arrays[m], dtype=float) for m in d.numerator)
    den = sum(np.asarray(arrays[m], dtype=float) for m in d.denominator)
    return num / np.where(den == 0, np.nan, den)


# ------------------------------------------------------------------ observations
SHIPPED_OBSERVED = "observed_kr.csv"


def read_observed(source: str | os.PathLike | pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and check an observations table; ``None`` reads the shipped ``observed_kr.csv``.

    Returns columns ``year, metric, value, low, high, source`` (``low``/``high`` NaN where not
    given), in file order. Raises ``ValueError`` listing every problem, one per line, as
    ``FILE: row N: what is wrong (got VALUE)`` (N counts data rows from 1).
    """
    if isinstance(source, pd.DataFrame):
        frame, shown = source.copy(), "observations"
    elif source is None:
        with resources.files("talentsim.data").joinpath(SHIPPED_OBSERVED).open("r", encoding="utf-8") as fh:
            frame = pd.read_csv(fh, skipinitialspace=True)
        shown = SHIPPED_OBSERVED
    else:
        frame, shown = pd.read_csv(source, skipinitialspace=True), str(source)
    missing = [c for c in ("year", "metric", "value", "source") if c not in frame.columns]
    extra = [c for c in frame.columns if c not in OBSERVED_COLUMNS]
    if missing or extra:
        raise ValueError(f"{shown}: columns must be year, metric, value, source and optionally low, high "
                         f"(missing {missing}, unknown {extra})")
    for col in ("low", "high"):
        if col not in frame.columns:
            frame[col] = np.nan
    problems = []
    known = set(METRICS) | set(DERIVED)
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        where = f"{shown}: row {i}"
        try:
            year, value, low, high = (float(row.year), float(row.value),
                                      float(row.low), float(row.high))
        except (TypeError, ValueError):
            problems.append(f"{where}: year, value, low and high must be numbers "
                            f"(got {row.year!r}, {row.value!r}, {row.low!r}, {row.high!r})")
            continue
        if not (math.isfinite(year) and year == int(year)):
            problems.append(f"{where}: year must be a whole number (got {row.year!r})")
        if row.metric not in known:
            problems.append(f"{where}: unknown metric {row.metric!r}; use a model metric "
                            "(talentsim.results.METRICS) or a derived one (talentsim.calibrate.DERIVED)")
        if not math.isfinite(value):
            problems.append(f"{where}: value must be a finite number (got {row.value!r})")
        if math.isnan(low) != math.isnan(high):
            problems.append(f"{where}: give both low and high, or neither (got low={row.low!r}, high={row.high!r})")
        elif not math.isnan(low) and not (low <= value <= high and low < high):
            problems.append(f"{where}: need low <= value <= high and low < high "
                            f"(got low={low:g}, value={value:g}, high={high:g})")
        if not isinstance(row.source, str) or not row.source.strip():
            problems.append(f"{where}: every observation needs a source")
    if problems:
        raise ValueError("\n".join(problems))
    frame["year"] = frame["year"].astype(int)
    frame[["value", "low", "high"]] = frame[["value", "low", "high"]].astype(float)
    return frame[OBSERVED_COLUMNS].reset_index(drop=True)


def observation_scales(observed: pd.DataFrame, rel_tol: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Standardising scales ``(below, above)`` per observation (see the module docstring)."""
    value = observed["value"].to_numpy(float)
    low, high = observed["low"].to_numpy(float), observed["high"].to_numpy(float)
    half = (high - low) / 2
    below = np.where(value - low > 0, value - low, half)
    above = np.where(high - value > 0, high - value, half)
    default = rel_tol * np.abs(value)
    below = np.where(np.isnan(low), default, below)
    above = np.where(np.isnan(high), default, above)
    if np.any(below <= 0) or np.any(above <= 0):
        raise ValueError("an observation of value 0 without low/high has no scale; give low and high")
    return below, above


def standardised_errors(model: np.ndarray, observed: pd.DataFrame, rel_tol: float = 0.05) -> np.ndarray:
    """``z`` (draw, observation): model minus observed over the scale on the model's side."""
    below, above = observation_scales(observed, rel_tol)
    diff = model - observed["value"].to_numpy(float)[None, :]
    return diff / np.where(diff < 0, below[None, :], above[None, :])


def distance(model: np.ndarray, observed: pd.DataFrame, rel_tol: float = 0.05) -> np.ndarray:
    """``D = sum_i z_i ** 2`` per draw, for model values (draw, observation)."""
    return np.sum(standardised_errors(model, observed, rel_tol) ** 2, axis=1)


def _in_horizon(scenario: Scenario, observed: pd.DataFrame) -> np.ndarray:
    return observed["year"].between(scenario.horizon.start, scenario.horizon.end).to_numpy()


def _at_observations(arrays: Mapping[str, np.ndarray], years: np.ndarray, observed: pd.DataFrame) -> np.ndarray:
    """Model values (draw, observation) at each observation's metric and year."""
    index = {int(y): j for j, y in enumerate(years)}
    cols = [metric_values(arrays, m)[:, index[int(y)]] for m, y in zip(observed["metric"], observed["year"])]
    n = len(next(iter(arrays.values())))
    return np.column_stack(cols) if cols else np.empty((n, 0))


def _bands(arrays: Mapping[str, np.ndarray], years: np.ndarray, metrics: Sequence[str]) -> pd.DataFrame:
    """Quantiles over draws per metric and year: ``metric, year, p05 ... p95``."""
    frames = []
    for m in sorted(set(metrics)):
        qs = np.nanquantile(metric_values(arrays, m), QUANTILES, axis=0)
        frames.append(pd.DataFrame({"metric": m, "year": years,
                                    **{f"p{round(q * 100):02d}": qs[j] for j, q in enumerate(QUANTILES)}}))
    return pd.concat(frames, ignore_index=True)[BAND_COLUMNS] if frames else pd.DataFrame(columns=BAND_COLUMNS)


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
    seed: int | None = None,
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
    n_draws, method, seed :
        the prior design (:func:`talentsim.sample_inputs`; ``seed=None`` = the scenario's).
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
    used = _in_horizon(scenario, obs)
    if not used.any():
        raise ValueError(f"no observation lies in the horizon {scenario.horizon.start}-"
                         f"{scenario.horizon.end} of scenario {scenario.name!r}")
    seed = scenario.sampling.seed if seed is None else seed
    draws = sample_inputs(scenario, n_draws, method, seed)
    if not draws.inputs:
        raise ValueError(f"scenario {scenario.name!r} has no uncertain inputs to calibrate")
    unknown = sorted(set(track) - set(METRICS) - set(DERIVED))
    if unknown:
        raise ValueError(f"track: unknown metrics {unknown}")
    metrics = sorted(set(obs["metric"]) | set(track))
    run = simulate(scenario, draws, chunk_size=chunk_size, metrics=base_metrics(metrics), progress=progress)
    fit = obs[used].reset_index(drop=True)
    model = _at_observations(run.metrics, run.years, fit)
    dist = distance(model, fit, rel_tol)
    if epsilon is not None:
        keep = np.flatnonzero(dist <= epsilon)
        if keep.size == 0:
            raise ValueError(f"no draw within epsilon={epsilon:g} (smallest distance {dist.min():.4g}); "
                             "raise epsilon or n_draws")
    else:
        keep = np.argsort(dist, kind="stable")[: max(1, int(round(accept * draws.n_draws)))]
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
        prior_bands=_bands(run.metrics, run.years, metrics),
        posterior_bands=_bands(accepted, run.years, metrics),
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
    seed: int | None = None,
    *,
    method: Literal["mc", "lhs", "sobol"] | None = None,
    strict: bool = True,
) -> Draws:
    """Draws whose inputs come from a posterior sample where it has them, from the priors otherwise.

    ``n_draws`` rows of ``posterior`` are resampled with replacement (a generator seeded from
    ``seed``), keeping each row's inputs together (their joint posterior), and pinned with
    ``Draws.fixed``. Inputs missing from the posterior are sampled from their priors as
    :func:`talentsim.sample_inputs` would (same ``method``/``seed`` streams). ``None`` takes
    the scenario's ``sampling`` values. Posterior columns (other than ``distance``) that are
    not inputs of ``scenario`` raise ``ValueError`` unless ``strict=False``.

    A posterior applies to scenarios whose inputs mean the same thing: ``workforce.initial.*``
    are stocks at the end of the year before the horizon, so a posterior from a 2011 start
    does not fit a 2024 start.
    """
    return pin_posterior(sample_inputs(scenario, n_draws, method, seed), read_posterior(posterior),
                         strict=strict, scenario_name=scenario.name)


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
    seed: int | None = None,
    rel_tol: float = 0.05,
    chunk_size: int = 5000,
) -> Backtest:
    """Calibrate on observations up to ``fit_until``, project with the posterior, score the rest.

    The projection simulates ``n_project`` draws from :func:`draws_from_posterior` (so it is
    what a scenario with ``inputs_from: posterior.parquet`` gives). Observations after
    ``fit_until`` inside the horizon are held back and scored (:class:`Backtest`).
    """
    obs = read_observed(observed)
    inside = _in_horizon(scenario, obs)
    held = inside & (obs["year"] > fit_until).to_numpy()
    fitted = inside & ~held
    if not fitted.any() or not held.any():
        raise ValueError(f"fit_until={fit_until} leaves {int(fitted.sum())} observations to fit and "
                         f"{int(held.sum())} to test inside {scenario.horizon.start}-{scenario.horizon.end}; "
                         "both must be at least one")
    metrics = sorted(set(obs["metric"]))
    cal = calibrate(scenario, obs[fitted], n_draws=n_draws, accept=accept, method=method, seed=seed,
                    rel_tol=rel_tol, track=metrics, chunk_size=chunk_size)
    draws = draws_from_posterior(scenario, cal.posterior, n_project, cal.settings["seed"], method="mc")
    run = simulate(scenario, draws, chunk_size=chunk_size, metrics=base_metrics(metrics))
    test = obs[held].reset_index(drop=True)
    model = _at_observations(run.metrics, run.years, test)
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
        coverage=coverage_summary(table), bands=_bands(run.metrics, run.years, metrics),
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


# ------------------------------------------------------------------ writing
def _writers(manifest: dict, frames: Mapping[str, pd.DataFrame]) -> dict[str, Callable[[Path], Any]]:
    files: dict[str, Callable[[Path], Any]] = {
        "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
    }
    for name, frame in frames.items():
        if name.endswith(".parquet"):
            files[name] = lambda p, f=frame: f.to_parquet(p, index=False)
        else:
            files[name] = lambda p, f=frame: f.to_csv(p, index=False, float_format="%.8g")
    return files


def _bands_frame(prior: pd.DataFrame, posterior: pd.DataFrame, label: str) -> pd.DataFrame:
    return pd.concat([prior.assign(which="prior"), posterior.assign(which=label)], ignore_index=True)


def write_calibration(result: Calibration, out_dir: str | os.PathLike, manifest: dict | None = None) -> Path:
    """Write ``posterior.parquet``, ``calibration_report.csv``, ``observations.csv``, ``bands.csv``
    and ``manifest.json`` (``manifest`` plus the calibration settings) atomically."""
    frames = {"posterior.parquet": result.posterior, "calibration_report.csv": result.report,
              "observations.csv": result.observations,
              "bands.csv": _bands_frame(result.prior_bands, result.posterior_bands, "posterior")}
    meta = {"kind": "calibration", **(manifest or {}), "calibration": result.settings}
    return write_atomic_dir(out_dir, _writers(meta, frames))


def write_backtest(result: Backtest, out_dir: str | os.PathLike, manifest: dict | None = None,
                   *, figure: bool = True) -> Path:
    """Write ``backtest.csv``, ``coverage.csv``, ``bands.csv``, the calibration's files and, with
    ``figure=True``, ``backtest.png`` (:func:`plot_backtest_panels`), atomically."""
    cal = result.calibration
    frames = {"backtest.csv": result.table, "coverage.csv": result.coverage,
              "bands.csv": _bands_frame(result.prior_bands, result.bands, "posterior_projection"),
              "posterior.parquet": cal.posterior, "calibration_report.csv": cal.report,
              "observations.csv": cal.observations}
    meta = {"kind": "backtest", **(manifest or {}), "backtest": result.settings}
    files = _writers(meta, frames)
    if figure:
        def _png(p: Path) -> None:
            import matplotlib.pyplot as plt

            fig = plot_backtest_panels(result)
            fig.savefig(p, dpi=110)
            plt.close(fig)
        files["backtest.png"] = _png
    return write_atomic_dir(out_dir, files)


# ------------------------------------------------------------------ figures
def plot_backtest(result: Backtest, metric: str, ax: Axes | None = None) -> Axes:
    """Prior and posterior-projection bands of ``metric`` against the observations.

    Grey dotted lines: the prior 90 % band; blue: the projection's 90 % and 50 % bands and median;
    black dots: observations used for fitting, red open circles: held-back ones, whiskers their
    ``[low, high]``; dashed line: ``fit_until``. Returns the Axes.
    """
    import matplotlib

    if ax is None:
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7.0, 4.2))
    prior = result.prior_bands[result.prior_bands["metric"] == metric]
    post = result.bands[result.bands["metric"] == metric]
    if post.empty:
        raise ValueError(f"metric {metric!r} has no observations in this backtest; "
                         f"choose from {sorted(set(result.bands['metric']))}")
    ax.fill_between(post["year"], post["p05"], post["p95"], color="#0173b2", alpha=0.22,
                    label="posterior 90 % band")
    ax.fill_between(post["year"], post["p25"], post["p75"], color="#0173b2", alpha=0.40,
                    label="posterior 50 % band")
    ax.plot(post["year"], post["p50"], color="#0173b2", lw=1.6, label="posterior median")
    ax.plot(prior["year"], prior["p05"], color="0.45", ls=":", lw=1.3, label="prior 5 % and 95 %")
    ax.plot(prior["year"], prior["p95"], color="0.45", ls=":", lw=1.3)
    obs = result.observed[result.observed["metric"] == metric]
    for held, style in ((False, dict(fmt="o", color="black", label="observed, fitted")),
                        (True, dict(fmt="o", color="#d55e00", mfc="white", mew=1.6, label="observed, held back"))):
        rows = obs[(obs["year"] > result.fit_until) == held]
        if rows.empty:
            continue
        err = np.vstack([(rows["value"] - rows["low"]).fillna(0), (rows["high"] - rows["value"]).fillna(0)])
        ax.errorbar(rows["year"], rows["value"], yerr=err, capsize=3, zorder=5, **style)
    ax.axvline(result.fit_until + 0.5, color="0.3", ls="--", lw=1)
    unit = metric_unit(metric)
    ax.set_title(f"{result.scenario}: {metric}, fitted to {result.fit_until}", fontsize=10)
    ax.set_xlabel("year")
    ax.set_ylabel(f"{metric} ({unit})" if unit else metric)
    if unit == "people" or unit == "people/yr":
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    return ax


def plot_backtest_panels(result: Backtest, metrics: Sequence[str] | None = None, *, ncols: int = 3) -> Figure:
    """One :func:`plot_backtest` panel per metric (default: metrics with a held-back observation
    the model is uncertain about, then the others), a shared legend and a title naming the
    scenario and the coverage. Returns the Figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if metrics is None:  # held-back metrics the model is uncertain about first
        t = result.table
        first = list(dict.fromkeys(t.loc[~t["deterministic"], "metric"]))
        metrics = first + [m for m in dict.fromkeys(result.observed["metric"]) if m not in first]
    nrows = math.ceil(len(metrics) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.4 * nrows + 0.9), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        plot_backtest(result, metric, ax=ax)
        ax.set_title(metric, fontsize=10)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    for ax in axes.flat[1:len(metrics)]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), fontsize=9, frameon=False)
    cov = result.coverage.set_index("group")
    text = f"{int(cov.loc['all', 'n'])} held back"
    if "uncertain" in cov.index:
        u = cov.loc["uncertain"]
        text += (f"; of the {int(u['n'])} the model is uncertain about, {u['coverage_50']:.0%} lie in the "
                 f"50 % band and {u['coverage_90']:.0%} in the 90 % band")
    fig.suptitle(f"Backtest of scenario '{result.scenario}', fitted to observations up to {result.fit_until}: "
                 f"{text}", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    return fig
