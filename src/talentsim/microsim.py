"""The individual-level engine: SimPy processes carry people through the cohort engine's
mechanisms, one draw at a time.

One *agent* stands for ``scale`` (K) people. Each year the flows that enter the system
(AI-track entrants, fellowship applicants, immigrants, reskilled workers) become Poisson
counts of agents at mean ``flow / K``; the initial workforce and diaspora are ``T / K`` agents
(stochastically rounded) spread multinomially over qualification x age band. Each agent is a
SimPy process that lives its life in yearly steps: undergraduate study (dropout hazard,
graduation by the finishing schedule, service as extra study years; drawn at entry, one
timeout to the end), a destination, an application for a master's or PhD place held as a
capacity-limited :class:`simpy.Resource` for the whole course (those who miss out wait and
reapply, or leave), AI work in Korea (emigration by age band and qualification, attrition,
ageing, retirement), the diaspora (return) and back.

Every probability is the cohort engine's, evaluated for the same draw by the same code
(:class:`talentsim.model.Params`, :func:`~talentsim.model.budgets`,
:func:`~talentsim.model.lever_units`, ``_ProgrammeInputs``, ``_LabourParams`` and the hazard
functions of :mod:`talentsim.workforce`), and the events of a year follow the cohort engine's
order (ticks of a tenth of a year): market (premium, take-up, hazards, entrants) -> admission
rounds -> workforce outflows and returns -> end of the study year (dropouts, graduations,
destinations) -> end-of-year record. The mean trajectory over agents therefore equals the
cohort engine's up to Monte Carlo noise; docs/microsim.md gives the agreement and the few
remaining differences.

>>> draws = sample_inputs(scenario, 4, rng=1)                       # doctest: +SKIP
>>> result = simulate_microsim(scenario, draws, scale=10)           # doctest: +SKIP
>>> summarize(result.run)          # same metrics as the cohort engine + seat_wait_years
"""

from __future__ import annotations

import math
import numbers
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import simpy

from .arrays import weighted
from .education import dropout_hazard
from .inputs import is_path
from .model import (
    _BUDGET_LEAD,
    Params,
    _finish_rows,
    _initial_workforce,
    _LabourParams,
    _ProgrammeInputs,
    _rows,
    _slots,
    budgets,
    cohort18_of,
    lever_units,
)
from .results import Run
from .sampling import Draws, stream_key
from .schema import AGE_BANDS, LEVERS, QUALIFICATIONS, SPINUP_YEARS, Scenario
from .workforce import (
    BAND_YEARS,
    emigration_hazard,
    immigrants,
    pay_ratio,
    return_hazard,
)

#: people per agent by default: one baseline draw (2004-2050) takes ~7 s (docs/microsim.md)
DEFAULT_SCALE = 10.0
#: entry cohorts are followed this many years after enrolling (cohort_tracking.csv)
TRACK_AFTER = (5, 10, 15)
#: columns of :attr:`MicroResult.distributions` and :attr:`MicroResult.cohort_tracking`
DISTRIBUTION_COLUMNS = ["draw", "kind", "value_years", "count"]
TRACKING_COLUMNS = ["entry_year", "after_years", "in_korean_ai", "abroad", "elsewhere",
                    "in_education", "entrants"]

# Time runs in ticks of a tenth of a year; year index i (0 = first simulated year) spans ticks
# [10 i, 10 i + 10). Events of a year happen in the cohort engine's order:
TICKS = 10
MARKET = 0  # premium, take-up and hazards from last year's state; entrants and arrivals appear
ADMIT = 1  # admission rounds (international students first, then domestic applicants)
WORK = 2  # workforce outflows and ageing (start-of-year stock); diaspora returns
STUDY = 8  # end of the study year: dropouts, graduations, destinations (new AI workers join)
RECORD = 9  # end-of-year stocks; the shortage rate that drives next year's market

STUDYING, IN_AI, ABROAD, ELSEWHERE = range(4)  # states of a tracked entrant
BACHELOR, MASTER, PHD = range(3)
_SEED_KEY = stream_key("microsim")
_INITIAL = -2  # entry marker of the initial stocks (untracked, careers left-truncated)
_NEW = 1 << 30  # sort key of first-time applicants: after everyone already waiting


@dataclass
class MicroResult:
    """What :func:`simulate_microsim` returns.

    run : :class:`~talentsim.results.Run` with the cohort engine's metrics, (draw, year) each,
        plus ``seat_wait_years`` (and ``_master`` / ``_phd``): mean years admitted domestic
        applicants waited for their place (0 when nobody was admitted)
    distributions : tidy frame ``draw, kind, value_years, count`` (count in people, agents x
        scale) for the kinds ``time_to_degree_bachelor|master|phd`` (graduations in horizon
        years, study years incl. service), ``seat_wait_master|phd`` (admissions in horizon
        years), ``career_length`` (spells in Korean AI work that began in the horizon and ended
        by emigration, attrition or retirement) and ``career_length_censored`` (spells still
        running at the horizon's end, length so far)
    cohort_tracking : ``entry_year, after_years, in_korean_ai, abroad, elsewhere, in_education,
        entrants``: of the AI-track entrants of ``entry_year`` (horizon years only), the shares
        at the end of year ``entry_year + after_years - 1`` in Korean AI work, abroad
        (emigrated or left to study/work abroad) and elsewhere (= 1 - the two; of which
        ``in_education`` still studying or waiting for a place), averaged over draws;
        ``entrants`` is the mean entry cohort in people
    scale : people per agent
    events, seconds, agents : per draw, SimPy events scheduled, wall time and agents created
    """

    run: Run
    distributions: pd.DataFrame
    cohort_tracking: pd.DataFrame
    scale: float
    events: np.ndarray
    seconds: np.ndarray
    agents: np.ndarray


