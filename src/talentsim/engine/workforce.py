"""The AI workforce: stocks by qualification and age band, retirement, attrition, emigration
and return, immigration, demand, shortage and the domestic AI pay premium.

Shapes: workforce stock (n, Q, B) with Q = (bachelor, master, phd) and B five-year age bands
20-24 ... 60-64; diaspora (n, Q); everything else (n,). All formulas are in docs/model.md.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    return foreign_ratio / domestic_pay(premium, premium0, retention)[:, None]


def domestic_pay(premium: np.ndarray, premium0: np.ndarray, retention: np.ndarray | float) -> np.ndarray:
    """Korean AI pay against its value at the initial premium, (n,): the divisor of
    :func:`pay_ratio`, D = (1 + premium)(1 + retention) / (1 + premium0)."""
    return (1.0 + premium) * (1.0 + retention) / (1.0 + premium0)


def emigration_hazard(
    ratio: np.ndarray,
    ratio0: np.ndarray,
    shares: np.ndarray,
    base_rate: np.ndarray,
    max_rate: np.ndarray,
    elasticity: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Yearly emigration hazard at age and qualification multiplier 1, (n,), and by region.

    h_r = max_rate * expit(logit(base_rate / max_rate) + elasticity * ln(P_r / P_r0));
    h = sum_r share_r * h_r. At the base pay ratios h = base_rate; with zero elasticity pay
    does not matter; h rises with every P_r when elasticity > 0 and never exceeds max_rate.
    Returns (h (n,), h_by_region (n, R)) where h_by_region already carries the shares.
    """
    return emigration_hazard_log(np.log(ratio / ratio0), logit(base_rate / max_rate),
                                 shares[None, :] * max_rate[:, None], elasticity)


