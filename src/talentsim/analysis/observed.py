"""Observations, and model values at them (numbers only).

Observations are a CSV (``series, metric, year, value, low, high, definition, unit, kind,
source_id``, or the older ``year, metric, value, source[, low, high]``; see
``data/OBSERVED.md``); :func:`read_observed` checks one, ``None`` reads the shipped
``data/observed_kr.csv``. A metric is a model metric (:data:`talentsim.results.METRICS`) or a
derived one (:data:`DERIVED`, a ratio of sums of model metrics). The likelihood of a run given
the observations is in :mod:`talentsim.analysis.observed_model`.

**Distance** (kept for comparisons with the earlier rejection ABC). For observation ``i`` with
value ``y``, model value ``x`` (one draw) and range ``[low, high]``, the standardised error is
``z = (x - y) / s`` with ``s = y - low`` when ``x < y`` and ``s = high - y`` otherwise (a zero
side falls back to ``(high - low) / 2``; without a range ``s = rel_tol * |y|``). A draw's
distance is ``D = sum_i z_i ** 2`` over the observations used."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..results import METRICS, QUANTILES, unit_of
from ..scenario.schema import Scenario

BAND_COLUMNS = ["metric", "year", "p05", "p25", "p50", "p75", "p95"]
class DerivedMetric(NamedTuple):
    """``sum(numerator metrics) / sum(denominator metrics)``, per draw and year."""

    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    unit: str
    meaning: str


#: metrics computed from model metrics, usable in an observations file
DERIVED: dict[str, DerivedMetric] = {
    "tertiary_entry_rate": DerivedMetric(("first_time_applicants",), ("hs_graduates",), "fraction",
                                         "first-time tertiary applicants per high-school graduate (advancement rate)"),
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
#: kinds of rows: only ``observation`` rows are fitted and scored; ``forecast`` rows (others'
#: projections, e.g. a ministry's shortage forecast) are comparison lines; ``context`` rows are
#: documentation (a figure that is not comparable with any model metric, or lies outside a horizon)
KINDS = ("observation", "context", "forecast")
#: columns of :func:`read_observed`'s result (``source`` holds the file's ``source_id``)
OBSERVED_COLUMNS = ["series", "metric", "year", "value", "low", "high", "kind", "source", "definition", "unit"]
_V1 = {"year", "metric", "value", "source", "low", "high"}
_V2 = {"series", "metric", "year", "value", "low", "high", "definition", "unit", "kind", "source_id"}


def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (isinstance(x, str) and not x.strip())


def read_observed(
    source: str | os.PathLike | pd.DataFrame | None = None,
    horizon: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Read and check an observations table; ``None`` reads the shipped ``observed_kr.csv``.

    Two layouts are accepted (``data/OBSERVED.md``): ``series, metric, year, value, low, high,
    definition, unit, kind, source_id`` and the older ``year, metric, value, source[, low,
    high]`` (every row then an ``observation`` and its own series named after the metric).
    Returns :data:`OBSERVED_COLUMNS` in file order (``low``/``high`` NaN where not given).

    With ``horizon=(start, end)``, an ``observation`` row whose year lies outside it is an
    error. Raises ``ValueError`` listing every problem, one per line, as ``FILE: row N: field:
    what is wrong (got VALUE)`` (N counts data rows from 1).
    """
    if isinstance(source, pd.DataFrame):
        frame, shown = source.copy(), "observations"
    elif source is None:
        with resources.files("talentsim.data").joinpath(SHIPPED_OBSERVED).open("r", encoding="utf-8") as fh:
            frame = pd.read_csv(fh, skipinitialspace=True, keep_default_na=False, na_values=[""])
        shown = SHIPPED_OBSERVED
    else:
        frame = pd.read_csv(source, skipinitialspace=True, keep_default_na=False, na_values=[""])
        shown = str(source)
    if "series" in frame.columns and "source" in frame.columns and "source_id" not in frame.columns:
        frame = frame.rename(columns={"source": "source_id"})  # a table read_observed returned
    cols = set(frame.columns)
    if "series" in cols or "source_id" in cols or "kind" in cols:
        missing = sorted(_V2 - {"low", "high", "definition", "unit"} - cols)
        extra = sorted(cols - _V2)
        layout = "series, metric, year, value, low, high, definition, unit, kind, source_id"
    else:
        missing = [c for c in ("year", "metric", "value", "source") if c not in cols]
        extra = sorted(cols - _V1)
        layout = "year, metric, value, source and optionally low, high"
    if missing or extra:
        raise ValueError(f"{shown}: columns must be {layout} (missing {missing}, unknown {extra})")
    if "source_id" in cols:
        frame = frame.rename(columns={"source_id": "source"})
    for col in ("low", "high"):
        if col not in frame.columns:
            frame[col] = np.nan
    if "kind" not in frame.columns:
        frame["kind"] = "observation"
    if "series" not in frame.columns:
        frame["series"] = frame["metric"]
    for col in ("definition", "unit"):
        if col not in frame.columns:
            frame[col] = ""
    problems = []
    known = set(METRICS) | set(DERIVED)
    row: Any  # a row of the file's columns, as read (itertuples: untyped fields)
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        where = f"{shown}: row {i}"
        kind = row.kind
        if kind not in KINDS:
            problems.append(f"{where}: kind: must be one of {', '.join(KINDS)} (got {kind!r})")
        try:
            year, value, low, high = (float(row.year), float(row.value),
                                      float(row.low), float(row.high))
        except (TypeError, ValueError):
            problems.append(f"{where}: year, value, low, high: must be numbers "
                            f"(got {row.year!r}, {row.value!r}, {row.low!r}, {row.high!r})")
            continue
        if not (math.isfinite(year) and year == int(year)):
            problems.append(f"{where}: year: must be a whole number (got {row.year!r})")
        elif horizon is not None and kind == "observation" and not horizon[0] <= year <= horizon[1]:
            problems.append(f"{where}: year: outside the scenario's horizon {horizon[0]}-{horizon[1]} "
                            f"(got {int(year)}); mark the row kind=context or drop it")
        if kind == "observation" and row.metric not in known:
            problems.append(f"{where}: metric: unknown metric {row.metric!r}; use a model metric "
                            "(talentsim.results.METRICS) or a derived one (talentsim.analysis.observed.DERIVED)")
        if _blank(row.series):
            problems.append(f"{where}: series: every row needs a series name (got {row.series!r})")
        if not math.isfinite(value):
            problems.append(f"{where}: value: must be a finite number (got {row.value!r})")
        if math.isnan(low) != math.isnan(high):
            problems.append(f"{where}: low, high: give both, or neither (got low={row.low!r}, high={row.high!r})")
        elif not math.isnan(low) and not (low <= value <= high and low < high):
            problems.append(f"{where}: low, high: need low <= value <= high and low < high, a range that is "
                            f"not negative (got low={low:g}, value={value:g}, high={high:g})")
        if _blank(row.source):
            problems.append(f"{where}: source: every row needs a source (got {row.source!r})")
    if problems:
        raise ValueError("\n".join(problems))
    frame["year"] = frame["year"].astype(int)
    frame[["value", "low", "high"]] = frame[["value", "low", "high"]].astype(float)
    for col in ("definition", "unit", "metric"):
        frame[col] = frame[col].fillna("").astype(str)
    return frame[OBSERVED_COLUMNS].reset_index(drop=True)


