"""Calibration: a likelihood-weighted posterior under the observation model (numbers only).

Given its inputs the engine is deterministic, so the likelihood of the observations is the
observation model's (:mod:`talentsim.analysis.observed_model`: definition factors per series and
a split-normal error read from each row's ``[low, high]``). The posterior
``p(theta | y) ~ prior(theta) L(y | theta)`` is sampled by **sequential Monte Carlo with adaptive
tempering** (:func:`smc`): particles drawn from the prior are reweighted by ``L ** (b_k -
b_{k-1})`` with the next temperature ``b_k`` chosen by bisection so that the effective sample
size (ESS) of the weights is ``ess_target`` of the particles, resampled (systematic), and moved
by random-walk Metropolis steps on the standard-normal transform of the inputs (``u =
Phi(z)``, input ``= F^-1(u)``, the inverse transform :mod:`talentsim.sampling` uses), with the
proposal covariance taken from the particles. ``b`` reaches 1 after a few stages. ``method="is"``
is plain importance sampling from the prior with resampling (one stage, no moves), fine when the
ESS allows.

>>> import talentsim as ts                                                  # doctest: +SKIP
>>> from talentsim.analysis import calibrate as cal                         # doctest: +SKIP
>>> history = ts.load_scenario("scenarios/history.yaml")                    # doctest: +SKIP
>>> fit = cal.calibrate(history, None, n_particles=2000)   # shipped observations  # doctest: +SKIP
>>> fit.settings["ess"], fit.report.head()                                  # doctest: +SKIP
>>> draws = cal.draws_from_posterior(history, fit.posterior, 2000, rng=1)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..engine.cohort import simulate
from ..results import METRICS, write_atomic_dir
from ..sampling import Draws, RNGLike, pin_posterior, sample_inputs, seed_of, stream_key
from ..scenario.checks import stamp_priors
from ..scenario.schema import Scenario
from .calibrate_smc import EPS, correlate, smc
from .observed import (
    DERIVED,
    SHIPPED_OBSERVED,
    at_observations,
    base_metrics,
    fitted_rows,
    quantile_bands,
    read_observed,
)
from .observed_model import (
    ObservationModel,
    check_series,
    factors,
    load_observation_model,
    log_likelihood,
    relative_scales,
)

#: ESS below this share of the particles (or below ``MIN_ESS``) triggers a warning
WARN_ESS_SHARE = 0.1
MIN_ESS = 100
#: fewer SMC particles than this per calibrated input triggers a warning
PARTICLES_PER_INPUT = 10
#: Metropolis moves accepted per particle at each tempering stage. With 1.5 (until session 5)
#: the ~90 calibrated inputs of the history scenario barely mixed: two seeds' posterior medians
#: lay 0.8 posterior sd apart on average (41 inputs > 1 sd; 8,000 particles: 0.46) and each
#: posterior was ~25 % too narrow; with 6, 0.18 sd (docs/calibration.md, "Monte Carlo error")
MOVES = 6.0


def move_budget(moves: float = MOVES) -> dict[str, Any]:
    """:func:`smc` settings for ``moves`` accepted moves per particle and stage: at the ~25 %
    acceptance the proposal is tuned to, that takes ~4 ``moves`` Metropolis steps; allow 8."""
    return {"jumps": moves, "max_moves": max(12, math.ceil(8 * moves))}


# ------------------------------------------------------------------ calibration
@dataclass
class Calibration:
    """Result of :func:`calibrate`.

    posterior : DataFrame
        the posterior sample, equally weighted: one column per uncertain scenario input (field
        path) and ``distance`` (``-2 x`` log-likelihood, for ordering; ``posterior.parquet``,
        usable with ``inputs_from:``).
    factors : DataFrame
        the same rows' definition-factor inputs ``observation.<series>.factor[_growth]``
        (``observation_factors.parquet``).
    report : DataFrame
        per input: ``input, prior_p05, prior_p50, prior_p95, posterior_p05, posterior_p50,
        posterior_p95, shrinkage`` with ``shrinkage = 1 - (posterior 90 % width) / (prior 90 %
        width)``; largest first (``calibration_report.csv``).
    observations : DataFrame
        every row with ``used`` (fitted), the prior and posterior 5/50/95 % of the predicted
        observation (factor x model) and ``z_median`` (posterior median's error over the one-sd
        scale on its side) (``observations.csv``).
    prior_bands, posterior_bands : DataFrame
        ``metric, year, p05 ... p95`` of the model metrics (``bands.csv``).
    stages : DataFrame
        the SMC stages: ``stage, beta, ess, acceptance, moves, unique`` (``smc_stages.csv``).
    """

    scenario: str
    posterior: pd.DataFrame
    factors: pd.DataFrame
    report: pd.DataFrame
    observations: pd.DataFrame
    prior_bands: pd.DataFrame
    posterior_bands: pd.DataFrame
    stages: pd.DataFrame
    observation_model: ObservationModel
    settings: dict[str, Any] = field(default_factory=dict)
    posterior_metrics: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    prior_metrics: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    years: np.ndarray | None = None

    @property
    def n_accepted(self) -> int:
        return len(self.posterior)

    @property
    def warnings(self) -> list[str]:
        return list(self.settings.get("warnings", []))


def resolve_observation_model(observed: Any, observation_model: Any) -> ObservationModel:
    """The observation model to use: given, else the YAML beside an observations file
    (``FILE.yaml`` for ``FILE.csv``) if there is one, else the shipped one for the shipped file,
    else the defaults (every factor 1)."""
    if isinstance(observation_model, ObservationModel):
        return observation_model
    if observation_model is not None:
        return load_observation_model(observation_model)
    if observed is None:
        return load_observation_model(None)
    if isinstance(observed, (str, os.PathLike)):
        side = Path(observed).with_suffix(".yaml")
        if side.is_file():
            return load_observation_model(side)
    return ObservationModel()


def calibrate(
    scenario: Scenario,
    observed: str | os.PathLike | pd.DataFrame | None,
    *,
    observation_model: str | os.PathLike | Mapping | ObservationModel | None = None,
    n_particles: int = 2000,
    method: Literal["smc", "is"] = "smc",
    ess_target: float = 0.5,
    rng: RNGLike | None = None,
    track: Sequence[str] = (),
    chunk_size: int = 5000,
    fit_until: int | None = None,
    moves: float = MOVES,
) -> Calibration:
    """Posterior of the scenario's uncertain inputs (and the definition factors) given observations.

    Parameters
    ----------
    scenario : Scenario
        every distribution in it is a calibrated input (its prior).
    observed : path, DataFrame or None
        observations (:func:`read_observed`; ``None`` = the shipped file). Only
        ``kind=observation`` rows are fitted; an ``observation`` row outside the horizon is an
        error (mark it ``context``).
    observation_model :
        definition factors and error model (:func:`resolve_observation_model`).
    n_particles, method, ess_target, rng :
        SMC settings (:func:`smc`); ``rng`` an int, ``SeedSequence`` or ``Generator``
        (:func:`talentsim.sampling.seed_of`), ``None`` = the scenario's ``sampling.seed``.
    track :
        more metrics (model or derived) whose prior and posterior bands to keep.
    fit_until :
        fit only observations up to this year (the backtest's origin).
    moves :
        Metropolis moves accepted per particle at each tempering stage (:data:`MOVES`).
    """
    horizon = (scenario.horizon.start, scenario.horizon.end)
    shown = (SHIPPED_OBSERVED if observed is None else
             "observations" if isinstance(observed, pd.DataFrame) else str(observed))
    obs = read_observed(observed, horizon=horizon)
    om = resolve_observation_model(observed, observation_model)
    check_series(om, obs, om.source)
    if n_particles < 10:
        raise ValueError(f"n_particles must be >= 10 (got {n_particles})")
    if not moves > 0:
        raise ValueError(f"moves must be > 0 (got {moves})")
    take = (obs["kind"] == "observation").to_numpy().copy()
    if fit_until is not None:
        take &= (obs["year"] <= fit_until).to_numpy()
    rows = np.flatnonzero(take)
    fit = obs.iloc[rows].reset_index(drop=True)
    if fit.empty:
        raise ValueError(f"{shown}: no observation to fit in the horizon {horizon[0]}-{horizon[1]}"
                         + (f" up to {fit_until}" if fit_until is not None else ""))
    seed = scenario.sampling.seed if rng is None else seed_of(rng)
    base = sample_inputs(scenario, 1, "mc", seed)
    inputs = list(base.inputs)
    if not inputs:
        raise ValueError(f"scenario {scenario.name!r} has no uncertain inputs to calibrate")
    unknown = sorted(set(track) - set(METRICS) - set(DERIVED))
    if unknown:
        raise ValueError(f"track: unknown metrics {unknown}")
    f_inputs = om.inputs(set(fit["series"]) if fit_until is None else set(obs["series"]))
    all_inputs = inputs + f_inputs
    frozen = [dist.frozen() for _, dist in all_inputs]
    metrics = sorted(set(fit["metric"]) | set(fitted_rows(obs)["metric"]) | set(track))
    need = base_metrics(metrics)
    names_s = [n for n, _ in inputs]
    pairs = base.correlations

    def to_values(z: np.ndarray) -> dict[str, np.ndarray]:
        u = {name: norm.cdf(z[:, j]) for j, (name, _) in enumerate(all_inputs)}
        if pairs:
            correlate(u, pairs)
        return {name: frozen[j].ppf(np.clip(u[name], EPS, 1 - EPS)) for j, (name, _) in enumerate(all_inputs)}

    seen: dict[str, np.ndarray] = {}  # the years of the last run

    def evaluate(z: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        values = to_values(z)
        draws = Draws(inputs=tuple(inputs), n_draws=len(z), method="mc", seed=seed,
                      fixed={k: values[k] for k in names_s}, correlations=pairs)
        run = simulate(scenario, draws, chunk_size=chunk_size, metrics=need)
        model = at_observations(run.metrics, run.years, fit)
        pred = model * factors(om, fit, values, len(z))
        ll = log_likelihood(pred, fit, om)
        seen["years"] = run.years
        return ll, {"pred": pred, **{f"metric:{k}": v for k, v in run.metrics.items()}}

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream_key("calibrate-smc"),)))
    n = int(n_particles)
    # inputs no fitted observation depends on keep their prior: they stay out of the SMC (which
    # would only shrink them by chance through resampling) and take one prior draw per row
    active = touched_inputs(evaluate, all_inputs, pairs, rng)
    if not active.any():
        raise ValueError(f"{shown}: no uncertain input of scenario {scenario.name!r} changes the fitted observations")
    z_rest = rng.standard_normal((n, len(all_inputs)))

    def evaluate_active(za: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        z = z_rest.copy()
        z[:, active] = za
        return evaluate(z)

    res = smc(evaluate_active, int(active.sum()), n, rng, method=method, ess_target=ess_target,
              **move_budget(moves))
    z_final = z_rest.copy()
    z_final[:, active] = res.z
    res.loglik, res.aux = evaluate(z_final)  # every metric at the rows' own untouched inputs
    years = seen["years"]
    values = to_values(z_final)
    order = np.argsort(-res.loglik, kind="stable")
    posterior = pd.DataFrame({name: values[name][order] for name in names_s})
    posterior["distance"] = -2 * res.loglik[order]
    factor_frame = pd.DataFrame({name: values[name][order] for name, _ in f_inputs})
    post_metrics = {k.split(":", 1)[1]: v[order] for k, v in res.aux.items() if k.startswith("metric:")}
    prior_metrics = {k.split(":", 1)[1]: v for k, v in res.prior_aux.items() if k.startswith("metric:")}

    observations = obs.copy()
    used = take
    observations["used"] = used
    for label, arr in (("prior", res.prior_aux["pred"]), ("posterior", res.aux["pred"])):
        qs = np.nanquantile(arr, [0.05, 0.5, 0.95], axis=0)
        for j, q in enumerate(("p05", "p50", "p95")):
            observations[f"{label}_{q}"] = np.nan
            observations.loc[rows, f"{label}_{q}"] = qs[j]
    below, above = relative_scales(om, fit)
    y = fit["value"].to_numpy(float)
    r = observations.loc[rows, "posterior_p50"].to_numpy(float) - y
    observations["z_median"] = np.nan
    observations.loc[rows, "z_median"] = r / (np.where(r < 0, below, above) * np.abs(y))

    warn = []
    if res.ess < max(MIN_ESS, WARN_ESS_SHARE * n):
        warn.append(f"small effective sample size: {res.ess:.0f} of {n} particles at the last reweighting")
    last = res.stages.iloc[-1]
    if method == "smc" and (last["unique"] < 0.2 * n):
        warn.append(f"particles degenerate: {int(last['unique'])} unique of {n} after the last moves "
                    f"(acceptance {last['acceptance']:.2f}); raise --particles")
    if method == "smc" and n < PARTICLES_PER_INPUT * int(active.sum()):
        warn.append(f"{n} particles for {int(active.sum())} calibrated inputs: resampling narrows weakly informed "
                    f"inputs by chance; use at least {PARTICLES_PER_INPUT * int(active.sum())} (--particles)")
    if method == "is" and res.ess < max(MIN_ESS, WARN_ESS_SHARE * n):
        warn.append("importance sampling from the prior is degenerate here; use method smc")
    informative = int(np.sum(np.ptp(res.prior_aux["pred"], axis=0) > 1e-9 * np.abs(y).clip(1.0)))
    settings = {"scenario": scenario.name, "method": method, "n_particles": n, "seed": int(seed), "moves": moves,
                "ess_target": ess_target, "ess": round(res.ess, 1), "ess_prior_is": round(res.ess_prior_is, 1),
                "inputs_calibrated": int(active.sum()),
                "inputs_untouched": [name for j, (name, _) in enumerate(all_inputs) if not active[j]],
                "stages": len(res.stages), "model_evaluations": int(len(res.stages) + res.stages["moves"].sum()),
                "final_acceptance": None if np.isnan(last["acceptance"]) else round(float(last["acceptance"]), 3),
                "unique_particles": int(last["unique"]),
                "n_observations_used": int(used.sum()), "n_observations_not_fitted": int((~used).sum()),
                "n_observations_informative": informative, "fit_until": fit_until,
                "observation_model": {"file": om.source, "range_level": om.range_level,
                                      "discrepancy": om.discrepancy, "rel_tol": om.rel_tol},
                "log_likelihood": "split normal per observation, sides (value - low) / z and (high - value) / z "
                                  "with z = Phi^-1((1 + range_level) / 2), relative discrepancy added in "
                                  "quadrature; prediction = definition factor x model metric",
                "warnings": warn}
    return Calibration(
        scenario=scenario.name, posterior=stamp_priors(posterior, scenario), factors=factor_frame,
        report=posterior_report(all_inputs, {**{k: values[k] for k in values}}),
        observations=observations,
        prior_bands=quantile_bands(prior_metrics, years, metrics),
        posterior_bands=quantile_bands(post_metrics, years, metrics),
        stages=res.stages, observation_model=om, settings=settings,
        posterior_metrics={"pred": res.aux["pred"][order], **post_metrics}, prior_metrics=prior_metrics,
        years=years,
    )


def touched_inputs(evaluate: Callable, inputs: Sequence[tuple[str, Any]], pairs, rng: np.random.Generator,
                   m: int = 8) -> np.ndarray:
    """Which inputs change the predicted observations: at ``m`` prior points, each input in turn
    is redrawn and the predictions compared (one engine run of ``m (d + 1)`` draws). An input
    that changes none of them (exactly) has its prior as posterior, independent of the rest.
    Correlated inputs always count as touched."""
    d = len(inputs)
    base = rng.standard_normal((m, d))
    batch = [base]
    for j in range(d):
        z = base.copy()
        z[:, j] = rng.standard_normal(m)
        batch.append(z)
    _, aux = evaluate(np.vstack(batch))
    pred = aux["pred"].reshape(d + 1, m, -1)
    scale = np.maximum(np.abs(pred[0]), 1e-300)
    with np.errstate(invalid="ignore"):
        changed = np.abs(pred[1:] - pred[0][None]) > 1e-10 * scale[None]
    active = changed.reshape(d, -1).any(axis=1)
    correlated = {a for a, b, _ in pairs} | {b for a, b, _ in pairs}
    return active | np.array([name in correlated for name, _ in inputs])


def posterior_report(inputs: Sequence[tuple[str, Any]], values: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Prior (exact quantiles of each distribution) vs posterior (sample quantiles) per input."""
    rows = []
    for name, dist in inputs:
        prior = dist.frozen().ppf([0.05, 0.5, 0.95])
        post = np.quantile(np.asarray(values[name], float), [0.05, 0.5, 0.95])
        width = prior[2] - prior[0]
        rows.append({"input": name,
                     **{f"prior_{q}": v for q, v in zip(("p05", "p50", "p95"), prior)},
                     **{f"posterior_{q}": v for q, v in zip(("p05", "p50", "p95"), post)},
                     "shrinkage": 1 - (post[2] - post[0]) / width if width > 0 else 0.0})
    report = pd.DataFrame(rows)
    return report.sort_values("shrinkage", ascending=False, kind="stable").reset_index(drop=True)


def transfer_posterior(source: Scenario, target: Scenario, posterior: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``posterior`` (fitted on ``source``) that ``target`` can reuse: inputs of
    both scenarios whose prior is the same distribution (inherited unchanged, e.g. rates a
    history scenario takes from the baseline it extends). Inputs the source sets itself (its
    initial stocks, its demand path, its historical education paths) mean something else in
    the target and are left to the target's priors."""
    src = dict(sample_inputs(source, 1).inputs)
    tgt = dict(sample_inputs(target, 1).inputs)
    # initial stocks describe the year before each scenario's own start: never carried over, even
    # when the source inherits their prior unchanged (e.g. the foreign-born share of the stock)
    keep = [c for c in posterior.columns
            if c in src and c in tgt and src[c] == tgt[c] and not c.startswith("workforce.initial.")]
    return posterior[keep + (["distance"] if "distance" in posterior.columns else [])].copy()


def with_horizon_end(scenario_file: str | os.PathLike, end: int, directory: str | os.PathLike):
    """Load ``scenario_file`` with its horizon ending in ``end`` (a scenario file in
    ``directory`` that extends it and sets ``horizon.end``)."""
    import yaml

    from ..scenario.load import load_scenario

    base = load_scenario(scenario_file)
    path = Path(directory) / f"{base.name}_to_{end}.yaml"
    path.write_text(yaml.safe_dump({"name": base.name, "extends": str(Path(scenario_file).resolve()),
                                    "horizon": {"start": base.horizon.start, "end": int(end)}}))
    return load_scenario(path)


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
            files[name] = partial(frame.to_parquet, index=False)
        else:
            files[name] = partial(frame.to_csv, index=False, float_format="%.8g")
    return files


def bands_frame(prior: pd.DataFrame, posterior: pd.DataFrame, label: str) -> pd.DataFrame:
    return pd.concat([prior.assign(which="prior"), posterior.assign(which=label)], ignore_index=True)


def write_calibration(result: Calibration, out_dir: str | os.PathLike, manifest: dict | None = None) -> Path:
    """Write ``posterior.parquet``, ``observation_factors.parquet``, ``calibration_report.csv``,
    ``observations.csv``, ``smc_stages.csv``, ``bands.csv`` and ``manifest.json`` (``manifest``
    plus the calibration settings) atomically."""
    frames = {"posterior.parquet": result.posterior, "observation_factors.parquet": result.factors,
              "calibration_report.csv": result.report, "observations.csv": result.observations,
              "smc_stages.csv": result.stages,
              "bands.csv": bands_frame(result.prior_bands, result.posterior_bands, "posterior")}
    meta = {"kind": "calibration", **(manifest or {}), "calibration": result.settings}
    return write_atomic_dir(out_dir, file_writers(meta, frames))
