"""People are conserved and stocks never go negative: per draw and year, to float precision."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import talentsim as ts
from talentsim.scenario.schema import Scenario

#: stock -> (inflows, outflows), as columns of draws.parquet
IDENTITIES = {
    "students_bachelor": (["ai_track_entrants"], ["grads_bachelor", "dropouts_bachelor"]),
    "enrolled_master": (["intake_domestic_master", "intake_international_master"], ["grads_master", "dropouts_master"]),
    "enrolled_phd": (["intake_domestic_phd", "intake_international_phd"], ["grads_phd", "dropouts_phd"]),
    "ai_workforce": (["inflow_graduates", "inflow_reskilled", "inflow_immigrants", "inflow_returnees",
                      "inflow_recalled"],
                     ["emigration", "retirement", "attrition", "layoffs"]),
    "latent_ai_qualified": (["latent_entries", "layoffs"], ["inflow_recalled", "latent_exits"]),
    "diaspora": (["emigration_korean"], ["inflow_returnees", "diaspora_retirement"]),
    **{f"diaspora_{r}": ([f"emigration_{r}"], [f"returnees_{r}", f"diaspora_retirement_{r}"])
       for r in ("us", "china", "other_asia", "europe")},
    # the engineers' pool: the reskilled and the outside applicants admitted to AI schools leave it
    "reskilling_pool": (["reskilling_pool_inflow"],
                        ["reskilling_converted", "reskilling_pool_admitted", "reskilling_pool_exits"]),
    # the AI graduate schools (master's + PhD), one kind of graduate programme
    "stock_ai_graduate_schools": (["intake_ai_graduate_schools"],
                                  ["grads_ai_graduate_schools", "dropouts_ai_graduate_schools"]),
    # waiting lists: last year's list + new applicants - those admitted from the pipeline - leavers
    # (applicants = new + reapplicants; intake_domestic includes those admitted from outside it)
    "waitlist_master": (["applicants_master", "intake_outside_master"],
                        ["reapplicants_master", "intake_domestic_master", "unplaced_leavers_master"]),
    "waitlist_phd": (["applicants_phd", "intake_outside_phd"],
                     ["reapplicants_phd", "intake_domestic_phd", "unplaced_leavers_phd"]),
}
#: every person on the workforce side (in Korean AI work, in the latent pool, abroad): the
#: total changes only by people entering from education, reskilling or abroad, and by people
#: leaving it for good (other work, retirement, foreign-born leaving Korea, skills faded)
PEOPLE = ["ai_workforce", "latent_ai_qualified", "diaspora"]
PEOPLE_IN = ["inflow_graduates", "inflow_reskilled", "inflow_immigrants", "latent_entries"]
PEOPLE_OUT = ["attrition", "retirement", "emigration_foreign_born", "latent_exits", "diaspora_retirement"]
STOCKS = ["cohort18", "hs_graduates", "stock_ai_graduate_schools", "students_bachelor", "enrolled_master",
          "enrolled_phd", "waitlist_master",
          "waitlist_phd", "ai_workforce", "ai_workforce_bachelor", "ai_workforce_master", "ai_workforce_phd",
          "diaspora", "demand", "latent_ai_qualified", "ai_workforce_foreign_born", "vacancies", "jobs",
          "diaspora_us", "diaspora_china", "diaspora_other_asia", "diaspora_europe"]


def check_identities(run):
    check_other_programmes(run)
    for stock, (ins, outs) in IDENTITIES.items():
        values = run[stock]
        previous = np.column_stack([run.initial[stock], values[:, :-1]])
        change = sum(run[k] for k in ins) - sum(run[k] for k in outs)
        # relative to the stock at either end of the year or its inflows (a stock can empty in one
        # year; a small waiting list is what is left of large flows)
        scale = np.maximum(np.maximum(np.maximum(np.abs(values), np.abs(previous)), sum(np.abs(run[k]) for k in ins)), 1.0)
        err = np.abs(values - previous - change) / scale
        assert err.max() < 1e-12, f"{stock}: worst relative error {err.max():.2e}"
    total = sum(run[k] for k in PEOPLE)
    previous = np.column_stack([sum(run.initial[k] for k in PEOPLE), total[:, :-1]])
    change = sum(run[k] for k in PEOPLE_IN) - sum(run[k] for k in PEOPLE_OUT)
    err = np.abs(total - previous - change) / np.maximum(np.maximum(total, previous), 1.0)
    assert err.max() < 1e-12, f"all people on the workforce side: worst relative error {err.max():.2e}"
    # hires never exceed the jobs: ai_workforce <= demand x (1 + friction)
    assert np.all(run["ai_workforce"] <= run["jobs"] * (1 + 1e-12))


def check_other_programmes(run):
    """The other (applicant-bound) programmes: both stages' totals minus the AI graduate schools."""
    stock = run["enrolled_master"] + run["enrolled_phd"] - run["stock_ai_graduate_schools"]
    first = run.initial["enrolled_master"] + run.initial["enrolled_phd"] - run.initial["stock_ai_graduate_schools"]
    previous = np.column_stack([first, stock[:, :-1]])
    intake = sum(run[f"intake_{k}_{p}"] for k in ("domestic", "international") for p in ("master", "phd"))
    change = (intake - run["intake_ai_graduate_schools"]) - (
        run["grads_master"] + run["grads_phd"] - run["grads_ai_graduate_schools"]) - (
        run["dropouts_master"] + run["dropouts_phd"] - run["dropouts_ai_graduate_schools"])
    err = np.abs(stock - previous - change) / np.maximum(np.abs(stock), 1.0)
    assert err.max() < 1e-12, f"other programmes: worst relative error {err.max():.2e}"
    assert np.all(stock >= -1e-9)


