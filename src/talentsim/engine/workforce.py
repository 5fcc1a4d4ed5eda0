"""The AI workforce: stocks by qualification and age band, retirement, attrition, emigration
and return, immigration, demand, shortage and the domestic AI pay premium.

Shapes: workforce stock (n, Q, B) with Q = (bachelor, master, phd) and B five-year age bands
20-24 ... 60-64; diaspora (n, Q); everything else (n,). All formulas are in docs/model.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit, logit

from ..arrays import rowsum

BAND_YEARS = 5.0  # width of an age band: 1/5 of a band ages into the next one each year


def pay_ratio(
    foreign_ratio: np.ndarray, premium: np.ndarray, premium0: np.ndarray, retention: np.ndarray
) -> np.ndarray:
    """Foreign / Korean AI pay, (n, R).

    P_r = foreign_ratio_r * (1 + premium0) / ((1 + premium) * (1 + retention)): the foreign
    ratio is quoted against Korean AI pay at the initial premium; a higher domestic premium or
    retention pay lowers it.
    """
    domestic = (1.0 + premium) * (1.0 + retention) / (1.0 + premium0)
    return foreign_ratio / domestic[:, None]


def emigration_hazard(
    ratio: np.ndarray,
    ratio0: np.ndarray,
    shares: np.ndarray,
    base_rate: np.ndarray,
    max_rate: np.ndarray,
    elasticity: np.ndarray,
) -> np.ndarray:
    """Yearly emigration hazard at age and qualification multiplier 1, (n,), and by region.

    h_r = max_rate * expit(logit(base_rate / max_rate) + elasticity * ln(P_r / P_r0));
    h = sum_r share_r * h_r. At the base pay ratios h = base_rate; with zero elasticity pay
    does not matter; h rises with every P_r when elasticity > 0 and never exceeds max_rate.
    Returns (h (n,), h_by_region (n, R)) where h_by_region already carries the shares.
    """
    x = logit(base_rate / max_rate)[:, None] + elasticity[:, None] * np.log(ratio / ratio0)
    by_region = shares[None, :] * max_rate[:, None] * expit(x)
    return rowsum(by_region), by_region


def return_hazard(
    mean_ratio: np.ndarray,
    mean_ratio0: np.ndarray,
    base_rate: np.ndarray,
    max_rate: np.ndarray,
    elasticity: np.ndarray,
) -> np.ndarray:
    """r = max_rate * expit(logit(base_rate / max_rate) - elasticity * ln(Pbar / Pbar0)), (n,)."""
    x = logit(base_rate / max_rate) - elasticity * np.log(mean_ratio / mean_ratio0)
    return max_rate * expit(x)


def immigrants(
    base_inflow: np.ndarray,
    elasticity: np.ndarray,
    premium: np.ndarray,
    premium0: np.ndarray,
    retention: np.ndarray,
    home_premium: np.ndarray,
    home_premium0: np.ndarray,
) -> np.ndarray:
    """Foreign AI workers arriving, (n,).

    M = base * A ** elasticity, A = [(1 + premium)(1 + retention) / (1 + premium0)]
    / [(1 + home_premium) / (1 + home_premium0)]: Korea's AI pay relative to pay at home,
    against its value at the start.
    """
    attract = (1.0 + premium) * (1.0 + retention) / (1.0 + premium0)
    attract = attract * (1.0 + home_premium0) / (1.0 + home_premium)
    return base_inflow * attract**elasticity


def return_hazards(
    ratio: np.ndarray,
    ratio_ref: np.ndarray,
    base_rate: np.ndarray,
    max_rate: np.ndarray,
    elasticity: np.ndarray,
) -> np.ndarray:
    """Return hazard of each region's diaspora, (n, R):
    r_r = max_rate * expit(logit(base_rate / max_rate) - elasticity * ln(P_r / P_r,ref))."""
    x = logit(base_rate / max_rate)[:, None] - elasticity[:, None] * np.log(ratio / ratio_ref)
    return max_rate[:, None] * expit(x)


def age_one_year(stay: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ageing over the last axis (age bands): 1/5 of each band moves into the next; the last
    band's movers leave (retirement at 65). Returns (aged, retiring)."""
    moving = stay / BAND_YEARS
    aged = stay - moving
    aged[..., 1:] += moving[..., :-1]
    return aged, moving[..., -1]


