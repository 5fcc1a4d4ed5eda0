"""The observation model: how an observed figure relates to a model metric (numbers only).

An observation ``y`` of series ``s`` in year ``t`` is read as

    y = f_s(t) * m(t) * (1 + e),    f_s(t) = factor_s * (1 + growth_s) ** (t - base_year_s)

where ``m`` is the model metric of the row (``metric`` column), ``f_s`` the series' *definition
factor* (a firm survey counts a different population than the Bank of Korea's LinkedIn count;
all-field PhDs are not AI PhDs) and ``e`` the relative observation error. ``factor_s`` and
``growth_s`` are numbers or distributions: uncertain ones are sampled like any scenario input
(named ``observation.<series>.factor`` / ``.factor_growth``) and calibrated with it. Series the
model file does not name have ``f = 1``.

**Error model.** ``[low, high]`` is read as the central ``range_level`` (default 90 %)
interval of the observed value given the truth, with separate sides (a split normal): the
relative scales are ``sd_lo = (y - low) / (z y)`` and ``sd_hi = (high - y) / (z y)``,
``z = Phi^-1((1 + range_level) / 2)``. A model discrepancy ``delta`` (relative, default 5 %)
is added in quadrature on both sides, so that a deterministic model that cannot hit a
well-measured count exactly does not collapse the posterior onto one point. Rows without a
range use ``rel_tol`` (5 %) as a one-sd relative error. The log-likelihood of a draw is

    l = -1/2 sum_i (pred_i - y_i)^2 / (y_i sd_i)^2,   sd_i = sqrt(sd_side^2 + delta^2),

with ``sd_side = sd_lo`` when the prediction is below the observation (the truth below the
reported figure) and ``sd_hi`` above it. The split normal's normalising constant does not
depend on the inputs, so it is left out.

The file is YAML (``data/observed_kr.yaml`` beside the shipped CSV)::

    range_level: 0.9
    discrepancy: 0.05
    series:
      spri_ai_workforce_firms:
        factor: {dist: uniform, low: 0.75, high: 1.05}
        factor_growth: {dist: uniform, low: 0.0, high: 0.35}
        base_year: 2023
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import TypeAdapter, ValidationError
from scipy.stats import norm

from ..scenario.inputs import Scalar

SHIPPED_MODEL = "observed_kr.yaml"
_SCALAR = TypeAdapter(Scalar)
_TOP = {"range_level", "discrepancy", "rel_tol", "series"}
_SERIES = {"factor", "factor_growth", "base_year", "note"}


@dataclass(frozen=True)
class SeriesFactor:
    """Definition factor of one series: ``factor * (1 + factor_growth) ** (t - base_year)``."""

    factor: Any = 1.0          # a number or a distribution (scenario.inputs.Dist)
    factor_growth: Any = 0.0
    base_year: int = 2024


@dataclass(frozen=True)
class ObservationModel:
    range_level: float = 0.9
    discrepancy: float = 0.05
    rel_tol: float = 0.05
    series: dict[str, SeriesFactor] = field(default_factory=dict)
    source: str = "default"

    def inputs(self, series: set[str] | None = None) -> list[tuple[str, Any]]:
        """Uncertain factor parameters ``(name, dist)`` (for the series in ``series``), sorted."""
        out = []
        for name, spec in sorted(self.series.items()):
            if series is not None and name not in series:
                continue
            for part in ("factor", "factor_growth"):
                value = getattr(spec, part)
                if not isinstance(value, (int, float)):
                    out.append((f"observation.{name}.{part}", value))
        return out

    @property
    def z(self) -> float:
        return float(norm.ppf((1 + self.range_level) / 2))


def load_observation_model(source: str | os.PathLike | Mapping | None = None) -> ObservationModel:
    """Read and check an observation-model file; ``None`` reads the shipped ``observed_kr.yaml``.

    Raises ``ValueError`` listing every problem as ``FILE: field.path: what is wrong (got VALUE)``.
    """
    if isinstance(source, Mapping):
        data, shown = dict(source), "observation model"
    elif source is None:
        text = resources.files("talentsim.data").joinpath(SHIPPED_MODEL).read_text(encoding="utf-8")
        data, shown = yaml.safe_load(text) or {}, SHIPPED_MODEL
    else:
        data, shown = yaml.safe_load(Path(source).read_text(encoding="utf-8")) or {}, str(source)
    if not isinstance(data, Mapping):
        raise ValueError(f"{shown}: expected a mapping at the top level (got {type(data).__name__})")
    problems = [f"{shown}: {k}: unknown key (expected one of {', '.join(sorted(_TOP))})" for k in data
                if k not in _TOP]
    level = data.get("range_level", 0.9)
    if not (isinstance(level, (int, float)) and 0 < level < 1):
        problems.append(f"{shown}: range_level: must be a number in (0, 1) (got {level!r})")
    for key, default in (("discrepancy", 0.05), ("rel_tol", 0.05)):
        v = data.get(key, default)
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= (0 if key == "discrepancy" else 1e-12)):
            problems.append(f"{shown}: {key}: must be a number >= 0 (got {v!r})")
    series: dict[str, SeriesFactor] = {}
    raw = data.get("series") or {}
    if not isinstance(raw, Mapping):
        problems.append(f"{shown}: series: expected a mapping of series names (got {raw!r})")
        raw = {}
    for name, spec in raw.items():
        if not isinstance(spec, Mapping):
            problems.append(f"{shown}: series.{name}: expected a mapping (got {spec!r})")
            continue
        problems += [f"{shown}: series.{name}.{k}: unknown key (expected one of {', '.join(sorted(_SERIES))})"
                     for k in spec if k not in _SERIES]
        parsed = {}
        for part, default in (("factor", 1.0), ("factor_growth", 0.0)):
            try:
                parsed[part] = _SCALAR.validate_python(spec.get(part, default))
            except ValidationError as exc:
                problems.append(f"{shown}: series.{name}.{part}: {exc.errors()[0]['msg']} (got {spec.get(part)!r})")
                continue
            q = parsed[part]
            lo = q if isinstance(q, (int, float)) else q.frozen().support()[0]
            if part == "factor" and not lo > 0 and not (not isinstance(q, (int, float)) and lo == 0):
                problems.append(f"{shown}: series.{name}.factor: must be > 0 (got {spec.get(part)!r})")
            if part == "factor_growth" and not lo > -1:
                problems.append(f"{shown}: series.{name}.factor_growth: must be > -1 (got {spec.get(part)!r})")
        year = spec.get("base_year", 2024)
        if not isinstance(year, int) or isinstance(year, bool):
            problems.append(f"{shown}: series.{name}.base_year: must be a whole year (got {year!r})")
        if len(parsed) == 2:
            series[str(name)] = SeriesFactor(parsed["factor"], parsed["factor_growth"], int(year) if isinstance(
                year, int) else 2024)
    if problems:
        raise ValueError("\n".join(problems))
    return ObservationModel(range_level=float(level), discrepancy=float(data.get("discrepancy", 0.05)),
                            rel_tol=float(data.get("rel_tol", 0.05)), series=series, source=shown)


def check_series(model: ObservationModel, observed: pd.DataFrame, shown: str) -> None:
    """Every series the model names must appear in the observations (catches typos)."""
    unknown = sorted(set(model.series) - set(observed["series"]))
    if unknown:
        raise ValueError("\n".join(f"{shown}: series.{s}: no row of the observations has this series (got {s!r})"
                                   for s in unknown))


def factors(model: ObservationModel, observed: pd.DataFrame, values: Mapping[str, np.ndarray],
            n: int) -> np.ndarray:
    """Definition factors ``f_s(t)`` (draw, observation) given the sampled factor inputs."""
    out = np.ones((n, len(observed)))
    for j, (s, year) in enumerate(zip(observed["series"], observed["year"])):
        spec = model.series.get(s)
        if spec is None:
            continue
        f = _value(spec.factor, f"observation.{s}.factor", values, n)
        g = _value(spec.factor_growth, f"observation.{s}.factor_growth", values, n)
        out[:, j] = f * (1 + g) ** (int(year) - spec.base_year)
    return out


def _value(q: Any, name: str, values: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    if isinstance(q, (int, float)):
        return np.full(n, float(q))
    return np.asarray(values[name], dtype=float)


def relative_scales(model: ObservationModel, observed: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """One-sd relative scales ``(below, above)`` per observation, discrepancy included."""
    y = observed["value"].to_numpy(float)
    low, high = observed["low"].to_numpy(float), observed["high"].to_numpy(float)
    ay = np.where(y == 0, np.nan, np.abs(y))
    below = np.where(np.isnan(low), model.rel_tol, (y - low) / (model.z * ay))
    above = np.where(np.isnan(high), model.rel_tol, (high - y) / (model.z * ay))
    # a side of zero width takes the other side's scale
    below, above = np.where(below > 0, below, above), np.where(above > 0, above, below)
    d2 = model.discrepancy ** 2
    below, above = np.sqrt(below ** 2 + d2), np.sqrt(above ** 2 + d2)
    if np.any(~np.isfinite(below)) or np.any(~np.isfinite(above)) or np.any(below <= 0):
        raise ValueError("an observation of value 0 or without a usable range has no error scale; give low and high")
    return below, above


def log_likelihood(pred: np.ndarray, observed: pd.DataFrame, model: ObservationModel) -> np.ndarray:
    """Log-likelihood per draw of predictions ``pred`` (draw, observation) = factor * model."""
    below, above = relative_scales(model, observed)
    y = observed["value"].to_numpy(float)
    r = pred - y[None, :]
    sd = np.where(r < 0, below[None, :], above[None, :]) * np.abs(y)[None, :]
    ll = -0.5 * np.sum((r / sd) ** 2, axis=1)
    return np.where(np.isfinite(ll), ll, -np.inf)


def add_noise(pred: np.ndarray, observed: pd.DataFrame, model: ObservationModel,
              rng: np.random.Generator) -> np.ndarray:
    """Draws of the *observed* figure given predictions (posterior predictive): ``pred * (1 + e)``
    with ``e`` split normal, scale ``below`` on the high side (a report above the truth) and
    ``above`` on the low side, each side chosen in proportion to its scale."""
    below, above = relative_scales(model, observed)
    up = rng.random(pred.shape) < below / (below + above)
    mag = np.abs(rng.standard_normal(pred.shape))
    e = np.where(up, mag * below, -mag * above)
    return pred * (1 + e)
