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
(:class:`talentsim.engine.params.Params`, :func:`~talentsim.engine.params.budgets`,
:func:`~talentsim.engine.params.lever_units`, ``ProgrammeInputs``, ``LabourParams``, the
functions of :mod:`talentsim.engine.labour` and the hazard functions of
:mod:`talentsim.engine.workforce`), and the events of a year follow the cohort engine's order
(ticks of a tenth of a year): market (premium, take-up, hazards, entrants) -> admission
rounds -> workforce outflows and returns -> end of the study year (dropouts, graduations,
destinations) -> end-of-year record. The mean trajectory over agents therefore equals the
cohort engine's up to Monte Carlo noise; docs/microsim.md gives the agreement and the few
remaining differences.

>>> draws = sample_inputs(scenario, 4, rng=1)                       # doctest: +SKIP
>>> result = simulate_microsim(scenario, draws, scale=10)           # doctest: +SKIP
>>> summary = summarize(result.run)  # the cohort engine's metrics + seat_wait_years  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ..engine.education import fellowship_hazard
from ..engine.labour import market_share, premium_step, take, take_up_multiplier
from ..engine.workforce import BAND_YEARS
from ..scenario.schema import AGE_BANDS, QUALIFICATIONS, SPINUP_YEARS
from .education import EducationProcesses
from .inputs import DrawInputs
from .labour import LABOUR_FLOWS, LabourProcesses
from .people import (
    ADMIT,
    BACHELOR,
    MARKET,
    MASTER,
    NEW_APPLICANT,
    PHD,
    RECORD,
    STUDYING,
    TICKS,
    TRACK_AFTER,
    GraduateProgramme,
)
from .state import Clock


