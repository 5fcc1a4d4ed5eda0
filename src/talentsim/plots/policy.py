"""Policy comparisons: scenarios against the base, cost per extra worker by lever."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
from .labels import MONEY
from .style import (
    FIGSIZE,
    axis_label,
    finish_axes,
    label_of,
    line_handle,
    metric_rows,
    new_axes,
    scenario_names,
    unit_for,
)

# ---------------------------------------------------------------- comparisons

#: years shown in the dot-and-whisker comparison (those inside the horizon)
COMPARE_YEARS = (2030, 2035, 2040, 2050)
YEAR_COLOURS = ("#56b4e9", "#0173b2", "#029e73", "#d55e00")


def comparison(comparison_frame: pd.DataFrame, metric: str = "ai_workforce", ax: Axes | None = None,
               *, base: str | None = None, years: Sequence[int] = COMPARE_YEARS) -> Axes:
    """Paired differences (scenario minus base, on common random numbers) of ``metric`` as a
    dot-and-whisker chart: one row per scenario, one marker per year (the median difference),
    a thick bar for the 50 % band and a whisker for the 90 % band (``comparison.csv``).

    Differences, not overlaid absolute bands: on common draws the difference is much tighter
    than either scenario's own band, and it is the policy's effect."""
    names = scenario_names(comparison_frame)
    have = set(metric_rows(comparison_frame, metric)["year"])
    years = [y for y in years if y in have] or sorted(have)[-1:]
    ax = new_axes(ax, (FIGSIZE[0], max(3.6, 0.75 * len(names) * max(1, len(years) / 3) + 2.0)))
    step = 0.8 / max(len(years), 1)
    for k, (year, colour) in enumerate(zip(years, YEAR_COLOURS * 3)):
        offset = -0.4 + step * (k + 0.5)
        for i, name in enumerate(names):
            row = metric_rows(comparison_frame, metric, name)
            row = row[row["year"] == year].iloc[0]
            y = len(names) - 1 - i + offset
            ax.plot([row["p05"], row["p95"]], [y, y], color=colour, linewidth=1.2)
            ax.plot([row["p25"], row["p75"]], [y, y], color=colour, linewidth=5, alpha=0.6,
                    solid_capstyle="butt")
            ax.plot([row["p50"]], [y], "o", color=colour, markersize=6, markeredgecolor="white")
    ax.axvline(0, color="black", linewidth=0.9)
    ax.set_yticks(range(len(names)), [f"{n}\nminus {base or 'base'}" for n in reversed(names)], fontsize=9)
    handles = [line_handle(c, f"{y}: median", linestyle="none", marker="o") for y, c in zip(years, YEAR_COLOURS * 3)]
    handles += [line_handle("0.4", "50 % band", linewidth=5, alpha=0.6), line_handle("0.4", "90 % band", linewidth=1.2)]
    ax.legend(handles=handles, loc="best", fontsize=8.5, framealpha=0.9)
    unit = unit_for(metric)
    finish_axes(ax, f"{label_of(metric)}: each scenario minus {base or 'the base'} "
                "(paired differences on common random numbers)", axis_label(metric, "difference in "),
                "scenario", unit, value_axis="x")
    ax.grid(False, axis="y")
    return ax


def lever_costs(levers_frame: pd.DataFrame, ax: Axes | None = None, *, base: str | None = None) -> Axes:
    """KRW bn per extra AI worker in 2035, one horizontal bar per scenario (``levers.csv``).

    The bar is ``krw_bn_per_extra_worker_2035`` = median extra spending to 2035 / median extra
    workers in 2035. The error bar divides the same spending by ``extra_workers_2035_p95`` and
    ``extra_workers_2035_p05``; when that 90 % band of extra workers includes zero the cost is
    unbounded and no error bar is drawn. Rows with no cost (NaN: under one extra worker) are
    skipped and named in the title.
    """
    f = levers_frame.reset_index(drop=True)
    has_cost = f["krw_bn_per_extra_worker_2035"].notna()
    skipped = f.loc[~has_cost, "scenario"].astype(str).tolist()
    f = f[has_cost].sort_values("krw_bn_per_extra_worker_2035", ascending=False)
    ax = new_axes(ax, (FIGSIZE[0], max(3.5, 0.55 * len(f) + 2.2)))
    spend = (f["krw_bn_per_extra_worker_2035"] * f["extra_workers_2035"]).to_numpy()
    cost, p05, p95 = (f[c].to_numpy(float) for c in
                      ("krw_bn_per_extra_worker_2035", "extra_workers_2035_p05", "extra_workers_2035_p95"))
    known = np.isfinite(p05) & np.isfinite(p95) & np.isfinite(spend)
    bounded = known & (np.sign(p05) == np.sign(p95)) & (p05 != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ends = np.where(bounded, np.vstack([spend / p05, spend / p95]), np.vstack([cost, cost]))
    lo, hi = ends.min(axis=0), ends.max(axis=0)
    y = np.arange(len(f))
    cut = spend < 0
    ax.barh(y, cost, color=np.where(cut, "#949494", "#0173b2"), height=0.6)
    ax.errorbar(cost, y, xerr=np.vstack([np.clip(cost - lo, 0, None), np.clip(hi - cost, 0, None)]),
                fmt="none", ecolor="black", elinewidth=1.2, capsize=4)
    for yi, c, h, unbounded in zip(y, cost, hi, known & ~bounded):
        ax.annotate(f"{c:,.2f}" + ("  (band of extra workers includes 0: unbounded)" if unbounded else ""),
                    (max(c, h, 0.0), yi), xytext=(6, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(y, [f"{n}\n(a cut: bn saved per worker lost)" if c else str(n)
                      for n, c in zip(f["scenario"], cut)])
    left, right = min(0.0, float(np.min(lo, initial=0.0))), max(0.0, float(np.max(hi, initial=0.0)))
    pad = 0.25 * (right - left) or 1.0
    ax.set_xlim(left - (0.05 * pad if left < 0 else 0.0), right + pad)
    handles = [line_handle("#0173b2", "median extra spending to 2035 / median extra workers 2035", linewidth=8),
               line_handle("black", "error bar: the same spending / 95 % and 5 % quantiles of extra workers",
                     linewidth=1.2, marker="|", markersize=8)]
    if not len(f):
        ax.text(0.5, 0.5, "no scenario has a cost per extra worker", transform=ax.transAxes, ha="center")
    if cut.any():
        handles.insert(1, line_handle("#949494", "a spending cut: KRW bn saved per worker lost", linewidth=8))
    ax.legend(handles=handles, loc="upper right", fontsize=8.5, framealpha=0.9)
    title = f"KRW bn per extra AI worker in 2035, each scenario vs {base or 'the base'}"
    if skipped:
        title += f"; skipped (no cost: under one extra worker): {', '.join(skipped)}"
    finish_axes(ax, title, f"cost per extra AI worker in 2035 ({MONEY}): extra spending to 2035 / extra workers",
            "scenario", "KRW bn", value_axis="x")
    ax.grid(False, axis="y")
    return ax
