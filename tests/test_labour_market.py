"""The labour market v2 (issue #14): hires bounded by AI jobs, the latent pool, layoffs, the
regional diaspora, fixed reference values, retention pay on attrition. Hand-computed numbers
and paired behaviour tests on common draws."""

from pathlib import Path

import numpy as np
import pytest

import talentsim as ts
from talentsim.analysis.compare import common_draws
from talentsim.engine.cohort import prepare_chunk
from talentsim.engine.labour import migration_rates, premium_step
from talentsim.engine.params import Params
from talentsim.engine.workforce import Workforce
from talentsim.scenario.load import ScenarioError
from talentsim.scenario.schema import Scenario

from .conftest import BASELINE, write_scenario

ONE = np.ones(1)
DATA = Path(__file__).parent / "data"


def F(x):
    return np.asfortranarray(np.array(x, dtype=float))


def toy_workforce(latent=100.0):
    """One qualification, two age bands, two regions abroad."""
    # diaspora: 300 in region 0 and 50 in region 1, sharing the profile [250, 100] by band
    return Workforce(
        stock=F([[[1000.0, 500.0]]]), foreign=F([[[100.0, 0.0]]]),
        diaspora=F([[[250.0, 100.0]]]), regions=F([[300.0, 50.0]]), latent=F([[[latent, 0.0]]]),
        premium=0.06 * ONE, shortage_rate=0 * ONE,
    )


def toy_step(wf, jobs):
    return wf.step(hazard=0.02 * ONE, multiplier=F([[[1.0, 0.5]], [[2.0, 1.0]]]), attrition=0.04 * ONE,
                   split=F([[0.7, 0.3]]), return_rate=F([[0.1, 0.2]]), domestic=F([[[300.0, 0.0]]]),
                   foreign=F([[[0.0, 50.0]]]), jobs=jobs * ONE, recall_rate=0.2 * ONE, decay=0.1 * ONE)


def test_vacancy_rule_by_hand():
    # Korean-born: emigration 20 + 5, stay 940, 475 -> aged 752, 568 (95 retire);
    # foreign-born (leaving multiplier 2): emigration 4, stay 92 -> aged 73.6, 18.4.
    # After separations 1412; jobs 1700 -> 288 vacancies. Candidates: 300 graduates,
    # 50 immigrants, returnees 300 x 0.1 + 50 x 0.2 = 40, recalls 100 x 0.2 = 20: 410.
    # Pro rata: f = 288 / 410 of every source is hired.
    wf = toy_workforce()
    flows = toy_step(wf, 1700.0)
    f = 288.0 / 410.0
    assert flows["vacancies"][0] == pytest.approx(288.0)
    assert flows["candidates"][0] == pytest.approx(410.0)
    assert flows["fill"][0] == pytest.approx(f)
    assert flows["attrition"][0] == pytest.approx(64.0)
    assert flows["retirement"][0] == pytest.approx(95.0)
    assert flows["emigration_korean"][0] == pytest.approx(25.0)
    assert flows["emigration_foreign_born"][0] == pytest.approx(4.0)
    # returnees (40 f of the 350 abroad) come with the diaspora's profile [250, 100]
    np.testing.assert_allclose(wf.stock[0, 0], [752 + f * (300 + 20) + 250 * 40 * f / 350, 568 + 100 * 40 * f / 350])
    np.testing.assert_allclose(wf.foreign[0, 0], [73.6, 18.4 + 50 * f])
    assert wf.total[0] == pytest.approx(1700.0)  # the vacancies are filled exactly
    # unhired graduates wait in the latent pool; the pool decays (10), recalls leave it, it ages
    np.testing.assert_allclose(wf.latent[0, 0], [80 * (0.9 - 0.2 * f) + 300 * (1 - f), 20 * (0.9 - 0.2 * f)])
    assert flows["latent_entries"][0] == pytest.approx(300 * (1 - f))
    assert flows["latent_exits"][0] == pytest.approx(10.0)
    assert flows["recalled"][0] == pytest.approx(20 * f)


