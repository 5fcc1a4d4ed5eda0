"""Lever economics: present values of extra spending and extra worker-years, draw by draw.

A lever's appraisal compares an alternative with a base on common random numbers. Over an
appraisal window ``t0..t1`` (default 2026-2050) at a social discount rate ``r`` (default 4.5 %,
the rate of Korea's public investment appraisals, KDI PIMAC), in draw ``i``:

    d(t)              = (1 + r) ** -(t - t0)                  for t0 <= t <= t1, else 0
    pv_cost[i]        = sum_t d(t) * (budget_spent_alt[i, t] - budget_spent_base[i, t])   KRW bn
    pv_worker_years[i]= sum_t d(t) * (ai_workforce_alt[i, t] - ai_workforce_base[i, t])   person-years

so money and workers in the window's first year count in full. Money is in the scenario's
price basis (constant 2024 won in the shipped scenarios).

The cost per extra worker-year ``pv_cost / pv_worker_years`` is undefined in a draw whose
extra worker-years are <= 0. The headline ``krw_bn_per_worker_year`` is therefore the ratio of
the means over all draws, ``mean(pv_cost) / mean(pv_worker_years)`` (NaN when the mean extra
worker-years are <= 0); its ``_p05/_p50/_p95`` are quantiles of the per-draw ratio over the
draws with a positive effect only, and ``share_positive_effect`` says how many those are.

Ranking: in each draw the alternatives that add money (pv_cost > 0 in every draw) are ranked by
extra worker-years per KRW bn (``pv_worker_years / pv_cost``, defined in every draw, the inverse
of the cost per worker-year where that is defined); rank 1 is the most worker-years per won.
``p_best`` is the share of draws in which an alternative ranks first.

>>> present_value(np.array([[100.0, 100.0, 100.0]]), np.array([2025, 2026, 2027]), 0.5, (2026, 2027))
array([166.66666667])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..results import Run

#: Korea's social discount rate for public investment appraisals (KDI PIMAC), a fraction
DEFAULT_RATE = 0.045
#: the default appraisal window (first and last year, inclusive)
DEFAULT_WINDOW = (2026, 2050)
#: below this best P(best), the top levers cannot be told apart
SEPARATION = 0.8

ECONOMICS_COLUMNS = [
    "discount_rate", "window_start", "window_end",
    "pv_cost_krw_bn", "pv_cost_krw_bn_p05", "pv_cost_krw_bn_p50", "pv_cost_krw_bn_p95",
    "pv_worker_years", "pv_worker_years_p05", "pv_worker_years_p50", "pv_worker_years_p95",
    "krw_bn_per_worker_year", "krw_bn_per_worker_year_p05", "krw_bn_per_worker_year_p50",
    "krw_bn_per_worker_year_p95", "share_positive_effect",
]
RANK_COLUMNS = ["scenario", "rank", "probability"]


def resolve_window(window: tuple[int, int] | None, years: Sequence[int]) -> tuple[int, int] | None:
    """The appraisal window to use for a run over ``years``.

    ``None`` takes :data:`DEFAULT_WINDOW` cut to the horizon (``None`` back when nothing of it
    is left, e.g. a backcast ending before 2026). A window given explicitly must lie inside the
    horizon and have start <= end; otherwise ``ValueError`` says so.
    """
    first, last = int(years[0]), int(years[-1])
    if window is None:
        start, end = max(DEFAULT_WINDOW[0], first), min(DEFAULT_WINDOW[1], last)
        return (start, end) if start <= end else None
    start, end = (int(w) for w in window)
    if start > end:
        raise ValueError(f"window: start must be <= end (got {start}-{end})")
    if start < first or end > last:
        raise ValueError(f"window: {start}-{end} must lie inside the horizon {first}-{last}")
    return start, end


def discount_factors(years: Sequence[int] | np.ndarray, rate: float, window: tuple[int, int]) -> np.ndarray:
    """(Y,) weights ``(1 + rate) ** -(t - window[0])`` inside the window, 0 outside."""
    if not rate > -1:
        raise ValueError(f"discount rate must be > -1 (got {rate})")
    t = np.asarray(years, dtype=float)
    inside = (t >= window[0]) & (t <= window[1])
    return np.where(inside, (1.0 + rate) ** -(t - window[0]), 0.0)


def present_value(values: np.ndarray, years: Sequence[int] | np.ndarray, rate: float,
                  window: tuple[int, int]) -> np.ndarray:
    """Present value at ``window[0]`` of yearly ``values`` (..., Y): shape (...,)."""
    return np.asarray(values, dtype=float) @ discount_factors(years, rate, window)


def paired_present_values(base: Run, alt: Run, rate: float, window: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Per-draw ``(pv_cost_krw_bn, pv_worker_years)`` of ``alt`` against ``base``, each (n,)."""
    years = base.years
    cost = present_value(alt["budget_spent"] - base["budget_spent"], years, rate, window)
    workers = present_value(alt["ai_workforce"] - base["ai_workforce"], years, rate, window)
    return cost, workers


