"""The cohort engine: the one place that knows the order of the mechanisms.

:func:`simulate_chunk` runs draws ``start:stop`` of a design through every year of the
scenario (spin-up years, then the horizon), vectorised over draws; it loops over years only.
:func:`simulate` streams the draws in chunks and returns a :class:`~talentsim.results.Run`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel

from . import demography, levers
from .arrays import columns, rowsum, weighted
from .education import Pipeline, Programme, dropout_hazard, finish_schedule
from .inputs import central, evaluate, is_path, quantity_range
from .results import Run
from .sampling import Draws
from .schema import AGE_BANDS, LEVERS, QUALIFICATIONS, REGIONS, SPINUP_YEARS, Scenario
from .workforce import (
    Workforce,
    emigration_hazard,
    immigrants,
    pay_ratio,
    return_hazard,
)

#: years of budget history evaluated before the simulation (max lag + max ramp)
_BUDGET_LEAD = 20


class Params:
    """Scenario quantities evaluated for one chunk of draws, cached per name.

    ``q(name)`` -> (n, Y) over ``years``; ``s(name)`` -> (n,) for number/distribution fields;
    ``row(name, i)`` -> (n,) values of year index ``i``, read from a year-major copy so that
    the yearly loop touches contiguous memory.
    """

    def __init__(self, scenario: Scenario, samples: Mapping[str, np.ndarray], n: int, years):
        self.scenario, self.samples, self.n = scenario, samples, n
        self.years = np.asarray(years)
        self._cache: dict[tuple[str, int, int], np.ndarray] = {}
        self._rows: dict[str, np.ndarray] = {}

    def field(self, name: str) -> Any:
        node: Any = self.scenario
        for part in name.split("."):
            if isinstance(node, BaseModel):
                node = getattr(node, part)
            else:
                node = node[int(part)] if isinstance(next(iter(node)), int) else node[part]
        return node

    def q(self, name: str, years: np.ndarray | None = None) -> np.ndarray:
        """(n, Y) values over ``years`` (default: the simulated years)."""
        years = self.years if years is None else np.asarray(years)
        key = (name, int(years[0]), years.size)
        if key not in self._cache:
            self._cache[key] = evaluate(self.field(name), name, years, self.samples, self.n)
        return self._cache[key]

    def s(self, name: str) -> np.ndarray:
        """(n,) values of a number or distribution field."""
        q = self.field(name)
        if is_path(q):
            raise TypeError(f"{name} is a yearly path; a single value per draw was expected")
        return evaluate(q, name, self.years[:1], self.samples, self.n)[:, 0]

    def t(self, name: str) -> np.ndarray:
        """Year-major (Y, n) values over the simulated years; rows are contiguous.

        A number or distribution gives a read-only broadcast view (no copy per year)."""
        rows = self._rows.get(name)
        if rows is None:
            q = self.field(name)
            if is_path(q):
                rows = np.ascontiguousarray(self.q(name).T)
            else:
                rows = np.broadcast_to(self.s(name), (self.years.size, self.n))
            self._rows[name] = rows
        return rows


def _slots(quantity: Any, extra: Any, years: range) -> int:
    """Study-year slots a pipeline needs: ceil of the largest possible duration."""
    high = quantity_range(quantity, years)[1] + (quantity_range(extra, years)[1] if extra is not None else 0)
    return max(1, math.ceil(high - 1e-9))


def budgets(scenario: Scenario, p: Params) -> dict[str, np.ndarray]:
    """Spending per lever (KRW bn, (n, Y_ext)) over the simulated years plus a lead-in of
    ``_BUDGET_LEAD`` years (so lags and ramps reach back before the first simulated year)."""
    ext = np.arange(p.years[0] - _BUDGET_LEAD, p.years[-1] + 1)
    funded = {line.lever for line in scenario.budget_lines.values()}
    spend = {lever: np.zeros((p.n, ext.size)) if lever in funded
             else np.broadcast_to(np.zeros(1), (p.n, ext.size)) for lever in LEVERS}
    for name, line in scenario.budget_lines.items():
        values = p.q(f"budget_lines.{name}.krw_bn", ext) * p.q(f"budget_lines.{name}.scale", ext)
        spend[line.lever] += levers.line_spending(values, ext, line.first_year, line.last_year)
    return spend


def lever_units(scenario: Scenario, p: Params, spend: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Units each lever delivers per simulated year, (n, Y); zero for levers without money.

    ``out[lever]`` is units x effect; ``out[f"{lever}_raw"]`` the units themselves."""
    out = {}
    funded = {line.lever for line in scenario.budget_lines.values()}
    for lever in LEVERS:
        spec = getattr(scenario.levers, lever)
        if spec is None or lever not in funded:  # no money, no units
            out[lever] = out[f"{lever}_raw"] = np.broadcast_to(np.zeros(1), (p.n, p.years.size))
            continue
        cap = p.s(f"levers.{lever}.cap_units") if spec.cap_units is not None else None
        units = levers.lever_units(
            spend[lever],
            p.s(f"levers.{lever}.cost_per_unit_krw_bn"),
            lag_years=spec.lag_years,
            ramp_years=spec.ramp_years,
            cap_units=cap,
        )
        out[f"{lever}_raw"] = units[:, _BUDGET_LEAD:]
        out[lever] = out[f"{lever}_raw"] * p.s(f"levers.{lever}.effect")[:, None]
    return out


