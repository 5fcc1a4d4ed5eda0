"""Budget lines -> units a policy lever buys. Pure functions on (draw, year) arrays.

For a lever with cost c per unit (KRW bn), lag L years, ramp-up R years and optional cap C:

    x(t)     = budget(t) / c                         units the year's money pays for
    f(x)     = x                       (no cap)      constant returns
             = C * (1 - exp(-x / C))   (cap C)       diminishing returns, never above C
    units(t) = (1/R) * sum_{r=0}^{R-1} f(x(t - L - r))

so money spent in year s starts to act in s + L and reaches full effect after R years (a new
programme ramping up), doubling the budget doubles the units when there is no cap, and a lag
shifts the whole effect by exactly L years.
"""

from __future__ import annotations

import numpy as np


def line_spending(
    krw_bn: np.ndarray, years: np.ndarray, first_year: int | None, last_year: int | None
) -> np.ndarray:
    """A budget line's spending (KRW bn per year, (n, Y)): zero outside first..last year."""
    active = np.ones(years.size, dtype=bool)
    if first_year is not None:
        active &= years >= first_year
    if last_year is not None:
        active &= years <= last_year
    return np.where(active[None, :], krw_bn, 0.0)


def diminishing(x: np.ndarray, cap: np.ndarray | None) -> np.ndarray:
    """f(x) = x without a cap; cap * (1 - exp(-x / cap)) with one (cap broadcast per draw)."""
    if cap is None:
        return x
    cap = np.asarray(cap, dtype=float)
    cap = cap.reshape(cap.shape + (1,) * (x.ndim - cap.ndim))
    return cap * -np.expm1(-x / cap)


def lever_units(
    budget_krw_bn: np.ndarray,
    cost_per_unit_krw_bn: np.ndarray,
    *,
    lag_years: int = 0,
    ramp_years: int = 1,
    cap_units: np.ndarray | None = None,
) -> np.ndarray:
    """Units in effect each year, shape like ``budget_krw_bn`` (n, Y).

    Parameters
    ----------
    budget_krw_bn : (n, Y) spending per year, KRW bn
    cost_per_unit_krw_bn : (n,) or (n, Y) cost of one unit, KRW bn
    lag_years : years between spending and effect
    ramp_years : years over which one year's spending reaches full effect
    cap_units : (n,) or None; the most units the lever can ever deliver

    Examples
    --------
    >>> lever_units(np.array([[10.0, 10.0, 0.0, 0.0]]), np.array([2.0]), lag_years=1)
    array([[0., 5., 5., 0.]])
    """
    cost = np.asarray(cost_per_unit_krw_bn, dtype=float)
    if cost.ndim == 1:
        cost = cost[:, None]
    bought = diminishing(budget_krw_bn / cost, cap_units)
    n, y = bought.shape
    out = np.zeros((n, y))
    for r in range(ramp_years):
        shift = lag_years + r
        if shift < y:
            out[:, shift:] += bought[:, : y - shift]
    return out / ramp_years
