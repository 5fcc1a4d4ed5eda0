"""Lever economics: discounting from the window's first year, per-draw present values, the cost
per worker-year when some draws have no effect, P(best) and ranks, and compare's levers.csv."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import talentsim as ts
from talentsim.analysis import economics as econ
from talentsim.analysis.compare import LEVER_COLUMNS
from talentsim.cli import main

from .conftest import BASELINE, ROOT, write_scenario

RATE = 0.045


def test_discount_factors_are_one_in_the_window_first_year_and_zero_outside():
    f = econ.discount_factors([2025, 2026, 2027, 2028, 2029], RATE, (2026, 2028))
    # (1 + r)^-(t - t0): not from t0 - 1 (1/1.045 in 2026), not r^-(t - t0)
    assert f == pytest.approx([0.0, 1.0, 1 / 1.045, 1 / 1.045**2, 0.0], rel=1e-12)


def test_present_value_by_hand():
    values = np.array([[100.0, 100.0, 100.0, 100.0], [0.0, 10.0, 20.0, 30.0]])
    pv = econ.present_value(values, [2026, 2027, 2028, 2029], 0.10, (2027, 2029))
    assert pv == pytest.approx([100 + 100 / 1.1 + 100 / 1.21, 10 + 20 / 1.1 + 30 / 1.21], rel=1e-12)


def test_cost_per_worker_year_is_a_ratio_of_means_with_quantiles_over_draws_with_an_effect():
    cost = np.array([10.0, 10.0, 10.0])
    worker_years = np.array([4.0, -2.0, 20.0])  # the second draw has no effect: its ratio is undefined
    row = econ.appraise(cost, worker_years)
    assert row["krw_bn_per_worker_year"] == pytest.approx(10.0 / (22.0 / 3))  # 1.364, not mean of ratios
    assert row["krw_bn_per_worker_year_p50"] == pytest.approx(1.5)  # median of 2.5 and 0.5
    assert row["krw_bn_per_worker_year_p05"] == pytest.approx(0.5 + 0.05 * 2.0)
    assert row["share_positive_effect"] == pytest.approx(2 / 3)
    assert row["pv_worker_years"] == pytest.approx(22 / 3)
    assert row["pv_cost_krw_bn_p95"] == pytest.approx(10.0)
    none = econ.appraise(cost, np.array([-1.0, 0.0, 0.5]))
    assert np.isnan(none["krw_bn_per_worker_year"])  # mean effect <= 0: no cost per worker-year
    assert none["krw_bn_per_worker_year_p50"] == pytest.approx(20.0)


def test_ranks_by_worker_years_per_won_and_p_best_by_hand():
    names = ["a", "b", "c", "cut"]
    costs = [np.full(4, 10.0), np.full(4, 10.0), np.full(4, 10.0), np.full(4, -5.0)]
    wy = [np.array([5.0, 1, 3, 8]), np.array([2.0, 4, 1, 9]), np.array([1.0, 0, 2, -1]), np.array([-9.0, -9, -9, -9])]
    p_best, mean_rank, ranks = econ.rank_alternatives(names, costs, wy)
    assert p_best == pytest.approx({"a": 0.5, "b": 0.5, "c": 0.0, "cut": np.nan}, nan_ok=True)
    assert mean_rank == pytest.approx({"a": 1.5, "b": 1.75, "c": 2.75, "cut": np.nan}, nan_ok=True)
    table = ranks.set_index(["scenario", "rank"])["probability"]
    assert table[("c", 2)] == pytest.approx(0.25) and table[("c", 3)] == pytest.approx(0.75)
    assert ranks.groupby("rank")["probability"].sum().tolist() == pytest.approx([1.0, 1.0, 1.0])
    levers = pd.DataFrame({"scenario": names, "p_best": [p_best[n] for n in names]})
    assert "cannot be separated" in econ.separation_note(levers)
    levers["p_best"] = [0.85, 0.15, 0.0, np.nan]
    assert econ.separation_note(levers) is None


def test_windows_default_to_2026_2050_cut_to_the_horizon_and_explicit_ones_must_fit():
    assert econ.resolve_window(None, range(2024, 2051)) == (2026, 2050)
    assert econ.resolve_window(None, range(2024, 2041)) == (2026, 2040)
    assert econ.resolve_window(None, range(2003, 2024)) is None
    with pytest.raises(ValueError, match="window: 2020-2030 must lie inside the horizon 2024-2050"):
        econ.resolve_window((2020, 2030), range(2024, 2051))


def one_lever_toy(tmp_path):
    """Reskilling at 0.1 bn a trainee (no source pool, constant real cost), half of them AI workers, acting the
    year the money is spent, with jobs for all (demand 10 million);
    nobody leaves within the window (no attrition, emigration ~1e-12, entry at 30 cannot retire by
    2030) and nothing feeds back (premium and take-up fixed, immigration not pay-driven): an extra
    100 bn a year from 2026 adds exactly 500 workers a year."""
    common = {"workforce": {"attrition": 0.0, "take_up_response": 0.0},
              # jobs never bind: every trainee converted is hired
              "market": {"shortage_sensitivity": 0.0, "demand": 1.0e7},
              "migration": {"emigration": {"base_rate": 1e-12, "max_rate": 1e-11}, "immigration": {"elasticity": 0.0}},
              "levers": {"reskilling": {"cost_per_unit_krw_bn": 0.1, "lag_years": 0, "ramp_years": 1, "effect": 0.5,
                                       "pool_initial": None, "real_cost_growth": 0.0}}}
    base = write_scenario(tmp_path, "toy_base", common)
    alt = write_scenario(tmp_path, "toy_alt", {"budget_lines": {"more": {"lever": "reskilling", "krw_bn": 100.0,
                                                                          "first_year": 2026}}}, extends=base)
    return ts.load_scenario(base), ts.load_scenario(alt)


def test_discounting_by_hand_on_a_one_lever_toy(tmp_path):
    base, alt = one_lever_toy(tmp_path)
    result = ts.compare_policies(base, [alt], n_draws=20, rng=3, window=(2026, 2030))
    row = result.levers.iloc[0]
    d = [1.045**-k for k in range(5)]  # 2026 (k = 0) .. 2030
    pv_cost = 100 * sum(d)  # 458.75
    pv_workers = 500 * sum((k + 1) * d[k] for k in range(5))  # stock 500, 1000, ... 2500: 6679.5
    assert (row.window_start, row.window_end, row.discount_rate) == (2026, 2030, RATE)
    assert row.pv_cost_krw_bn == pytest.approx(pv_cost, rel=1e-9)
    assert row.pv_worker_years == pytest.approx(pv_workers, rel=1e-6)
    assert row.pv_worker_years_p05 == pytest.approx(pv_workers, rel=1e-6)  # the same in every draw
    assert row.krw_bn_per_worker_year == pytest.approx(pv_cost / pv_workers, rel=1e-6)  # 0.06868
    assert row.krw_bn_per_worker_year_p95 == pytest.approx(pv_cost / pv_workers, rel=1e-6)
    assert row.share_positive_effect == 1.0 and row.p_best == 1.0 and row.mean_rank == 1.0
    # the undiscounted 2035 figure is kept: 1000 bn to 2035 over ~5000 extra workers in 2035 (by
    # then a few of the first arrivals have aged out of the last band: retirement)
    assert row.krw_bn_per_extra_worker_2035 == pytest.approx(1000.0 / 5000.0, rel=1e-4)


def test_compare_writes_the_economics_the_ranks_and_says_when_levers_cannot_be_separated(tmp_path):
    out = tmp_path / "cmp"
    alts = [ROOT / "scenarios" / "phd_fellowships.yaml", ROOT / "scenarios" / "reskilling_push.yaml"]
    result = CliRunner().invoke(main, ["compare", str(BASELINE), *map(str, alts), "--draws", "60", "--seed", "3",
                                       "--out", str(out), "--discount-rate", "0.03"])
    assert result.exit_code == 0, result.output
    levers = pd.read_csv(out / "levers.csv")
    assert list(levers.columns) == LEVER_COLUMNS
    assert (levers.discount_rate == 0.03).all() and (levers.window_start == 2026).all()
    assert (levers.pv_cost_krw_bn_p05 <= levers.pv_cost_krw_bn_p50).all()
    assert (levers.krw_bn_per_worker_year_p05 <= levers.krw_bn_per_worker_year_p95).all()
    assert levers.p_best.sum() == pytest.approx(1.0)
    ranks = pd.read_csv(out / "lever_ranks.csv")
    assert ranks.groupby("scenario")["probability"].sum().tolist() == pytest.approx([1.0, 1.0])
    separated = levers.p_best.max() >= 0.8
    assert ("cannot be separated" in result.output) is (not separated)


def test_compare_rejects_a_bad_window_in_one_line(tmp_path):
    result = CliRunner().invoke(main, ["compare", str(BASELINE), str(BASELINE), "--draws", "5", "--window", "2026-2060",
                                       "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "Invalid value for '--window': 2026-2060 must lie inside the horizon 2024-2050" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(main, ["compare", str(BASELINE), str(BASELINE), "--window", "2026:2050"])
    assert result.exit_code == 2 and "expected START-END years" in result.output
