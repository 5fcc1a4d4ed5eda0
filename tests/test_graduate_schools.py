"""The two kinds of graduate programme (seat-bound AI graduate schools, applicant-bound others)
and the finite international pool, on the shipped scenarios with common random numbers."""

import numpy as np
import pytest

import talentsim as ts

from .conftest import ROOT, write_scenario

SCENARIOS = ROOT / "scenarios"


def run(scenario, n=300, seed=5):
    return ts.simulate(scenario, ts.sample_inputs(scenario, n, "lhs", rng=seed))


def column(r, metric, year):
    return r[metric][:, list(r.years).index(year)]


@pytest.fixture(scope="module")
def base_run():
    return run(ts.load_scenario(SCENARIOS / "baseline.yaml"))


def test_ai_graduate_schools_are_full_in_2024(baseline_run):
    fill = column(baseline_run, "enrolled_ai_graduate_schools", 2024) / column(
        baseline_run, "seats_ai_graduate_schools", 2024)
    assert np.median(fill) >= 0.95
    assert np.all(fill <= 1 + 1e-12)
    # applicants per place 2.5-6 (people; applications per place are higher, FACTS 4-6)
    per_place = column(baseline_run, "applicants_ai_graduate_schools", 2024) / column(
        baseline_run, "intake_ai_graduate_schools", 2024)
    assert 2.0 <= np.median(per_place) <= 6.0


def test_30bn_for_ai_graduate_schools_buys_students(base_run):
    alt = run(ts.load_scenario(SCENARIOS / "ai_grad_school_30bn.yaml"))
    for year in (2030, 2035):
        bought = column(alt, "units_graduate_seats", year) - column(base_run, "units_graduate_seats", year)
        gained = column(alt, "enrolled_ai_graduate_schools", year) - column(base_run, "enrolled_ai_graduate_schools", year)
        assert np.all(bought > 0)
        assert np.median(gained / bought) >= 0.8, year
        assert np.all(gained <= bought * (1 + 1e-9) + 1e-6)  # never more students than places bought


def test_doubling_other_programmes_seats_barely_moves_domestic_enrolment(tmp_path, base_run):
    path = write_scenario(tmp_path, "double", {"graduate_school": {
        "master": {"base_seats": {"dist": "triangular", "low": 18000, "mode": 22000, "high": 26000}},
        "phd": {"base_seats": {"dist": "triangular", "low": 14000, "mode": 18000, "high": 22000}}}})
    double = run(ts.load_scenario(path))
    for prog in ("master", "phd"):
        for year in (2030, 2040):
            a = column(base_run, f"intake_domestic_{prog}", year)
            b = column(double, f"intake_domestic_{prog}", year)
            assert abs(np.median(b) / np.median(a) - 1) < 0.10, (prog, year)
            # international intake: never above the pool's cap
            ib = column(double, f"intake_international_{prog}", year)
            cap = 900 if prog == "master" else 525
            assert np.all(ib <= cap + 1e-9)
        # the pool grows by the place elasticity at most (2 ** e, e <= 0.8) and intake stays within it
        apps_a = column(base_run, "international_applicants", year)
        apps_b = column(double, "international_applicants", year)
        assert np.all(apps_b <= apps_a * 2**0.8 * (1 + 1e-9)) and np.all(apps_b >= apps_a)
        assert np.all(column(double, "international_intake", year) <= apps_b * (1 + 1e-12))


def test_international_intake_follows_attractiveness_up_to_the_cap(tmp_path, base_run):
    path = write_scenario(tmp_path, "attract", {"graduate_school": {"attractiveness": 1.2}})
    more = run(ts.load_scenario(path))
    a = column(base_run, "international_applicants", 2030)
    b = column(more, "international_applicants", 2030)
    assert np.all(b > a) and np.all(b <= 900 + 525 + 1e-9)
    assert np.all(column(more, "international_intake", 2030) <= b + 1e-9)


@pytest.mark.parametrize("per_place", [2.0, 1e-7, 0.0])
def test_outside_applicants_come_from_the_engineers_pool(baseline, per_place):
    """Outside applicants = R (1 - exp(-places x per_place / R)), R = the pool's suitable
    candidates left after reskilling, split master's/PhD like the places: with per_place 2 and
    a pool of 100,000 at suitable share 0.02 (P = 2,000), not 2 x places (no pool) nor P (1 -
    exp(-2 x places / P)) (reskilling not served first). The split holds for a wanted total
    below one person (1e-7 per place), and nobody wanted gives nobody (0 per place), not 0 / 0."""
    from talentsim.engine.params import EngineerPool, Params, budgets, lever_units, programme_inputs

    s = baseline.with_values({"graduate_school.ai_schools.outside_per_place": per_place,
                              "levers.reskilling.pool_initial": 100000.0, "levers.reskilling.suitable_share": 0.02,
                              "levers.reskilling.effect": 0.03, "graduate_school.bought_master_share": 0.6})
    draws = ts.sample_inputs(s, 4, "mc", rng=1)
    p = Params(s, draws.chunk(0, 4), 4, np.asarray(s.sim_years))
    units = lever_units(s, p, budgets(s, p))
    m_in, d_in = programme_inputs(s, p, units)
    pool = EngineerPool(s, p, units, m_in, d_in)
    checked = 0
    for i in range(len(s.sim_years)):
        start = pool.stock if i else np.full(4, 100000.0)
        converted, out_m, out_d = pool.draw(i)
        suitable = 0.02 * start
        trainees = np.asarray(units["reskilling_raw"]).T[i]
        np.testing.assert_allclose(converted, suitable * -np.expm1(-0.03 * trainees / suitable), rtol=1e-12)
        left = suitable - converted
        places = np.asarray(m_in.ai_seats)[i] + np.asarray(d_in.ai_seats)[i]
        expected = left * -np.expm1(-per_place * places / left)
        np.testing.assert_allclose(out_m, 0.6 * expected, rtol=1e-12, atol=1e-9 * per_place)
        np.testing.assert_allclose(out_d, 0.4 * expected, rtol=1e-12, atol=1e-9 * per_place)
        assert np.all(converted + out_m + out_d <= suitable * (1 + 1e-12))
        pool.close(i, 0.5 * (out_m + out_d))
        checked += int(places.max() > 0 and trainees.max() > 0)
    assert checked > 0  # the check is not vacuous
