"""The labour market, one year at a time: the pay premium's response to the shortage, graduates'
take-up of AI jobs, migration rates and the workforce year. Both engines call these functions, so
each formula is written once; the parameters they read are a :class:`~.params.LabourParams`."""

from __future__ import annotations

import numpy as np

from ..arrays import rowsum, weighted
from ..scenario.schema import QUALIFICATIONS
from . import levers
from .params import LabourParams
from .workforce import Workforce, emigration_hazard, immigrants, pay_ratio, return_hazard


def take(base: np.ndarray, take_up, ceiling: np.ndarray) -> np.ndarray:
    """AI-job take-up scaled by the shortage response, never above the people available."""
    return np.minimum(base * take_up, np.maximum(ceiling, base))

def market_share(ai_job, not_studying):
    """Share of graduates who do not study further that take a Korean AI job:
    ``ai_job / not_studying`` (the destination shares of all graduates)."""
    return ai_job / np.maximum(not_studying, 1e-12)


def premium_step(lab: LabourParams, premium: np.ndarray, shortage_rate: np.ndarray) -> np.ndarray:
    """This year's domestic AI pay premium: it moves ``adjustment_speed`` of the way towards
    ``max(premium0 + sensitivity x (shortage rate - reference), 0)``."""
    target = np.maximum(lab.premium0 + lab.sensitivity * (shortage_rate - lab.shortage_ref), 0.0)
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
    it), ``return`` (diaspora return hazard incl. incentives), ``immigrants`` (arrivals,
    people) and ``covered`` (share of workers on retention pay).

    Retention pay: a covered share of workers earns (1 + raise); their hazard uses the lower
    pay ratio, the others' does not; returns and immigration see the average raise. Return
    incentives add returnees, never more than ``returns.max_rate`` of the diaspora.
    """
    n = premium.shape[0]
    covered = np.minimum(lab.retained[i] / np.maximum(start_total, 1.0), 1.0)
    ratio = pay_ratio(lab.foreign[i], premium, lab.premium0, np.zeros(n))
    h, h_region = emigration_hazard(ratio, lab.ratio0, lab.shares, *lab.emig)
    if np.any(covered > 0):
        kept = pay_ratio(lab.foreign[i], premium, lab.premium0, lab.raise_)
        h_kept, h_region_kept = emigration_hazard(kept, lab.ratio0, lab.shares, *lab.emig)
        h = covered * h_kept + (1 - covered) * h
        h_region = covered[:, None] * h_region_kept + (1 - covered[:, None]) * h_region
    retention = covered * lab.raise_
    mean_ratio = weighted(pay_ratio(lab.foreign[i], premium, lab.premium0, retention), lab.shares)
    r = return_hazard(mean_ratio, lab.mean_ratio0, *lab.ret)
    r = np.minimum(r + lab.return_incentives[i] / np.maximum(diaspora, 1.0), lab.ret[1])
    # A ** elasticity: Korea's AI pay against pay at home; talent visas recruit from a finite pool
    attract = immigrants(1.0, lab.imm_elasticity, premium, lab.premium0, retention, lab.home[i], lab.home0)
    recruits, visa_pool = levers.visa_recruits(lab.visas[i], lab.visa_pool, attract)
    arrivals = lab.imm_base[i] * attract + recruits
    return {"emigration": h, "by_region": h_region, "return": r, "immigrants": arrivals, "covered": covered,
            "visa_recruits": recruits, "visa_pool": visa_pool}

def labour_year(lab: LabourParams, wf: Workforce, i: int, to_ai: np.ndarray) -> dict[str, np.ndarray]:
    """One horizon year of the workforce; ``to_ai`` (n, Q) graduates taking AI jobs."""
    start_total = wf.total
    rates = migration_rates(lab, i, wf.premium, start_total, rowsum(wf.diaspora))
    h, h_region, r, arrivals_imm, covered = (
        rates["emigration"], rates["by_region"], rates["return"], rates["immigrants"], rates["covered"])
    trainees = lab.reskilled[i]
    arrivals = np.zeros_like(wf.stock)
    for q, name in enumerate(QUALIFICATIONS):
        arrivals[:, q, lab.entry[name]] += to_ai[:, q]
    arrivals[:, :, lab.entry["reskilled"]] += trainees[:, None] * lab.reskilled_mix[None, :]
    arrivals[:, :, lab.entry["immigrant"]] += arrivals_imm[:, None] * lab.mix[None, :]
    flows = wf.step(
        hazard=h,
        multiplier=lab.mult_qa,
        attrition=lab.attrition[i],
        return_rate=r,
        arrivals=arrivals,
        returnee_band=lab.entry["returnee"],
    )
    demand = lab.demand[i]
    supply = wf.total
    shortage = demand - supply
    wf.shortage_rate = shortage / np.maximum(demand, 1.0)
    by_q = rowsum(wf.stock, 2)
    emigration = rowsum(flows["emigration_q"])
    by_region = emigration[:, None] * h_region / np.maximum(h, 1e-300)[:, None]
    return {
        "ai_workforce": supply,
        "ai_workforce_bachelor": by_q[:, 0],
        "ai_workforce_master": by_q[:, 1],
        "ai_workforce_phd": by_q[:, 2],
        "inflow_graduates": rowsum(to_ai),
        "inflow_reskilled": trainees,
        "inflow_immigrants": arrivals_imm,
        "inflow_returnees": rowsum(flows["returning_q"]),
        "emigration": emigration,
        **{f"emigration_{name}": by_region[:, j] for j, name in enumerate(lab.regions)},
        "emigration_rate": emigration / np.maximum(start_total, 1e-300),
        "retirement": flows["retirement"],
        "attrition": flows["attrition"],
        "diaspora": rowsum(wf.diaspora),
        "demand": demand,
        "shortage": shortage,
        "shortage_probability": (shortage > 0).astype(float),
        "domestic_ai_premium": wf.premium,
        "retention_coverage": covered,
        "visa_recruits": rates["visa_recruits"],
        "visa_pool": rates["visa_pool"],
    }