class Seats(simpy.Resource):
    """A :class:`simpy.Resource` whose capacity (places, in agents) can change every year.

    Lowering it below the places in use evicts nobody; new requests wait (or are cancelled).
    """

    def __init__(self, env: simpy.Environment):
        super().__init__(env, 1)
        self._capacity = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    @capacity.setter
    def capacity(self, value: int) -> None:
        self._capacity = int(value)
        self._trigger_put(None)


# ---------------------------------------------------------------------------------- inputs
def _col(x: np.ndarray) -> list[float]:
    """(Y, 1) year-major rows of one draw -> a list of floats per year."""
    return np.asarray(x, dtype=float).reshape(x.shape[0], -1)[:, 0].tolist()


class _ProgrammeData:
    """One graduate programme's inputs for one draw, as lists per simulated year."""

    def __init__(self, pin: _ProgrammeInputs):
        self.seats = _col(pin.seats)
        self.international = _col(pin.international)
        self.reapply = _col(pin.reapply)
        self.ai_job = _col(pin.ai_job)
        self.abroad = _col(pin.abroad)
        self.to_phd = _col(pin.to_phd)
        self.finish = [row[0].tolist() for row in pin.finish]
        self.hazard = _col(pin.hazard)


class _Inputs:
    """Every quantity of one draw, evaluated exactly as :func:`talentsim.model.simulate_chunk`
    evaluates it (same helpers, same order), as lists per simulated year."""

    def __init__(self, scenario: Scenario, draws: Draws, d: int):
        sim = np.asarray(scenario.sim_years)
        p = Params(scenario, draws.chunk(d, d + 1), 1, sim)
        self.n_years = sim.size
        cohort18, births18 = cohort18_of(scenario, p)
        spend = budgets(scenario, p)
        units = lever_units(scenario, p, spend)

        ed, gs, years = scenario.education, scenario.graduate_school, scenario.sim_years
        cohort18_r, births18_r = _rows(cohort18), _rows(births18)
        entrants_r = cohort18_r * p.t("education.entry_rate")
        four_year = entrants_r * p.t("education.four_year_share")
        ai_entrants_r = four_year * p.t("education.ai_share")
        if scenario.levers.undergrad_ai_programs is not None:
            ceiling = four_year * p.s("levers.undergrad_ai_programs.max_share")
            ai_entrants_r = np.minimum(ai_entrants_r + _rows(units["undergrad_ai_programs"]),
                                       np.maximum(ceiling, ai_entrants_r))
        self.ai_entrants = _col(ai_entrants_r)
        self.serve = _col(p.t("education.male_share") * p.t("education.service_share"))
        study = p.t("education.bachelor_years")
        durations = [study, study + p.t("education.service_years")]
        paths = is_path(ed.bachelor_years) or is_path(ed.service_years)
        k = _slots(ed.bachelor_years, ed.service_years, years)
        finish = [_finish_rows(dur, k, paths) for dur in durations]
        completion = p.t("education.bachelor_completion")
        hazard = [_col(dropout_hazard(completion, dur)) for dur in durations]
        self.ug_hazard = list(zip(*hazard))  # [year][group]
        self.ug_finish = [(f0[0].tolist(), f1[0].tolist()) for f0, f1 in zip(*finish)]

        share_m = p.s("graduate_school.bought_master_share")
        bought = _rows(units["graduate_seats"])
        m_in = _ProgrammeInputs(p, "master", p.t("graduate_school.master.base_seats") + bought * share_m,
                                _slots(gs.master.years, None, years))
        d_in = _ProgrammeInputs(p, "phd", p.t("graduate_school.phd.base_seats") + bought * (1 - share_m),
                                _slots(gs.phd.years, None, years))
        self.master, self.phd = _ProgrammeData(m_in), _ProgrammeData(d_in)
        self.dest = {key: _col(p.t(f"education.destinations.{key}"))
                     for key in ("master", "phd", "ai_job", "abroad")}
        self.fellows = _col(_rows(units["phd_fellowships"]))
        self.fellows_raw = _col(_rows(units["phd_fellowships_raw"]))
        self.gain = (float(p.s("levers.phd_fellowships.completion_gain")[0])
                     if scenario.levers.phd_fellowships is not None else 0.0)
        self.stay = _col(p.t("graduate_school.international_stay_rate")
                         * p.t("graduate_school.international_ai_job"))

        self.labour = _LabourParams(scenario, p, units)
        self.initial = _initial_workforce(scenario, p)
        demand0 = self.labour.demand[SPINUP_YEARS - 1]
        # the draw's own shortage rate starts the state; responses are measured from the
        # central reference, as in the cohort engine
        self.shortage_start = (demand0 - self.initial.total) / np.maximum(demand0, 1.0)  # (1,)
        self.shortage0 = np.array([self.labour.shortage_ref])

        h = slice(SPINUP_YEARS, None)  # horizon columns
        spend_h = {lever: x[:, _BUDGET_LEAD:][0, h] for lever, x in spend.items()}
        self.fixed = {  # metrics that are inputs: the cohort engine's values exactly
            "cohort18": cohort18_r[h, 0], "births_18_years_before": births18_r[h, 0],
            "tertiary_entrants": entrants_r[h, 0],
            "seats_master": np.asarray(m_in.seats)[h, 0], "seats_phd": np.asarray(d_in.seats)[h, 0],
            "budget_spent": sum(spend_h[lever] for lever in LEVERS),
            **{f"budget_{lever}": spend_h[lever] for lever in LEVERS},
            **{f"units_{lever}": units[f"{lever}_raw"][0, h] for lever in LEVERS},
            "demand": np.asarray(self.labour.demand)[h, 0],
        }


