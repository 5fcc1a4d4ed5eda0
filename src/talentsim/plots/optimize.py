"""Figures of lever economics and budget optimisation: tidy frame in, ``ax=None`` -> Axes out.

``marginal_costs``: ``marginal_costs.csv`` (talentsim levers); ``allocation``:
``allocation.csv`` and ``frontier``: ``frontier.csv`` (talentsim optimize). Nothing is computed
here: bands are the columns the frames carry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

MONEY = "KRW bn a year (constant 2024 won)"
OBJECTIVE_LABELS = {
    "worker_years": "mean extra AI worker-years, discounted (person-years)",
    "cvar": "extra AI worker-years of the worst draws (CVaR, discounted person-years)",
    "shortage_probability": "P(shortage above the threshold)",
}


def _axes(ax: Any, size: tuple[float, float] = (9.0, 5.5)) -> Axes:
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained").add_subplot()


def _name(lever: str) -> str:
    return lever.replace("_", " ")


def marginal_costs(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """KRW bn per extra discounted worker-year against the extra money, one line per lever;
    the error bars are the 5-95 % quantiles over draws with a positive effect."""
    ax = _axes(ax)
    for lever, rows in frame.groupby("lever", sort=True):
        rows = rows.sort_values("scale_krw_bn")
        y = rows["krw_bn_per_worker_year"].to_numpy(float)
        err = np.vstack([y - rows["krw_bn_per_worker_year_p05"], rows["krw_bn_per_worker_year_p95"] - y])
        ax.errorbar(rows["scale_krw_bn"], y, yerr=np.clip(err, 0, None), marker="o", capsize=3, label=_name(str(lever)))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"extra money on one lever, {MONEY}")
    ax.set_ylabel("KRW bn per extra AI worker-year (present values)")
    window = f"{int(frame['window_start'].iloc[0])}-{int(frame['window_end'].iloc[0])}" if len(frame) else ""
    rate = float(frame["discount_rate"].iloc[0]) if len(frame) else float("nan")
    ax.set_title(f"Marginal cost of an extra AI worker-year by lever and scale ({window}, discounted at {rate:.1%});\n"
                 "ratio of means, bars: 5-95 % of draws with a positive effect", fontsize=10)
    ax.legend(fontsize=8, ncols=2)
    ax.grid(True, which="both", alpha=0.3)
    return ax


def allocation(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """The chosen split: KRW bn a year per lever, with each lever's share written beside it."""
    f = frame.iloc[::-1]
    ax = _axes(ax, (9.0, max(3.0, 0.45 * len(f) + 1.8)))
    y = np.arange(len(f))
    ax.barh(y, f["krw_bn"], color="#0173b2", height=0.6)
    for yi, v, s in zip(y, f["krw_bn"], f["share"]):
        ax.annotate(f"{v:,.1f} ({s:.0%})", (v, yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(y, [_name(str(n)) for n in f["lever"]])
    ax.set_xlabel(f"extra money, {MONEY}")
    ax.set_xlim(0, max(1.0, float(f["krw_bn"].max())) * 1.25)
    ax.set_title(f"Optimised split of {f['krw_bn'].sum():,.0f} KRW bn a year across levers", fontsize=10)
    return ax


def frontier(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """The objective at the best split of each budget level, with its bootstrap 90 % band."""
    ax = _axes(ax)
    objective = str(frame["objective"].iloc[0]) if len(frame) else "worker_years"
    x = frame["budget_krw_bn"]
    ax.fill_between(x, frame["value_p05"], frame["value_p95"], alpha=0.3, color="#0173b2",
                    label="90 % band (bootstrap over draws)")
    ax.plot(x, frame["value"], marker="o", color="#0173b2", label="best split found")
    ax.set_xlabel(f"extra budget, {MONEY}")
    ax.set_ylabel(OBJECTIVE_LABELS.get(objective, objective))
    ax.set_title("Frontier: what the best split of each budget buys", fontsize=10)
    ax.legend(fontsize=9)
    ax.grid(True, alpha=0.3)
    return ax
