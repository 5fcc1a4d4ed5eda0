"""Compare policies on common random numbers: paired differences and cost per extra worker.

Every scenario of a comparison is simulated on the *same* draws of the uncertain inputs they
share: an input keeps its name (its field path) across scenarios, and its draws come from a
stream keyed by that name (for ``sobol``, from the same dimension of one joint design). So the
difference ``alternative - base`` in a draw isolates the policy, not sampling noise.

>>> result = compare_policies(base, [alt], n_draws=2000, rng=1)     # doctest: +SKIP
>>> result.levers[["scenario", "krw_bn_per_extra_worker_2035"]]    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..engine.cohort import simulate
from ..metrics import describe
from ..results import QUANTILES, Run, summarize
from ..sampling import Draws, Method, RNGLike, pin_scenario_posterior, sample_inputs
from ..scenario.inputs import iter_dists
from ..scenario.schema import Scenario
from . import economics as econ

COMPARISON_COLUMNS = ["scenario", "metric", "unit", "description", "year", "mean", "p05", "p25", "p50", "p75", "p95",
                      "p_greater"]
LEVER_COLUMNS = [
    "scenario",
    "extra_budget_krw_bn",
    "extra_workers_2030",
    "extra_workers_2035",
    "extra_workers_2040",
    "extra_workers_2035_p05",
    "extra_workers_2035_p95",
    "krw_bn_per_extra_worker_2035",
    "extra_workers_2050",
    "krw_bn_per_extra_worker_2050",
    *econ.ECONOMICS_COLUMNS,  # present values over the appraisal window (talentsim.analysis.economics)
    "p_best",
    "mean_rank",
]


@dataclass
class Comparison:
    """``comparison``: paired differences per metric and year; ``levers``: one row per
    alternative; ``summaries``: each scenario's own summary (base first); ``inputs``: each
    scenario's uncertain inputs per draw (``draw`` and one column per input); ``ranks``: the share
    of draws in which each alternative takes each rank (:func:`economics.rank_alternatives`);
    ``note``: a sentence when the top levers cannot be separated (else None)."""

    comparison: pd.DataFrame
    levers: pd.DataFrame
    summaries: dict[str, pd.DataFrame] = field(default_factory=dict)
    inputs: dict[str, pd.DataFrame] = field(default_factory=dict)
    ranks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=econ.RANK_COLUMNS))
    note: str | None = None


def common_draws(scenarios: Sequence[Scenario], n_draws: int, method: Method, seed: int) -> list[Draws]:
    """One design per scenario over the union of their inputs, so shared inputs get the same
    draws (needed for sobol, whose dimensions follow the input list; harmless for mc/lhs), with
    each scenario's declared correlations and its ``inputs_from`` posterior (the same rows for
    every scenario that reads the same file)."""
    pool: dict[str, object] = {}
    for s in scenarios:
        for name, dist in iter_dists(s):
            pool.setdefault(name, dist)
    names = sorted(pool)
    out = []
    for s in scenarios:
        own = dict(iter_dists(s))
        inputs = tuple((n, own.get(n, pool[n])) for n in names)
        pairs = tuple((c.between[0], c.between[1], c.rank) for c in s.correlations)
        draws = Draws(inputs=inputs, n_draws=n_draws, method=method, seed=seed, correlations=pairs)
        out.append(pin_scenario_posterior(draws, s))
    return out


def paired_differences(base: Run, alt: Run) -> pd.DataFrame:
    """Quantiles of ``alt - base`` per metric and year and P(alt > base); COMPARISON_COLUMNS."""
    frames = []
    for name in sorted(set(base.metrics) & set(alt.metrics)):
        diff = alt[name] - base[name]
        qs = np.quantile(diff, QUANTILES, axis=0)
        frames.append(pd.DataFrame({
            "scenario": alt.scenario,
            "metric": name,
            "year": base.years,
            "mean": diff.mean(axis=0),
            **{f"p{round(q * 100):02d}": qs[j] for j, q in enumerate(QUANTILES)},
            "p_greater": (alt[name] > base[name]).mean(axis=0),
        }))
    return describe(pd.concat(frames, ignore_index=True))[COMPARISON_COLUMNS]


def lever_row(base: Run, alt: Run) -> dict:
    """Extra budget, extra workers and KRW bn per extra worker of one alternative.

    Money is in KRW bn at constant prices of the scenarios' ``price_basis.base_year`` (2024 in
    the shipped scenarios).

    extra_budget_krw_bn: median over draws of the cumulative extra spending over the horizon.
    extra_workers_Y: median (and 5 / 95 % quantiles for 2035) of the paired difference in
    ai_workforce in year Y. krw_bn_per_extra_worker_Y (Y = 2035, 2050): median cumulative extra
    spending up to Y divided by the median extra workers in Y; NaN when Y is outside the horizon,
    the median extra spending is not positive or the median extra workers is below one person
    (a lever that has not yet added anyone, such as PhD fellowships whose switchers are still
    studying in 2035, has no cost per worker then).
    """
    years = list(base.years)
    extra_spend = alt["budget_spent"] - base["budget_spent"]
    extra_workers = alt["ai_workforce"] - base["ai_workforce"]

    def workers(year: int, q: float = 0.5) -> float:
        return float(np.quantile(extra_workers[:, years.index(year)], q)) if year in years else np.nan

    row: dict[str, Any] = {
        "scenario": alt.scenario,
        "extra_budget_krw_bn": float(np.median(extra_spend.sum(axis=1))),
        "extra_workers_2030": workers(2030),
        "extra_workers_2035": workers(2035),
        "extra_workers_2040": workers(2040),
        "extra_workers_2035_p05": workers(2035, 0.05),
        "extra_workers_2035_p95": workers(2035, 0.95),
        "krw_bn_per_extra_worker_2035": np.nan,
        "extra_workers_2050": workers(2050),
        "krw_bn_per_extra_worker_2050": np.nan,
    }
    for year in (2035, 2050):
        if year in years and row[f"extra_workers_{year}"] >= 1:
            upto = years.index(year) + 1
            spend = float(np.median(extra_spend[:, :upto].sum(axis=1)))
            if spend > 0:  # no extra money (fertility paths, cuts): no cost per worker
                row[f"krw_bn_per_extra_worker_{year}"] = spend / row[f"extra_workers_{year}"]
    return row


def compare_policies(
    base: Scenario,
    alternatives: Sequence[Scenario],
    *,
    n_draws: int | None = None,
    method: Method | None = None,
    rng: RNGLike | None = None,
    chunk_size: int = 5000,
    progress: Callable[[int], None] | None = None,
    discount_rate: float = econ.DEFAULT_RATE,
    window: tuple[int, int] | None = None,
) -> Comparison:
    """Simulate ``base`` and every alternative on common random numbers and compare them.

    ``n_draws``, ``method`` and ``rng`` (an int, SeedSequence or Generator) default to the base
    scenario's ``sampling`` section.
    Alternatives must share the base's horizon. Runs one alternative at a time, so memory holds
    two runs at most (plus two numbers per draw and alternative for the ranking).
    ``discount_rate`` and ``window`` (first, last year; default 2026-2050 cut to the horizon)
    set the appraisal of :mod:`talentsim.analysis.economics`.
    """
    for alt in alternatives:
        if alt.years != base.years:
            raise ValueError(
                f"scenario '{alt.name}' has horizon {alt.horizon.start}-{alt.horizon.end}, "
                f"base '{base.name}' {base.horizon.start}-{base.horizon.end}: horizons must match"
            )
    span = econ.resolve_window(window, base.years)
    first = sample_inputs(base, n_draws, method, rng)
    designs = common_draws([base, *alternatives], first.n_draws, first.method, first.seed)
    base_run = simulate(base, designs[0], chunk_size=chunk_size, progress=progress)
    summaries = {base.name: summarize(base_run)}
    inputs = {base.name: base_run.inputs}
    diffs, rows, pvs = [], [], []
    for alt, draws in zip(alternatives, designs[1:]):
        run = simulate(alt, draws, chunk_size=chunk_size, progress=progress)
        summaries.setdefault(alt.name, summarize(run))
        inputs.setdefault(alt.name, run.inputs)
        diffs.append(paired_differences(base_run, run))
        row = lever_row(base_run, run)
        if span is None:
            row |= econ.no_economics(discount_rate)
        else:
            pvs.append(econ.paired_present_values(base_run, run, discount_rate, span))
            row |= {"discount_rate": discount_rate, "window_start": span[0], "window_end": span[1],
                    **econ.appraise(*pvs[-1])}
        rows.append(row)
    comparison = pd.concat(diffs, ignore_index=True) if diffs else pd.DataFrame(columns=COMPARISON_COLUMNS)
    names = [alt.name for alt in alternatives]
    p_best, mean_rank, ranks = econ.rank_alternatives(names, [c for c, _ in pvs], [w for _, w in pvs])
    for row in rows:
        row["p_best"], row["mean_rank"] = p_best.get(row["scenario"], np.nan), mean_rank.get(row["scenario"], np.nan)
    levers = pd.DataFrame(rows, columns=LEVER_COLUMNS)
    return Comparison(comparison, levers, summaries, inputs, ranks, econ.separation_note(levers))
