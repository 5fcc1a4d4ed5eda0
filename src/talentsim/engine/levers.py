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
    out = np.zeros((n, y), order="F")  # draw axis contiguous: its (Y, n) rows are a free view
    for r in range(ramp_years):
        shift = lag_years + r
        if shift < y:
            out[:, shift:] += bought[:, : y - shift]
    return out / ramp_years


# ---------------------------------------------------------------- price basis
def real_spending(krw_bn: np.ndarray, deflator: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Nominal spending (n, Y) in constant prices of the base year: ``krw_bn x base / deflator``
    with ``deflator`` (n, Y) the price index of each year and ``base`` (n,) its base-year value
    (so the index need not be 1 in the base year)."""
    return krw_bn * (base[:, None] / deflator)


def unit_cost_path(cost: np.ndarray, growth: np.ndarray, years: np.ndarray, base_year: int) -> np.ndarray:
    """(n, Y) real unit cost: ``cost x (1 + growth) ** (year - base_year)`` (cost and growth (n,)).

    Consecutive years are grown one year at a time from the base year (or the nearest year to
    it): one multiplication or division per year instead of a power, the same values to a few
    ulps (a power per (draw, year) was 5 % of the engine's time)."""
    years = np.asarray(years)
    factor = 1.0 + np.asarray(growth, dtype=float)
    if years.size < 2 or np.any(np.diff(years) != 1):
        return cost[:, None] * factor[:, None] ** (years[None, :] - base_year)
    out = np.empty((years.size, np.broadcast_shapes(np.shape(cost), factor.shape)[0]))  # (Y, n) rows
    a = int(np.clip(base_year - years[0], 0, years.size - 1))  # the anchor: the base year if simulated
    out[a] = cost * factor ** (years[a] - base_year)  # the base year: cost x 1.0 exactly
    for j in range(a + 1, years.size):
        np.multiply(out[j - 1], factor, out=out[j])
    for j in range(a - 1, -1, -1):
        np.divide(out[j + 1], factor, out=out[j])
    return out.T


# ---------------------------------------------------------------- source pools
def pool_draw(x: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """People drawn from a pool of size ``pool`` by an effort worth ``x`` people at an unlimited
    pool: ``pool x (1 - exp(-x / pool))``; 0 for an empty pool. Never more than the pool, never
    more than ``x``; the first people cost least (diminishing returns)."""
    if not np.any(x):  # no effort (a lever not yet funded): nobody, without the exponentials
        return np.zeros(np.broadcast_shapes(np.shape(x), np.shape(pool)))
    safe = np.maximum(pool, 1e-300)
    return np.where(pool > 0, safe * -np.expm1(-x / safe), 0.0)


def pool_year(
    stock: np.ndarray, suitable_share: np.ndarray, converting: np.ndarray, wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """This year's draws on the pool of other-field engineers (the reskilling pool), each (n,).

    ``stock`` S at the start of the year, ``converting`` = effect x trainees (people the
    reskilling courses would convert from an unlimited pool), ``wanted`` = the AI graduate
    schools' outside applicants at an unlimited pool (places x outside_per_place). With
    P = suitable_share x S the year's suitable candidates (able and willing to move into AI):

        converted = P (1 - exp(-converting / P))                     reskilled first
        outside   = (P - converted) (1 - exp(-wanted / (P - converted)))   then applicants

    Returns ``(suitable, converted, outside)``: never more than P together.

    >>> s, c, o = pool_year(np.array([1000.0]), np.array([0.1]), np.array([50.0]), np.array([20.0]))
    >>> [round(float(v), 3) for v in (s[0], c[0], o[0])]
    [100.0, 39.347, 17.037]
    """
    suitable = suitable_share * stock
    converted = pool_draw(converting, suitable)
    return suitable, converted, pool_draw(wanted, suitable - converted)


def pool_end(
    stock: np.ndarray, converted: np.ndarray, admitted: np.ndarray, exit_rate: np.ndarray, inflow: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The pool at the end of the year, each (n,): the ``converted`` and the outside applicants
    ``admitted`` to an AI graduate school leave it, then ``exits = exit_rate x (S - converted -
    admitted)`` leave for other reasons and ``inflow`` joins: ``S' = S - converted - admitted -
    exits + inflow``. Returns ``(exits, S')``.

    >>> pool_end(np.array([1000.0]), np.array([30.0]), np.array([10.0]), np.array([0.05]), np.array([40.0]))
    (array([48.]), array([952.]))
    """
    exits = exit_rate * (stock - converted - admitted)
    return exits, stock - converted - admitted - exits + inflow


def visa_recruits(
    offers: np.ndarray, pool: np.ndarray | None, attract: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Talent-visa recruits this year and the pool they come from, each (n,).

    ``offers`` = visa offers x effect (recruits at an unlimited pool), ``pool`` (n,) foreign AI
    workers a year willing to consider Korea at the reference pay (None: unlimited, reported as
    0), ``attract``
    = A ** elasticity, Korea's AI pay against pay at home (as for immigrants). The pool is
    V = pool x attract and recruits = attract x pool x (1 - exp(-offers / pool)) = V (1 - exp(-offers
    x attract / V)): never more than V, and linear (offers x attract) while offers << pool.
    """
    if pool is None:
        return offers * attract, np.zeros_like(attract)  # no pool: reported as 0
    return attract * pool_draw(offers, pool), pool * attract
