"""The AI workforce: stocks by qualification and age band, retirement, attrition, emigration
and return, immigration, demand, shortage and the domestic AI pay premium.

Shapes: workforce stock (n, Q, B) with Q = (bachelor, master, phd) and B five-year age bands
20-24 ... 60-64; diaspora (n, Q); everything else (n,). All formulas are in docs/model.md.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass
class Workforce:
    stock: np.ndarray  # (n, Q, B) people, Fortran order (draw axis contiguous)
    diaspora: np.ndarray  # (n, Q) Korean AI workers abroad
    premium: np.ndarray  # (n,) domestic AI pay premium, fraction
    shortage_rate: np.ndarray  # (n,) shortage / demand in the previous year

    @property
    def total(self) -> np.ndarray:
        return rowsum(self.stock)

    def step(
        self,
        *,
        hazard: np.ndarray,
        multiplier: np.ndarray,
        attrition: np.ndarray,
        return_rate: np.ndarray,
        arrivals: np.ndarray,
        returnee_band: int,
    ) -> dict[str, np.ndarray]:
        """Advance one year; returns this year's flows.

        Parameters
        ----------
        hazard : (n,) emigration hazard at multiplier 1
        multiplier : (Q, B) hazard multiplier by qualification and age band
        attrition : (n,) yearly share leaving AI work for other work in Korea
        return_rate : (n,) share of the diaspora returning this year
        arrivals : (n, Q, B) graduates, reskilled workers and immigrants in their entry bands
        returnee_band : index of the age band returnees join

        Outflows act on the start-of-year stock. Of those who stay, 1/5 of each band ages into
        the next; ageing out of the last band (age 65) is retirement. Then arrivals and
        returnees join. stock(t) = stock(t-1) + arrivals + returnees - emigration - attrition
        - retirement; diaspora(t) = diaspora(t-1) + emigration - returnees.
        """
        w = self.stock
        emig = (w * hazard[:, None, None]) * multiplier[None, :, :]
        attr = w * attrition[:, None, None]
        stay = w - emig - attr
        moving = stay / BAND_YEARS
        retire = moving[:, :, -1]
        aged = stay - moving
        aged[:, :, 1:] += moving[:, :, :-1]
        returning = self.diaspora * return_rate[:, None]
        emig_q = rowsum(emig, 2)
        self.diaspora = self.diaspora + emig_q - returning
        aged += arrivals
        aged[:, :, returnee_band] += returning
        self.stock = aged
        return {
            "emigration_q": emig_q,
            "attrition": rowsum(attr),
            "retirement": rowsum(retire),
            "returning_q": returning,
        }
