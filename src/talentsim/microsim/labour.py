"""Life events at work: careers in Korean AI work, the latent pool and the diaspora, the labour
market's yearly rates, the hiring round bounded by AI jobs, and the initial stocks (a mixin of
:class:`~.world.World`).

The rules are the cohort engine's (docs/model.md §7): candidates (graduates, reskilled,
immigrants, returnees, recalls from the latent pool) wait for the year's hiring round at the
end of the year; the round hires at most the vacancies ``floor(J / K) - workers``, chosen at
random among all candidates (pro rata in expectation), or lays off workers at random when the
workers exceed the jobs. Unhired domestic candidates join the latent pool, unhired returnees
stay abroad, unhired recalls stay in the pool, unhired foreign candidates do not come.
"""

from __future__ import annotations

import numpy as np

from ..engine.labour import migration_rates
from .people import (
    ABROAD,
    ELSEWHERE,
    FOREIGN_GRADUATE,
    GRADUATE,
    IMMIGRANT,
    IN_AI,
    INITIAL_STOCK,
    RECALL,
    RESKILLED,
    RETURNEE,
    STUDYING,
    TICKS,
    WORK,
)
from .state import WorldState

INFLOW = {GRADUATE: "inflow_graduates", FOREIGN_GRADUATE: "inflow_graduates", RESKILLED: "inflow_reskilled",
          IMMIGRANT: "inflow_immigrants", RETURNEE: "inflow_returnees", RECALL: "inflow_recalled"}
#: states of a person on the workforce side
AI, DIASPORA, LATENT, GONE = range(4)
#: labour flows counted per year (agents)
LABOUR_FLOWS = ("inflow_recalled", "layoffs", "latent_entries", "latent_exits", "emigration_korean",
                "emigration_foreign_born", "diaspora_retirement", "candidates", "hires")