def cohort18_of(scenario: Scenario, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """(cohort18, births 18 years earlier), each (n, Y) over the simulated years: the explicit
    ``demography.cohort18`` series if given (births then NaN), else births(t-18) x s18(t)."""
    sim = p.years
    if scenario.demography.cohort18 is not None:
        return p.q("demography.cohort18"), np.full((p.n, sim.size), np.nan)
    b = scenario.demography.births
    byears = sim - 18
    births18 = demography.project_births(
        byears,
        p.n,
        method=b.method,
        tfr=p.q("demography.births.tfr", byears) if b.method == "renewal" else None,
        series=p.q("demography.births.series", byears) if b.method == "series" else None,
        schedule=demography.fertility_schedule(b.mean_age_at_birth, b.sd_age_at_birth),
    )
    return births18 * p.q("demography.s18"), births18


def _rows(x: np.ndarray) -> np.ndarray:
    """(n, Y) -> contiguous (Y, n), so the yearly loop reads rows (a constant stays a view)."""
    x = np.asarray(x)
    if x.strides == (0, 0):  # broadcast constant (a lever with no money): no copy
        return np.broadcast_to(x.flat[0], x.T.shape)
    return np.ascontiguousarray(x.T)


def _finish_all(durations: np.ndarray, slots: int) -> np.ndarray:
    """Finishing schedules of every year at once, (Y, K, n) C-ordered: year i's (n, K) schedule
    is ``out[i].T``, a Fortran-ordered view (see :func:`finish_schedule` for the formula)."""
    d = durations[:, None, :]
    floor = np.floor(d)
    k = np.arange(1, slots + 1)[None, :, None]
    return np.where(k < floor, 0.0, np.where(k == floor, 1.0 - (d - floor), 1.0))


def _finish_rows(durations: np.ndarray, slots: int, path: bool) -> list[np.ndarray]:
    """Finishing schedules per year, (n, K) each; computed once when the duration is constant."""
    if not path:
        return [finish_schedule(durations[0], slots)] * durations.shape[0]
    every = _finish_all(np.asarray(durations), slots)
    return [every[i].T for i in range(every.shape[0])]


class _ProgrammeInputs:
    """Year-major inputs of one graduate programme: rows (n,) per year index."""

    def __init__(self, p: Params, which: str, seats: np.ndarray, slots: int):
        pre = f"graduate_school.{which}"
        years = p.t(f"{pre}.years")
        self.seats = seats
        self.international = p.t(f"{pre}.international_share")
        self.reapply = p.t(f"{pre}.reapply_share")
        self.ai_job = p.t(f"{pre}.ai_job")
        self.abroad = p.t(f"{pre}.abroad")
        self.to_phd = p.t(f"{pre}.to_phd")
        self.finish = _finish_rows(years, slots, is_path(p.field(f"{pre}.years")))
        self.hazard = dropout_hazard(p.t(f"{pre}.completion"), years)

    def step(self, prog: Programme, i: int, new_applicants: np.ndarray, hazard=None) -> dict[str, np.ndarray]:
        return prog.step(
            new_applicants, self.seats[i], self.international[i], self.reapply[i],
            self.finish[i], self.hazard[i] if hazard is None else hazard,
        )


def simulate_chunk(
    scenario: Scenario, draws: Draws, start: int = 0, stop: int | None = None
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Simulate draws ``start:stop`` through the spin-up years and the horizon.

    Returns ``(metrics, initial)``: metrics {name: (n, Y_horizon)}, and the end-of-year stocks
    of the year before the horizon {name: (n,)} so that stock identities can be checked from
    the first horizon year on.
    """
    stop = draws.n_draws if stop is None else stop
    n = stop - start
    sim = np.asarray(scenario.sim_years)
    p = Params(scenario, draws.chunk(start, stop), n, sim)
    rec = Recorder(n, sim, SPINUP_YEARS)

    # ---- demography: 18-year-olds for every simulated year
    cohort18, births18 = cohort18_of(scenario, p)

    # ---- budget lines -> lever units
    spend = budgets(scenario, p)
    units = lever_units(scenario, p, spend)
    spend_rows = {lever: _rows(x[:, _BUDGET_LEAD:]) for lever, x in spend.items()}
    unit_rows = {lever: _rows(units[f"{lever}_raw"]) for lever in LEVERS}

    # ---- education: year-major inputs, rows (n,) per simulated year
    ed, gs, years = scenario.education, scenario.graduate_school, scenario.sim_years
    ug = Pipeline.empty(n, 2, _slots(ed.bachelor_years, ed.service_years, years))
    master = Programme.empty(n, _slots(gs.master.years, None, years))
    phd = Programme.empty(n, _slots(gs.phd.years, None, years))
    cohort18_r, births18_r = _rows(cohort18), _rows(births18)
    entrants_r = cohort18_r * p.t("education.entry_rate")
    four_year = entrants_r * p.t("education.four_year_share")
    ai_entrants_r = four_year * p.t("education.ai_share")
    programs = scenario.levers.undergrad_ai_programs
    if programs is not None:  # funded places add entrants, up to max_share of four-year entrants
        ceiling = four_year * p.s("levers.undergrad_ai_programs.max_share")
        ai_entrants_r = np.minimum(ai_entrants_r + _rows(units["undergrad_ai_programs"]),
                                   np.maximum(ceiling, ai_entrants_r))
    serve = p.t("education.male_share") * p.t("education.service_share")
    # (Y, 2, n) stored, (Y, n, 2) viewed: each year's (n, 2) slice is Fortran-ordered
    ug_intake = (ai_entrants_r[:, None, :] * np.stack([1 - serve, serve], axis=1)).transpose(0, 2, 1)
    study = p.t("education.bachelor_years")
    durations = [study, study + p.t("education.service_years")]
    paths = is_path(ed.bachelor_years) or is_path(ed.service_years)
    k = ug.stock.shape[2]
    if paths:  # (Y, K, 2, n) C-ordered: year i's (n, 2, K) schedule is a Fortran-ordered view
        every = np.stack([_finish_all(np.asarray(d), k) for d in durations], axis=2)
        ug_finish = [every[i].transpose(2, 1, 0) for i in range(every.shape[0])]
    else:
        first = np.asfortranarray(np.stack([finish_schedule(d[0], k) for d in durations], axis=1))
        ug_finish = [first] * sim.size  # (n, 2, K)
    completion = p.t("education.bachelor_completion")
    ug_hazard = np.stack([dropout_hazard(completion, d) for d in durations], axis=1).transpose(0, 2, 1)
    share_m = p.s("graduate_school.bought_master_share")
    bought = _rows(units["graduate_seats"])
    m_in = _ProgrammeInputs(p, "master", p.t("graduate_school.master.base_seats") + bought * share_m,
                            master.pipeline.stock.shape[2])
    d_in = _ProgrammeInputs(p, "phd", p.t("graduate_school.phd.base_seats") + bought * (1 - share_m),
                            phd.pipeline.stock.shape[2])
    dest = {k: p.t(f"education.destinations.{k}") for k in ("master", "phd", "ai_job", "abroad")}
    fellows = _rows(units["phd_fellowships"])
    fellows_raw = _rows(units["phd_fellowships_raw"])
    gain = (p.s("levers.phd_fellowships.completion_gain")
            if scenario.levers.phd_fellowships is not None else np.zeros(n))
    stay = p.t("graduate_school.international_stay_rate") * p.t("graduate_school.international_ai_job")

    # ---- workforce set-up (acts from the horizon start)
    wf = _initial_workforce(scenario, p)
    labour = _LabourParams(scenario, p, units)
    demand0 = labour.demand[SPINUP_YEARS - 1]
    wf.shortage_rate = (demand0 - wf.total) / np.maximum(demand0, 1.0)
    shortage0 = labour.shortage_ref

    # graduates of year t start a graduate programme in year t+1 (graduation in February,
    # the academic year in March): applicants in transit from the previous year
    to_master = np.zeros(n)
    to_phd = np.zeros(n)
    for i in range(sim.size):
        live = i >= SPINUP_YEARS  # the workforce runs over the horizon only
        if live:
            target = np.maximum(labour.premium0 + labour.sensitivity * (wf.shortage_rate - shortage0), 0.0)
            wf.premium = wf.premium + labour.speed * (target - wf.premium)
            take_up = np.maximum(1.0 + labour.take_up_response * (wf.shortage_rate - shortage0), 0.0)
        else:
            take_up = 1.0

        g_ug, d_ug = ug.step(ug_intake[i], ug_finish[i], ug_hazard[i])
        grads_b = rowsum(g_ug)
        m = m_in.step(master, i, to_master)
        # fellowships: extra applicants (units x effect) and a lower dropout hazard for the
        # funded share of PhD students
        covered = np.minimum(fellows_raw[i] / np.maximum(phd.pipeline.total, 1.0), 1.0)
        d = d_in.step(phd, i, to_phd + fellows[i], hazard=d_in.hazard[i] * (1 - gain * covered))
        to_master = grads_b * dest["master"][i]
        to_phd = grads_b * dest["phd"][i] + m["grads_domestic"] * m_in.to_phd[i]

        if i == SPINUP_YEARS - 1:  # end of the year before the horizon
            rec.initial.update(_stock_snapshot(ug, master, phd, wf))
        if not live:
            continue

        # graduates taking Korean AI jobs, by qualification (n, Q). Applicants who miss a place
        # and give up enter the market like graduates of their degree who do not study further
        # (PhD applicants counted as master's holders).
        not_studying = 1 - dest["master"][i] - dest["phd"][i]
        market_b = dest["ai_job"][i] / np.maximum(not_studying, 1e-12)
        market_m = m_in.ai_job[i] / np.maximum(1 - m_in.to_phd[i], 1e-12)
        to_ai = columns(
                _take(grads_b * dest["ai_job"][i] + m["unplaced_leavers"] * market_b, take_up,
                      grads_b * (not_studying - dest["abroad"][i]) + m["unplaced_leavers"]),
                _take(m["grads_domestic"] * m_in.ai_job[i] + d["unplaced_leavers"] * market_m, take_up,
                      m["grads_domestic"] * (1 - m_in.to_phd[i] - m_in.abroad[i]) + d["unplaced_leavers"])
                + m["grads_international"] * stay[i],
                _take(d["grads_domestic"] * d_in.ai_job[i], take_up,
                      d["grads_domestic"] * (1 - d_in.abroad[i]))
                + d["grads_international"] * stay[i],
        )
        rec.put(i, cohort18=cohort18_r[i], births_18_years_before=births18_r[i],
                tertiary_entrants=entrants_r[i], ai_track_entrants=ai_entrants_r[i],
                grads_bachelor=grads_b, dropouts_bachelor=rowsum(d_ug),
                students_bachelor=ug.total,
                grads_master=m["grads_domestic"] + m["grads_international"],
                grads_phd=d["grads_domestic"] + d["grads_international"],
                seats_master=m_in.seats[i], seats_phd=d_in.seats[i],
                enrolled_master=master.pipeline.total, enrolled_phd=phd.pipeline.total,
                waitlist_master=master.waitlist, waitlist_phd=phd.waitlist,
                **{f"{key}_master": v for key, v in m.items()},
                **{f"{key}_phd": v for key, v in d.items()},
                study_abroad=grads_b * dest["abroad"][i] + m["grads_domestic"] * m_in.abroad[i]
                + d["grads_domestic"] * d_in.abroad[i],
                budget_spent=sum(spend_rows[lever][i] for lever in LEVERS),
                **{f"budget_{lever}": spend_rows[lever][i] for lever in LEVERS},
                **{f"units_{lever}": unit_rows[lever][i] for lever in LEVERS})
        rec.put(i, **labour.year(wf, i, to_ai))
    return rec.metrics(), rec.initial


def _take(base: np.ndarray, take_up, ceiling: np.ndarray) -> np.ndarray:
    """AI-job take-up scaled by the shortage response, never above the people available."""
    return np.minimum(base * take_up, np.maximum(ceiling, base))


def central_shortage_rate(scenario: Scenario) -> float:
    """Shortage rate at the end of the year before the horizon with every input at its median.

    The premium target and graduates' take-up respond to the shortage rate relative to this
    reference (as emigration responds to pay relative to the central pay ratios), so the initial
    premium is the one in force at today's central shortage, and a draw starting with a larger
    shortage sees pay and take-up rise.
    """
    from .inputs import iter_dists, median

    samples = {name: np.array([median(dist)]) for name, dist in iter_dists(scenario)}
    p = Params(scenario, samples, 1, np.asarray(scenario.sim_years))
    spend = budgets(scenario, p)
    units = lever_units(scenario, p, spend)
    i = SPINUP_YEARS - 1
    demand = p.q("market.demand")[0, i] + units["rd_compute"][0, i]
    total = p.s("workforce.initial.total")[0]
    return float((demand - total) / max(demand, 1.0))


def _initial_workforce(scenario: Scenario, p: Params) -> Workforce:
    init = scenario.workforce.initial
    total = p.s("workforce.initial.total")
    m, d = p.s("workforce.initial.master_share"), p.s("workforce.initial.phd_share")
    quals = columns(1 - m - d, m, d)  # (n, Q)
    weights = np.array([init.age_weights.get(b, 0.0) for b in AGE_BANDS])
    weights = weights / weights.sum()
    stock = np.asfortranarray(total[:, None, None] * quals[:, :, None] * weights[None, None, :])
    diaspora = np.asfortranarray(p.s("workforce.initial.diaspora")[:, None] * quals)
    premium = p.s("market.initial_premium")
    return Workforce(stock, diaspora, premium.copy(), np.zeros(p.n))  # shortage rate set by caller


def _stock_snapshot(ug: Pipeline, master: Programme, phd: Programme, wf: Workforce) -> dict:
    return {
        "students_bachelor": ug.total,
        "enrolled_master": master.pipeline.total,
        "enrolled_phd": phd.pipeline.total,
        "waitlist_master": master.waitlist,
        "waitlist_phd": phd.waitlist,
        "ai_workforce": wf.total,
        "diaspora": rowsum(wf.diaspora),
    }


class _LabourParams:
    """Labour-market and migration inputs of one chunk (year-major), and the workforce year."""

    def __init__(self, scenario: Scenario, p: Params, units: dict[str, np.ndarray]):
        wfs, mig = scenario.workforce, scenario.migration
        i0 = SPINUP_YEARS
        self.premium0 = p.s("market.initial_premium")
        self.shortage_ref = central_shortage_rate(scenario)
        self.speed = p.s("market.adjustment_speed")
        self.sensitivity = p.s("market.shortage_sensitivity")
        self.take_up_response = p.s("workforce.take_up_response")
        e = mig.emigration
        self.regions = [r for r in REGIONS if r in e.regions]
        self.shares = np.array([e.regions[r].share for r in self.regions])
        foreign = np.stack(
            [p.q(f"migration.emigration.regions.{r}.pay_ratio") for r in self.regions], axis=2
        )  # (n, Y, R)
        # stored (Y, R, n), viewed (Y, n, R): each year's (n, R) slice is Fortran-ordered
        self.foreign = np.ascontiguousarray(foreign.transpose(1, 2, 0)).transpose(0, 2, 1)
        # responses are calibrated at the central (median) pay ratios of the first horizon year,
        # so a draw with a higher sampled pay ratio has a higher emigration hazard
        year0 = p.years[i0 : i0 + 1]
        self.ratio0 = np.array([
            central(e.regions[r].pay_ratio, f"migration.emigration.regions.{r}.pay_ratio", year0)[0]
            for r in self.regions
        ])[None, :]
        self.mean_ratio0 = weighted(self.ratio0, self.shares)
        self.emig = [p.s(f"migration.emigration.{k}") for k in ("base_rate", "max_rate", "elasticity")]
        self.ret = [p.s(f"migration.returns.{k}") for k in ("base_rate", "max_rate", "elasticity")]
        self.imm_elasticity = p.s("migration.immigration.elasticity")
        self.imm_base = p.t("migration.immigration.base_inflow")
        self.home = p.t("migration.immigration.home_premium")
        self.home0 = central(mig.immigration.home_premium, "migration.immigration.home_premium", year0)[0]
        self.attrition = p.t("workforce.attrition")
        # R&D/compute money adds AI labour demand (units x effect, people)
        self.demand = p.t("market.demand") + _rows(units["rd_compute"])
        self.reskilled = _rows(units["reskilling"])
        self.visas = _rows(units["talent_visas"])
        self.return_incentives = _rows(units["diaspora_return"])
        self.retained = _rows(units["retention_pay_raw"])  # covered worker-years
        self.raise_ = (p.s("levers.retention_pay.effect") if scenario.levers.retention_pay is not None
                       else np.zeros(p.n))
        # emigration multiplier by qualification and age band, (Q, B)
        age = np.array([e.age_multiplier.get(b, 1.0) for b in AGE_BANDS])
        qual = np.array([e.qualification_multiplier.get(q, 1.0) for q in QUALIFICATIONS])
        self.mult_qa = qual[:, None] * age[None, :]
        band = {b: j for j, b in enumerate(AGE_BANDS)}
        self.entry = {k: band[v] for k, v in wfs.entry_band.items()}
        mix = mig.immigration.qualification_mix
        self.mix = np.array([mix.get(q, 0.0) for q in QUALIFICATIONS])
        self.reskilled_mix = np.array([wfs.reskilled_mix.get(q, 0.0) for q in QUALIFICATIONS])

    def migration_rates(self, i: int, premium: np.ndarray, start_total: np.ndarray,
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
        covered = np.minimum(self.retained[i] / np.maximum(start_total, 1.0), 1.0)
        ratio = pay_ratio(self.foreign[i], premium, self.premium0, np.zeros(n))
        h, h_region = emigration_hazard(ratio, self.ratio0, self.shares, *self.emig)
        if np.any(covered > 0):
            kept = pay_ratio(self.foreign[i], premium, self.premium0, self.raise_)
            h_kept, h_region_kept = emigration_hazard(kept, self.ratio0, self.shares, *self.emig)
            h = covered * h_kept + (1 - covered) * h
            h_region = covered[:, None] * h_region_kept + (1 - covered[:, None]) * h_region
        retention = covered * self.raise_
        mean_ratio = weighted(pay_ratio(self.foreign[i], premium, self.premium0, retention), self.shares)
        r = return_hazard(mean_ratio, self.mean_ratio0, *self.ret)
        r = np.minimum(r + self.return_incentives[i] / np.maximum(diaspora, 1.0), self.ret[1])
        arrivals = immigrants(
            self.imm_base[i] + self.visas[i], self.imm_elasticity, premium, self.premium0,
            retention, self.home[i], self.home0,
        )
        return {"emigration": h, "by_region": h_region, "return": r, "immigrants": arrivals, "covered": covered}

    def year(self, wf: Workforce, i: int, to_ai: np.ndarray) -> dict[str, np.ndarray]:
        """One horizon year of the workforce; ``to_ai`` (n, Q) graduates taking AI jobs."""
        start_total = wf.total
        rates = self.migration_rates(i, wf.premium, start_total, rowsum(wf.diaspora))
        h, h_region, r, arrivals_imm, covered = (
            rates["emigration"], rates["by_region"], rates["return"], rates["immigrants"], rates["covered"])
        trainees = self.reskilled[i]
        arrivals = np.zeros_like(wf.stock)
        for q, name in enumerate(QUALIFICATIONS):
            arrivals[:, q, self.entry[name]] += to_ai[:, q]
        arrivals[:, :, self.entry["reskilled"]] += trainees[:, None] * self.reskilled_mix[None, :]
        arrivals[:, :, self.entry["immigrant"]] += arrivals_imm[:, None] * self.mix[None, :]
        flows = wf.step(
            hazard=h,
            multiplier=self.mult_qa,
            attrition=self.attrition[i],
            return_rate=r,
            arrivals=arrivals,
            returnee_band=self.entry["returnee"],
        )
        demand = self.demand[i]
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
            **{f"emigration_{name}": by_region[:, j] for j, name in enumerate(self.regions)},
            "emigration_rate": emigration / np.maximum(start_total, 1e-300),
            "retirement": flows["retirement"],
            "attrition": flows["attrition"],
            "diaspora": rowsum(wf.diaspora),
            "demand": demand,
            "shortage": shortage,
            "shortage_probability": (shortage > 0).astype(float),
            "domestic_ai_premium": wf.premium,
            "retention_coverage": covered,
        }


class Recorder:
    """Collects per-year metric values of the horizon years; returns (n, Y_horizon) arrays."""

    def __init__(self, n: int, sim_years: np.ndarray, first: int):
        self.n, self.first, self.size = n, first, sim_years.size - first
        self._data: dict[str, np.ndarray] = {}  # year-major (Y, n) while recording
        self.initial: dict[str, np.ndarray] = {}

    def put(self, i: int, **values: np.ndarray) -> None:
        if i < self.first:
            return
        for name, value in values.items():
            arr = self._data.get(name)
            if arr is None:  # every metric is written in every horizon year
                arr = self._data[name] = np.empty((self.size, self.n))
            arr[i - self.first] = value

    def metrics(self) -> dict[str, np.ndarray]:
        # the transpose of a year-major array is the (draw, year) array in Fortran order: no copy
        return {k: v.T for k, v in self._data.items()}


def _chunk_task(scenario: Scenario, draws: Draws, start: int, stop: int, metrics):
    values, init = simulate_chunk(scenario, draws, start, stop)
    if metrics is not None:
        values = {k: values[k] for k in metrics}
    return values, init


def simulate(
    scenario: Scenario,
    draws: Draws,
    *,
    chunk_size: int = 5000,
    progress: Callable[[int], None] | None = None,
    metrics: Collection[str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> Run:
    """Run every draw of ``draws`` through the cohort engine, ``chunk_size`` draws at a time.

    The result does not depend on ``chunk_size``, ``workers`` (local processes) or
    ``scheduler`` (a Dask distributed address): each draw's inputs come from its own place in
    the input streams, every operation is row-wise over draws, and chunks are put back in
    order. ``metrics`` keeps only the named metrics (large designs need one or two). Everything
    is held in memory; for very many draws see :func:`talentsim.streaming.summarize_streaming`.

    >>> run = simulate(scenario, sample_inputs(scenario, 1000, rng=1))   # doctest: +SKIP
    >>> run["ai_workforce"].shape                                         # doctest: +SKIP
    (1000, 27)
    """
    from .parallel import chunk_bounds, run_tasks

    if metrics is not None:
        known = set(simulate_chunk(scenario, draws, 0, 1)[0])
        unknown = sorted(set(metrics) - known)
        if unknown:
            raise ValueError(f"unknown metrics {unknown}; known: {sorted(known)}")
    bounds = chunk_bounds(draws.n_draws, chunk_size)
    tasks = [(scenario, draws, a, b, None if metrics is None else list(metrics)) for a, b in bounds]
    parts: list[dict[str, np.ndarray]] = []
    initial: list[dict[str, np.ndarray]] = []
    for (a, b), (values, init) in zip(bounds, run_tasks(_chunk_task, tasks, workers=workers, scheduler=scheduler)):
        parts.append(values)
        initial.append(init)
        if progress is not None:
            progress(b - a)
    names = parts[0].keys()
    return Run(
        scenario=scenario.name,
        years=np.asarray(scenario.years),
        metrics={k: np.concatenate([part[k] for part in parts]) for k in names},
        initial={k: np.concatenate([part[k] for part in initial]) for k in initial[0]},
        method=draws.method,
        seed=draws.seed,
    )