# ---------------------------------------------------------------------------------- agents
class _Programme:
    """A graduate programme in the simulation: its seats resource, applicants and counters."""

    def __init__(self, world: _World, data: _ProgrammeData, qual: int, leaver_qual: int):
        self.data, self.qual, self.leaver_qual = data, qual, leaver_qual
        self.seats = Seats(world.env)
        # (year of first application, or _NEW for a first application; tie-break; decision)
        self.pending: list[tuple[int, float, simpy.Event]] = []
        self.hazard = list(data.hazard)  # PhD: lowered by fellowships each year
        self.p_ai = [0.0] * world.n_years  # graduates' AI-job probability, set by the market
        self.p_leaver_ai = [0.0] * world.n_years  # unplaced leavers' AI-job probability
        n = world.n_years
        self.c = {key: [0] * n for key in (
            "applicants", "reapplicants", "intake_domestic", "intake_international", "waitlist",
            "unplaced_leavers", "grads_domestic", "grads_international", "dropouts")}
        self.c["enrolled"] = [0] * n
        self.wait_sum = [0] * n
        self.intl_holding = 0  # international students holding a place now

    def apply(self, world: _World, first: int | None) -> simpy.Event:
        """Join the next admission round; the event's value is a granted request or None."""
        decision = world.env.event()
        self.pending.append((_NEW if first is None else first, world.u(), decision))
        return decision