def emigration_hazard_log(
    log_ratio: np.ndarray, logit0: np.ndarray, scale: np.ndarray, elasticity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`emigration_hazard` from ``log_ratio`` = ln(P_r / P_r0) (n, R), ``logit0`` =
    logit(base_rate / max_rate) (n,) and ``scale`` = share_r x max_rate (n, R)."""
    by_region = np.asfortranarray(scale * expit(logit0[:, None] + elasticity[:, None] * log_ratio))
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
    base_inflow: np.ndarray | float,
    elasticity: np.ndarray,
    premium: np.ndarray,
    premium0: np.ndarray,
    retention: np.ndarray,
    home_premium: np.ndarray,
    home_premium0: np.ndarray | float,
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
    return return_hazards_log(np.log(ratio / ratio_ref), logit(base_rate / max_rate), max_rate, elasticity)


def return_hazards_log(
    log_ratio: np.ndarray, logit0: np.ndarray, max_rate: np.ndarray, elasticity: np.ndarray
) -> np.ndarray:
    """:func:`return_hazards` from ``log_ratio`` = ln(P_r / P_r,ref) (n, R) and ``logit0`` =
    logit(base_rate / max_rate) (n,)."""
    return max_rate[:, None] * expit(logit0[:, None] - elasticity[:, None] * log_ratio)


def age_in_place(stay: np.ndarray) -> np.ndarray:
    """:func:`age_one_year` in place on ``stay``; returns the retiring (n, ...) array. Multiplies
    by 1/5 and 4/5 (no division, no whole-array temporary): the same to rounding."""
    retiring = stay[..., -1] * (1.0 / BAND_YEARS)
    moving = stay[..., :-1] * (1.0 / BAND_YEARS)
    stay *= 1.0 - 1.0 / BAND_YEARS
    stay[..., 1:] += moving
    return retiring


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
    Q = qualifications, B = age bands. The diaspora is held as its qualification x age profile
    (n, Q, B) and its regional totals (n, R): the regions share the profile."""

    stock: np.ndarray  # (n, Q, B) Korean-born AI workers in Korea
    foreign: np.ndarray  # (n, Q, B) foreign-born AI workers in Korea
    diaspora: np.ndarray  # (n, Q, B) Korean AI workers abroad, all regions
    regions: np.ndarray  # (n, R) Korean AI workers abroad by region (adding up to the diaspora)
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
                         "region": self.regions, "latent": rowsum(self.latent)}
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
        domestic_total: np.ndarray | None = None,
        foreign_total: np.ndarray | None = None,
        bands: Sequence[int] | None = None,
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
        domestic_total, foreign_total : (n,) sums of ``domestic`` and ``foreign`` if known
        bands : the age bands of ``domestic`` and ``foreign`` when they hold only those, (n, Q, E)
            with E = len(bands) (the candidates' entry bands: everyone else is 0); default all B

        1. Separations on the start-of-year stocks W: emigration W h m, attrition W a; of those
           who stay 1/5 of each band ages into the next, the last band retires. Stock R.
        2. Layoffs: if R > J, a share (R - J) / R of every cell is laid off: Korean-born into
           the latent pool, foreign-born leave Korea. Vacancies V = max(J - R, 0).
        3. Candidates C = domestic + foreign + returnees (diaspora x r) + recalls (latent x
           recall_rate); hires = C x f with f = min(V / C, 1), pro rata across sources.
        4. Unhired domestic candidates join the latent pool; unhired returnees stay abroad,
           unhired recalls in the pool; unhired foreign candidates do not come.
        5. Latent pool: decay, recalls hired and ageing (retirement) leave; diaspora: returnees
           leave each region, the diaspora ages (retirement abroad, shared among the regions
           in proportion to those staying), then the year's Korean-born emigrants join their
           regions. The regions share one qualification x age profile (n, Q, B).
        """
        n3 = (slice(None), None, None)
        start = self.totals()
        keep_rate = (1.0 - attrition)[n3]
        # Korean-born: emigrants by cell (they join the diaspora); foreign-born: totals only
        w = self.stock
        hm = np.empty(w.shape, order="F")
        np.multiply(hazard[n3], multiplier[0][None], out=hm)
        emig = w * hm
        aged = w * keep_rate
        aged -= emig
        retire = age_in_place(aged)
        wf_ = self.foreign
        np.multiply(hazard[n3], multiplier[1][None], out=hm)
        emig_f = wf_ * hm
        aged_f = wf_ * keep_rate
        aged_f -= emig_f
        retire_f = age_in_place(aged_f)
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
        keep = None
        laid = None
        if laid_total.any():  # layoffs when the stock after separations exceeds the jobs
            keep = np.where(laid_total > 0, jobs / np.maximum(after, 1e-300), 1.0)
            laid = aged * (1.0 - keep)[n3]
            aged *= keep[n3]
            aged_f *= keep[n3]
            layoffs = after_k * (1.0 - keep)
            laid_f = after_f * (1.0 - keep)
        vacancies = np.maximum(jobs - after, 0.0)
        # candidates and hires, pro rata
        d = self.diaspora
        cand_ret_r = start["region"] * return_rate
        lat = self.latent
        lat_total = start["latent"]
        cand_dom = rowsum(domestic) if domestic_total is None else domestic_total
        cand_for = rowsum(foreign) if foreign_total is None else foreign_total
        cand_ret, cand_rec = rowsum(cand_ret_r), lat_total * recall_rate
        candidates = cand_dom + cand_for + cand_ret + cand_rec
        fill = np.minimum(vacancies / np.maximum(candidates, 1e-300), 1.0)
        f3 = fill[n3]
        returned = cand_ret_r * fill[:, None]  # (n, R) returnees hired from each region
        abroad = rowsum(start["region"])
        back_share = rowsum(returned) / np.maximum(abroad, 1e-300)  # of the whole diaspora
        tmp = hm  # scratch (n, Q, B)
        np.multiply(d, back_share[n3], out=tmp)
        aged += tmp
        # hired candidates join their entry bands (the other bands' candidates are 0)
        bands = range(domestic.shape[2]) if bands is None else bands
        hired_d, hired_f = domestic * f3, foreign * f3
        for e, b in enumerate(bands):
            aged[:, :, b] += hired_d[:, :, e]
            aged_f[:, :, b] += hired_f[:, :, e]
        # latent pool (nothing to do while it is empty and nobody enters it)
        exits_total = np.zeros_like(after)
        entries = cand_dom * (1.0 - fill)
        if entries.any() or laid is not None or lat_total.any():
            rec = recall_rate * fill
            lat_aged = lat * (1.0 - decay - rec)[n3]
            lat_retire = age_in_place(lat_aged)
            unhired = domestic * (1.0 - fill)[n3]
            for e, b in enumerate(bands):
                lat_aged[:, :, b] += unhired[:, :, e]
            if laid is not None:
                lat_aged += laid
            aged += lat * rec[n3]
            self.latent = lat_aged
            exits_total = lat_total * decay + rowsum(lat_retire)
        self.stock, self.foreign = aged, aged_f
        # diaspora: returnees leave, the rest ages (1/5 of each band moves up, the last band
        # retires abroad), then the year's Korean-born emigrants join. The regions share the
        # diaspora's qualification and age profile, so region r's retirement is its share of
        # those staying abroad times the retirement rate of the whole.
        d *= (1.0 - back_share)[n3]
        d_retire = age_in_place(d)
        retired = rowsum(d_retire)
        staying = start["region"] - returned
        stay_total = rowsum(staying)
        retired_abroad = staying * (retired / np.maximum(stay_total, 1e-300))[:, None]
        d += emig
        self.diaspora = d
        self.regions = staying - retired_abroad + em_k[:, None] * split
        by_q_k, by_q_f = rowsum(aged, 2), rowsum(aged_f, 2)
        region = self.regions
        latent_total = lat_total + entries + layoffs - cand_rec * fill - exits_total
        self.sums = {"korean": rowsum(by_q_k), "foreign": rowsum(by_q_f), "region": region,
                     "latent": latent_total}
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
            "returning_region": returned,
            "recalled": cand_rec * fill,
            "latent_entries": entries,
            "latent_exits": exits_total,
            "diaspora_retirement_region": retired_abroad,
            "by_q": by_q_k + by_q_f,
        }