def _q(x: np.ndarray, q: float) -> float:
    return float(np.quantile(x, q)) if x.size else np.nan


def appraise(cost: np.ndarray, worker_years: np.ndarray) -> dict[str, float]:
    """Means, quantiles and the cost per worker-year of per-draw present values (see module doc)."""
    positive = worker_years > 0
    ratio = cost[positive] / worker_years[positive]
    mean_wy = float(worker_years.mean())
    row = {
        "pv_cost_krw_bn": float(cost.mean()),
        **{f"pv_cost_krw_bn_p{q:02d}": _q(cost, q / 100) for q in (5, 50, 95)},
        "pv_worker_years": mean_wy,
        **{f"pv_worker_years_p{q:02d}": _q(worker_years, q / 100) for q in (5, 50, 95)},
        "krw_bn_per_worker_year": float(cost.mean()) / mean_wy if mean_wy > 0 else np.nan,
        **{f"krw_bn_per_worker_year_p{q:02d}": _q(ratio, q / 100) for q in (5, 50, 95)},
        "share_positive_effect": float(positive.mean()),
    }
    return row


def no_economics(rate: float) -> dict[str, float]:
    """The economics columns when no appraisal window fits the horizon (all NaN)."""
    return dict.fromkeys(ECONOMICS_COLUMNS, np.nan) | {"discount_rate": rate}


def rank_alternatives(names: Sequence[str], costs: Sequence[np.ndarray],
                      worker_years: Sequence[np.ndarray]) -> tuple[dict[str, float], dict[str, float], pd.DataFrame]:
    """``(p_best, mean_rank, ranks)`` over the alternatives that add money in every draw.

    In each draw, rank 1 has the most extra worker-years per KRW bn. ``ranks`` is the long
    frame :data:`RANK_COLUMNS`: the share of draws in which each alternative takes each rank.
    Alternatives that do not add money in every draw (cuts, no extra spending) are left out:
    their ``p_best`` and ``mean_rank`` are NaN.
    """
    eligible = [k for k, c in enumerate(costs) if c.size and np.all(c > 0)]
    p_best = dict.fromkeys(names, np.nan)
    mean_rank = dict.fromkeys(names, np.nan)
    if not eligible:
        return p_best, mean_rank, pd.DataFrame(columns=RANK_COLUMNS)
    per_bn = np.stack([worker_years[k] / costs[k] for k in eligible])  # (A, n)
    order = np.argsort(-per_bn, axis=0, kind="stable")  # ties: the earlier alternative first
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, len(eligible) + 1)[:, None], axis=0)
    rows = []
    for j, k in enumerate(eligible):
        p_best[names[k]] = float((ranks[j] == 1).mean())
        mean_rank[names[k]] = float(ranks[j].mean())
        for r in range(1, len(eligible) + 1):
            rows.append({"scenario": names[k], "rank": r, "probability": float((ranks[j] == r).mean())})
    return p_best, mean_rank, pd.DataFrame(rows, columns=RANK_COLUMNS)


def separation_note(levers: pd.DataFrame, threshold: float = SEPARATION) -> str | None:
    """A sentence when the best alternative is best in fewer than ``threshold`` of the draws."""
    ranked = levers.dropna(subset=["p_best"]).sort_values("p_best", ascending=False)
    if len(ranked) < 2 or ranked["p_best"].iloc[0] >= threshold:
        return None
    top = ", ".join(f"{s} {p:.0%}" for s, p in zip(ranked["scenario"], ranked["p_best"]) if p > 0)
    return (f"The top levers cannot be separated: none buys the most discounted worker-years per won "
            f"in {threshold:.0%} of draws or more (P(best): {top}); treat their ranking as uncertain.")