class World(EducationProcesses, LabourProcesses):
    """One draw's simulation: environment, random numbers, inputs, counters."""

    def __init__(self, inputs: DrawInputs, scale: float, rng: np.random.Generator):
        self.x, self.k, self.rng = inputs, float(scale), rng
        self.env = Clock()
        self.n_years = n = inputs.n_years
        self.first_live = SPINUP_YEARS
        self._buf: list[float] = []
        self.master = GraduateProgramme(self, inputs.master, MASTER)
        self.phd = GraduateProgramme(self, inputs.phd, PHD)
        lab = inputs.labour
        self.entry_band = {name: lab.entry[name] for name in lab.entry}
        self.last_band = len(AGE_BANDS) - 1
        self.mult = lab.mult_oqa.tolist()  # (origin, Q, B)
        self.region_names = list(lab.regions)
        # state read by agents, refreshed by the market each year
        self.take_up = 1.0
        self.p_ai_b = [0.0] * n
        self.p_emig = [[[0.0] * len(AGE_BANDS) for _ in QUALIFICATIONS] for _ in range(2)]
        self.region_cum = [1.0] * len(self.region_names)
        self.attr = 0.0
        self.p_age = 1.0 / BAND_YEARS
        self.rho = [0.0] * len(self.region_names)
        self.reskilled = np.zeros(1)  # this year's people converted from the engineers' pool
        self.outside: dict[int, np.ndarray] = {}  # this year's outside applicants by programme
        self.recall = float(lab.recall[0])
        self.decay = float(lab.decay[0])
        self.jobs = (np.asarray(lab.demand)[:, 0] * (1.0 + float(lab.friction[0]))).tolist()
        self.premium = lab.premium_start.copy()
        self.shortage_rate = inputs.shortage_start.copy()
        # live stocks (agents)
        self.n_ug = 0
        self.work = [0, 0, 0]  # AI workers by qualification (Korean-born + foreign-born)
        self.n_foreign = 0
        self.dias_r = [0] * len(self.region_names)
        self.latent = 0
        self.seekers: list[tuple] = []  # this year's AI-job candidates
        self.active: dict[int, list] = {}  # register of AI workers' tokens (layoffs)
        # flows per simulated year (agents)
        self.f = {key: [0] * n for key in (
            "ai_track_entrants", "grads_bachelor", "dropouts_bachelor", "study_abroad",
            "inflow_graduates", "inflow_reskilled", "inflow_immigrants", "inflow_returnees",
            "emigration", "attrition", "retirement", *LABOUR_FLOWS, "fellowship_pool", "fellowship_switchers")}
        # applicants who give up: AI-job probability by the degree they hold, set by the market
        self.p_leaver_ai = {BACHELOR: [0.0] * n, MASTER: [0.0] * n}
        self.p_switch = [0.0] * n  # chance a market-bound graduate of year i switches to a PhD
        self.emig_region = [[0] * n for _ in self.region_names]
        self.returns_r = [[0] * n for _ in self.region_names]
        self.dias_retire = [[0] * n for _ in self.region_names]
        self.vacancies = [0.0] * n
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

    # -------------------------------------------------------------- yearly processes
    def office(self, prog: GraduateProgramme):
        """Admission rounds. Capacities for the year = places / K, stochastically rounded, for
        the AI graduate schools and the other programmes. The AI schools first: each domestic
        applicant applies there with probability ``ai_share``, joined by ``outside / K``
        (stochastically rounded) applicants from outside the pipeline; free AI places go to
        them at random (equal chances). Then the other programmes: the remaining domestic
        applicants in order of first application (then at random) while places last, then
        international applicants (``international / K``, rounded) take the places left."""
        env, u = self.env, self.u
        yield env.timeout(ADMIT)
        while True:
            i = env.now // TICKS
            data, c = prog.data, prog.c
            pending, prog.pending = prog.pending, []
            pending.sort(key=lambda item: (item[0], item[1]))
            # ---- the AI graduate schools
            ai = prog.ai_seats
            ai.capacity = self.round(data.ai_seats[i] / self.k)
            held_ai = ai.count
            free_ai = max(ai.capacity - held_ai, 0)
            share = data.ai_share[i]
            to_ai = [item for item in pending if u() < share]
            n_out = self.round(float(self.outside[prog.qual][0]) / self.k)
            applicants_ai = len(to_ai) + n_out
            admitted_ai = min(applicants_ai, free_ai)
            # a random subset of all AI applicants (outside applicants are indices >= len(to_ai))
            chosen = set(self.rng.choice(applicants_ai, admitted_ai, replace=False).tolist()) if admitted_ai else set()
            placed = set()
            for j, item in enumerate(to_ai):
                if j in chosen:
                    item[2].succeed(ai.request())
                    placed.add(id(item))
            from_outside = sum(1 for j in chosen if j >= len(to_ai))
            for _ in range(from_outside):
                self.start(self.outside_student(prog, ai.request()))
            c["applicants_ai"][i] = applicants_ai
            c["intake_ai"][i] = admitted_ai
            c["intake_outside"][i] = from_outside
            c["places_held_ai"][i] = held_ai + admitted_ai
            # ---- the other programmes
            seats = prog.seats
            seats.capacity = self.round(data.seats[i] / self.k)
            admitted = admitted_ai - from_outside
            for _first, _, decision in pending:
                if decision.triggered:  # placed at an AI school
                    continue
                request = seats.request()
                if request.triggered:
                    admitted += 1
                    decision.succeed(request)
                else:
                    request.cancel()
                    decision.succeed(None)
            # international students from their pool take the places left
            free = max(seats.capacity - seats.count, 0)
            n_intl = min(self.round(data.international[i] / self.k), free)
            for _ in range(n_intl):
                self.start(self.international(prog, seats.request()))
            c["applicants"][i] = len(pending)
            c["reapplicants"][i] = sum(1 for first, _, _ in pending if first < NEW_APPLICANT)
            c["intake_domestic"][i] = admitted + from_outside
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
                self.premium = premium_step(lab, self.premium, self.shortage_rate)
                self.take_up = float(take_up_multiplier(lab, self.shortage_rate)[0])
            else:
                self.take_up = 1.0
            m = self.take_up
            dm, dp, aj, ab = (x.dest[key][i] for key in ("master", "phd", "ai_job", "abroad"))
            # the cohort engine's take(base, m, ceiling) per person, on shares of graduates
            self.p_ai_b[i] = float(take(aj, m, 1 - dm - dp - ab))
            M, P = x.master, x.phd
            self.master.p_ai[i] = float(take(M.ai_job[i], m, 1 - M.to_phd[i] - M.abroad[i]))
            self.phd.p_ai[i] = float(take(P.ai_job[i], m, 1 - P.abroad[i]))
            self.master.p_ai_school[i] = float(take(M.ai_school_job[i], m, 1 - M.to_phd[i] - M.abroad[i]))
            self.phd.p_ai_school[i] = float(take(P.ai_school_job[i], m, 1 - P.abroad[i]))
            # applicants who give up: the market share of graduates not studying further
            self.p_leaver_ai[BACHELOR][i] = min(float(market_share(aj, 1 - dm - dp)) * m, 1.0)
            self.p_leaver_ai[MASTER][i] = min(float(market_share(M.ai_job[i], 1 - M.to_phd[i])) * m, 1.0)
            # fellowships draw next year's extra PhD applicants from this year's market-bound
            # graduates: share 1 - exp(-F / G) as in the cohort engine, with G estimated by last
            # year's realised pool (the pool of year i is known only at its end)
            pool = self.f["fellowship_pool"][i - 1] * k if i > 0 else 0.0
            fellows = x.fellows[min(i + 1, self.n_years - 1)]
            self.p_switch[i] = -math.expm1(-fellows / pool) if pool > 0 else 0.0
            # fellowships: a lower PhD dropout hazard for the funded share of students
            enrolled = (self.phd.seats.count + self.phd.ai_seats.count) * k
            self.phd.hazard[i] = float(fellowship_hazard(x.phd.hazard[i], x.fellows_raw[i], enrolled, x.gain))
            # the engineers' pool: reskilling converts first; the AI schools' outside applicants
            # (the offices, below) come from the suitable candidates left
            self.reskilled, out_m, out_d = x.pool.draw(i)
            self.outside = {self.master.qual: out_m, self.phd.qual: out_d}
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
            yield env.timeout(RECORD - MARKET)
            if live:
                self.hire(i)
                yield env.timeout(0)  # candidates act on the round's decisions before the record
            self.record(i)
            if i == self.first_live - 1:
                self.seed_stocks()
            yield env.timeout(TICKS - RECORD)

    def snapshot(self) -> None:
        """Stocks at the end of the year before the horizon (``Run.initial``)."""
        k = self.k
        self.initial = {
            "students_bachelor": self.n_ug * k,
            "enrolled_master": (self.master.seats.count + self.master.ai_seats.count) * k,
            "enrolled_phd": (self.phd.seats.count + self.phd.ai_seats.count) * k,
            "stock_ai_graduate_schools": (self.master.ai_seats.count + self.phd.ai_seats.count) * k,
            "waitlist_master": self.master.c["waitlist"][self.first_live - 1] * k,
            "waitlist_phd": self.phd.c["waitlist"][self.first_live - 1] * k,
            "ai_workforce": sum(self.work) * k, "diaspora": sum(self.dias_r) * k,
            "latent_ai_qualified": self.latent * k,
            **{f"diaspora_{r}": c * k for r, c in zip(self.region_names, self.dias_r)},
            "reskilling_pool": float(self.x.pool.stock[0]),
        }

    def record(self, i: int) -> None:
        """End of year ``i``: stocks, the engineers' pool, the shortage rate, cohort tracking."""
        for prog in (self.master, self.phd):
            prog.c["enrolled"][i] = prog.seats.count + prog.ai_seats.count
            prog.c["stock_ai"][i] = prog.ai_seats.count
        k = self.k
        admitted = (self.master.c["intake_outside"][i] + self.phd.c["intake_outside"][i]) * k
        pool = self.x.pool.close(i, np.array([float(admitted)]))
        if i < self.first_live:
            return
        for name, flow in pool.items():
            self.series.setdefault(name, []).append(float(flow[0]))
        demand = float(self.x.labour.demand[i][0])
        supply = sum(self.work) * k
        shortage = demand - supply
        self.shortage_rate = np.array([shortage / max(demand, 1.0)])
        values = self.year_values
        row = {
            "students_bachelor": self.n_ug * k,
            "ai_workforce": supply,
            **{f"ai_workforce_{q}": self.work[j] * k for j, q in enumerate(QUALIFICATIONS)},
            "diaspora": sum(self.dias_r) * k,
            **{f"diaspora_{r}": c * k for r, c in zip(self.region_names, self.dias_r)},
            "latent_ai_qualified": self.latent * k,
            "ai_workforce_foreign_born": self.n_foreign * k,
            "jobs": self.jobs[i],
            "vacancies": self.vacancies[i],
            "net_migration": (self.f["inflow_immigrants"][i] + self.f["inflow_returnees"][i]
                              - self.f["emigration"][i]) * k,
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