class _World:
    """One draw's simulation: environment, random numbers, inputs, counters."""

    def __init__(self, inputs: _Inputs, scale: float, rng: np.random.Generator):
        self.x, self.k, self.rng = inputs, float(scale), rng
        self.env = simpy.Environment()
        self.n_years = n = inputs.n_years
        self.first_live = SPINUP_YEARS
        self._buf: list[float] = []
        self.master = _Programme(self, inputs.master, MASTER, BACHELOR)
        self.phd = _Programme(self, inputs.phd, PHD, MASTER)
        lab = inputs.labour
        self.entry_band = {name: lab.entry[name] for name in lab.entry}
        self.last_band = len(AGE_BANDS) - 1
        self.mult = lab.mult_qa.tolist()  # (Q, B)
        self.region_names = list(lab.regions)
        # state read by agents, refreshed by the market each year
        self.take_up = 1.0
        self.p_ai_b = [0.0] * n
        self.p_emig = [[0.0] * len(AGE_BANDS) for _ in QUALIFICATIONS]
        self.region_cum = [1.0] * len(self.region_names)
        self.attr = 0.0
        self.p_age = 1.0 / BAND_YEARS
        self.rho = 0.0
        self.premium = lab.premium0.copy()
        self.shortage_rate = inputs.shortage_start.copy()
        # live stocks (agents)
        self.n_ug = 0
        self.work = [0, 0, 0]
        self.dias = [0, 0, 0]
        # flows per simulated year (agents)
        self.f = {key: [0] * n for key in (
            "ai_track_entrants", "grads_bachelor", "dropouts_bachelor", "study_abroad",
            "inflow_graduates", "inflow_reskilled", "inflow_immigrants", "inflow_returnees",
            "emigration", "attrition", "retirement")}
        self.emig_region = [[0] * n for _ in self.region_names]
        self.series: dict[str, list[float]] = {}
        self.initial: dict[str, float] = {}
        # distributions and cohort tracking
        self.ttd = {q: Counter() for q in ("bachelor", "master", "phd")}
        self.wait = {q: Counter() for q in ("master", "phd")}
        self.careers: Counter = Counter()
        self.spells: Counter = Counter()  # start year index -> agents in a running spell
        self.track = [[0, 0, 0, 0] for _ in range(n)]  # entry year -> agents per state
        self.tracked: dict[tuple[int, int], list[int]] = {}
        self.agents = 0

    # -------------------------------------------------------------- helpers
    def u(self) -> float:
        """A uniform(0, 1) variate from this draw's generator (drawn in blocks)."""
        buf = self._buf
        if not buf:
            buf.extend(self.rng.random(1 << 16).tolist())
        return buf.pop()

    def round(self, x: float) -> int:
        """Stochastic rounding: floor(x) + Bernoulli(frac(x)); the mean is exactly x."""
        whole = math.floor(x)
        return whole + (1 if self.u() < x - whole else 0)

    def move(self, entry: int, old: int, new: int) -> None:
        if entry >= 0:
            row = self.track[entry]
            row[old] -= 1
            row[new] += 1

    def start(self, gen) -> None:
        self.agents += 1
        self.env.process(gen)

    # -------------------------------------------------------------- people
    def undergraduate(self, group: int, entry: int):
        """An AI-track entrant: study years (service = extra years) until graduation or dropout.

        The per-year dropout and finishing probabilities are inputs that do not depend on the
        state of the system, so the entrant draws its study years now, year by year with the
        probabilities of each calendar year, and sleeps until the end of its last one: one
        timeout instead of one per year, the same distribution."""
        env, u, x = self.env, self.u, self.x
        i = first = env.now // TICKS
        s = 0  # study years completed before year i
        while True:
            h = x.ug_hazard[i][group]
            draw = u()
            if draw < h:
                graduates = False
                break
            if draw - h < x.ug_finish[i][group][s] * (1.0 - h):
                graduates = True
                break
            s += 1
            i += 1
            if i == self.n_years:
                return  # still studying when the simulation ends
        yield env.timeout((i - first) * TICKS + STUDY - MARKET)
        if not graduates:
            self.n_ug -= 1
            self.f["dropouts_bachelor"][i] += 1
            self.move(entry, STUDYING, ELSEWHERE)
            return
        self.n_ug -= 1
        self.f["grads_bachelor"][i] += 1
        live = i >= self.first_live
        if live:
            self.ttd["bachelor"][s + 1] += 1
        # destination (shares of year i; the AI-job share scaled by the take-up multiplier)
        draw = u()
        dm, dp = x.dest["master"][i], x.dest["phd"][i]
        if draw < dm + dp:
            yield from self.applicant(self.master if draw < dm else self.phd, entry)
            return
        draw -= dm + dp
        p_ai = self.p_ai_b[i]
        if draw < p_ai and live:
            self.f["inflow_graduates"][i] += 1
            self.move(entry, STUDYING, IN_AI)
            yield from self.career(BACHELOR, self.entry_band["bachelor"], entry)
            return
        if p_ai <= draw < p_ai + x.dest["abroad"][i] and live:
            self.f["study_abroad"][i] += 1
            self.move(entry, STUDYING, ABROAD)
            return
        self.move(entry, STUDYING, ELSEWHERE)

    def applicant(self, prog: _Programme, entry: int):
        """A domestic applicant: admission rounds until a place, or giving up."""
        env, u = self.env, self.u
        first = None
        while True:
            request = yield prog.apply(self, first)
            i = env.now // TICKS
            if first is None:
                first = i
            if request is not None:
                break
            if u() < prog.data.reapply[i]:
                prog.c["waitlist"][i] += 1
                continue
            prog.c["unplaced_leavers"][i] += 1
            # gives up: joins the market like graduates of their degree who do not study further
            if i >= self.first_live and u() < prog.p_leaver_ai[i]:
                self.f["inflow_graduates"][i] += 1
                self.move(entry, STUDYING, IN_AI)
                q = prog.leaver_qual
                yield from self.career(q, self.entry_band[QUALIFICATIONS[q]], entry)
            else:
                self.move(entry, STUDYING, ELSEWHERE)
            return
        wait = i - first
        prog.wait_sum[i] += wait
        if i >= self.first_live:
            self.wait[QUALIFICATIONS[prog.qual]][wait] += 1
        graduated, i = yield from self.study(prog, request, "grads_domestic")
        if not graduated:
            self.move(entry, STUDYING, ELSEWHERE)
            return
        live = i >= self.first_live
        draw = u()
        d = prog.data
        to_phd = d.to_phd[i] if prog.qual == MASTER else 0.0
        if draw < to_phd:
            yield from self.applicant(self.phd, entry)
            return
        draw -= to_phd
        p_ai = prog.p_ai[i]
        if draw < p_ai and live:
            self.f["inflow_graduates"][i] += 1
            self.move(entry, STUDYING, IN_AI)
            yield from self.career(prog.qual, self.entry_band[QUALIFICATIONS[prog.qual]], entry)
            return
        if p_ai <= draw < p_ai + d.abroad[i] and live:
            self.f["study_abroad"][i] += 1
            self.move(entry, STUDYING, ABROAD)
            return
        self.move(entry, STUDYING, ELSEWHERE)

    def international(self, prog: _Programme, request):
        """An international student, admitted before domestic applicants."""
        prog.intl_holding += 1
        graduated, i = yield from self.study(prog, request, "grads_international")
        prog.intl_holding -= 1
        if graduated and i >= self.first_live and self.u() < self.x.stay[i]:
            self.f["inflow_graduates"][i] += 1
            yield from self.career(prog.qual, self.entry_band[QUALIFICATIONS[prog.qual]], -1)

    def study(self, prog: _Programme, request, grads_key: str):
        """Hold a place until graduation or dropout; returns (graduated, year index)."""
        env, u, d = self.env, self.u, prog.data
        yield env.timeout(STUDY - ADMIT)
        s = 0
        while True:
            i = env.now // TICKS
            h = prog.hazard[i]
            draw = u()
            if draw < h:
                prog.seats.release(request)
                prog.c["dropouts"][i] += 1
                return False, i
            if draw - h < d.finish[i][s] * (1.0 - h):
                break
            s += 1
            yield env.timeout(TICKS)
        prog.seats.release(request)
        prog.c[grads_key][i] += 1
        if i >= self.first_live:
            self.ttd[QUALIFICATIONS[prog.qual]][s + 1] += 1
        return True, i

    def career(self, q: int, band: int, entry: int, *, abroad: bool = False):
        """Korean AI work (or the diaspora, ``abroad``) from now on, until attrition or
        retirement. Joins this year's end-of-year stock; the first decision is next year."""
        env, u = self.env, self.u
        now = env.now
        delay = (now // TICKS + 1) * TICKS + WORK - now
        start = now // TICKS if entry != _INITIAL else -1  # initial stock: left-truncated spells
        if abroad:
            self.dias[q] += 1
        else:
            self.work[q] += 1
            self.spells[start] += 1
        while True:
            if not abroad:
                yield env.timeout(delay)
                while True:
                    i = env.now // TICKS
                    draw = u()
                    pe = self.p_emig[q][band]
                    if draw < pe:  # emigrates: region by the hazard's regional split
                        v = draw / pe
                        r = 0
                        cum = self.region_cum
                        while r < len(cum) - 1 and v >= cum[r]:
                            r += 1
                        self.f["emigration"][i] += 1
                        self.emig_region[r][i] += 1
                        self.end_spell(q, start, i)
                        self.dias[q] += 1
                        self.move(entry, IN_AI, ABROAD)
                        break
                    draw -= pe
                    if draw < self.attr:
                        self.f["attrition"][i] += 1
                        self.end_spell(q, start, i)
                        self.move(entry, IN_AI, ELSEWHERE)
                        return
                    if draw - self.attr < self.p_age * (1.0 - pe - self.attr):  # ages a band
                        if band == self.last_band:
                            self.f["retirement"][i] += 1
                            self.end_spell(q, start, i)
                            self.move(entry, IN_AI, ELSEWHERE)
                            return
                        band += 1
                    yield env.timeout(TICKS)
                abroad, delay = True, TICKS
            # in the diaspora: a return decision each year (none in the year of leaving)
            yield env.timeout(delay)
            while u() >= self.rho:
                yield env.timeout(TICKS)
            i = env.now // TICKS
            self.dias[q] -= 1
            self.f["inflow_returnees"][i] += 1
            self.move(entry, ABROAD, IN_AI)
            band, start, abroad, delay = self.entry_band["returnee"], i, False, TICKS
            self.work[q] += 1
            self.spells[start] += 1

    def end_spell(self, q: int, start: int, i: int) -> None:
        self.work[q] -= 1
        self.spells[start] -= 1
        if start >= self.first_live:
            self.careers[i - start] += 1

    # -------------------------------------------------------------- yearly processes
    def office(self, prog: _Programme):
        """Admission rounds: free places = capacity - places held; international students fill
        their share of the places (share x capacity - those enrolled, at most the free places;
        the fraction rounded at random so the mean matches the cohort engine); domestic
        applicants request places in order of first application (then at random) and the seats
        resource grants them while places last."""
        env = self.env
        yield env.timeout(ADMIT)
        while True:
            i = env.now // TICKS
            seats = prog.seats
            seats.capacity = self.round(prog.data.seats[i] / self.k)
            free = max(seats.capacity - seats.count, 0)
            want = min(max(prog.data.international[i] * seats.capacity - prog.intl_holding, 0.0), free)
            n_intl = self.round(want)
            for _ in range(n_intl):
                self.start(self.international(prog, seats.request()))
            pending, prog.pending = prog.pending, []
            pending.sort(key=lambda item: (item[0], item[1]))
            admitted = 0
            for first, _, decision in pending:
                request = seats.request()
                if request.triggered:
                    admitted += 1
                    decision.succeed(request)
                else:
                    request.cancel()
                    decision.succeed(None)
            c = prog.c
            c["applicants"][i] = len(pending)
            c["reapplicants"][i] = sum(1 for first, _, _ in pending if first < _NEW)
            c["intake_domestic"][i] = admitted
            c["intake_international"][i] = n_intl
            yield env.timeout(TICKS)

    def market(self):
        """Start of each year: the cohort engine's market and labour step on the aggregate
        state, then the year's new agents."""
        env, x, k, rng = self.env, self.x, self.k, self.rng
        lab = x.labour
        for i in range(self.n_years):
            live = i >= self.first_live
            if i == self.first_live:
                self.snapshot()
            if live:
                target = np.maximum(lab.premium0 + lab.sensitivity * (self.shortage_rate - x.shortage0), 0.0)
                self.premium = self.premium + lab.speed * (target - self.premium)
                self.take_up = float(np.maximum(
                    1.0 + lab.take_up_response * (self.shortage_rate - x.shortage0), 0.0)[0])
            else:
                self.take_up = 1.0
            m = self.take_up
            dm, dp, aj, ab = (x.dest[key][i] for key in ("master", "phd", "ai_job", "abroad"))
            # _take(base, m, ceiling) per person: min(share * m, max(ceiling share, share))
            self.p_ai_b[i] = min(aj * m, max(1 - dm - dp - ab, aj))
            M, P = x.master, x.phd
            self.master.p_ai[i] = min(M.ai_job[i] * m, max(1 - M.to_phd[i] - M.abroad[i], M.ai_job[i]))
            self.phd.p_ai[i] = min(P.ai_job[i] * m, max(1 - P.abroad[i], P.ai_job[i]))
            self.master.p_leaver_ai[i] = min(aj / max(1 - dm - dp, 1e-12) * m, 1.0)
            self.phd.p_leaver_ai[i] = min(M.ai_job[i] / max(1 - M.to_phd[i], 1e-12) * m, 1.0)
            # fellowships: a lower PhD dropout hazard for the funded share of students
            enrolled = self.phd.seats.count * k
            covered = min(x.fellows_raw[i] / max(enrolled, 1.0), 1.0)
            self.phd.hazard[i] = x.phd.hazard[i] * (1 - x.gain * covered)
            if live:
                self.labour_year(i)
            # new AI-track entrants (Poisson), by service group
            n = int(rng.poisson(x.ai_entrants[i] / k))
            serving = int(rng.binomial(n, x.serve[i])) if n else 0
            self.f["ai_track_entrants"][i] = n
            entry = i if live else -1
            if live:
                self.track[i][STUDYING] += n
            self.n_ug += n
            for j in range(n):
                self.start(self.undergraduate(1 if j < serving else 0, entry))
            for _ in range(int(rng.poisson(x.fellows[i] / k))):  # extra PhD applicants
                self.start(self.applicant(self.phd, -1))
            yield env.timeout(RECORD - MARKET)
            self.record(i)
            if i == self.first_live - 1:
                self.seed_stocks()
            yield env.timeout(TICKS - RECORD)

    def labour_year(self, i: int) -> None:
        """Hazards, return rate and arrivals of horizon year ``i`` from the start-of-year
        stocks: the body of ``_LabourParams.year`` before ``Workforce.step``."""
        x, k, rng = self.x, self.k, self.rng
        lab = x.labour
        start_total = float(sum(self.work)) * k
        covered = np.minimum(lab.retained[i] / max(start_total, 1.0), 1.0)
        zero = np.zeros(1)
        ratio = pay_ratio(lab.foreign[i], self.premium, lab.premium0, zero)
        h, h_region = emigration_hazard(ratio, lab.ratio0, lab.shares, *lab.emig)
        if np.any(covered > 0):
            kept = pay_ratio(lab.foreign[i], self.premium, lab.premium0, lab.raise_)
            h_kept, h_region_kept = emigration_hazard(kept, lab.ratio0, lab.shares, *lab.emig)
            h = covered * h_kept + (1 - covered) * h
            h_region = covered[:, None] * h_region_kept + (1 - covered[:, None]) * h_region
        retention = covered * lab.raise_
        mean_ratio = weighted(pay_ratio(lab.foreign[i], self.premium, lab.premium0, retention), lab.shares)
        r = return_hazard(mean_ratio, lab.mean_ratio0, *lab.ret)
        diaspora = float(sum(self.dias)) * k
        r = np.minimum(r + lab.return_incentives[i] / max(diaspora, 1.0), lab.ret[1])
        arrivals = immigrants(lab.imm_base[i] + lab.visas[i], lab.imm_elasticity, self.premium,
                              lab.premium0, retention, lab.home[i], lab.home0)
        hz = float(h[0])
        self.p_emig = [[hz * mult for mult in row] for row in self.mult]
        self.region_cum = (np.cumsum(h_region[0]) / max(hz, 1e-300)).tolist()
        self.attr = float(lab.attrition[i][0])
        self.rho = float(r[0])
        self.year_values = {"start_total": start_total, "covered": float(covered[0]),
                            "premium": float(self.premium[0])}
        mix = lab.mix
        n_imm = int(rng.poisson(float(arrivals[0]) / k))
        self.f["inflow_immigrants"][i] = n_imm
        band = self.entry_band["immigrant"]
        for q in rng.choice(3, size=n_imm, p=mix / mix.sum()).tolist() if n_imm else ():
            self.start(self.career(q, band, -1))
        n_res = int(rng.poisson(float(lab.reskilled[i][0]) / k))
        self.f["inflow_reskilled"][i] = n_res
        band = self.entry_band["reskilled"]
        rmix = lab.reskilled_mix
        for q in rng.choice(3, size=n_res, p=rmix / rmix.sum()).tolist() if n_res else ():
            self.start(self.career(q, band, -1))

    def seed_stocks(self) -> None:
        """End of the year before the horizon: workforce and diaspora agents (stochastically
        rounded totals, multinomial over qualification x age band); their first decisions
        fall in the first horizon year."""
        x, rng = self.x, self.rng
        cells = np.asarray(x.initial.stock)[0]  # (Q, B) people
        total = self.round(cells.sum() / self.k)
        counts = rng.multinomial(total, (cells / cells.sum()).ravel()).reshape(cells.shape)
        for q in range(counts.shape[0]):
            for b in range(counts.shape[1]):
                for _ in range(int(counts[q, b])):
                    self.start(self.career(q, b, _INITIAL))
        dias = np.asarray(x.initial.diaspora)[0]
        total = self.round(dias.sum() / self.k)
        for q, c in enumerate(rng.multinomial(total, dias / dias.sum()).tolist()):
            for _ in range(c):
                self.start(self.career(q, 0, _INITIAL, abroad=True))

    def snapshot(self) -> None:
        """Stocks at the end of the year before the horizon (``Run.initial``)."""
        k = self.k
        self.initial = {
            "students_bachelor": self.n_ug * k,
            "enrolled_master": self.master.seats.count * k, "enrolled_phd": self.phd.seats.count * k,
            "waitlist_master": self.master.c["waitlist"][self.first_live - 1] * k,
            "waitlist_phd": self.phd.c["waitlist"][self.first_live - 1] * k,
            "ai_workforce": sum(self.work) * k, "diaspora": sum(self.dias) * k,
        }

    def record(self, i: int) -> None:
        """End of year ``i``: stocks, the shortage rate, cohort tracking."""
        for prog in (self.master, self.phd):
            prog.c["enrolled"][i] = prog.seats.count
        if i < self.first_live:
            return
        k = self.k
        demand = float(self.x.labour.demand[i][0])
        supply = sum(self.work) * k
        shortage = demand - supply
        self.shortage_rate = np.array([shortage / max(demand, 1.0)])
        values = self.year_values
        row = {
            "students_bachelor": self.n_ug * k,
            "ai_workforce": supply,
            **{f"ai_workforce_{q}": self.work[j] * k for j, q in enumerate(QUALIFICATIONS)},
            "diaspora": sum(self.dias) * k,
            "shortage": shortage,
            "shortage_probability": float(shortage > 0),
            "domestic_ai_premium": values["premium"],
            "retention_coverage": values["covered"],
            "emigration_rate": self.f["emigration"][i] * k / max(values["start_total"], 1e-300),
        }
        for name, value in row.items():
            self.series.setdefault(name, []).append(value)
        for after in TRACK_AFTER:
            e = i - after + 1
            if e >= self.first_live:
                self.tracked[(e, after)] = list(self.track[e])

    def run(self) -> None:
        self.env.process(self.market())
        self.env.process(self.office(self.master))
        self.env.process(self.office(self.phd))
        self.env.run(until=self.n_years * TICKS)


# ---------------------------------------------------------------------------------- results
def _draw_metrics(w: _World) -> dict[str, np.ndarray]:
    """(Y_horizon,) per metric, in people."""
    h, k = slice(w.first_live, None), w.k
    out = {name: np.asarray(v, dtype=float) for name, v in w.series.items()}
    for name, values in w.f.items():
        out[name] = np.asarray(values[h], dtype=float) * k
    for r, name in enumerate(w.region_names):
        out[f"emigration_{name}"] = np.asarray(w.emig_region[r][h], dtype=float) * k
    waits, admitted = 0, 0
    for prog, label in ((w.master, "master"), (w.phd, "phd")):
        c = {key: np.asarray(v[h], dtype=float) for key, v in prog.c.items()}
        for key in ("applicants", "reapplicants", "intake_domestic", "intake_international",
                    "waitlist", "unplaced_leavers", "grads_domestic", "grads_international",
                    "dropouts", "enrolled"):
            out[f"{key}_{label}"] = c[key] * k
        out[f"grads_{label}"] = (c["grads_domestic"] + c["grads_international"]) * k
        wait = np.asarray(prog.wait_sum[h], dtype=float)
        out[f"seat_wait_years_{label}"] = wait / np.maximum(c["intake_domestic"], 1)
        waits, admitted = waits + wait, admitted + c["intake_domestic"]
    out["seat_wait_years"] = waits / np.maximum(admitted, 1)
    out.update(w.x.fixed)
    return out


def _draw_distributions(w: _World, d: int) -> list[tuple[int, str, int, float]]:
    rows = []
    for q, counts in w.ttd.items():
        rows += [(d, f"time_to_degree_{q}", v, c * w.k) for v, c in sorted(counts.items())]
    for q, counts in w.wait.items():
        rows += [(d, f"seat_wait_{q}", v, c * w.k) for v, c in sorted(counts.items())]
    rows += [(d, "career_length", v, c * w.k) for v, c in sorted(w.careers.items()) if c]
    last = w.n_years - 1
    censored: Counter = Counter()
    for start, c in w.spells.items():
        if start >= w.first_live and c:
            censored[last - start + 1] += c
    rows += [(d, "career_length_censored", v, c * w.k) for v, c in sorted(censored.items())]
    return rows


def _tracking_frame(per_draw: list[dict], first_year: int, scale: float) -> pd.DataFrame:
    keys = sorted(set().union(*per_draw)) if per_draw else []
    rows = []
    for e, after in keys:
        counts = np.array([draw[(e, after)] for draw in per_draw if (e, after) in draw], dtype=float)
        total = counts.sum(axis=1)
        ok = total > 0
        if not ok.any():
            continue
        shares = counts[ok] / total[ok, None]
        in_ai, abroad, studying = shares[:, IN_AI].mean(), shares[:, ABROAD].mean(), shares[:, STUDYING].mean()
        rows.append((first_year + e, after, in_ai, abroad, 1.0 - in_ai - abroad, studying,
                     total.mean() * scale))
    frame = pd.DataFrame(rows, columns=TRACKING_COLUMNS)
    return frame.sort_values(["after_years", "entry_year"], ignore_index=True)


def draw_seed(seed: int, draw: int) -> np.random.SeedSequence:
    """The seed sequence of draw ``draw``'s agent randomness: independent of which other draws
    are run, and of the input streams (which use other spawn keys)."""
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(_SEED_KEY, int(draw)))