@dataclass
class Workforce:
    """The workforce-side stocks of one chunk of draws.

    Every array is Fortran-ordered (the draw axis contiguous); R = regions abroad,
    Q = qualifications, B = age bands."""

    stock: np.ndarray  # (n, Q, B) Korean-born AI workers in Korea
    foreign: np.ndarray  # (n, Q, B) foreign-born AI workers in Korea
    diaspora: np.ndarray  # (n, R, Q, B) Korean AI workers abroad, by region
    latent: np.ndarray  # (n, Q, B) AI-qualified people in other work in Korea
    premium: np.ndarray  # (n,) domestic AI pay premium, fraction
    shortage_rate: np.ndarray  # (n,) shortage / demand in the previous year
    #: totals of the stocks as the last step left them (the next step starts from them)
    sums: dict[str, np.ndarray] | None = field(default=None, repr=False)

    @property
    def total(self) -> np.ndarray:
        return rowsum(self.stock) + rowsum(self.foreign)

    def totals(self) -> dict[str, np.ndarray]:
        """Korean-born and foreign-born workers, diaspora by region (n, R), latent pool."""
        if self.sums is None:
            self.sums = {"korean": rowsum(self.stock), "foreign": rowsum(self.foreign),
                         "region": rowsum(self.diaspora, (2, 3)), "latent": rowsum(self.latent)}
        return self.sums

    def step(
        self,
        *,
        hazard: np.ndarray,
        multiplier: np.ndarray,
        attrition: np.ndarray,
        split: np.ndarray,
        return_rate: np.ndarray,
        domestic: np.ndarray,
        foreign: np.ndarray,
        jobs: np.ndarray,
        recall_rate: np.ndarray,
        decay: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """Advance one year; returns this year's flows (docs/model.md, "The labour market").

        Parameters
        ----------
        hazard : (n,) emigration hazard at multiplier 1
        multiplier : (2, Q, B) hazard multiplier of Korean-born (0) and foreign-born (1) workers
            by qualification and age band
        attrition : (n,) yearly share leaving AI work for other work in Korea
        split : (n, R) shares of Korean-born emigrants going to each region (adding up to 1)
        return_rate : (n, R) share of each region's diaspora seeking to return this year
        domestic : (n, Q, B) Korean candidates in their entry bands (graduates, reskilled)
        foreign : (n, Q, B) foreign-born candidates (immigrants, international graduates)
        jobs : (n,) AI jobs J = demand x (1 + friction)
        recall_rate : (n,) share of the latent pool seeking an AI job this year
        decay : (n,) share of the latent pool leaving it for good (skills fade)

        1. Separations on the start-of-year stocks W: emigration W h m, attrition W a; of those
           who stay 1/5 of each band ages into the next, the last band retires. Stock R.
        2. Layoffs: if R > J, a share (R - J) / R of every cell is laid off: Korean-born into
           the latent pool, foreign-born leave Korea. Vacancies V = max(J - R, 0).
        3. Candidates C = domestic + foreign + returnees (diaspora x r) + recalls (latent x
           recall_rate); hires = C x f with f = min(V / C, 1), pro rata across sources.
        4. Unhired domestic candidates join the latent pool; unhired returnees stay abroad,
           unhired recalls in the pool; unhired foreign candidates do not come.
        5. Latent pool: decay, recalls hired and ageing (retirement) leave; diaspora: returnees
           leave, it ages (retirement abroad), then the year's Korean-born emigrants join.
        """
        n3 = (slice(None), None, None)
        a = attrition[n3]
        start = self.totals()
        # Korean-born: emigrants by cell (they join the diaspora); foreign-born: totals only
        w = self.stock
        emig = w * (hazard[n3] * multiplier[0][None])
        aged, retire = age_one_year(w * (1.0 - a) - emig)
        wf_ = self.foreign
        emig_f = wf_ * (hazard[n3] * multiplier[1][None])
        aged_f, retire_f = age_one_year(wf_ * (1.0 - a) - emig_f)
        emig_q = rowsum(emig, 2)
        em_k = rowsum(emig_q)
        em_f = rowsum(emig_f)
        attr = attrition * (start["korean"] + start["foreign"])
        ret_k, ret_f = rowsum(retire), rowsum(retire_f)
        # the stock after separations (algebraic: no pass over the cells)
        after_k = start["korean"] - em_k - attrition * start["korean"] - ret_k
        after_f = start["foreign"] - em_f - attrition * start["foreign"] - ret_f
        after = after_k + after_f
        laid_total = np.maximum(after - jobs, 0.0)
        layoffs = laid_f = np.zeros_like(after)
        laid = None
        if laid_total.any():  # layoffs when the stock after separations exceeds the jobs
            keep = np.where(laid_total > 0, jobs / np.maximum(after, 1e-300), 1.0)
            laid = aged * (1.0 - keep)[n3]
            aged = aged * keep[n3]
            aged_f = aged_f * keep[n3]
            layoffs = after_k * (1.0 - keep)
            laid_f = after_f * (1.0 - keep)
        vacancies = np.maximum(jobs - after, 0.0)
        # candidates and hires, pro rata
        d = self.diaspora
        cand_ret_r = start["region"] * return_rate
        lat = self.latent
        lat_total = start["latent"]
        cand_dom, cand_for = rowsum(domestic), rowsum(foreign)
        cand_ret, cand_rec = rowsum(cand_ret_r), lat_total * recall_rate
        candidates = cand_dom + cand_for + cand_ret + cand_rec
        fill = np.minimum(vacancies / np.maximum(candidates, 1e-300), 1.0)
        f3 = fill[n3]
        rf = return_rate * fill[:, None]  # (n, R) share of each region's diaspora returning
        for j in range(d.shape[1]):
            aged += d[:, j] * rf[:, j][n3]
        aged += domestic * f3
        aged_f += foreign * f3
        # latent pool (nothing to do while it is empty and nobody enters it)
        exits_total = np.zeros_like(after)
        if (bool((fill < 1.0).any()) and bool(cand_dom.any())) or laid is not None or lat_total.any():
            rec = recall_rate * fill
            lat_aged, lat_retire = age_one_year(lat * (1.0 - decay - rec)[n3])
            lat_aged += domestic * (1.0 - fill)[n3]
            if laid is not None:
                lat_aged += laid
            aged += lat * rec[n3]
            self.latent = lat_aged
            exits_total = lat_total * decay + rowsum(lat_retire)
        self.stock, self.foreign = aged, aged_f
        # diaspora: returnees leave, the rest ages (1/5 of each band moves up), emigrants join
        g = (1.0 - rf)[:, :, None, None]
        d_aged = d * (g * (1.0 - 1.0 / BAND_YEARS))
        d_aged[..., 1:] += d[..., :-1] * (g / BAND_YEARS)
        d_retire = d[..., -1] * (g[..., 0] / BAND_YEARS)
        for j in range(d.shape[1]):
            d_aged[:, j] += emig * split[:, j][n3]
        self.diaspora = d_aged
        by_q_k, by_q_f = rowsum(aged, 2), rowsum(aged_f, 2)
        self.sums = {"korean": rowsum(by_q_k), "foreign": rowsum(by_q_f),
                     "region": rowsum(d_aged, (2, 3)), "latent": rowsum(self.latent)}
        return {
            "emigration_q": emig_q,  # Korean-born, by qualification
            "emigration_korean": em_k,
            "emigration_foreign_born": em_f + laid_f,
            "attrition": attr,
            "retirement": ret_k + ret_f,
            "layoffs": layoffs,
            "vacancies": vacancies,
            "candidates": candidates,
            "fill": fill,
            "hired_domestic": cand_dom * fill,
            "hired_foreign": cand_for * fill,
            "returning_region": cand_ret_r * fill[:, None],
            "recalled": cand_rec * fill,
            "latent_entries": cand_dom * (1.0 - fill),
            "latent_exits": exits_total,
            "diaspora_retirement_region": rowsum(d_retire, 2),
            "by_q": by_q_k + by_q_f,
        }