def test_regional_diaspora_by_hand():
    # region 0 returns 10 % x f of 300, region 1 20 % x f of 50 (40 f of 350: a share b of the
    # profile); the profile ages (1/5 moves up, the last band retires: 100 (1 - b) / 5) and
    # receives the year's Korean-born emigrants (20, 5); each region keeps its stayers minus
    # its share of the retirement and receives its share (0.7 / 0.3) of the 25 emigrants
    wf = toy_workforce()
    flows = toy_step(wf, 1700.0)
    f = 288.0 / 410.0
    b = 40 * f / 350
    np.testing.assert_allclose(wf.diaspora[0, 0], [200 * (1 - b) + 20, 130 * (1 - b) + 5])
    np.testing.assert_allclose(flows["returning_region"][0], [30 * f, 10 * f])
    staying = np.array([300 - 30 * f, 50 - 10 * f])
    retired = staying * 20 * (1 - b) / (350 - 40 * f)
    np.testing.assert_allclose(flows["diaspora_retirement_region"][0], retired)
    np.testing.assert_allclose(wf.regions[0], staying - retired + 25 * np.array([0.7, 0.3]))
    assert wf.regions.sum() == pytest.approx(wf.diaspora.sum())


def test_layoffs_when_the_stock_exceeds_the_jobs():
    # after separations 1412 > 1000 jobs: every cell keeps 1000 / 1412; laid-off Korean-born
    # workers join the latent pool, laid-off foreign-born leave Korea; nobody is hired
    wf = toy_workforce(latent=0.0)
    flows = toy_step(wf, 1000.0)
    keep = 1000.0 / 1412.0
    assert wf.total[0] == pytest.approx(1000.0)
    assert flows["vacancies"][0] == 0 and flows["fill"][0] == 0
    assert flows["layoffs"][0] == pytest.approx(1320 * (1 - keep))
    assert flows["emigration_foreign_born"][0] == pytest.approx(4 + 92 * (1 - keep))
    np.testing.assert_allclose(wf.latent[0, 0], [300 + 752 * (1 - keep), 568 * (1 - keep)])
    # returnees stay abroad: the diaspora only ages and receives emigrants
    np.testing.assert_allclose(wf.diaspora[0, 0], [200 + 20, 130 + 5])
    np.testing.assert_allclose(wf.regions[0], np.array([300, 50]) * 330 / 350 + [17.5, 7.5])


def test_premium_falls_below_zero_down_to_the_floor(baseline):
    s = ts.load_scenario(BASELINE)
    p = Params(s, ts.sample_inputs(s, 4, rng=1).chunk(0, 4), 4, np.asarray(s.sim_years))
    lab = prepare_chunk(s, p).labour
    low = premium_step(lab, np.zeros(4), np.full(4, -0.5))  # far fewer vacancies than in 2024
    assert np.all(low < 0)
    # the target is max(0.06 + sensitivity x (-0.5 - 0.138), -0.10)
    target = np.maximum(0.06 + lab.sensitivity * (-0.5 - 0.138), -0.10)
    np.testing.assert_allclose(low, lab.speed * target)


def labour_of(scenario, n=64, seed=3):
    draws = ts.sample_inputs(scenario, n, "lhs", rng=seed)
    p = Params(scenario, draws.chunk(0, n), n, np.asarray(scenario.sim_years))
    return prepare_chunk(scenario, p).labour


def index_of(scenario, year):
    return list(scenario.sim_years).index(year)


def test_a_pay_level_acts_like_the_same_path_after_the_first_year(tmp_path):
    # level: the US pay ratio is 3.0 from the start; path: 2.0 in 2024, 3.0 from 2025
    level = ts.load_scenario(write_scenario(tmp_path, "level", {
        "migration": {"emigration": {"regions": {"us": {"pay_ratio": 3.0}}}}}))
    path = ts.load_scenario(write_scenario(tmp_path, "path", {
        "migration": {"emigration": {"regions": {"us": {"pay_ratio": {
            "path": "steps", "values": {2024: 2.0, 2025: 3.0}}}}}}}))
    a, b = labour_of(level), labour_of(path)
    n = 64
    args = (np.full(n, 0.06), np.full(n, 57000.0), np.full(n, 11000.0))
    for year in (2025, 2030):
        i = index_of(level, year)
        np.testing.assert_allclose(migration_rates(a, i, *args)["emigration"],
                                   migration_rates(b, i, *args)["emigration"], rtol=1e-14)
    i = index_of(level, 2024)
    assert np.all(migration_rates(a, i, *args)["emigration"] > migration_rates(b, i, *args)["emigration"])