@dataclass
class _DrawOutput:
    """What one draw leaves behind (picklable, so draws can run in worker processes)."""

    metrics: dict[str, np.ndarray]
    initial: dict[str, float]
    distributions: list[tuple]
    tracking: dict[tuple[int, int], list[int]]
    events: int
    agents: int
    seconds: float


def _events_scheduled(env: simpy.Environment) -> int:
    """Events the environment has scheduled (SimPy's event-id counter; -1 if unavailable)."""
    counter = getattr(env, "_eid", None)
    return next(counter) if counter is not None else -1


def _run_draw(scenario: Scenario, draws: Draws, d: int, scale: float, seed: int) -> _DrawOutput:
    t0 = time.perf_counter()
    world = _World(_Inputs(scenario, draws, d), scale, np.random.default_rng(draw_seed(seed, d)))
    world.run()
    return _DrawOutput(
        metrics=_draw_metrics(world),
        initial=world.initial,
        distributions=_draw_distributions(world, d),
        tracking=world.tracked,
        events=_events_scheduled(world.env),
        agents=world.agents,
        seconds=time.perf_counter() - t0,
    )


def simulate_microsim(
    scenario: Scenario,
    draws: Draws,
    *,
    scale: float = DEFAULT_SCALE,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int = 1,
) -> MicroResult:
    """Run every draw of ``draws`` through the individual-level engine.

    Parameters
    ----------
    scenario, draws : as for :func:`talentsim.simulate`; draw ``d`` uses exactly the inputs
        of draw ``d`` in the cohort engine.
    scale : people per agent (K > 0). The noise of a count of N people has sd ~ sqrt(N K).
    seed : agent randomness; ``None`` takes ``draws.seed``. Draw ``d`` uses
        ``np.random.default_rng(draw_seed(seed, d))``, so results are reproducible and do not
        depend on the other draws run with it (nor on ``jobs``).
    progress : called with 1 after each draw.
    jobs : worker processes (draws are independent); 1 runs in this process. Workers are
        started with ``spawn``: call from a script under ``if __name__ == "__main__":`` or
        from an interactive session, not from code piped to ``python -``.

    Returns
    -------
    MicroResult : ``run`` with metrics (draw, year) in people, ``distributions``,
        ``cohort_tracking``, per-draw ``events``, ``agents`` and ``seconds``.
    """
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number of people per agent (got {scale!r})")
    seed = draws.seed if seed is None else seed
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer (got {seed!r})")
    if isinstance(jobs, bool) or not isinstance(jobs, numbers.Integral) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer (got {jobs!r})")
    args = (scenario, draws, float(scale), int(seed))
    outputs: list[_DrawOutput] = []
    if jobs == 1 or draws.n_draws == 1:
        for d in range(draws.n_draws):
            outputs.append(_run_draw(scenario, draws, d, *args[2:]))
            if progress is not None:
                progress(1)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: forking a process with BLAS threads is unsafe (and warns from 3.12)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, draws.n_draws), mp_context=context) as pool:
            futures = [pool.submit(_run_draw, scenario, draws, d, *args[2:]) for d in range(draws.n_draws)]
            for future in futures:
                outputs.append(future.result())
                if progress is not None:
                    progress(1)
    names = sorted(outputs[0].metrics)
    run = Run(
        scenario=scenario.name,
        years=np.asarray(scenario.years),
        metrics={name: np.stack([o.metrics[name] for o in outputs]) for name in names},
        initial={key: np.array([o.initial[key] for o in outputs]) for key in outputs[0].initial},
        method=draws.method,
        seed=draws.seed,
    )
    rows = [row for o in outputs for row in o.distributions]
    return MicroResult(
        run=run,
        distributions=pd.DataFrame(rows, columns=DISTRIBUTION_COLUMNS),
        cohort_tracking=_tracking_frame([o.tracking for o in outputs], scenario.sim_years[0], float(scale)),
        scale=float(scale),
        events=np.array([o.events for o in outputs]),
        seconds=np.array([o.seconds for o in outputs]),
        agents=np.array([o.agents for o in outputs]),
    )


