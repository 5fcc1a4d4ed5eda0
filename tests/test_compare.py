"""Policy comparison on common random numbers, and every lever's effect in the engine."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import talentsim as ts
from talentsim.analysis.compare import COMPARISON_COLUMNS, LEVER_COLUMNS
from talentsim.cli import main

from .conftest import BASELINE, ROOT, write_scenario

SCENARIOS = ROOT / "scenarios"


def load(name):
    return ts.load_scenario(SCENARIOS / f"{name}.yaml")


def run(scenario, n=300, seed=5):
    return ts.simulate(scenario, ts.sample_inputs(scenario, n, "lhs", rng=seed))


def column(r, metric, year):
    return r[metric][:, list(r.years).index(year)]


def test_comparing_the_baseline_with_itself_gives_exact_zeros(tmp_path):
    out = tmp_path / "cmp"
    result = CliRunner().invoke(main, ["compare", str(BASELINE), str(BASELINE), "--draws", "60", "--out", str(out)])
    assert result.exit_code == 0, result.output
    comparison = pd.read_csv(out / "comparison.csv")
    assert list(comparison.columns) == COMPARISON_COLUMNS
    assert (comparison[["mean", "p05", "p25", "p50", "p75", "p95", "p_greater"]] == 0).all().all()
    levers = pd.read_csv(out / "levers.csv")
    assert list(levers.columns) == LEVER_COLUMNS
    undefined = ["krw_bn_per_extra_worker_2035", "krw_bn_per_extra_worker_2050", "krw_bn_per_worker_year", "krw_bn_per_worker_year_p05",
                 "krw_bn_per_worker_year_p50", "krw_bn_per_worker_year_p95", "p_best", "mean_rank"]
    assert levers[undefined].isna().all().all()  # no extra money, no effect: no cost, no rank
    settings = ["scenario", "discount_rate", "window_start", "window_end"]
    assert (levers.drop(columns=undefined + settings) == 0).all().all()
    assert (out / "baseline" / "summary.csv").exists()


def test_compare_writes_one_lever_row_per_alternative_and_their_summaries(tmp_path):
    out = tmp_path / "cmp"
    alts = [SCENARIOS / "reskilling_push.yaml", SCENARIOS / "retention_pay.yaml"]
    result = CliRunner().invoke(main, ["compare", str(BASELINE), *map(str, alts), "--draws", "50",
                                       "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    levers = pd.read_csv(out / "levers.csv")
    assert list(levers.scenario) == ["reskilling_push", "retention_pay"]
    assert levers.extra_budget_krw_bn.tolist() == pytest.approx([2500.0, 2500.0])  # 100 bn x 2026-2050
    assert (levers.extra_workers_2035 > 0).all()
    row = levers.iloc[0]
    assert row.extra_workers_2035_p05 <= row.extra_workers_2035 <= row.extra_workers_2035_p95
    assert row.krw_bn_per_extra_worker_2035 == pytest.approx(1000.0 / row.extra_workers_2035, rel=1e-6)
    for name in ("baseline", "reskilling_push", "retention_pay"):
        assert (out / name / "summary.csv").exists()


def test_compare_refuses_different_horizons(tmp_path):
    other = write_scenario(tmp_path, "short", {"horizon": {"end": 2040}})
    result = CliRunner().invoke(main, ["compare", str(BASELINE), str(other), "--draws", "5"])
    assert result.exit_code == 2
    assert f"{other}: horizon: must match the base scenario's 2024-2050 (got 2024-2040)" in result.output


def test_common_random_numbers_narrow_the_paired_band_at_least_5x():
    base, alt = load("baseline"), load("grad_school_expansion")
    n = 1000
    result = ts.compare_policies(base, [alt], n_draws=n, method="lhs", rng=1)
    paired = result.comparison.set_index(["metric", "year"]).loc[("ai_workforce", 2035)]
    paired_width = paired.p95 - paired.p05
    independent = column(run(alt, n, seed=2), "ai_workforce", 2035) - column(run(base, n, seed=1), "ai_workforce", 2035)
    independent_width = np.quantile(independent, 0.95) - np.quantile(independent, 0.05)
    assert paired_width > 0
    # measured 4.8x on the calibrated baseline (paired 3.2k, independent 15.1k): the posterior
    # narrows the independent band, the finite engineers' pool widens the paired one
    assert independent_width / paired_width >= 4


def test_api_returns_the_same_tidy_frames():
    result = ts.compare_policies(load("baseline"), [load("talent_visa")], n_draws=40, rng=2)
    assert list(result.comparison.columns) == COMPARISON_COLUMNS
    assert list(result.levers.columns) == LEVER_COLUMNS
    assert set(result.summaries) == {"baseline", "talent_visa"}


# ---------------------------------------------------------------- each lever in the engine
@pytest.fixture(scope="module")
def base_run():
    return run(load("baseline"))


def test_retention_pay_lowers_emigration(base_run):
    alt = run(load("retention_pay"))
    assert np.all(column(alt, "emigration", 2030) < column(base_run, "emigration", 2030))
    assert np.all(column(alt, "retention_coverage", 2030) > 0)
    np.testing.assert_array_equal(column(alt, "emigration", 2025), column(base_run, "emigration", 2025))


def test_talent_visas_raise_immigration(base_run):
    alt = run(load("talent_visa"))
    assert np.all(column(alt, "inflow_immigrants", 2030) > column(base_run, "inflow_immigrants", 2030))


def test_return_incentives_raise_returns_and_shrink_the_diaspora(base_run):
    alt = run(load("diaspora_return"))
    assert np.all(column(alt, "inflow_returnees", 2030) > column(base_run, "inflow_returnees", 2030))
    assert np.all(column(alt, "diaspora", 2030) < column(base_run, "diaspora", 2030))


def test_fellowships_raise_phd_applicants_and_graduates(base_run):
    alt = run(load("phd_fellowships"))
    assert np.all(column(alt, "applicants_phd", 2028) > column(base_run, "applicants_phd", 2028))
    years = [list(alt.years).index(y) for y in range(2031, 2040)]
    gain = (alt["grads_phd"][:, years] - base_run["grads_phd"][:, years]).sum(axis=1)
    # the extra applicants also compete for the full AI graduate-school places (displacing
    # applicants from outside the AI track) and funded students hold places longer, so a single
    # year can dip; over 2031-2039 nearly every draw gains
    assert (gain > 0).mean() > 0.95 and np.median(gain) > 300
    domestic = (alt["grads_domestic_phd"][:, years] - base_run["grads_domestic_phd"][:, years]).sum(axis=1)
    assert (domestic > 0).mean() > 0.95 and np.median(domestic) > 300


def test_undergraduate_places_raise_ai_track_entrants_up_to_the_cap(tmp_path, base_run):
    alt = run(load("undergrad_ai_push"))
    gain = column(alt, "ai_track_entrants", 2030) - column(base_run, "ai_track_entrants", 2030)
    assert np.all(gain > 0)
    line = {"budget_lines": {"ug": {"lever": "undergrad_ai_programs", "krw_bn": 1e7, "first_year": 2026}}}
    # the lever's own cap (extra places universities can staff, 3-10k a year): the units never
    # exceed it, so the gain is at most cap x effect however much money
    staffed = run(ts.load_scenario(write_scenario(tmp_path, "staffed", line)))
    units = column(staffed, "units_undergrad_ai_programs", 2035)
    assert np.all(units <= 10000 * (1 + 1e-12)) and units.min() > 2900
    # without that cap, the structural one (education.max_ai_share 0.25 of four-year entrants)
    # holds in every draw and year
    huge = ts.load_scenario(write_scenario(tmp_path, "huge", {
        **line, "levers": {"undergrad_ai_programs": {"cap_units": None}}}))
    capped = run(huge)
    share = capped["ai_track_entrants"] / capped["four_year_entrants"]
    assert np.all(share <= 0.25 * (1 + 1e-12)) and share.max() > 0.249


def test_rd_compute_raises_demand_by_units_times_effect(tmp_path, base_run):
    linear = {"effect": 3.0, "cap_units": None, "real_cost_growth": 0.0}  # no cap, constant cost
    more = ts.load_scenario(write_scenario(tmp_path, "rd", {"budget_lines": {"extra_rd": {
        "lever": "rd_compute", "krw_bn": 100.0, "first_year": 2026}}, "levers": {"rd_compute": linear}}))
    fixed = ts.load_scenario(write_scenario(tmp_path, "rd0", {"levers": {"rd_compute": linear}}))
    a, b = run(more), run(fixed)
    np.testing.assert_allclose(column(a, "demand", 2030) - column(b, "demand", 2030), 300.0)
    np.testing.assert_allclose(column(a, "demand", 2026) - column(b, "demand", 2026), 0.0, atol=1e-9)  # lag 1


def test_doubling_a_lever_budget_doubles_its_units_in_the_engine(tmp_path):
    def units(amount, lag):
        s = ts.load_scenario(write_scenario(tmp_path, f"r{amount}{lag}", {
            "budget_lines": {"msit_digital_talent": {"krw_bn": amount}, "moel_ai_training": {"krw_bn": 0.0}},
            "levers": {"reskilling": {"lag_years": lag, "pool_initial": None}}}))  # no pool: linear
        r = run(s, n=20)
        return r["units_reskilling"], r["inflow_reskilled"]

    u1, f1 = units(100.0, 1)
    u2, f2 = units(200.0, 1)
    np.testing.assert_allclose(u2, 2 * u1)
    np.testing.assert_allclose(f2, 2 * f1)
    u3, _ = units(100.0, 3)
    # the line starts in 2023: with lag 1 units start in 2024, with lag 3 in 2026
    np.testing.assert_allclose(u3[:, 2:], u1[:, :-2])
    assert np.all(u3[:, :2] == 0)


def test_compare_runs_each_scenario_from_its_own_calibrated_inputs():
    """The base of a comparison is the scenario ``run`` gives: the same posterior rows
    (``inputs_from``) and correlations, so the lever table is as calibrated as the baseline."""
    base, alt = load("baseline"), load("talent_visa")
    assert base.inputs_from and alt.inputs_from == base.inputs_from
    result = ts.compare_policies(base, [alt], n_draws=64, method="lhs", rng=5)
    own = ts.summarize(ts.simulate(base, ts.sample_inputs(base, 64, "lhs", rng=5)))
    key = ["metric", "year"]
    pd.testing.assert_frame_equal(result.summaries["baseline"].set_index(key), own.set_index(key))
    pinned = "workforce.attrition"
    posterior = set(pd.read_parquet(base.inputs_from)[pinned])
    assert set(result.inputs["baseline"][pinned]) <= posterior
    np.testing.assert_array_equal(result.inputs["baseline"][pinned], result.inputs["talent_visa"][pinned])