def fitted_rows(observed: pd.DataFrame) -> pd.DataFrame:
    """The rows that are fitted and scored (``kind == "observation"``), re-indexed."""
    return observed[observed["kind"] == "observation"].reset_index(drop=True)


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


def in_horizon(scenario: Scenario, observed: pd.DataFrame) -> np.ndarray:
    return observed["year"].between(scenario.horizon.start, scenario.horizon.end).to_numpy()


def at_observations(arrays: Mapping[str, np.ndarray], years: np.ndarray, observed: pd.DataFrame) -> np.ndarray:
    """Model values (draw, observation) at each observation's metric and year."""
    index = {int(y): j for j, y in enumerate(years)}
    cols = [metric_values(arrays, m)[:, index[int(y)]] for m, y in zip(observed["metric"], observed["year"])]
    n = len(next(iter(arrays.values())))
    return np.column_stack(cols) if cols else np.empty((n, 0))


def quantile_bands(arrays: Mapping[str, np.ndarray], years: np.ndarray, metrics: Sequence[str]) -> pd.DataFrame:
    """Quantiles over draws per metric and year: ``metric, year, p05 ... p95``."""
    frames = []
    for m in sorted(set(metrics)):
        qs = np.nanquantile(metric_values(arrays, m), QUANTILES, axis=0)
        frames.append(pd.DataFrame({"metric": m, "year": years,
                                    **{f"p{round(q * 100):02d}": qs[j] for j, q in enumerate(QUANTILES)}}))
    return pd.concat(frames, ignore_index=True)[BAND_COLUMNS] if frames else pd.DataFrame(columns=BAND_COLUMNS)
