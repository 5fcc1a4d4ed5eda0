"""Workforce and migration mechanisms with hand-computed numbers."""

import numpy as np
import pytest
from scipy.special import expit, logit

import talentsim as ts
from talentsim.engine.workforce import Workforce, emigration_hazard, immigrants, pay_ratio, return_hazard

from .conftest import write_scenario

ONE = np.ones(1)


def hazard(ratio, elasticity=1.5, ratio0=2.0):
    h, _ = emigration_hazard(np.array([[ratio]]), np.array([[ratio0]]), np.array([1.0]),
                             0.02 * ONE, 0.10 * ONE, elasticity * ONE)
    return h[0]


def test_hazard_at_base_pay_is_the_base_rate():
    assert hazard(2.0) == pytest.approx(0.02)


def test_hazard_by_hand_when_the_pay_ratio_doubles():
    # logit(0.2) + 1 * ln 2 = ln(0.25) + ln(2) = ln(0.5) -> expit = 1/3
    assert hazard(4.0, elasticity=1.0) == pytest.approx(0.10 / 3)


def test_higher_foreign_pay_ratio_raises_emigration():
    assert hazard(1.5) < hazard(2.0) < hazard(2.5) < hazard(3.0) < 0.10


def test_zero_elasticity_makes_emigration_independent_of_pay():
    assert hazard(1.0, elasticity=0.0) == hazard(3.0, elasticity=0.0) == pytest.approx(0.02)


def test_retention_pay_lowers_the_pay_ratio_and_emigration():
    r = pay_ratio(np.array([[2.0]]), 0.06 * ONE, 0.06 * ONE, 0.10 * ONE)
    assert r[0, 0] == pytest.approx(2.0 / 1.1)
    assert hazard(r[0, 0]) < hazard(2.0)


def test_regions_weight_their_hazards_by_share():
    h, by_region = emigration_hazard(np.array([[2.0, 1.3]]), np.array([[2.0, 1.3]]), np.array([0.6, 0.4]),
                                     0.02 * ONE, 0.10 * ONE, ONE)
    np.testing.assert_allclose(by_region, [[0.012, 0.008]])
    assert h[0] == pytest.approx(0.02)


def test_return_hazard_falls_as_the_gap_grows():
    r = [return_hazard(np.array([x]), 2.0 * ONE, 0.05 * ONE, 0.3 * ONE, ONE)[0] for x in (1.5, 2.0, 3.0)]
    assert r[0] > r[1] > r[2] and r[1] == pytest.approx(0.05)
    assert r[2] == pytest.approx(0.3 * expit(logit(0.05 / 0.3) - np.log(1.5)))


def test_immigration_responds_to_korean_pay_against_pay_at_home():
    base = immigrants(400 * ONE, ONE, 0.06 * ONE, 0.06 * ONE, 0 * ONE, 0.4 * ONE, 0.4 * ONE)
    richer_home = immigrants(400 * ONE, ONE, 0.06 * ONE, 0.06 * ONE, 0 * ONE, 0.54 * ONE, 0.4 * ONE)
    higher_korea = immigrants(400 * ONE, ONE, 0.166 * ONE, 0.06 * ONE, 0 * ONE, 0.4 * ONE, 0.4 * ONE)
    assert base[0] == pytest.approx(400)
    assert richer_home[0] == pytest.approx(400 * 1.4 / 1.54)
    assert higher_korea[0] == pytest.approx(440)


def test_workforce_step_by_hand():
    # one qualification, two bands, jobs to spare (the vacancy rule in tests/test_labour_market.py);
    # 1000 people in band 0, 500 in band 1; no foreign-born workers, one region abroad
    F = np.asfortranarray
    wf = Workforce(F([[[1000.0, 500.0]]]), F([[[0.0, 0.0]]]), F([[[200.0, 0.0]]]), F([[200.0]]),
                   F([[[0.0, 0.0]]]), 0.06 * ONE, 0 * ONE)
    flows = wf.step(hazard=0.02 * ONE, multiplier=F([[[1.0, 0.5]], [[1.0, 0.5]]]), attrition=0.04 * ONE,
                    split=F([[1.0]]), return_rate=F([[0.1]]), domestic=F([[[30.0, 0.0]]]),
                    foreign=F([[[0.0, 0.0]]]), jobs=1e9 * ONE, recall_rate=0.2 * ONE, decay=0.1 * ONE)
    # emigration 20 + 5; attrition 40 + 20; stay 940, 475; ageing 188, 95 (the latter retires);
    # the returnees (20) keep their band (0) and the emigrants join the diaspora's bands
    assert flows["emigration_q"][0, 0] == pytest.approx(25)
    assert flows["attrition"][0] == pytest.approx(60)
    assert flows["retirement"][0] == pytest.approx(95)
    assert flows["returning_region"][0, 0] == pytest.approx(20)
    assert flows["fill"][0] == 1.0
    np.testing.assert_allclose(wf.stock[0, 0], [940 - 188 + 30 + 20, 475 - 95 + 188])
    np.testing.assert_allclose(wf.diaspora[0, 0], [180 * 0.8 + 20, 180 * 0.2 + 5])