def check_sane(run):
    for name, arr in run.metrics.items():
        assert np.all(np.isfinite(arr)) or name == "births_18_years_before", name
    for name in STOCKS:
        assert np.all(run[name] >= -1e-9), name
    flows = [n for n in run.metrics if n.startswith(("inflow_", "grads_", "dropouts_", "intake_"))]
    for name in [*flows, "emigration", "retirement", "attrition", "layoffs", "latent_entries", "latent_exits",
                 "emigration_foreign_born", "diaspora_retirement", "hires", "candidates"]:
        assert np.all(run[name] >= -1e-9), name
    parts = run["ai_workforce_bachelor"] + run["ai_workforce_master"] + run["ai_workforce_phd"]
    np.testing.assert_allclose(parts, run["ai_workforce"], rtol=1e-12)


def test_every_stock_changes_by_its_inflows_minus_outflows(baseline_run):
    check_identities(baseline_run)


def test_stocks_and_flows_are_never_negative(baseline_run):
    check_sane(baseline_run)


def test_shortage_and_its_probability(baseline_run):
    np.testing.assert_allclose(baseline_run["shortage"], baseline_run["demand"] - baseline_run["ai_workforce"])
    np.testing.assert_array_equal(baseline_run["shortage_probability"], baseline_run["shortage"] > 0)


def variant(base: Scenario, changes: dict) -> Scenario:
    data = base.model_dump()
    for dotted, value in changes.items():
        node = data
        *head, last = dotted.split(".")
        for part in head:
            node = node[part]
        node[last] = value
    return Scenario.model_validate(data)


rate = st.floats(0.0, 1.0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entry=rate, ai_share=st.floats(0.0, 0.5), completion=st.floats(0.05, 1.0),
    seats=st.floats(0.0, 50000.0), reapply=rate, attrition=st.floats(0.0, 0.3),
    base_rate=st.floats(0.0, 0.09), elasticity=st.floats(0.0, 5.0), return_rate=st.floats(0.0, 0.29),
    budget=st.floats(0.0, 5000.0), start=st.integers(2003, 2050), span=st.integers(0, 20),
    demand=st.floats(1.0, 150000.0), recall=st.floats(0.0, 0.5), decay=st.floats(0.0, 0.5),  # demand > 0 (a rate divides by it)
    quota=st.floats(0.0, 6e5), ai_apply=rate, outside=st.floats(0.0, 5.0), grad_budget=st.floats(0.0, 500.0),
)
def test_identities_hold_for_any_valid_scenario(baseline, entry, ai_share, completion, seats, reapply,
                                                attrition, base_rate, elasticity, return_rate, budget, start, span,
                                                demand, recall, decay, quota, ai_apply, outside, grad_budget):
    s = variant(baseline, {
        "horizon": {"start": start, "end": min(start + span, 2070)},
        "education.entry_rate": entry, "education.ai_share": ai_share,
        "education.bachelor_completion": completion,
        "graduate_school.master.base_seats": seats, "graduate_school.phd.reapply_share": reapply,
        "workforce.attrition": attrition, "migration.emigration.base_rate": base_rate,
        "migration.emigration.elasticity": elasticity, "migration.returns.base_rate": return_rate,
        "budget_lines.msit_digital_talent.krw_bn": budget,
        # a constant demand that can lie far below or above the workforce: layoffs, latent pool
        "market.demand": demand, "market.recall_rate": recall, "market.latent_decay": decay,
        "education.quota.four_year": quota, "graduate_school.ai_schools.applicant_share": ai_apply,
        "graduate_school.ai_schools.outside_per_place": outside,
        "budget_lines.msit_ai_graduate_schools.krw_bn": grad_budget,
    })
    run = ts.simulate(s, ts.sample_inputs(s, 8, "mc", rng=start))
    check_identities(run)
    check_sane(run)


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_same_seed_same_outputs_whatever_the_chunk_size(baseline, method):
    draws = ts.sample_inputs(baseline, 300, method, rng=8)
    a = ts.simulate(baseline, draws, chunk_size=300)
    b = ts.simulate(baseline, draws, chunk_size=37)
    for name in a.metrics:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