def micro_files(result: MicroResult) -> dict[str, Any]:
    """Writers of the microsim's extra files, ``{name: writer(path)}`` for
    :func:`talentsim.results.write_atomic_dir`: ``distributions.csv``, ``cohort_tracking.csv``."""
    fmt = "%.8g"
    return {
        "distributions.csv": lambda p: result.distributions.to_csv(p, index=False, float_format=fmt),
        "cohort_tracking.csv": lambda p: result.cohort_tracking.to_csv(p, index=False, float_format=fmt),
    }


#: metrics checked against the cohort engine (tests, docs/microsim.md)
KEY_METRICS = ("ai_track_entrants", "grads_bachelor", "grads_master", "grads_phd", "enrolled_master",
               "ai_workforce", "emigration", "diaspora", "inflow_graduates")


def agreement(cohort: Run, micro: Run, metrics: tuple[str, ...] = KEY_METRICS) -> pd.DataFrame:
    """Mean trajectories of two runs on the same draws, per metric and year.

    Columns ``metric, year, cohort_mean, micro_mean, difference, se, z``: ``se`` is the
    standard error of the mean per-draw difference (micro - cohort; the draws' inputs are
    shared, so the difference is the microsim's Monte Carlo noise plus any bias), ``z`` the
    difference in standard errors.
    """
    if cohort.n_draws != micro.n_draws or list(cohort.years) != list(micro.years):
        raise ValueError("the runs must have the same draws and years "
                         f"(got {cohort.n_draws} vs {micro.n_draws} draws)")
    frames = []
    n = micro.n_draws
    for name in metrics:
        diff = micro[name] - cohort[name]
        se = diff.std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.full(diff.shape[1], np.nan)
        mean = diff.mean(axis=0)
        exact = np.abs(diff).max(axis=0) <= 1e-9 * np.maximum(np.abs(cohort[name]).max(axis=0), 1.0)
        mean, se = np.where(exact, 0.0, mean), np.where(exact, 0.0, se)
        frames.append(pd.DataFrame({
            "metric": name, "year": cohort.years, "cohort_mean": cohort[name].mean(axis=0),
            "micro_mean": micro[name].mean(axis=0), "difference": mean, "se": se,
            "z": np.divide(mean, se, out=np.zeros_like(mean), where=se > 0),
        }))
    return pd.concat(frames, ignore_index=True)