class LabourProcesses(WorldState):
    """Processes of workers, the latent pool and the diaspora, and the labour market's yearly
    step and hiring round; methods of :class:`~.world.World`."""

    # -------------------------------------------------------------- entry points
    def career(self, q: int, band: int, entry: int, *, abroad: bool = False):
        """An initial-stock agent (workforce or diaspora), already counted by ``seed_stocks``."""
        yield from self.life(q, band, entry, DIASPORA if abroad else AI, origin=0, start=-1)

    def seek(self, kind: int, q: int, band: int, entry: int, *, origin: int = 0, region: int = 0):
        """A new job candidate from outside (graduate, reskilled, immigrant): waits for the
        hiring round; hired -> AI work, else the latent pool (domestic) or gone (foreign)."""
        hired = yield from self.candidate(kind, q, entry, origin, region)
        if hired:
            yield from self.life(q, band, entry, AI, origin=origin, start=self.env.now // TICKS)
        elif kind in (GRADUATE, RESKILLED):
            yield from self.life(q, band, entry, LATENT)

    def candidate(self, kind: int, q: int, entry: int, origin: int, region: int):
        """Join this year's hiring round; returns True when hired (bookkeeping done by the round)."""
        decision = self.env.event()
        self.seekers.append((kind, q, entry, origin, region, decision))
        hired = yield decision
        return hired

    # -------------------------------------------------------------- a person's life
    def life(self, q: int, band: int, entry: int, state: int, *, origin: int = 0, region: int = 0,
             start: int = -1):
        """Yearly decisions at the WORK tick from next year on, in state AI, DIASPORA or LATENT."""
        env, u = self.env, self.u
        token: list | None = None
        if state == AI:
            token = self.enlist(q, origin, entry, start)
        yield env.timeout((env.now // TICKS + 1) * TICKS + WORK - env.now)
        while True:
            i = env.now // TICKS
            if state == AI:
                assert token is not None  # enlisted whenever the state becomes AI
                if token[0]:  # laid off in last year's round (already counted)
                    if origin:
                        return
                    state, token = LATENT, None
                    continue
                draw = u()
                pe = self.p_emig[origin][q][band]
                if draw < pe:
                    self.retire_token(token, i)
                    self.f["emigration"][i] += 1
                    if origin:  # foreign-born leavers leave the model
                        self.f["emigration_foreign_born"][i] += 1
                        return
                    v, r, cum = draw / pe, 0, self.region_cum
                    while r < len(cum) - 1 and v >= cum[r]:
                        r += 1
                    self.f["emigration_korean"][i] += 1
                    self.emig_region[r][i] += 1
                    self.dias_r[r] += 1
                    self.move(entry, IN_AI, ABROAD)
                    state, region, token = DIASPORA, r, None
                    yield env.timeout(TICKS)
                    continue
                draw -= pe
                if draw < self.attr:
                    self.retire_token(token, i)
                    self.f["attrition"][i] += 1
                    self.move(entry, IN_AI, ELSEWHERE)
                    return
                if draw - self.attr < self.p_age * (1.0 - pe - self.attr):  # ages a band
                    if band == self.last_band:
                        self.retire_token(token, i)
                        self.f["retirement"][i] += 1
                        self.move(entry, IN_AI, ELSEWHERE)
                        return
                    band += 1
                yield env.timeout(TICKS)
                continue
            if state == DIASPORA:
                # seeks a job in Korea this year (hired at the year's round, else stays abroad)
                if u() < self.rho[region] and (yield from self.candidate(RETURNEE, q, entry, 0, region)):
                    state, token = AI, self.enlist(q, 0, entry, i)
                    yield env.timeout((i + 1) * TICKS + WORK - env.now)
                    continue
                if u() < self.p_age:  # ages abroad
                    if band == self.last_band:
                        self.dias_r[region] -= 1
                        self.f["diaspora_retirement"][i] += 1
                        self.dias_retire[region][i] += 1
                        self.move(entry, ABROAD, ELSEWHERE)
                        return
                    band += 1
                yield env.timeout((i + 1) * TICKS + WORK - env.now)
                continue
            # LATENT: skills fade (decay), a recall candidate, then ageing
            draw = u()
            if draw < self.decay:
                self.latent -= 1
                self.f["latent_exits"][i] += 1
                return
            if draw - self.decay < self.recall and (yield from self.candidate(RECALL, q, entry, 0, 0)):
                state, token = AI, self.enlist(q, 0, entry, i)
                yield env.timeout((i + 1) * TICKS + WORK - env.now)
                continue
            if u() < self.p_age:
                if band == self.last_band:
                    self.latent -= 1
                    self.f["latent_exits"][i] += 1
                    return
                band += 1
            yield env.timeout((i + 1) * TICKS + WORK - env.now)

    def enlist(self, q: int, origin: int, entry: int, start: int) -> list:
        """A worker's token in the register of AI workers (layoffs pick from it)."""
        token = [False, q, origin, entry, start]
        self.active[id(token)] = token
        return token

    def retire_token(self, token: list, i: int) -> None:
        """A worker leaves AI work: counts, spell, register."""
        _, q, origin, _, start = token
        self.work[q] -= 1
        self.n_foreign -= origin
        self.spells[start] -= 1
        if start >= self.first_live:
            self.careers[i - start] += 1
        del self.active[id(token)]

    # -------------------------------------------------------------- the hiring round
    def hire(self, i: int) -> None:
        """End of year ``i``: lay off or hire so that workers <= floor(jobs / K)."""
        k, rng = self.k, self.rng
        jobs = self.jobs[i] / k
        cap = int(np.floor(jobs + 1e-9))
        after = sum(self.work)
        self.vacancies[i] = max(self.jobs[i] - after * k, 0.0)
        seekers, self.seekers = self.seekers, []
        if after > cap:  # layoffs, chosen at random
            workers = list(self.active.values())
            for j in sorted(rng.choice(len(workers), size=after - cap, replace=False).tolist()):
                token = workers[j]
                self.retire_token(token, i)
                token[0] = True
                if token[2]:
                    self.f["emigration"][i] += 1
                    self.f["emigration_foreign_born"][i] += 1
                else:
                    self.latent += 1
                    self.f["layoffs"][i] += 1
                    self.move(token[3], IN_AI, ELSEWHERE)
        n = len(seekers)
        self.f["candidates"][i] = n
        room = max(cap - after, 0)
        chosen = set(rng.choice(n, size=room, replace=False).tolist()) if room < n else set(range(n))
        for j, (kind, q, entry, origin, region, decision) in enumerate(seekers):
            hired = j in chosen
            if hired:
                self.work[q] += 1
                self.n_foreign += origin
                self.spells[i] += 1
                self.f[INFLOW[kind]][i] += 1
                self.f["hires"][i] += 1
                if kind == RETURNEE:
                    self.dias_r[region] -= 1
                    self.returns_r[region][i] += 1
                    self.move(entry, ABROAD, IN_AI)
                elif kind == RECALL:
                    self.latent -= 1
                    self.move(entry, ELSEWHERE, IN_AI)
                elif kind == GRADUATE:
                    self.move(entry, STUDYING, IN_AI)
            elif kind in (GRADUATE, RESKILLED):
                self.latent += 1
                self.f["latent_entries"][i] += 1
                if kind == GRADUATE:
                    self.move(entry, STUDYING, ELSEWHERE)
            decision.succeed(hired)

    # -------------------------------------------------------------- the yearly rates
    def labour_year(self, i: int) -> None:
        """Hazards, return rates and arrivals of horizon year ``i`` from the start-of-year
        stocks: :func:`talentsim.engine.labour.migration_rates`, as the cohort engine's
        ``labour_year`` computes them before ``Workforce.step``."""
        x, k, rng = self.x, self.k, self.rng
        lab = x.labour
        start_total = float(sum(self.work)) * k
        diaspora = float(sum(self.dias_r)) * k
        rates = migration_rates(lab, i, self.premium, np.array([start_total]), np.array([diaspora]))
        h, h_region, r, arrivals, covered = (
            rates["emigration"], rates["by_region"], rates["return"], rates["immigrants"], rates["covered"])
        hz = float(h[0])
        self.p_emig = [[[hz * mult for mult in row] for row in origin] for origin in self.mult]
        self.region_cum = (np.cumsum(h_region[0]) / max(hz, 1e-300)).tolist()
        self.attr = float(rates["attrition"][0])
        self.rho = r[0].tolist()
        self.year_values = {"start_total": start_total, "covered": float(covered[0]),
                            "premium": float(self.premium[0])}
        for name in ("visa_recruits", "visa_pool"):  # expected recruits (part of arrivals) and their pool
            self.series.setdefault(name, []).append(float(rates[name][0]))
        mix = lab.mix
        n_imm = int(rng.poisson(float(arrivals[0]) / k))
        band = self.entry_band["immigrant"]
        for q in rng.choice(3, size=n_imm, p=mix / mix.sum()).tolist() if n_imm else ():
            self.start(self.seek(IMMIGRANT, q, band, -1, origin=1))
        n_res = int(rng.poisson(float(self.reskilled[0]) / k))
        band = self.entry_band["reskilled"]
        rmix = lab.reskilled_mix
        for q in rng.choice(3, size=n_res, p=rmix / rmix.sum()).tolist() if n_res else ():
            self.start(self.seek(RESKILLED, q, band, -1))

    def seed_stocks(self) -> None:
        """End of the year before the horizon: workforce (Korean-born, foreign-born), diaspora
        (by region) and latent-pool agents (stochastically rounded totals, multinomial over the
        cells); their first decisions fall in the first horizon year."""
        x, rng = self.x, self.rng
        init = x.initial
        for origin, cells in enumerate((np.asarray(init.stock)[0], np.asarray(init.foreign)[0])):
            total = self.round(cells.sum() / self.k)
            if total == 0:
                continue
            counts = rng.multinomial(total, (cells / cells.sum()).ravel()).reshape(cells.shape)
            for q, b in zip(*np.nonzero(counts)):
                for _ in range(int(counts[q, b])):
                    self.work[q] += 1
                    self.n_foreign += origin
                    self.spells[-1] += 1
                    self.start(self.life(int(q), int(b), INITIAL_STOCK, AI, origin=origin, start=-1))
        dias = np.asarray(init.diaspora)[0]  # (Q, B) profile; regions (R,) share it
        shares = np.asarray(init.regions)[0]
        total = self.round(dias.sum() / self.k)
        if total:
            cells = (shares[:, None, None] / shares.sum()) * (dias / dias.sum())[None]
            counts = rng.multinomial(total, cells.ravel()).reshape(cells.shape)
            for r, q, b in zip(*np.nonzero(counts)):
                self.dias_r[r] += int(counts[r, q, b])
                for _ in range(int(counts[r, q, b])):
                    self.start(self.life(int(q), int(b), INITIAL_STOCK, DIASPORA, region=int(r)))
        lat = np.asarray(init.latent)[0]
        total = self.round(lat.sum() / self.k) if lat.sum() > 0 else 0
        if total:
            counts = rng.multinomial(total, (lat / lat.sum()).ravel()).reshape(lat.shape)
            for q, b in zip(*np.nonzero(counts)):
                self.latent += int(counts[q, b])
                for _ in range(int(counts[q, b])):
                    self.start(self.life(int(q), int(b), INITIAL_STOCK, LATENT))
