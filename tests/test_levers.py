"""Budget line -> lever units: linearity, lag, ramp-up, cap."""

import numpy as np
import pytest

from talentsim.engine.levers import diminishing, lever_units, line_spending

BUDGET = np.array([[0.0, 10.0, 10.0, 20.0, 0.0, 0.0, 0.0, 0.0]])
COST = np.array([2.0])


def test_doubling_the_budget_doubles_the_units_without_a_cap():
    np.testing.assert_allclose(lever_units(2 * BUDGET, COST, lag_years=1, ramp_years=2),
                               2 * lever_units(BUDGET, COST, lag_years=1, ramp_years=2))


def test_a_lag_shifts_the_effect_by_exactly_that_many_years():
    base = lever_units(BUDGET, COST)
    lagged = lever_units(BUDGET, COST, lag_years=3)
    np.testing.assert_array_equal(lagged[:, 3:], base[:, :-3])
    np.testing.assert_array_equal(lagged[:, :3], 0)


def test_ramp_up_spreads_one_years_money_over_the_ramp():
    units = lever_units(np.array([[6.0, 0, 0, 0, 0]]), np.array([1.0]), ramp_years=3)
    np.testing.assert_allclose(units, [[2, 2, 2, 0, 0]])


def test_hand_computed_units():
    np.testing.assert_allclose(lever_units(BUDGET, COST, lag_years=1), [[0, 0, 5, 5, 10, 0, 0, 0]])


def test_cap_binds_and_returns_diminish():
    x = np.array([[1.0, 10.0, 100.0, 1e6]])
    capped = diminishing(x, np.array([50.0]))
    assert np.all(capped[0, :-1] < 50.0) and np.all(capped <= 50.0) and capped[0, -1] == pytest.approx(50.0)
    assert np.all(np.diff(capped[0]) > 0)
    gains = np.diff(diminishing(np.array([[0.0, 10, 20, 30]]), np.array([50.0]))[0])
    assert np.all(np.diff(gains) < 0)  # each extra 10 buys less
    assert diminishing(np.array([[1e-6]]), np.array([50.0]))[0, 0] == pytest.approx(1e-6, rel=1e-6)


def test_line_spending_is_zero_outside_its_years():
    years = np.arange(2020, 2025)
    out = line_spending(np.full((1, 5), 3.0), years, 2021, 2023)
    np.testing.assert_array_equal(out, [[0, 3, 3, 3, 0]])


def test_ramps_of_consecutive_years_add_up():
    # 6 then 3 units bought, each spread over 3 years: 6/3, (6+3)/3, (6+3)/3, 3/3, 0
    units = lever_units(np.array([[6.0, 3.0, 0, 0, 0]]), np.array([1.0]), ramp_years=3)
    np.testing.assert_allclose(units, [[2, 3, 3, 1, 0]])


def test_funded_undergraduate_places_raise_ai_track_entry_on_the_same_draws():
    import talentsim as ts
    from talentsim.analysis.compare import common_draws

    from .conftest import BASELINE

    scenarios = [ts.load_scenario(BASELINE), ts.load_scenario(BASELINE.parent / "undergrad_ai_push.yaml")]
    b, p = (ts.simulate(s, d) for s, d in zip(scenarios, common_draws(scenarios, 20, "lhs", 6)))
    years = list(b.years)
    late = [years.index(y) for y in (2030, 2040)]
    assert np.all(p["ai_track_entrants"][:, late] > b["ai_track_entrants"][:, late])
    before = years.index(2025)  # the money starts in 2026
    np.testing.assert_array_equal(p["ai_track_entrants"][:, before], b["ai_track_entrants"][:, before])
