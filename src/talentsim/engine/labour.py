"""The labour market, one year at a time: the pay premium's response to the shortage, graduates'
take-up of AI jobs, migration rates and the workforce year. Both engines call these functions, so
each formula is written once; the parameters they read are a :class:`~.params.LabourParams`."""

from __future__ import annotations

import numpy as np

from ..arrays import rowsum
from ..scenario.schema import QUALIFICATIONS
from . import levers
from .params import LabourParams
from .workforce import Workforce, domestic_pay, emigration_hazard_log, immigrants, return_hazards_log


def take(base: np.ndarray | float, take_up: np.ndarray | float, ceiling: np.ndarray | float) -> np.ndarray:
    """AI-job take-up scaled by the shortage response, never above the people available."""
    return np.minimum(base * take_up, np.maximum(ceiling, base))

def market_share(ai_job, not_studying):
    """Share of graduates who do not study further that take a Korean AI job:
    ``ai_job / not_studying`` (the destination shares of all graduates)."""
    return ai_job / np.maximum(not_studying, 1e-12)


def premium_step(lab: LabourParams, premium: np.ndarray, shortage_rate: np.ndarray) -> np.ndarray:
    """This year's domestic AI pay premium: it moves ``adjustment_speed`` of the way towards
    ``max(p_ref + sensitivity x (shortage rate - s_ref), floor)``, with the fixed reference
    premium and shortage rate of ``reference:``; it falls when jobs go unfilled less often
    than in the calibration year (no clamp at zero, a floor at ``market.premium_floor``)."""
    target = np.maximum(lab.premium0 + lab.sensitivity * (shortage_rate - lab.shortage_ref), lab.floor)
    return premium + lab.speed * (target - premium)


def take_up_multiplier(lab: LabourParams, shortage_rate: np.ndarray) -> np.ndarray:
    """Multiplier of graduates' AI-job take-up: ``max(1 + response x (shortage rate -
    reference), 0)``."""
    return np.maximum(1.0 + lab.take_up_response * (shortage_rate - lab.shortage_ref), 0.0)


def migration_rates(lab: LabourParams, i: int, premium: np.ndarray, start_total: np.ndarray,
                    diaspora: np.ndarray) -> dict[str, np.ndarray]:
    """Year ``i``'s migration rates given the premium in force, the workforce at the start of
    the year and the diaspora (all (n,)); shared by the cohort and microsimulation engines.

    Returns ``emigration`` (hazard at multiplier 1, (n,)), ``by_region`` ((n, R), summing to
    it), ``return`` (return hazard of each region's diaspora incl. incentives, (n, R)),
    ``immigrants`` (arrivals, people), ``attrition`` (the year's attrition rate incl. the
    retention effect) and ``covered`` (share of workers on retention pay).

    Pay ratios are read against the fixed reference ratios (``reference.pay_ratio``), so a
    foreign pay level acts from the first year. Retention pay: a covered share of workers earns
    (1 + raise); their emigration hazard uses the lower pay ratio and their attrition is
    multiplied by (1 + raise) ** -attrition_pay_elasticity; returns and immigration see the
    average raise. Return incentives add candidate returnees, never more than
    ``returns.max_rate`` of a region's diaspora.
    """
    covered = np.minimum(lab.retained[i] / np.maximum(start_total, 1.0), 1.0)
    # ln(P_r / P_r0) = ln(F_r / P_r0) - ln D with D = (1 + premium)(1 + retention) / (1 + premium0)
    # (pay_ratio); ln(F_r / P_r0) is computed once in LabourParams, so a year costs one (n,)
    # logarithm per pay level instead of one per region
    log_foreign = lab.log_foreign[i]
    log_ratio = log_foreign - np.log(domestic_pay(premium, lab.premium0, 0.0))[:, None]
    h, h_region = emigration_hazard_log(log_ratio, lab.emig_logit, lab.emig_scale, lab.emig[2])
    attrition = lab.attrition[i]
    retained = bool(np.any(covered > 0))
    if retained:
        kept = log_foreign - np.log(domestic_pay(premium, lab.premium0, lab.raise_))[:, None]
        h_kept, h_region_kept = emigration_hazard_log(kept, lab.emig_logit, lab.emig_scale, lab.emig[2])
        h = covered * h_kept + (1 - covered) * h
        h_region = covered[:, None] * h_region_kept + (1 - covered[:, None]) * h_region
        attrition = attrition * (1 - covered + covered * (1 + lab.raise_) ** -lab.att_elasticity)
    retention = covered * lab.raise_
    if retained:
        log_ratio = log_foreign - np.log(domestic_pay(premium, lab.premium0, retention))[:, None]
    r = return_hazards_log(log_ratio, lab.ret_logit, lab.ret[1], lab.ret[2])
    r = np.minimum(r + (lab.return_incentives[i] / np.maximum(diaspora, 1.0))[:, None], lab.ret[1][:, None])
    # A ** elasticity: Korea's AI pay against pay at home; talent visas recruit from a finite pool
    attract = immigrants(1.0, lab.imm_elasticity, premium, lab.premium0, retention, lab.home[i], lab.home0)
    recruits, visa_pool = levers.visa_recruits(lab.visas[i], lab.visa_pool, attract)
    arrivals = lab.imm_base[i] * attract + recruits
    return {"emigration": h, "by_region": h_region, "return": r, "immigrants": arrivals,
            "attrition": attrition, "covered": covered, "visa_recruits": recruits, "visa_pool": visa_pool}


