"""Run results: arrays shaped (draw, year) per metric, tidy frames, quantile summaries, and
writing a results directory (all or nothing, see :mod:`talentsim.outdir`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .outdir import write_atomic_dir  # the folder writer lives in talentsim.outdir

QUANTILES = (0.05, 0.25, 0.50, 0.75, 0.95)
SE_QUANTILES = (0.05, 0.50, 0.95)
SUMMARY_COLUMNS = [
    "scenario", "metric", "year", "mean", "p05", "p25", "p50", "p75", "p95",
    "se_p05", "se_p50", "se_p95",
]

#: metric -> (unit, meaning). Stocks are end-of-year values; flows take a stock from t-1 to t.
METRICS: dict[str, tuple[str, str]] = {
    # demography and education
    "cohort18": ("people", "18-year-olds"),
    "births_18_years_before": ("people", "live births 18 years earlier"),
    "tertiary_entrants": ("people/yr", "new tertiary students"),
    "ai_track_entrants": ("people/yr", "new students on AI-relevant four-year tracks"),
    "students_bachelor": ("people", "AI-track undergraduates enrolled (incl. on service leave)"),
    "grads_bachelor": ("people/yr", "AI-track bachelor's graduates"),
    "dropouts_bachelor": ("people/yr", "AI-track undergraduates leaving without a degree"),
    "study_abroad": ("people/yr", "graduates leaving to study or work abroad (leave the model)"),
    **{
        f"{key}_{prog}": (unit, text.format(prog=label))
        for prog, label in (("master", "master's"), ("phd", "PhD"))
        for key, unit, text in (
            ("seats", "places", "{prog} student places in AI fields"),
            ("enrolled", "people", "{prog} students enrolled"),
            ("applicants", "people/yr", "domestic {prog} applicants (new + reapplying)"),
            ("intake_domestic", "people/yr", "domestic students admitted to a {prog}"),
            ("intake_international", "people/yr", "international students admitted to a {prog}"),
            ("grads", "people/yr", "{prog} graduates (domestic + international)"),
            ("grads_domestic", "people/yr", "domestic {prog} graduates"),
            ("grads_international", "people/yr", "international {prog} graduates"),
            ("dropouts", "people/yr", "{prog} students leaving without a degree"),
            ("waitlist", "people", "unplaced {prog} applicants waiting to reapply next year"),
            ("reapplicants", "people/yr", "last year's waiting list applying again"),
            ("unplaced_leavers", "people/yr", "unplaced {prog} applicants giving up"),
        )
    },
    # workforce and migration
    "ai_workforce": ("people", "AI workers in Korea"),
    "ai_workforce_bachelor": ("people", "AI workers with a bachelor's degree"),
    "ai_workforce_master": ("people", "AI workers with a master's degree"),
    "ai_workforce_phd": ("people", "AI workers with a PhD"),
    "inflow_graduates": ("people/yr", "new graduates taking Korean AI jobs"),
    "inflow_reskilled": ("people/yr", "reskilled workers entering AI work"),
    "inflow_immigrants": ("people/yr", "foreign AI workers arriving"),
    "inflow_returnees": ("people/yr", "Korean AI workers returning from abroad"),
    "emigration": ("people/yr", "AI workers leaving Korea"),
    **{f"emigration_{r}": ("people/yr", f"AI workers leaving Korea for {label}")
       for r, label in (("us", "the United States"), ("china", "China"),
                        ("other_asia", "other Asian economies"), ("europe", "Europe"))},
    "emigration_rate": ("fraction/yr", "emigration / AI workforce at the start of the year"),
    "retirement": ("people/yr", "AI workers retiring (ageing past 64)"),
    "attrition": ("people/yr", "AI workers moving to non-AI work"),
    "diaspora": ("people", "Korean AI workers abroad"),
    "demand": ("people", "AI labour demand"),
    "shortage": ("people", "demand minus AI workforce"),
    "shortage_probability": ("probability", "1 if shortage > 0 in the draw, so its mean is P(shortage > 0)"),
    "domestic_ai_premium": ("fraction", "domestic AI-skill wage premium"),
    "budget_spent": ("KRW bn/yr", "spending on all levers"),
    **{f"budget_{lever}": ("KRW bn/yr", f"spending on the {lever} lever") for lever in (
        "graduate_seats", "phd_fellowships", "undergrad_ai_programs", "reskilling",
        "retention_pay", "talent_visas", "diaspora_return", "rd_compute")},
    "seat_wait_years": ("years", "mean wait of applicants admitted to a graduate programme (microsim)"),
    "seat_wait_years_master": ("years", "mean wait of applicants admitted to a master's (microsim)"),
    "seat_wait_years_phd": ("years", "mean wait of applicants admitted to a PhD (microsim)"),
    "retention_coverage": ("fraction", "share of AI workers covered by retention pay"),
    **{f"units_{lever}": (unit, f"units in effect: {text}") for lever, unit, text in (
        ("graduate_seats", "places", "student places bought"),
        ("phd_fellowships", "people", "funded PhD students"),
        ("undergrad_ai_programs", "places/yr", "funded AI-track entrant places"),
        ("reskilling", "people/yr", "trainees"),
        ("retention_pay", "people", "workers covered by retention pay"),
        ("talent_visas", "people/yr", "recruits via talent visas"),
        ("diaspora_return", "people/yr", "return incentives"),
        ("rd_compute", "units/yr", "R&D/compute units bought"),
    )},
}


def unit_of(metric: str) -> str:
    """Unit of a metric (``""`` if it is not in :data:`METRICS`)."""
    return METRICS.get(metric, ("", ""))[0]


@dataclass
class Run:
    """A simulated study: per-metric arrays shaped (draw, year) over the horizon years.

    ``initial`` holds end-of-year stocks of the year before the horizon, (draw,) each.
    """

    scenario: str
    years: np.ndarray
    metrics: dict[str, np.ndarray]
    initial: dict[str, np.ndarray] = field(default_factory=dict)
    method: str = "mc"
    seed: int = 0

    @property
    def n_draws(self) -> int:
        return next(iter(self.metrics.values())).shape[0]

    def __getitem__(self, metric: str) -> np.ndarray:
        return self.metrics[metric]

    def to_wide(self) -> pd.DataFrame:
        """One row per draw and year; columns ``draw, year`` and one per metric."""
        n, y = self.n_draws, self.years.size
        cols: dict[str, Any] = {
            "draw": np.repeat(np.arange(n), y),
            "year": np.tile(self.years, n),
        }
        for name in sorted(self.metrics):
            cols[name] = self.metrics[name].reshape(-1)
        return pd.DataFrame(cols)

    def to_frame(self) -> pd.DataFrame:
        """Tidy long table: ``scenario, metric, draw, year, value``."""
        wide = self.to_wide()
        long = wide.melt(id_vars=["draw", "year"], var_name="metric", value_name="value")
        long.insert(0, "scenario", self.scenario)
        return long[["scenario", "metric", "draw", "year", "value"]]


def quantile_se(values: np.ndarray, p: float, axis: int = 0) -> np.ndarray:
    """Standard error of the sample ``p``-quantile over ``axis`` (distribution-free).

    The number of draws below the true quantile is Binomial(n, p), so the sample quantiles at
    p -/+ sqrt(p (1 - p) / n) bracket it by about one standard error each side:
    se = (Q(p + s) - Q(p - s)) / 2, s = sqrt(p (1 - p) / n). It assumes independent draws, so it
    is conservative for Latin-hypercube and Sobol designs.
    """
    n = values.shape[axis]
    s = np.sqrt(p * (1 - p) / n)
    lo, hi = np.quantile(values, [max(p - s, 0.0), min(p + s, 1.0)], axis=axis)
    return (hi - lo) / 2


def summarize(run: Run | pd.DataFrame) -> pd.DataFrame:
    """Per metric and year: mean, the 5, 25, 50, 75 and 95 % quantiles over draws, and the
    standard errors of the 5, 50 and 95 % quantiles (:func:`quantile_se`).

    Accepts a :class:`Run` or its tidy frame (``Run.to_frame()``); columns
    ``scenario, metric, year, mean, p05, p25, p50, p75, p95, se_p05, se_p50, se_p95``.
    """
    if isinstance(run, pd.DataFrame):
        frames = []
        for (scenario, metric), group in run.groupby(["scenario", "metric"], sort=True):
            wide = group.pivot(index="draw", columns="year", values="value")
            frames.append(_summary_frame(scenario, metric, wide.columns.to_numpy(), wide.to_numpy()))
        return pd.concat(frames, ignore_index=True)[SUMMARY_COLUMNS]
    frames = [_summary_frame(run.scenario, name, run.years, run.metrics[name]) for name in sorted(run.metrics)]
    return pd.concat(frames, ignore_index=True)[SUMMARY_COLUMNS]


def _summary_frame(scenario: str, metric: str, years: np.ndarray, arr: np.ndarray) -> pd.DataFrame:
    qs = np.quantile(arr, QUANTILES, axis=0)
    return pd.DataFrame(
        {
            "scenario": scenario,
            "metric": metric,
            "year": years,
            "mean": arr.mean(axis=0),
            **{f"p{round(q * 100):02d}": qs[j] for j, q in enumerate(QUANTILES)},
            **{f"se_p{round(q * 100):02d}": quantile_se(arr, q) for q in SE_QUANTILES},
        }
    )


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_run(
    run: Run,
    out_dir: str | os.PathLike,
    manifest: dict,
    *,
    draws: bool = True,
    summary: pd.DataFrame | None = None,
) -> Path:
    """Write ``summary.csv``, ``draws.parquet`` (unless ``draws=False``) and ``manifest.json``."""
    summary = summarize(run) if summary is None else summary
    files: dict[str, Any] = {
        "summary.csv": lambda p: summary.to_csv(p, index=False, float_format="%.8g"),
        "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
    }
    if draws:
        files["draws.parquet"] = lambda p: run.to_wide().to_parquet(p, index=False)
        # end-of-year stocks of the year before the horizon, so the first year's identities
        # can be checked from the files too
        initial = pd.DataFrame({"draw": np.arange(run.n_draws), **run.initial})
        files["initial.parquet"] = lambda p: initial.to_parquet(p, index=False)
    return write_atomic_dir(out_dir, files)