TOY = {
    # no graduates, no migration: only a constant reskilled inflow and constant outflow rates
    "horizon": {"start": 2003, "end": 2070},
    "education": {"ai_share": 0.0},
    "graduate_school": {"master": {"base_seats": 0.0}, "phd": {"base_seats": 0.0}},
    "budget_lines": {"msit_ai_graduate_schools": {"krw_bn": 0.0}, "ai_convergence_graduate_schools": {"krw_bn": 0.0},
                     "ai_innovation_graduate_schools": {"krw_bn": 0.0},
                     "msit_digital_talent": {"krw_bn": 100.0, "first_year": 1990},
                     "moel_ai_training": {"krw_bn": 0.0}, "bk21_ai_teams": {"krw_bn": 0.0},
                     "stem_stipends_ai_share": {"krw_bn": 0.0}},
    "levers": {"reskilling": {"cost_per_unit_krw_bn": 0.01, "effect": 0.1, "lag_years": 0,  # 1000 a year
                              "pool_initial": None, "real_cost_growth": 0.0}},  # no pool, constant cost
    "workforce": {"initial": {"total": 0.0, "diaspora": 0.0}, "attrition": 0.15},
    "migration": {"emigration": {"base_rate": 0.05, "max_rate": 0.1, "elasticity": 0.0,
                                 "age_multiplier": dict.fromkeys(range(20, 65, 5), 1.0),
                                 "qualification_multiplier": {"bachelor": 1.0, "master": 1.0, "phd": 1.0}},
                  "returns": {"base_rate": 0.0, "max_rate": 0.3},
                  "immigration": {"base_inflow": 0.0}},
}


def toy(tmp_path, entry_band):
    body = {**TOY, "workforce": {**TOY["workforce"], "entry_band": {"reskilled": entry_band}}}
    s = ts.load_scenario(write_scenario(tmp_path, f"toy{entry_band}", body))
    return ts.simulate(s, ts.sample_inputs(s, 4, rng=1))


def test_toy_scenario_converges_to_inflow_over_outflow_rate(tmp_path):
    # everyone enters the last age band, so the outflow rate is one constant:
    # r = attrition + emigration + (1 - attrition - emigration) / 5 = 0.15 + 0.05 + 0.8 / 5 = 0.36
    # and stock(t) = (1 - r) stock(t-1) + I converges to I / r
    run = toy(tmp_path, 60)
    np.testing.assert_allclose(run["inflow_reskilled"], 1000.0)
    np.testing.assert_allclose(run["inflow_graduates"] + run["inflow_immigrants"] + run["inflow_returnees"], 0.0)
    assert run["ai_workforce"][:, -1] == pytest.approx(1000.0 / 0.36, rel=1e-9)
    # from an empty start: stock(t) = I / r * (1 - (1 - r) ** (t + 1))
    assert run["ai_workforce"][:, 4] == pytest.approx(1000.0 / 0.36 * (1 - 0.64**5), rel=1e-9)


def test_toy_steady_state_across_age_bands(tmp_path):
    # entry at 30-34: each band keeps 0.8 * 0.8 and passes 0.8 * 0.2 up, so
    # S_30 = I / 0.36 and S_{b+5} = (0.16 / 0.36) S_b over the seven bands 30..60
    run = toy(tmp_path, 30)
    ratio = 0.16 / 0.36
    expected = 1000.0 / 0.36 * (1 - ratio**7) / (1 - ratio)
    assert run["ai_workforce"][:, -1] == pytest.approx(expected, rel=1e-6)
    assert run["retirement"][:, -1] == pytest.approx(1000.0 / 0.36 * ratio**6 * 0.16, rel=1e-6)
