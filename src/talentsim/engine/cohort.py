"""The cohort engine: the one place that knows the order of the mechanisms.

:func:`simulate_chunk` runs draws ``start:stop`` of a design through every year of the
scenario (spin-up years, then the horizon), vectorised over draws: :func:`prepare_chunk`
evaluates every input first, then :func:`run_years` loops over the years only.
:func:`simulate` streams the draws in chunks and returns a :class:`~talentsim.results.Run`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from ..arrays import columns, once_along, rowsum
from ..results import Run
from ..sampling import Draws
from ..scenario.inputs import is_path
from ..scenario.schema import LEVERS, REGIONS, SPINUP_YEARS, Scenario
from .education import AI_SCHOOL, Pipeline, Programme, dropout_hazard, fellowship_hazard, finish_schedule
from .labour import labour_year, market_share, premium_step, take, take_up_multiplier
from .levers import pool_draw
from .memory import Arena, keep_freed_heap
from .params import (
    EngineerPool,
    LabourParams,
    Params,
    ProgrammeInputs,
    budget_lead,
    budgets,
    demography_of,
    entrant_rows,
    fellowship_gain,
    finish_all,
    initial_workforce,
    international_stay,
    lever_units,
    programme_inputs,
    rows,
    slots,
)
from .workforce import Workforce

#: per-stage results of :meth:`Programme.step` recorded as ``{key}_master`` and ``{key}_phd``
STAGE_METRICS = ("applicants", "intake_domestic", "intake_international", "intake_outside", "unplaced_leavers",
                 "reapplicants", "grads_domestic", "grads_international", "dropouts")


@dataclass
class ChunkInputs:
    """Everything the yearly loop reads, for one chunk of n draws; year-major rows (Y, n) unless
    noted. Built by :func:`prepare_chunk`; the microsimulation builds its own per-draw lists
    from the same :mod:`~talentsim.engine.params` functions."""

    cohort18: np.ndarray
    births18: np.ndarray
    births19: np.ndarray
    hs_graduates: np.ndarray
    entry: dict[str, np.ndarray]  # applicants, four_year, tertiary, ai, quota, unfilled (Y, n)
    ai_entrants: np.ndarray
    spend: dict[str, np.ndarray]  # lever -> (Y, n) KRW bn
    units: dict[str, np.ndarray]  # lever -> (Y, n) units (without the effect)
    ug_slots: int
    ug_intake: np.ndarray  # (Y, n, 2): not serving / serving
    ug_finish: list[np.ndarray]  # per year (n, 2, K), or (1, 2, K) when the same for every draw
    ug_hazard: np.ndarray  # (Y, n, 2)
    master: ProgrammeInputs
    phd: ProgrammeInputs
    dest: dict[str, np.ndarray]  # master, phd, ai_job, abroad
    fellows: np.ndarray  # extra PhD applicants (units x effect)
    fellows_raw: np.ndarray  # funded student-years
    gain: np.ndarray  # (n,)
    stay: np.ndarray
    labour: LabourParams
    pool: EngineerPool  # stepped by the yearly loop: one run only
    workforce: Workforce  # the initial workforce; acts from the horizon start


def prepare_chunk(scenario: Scenario, p: Params) -> ChunkInputs:
    """Evaluate every input of the chunk ``p`` before the yearly loop: demography, budgets and
    lever units, education and the labour market."""
    sim = p.years
    # ---- demography: high-school graduates (births t-19) and 18-year-olds for every simulated year
    demo = demography_of(scenario, p)

    # ---- budget lines -> lever units
    lead = budget_lead(scenario)  # only the budget years that act in a simulated year
    spend = budgets(scenario, p, lead)
    units = lever_units(scenario, p, spend, lead)

    # ---- education: year-major inputs, rows (n,) per simulated year
    ed, years = scenario.education, scenario.sim_years
    k = slots(ed.bachelor_years, ed.service_years, years)
    entry = entrant_rows(scenario, p, rows(demo["hs_graduates"]), units)
    ai_entrants_r = entry["ai"]
    serve = p.t("education.male_share") * p.t("education.service_share")
    # (Y, 2, n) stored, (Y, n, 2) viewed: each year's (n, 2) slice is Fortran-ordered
    ug_intake = (ai_entrants_r[:, None, :] * np.stack([1 - serve, serve], axis=1)).transpose(0, 2, 1)
    study = p.t("education.bachelor_years")
    durations = [study, once_along(1, np.add, study, p.t("education.service_years"))]
    if is_path(ed.bachelor_years) or is_path(ed.service_years):
        if all(d.strides[1] == 0 for d in durations):  # the same for every draw: (1, 2, K) a year
            durations = [d[:, :1] for d in durations]
        # (Y, K, 2, n) C-ordered: year i's (n, 2, K) schedule is a Fortran-ordered view; a
        # duration that is the same every year is computed for one year and copied
        every = np.empty((sim.size, k, 2, durations[0].shape[1]))
        for j, d in enumerate(durations):
            if d.strides[0] == 0:
                every[:, :, j, :] = finish_all(np.asarray(d[:1]), k)
            else:
                finish_all(np.asarray(d), k, out=every[:, :, j, :])
        ug_finish = [every[i].transpose(2, 1, 0) for i in range(every.shape[0])]
    else:
        first = np.asfortranarray(np.stack([finish_schedule(d[0], k) for d in durations], axis=1))
        ug_finish = [first] * sim.size  # (n, 2, K)
    completion = p.t("education.bachelor_completion")
    ug_hazard = np.stack([once_along(0, dropout_hazard, completion, np.broadcast_to(d, completion.shape))
                          for d in durations], axis=1).transpose(0, 2, 1)
    m_in, d_in = programme_inputs(scenario, p, units)

    # ---- workforce set-up (acts from the horizon start)
    wf = initial_workforce(scenario, p)
    labour = LabourParams(scenario, p, units)
    demand0 = labour.demand[SPINUP_YEARS - 1]
    wf.shortage_rate = (demand0 - wf.total) / np.maximum(demand0, 1.0)
    return ChunkInputs(
        cohort18=rows(demo["cohort18"]), births18=rows(demo["births18"]), births19=rows(demo["births19"]),
        hs_graduates=rows(demo["hs_graduates"]), entry=entry, ai_entrants=ai_entrants_r,
        spend={lever: rows(x[:, lead:]) for lever, x in spend.items()},
        units={lever: rows(units[f"{lever}_raw"]) for lever in LEVERS},
        ug_slots=k, ug_intake=ug_intake, ug_finish=ug_finish, ug_hazard=ug_hazard, master=m_in, phd=d_in,
        dest={key: p.t(f"education.destinations.{key}") for key in ("master", "phd", "ai_job", "abroad")},
        fellows=rows(units["phd_fellowships"]), fellows_raw=rows(units["phd_fellowships_raw"]),
        gain=fellowship_gain(scenario, p), stay=international_stay(p), labour=labour,
        pool=EngineerPool(scenario, p, units, m_in, d_in), workforce=wf,
    )


def simulate_chunk(
    scenario: Scenario, draws: Draws, start: int = 0, stop: int | None = None, *, into: Buffers | None = None,
    on_inputs: Callable[[int, int, dict[str, np.ndarray]], None] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Simulate draws ``start:stop`` through the spin-up years and the horizon.

    Returns ``(metrics, initial)``: metrics {name: (n, Y_horizon)}, and the end-of-year stocks
    of the year before the horizon {name: (n,)} so that stock identities can be checked from
    the first horizon year on. ``into`` (see :class:`Buffers`) receives the metrics instead of
    new arrays; ``on_inputs(start, stop, values)`` the chunk's input values (``draws.chunk``).
    """
    stop = draws.n_draws if stop is None else stop
    n = stop - start
    keep_freed_heap(n, len(scenario.sim_years))  # reuse the previous chunk's freed memory
    values = draws.chunk(start, stop)
    if on_inputs is not None:
        on_inputs(start, stop, values)
    p = Params(scenario, values, n, np.asarray(scenario.sim_years))
    return run_years(scenario, prepare_chunk(scenario, p), n, into)


