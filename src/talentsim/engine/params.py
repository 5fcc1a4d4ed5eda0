"""The public parameter layer shared by both engines: scenario quantities evaluated for a chunk
of draws (:class:`Params`), and the inputs derived from them that the cohort engine
(:mod:`talentsim.engine.cohort`) and the microsimulation (:mod:`talentsim.microsim`) both use:
budgets and lever units, 18-year-olds, entrants, graduate programmes, the initial workforce and
the labour-market parameters (:class:`LabourParams`).

Arrays are (n, Y) draw-major, or year-major (Y, n) "rows" when the yearly loop reads them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel
from scipy.special import logit

from ..arrays import columns, once_along, stack_rows, weighted
from ..scenario.inputs import evaluate, is_path, iter_dists, quantity_range
from ..scenario.schema import AGE_BANDS, LEVERS, QUALIFICATIONS, REGIONS, Scenario
from . import demography, education, levers
from .education import Programme, dropout_hazard, finish_schedule
from .workforce import Workforce

#: years of budget history evaluated before the simulation (max lag + max ramp)
BUDGET_LEAD = 20


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
        """Year-major (Y, n) values over the simulated years: contiguous rows, or a view (:meth:`v`)."""
        rows = self._rows.get(name)
        if rows is None:
            q = self.field(name)
            if is_path(q) and next(iter_dists(q, name), None) is not None:  # built year-major
                rows = evaluate(q, name, self.years, self.samples, self.n, year_major=True)
            else:  # the same every year or for every draw: no copy
                rows = self.v(name, self.years).T
            self._rows[name] = rows
        return rows

    def v(self, name: str, years: np.ndarray) -> np.ndarray:
        """``q(name, years)``, a read-only view where it repeats (a number, distribution, path of numbers)."""
        q, shape = self.field(name), (self.n, len(years))
        if not is_path(q):
            return np.broadcast_to(self.s(name)[:, None], shape)
        if next(iter_dists(q, name), None) is None:
            return np.broadcast_to(evaluate(q, name, years, self.samples, 1), shape)
        return self.q(name, years)


def slots(quantity: Any, extra: Any, years: range) -> int:
    """Study-year slots a pipeline needs: ceil of the largest possible duration."""
    high = quantity_range(quantity, years)[1] + (quantity_range(extra, years)[1] if extra is not None else 0)
    return max(1, math.ceil(high - 1e-9))


def budget_lead(scenario: Scenario) -> int:
    """Budget years the funded levers reach back to (max ``lag_years + ramp_years - 1``, <= ``BUDGET_LEAD``):
    earlier money never acts, so :func:`budgets` and :func:`lever_units` give the same bits with it."""
    funded = {line.lever for line in scenario.budget_lines.values()}
    specs = [getattr(scenario.levers, lever) for lever in sorted(funded)]
    return min(BUDGET_LEAD, max((s.lag_years + s.ramp_years - 1 for s in specs if s is not None), default=0))


def budgets(scenario: Scenario, p: Params, lead: int = BUDGET_LEAD) -> dict[str, np.ndarray]:
    """Spending per lever (KRW bn, (n, Y_ext)) over the simulated years plus a lead-in of
    ``lead`` years (so lags and ramps reach back before the first simulated year)."""
    ext = np.arange(p.years[0] - lead, p.years[-1] + 1)
    funded = {line.lever for line in scenario.budget_lines.values()}
    spend = {lever: np.zeros((p.n, ext.size)) if lever in funded
             else np.broadcast_to(np.zeros(1), (p.n, ext.size)) for lever in LEVERS}
    for name, line in scenario.budget_lines.items():
        values = p.v(f"budget_lines.{name}.krw_bn", ext) * p.v(f"budget_lines.{name}.scale", ext)
        if line.prices == "nominal":  # to constant prices of price_basis.base_year
            values = deflate(scenario, p, values, ext)
        spend[line.lever] += levers.line_spending(values, ext, line.first_year, line.last_year)
    return spend


def deflate(scenario: Scenario, p: Params, values: np.ndarray, ext: np.ndarray) -> np.ndarray:
    """Nominal KRW bn (n, Y_ext) -> constant prices of ``price_basis.base_year``."""
    base = scenario.price_basis.base_year
    span = np.arange(min(ext[0], base), max(ext[-1], base) + 1)
    index = p.q("price_basis.deflator", span)
    at = ext - span[0]
    return levers.real_spending(values, index[:, at], index[:, base - span[0]])


def unit_cost(scenario: Scenario, p: Params, lever: str, years: np.ndarray) -> np.ndarray:
    """(n,) or (n, Y) real cost of one unit of ``lever`` (KRW bn, constant base-year prices): the
    base-year cost grown by ``real_cost_growth`` a year."""
    cost = p.s(f"levers.{lever}.cost_per_unit_krw_bn")
    if getattr(scenario.levers, lever).real_cost_growth == 0:
        return cost
    growth = p.s(f"levers.{lever}.real_cost_growth")
    return levers.unit_cost_path(cost, growth, years, scenario.price_basis.base_year)


def lever_units(scenario: Scenario, p: Params, spend: dict[str, np.ndarray],
                lead: int = BUDGET_LEAD) -> dict[str, np.ndarray]:
    """Units each lever delivers per simulated year, (n, Y); zero for levers without money.
    ``spend`` from :func:`budgets` with the same ``lead``.

    ``out[lever]`` is units x effect; ``out[f"{lever}_raw"]`` the units themselves."""
    out = {}
    funded = {line.lever for line in scenario.budget_lines.values()}
    for lever in LEVERS:
        spec = getattr(scenario.levers, lever)
        if spec is None or lever not in funded:  # no money, no units
            out[lever] = out[f"{lever}_raw"] = np.broadcast_to(np.zeros(1), (p.n, p.years.size))
            continue
        cap = p.s(f"levers.{lever}.cap_units") if spec.cap_units is not None else None
        ext = np.arange(p.years[0] - lead, p.years[-1] + 1)
        units = levers.lever_units(
            spend[lever],
            unit_cost(scenario, p, lever, ext),
            lag_years=spec.lag_years,
            ramp_years=spec.ramp_years,
            cap_units=cap,
        )
        out[f"{lever}_raw"] = units[:, lead:]
        out[lever] = out[f"{lever}_raw"] * p.s(f"levers.{lever}.effect")[:, None]
    return out


def demography_of(scenario: Scenario, p: Params) -> dict[str, np.ndarray]:
    """Demography over the simulated years, each (n, Y): ``cohort18``, ``hs_graduates``,
    ``births18`` and ``births19`` (births 18 and 19 years earlier). ``hs_graduates(t) = births(t-19)
    x hs_graduation(t)``; ``cohort18(t) = cohort18_ratio(t) x (births(t-18) + births(t-19)) / 2``,
    or the explicit ``demography.cohort18`` series if given (reported only: entry uses
    hs_graduates)."""
    sim = p.years
    b = scenario.demography.births
    byears = np.arange(sim[0] - 19, sim[-1] - 18 + 1)
    births = demography.project_births(
        byears,
        p.n,
        method=b.method,
        tfr=p.q("demography.births.tfr", byears) if b.method == "renewal" else None,
        series=p.q("demography.births.series", byears) if b.method == "series" else None,
        schedule=demography.fertility_schedule(b.mean_age_at_birth, b.sd_age_at_birth),
    )
    cohort18, hs, b18, b19 = demography.cohort_rows(
        births, p.q("demography.cohort18_ratio"), p.q("demography.hs_graduation"))
    if scenario.demography.cohort18 is not None:
        cohort18 = p.q("demography.cohort18")
    return {"cohort18": cohort18, "hs_graduates": hs, "births18": b18, "births19": b19}


def rows(x: np.ndarray) -> np.ndarray:
    """(n, Y) -> contiguous (Y, n) rows for the yearly loop (a broadcast stays a read-only view)."""
    x = np.asarray(x)
    if x.strides == (0, 0):  # broadcast constant (a lever with no money): no copy
        return np.broadcast_to(x.flat[0], x.T.shape)
    if x.strides[1] == 0:  # the same every year (a broadcast view): no copy either
        return np.broadcast_to(x[:, 0], x.T.shape)
    return np.ascontiguousarray(x.T)


def finish_all(durations: np.ndarray, slots: int, out: np.ndarray | None = None) -> np.ndarray:
    """Finishing schedules of every year at once, (Y, K, n) C-ordered (or into ``out``): year
    i's (n, K) schedule is ``out[i].T``, a Fortran-ordered view (formula: :func:`finish_schedule`)."""
    d = np.asarray(durations)
    if out is None:
        out = np.empty((d.shape[0], slots, d.shape[1]))
    # 0 before the last study year k = floor d, 1 - (d - floor d) in it, 1 after: min(max(k + 1 - d,
    # 0), 1), two passes a slot; the same bits for d >= 1 (both differences are exact, Sterbenz)
    for j in range(slots):  # study year k = j + 1
        np.clip(np.subtract(j + 2.0, d, out=out[:, j, :]), 0.0, 1.0, out=out[:, j, :])
    return out


