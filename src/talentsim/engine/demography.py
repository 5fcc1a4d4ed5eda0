"""Births -> high-school graduates and 18-year-olds.

Children born in year b leave high school in February b + 19, so

    hs_graduates(t) = births(t - 19) * hs_graduation(t)

and the published (mid-year) count of 18-year-olds mixes the birth cohorts t - 18 and t - 19:

    cohort18(t) = cohort18_ratio(t) * (births(t - 18) + births(t - 19)) / 2

Births up to the last data year come from ``data/births_kr.csv`` (Statistics Korea); later
years from the scenario: an explicit series, or the renewal projection

    births(t) = k * tfr(t) * sum_a g(a) * births(t - a),    a = 15..49

where g is a normal age schedule of fertility (mean ``mean_age_at_birth``, sd
``sd_age_at_birth``, summing to 1) so that the mothers' generations are the births a years
earlier, and k (one per draw) is fitted so that the last data year is reproduced exactly; k
absorbs the female share, survival to childbearing age and migration.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
from scipy import stats

MOTHER_AGES = np.arange(15, 50)


@lru_cache(maxsize=1)
def births_data() -> pd.Series:
    """Live births per year (index: year), from the shipped ``births_kr.csv``."""
    with resources.files("talentsim.data").joinpath("births_kr.csv").open("r") as fh:
        frame = pd.read_csv(fh)
    return frame.set_index("year")["live_births"].astype(float)


def fertility_schedule(mean_age: float, sd_age: float) -> np.ndarray:
    """Share of a generation's births at each mother's age in :data:`MOTHER_AGES` (sums to 1)."""
    edges = np.append(MOTHER_AGES, MOTHER_AGES[-1] + 1) - 0.5
    g = np.diff(stats.norm.cdf(edges, mean_age, sd_age))
    return g / g.sum()


def project_births(
    years: np.ndarray,
    n: int,
    *,
    method: str,
    tfr: np.ndarray | None = None,
    series: np.ndarray | None = None,
    schedule: np.ndarray | None = None,
) -> np.ndarray:
    """Births for ``years`` (ascending, consecutive) per draw, shape (n, len(years)).

    Data years come from :func:`births_data` (years before the data take its first year);
    later years from ``series`` or the renewal projection driven by ``tfr`` (both (n, Y),
    aligned with ``years``).
    """
    data = births_data()
    first, last = int(data.index.min()), int(data.index.max())
    out = np.empty((n, years.size))
    in_data = years <= last
    out[:, in_data] = data.reindex(np.clip(years[in_data], first, last)).to_numpy()[None, :]
    future = np.flatnonzero(~in_data)
    if future.size == 0:
        return out
    if method == "series":
        assert series is not None
        out[:, future] = series[:, future]
        return out
    assert tfr is not None and schedule is not None
    # history of births per draw, from the data start to the horizon end
    hist_years = np.arange(first, int(years[-1]) + 1)
    hist = np.empty((n, hist_years.size), order="F")  # a year's draws contiguous
    n_data = last - first + 1
    hist[:, :n_data] = data.loc[first:last].to_numpy()[None, :]

    def mothers(t: int) -> np.ndarray:
        idx = np.clip(t - MOTHER_AGES - first, 0, None)  # before the data: first data year
        # arrays.weighted(hist[:, idx], schedule) without gathering the columns: a fixed order,
        # the same bits for any chunk
        out = hist[:, idx[0]] * schedule[0]
        for j in range(1, idx.size):
            out += hist[:, idx[j]] * schedule[j]
        return out

    # tfr is aligned with `years`; the fit year must be inside them
    pos = {int(y): i for i, y in enumerate(years)}
    if last not in pos:
        raise ValueError(f"births projection needs the year {last} among the simulated years")
    k = data.loc[last] / (tfr[:, pos[last]] * mothers(last))
    for t in range(last + 1, int(years[-1]) + 1):
        hist[:, t - first] = k * tfr[:, pos[t]] * mothers(t)
    out[:, future] = hist[:, years[future] - first]
    return out


def cohort_rows(births_ext: np.ndarray, ratio: np.ndarray, hs_graduation: np.ndarray):
    """(cohort18, hs_graduates, births 18 years before, births 19 years before), each (n, Y), from
    births over the years ``t - 19`` for the first simulated year to ``t - 18`` for the last,
    shape (n, Y + 1)."""
    b19, b18 = births_ext[:, :-1], births_ext[:, 1:]
    return ratio * 0.5 * (b18 + b19), b19 * hs_graduation, b18, b19
