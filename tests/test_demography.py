"""Births -> 18-year-olds: the anchor facts and the projection."""

import numpy as np
import pytest

import talentsim as ts
from talentsim.engine.demography import births_data, fertility_schedule, project_births

from .conftest import write_scenario


def median_of(run, metric, year):
    return float(np.median(run[metric][:, list(run.years).index(year)]))


def test_anchor_facts_2011_and_2023(tmp_path):
    path = write_scenario(tmp_path, "from2011", {"horizon": {"start": 2011}})
    s = ts.load_scenario(path)
    run = ts.simulate(s, ts.sample_inputs(s, 200, rng=1))
    assert median_of(run, "cohort18", 2011) == pytest.approx(706_000, rel=0.01)
    assert median_of(run, "cohort18", 2023) == pytest.approx(443_000, rel=0.01)


def test_baseline_cohort_falls_about_40_percent_2023_to_2042(tmp_path):
    path = write_scenario(tmp_path, "span", {"horizon": {"start": 2023}})
    s = ts.load_scenario(path)
    run = ts.simulate(s, ts.sample_inputs(s, 200, rng=1))
    drop = 1 - median_of(run, "cohort18", 2042) / median_of(run, "cohort18", 2023)
    assert 0.35 <= drop <= 0.50


def test_cohort18_is_births_18_years_earlier_times_s18(baseline_run):
    births = births_data()
    y = list(baseline_run.years).index(2030)
    np.testing.assert_allclose(baseline_run["births_18_years_before"][:, y], births[2012])


def test_fertility_schedule_sums_to_one_and_peaks_at_the_mean_age():
    g = fertility_schedule(33.6, 4.5)
    assert g.sum() == pytest.approx(1.0)
    assert np.arange(15, 50)[g.argmax()] in (33, 34)


def test_renewal_reproduces_the_last_data_year_and_scales_with_tfr():
    years = np.arange(2020, 2035)
    low = np.full((1, years.size), 0.8)
    out_low = project_births(years, 1, method="renewal", tfr=low, schedule=fertility_schedule(33.6, 4.5))
    out_high = project_births(years, 1, method="renewal", tfr=low * 1.25, schedule=fertility_schedule(33.6, 4.5))
    last = int(births_data().index.max())
    i = list(years).index(last)
    assert out_low[0, i] == births_data()[last] == out_high[0, i]
    # one year later the mothers are the same, so births scale exactly with the TFR ratio
    assert out_high[0, i + 1] / out_low[0, i + 1] == pytest.approx(1.0)  # same k * tfr ratio
    assert np.all(out_low[0, i + 1:] > 0)


def test_renewal_births_follow_tfr_changes():
    years = np.arange(2024, 2030)
    flat = np.full((1, years.size), 0.8)
    rising = flat.copy()
    rising[0, -1] = 1.0
    sched = fertility_schedule(33.6, 4.5)
    a = project_births(years, 1, method="renewal", tfr=flat, schedule=sched)
    b = project_births(years, 1, method="renewal", tfr=rising, schedule=sched)
    assert b[0, -1] / a[0, -1] == pytest.approx(1.25)


def test_series_method_takes_births_as_given(tmp_path):
    path = write_scenario(tmp_path, "series", {"horizon": {"start": 2044, "end": 2050},
                                               "demography": {"births": {"method": "series", "tfr": None,
                                                                         "series": 100000.0}}})
    s = ts.load_scenario(path)
    run = ts.simulate(s, ts.sample_inputs(s, 3, rng=1))
    np.testing.assert_allclose(run["births_18_years_before"], 100000.0)


def test_cohort18_override(tmp_path):
    path = write_scenario(tmp_path, "direct", {"horizon": {"end": 2030}, "demography": {"cohort18": 400000.0}})
    s = ts.load_scenario(path)
    run = ts.simulate(s, ts.sample_inputs(s, 3, rng=1))
    np.testing.assert_allclose(run["cohort18"], 400000.0)
