"""Checks on a finished run before anything is written: no NaN or infinity, no negative stock or
flow, nothing beyond the population. Each failure names the metric, the year and the draw.

>>> check_run(run)            # raises ResultError on the first bad value
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .results import METRICS, Run

__all__ = ["POPULATION_LIMIT", "ResultError", "check_run", "check_summary"]

#: metrics that may be negative (a gap, a premium, a net flow)
SIGNED = frozenset({"shortage", "domestic_ai_premium", "net_migration"})
#: informational metrics that are NaN where there is nothing to report
MAY_BE_MISSING = frozenset({"births_18_years_before"})
#: [A] a plausibility ceiling for any stock of people: Korea's whole population is about 51.7
#: million (Statistics Korea, 2024); an AI workforce, a diaspora or a student body above it means
#: the inputs are absurd (e.g. demand near zero inflating the wage premium), not a projection
POPULATION_LIMIT = 52_000_000
#: rounding below this is not "negative"
TOLERANCE = 1e-6
PEOPLE_STOCKS = ("ai_workforce", "diaspora", "students_bachelor", "enrolled_master", "enrolled_phd")


class ResultError(ValueError):
    """A run produced values that must not be written (one line: metric, year, draw)."""


def _first_bad(arr: np.ndarray, bad: np.ndarray, years) -> tuple[int, int, float]:
    draw, col = np.unravel_index(int(np.argmax(bad)), bad.shape)
    return int(draw), int(years[col]), float(arr[draw, col])


def check_run(run: Run) -> None:
    """Raise :class:`ResultError` on the first metric holding NaN/infinity, a negative value
    (except :data:`SIGNED` metrics) or a stock of people above :data:`POPULATION_LIMIT`."""
    for name in sorted(run.metrics):
        arr = np.asarray(run.metrics[name], dtype=float)
        if arr.ndim != 2:
            continue
        bad = ~np.isfinite(arr)
        if name not in MAY_BE_MISSING and bad.any():
            draw, year, value = _first_bad(arr, bad, run.years)
            raise ResultError(f"result {name} is {value} in {year} (draw {draw}); refusing to write it: "
                              f"the inputs drive the model outside its range")
        if name in SIGNED or name in MAY_BE_MISSING:
            continue
        bad = arr < -TOLERANCE
        if bad.any():
            draw, year, value = _first_bad(arr, bad, run.years)
            raise ResultError(f"result {name} is negative ({value:.6g}) in {year} (draw {draw}); refusing "
                              "to write it: the inputs make outflows exceed the stock")
    for name in PEOPLE_STOCKS:
        if name in run.metrics:
            arr = np.asarray(run.metrics[name], dtype=float)
            bad = arr > POPULATION_LIMIT
            if bad.any():
                draw, year, value = _first_bad(arr, bad, run.years)
                raise ResultError(f"result {name} reaches {value:,.0f} in {year} (draw {draw}), more than Korea's "
                                  f"whole population; refusing to write it: check market.demand and the migration "
                                  "inputs")


def check_summary(summary: pd.DataFrame) -> None:
    """The same checks on a summary table (a streaming run keeps no per-draw values: the draw is
    not known, the quantiles are checked)."""
    cols = [c for c in ("mean", "p05", "p25", "p50", "p75", "p95") if c in summary]
    row: Any  # a row of the summary's columns (itertuples: untyped fields)
    for row in summary.itertuples(index=False):
        metric = row.metric
        values = np.array([getattr(row, c) for c in cols], dtype=float)
        if metric in MAY_BE_MISSING:
            continue
        if not np.isfinite(values).all():
            raise ResultError(f"result {metric} is not finite in {row.year}; refusing to write it")
        if metric not in SIGNED and values.min() < -TOLERANCE and METRICS.get(metric, ("",))[0] != "fraction":
            raise ResultError(f"result {metric} is negative ({values.min():.6g}) in {row.year}; refusing to write it")
        if metric in PEOPLE_STOCKS and values.max() > POPULATION_LIMIT:
            raise ResultError(f"result {metric} reaches {values.max():,.0f} in {row.year}, more than Korea's whole "
                              "population; refusing to write it")