def finish_rows(durations: np.ndarray, slots: int, path: bool) -> list[np.ndarray]:
    """Finishing schedules per year, (n, K) each; computed once when the duration is constant."""
    if not path:
        return [finish_schedule(durations[0], slots)] * durations.shape[0]
    every = finish_all(np.asarray(durations), slots)
    return [every[i].T for i in range(every.shape[0])]


class ProgrammeInputs:
    """Year-major inputs of one graduate programme (both kinds): rows (n,) per year index."""

    def __init__(self, p: Params, which: str, seats: np.ndarray, ai_seats: np.ndarray, slots: int):
        pre = f"graduate_school.{which}"
        years = p.t(f"{pre}.years")
        self.seats, self.ai_seats = seats, ai_seats
        self.ai_share = p.t("graduate_school.ai_schools.applicant_share")
        # applicants from outside the AI-track pipeline (other fields, workers) at an unlimited
        # pool: a number per AI-school place; EngineerPool draws them from its suitable candidates
        self.wanted = ai_seats * p.t("graduate_school.ai_schools.outside_per_place")
        self.ai_school_job = p.t("graduate_school.ai_schools.ai_job")
        intl = f"{pre}.international"
        self.international = rows(once_along(
            1, education.international_applicants,
            p.t(f"{intl}.base_inflow").T, p.t(f"{pre}.base_seats").T, p.s(f"{intl}.reference_places")[:, None],
            p.s(f"{intl}.place_elasticity")[:, None], p.t("graduate_school.attractiveness").T,
            p.s(f"{intl}.attractiveness_elasticity")[:, None], p.t(f"{intl}.cap").T))
        self.reapply = p.t(f"{pre}.reapply_share")
        self.ai_job = p.t(f"{pre}.ai_job")
        self.abroad = p.t(f"{pre}.abroad")
        self.to_phd = p.t(f"{pre}.to_phd")
        self.finish = finish_rows(years, slots, is_path(p.field(f"{pre}.years")))
        self.hazard = once_along(0, dropout_hazard, p.t(f"{pre}.completion"), years)

    def step(self, prog: Programme, i: int, new_applicants: np.ndarray, outside: np.ndarray,
             hazard=None) -> dict[str, np.ndarray]:
        return prog.step(
            new_applicants, self.seats[i], self.ai_seats[i], self.ai_share[i], outside, self.international[i],
            self.reapply[i], self.finish[i], self.hazard[i] if hazard is None else hazard,
        )


