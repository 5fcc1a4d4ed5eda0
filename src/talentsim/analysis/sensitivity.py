"""Which uncertain inputs drive a forecast: tornado, Sobol indices, variance shares by group.

All analyses evaluate the cohort engine on designed input values (``Draws.fixed``), so one
vectorised :func:`~talentsim.engine.cohort.simulate` call covers a whole design.

* :func:`tornado` swings each input alone between its 10th and 90th percentiles, the others
  at their medians: columns ``input, group, metric, year, low, high, swing``.
* :func:`sobol` estimates first-order and total indices for every year with a Saltelli design
  (``scipy.stats.sobol_indices``, Saltelli 2010 / Jansen estimators) and bootstrap confidence
  intervals: ``input, group, metric, year, S1, S1_conf, ST, ST_conf`` (``*_conf`` = half-width).
* :func:`variance_shares` gives the share of output variance due to each *group* of inputs per
  year (group first-order indices; what they leave is reported as ``interactions``).

Sobol analyses assume independent inputs; declared correlations are ignored there (the tornado
also swings inputs one at a time).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import DegenerateDataWarning, qmc, sobol_indices

from ..engine.cohort import simulate
from ..sampling import Draws, RNGLike, sample_inputs
from ..scenario.schema import Scenario

#: field-path prefix -> group (first match wins; longest prefixes first)
GROUPS: tuple[tuple[str, str], ...] = (
    ("market.demand", "demand"),
    ("levers.rd_compute", "demand"),
    ("demography.", "demography"),
    ("education.", "education"),
    ("graduate_school.", "graduate_schools"),
    ("workforce.", "labour_market"),
    ("market.", "labour_market"),
    ("migration.", "migration"),
    ("levers.", "levers"),
    ("budget_lines.", "levers"),
)
GROUP_NAMES = ("demography", "education", "graduate_schools", "labour_market", "migration", "levers", "demand")
SENSITIVITY_COLUMNS = ["input", "group", "metric", "year", "low", "high", "swing", "S1", "S1_conf", "ST", "ST_conf"]


def input_group(name: str) -> str:
    """The group an input belongs to, from its field path (see :data:`GROUPS`)."""
    for prefix, group in GROUPS:
        if name == prefix or name.startswith(prefix):
            return group
    return "other"


def _evaluate(scenario: Scenario, inputs, values: dict[str, np.ndarray], metric: str,
              chunk_size: int) -> np.ndarray:
    """The metric (n, Y) for designed input values {name: (n,)}."""
    n = len(next(iter(values.values())))
    draws = Draws(inputs=inputs, n_draws=n, method="mc", seed=0, fixed=values)
    return simulate(scenario, draws, chunk_size=chunk_size, metrics=[metric])[metric]


def tornado(
    scenario: Scenario,
    *,
    metric: str = "ai_workforce",
    year: int = 2035,
    low: float = 0.10,
    high: float = 0.90,
    chunk_size: int = 5000,
) -> pd.DataFrame:
    """One-at-a-time swings: each input at its ``low`` and ``high`` quantile, others at medians.

    Runs 2K + 1 engine evaluations (K uncertain inputs) in one vectorised call; rows sorted by
    ``swing = |high - low|``, largest first.
    """
    inputs = sample_inputs(scenario, 1).inputs
    if year not in scenario.years:
        raise ValueError(f"year {year} is outside the horizon {scenario.horizon.start}-{scenario.horizon.end}")
    k = len(inputs)
    values = {}
    for j, (name, dist) in enumerate(inputs):
        frozen = dist.frozen()
        col = np.full(2 * k + 1, float(frozen.ppf(0.5)))
        col[2 * j + 1], col[2 * j + 2] = frozen.ppf(low), frozen.ppf(high)
        values[name] = col
    out = _evaluate(scenario, inputs, values, metric, chunk_size)[:, list(scenario.years).index(year)]
    rows = [
        {"input": name, "group": input_group(name), "metric": metric, "year": year,
         "low": out[2 * j + 1], "high": out[2 * j + 2], "swing": abs(out[2 * j + 2] - out[2 * j + 1])}
        for j, (name, _) in enumerate(inputs)
    ]
    frame = pd.DataFrame(rows, columns=["input", "group", "metric", "year", "low", "high", "swing"])
    return frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def sobol_analysis(
    func: Callable[[np.ndarray], np.ndarray],
    dists: Sequence[Any],
    n: int,
    *,
    rng: RNGLike | None = None,
    confidence_level: float = 0.95,
    n_resamples: int = 200,
) -> dict[str, np.ndarray]:
    """First-order and total Sobol indices with bootstrap confidence half-widths.

    ``func(x)`` takes (d, m) input values and returns (s, m) outputs; ``dists`` are d frozen
    scipy distributions; ``n`` (rounded up to a power of two) base samples, so func sees
    n (d + 2) points. Returns arrays shaped (s, d): ``S1, S1_conf, ST, ST_conf``.
    """
    n = 1 << max(1, math.ceil(math.log2(max(n, 2))))
    gen = np.random.default_rng(rng)
    result = sobol_indices(func=func, n=n, dists=list(dists), rng=gen)
    with warnings.catch_warnings():
        # inputs with no effect give degenerate bootstrap samples: their interval is NaN or 0
        warnings.simplefilter("ignore", DegenerateDataWarning)
        boot = result.bootstrap(confidence_level=confidence_level, n_resamples=n_resamples)
    s1, st = np.atleast_2d(result.first_order), np.atleast_2d(result.total_order)
    s1_ci, st_ci = boot.first_order.confidence_interval, boot.total_order.confidence_interval
    return {
        "S1": s1,
        "S1_conf": np.atleast_2d((s1_ci.high - s1_ci.low) / 2),
        "ST": st,
        "ST_conf": np.atleast_2d((st_ci.high - st_ci.low) / 2),
    }


def sobol(
    scenario: Scenario,
    *,
    metric: str = "ai_workforce",
    n: int = 512,
    rng: RNGLike | None = None,
    confidence_level: float = 0.95,
    chunk_size: int = 5000,
) -> pd.DataFrame:
    """Sobol indices of every uncertain input for ``metric`` in every horizon year."""
    inputs = sample_inputs(scenario, 1).inputs
    names = [name for name, _ in inputs]
    years = np.asarray(scenario.years)

    def func(x: np.ndarray) -> np.ndarray:
        values = {name: x[j] for j, name in enumerate(names)}
        return _evaluate(scenario, inputs, values, metric, chunk_size).T  # (Y, m)

    with np.errstate(invalid="ignore", divide="ignore"):  # years with no variance give NaN
        idx = sobol_analysis(func, [d.frozen() for _, d in inputs], n, rng=rng,
                             confidence_level=confidence_level)
    rows = []
    for y, year in enumerate(years):
        for j, name in enumerate(names):
            rows.append({"input": name, "group": input_group(name), "metric": metric, "year": int(year),
                         **{k: float(v[y, j]) for k, v in idx.items()}})
    return pd.DataFrame(rows, columns=["input", "group", "metric", "year", "S1", "S1_conf", "ST", "ST_conf"])


def group_indices(
    func: Callable[[np.ndarray], np.ndarray],
    dists: Sequence[Any],
    groups: Mapping[str, Sequence[int]],
    n: int,
    *,
    rng: RNGLike | None = None,
) -> dict[str, np.ndarray]:
    """First-order Sobol indices of *groups* of inputs, shape (s,) each.

    Saltelli (2010) estimator on a scrambled Sobol design of n (rounded up to a power of two)
    rows: S_g = mean(f(B) * (f(A_B^g) - f(A))) / Var(f), where A_B^g is A with group g's columns
    taken from B. ``func(x)`` maps (m, d) input values to (m, s) outputs; the design has
    n * (len(groups) + 2) rows. Years with no variance give NaN.
    """
    d = len(dists)
    n = 1 << max(1, math.ceil(math.log2(max(n, 2))))
    if isinstance(rng, np.random.SeedSequence):  # qmc takes an int or a Generator
        rng = np.random.default_rng(rng)
    u = qmc.Sobol(d=2 * d, scramble=True, seed=rng).random(n)
    a = np.column_stack([dists[j].ppf(np.clip(u[:, j], 1e-12, 1 - 1e-12)) for j in range(d)])
    b = np.column_stack([dists[j].ppf(np.clip(u[:, d + j], 1e-12, 1 - 1e-12)) for j in range(d)])
    designs = [a, b]
    for idx in groups.values():
        ab = a.copy()
        ab[:, list(idx)] = b[:, list(idx)]
        designs.append(ab)
    f = np.asarray(func(np.vstack(designs)), dtype=float)
    if f.ndim == 1:
        f = f[:, None]
    f_a, f_b = f[:n], f[n : 2 * n]
    var = np.var(np.vstack([f_a, f_b]), axis=0)
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for k, g in enumerate(groups):
            f_ab = f[(2 + k) * n : (3 + k) * n]
            out[g] = np.where(var > 0, np.mean(f_b * (f_ab - f_a), axis=0) / var, np.nan)
    return out


def variance_shares(
    scenario: Scenario,
    *,
    metric: str = "ai_workforce",
    n: int = 4096,
    rng: RNGLike | None = None,
    chunk_size: int = 5000,
) -> pd.DataFrame:
    """Share of the metric's variance due to each *group* of inputs, per year.

    Group first-order indices (:func:`group_indices`, n base rows; 4096 keeps the shares
    within a few points between seeds for the baseline). Shares are max(S_g, 0);
    ``interactions`` = max(1 - sum, 0); if sampling error pushes the sum above 1 the shares are
    rescaled to sum to 1. Columns ``group, metric, year, share``.
    """
    inputs = sample_inputs(scenario, 1).inputs
    names = [name for name, _ in inputs]
    groups = {g: [j for j, name in enumerate(names) if input_group(name) == g] for g in GROUP_NAMES}
    groups = {g: idx for g, idx in groups.items() if idx}

    def func(x: np.ndarray) -> np.ndarray:
        return _evaluate(scenario, inputs, {name: x[:, j] for j, name in enumerate(names)}, metric, chunk_size)

    raw = group_indices(func, [dist.frozen() for _, dist in inputs], groups, n, rng=rng)
    shares = {g: np.maximum(v, 0.0) for g, v in raw.items()}
    total = sum(shares.values())
    scale = np.where(total > 1, total, 1.0)
    shares = {g: v / scale for g, v in shares.items()}
    shares["interactions"] = np.maximum(1 - sum(shares.values()), 0.0)
    rows = [
        {"group": g, "metric": metric, "year": year, "share": float(v[y])}
        for y, year in enumerate(scenario.years)
        for g, v in shares.items()
    ]
    return pd.DataFrame(rows, columns=["group", "metric", "year", "share"])


def combine(tornado_frame: pd.DataFrame | None, sobol_frame: pd.DataFrame | None) -> pd.DataFrame:
    """One ``sensitivity.csv`` table: tornado columns for its year, Sobol columns for all years."""
    keys = ["input", "group", "metric", "year"]
    frames = [f for f in (tornado_frame, sobol_frame) if f is not None]
    out = frames[0]
    for f in frames[1:]:
        out = out.merge(f, on=keys, how="outer")
    for col in SENSITIVITY_COLUMNS:
        if col not in out:
            out[col] = np.nan
    if tornado_frame is not None:
        order = {name: k for k, name in enumerate(tornado_frame["input"])}
        out = out.assign(_o=out["input"].map(order)).sort_values(["year", "_o"], kind="stable").drop(columns="_o")
    return out[SENSITIVITY_COLUMNS].reset_index(drop=True)