def pay_scenarios(tmp_path, elasticity=None):
    """Baseline and every region's foreign pay ratio level x 1.5 (same distributions, scaled)."""
    base = ts.load_scenario(BASELINE)
    regions = {}
    for name, region in base.migration.emigration.regions.items():
        d = region.pay_ratio.model_dump()
        regions[name] = {"pay_ratio": {k: (v * 1.5 if k in ("low", "mode", "high") else v) for k, v in d.items()}}
    extra = {} if elasticity is None else {"elasticity": elasticity}
    low = write_scenario(tmp_path, "pay_base", {"migration": {"emigration": extra}})
    high = write_scenario(tmp_path, "pay_high", {"migration": {"emigration": {**extra, "regions": regions}}})
    return ts.load_scenario(low), ts.load_scenario(high)


def paired(scenarios, n=400, seed=7):
    return [ts.simulate(s, d) for s, d in zip(scenarios, common_draws(scenarios, n, "lhs", seed))]


def at(run, metric, year):
    return run[metric][:, list(run.years).index(year)]


def test_foreign_pay_level_raises_emigration_and_lowers_the_workforce(tmp_path):
    base, high = paired(pay_scenarios(tmp_path))
    assert np.mean(at(high, "emigration", 2030) > at(base, "emigration", 2030)) > 0.95
    assert np.mean(at(high, "ai_workforce", 2030) < at(base, "ai_workforce", 2030)) > 0.95


def test_zero_emigration_elasticity_makes_emigration_independent_of_pay(tmp_path):
    base, high = paired(pay_scenarios(tmp_path, elasticity=0.0), n=100)
    # the first year's emigration acts on the same stock: identical
    np.testing.assert_allclose(at(high, "emigration", 2024), at(base, "emigration", 2024), rtol=1e-12)
    np.testing.assert_allclose(at(high, "emigration_rate", 2024), at(base, "emigration_rate", 2024), rtol=1e-12)
    # and the hazard itself is the same in every year, whatever the pay ratio
    low_s, high_s = pay_scenarios(tmp_path, elasticity=0.0)
    a, b = labour_of(low_s), labour_of(high_s)
    args = (np.full(64, 0.06), np.full(64, 57000.0), np.full(64, 11000.0))
    for year in (2024, 2030, 2050):
        i = index_of(low_s, year)
        np.testing.assert_allclose(migration_rates(a, i, *args)["emigration"],
                                   migration_rates(b, i, *args)["emigration"], rtol=1e-13)
    # with the baseline elasticity the same change raises the hazard in every draw
    low_s, high_s = pay_scenarios(tmp_path)
    a, b = labour_of(low_s), labour_of(high_s)
    i = index_of(low_s, 2030)
    assert np.all(migration_rates(b, i, *args)["emigration"] > migration_rates(a, i, *args)["emigration"])


def test_retention_pay_lowers_attrition_and_emigration():
    base = ts.load_scenario(BASELINE)
    alt = ts.load_scenario(Path(BASELINE).parent / "retention_pay.yaml")
    b, a = paired([base, alt], n=200)
    for metric in ("attrition", "emigration", "emigration_rate"):
        assert np.all(at(a, metric, 2030) / at(a, "ai_workforce", 2029) < at(b, metric, 2030) / at(b, "ai_workforce", 2029)), metric
    assert np.all(at(a, "attrition", 2027) < at(b, "attrition", 2027))
    assert np.all(at(a, "emigration", 2027) < at(b, "emigration", 2027))


def test_with_retention_pay_the_regional_hazards_still_add_up_to_the_total():
    s = ts.load_scenario(Path(BASELINE).parent / "retention_pay.yaml")
    lab, i = labour_of(s), index_of(s, 2030)
    rates = migration_rates(lab, i, np.full(64, 0.06), np.full(64, 57000.0), np.full(64, 11000.0))
    assert np.all(rates["covered"] > 0)  # retention pay in force: the mixed hazards
    np.testing.assert_allclose(rates["by_region"].sum(axis=1), rates["emigration"], rtol=1e-12)


def test_zero_attrition_elasticity_leaves_attrition_to_the_workforce(tmp_path):
    s = ts.load_scenario(write_scenario(tmp_path, "flat", {"workforce": {"attrition_pay_elasticity": 0.0}},
                                        extends=Path(BASELINE).parent / "retention_pay.yaml"))
    lab = labour_of(s)
    i = index_of(s, 2030)
    args = (np.full(64, 0.06), np.full(64, 57000.0), np.full(64, 11000.0))
    np.testing.assert_array_equal(migration_rates(lab, i, *args)["attrition"], lab.attrition[i])


