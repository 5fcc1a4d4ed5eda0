"""Births -> 18-year-olds: the anchor facts and the projection."""

import itertools
from pathlib import Path

import numpy as np
import pytest

import talentsim as ts
from talentsim.engine.demography import births_data, fertility_schedule, project_births

from .conftest import write_scenario


def median_of(run, metric, year):
    return float(np.median(run[metric][:, list(run.years).index(year)]))


FROM2005 = Path(__file__).parent / "data" / "from2005.yaml"


@pytest.fixture(scope="module")
def from2005():
    s = ts.load_scenario(FROM2005)
    return ts.simulate(s, ts.sample_inputs(s, 200, rng=1))


def test_anchor_facts_2011_and_2023(from2005):
    assert median_of(from2005, "cohort18", 2011) == pytest.approx(706_000, rel=0.01)
    assert median_of(from2005, "cohort18", 2023) == pytest.approx(443_000, rel=0.01)


def test_four_year_entry_stays_near_the_quota_while_the_cohort_falls(from2005):
    four = [median_of(from2005, "four_year_entrants", y) for y in (2021, 2022, 2023)]
    cohort = [median_of(from2005, "cohort18", y) for y in (2021, 2022, 2023)]
    assert cohort[2] < cohort[1] < cohort[0] and cohort[2] / cohort[0] < 0.95
    for a, b in itertools.pairwise(four):
        assert abs(b / a - 1) <= 0.03
    # per draw too, in most draws (~89 %: where few apply and full_ratio is high, 2023 already
    # falls short of the four-year quota)
    y = list(from2005.years)
    f = from2005["four_year_entrants"]
    steps = np.abs(f[:, y.index(2022)] / f[:, y.index(2021)] - 1), np.abs(f[:, y.index(2023)] / f[:, y.index(2022)] - 1)
    assert np.mean((steps[0] <= 0.03) & (steps[1] <= 0.03)) > 0.8


def test_unfilled_places_rise_as_the_cohort_shrinks(from2005):
    years = range(2032, 2042, 3)
    cohort = [median_of(from2005, "cohort18", y) for y in years]
    unfilled = [median_of(from2005, "unfilled_places", y) for y in years]
    assert all(b < a for a, b in itertools.pairwise(cohort))
    assert all(b > a for a, b in itertools.pairwise(unfilled))
    assert np.all(from2005["unfilled_places"] >= 0)
    assert np.all(from2005["tertiary_entrants"] <= from2005["admission_quota"] * (1 + 1e-12))
    assert np.all(from2005["tertiary_entrants"] <= from2005["tertiary_applicants"] * (1 + 1e-12))


def test_t19_timing_of_a_birth_spike(tmp_path):
    # births 300k a year with one spike of 400k in 2030 (series method, after the data)
    path = write_scenario(tmp_path, "spike", {"horizon": {"start": 2044, "end": 2052},
                                              "demography": {"births": {"method": "series", "tfr": None, "series": {
                                                  "path": "explicit", "values": {2029: 3e5, 2030: 4e5, 2031: 3e5}}}}})
    s = ts.load_scenario(path)
    run = ts.simulate(s, ts.sample_inputs(s, 5, rng=1))
    y = list(run.years)
    hs, app = run["hs_graduates"], run["tertiary_applicants"]
    # entrants of year t come from births(t-19): the spike reaches 2049 exactly, not 2048
    np.testing.assert_allclose(hs[:, y.index(2049)] / hs[:, y.index(2048)], 4 / 3)
    np.testing.assert_allclose(hs[:, y.index(2050)] / hs[:, y.index(2048)], 1.0)
    np.testing.assert_allclose(app[:, y.index(2049)] / app[:, y.index(2048)], 4 / 3)
    # cohort18 mixes t-18 and t-19: half the spike at 2048 and half at 2049
    c = run["cohort18"] / 0.972
    np.testing.assert_allclose(c[:, y.index(2047)], 3e5)
    np.testing.assert_allclose(c[:, y.index(2048)], 3.5e5)
    np.testing.assert_allclose(c[:, y.index(2049)], 3.5e5)
    np.testing.assert_allclose(c[:, y.index(2050)], 3e5)


def test_baseline_cohort_falls_about_40_percent_2023_to_2042(tmp_path):
    path = write_scenario(tmp_path, "span", {"horizon": {"start": 2023}})
    s = ts.load_scenario(path)
    run = ts.simulate(s, ts.sample_inputs(s, 200, rng=1))
    drop = 1 - median_of(run, "cohort18", 2042) / median_of(run, "cohort18", 2023)
    assert 0.35 <= drop <= 0.50


def test_cohort18_mixes_the_births_18_and_19_years_earlier(baseline_run):
    births = births_data()
    y = list(baseline_run.years).index(2030)
    np.testing.assert_allclose(baseline_run["births_18_years_before"][:, y], births[2012])
    np.testing.assert_allclose(baseline_run["births_19_years_before"][:, y], births[2011])
    np.testing.assert_allclose(baseline_run["cohort18"][:, y], 0.972 * (births[2011] + births[2012]) / 2)


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