def labour_year(lab: LabourParams, wf: Workforce, i: int, to_ai: np.ndarray, reskilled: np.ndarray,
                to_ai_foreign: np.ndarray) -> dict[str, np.ndarray]:
    """One horizon year of the labour market; ``to_ai`` (n, Q) graduates seeking Korean AI
    jobs, of whom ``to_ai_foreign`` (n, Q) are international graduates (foreign-born);
    ``reskilled`` (n,) people converted from the engineers' pool this year.

    Candidates (graduates, reskilled, immigrants, returnees, recalls from the latent pool)
    are hired up to the vacancies (:meth:`~.workforce.Workforce.step`)."""
    start = wf.totals()
    start_total = start["korean"] + start["foreign"]
    rates = migration_rates(lab, i, wf.premium, start_total, rowsum(start["region"]))
    h, h_region, r, arrivals_imm, covered = (
        rates["emigration"], rates["by_region"], rates["return"], rates["immigrants"], rates["covered"])
    trainees = reskilled
    # candidates by qualification in their entry bands only, (n, Q, E): the other bands hold none
    bands = sorted({lab.entry[name] for name in (*QUALIFICATIONS, "reskilled", "immigrant")})
    at = {b: e for e, b in enumerate(bands)}
    shape = (to_ai.shape[0], lab.mult_qa.shape[0], len(bands))
    domestic = np.zeros(shape, order="F")
    foreign = np.zeros(shape, order="F")
    for q, name in enumerate(QUALIFICATIONS):
        domestic[:, q, at[lab.entry[name]]] += to_ai[:, q] - to_ai_foreign[:, q]
        foreign[:, q, at[lab.entry[name]]] += to_ai_foreign[:, q]
    domestic[:, :, at[lab.entry["reskilled"]]] += trainees[:, None] * lab.reskilled_mix[None, :]
    foreign[:, :, at[lab.entry["immigrant"]]] += arrivals_imm[:, None] * lab.mix[None, :]
    grads_total, foreign_grads = rowsum(to_ai), rowsum(to_ai_foreign)
    demand = lab.demand[i]
    jobs = demand * (1.0 + lab.friction)
    split = h_region / np.maximum(h, 1e-300)[:, None]
    flows = wf.step(
        hazard=h, multiplier=lab.mult_oqa, attrition=rates["attrition"], split=split, return_rate=r,
        domestic=domestic, foreign=foreign, jobs=jobs, recall_rate=lab.recall, decay=lab.decay,
        domestic_total=grads_total - foreign_grads + trainees, foreign_total=foreign_grads + arrivals_imm,
        bands=bands,
    )
    end = wf.totals()
    by_q = flows["by_q"]
    supply = end["korean"] + end["foreign"]
    shortage = demand - supply
    wf.shortage_rate = shortage / np.maximum(demand, 1.0)
    fill = flows["fill"]
    em_k = flows["emigration_korean"]
    em_f = flows["emigration_foreign_born"]
    emigration = em_k + em_f
    by_region = em_k[:, None] * split
    returning = flows["returning_region"]
    returnees = rowsum(returning)
    immigrants_hired = arrivals_imm * fill
    diaspora_r = end["region"]
    diaspora = rowsum(diaspora_r)
    retire_abroad = flows["diaspora_retirement_region"]
    return {
        "ai_workforce": supply,
        "ai_workforce_bachelor": by_q[:, 0],
        "ai_workforce_master": by_q[:, 1],
        "ai_workforce_phd": by_q[:, 2],
        "ai_workforce_foreign_born": end["foreign"],
        "jobs": jobs,
        "vacancies": flows["vacancies"],
        "candidates": flows["candidates"],
        "hires": flows["hired_domestic"] + flows["hired_foreign"] + returnees + flows["recalled"],
        "inflow_graduates": grads_total * fill,
        "inflow_reskilled": trainees * fill,
        "inflow_immigrants": immigrants_hired,
        "inflow_returnees": returnees,
        "inflow_recalled": flows["recalled"],
        "layoffs": flows["layoffs"],
        "latent_ai_qualified": end["latent"],
        "latent_entries": flows["latent_entries"],
        "latent_exits": flows["latent_exits"],
        "emigration": emigration,
        "emigration_korean": em_k,
        "emigration_foreign_born": em_f,
        **{f"emigration_{name}": by_region[:, j] for j, name in enumerate(lab.regions)},
        "emigration_rate": emigration / np.maximum(start_total, 1e-300),
        "net_migration": immigrants_hired + returnees - emigration,
        "retirement": flows["retirement"],
        "attrition": flows["attrition"],
        "diaspora": diaspora,
        **{f"diaspora_{name}": diaspora_r[:, j] for j, name in enumerate(lab.regions)},
        **{f"returnees_{name}": returning[:, j] for j, name in enumerate(lab.regions)},
        "diaspora_retirement": rowsum(retire_abroad),
        **{f"diaspora_retirement_{name}": retire_abroad[:, j] for j, name in enumerate(lab.regions)},
        "demand": demand,
        "shortage": shortage,
        "shortage_probability": (shortage > 0).astype(float),
        "domestic_ai_premium": wf.premium,
        "retention_coverage": covered,
        "visa_recruits": rates["visa_recruits"],
        "visa_pool": rates["visa_pool"],
    }