def run_years(scenario: Scenario, x: ChunkInputs, n: int,
              into: Buffers | None = None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The yearly loop over the chunk's inputs ``x``: the one place that knows the order of the
    mechanisms within a year. Returns ``(metrics, initial)`` as :func:`simulate_chunk`."""
    sim = np.asarray(scenario.sim_years)
    gs, years = scenario.graduate_school, scenario.sim_years
    rec = Recorder(n, sim, SPINUP_YEARS, into)
    ug = Pipeline.empty(n, 2, x.ug_slots)
    master = Programme.empty(n, slots(gs.master.years, None, years))
    phd = Programme.empty(n, slots(gs.phd.years, None, years))
    m_in, d_in, dest, labour, wf = x.master, x.phd, x.dest, x.labour, x.workforce

    # graduates of year t start a graduate programme in year t+1 (graduation in February,
    # the academic year in March): applicants in transit from the previous year
    to_master = np.zeros(n)
    to_phd = np.zeros(n)
    # bachelor's holders among the PhD applicants in transit and on the waiting list (the rest
    # hold a master's): applicants who give up re-enter the market with the degree they hold
    to_phd_b = np.zeros(n)
    wait_phd_b = np.zeros(n)
    take_up: np.ndarray | float  # the shortage response; 1 in the spin-up years
    for i in range(sim.size):
        live = i >= SPINUP_YEARS  # the workforce runs over the horizon only
        if live:
            wf.premium = premium_step(labour, wf.premium, wf.shortage_rate)
            take_up = take_up_multiplier(labour, wf.shortage_rate)
        else:
            take_up = 1.0

        g_ug, d_ug = ug.step(x.ug_intake[i], x.ug_finish[i], x.ug_hazard[i])
        grads_b = rowsum(g_ug)
        # the engineers' pool: reskilling converts its suitable candidates first, the AI graduate
        # schools' outside applicants come from those left; the converted and admitted leave it
        reskilled, out_m, out_d = x.pool.draw(i)
        m = m_in.step(master, i, to_master, out_m)
        # fellowships: a lower dropout hazard for the funded share of PhD students; their extra
        # applicants (switchers, below) were taken from last year's graduates
        hazard = fellowship_hazard(d_in.hazard[i], x.fellows_raw[i], phd.pipeline.total, x.gain)
        d = d_in.step(phd, i, to_phd, out_d, hazard=hazard)
        # every PhD applicant has the same chance of a place, so those placed, waiting and
        # giving up share the applicants' bachelor's/master's mix
        share_b = np.divide(to_phd_b + wait_phd_b, d["applicants"], out=np.zeros(n), where=d["applicants"] > 0)
        unplaced_phd_b = d["unplaced_leavers"] * share_b
        wait_phd_b = phd.waitlist * share_b
        pool_flows = x.pool.close(i, m["intake_outside"] + d["intake_outside"])
        to_master = grads_b * dest["master"][i]
        to_phd = grads_b * dest["phd"][i] + m["grads_domestic"] * m_in.to_phd[i]
        # next year's fellowships pull applicants from this year's bachelor's and master's
        # graduates bound for the Korean labour market (AI jobs or other work), never from nowhere
        not_studying = 1 - dest["master"][i] - dest["phd"][i]
        to_market = not_studying - dest["abroad"][i]  # bachelor's graduates' share bound for Korean work
        pool = (grads_b * to_market
                + m["grads_domestic"] * (1 - m_in.to_phd[i] - m_in.abroad[i]))
        switchers = pool_draw(x.fellows[min(i + 1, sim.size - 1)], pool)
        keep = 1 - switchers / np.maximum(pool, 1e-300)  # share of market-bound graduates who stay
        to_phd = to_phd + switchers
        to_phd_b = grads_b * (dest["phd"][i] + to_market * (1 - keep))

        if i == SPINUP_YEARS - 1:  # end of the year before the horizon
            rec.initial.update(stock_snapshot(ug, master, phd, wf, labour.regions), reskilling_pool=x.pool.stock.copy())
        if not live:
            continue

        # graduates taking Korean AI jobs, by qualification (n, Q). Applicants who miss a place
        # and give up enter the market like graduates of the degree they hold who do not study
        # further (PhD applicants with a bachelor's or a master's, above).
        market_b = market_share(dest["ai_job"][i], not_studying)
        market_m = market_share(m_in.ai_job[i], 1 - m_in.to_phd[i])
        gb, gm = grads_b * keep, m["grads_domestic"] * keep  # less the fellowship switchers
        leave_b = m["unplaced_leavers"] + unplaced_phd_b
        leave_m = d["unplaced_leavers"] - unplaced_phd_b
        to_ai = columns(
            take(gb * dest["ai_job"][i] + leave_b * market_b, take_up,
                 gb * to_market + leave_b),
            # AI-school graduates take AI jobs more often; fellowship switchers leave both kinds alike
            take(keep * ((m["grads_domestic"] - m["grads_ai"]) * m_in.ai_job[i] + m["grads_ai"] * m_in.ai_school_job[i])
                 + leave_m * market_m, take_up,
                 gm * (1 - m_in.to_phd[i] - m_in.abroad[i]) + leave_m)
            + m["grads_international"] * x.stay[i],
            take((d["grads_domestic"] - d["grads_ai"]) * d_in.ai_job[i] + d["grads_ai"] * d_in.ai_school_job[i],
                 take_up,
                 d["grads_domestic"] * (1 - d_in.abroad[i]))
            + d["grads_international"] * x.stay[i],
        )
        e = x.entry
        rec.put(i, cohort18=x.cohort18[i], births_18_years_before=x.births18[i],
                births_19_years_before=x.births19[i], hs_graduates=x.hs_graduates[i],
                first_time_applicants=e["first_time"][i],
                tertiary_applicants=e["applicants"][i], four_year_entrants=e["four_year"][i],
                admission_quota=e["quota"][i], unfilled_places=e["unfilled"][i],
                tertiary_entrants=e["tertiary"][i], ai_track_entrants=x.ai_entrants[i],
                applicants_ai_graduate_schools=m["applicants_ai"] + d["applicants_ai"],
                seats_ai_graduate_schools=m_in.ai_seats[i] + d_in.ai_seats[i],
                enrolled_ai_graduate_schools=m["places_held_ai"] + d["places_held_ai"],
                stock_ai_graduate_schools=m["stock_ai"] + d["stock_ai"],
                intake_ai_graduate_schools=m["intake_ai"] + d["intake_ai"],
                grads_ai_graduate_schools=m["grads_ai"] + d["grads_ai"],
                dropouts_ai_graduate_schools=m["dropouts_ai"] + d["dropouts_ai"],
                international_applicants=m["international_applicants"] + d["international_applicants"],
                international_intake=m["intake_international"] + d["intake_international"],
                grads_bachelor=grads_b, dropouts_bachelor=rowsum(d_ug),
                students_bachelor=ug.total,
                grads_master=m["grads_domestic"] + m["grads_international"],
                grads_phd=d["grads_domestic"] + d["grads_international"],
                seats_master=m_in.seats[i] + m_in.ai_seats[i], seats_phd=d_in.seats[i] + d_in.ai_seats[i],
                enrolled_master=master.pipeline.total, enrolled_phd=phd.pipeline.total,
                waitlist_master=master.waitlist, waitlist_phd=phd.waitlist,
                **{f"{key}_master": m[key] for key in STAGE_METRICS},
                **{f"{key}_phd": d[key] for key in STAGE_METRICS},
                study_abroad=grads_b * dest["abroad"][i] + m["grads_domestic"] * m_in.abroad[i]
                + d["grads_domestic"] * d_in.abroad[i],
                budget_spent=sum(x.spend[lever][i] for lever in LEVERS),
                **{f"budget_{lever}": x.spend[lever][i] for lever in LEVERS},
                **{f"units_{lever}": x.units[lever][i] for lever in LEVERS},
                fellowship_pool=pool, fellowship_switchers=switchers, **pool_flows)
        to_ai_foreign = columns(np.zeros(n), m["grads_international"] * x.stay[i],
                                d["grads_international"] * x.stay[i])
        rec.put(i, **labour_year(labour, wf, i, to_ai, reskilled, to_ai_foreign))
    return rec.metrics(), rec.initial


def stock_snapshot(ug: Pipeline, master: Programme, phd: Programme, wf: Workforce, regions=REGIONS) -> dict:
    return {
        "students_bachelor": ug.total,
        "enrolled_master": master.pipeline.total,
        "enrolled_phd": phd.pipeline.total,
        "waitlist_master": master.waitlist,
        "waitlist_phd": phd.waitlist,
        "stock_ai_graduate_schools": master.enrolled(AI_SCHOOL) + phd.enrolled(AI_SCHOOL),
        "ai_workforce": wf.total,
        "diaspora": rowsum(wf.diaspora),
        "latent_ai_qualified": rowsum(wf.latent),
        **{f"diaspora_{r}": wf.regions[:, j].copy() for j, r in enumerate(regions)},
    }


class Buffers:
    """Year-major (Y, N) arrays, one per metric, that a :class:`Recorder` writes into at the draw
    columns ``start:stop`` set by :meth:`at`, instead of allocating new arrays for every chunk.

    Writing a chunk straight into the run's arrays saves a copy and a second set of page faults
    per chunk (fresh memory costs a page fault per 4 KiB); a chunk-sized ``Buffers`` reused for
    chunk after chunk (``at(0, n)``) costs its page faults once. Metrics not in ``keep`` go to
    one scratch array, overwritten, never read.
    """

    def __init__(self, n_draws: int, keep: Collection[str] | None = None):
        self.n_draws, self.keep = n_draws, None if keep is None else frozenset(keep)
        self.arrays: dict[str, np.ndarray] = {}
        self._scratch: np.ndarray | None = None
        self._cols = slice(0, n_draws)
        self._arena = Arena()

    def at(self, start: int, stop: int) -> Buffers:
        self._cols = slice(start, stop)
        return self

    def columns(self, name: str, size: int) -> np.ndarray:
        """The (size, stop - start) view where metric ``name`` of the current chunk goes."""
        if self.keep is not None and name not in self.keep:
            if self._scratch is None or self._scratch.shape[0] < size:
                self._scratch = self._arena.empty(size, self.n_draws)
            return self._scratch[:size, self._cols]
        arr = self.arrays.get(name)
        if arr is None:
            arr = self.arrays[name] = self._arena.empty(size, self.n_draws)
        return arr[:, self._cols]

    def metrics(self) -> dict[str, np.ndarray]:
        """{name: (N, Y)}: Fortran-ordered (draw axis contiguous), as the engine returns them."""
        return {k: v.T for k, v in self.arrays.items()}


class Recorder:
    """Collects per-year metric values of the horizon years; returns (n, Y_horizon) arrays,
    in new arrays or in ``into`` (:class:`Buffers`)."""

    def __init__(self, n: int, sim_years: np.ndarray, first: int, into: Buffers | None = None):
        self.n, self.first, self.size = n, first, sim_years.size - first
        self._data: dict[str, np.ndarray] = {}  # year-major (Y, n) while recording
        self._into = into
        self.initial: dict[str, np.ndarray] = {}

    def put(self, i: int, **values: np.ndarray) -> None:
        if i < self.first:
            return
        data, row = self._data, i - self.first
        for name, value in values.items():
            arr = data.get(name)
            if arr is None:  # every metric is written in every horizon year
                arr = data[name] = (np.empty((self.size, self.n)) if self._into is None
                                    else self._into.columns(name, self.size))
            arr[row] = value

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
    is held in memory; for very many draws see :func:`talentsim.engine.streaming.summarize_streaming`.

    >>> run = simulate(scenario, sample_inputs(scenario, 1000, rng=1))
    >>> run["ai_workforce"].shape
    (1000, 27)
    """
    from .parallel import chunk_bounds, run_tasks

    if metrics is not None:
        known = set(simulate_chunk(scenario, draws, 0, 1)[0])
        unknown = sorted(set(metrics) - known)
        if unknown:
            raise ValueError(f"unknown metrics {unknown}; known: {sorted(known)}")
    bounds = chunk_bounds(draws.n_draws, chunk_size)
    whole = Buffers(draws.n_draws, metrics)
    if workers == 1 and scheduler is None:  # in this process: chunks written into the run's arrays
        results = (simulate_chunk(scenario, draws, a, b, into=whole.at(a, b))[1] for a, b in bounds)
    else:  # chunks come back from other processes: copied into the run's arrays
        tasks = [(scenario, draws, a, b, None if metrics is None else list(metrics)) for a, b in bounds]

        def copied():
            runs = run_tasks(_chunk_task, tasks, workers=workers, scheduler=scheduler)
            for (a, b), (values, init) in zip(bounds, runs):
                whole.at(a, b)
                for name, v in values.items():
                    whole.columns(name, v.shape[1])[...] = v.T
                yield init

        results = copied()
    initial: list[dict[str, np.ndarray]] = []
    for (a, b), init in zip(bounds, results):
        initial.append(init)
        if progress is not None:
            progress(b - a)
    return Run(
        scenario=scenario.name,
        years=np.asarray(scenario.years),
        metrics=whole.metrics(),
        initial={k: np.concatenate([part[k] for part in initial]) for k in initial[0]},
        method=draws.method,
        seed=draws.seed,
        draws=draws,
    )