def test_the_workforce_never_exceeds_the_jobs_even_with_10tn_of_reskilling():
    s = ts.load_scenario(DATA / "reskilling_10tn.yaml")
    run = ts.simulate(s, ts.sample_inputs(s, 200, "lhs", rng=4))
    friction = run["jobs"] / run["demand"] - 1
    assert np.all((friction >= 0.03 - 1e-12) & (friction <= 0.05 + 1e-12))
    assert np.all(run["ai_workforce"] <= run["jobs"] * (1 + 1e-12))
    # the bound binds: in 2050 most draws hold every job and the latent pool is large
    assert np.mean(at(run, "ai_workforce", 2050) >= at(run, "jobs", 2050) * (1 - 1e-9)) > 0.5
    assert np.median(at(run, "latent_ai_qualified", 2050)) > 10_000
    # with the baseline's finite reskilling pool the same money converts at most the suitable
    # candidates: no flood, and the bound holds there too
    data = s.model_dump()
    data["levers"]["reskilling"]["pool_initial"] = ts.load_scenario(BASELINE).model_dump()["levers"][
        "reskilling"]["pool_initial"]
    pooled_s = Scenario.model_validate(data)
    pooled = ts.simulate(pooled_s, ts.sample_inputs(pooled_s, 200, "lhs", rng=4))
    assert np.all(pooled["reskilling_converted"] <= pooled["reskilling_suitable"] + 1e-9)
    assert np.all(pooled["ai_workforce"] <= pooled["jobs"] * (1 + 1e-12))
    assert (np.median(at(pooled, "reskilling_converted", 2050))
            < 0.2 * np.median(at(run, "reskilling_converted", 2050)))


def test_net_migration_is_arrivals_minus_departures(baseline_run):
    r = baseline_run
    np.testing.assert_allclose(r["net_migration"], r["inflow_immigrants"] + r["inflow_returnees"] - r["emigration"])
    np.testing.assert_allclose(r["emigration"], r["emigration_korean"] + r["emigration_foreign_born"])
    regions = sum(r[f"diaspora_{x}"] for x in ("us", "china", "other_asia", "europe"))
    np.testing.assert_allclose(regions, r["diaspora"], rtol=1e-12)


def test_the_2024_anchors(baseline_run):
    med = {m: np.median(at(baseline_run, m, 2024)) for m in ("ai_workforce", "diaspora", "diaspora_us")}
    assert med["ai_workforce"] == pytest.approx(57_500, rel=0.02)  # Bank of Korea ~57,000
    assert med["diaspora"] == pytest.approx(11_000, rel=0.05)  # ~11,000 abroad, 16 %
    assert med["diaspora"] / (med["diaspora"] + med["ai_workforce"]) == pytest.approx(0.16, abs=0.01)
    assert med["diaspora_us"] / med["diaspora"] == pytest.approx(0.65, abs=0.02)


def test_a_negative_friction_gives_a_one_line_error(tmp_path):
    path = write_scenario(tmp_path, "bad", {"market": {"friction": -0.01}})
    with pytest.raises(ScenarioError) as err:
        ts.load_scenario(path)
    assert str(err.value) == f"{path}: market.friction: must be within [0, 1] (got -0.01)"


@pytest.mark.parametrize("drop, expected", [
    (("reference", "home_premium"), "reference.home_premium: required field is missing"),
    (("reference", "shortage_rate"), "reference.shortage_rate: required field is missing"),
    (("reference", "pay_ratio", "europe"),
     "reference.pay_ratio.europe: missing reference value (the calibration year's pay ratio of this region)"),
])
def test_a_missing_reference_value_gives_a_one_line_error(tmp_path, drop, expected):
    import yaml

    data = yaml.safe_load(BASELINE.read_text())
    data.pop("inputs_from")  # a copy elsewhere: the posterior path is relative to scenarios/
    node = data
    for key in drop[:-1]:
        node = node[key]
    del node[drop[-1]]
    path = tmp_path / "noref.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as err:
        ts.load_scenario(path)
    assert str(err.value).splitlines() == [f"{path}: {expected}"]