def entrant_rows(scenario: Scenario, p: Params, hs_graduates_r: np.ndarray,
                 units: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Tertiary entry, year-major (Y, n) each: ``applicants = hs_graduates x entry_rate x (1 +
    older_applicants)``; four-year and junior-college entrants by the quota/fill rule
    (:func:`~.education.tertiary_entry`); AI-track entrants = ``min(four-year x ai_share + funded
    places x effect, four-year x max_ai_share)``: funded places move four-year entrants onto AI
    tracks, never above the cap (which holds with or without the lever)."""
    first_time = hs_graduates_r * p.t("education.entry_rate")
    applicants = first_time * (1 + p.t("education.older_applicants"))
    q4, qj = p.t("education.quota.four_year"), p.t("education.quota.junior_college")
    four, junior = education.tertiary_entry(
        applicants, p.t("education.four_year_share"), q4, qj,
        p.t("education.fill.max"), p.t("education.fill.full_ratio"), p.t("education.fill.gamma"))
    ai = four * p.t("education.ai_share")
    if scenario.levers.undergrad_ai_programs is not None:
        ai = ai + rows(units["undergrad_ai_programs"])
    ai = np.minimum(ai, four * p.t("education.max_ai_share"))
    return {"first_time": first_time, "applicants": applicants, "four_year": four, "tertiary": four + junior, "ai": ai,
            "quota": q4 + qj, "unfilled": q4 + qj - four - junior}


def programme_inputs(scenario: Scenario, p: Params,
                     units: dict[str, np.ndarray]) -> tuple[ProgrammeInputs, ProgrammeInputs]:
    """The master's and PhD programmes' inputs. AI graduate-school places = ``ai_schools.base_seats``
    + places bought by the graduate_seats lever, split by ``bought_master_share``; the other
    programmes have their ``base_seats``."""
    gs, years = scenario.graduate_school, scenario.sim_years
    share_m = p.s("graduate_school.bought_master_share")
    ai_places = p.t("graduate_school.ai_schools.base_seats") + rows(units["graduate_seats"])
    m_in = ProgrammeInputs(p, "master", p.t("graduate_school.master.base_seats"), ai_places * share_m,
                           slots(gs.master.years, None, years))
    d_in = ProgrammeInputs(p, "phd", p.t("graduate_school.phd.base_seats"), ai_places * (1 - share_m),
                           slots(gs.phd.years, None, years))
    return m_in, d_in


def fellowship_gain(scenario: Scenario, p: Params) -> np.ndarray:
    """(n,) relative cut in the PhD dropout hazard for students on a fellowship (0 without the lever)."""
    if scenario.levers.phd_fellowships is None:
        return np.zeros(p.n)
    return p.s("levers.phd_fellowships.completion_gain")


def international_stay(p: Params) -> np.ndarray:
    """(Y, n) share of international graduates who stay and take a Korean AI job."""
    return p.t("graduate_school.international_stay_rate") * p.t("graduate_school.international_ai_job")


def initial_workforce(scenario: Scenario, p: Params) -> Workforce:
    """End-of-year stocks of the year before the horizon: workforce (n, Q, B), Korean-born and
    foreign-born (``foreign_born_share``); diaspora (n, R, Q, B) by ``diaspora_regions`` (default: the
    emigration shares) and ``diaspora_age_weights`` (default: ``age_weights``); latent (n, Q, B)
    with the workforce's profile. Every stock has the workforce's qualification mix."""
    init = scenario.workforce.initial
    total = p.s("workforce.initial.total")
    m, d = p.s("workforce.initial.master_share"), p.s("workforce.initial.phd_share")
    quals = columns(1 - m - d, m, d)  # (n, Q)

    def profile(weights: dict[int, float]) -> np.ndarray:
        w = np.array([weights.get(b, 0.0) for b in AGE_BANDS])
        return w / w.sum()

    ages = profile(init.age_weights)
    qa = quals[:, :, None] * ages[None, None, :]  # (n, Q, B), adds up to 1 per draw
    fb = p.s("workforce.initial.foreign_born_share")
    stock = np.asfortranarray((total * (1 - fb))[:, None, None] * qa)
    foreign = np.asfortranarray((total * fb)[:, None, None] * qa)
    regions = [r for r in REGIONS if r in scenario.migration.emigration.regions]
    shares = init.diaspora_regions or {r: scenario.migration.emigration.regions[r].share for r in regions}
    split = np.array([shares.get(r, 0.0) for r in regions])
    d_ages = profile(init.diaspora_age_weights or init.age_weights)
    d_qa = quals[:, :, None] * d_ages[None, None, :]
    abroad = p.s("workforce.initial.diaspora")
    diaspora = np.asfortranarray(abroad[:, None, None] * d_qa)
    regions_ = np.asfortranarray(abroad[:, None] * split[None, :])
    latent = np.asfortranarray(p.s("workforce.initial.latent")[:, None, None] * qa)
    premium = p.s("market.initial_premium")
    # the shortage rate is set by the caller
    return Workforce(stock, foreign, diaspora, regions_, latent, premium.copy(), np.zeros(p.n))


class LabourParams:
    """Labour-market and migration inputs of one chunk (year-major); the yearly step that reads
    them is in :mod:`talentsim.engine.labour`."""

    def __init__(self, scenario: Scenario, p: Params, units: dict[str, np.ndarray]):
        wfs, mig = scenario.workforce, scenario.migration
        ref = scenario.reference
        # every response is anchored to the fixed calibration-year values of `reference:`
        self.premium0 = np.full(p.n, ref.domestic_premium)
        self.premium_start = p.s("market.initial_premium")
        self.shortage_ref = ref.shortage_rate
        self.floor = scenario.market.premium_floor
        self.friction = p.s("market.friction")
        self.recall = p.s("market.recall_rate")
        self.decay = p.s("market.latent_decay")
        self.att_elasticity = p.s("workforce.attrition_pay_elasticity")
        self.speed = p.s("market.adjustment_speed")
        self.sensitivity = p.s("market.shortage_sensitivity")
        self.take_up_response = p.s("workforce.take_up_response")
        e = mig.emigration
        self.regions = [r for r in REGIONS if r in e.regions]
        self.shares = np.array([e.regions[r].share for r in self.regions])
        self.ratio0 = np.array([ref.pay_ratio[r] for r in self.regions])[None, :]
        self.mean_ratio0 = weighted(self.ratio0, self.shares)
        # ln(F_r / P_r0) (Y, n, R), once per draw (or year) where the foreign pay ratios repeat,
        # and the hazards' per-draw constants logit(base_rate / max_rate) and share_r x max_rate
        foreign = stack_rows([p.v(f"migration.emigration.regions.{r}.pay_ratio", p.years) for r in self.regions])
        self.log_foreign = np.broadcast_to(np.log(foreign / self.ratio0), (p.years.size, p.n, len(self.regions)))
        self.emig = [p.s(f"migration.emigration.{k}") for k in ("base_rate", "max_rate", "elasticity")]
        self.ret = [p.s(f"migration.returns.{k}") for k in ("base_rate", "max_rate", "elasticity")]
        self.emig_logit, self.ret_logit = (logit(b / m) for b, m, _ in (self.emig, self.ret))
        self.emig_scale = self.shares[None, :] * self.emig[1][:, None]
        self.imm_elasticity = p.s("migration.immigration.elasticity")
        self.imm_base = p.t("migration.immigration.base_inflow")
        self.home = p.t("migration.immigration.home_premium")
        self.home0 = ref.home_premium
        self.attrition = p.t("workforce.attrition")
        # R&D/compute money adds AI labour demand (units x effect, people)
        self.demand = p.t("market.demand") + rows(units["rd_compute"])
        # lever candidates from their source pools: reskilled workers converted from the
        # engineers' pool (EngineerPool, stepped by the yearly loop); visa offers x effect, drawn
        # from the global pool in migration_rates
        self.visas = rows(units["talent_visas"])
        self.visa_pool = (p.s("levers.talent_visas.global_pool")
                          if scenario.levers.talent_visas is not None
                          and scenario.levers.talent_visas.global_pool is not None else None)
        self.return_incentives = rows(units["diaspora_return"])
        self.retained = rows(units["retention_pay_raw"])  # covered worker-years
        self.raise_ = (p.s("levers.retention_pay.effect") if scenario.levers.retention_pay is not None
                       else np.zeros(p.n))
        # emigration multiplier by qualification and age band, (Q, B)
        age = np.array([e.age_multiplier.get(b, 1.0) for b in AGE_BANDS])
        qual = np.array([e.qualification_multiplier.get(q, 1.0) for q in QUALIFICATIONS])
        self.mult_qa = qual[:, None] * age[None, :]
        self.mult_oqa = np.stack([self.mult_qa, self.mult_qa * mig.immigration.leaving_multiplier])
        band = {b: j for j, b in enumerate(AGE_BANDS)}
        self.entry = {k: band[v] for k, v in wfs.entry_band.items()}
        mix = mig.immigration.qualification_mix
        self.mix = np.array([mix.get(q, 0.0) for q in QUALIFICATIONS])
        self.reskilled_mix = np.array([wfs.reskilled_mix.get(q, 0.0) for q in QUALIFICATIONS])


class EngineerPool:
    """The pool of other-field engineers (``levers.reskilling.pool_*``): ICT/SW workers and
    graduates in other work with the depth to move into AI. Both the reskilling courses and the
    AI graduate schools' outside applicants draw on it, in that order, each year
    (:func:`~talentsim.engine.levers.pool_year`); the converted and the admitted leave it
    (:func:`~talentsim.engine.levers.pool_end`). One instance per chunk (or draw) and run, stepped
    by the engine's yearly loop: :meth:`draw` at the start of year ``i``, :meth:`close` after
    admissions. Without a pool (no reskilling lever or no ``pool_initial``), converted =
    trainees x effect, outside applicants = places x outside_per_place, and its stocks are 0."""

    def __init__(self, scenario: Scenario, p: Params, units: dict[str, np.ndarray],
                 m_in: ProgrammeInputs, d_in: ProgrammeInputs):
        spec = scenario.levers.reskilling
        self.trainees = rows(units["reskilling_raw"])
        self.wanted_m, self.wanted_d = m_in.wanted, d_in.wanted
        self.tracked = spec is not None and spec.pool_initial is not None
        self.stock0 = np.zeros(p.n)
        if not self.tracked:
            self.converting = rows(units["reskilling"])
            return
        pre = "levers.reskilling"
        self.converting = self.trainees * p.s(f"{pre}.effect")
        self.stock0 = np.broadcast_to(p.s(f"{pre}.pool_initial"), (p.n,)).astype(float)
        self.inflow = p.t(f"{pre}.pool_inflow")
        self.exit_rate, self.suitable_share = p.s(f"{pre}.pool_exit_rate"), p.s(f"{pre}.suitable_share")

    def draw(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Year ``i``: (converted, outside applicants to the master's AI schools, to the PhD ones)."""
        wm, wd = self.wanted_m[i], self.wanted_d[i]
        if i == 0:  # a new run
            self.stock = self.stock0
        self.start = self.stock
        if not self.tracked:  # no stock: nothing suitable, exits or inflow to report
            self.converted, self.suitable = self.converting[i], np.zeros_like(self.stock)
            return self.converted, wm, wd
        self.suitable, self.converted, outside = levers.pool_year(
            self.stock, self.suitable_share, self.converting[i], wm + wd)
        share_m = np.divide(wm, wm + wd, out=np.zeros_like(outside), where=wm + wd > 0)
        return self.converted, outside * share_m, outside * (1 - share_m)

    def close(self, i: int, admitted: np.ndarray) -> dict[str, np.ndarray]:
        """End of year ``i``: the outside applicants ``admitted`` (n,) leave the pool with the
        converted; returns the year's metrics: trainees, converted (AI-job candidates: hired pro
        rata up to the vacancies, ``inflow_reskilled``, the rest join the latent pool), the pool
        at the end of the year, its suitable candidates, those admitted to an AI graduate school,
        people joining and leaving it."""
        if self.tracked:
            exits, self.stock = levers.pool_end(self.start, self.converted, admitted, self.exit_rate, self.inflow[i])
            inflow = self.inflow[i]
        else:
            exits = inflow = admitted = self.suitable
        return {"reskilling_trainees": self.trainees[i], "reskilling_converted": self.converted,
                "reskilling_pool": self.stock, "reskilling_suitable": self.suitable,
                "reskilling_pool_admitted": admitted, "reskilling_pool_inflow": inflow, "reskilling_pool_exits": exits}
