"""Life events at work: careers in Korean AI work and the diaspora, the labour market's yearly
rates and arrivals, and the initial stocks (a mixin of :class:`~.world.World`)."""

from __future__ import annotations

import numpy as np

from ..engine.labour import migration_rates
from .people import ABROAD, ELSEWHERE, IN_AI, INITIAL_STOCK, TICKS, WORK


class LabourProcesses:
    """Processes of workers and the diaspora, and the labour market's yearly step; methods of
    :class:`~.world.World`."""

    def career(self, q: int, band: int, entry: int, *, abroad: bool = False):
        """Korean AI work (or the diaspora, ``abroad``) from now on, until attrition or
        retirement. Joins this year's end-of-year stock; the first decision is next year."""
        env, u = self.env, self.u
        now = env.now
        delay = (now // TICKS + 1) * TICKS + WORK - now
        start = now // TICKS if entry != INITIAL_STOCK else -1  # initial stock: left-truncated spells
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

    def labour_year(self, i: int) -> None:
        """Hazards, return rate and arrivals of horizon year ``i`` from the start-of-year
        stocks: :func:`talentsim.engine.labour.migration_rates`, as the cohort engine's
        ``labour_year`` computes them before ``Workforce.step``."""
        x, k, rng = self.x, self.k, self.rng
        lab = x.labour
        start_total = float(sum(self.work)) * k
        diaspora = float(sum(self.dias)) * k
        rates = migration_rates(lab, i, self.premium, np.array([start_total]), np.array([diaspora]))
        h, h_region, r, arrivals, covered = (
            rates["emigration"], rates["by_region"], rates["return"], rates["immigrants"], rates["covered"])
        hz = float(h[0])
        self.p_emig = [[hz * mult for mult in row] for row in self.mult]
        self.region_cum = (np.cumsum(h_region[0]) / max(hz, 1e-300)).tolist()
        self.attr = float(lab.attrition[i][0])
        self.rho = float(r[0])
        self.year_values = {"start_total": start_total, "covered": float(covered[0]),
                            "premium": float(self.premium[0])}
        for name in ("visa_recruits", "visa_pool"):  # expected recruits (part of arrivals) and their pool
            self.series.setdefault(name, []).append(float(rates[name][0]))
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
                    self.start(self.career(q, b, INITIAL_STOCK))
        dias = np.asarray(x.initial.diaspora)[0]
        total = self.round(dias.sum() / self.k)
        for q, c in enumerate(rng.multinomial(total, dias / dias.sum()).tolist()):
            for _ in range(c):
                self.start(self.career(q, 0, INITIAL_STOCK, abroad=True))
