"""Figures of talentsim results: tidy summary frames in, matplotlib Axes out.

Every plot function takes a tidy frame (``summary.csv``, ``comparison.csv``, ``levers.csv``,
``sensitivity.csv`` or ``variance_shares.csv`` as written by the CLI) and ``ax=None``, draws on
``ax`` (a new figure when None) and returns the Axes. They only draw: the quantiles come from
the frame, never from draws. matplotlib and seaborn are imported inside the functions, so
``import talentsim`` never pulls them in.

Bands: the darker band is the 50 % band (p25-p75), the lighter one the 90 % band (p05-p95),
the line the median (p50).

>>> import talentsim as ts                                                # doctest: +SKIP
>>> summary = ts.summarize(ts.simulate(scenario, draws))                  # doctest: +SKIP
>>> ts.plots.fan_chart(summary, "ai_workforce")                           # doctest: +SKIP
>>> ts.plots.plot_results_dir("results/baseline")  # results/baseline/figures/*.png, *.svg
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .results import METRICS, unit_of

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

FIGSIZE = (10.0, 5.6)
DPI = 110
#: (low column, high column, fill alpha, legend text); drawn widest first
BANDS = (("p05", "p95", 0.16, "90 % band (5-95 %)"), ("p25", "p75", 0.30, "50 % band (25-75 %)"))
UNIT_TEXT = {"people/yr": "people per year", "KRW bn/yr": "KRW bn per year", "places/yr": "places per year",
             "units/yr": "units per year", "fraction/yr": "fraction per year"}
SHORT_MEANING = {"shortage_probability": "probability of an AI labour shortage (demand > AI workforce)"}
#: published 18-year-old counts the demography is anchored to (docs/model.md §2)
ANCHORS_18 = {2011: 706_000, 2023: 443_000}
#: at most this many scenarios' bands in one fan chart; comparison figures hold this many each
MAX_BANDED = 4
PIPELINE = (("ai_track_entrants", "AI-track entrants"), ("grads_bachelor", "bachelor's graduates"),
            ("grads_master", "master's graduates"), ("grads_phd", "PhD graduates"),
            ("inflow_graduates", "graduates taking Korean AI jobs"))
INFLOWS = (("inflow_graduates", "graduates", "#0173b2"), ("inflow_reskilled", "reskilled", "#56b4e9"),
           ("inflow_immigrants", "immigrants", "#029e73"), ("inflow_returnees", "returnees", "#8fd1b4"))
OUTFLOWS = (("emigration", "emigration", "#d55e00"), ("retirement", "retirement", "#949494"),
            ("attrition", "attrition to non-AI work", "#de8f05"))


# ---------------------------------------------------------------- helpers (drawing only)

def _axes(ax: Axes | None, size: tuple[float, float] = FIGSIZE) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure(figsize=size, layout="constrained").add_subplot()


def _palette(n: int) -> list:
    import seaborn as sns

    # colour-blind safe up to 10 series, then evenly spaced hues so that no colour repeats
    return list(sns.color_palette("colorblind" if n <= 10 else "husl", max(n, 1)))


def _unit(metric: str) -> str:
    return unit_of(metric)


def _unit_text(unit: str) -> str:
    return UNIT_TEXT.get(unit, unit) or "value"


def _meaning(metric: str) -> str:
    return SHORT_MEANING.get(metric) or METRICS.get(metric, ("", metric))[1]


def _names(frame: pd.DataFrame) -> list[str]:
    return [str(s) for s in dict.fromkeys(frame["scenario"])] if "scenario" in frame else []


def _one_scenario(frame: pd.DataFrame, scenario: str | None) -> tuple[str, pd.DataFrame]:
    names = _names(frame)
    if scenario is None:
        if len(names) != 1:
            raise ValueError(f"the frame holds {len(names)} scenarios ({', '.join(names)}); "
                             "pass scenario=NAME to choose one")
        scenario = names[0]
    return scenario, frame[frame["scenario"] == scenario]


def _rows(frame: pd.DataFrame, metric: str, scenario: str | None = None) -> pd.DataFrame:
    rows = frame[frame["metric"] == metric]
    if scenario is not None:
        rows = rows[rows["scenario"] == scenario]
    if rows.empty:
        known = sorted(map(str, frame["metric"].unique()))
        hint = difflib.get_close_matches(metric, known, n=1)
        where = f" for scenario '{scenario}'" if scenario is not None else ""
        raise ValueError(f"metric '{metric}' is not in the frame{where}"
                         + (f"; did you mean '{hint[0]}'?" if hint else f"; it has: {', '.join(known[:12])}"
                            + (", ..." if len(known) > 12 else "")))
    return rows.sort_values("year")


def _format_values(axis: Any, unit: str) -> None:
    """Percent for probabilities and fractions, thousands separators for everything else."""
    from matplotlib import ticker

    if unit in ("probability", "fraction", "fraction/yr", "share"):
        axis.set_major_formatter(ticker.PercentFormatter(1.0))
    else:
        axis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{x + 0.0:,.10g}".replace("-", "\u2212")))


def _finish(ax: Axes, title: str, xlabel: str, ylabel: str, unit: str | None = None,
            value_axis: str = "y") -> Axes:
    from matplotlib import ticker

    ax.set_title(textwrap.fill(title, 95), loc="left", fontsize=11.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if unit is not None:
        _format_values(ax.yaxis if value_axis == "y" else ax.xaxis, unit)
    if xlabel == "year":
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.grid(True, alpha=0.3, linewidth=0.6)
    ax.tick_params(labelsize=9)
    return ax


def _fan(ax: Axes, rows: pd.DataFrame, colour: Any, linestyle: str = "-", bands: Sequence = BANDS) -> None:
    x = rows["year"].to_numpy()
    for lo, hi, alpha, _ in bands:
        ax.fill_between(x, rows[lo].to_numpy(), rows[hi].to_numpy(), color=colour, alpha=alpha, linewidth=0)
    ax.plot(x, rows["p50"].to_numpy(), color=colour, linewidth=2.2, linestyle=linestyle)


def _band_handles(colour: Any = "0.35", bands: Sequence = BANDS) -> list:
    from matplotlib.patches import Patch

    # the 50 % band is drawn over the 90 % one, so its legend patch shows both alphas combined
    shown, out = 0.0, []
    for _, _, alpha, text in bands:
        shown = 1 - (1 - shown) * (1 - alpha)
        out.append(Patch(facecolor=colour, alpha=shown, linewidth=0, label=text))
    return out


def _line(colour: Any, label: str, **kw: Any) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], color=colour, linewidth=kw.pop("linewidth", 2.2), label=label, **kw)


# ---------------------------------------------------------------- run summaries

def fan_chart(summary: pd.DataFrame, metric: str, ax: Axes | None = None,
              scenarios: Sequence[str] | None = None) -> Axes:
    """Median, 50 % and 90 % bands of ``metric`` over the years, one colour per scenario.

    ``summary``: ``scenario, metric, year, p05, p25, p50, p75, p95`` (several scenarios may be
    concatenated; ``scenarios`` picks and orders them, default all in order of appearance).
    With more than :data:`MAX_BANDED` scenarios only the first one's bands are drawn (the
    legend says so), as overlapping bands would hide each other.
    """
    names = _names(summary) if scenarios is None else list(scenarios)
    ax = _axes(ax)
    many = len(names) > MAX_BANDED
    colours = ["0.15", *_palette(len(names) - 1)] if many else _palette(len(names))
    banded = names[:1] if many else names
    flat = []
    for name, colour in zip(names, colours):
        rows = _rows(summary, metric, name)
        _fan(ax, rows, colour, bands=BANDS if name in banded else ())
        width = (rows["p95"] - rows["p05"]).abs().max()
        flat.append(bool(width <= 1e-9 * max(1.0, rows["p50"].abs().max())))
    unit = _unit(metric)
    if len(names) == 1 or many:
        handles = [_line(c, f"{n}: median") for n, c in zip(names, colours)] + _band_handles(colours[0])
    else:
        handles = [_line(c, f"{n}: median") for n, c in zip(names, colours)] + _band_handles()
    if many:
        handles.append(_line("none", f"bands: {names[0]} only ({len(names)} scenarios)"))
    if any(flat):
        which = ("" if len(names) == 1 else " (every scenario)" if all(flat)
                 else f" ({', '.join(n for n, f in zip(names, flat) if f)})")
        handles.append(_line("none", f"no uncertainty{which}: the bands have zero width"))
    if many:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)
    else:
        ax.legend(handles=handles, loc="best", fontsize=9, framealpha=0.9)
    who = f"{names[0]} and {len(names) - 1} other scenarios" if many else ", ".join(names)
    return _finish(ax, f"{who}: {_meaning(metric)}", "year", f"{metric} ({_unit_text(unit)})", unit)


def demography(summary: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None) -> Axes:
    """Live births (shipped Statistics Korea data, then the run's projection) and 18-year-olds
    (births 18 years earlier before the run, then the run's ``cohort18``), with the published
    2011 and 2023 counts of 18-year-olds marked.

    The projected births are the run's ``births_18_years_before`` placed at the birth year
    (year - 18), for birth years after the last data year.
    """
    from .demography import births_data

    scenario, s = _one_scenario(summary, scenario)
    ax = _axes(ax)
    data = births_data()
    first, last = int(data.index.min()), int(data.index.max())
    births_c, c18_c = "#555555", "#0173b2"
    ax.plot(data.index, data.to_numpy(), color=births_c, linewidth=2)
    handles = [_line(births_c, f"live births, Statistics Korea ({first}-{last})")]
    births = _rows(s, "births_18_years_before").assign(year=lambda f: f["year"] - 18)
    projected = births[births["year"] > last]
    if not projected.empty:
        _fan(ax, projected, births_c, linestyle="--")
        ax.plot([last, projected["year"].iloc[0]], [data.loc[last], projected["p50"].iloc[0]],
                color=births_c, linewidth=2.2, linestyle="--")
        handles.append(_line(births_c, "live births, projected: median", linestyle="--"))
    cohort = _rows(s, "cohort18")
    start = int(cohort["year"].min())
    before = data[data.index + 18 < start]
    if not before.empty:
        ax.plot(before.index + 18, before.to_numpy(), color=c18_c, linewidth=1.6, linestyle=":")
        handles.append(_line(c18_c, f"18-year-olds before {start}: births 18 years earlier", linestyle=":",
                             linewidth=1.6))
    _fan(ax, cohort, c18_c)
    handles.append(_line(c18_c, f"18-year-olds ({scenario}): median"))
    ax.scatter(list(ANCHORS_18), list(ANCHORS_18.values()), marker="D", s=40, color="#d55e00", zorder=5)
    for (year, value), offset in zip(ANCHORS_18.items(), ((12, 16), (18, 50))):
        ax.annotate(f"{value:,} 18-year-olds ({year})", (year, value), xytext=offset,
                    textcoords="offset points", fontsize=9, color="#a03c00",
                    arrowprops={"arrowstyle": "-", "color": "#a03c00", "linewidth": 0.8})
    handles.append(_line("#d55e00", "published count of 18-year-olds", linestyle="none", marker="D"))
    handles += _band_handles()
    ax.set_ylim(0, max(float(data.max()), float(cohort["p95"].max())) * 1.12)
    ax.legend(handles=handles, loc="lower left", fontsize=8.5, framealpha=0.9)
    return _finish(ax, f"{scenario}: live births and 18-year-olds, history and projection", "year",
                   "people (births per year; 18-year-olds)", "people")


def pipeline(summary: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None) -> Axes:
    """Medians (and 90 % bands) over time of the stages from AI-track entrants to graduates by
    degree to graduates taking AI jobs, on a log scale so that PhDs and entrants both show."""
    from matplotlib import ticker

    scenario, s = _one_scenario(summary, scenario)
    ax = _axes(ax)
    present = [(m, label) for m, label in PIPELINE if m in set(s["metric"])]
    colours = _palette(len(present))
    for (metric, _), colour in zip(present, colours):
        _fan(ax, _rows(s, metric), colour, bands=BANDS[:1])
    handles = [_line(c, f"{label}: median") for (_, label), c in zip(present, colours)]
    ax.set_yscale("log")
    ax.legend(handles=handles + _band_handles(bands=BANDS[:1]), loc="upper left", bbox_to_anchor=(1.0, 1.0),
              fontsize=9)
    _finish(ax, f"{scenario}: the pipeline from AI-track entrants to graduates to AI jobs", "year",
            "people per year (log scale)", "people/yr")
    ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    return ax


def flows(summary: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None) -> Axes:
    """Stacked median inflows (above zero) and outflows (below zero) of the AI workforce per
    year, and their net (the sum of the medians shown, not the median of the net)."""
    scenario, s = _one_scenario(summary, scenario)
    ax = _axes(ax)
    names = [m for m, _, _ in INFLOWS + OUTFLOWS]
    for m in names:
        _rows(s, m)  # a clear error if a flow is missing
    wide = s[s["metric"].isin(names)].pivot(index="year", columns="metric", values="p50").sort_index()
    years = wide.index.to_numpy()
    for group, sign in ((INFLOWS, 1.0), (OUTFLOWS, -1.0)):
        bottom = np.zeros(len(years))
        for metric, label, colour in group:
            height = sign * wide[metric].to_numpy()
            ax.bar(years, height, bottom=bottom, width=0.8, color=colour,
                   label=f"{'in' if sign > 0 else 'out'}: {label}")
            bottom = bottom + height
    net = wide[[m for m, _, _ in INFLOWS]].sum(axis=1) - wide[[m for m, _, _ in OUTFLOWS]].sum(axis=1)
    ax.plot(years, net.to_numpy(), color="black", marker="o", markersize=3, linewidth=1.5,
            label="net (sum of the medians)")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, framealpha=0.9)
    return _finish(ax, f"{scenario}: flows into (+) and out of (-) the AI workforce, medians", "year",
                   "people per year", "people/yr")


def shortage(summary: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """P(shortage > 0) per year: the ``mean`` of ``shortage_probability`` (share of draws with
    demand above the AI workforce), one line per scenario."""
    names = _names(summary)
    ax = _axes(ax)
    styles = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"))  # lines at 100 % often coincide
    for i, (name, colour) in enumerate(zip(names, _palette(len(names)))):
        rows = _rows(summary, "shortage_probability", name)
        line, marker = styles[i % len(styles)]
        ax.plot(rows["year"], rows["mean"], color=colour, linestyle=line, marker=marker, markersize=4,
                linewidth=2, label=f"{name}: P(shortage > 0)")
    ax.set_ylim(-0.03, 1.03)
    ax.legend(loc="best", fontsize=9, framealpha=0.9)
    return _finish(ax, f"{', '.join(names)}: {_meaning('shortage_probability')}", "year",
                   "P(shortage > 0): share of draws (probability)", "probability")


def supply_demand(summary: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None) -> Axes:
    """AI labour demand against the AI workforce (supply), medians with 50 % and 90 % bands."""
    scenario, s = _one_scenario(summary, scenario)
    ax = _axes(ax)
    series = (("demand", "AI labour demand", "#d55e00"), ("ai_workforce", "AI workforce (supply)", "#0173b2"))
    for metric, _, colour in series:
        _fan(ax, _rows(s, metric), colour)
    handles = [_line(c, f"{label}: median") for _, label, c in series] + _band_handles()
    ax.legend(handles=handles, loc="upper left", fontsize=9, framealpha=0.9)
    return _finish(ax, f"{scenario}: AI labour demand against the AI workforce", "year", "people", "people")


# ---------------------------------------------------------------- comparisons

def comparison(comparison_frame: pd.DataFrame, metric: str = "ai_workforce", ax: Axes | None = None,
               *, base: str | None = None) -> Axes:
    """Paired differences (scenario minus base, on common random numbers) of ``metric``:
    median and 50 % / 90 % bands of the difference per scenario (``comparison.csv``)."""
    names = _names(comparison_frame)
    ax = _axes(ax)
    colours = _palette(len(names))
    for name, colour in zip(names, colours):
        _fan(ax, _rows(comparison_frame, metric, name), colour)
    ax.axhline(0, color="black", linewidth=0.8)
    handles = [_line(c, f"{n} minus {base or 'base'}: median") for n, c in zip(names, colours)]
    ax.legend(handles=handles + _band_handles(), loc="best", fontsize=9, framealpha=0.9)
    unit = _unit(metric)
    return _finish(ax, f"{', '.join(names)} minus {base or 'the base'}: {_meaning(metric)} "
                   "(paired differences on common random numbers)", "year",
                   f"difference in {metric} ({_unit_text(unit)})", unit)


def lever_costs(levers_frame: pd.DataFrame, ax: Axes | None = None, *, base: str | None = None) -> Axes:
    """KRW bn per extra AI worker in 2035, one horizontal bar per scenario (``levers.csv``).

    The bar is ``krw_bn_per_extra_worker_2035`` = median extra spending to 2035 / median extra
    workers in 2035. The error bar divides the same spending by ``extra_workers_2035_p95`` and
    ``extra_workers_2035_p05``; when that 90 % band of extra workers includes zero the cost is
    unbounded and no error bar is drawn. Rows with no cost (NaN: under one extra worker) are
    skipped and named in the title.
    """
    f = levers_frame.reset_index(drop=True)
    cost = f["krw_bn_per_extra_worker_2035"]
    skipped = f.loc[cost.isna(), "scenario"].astype(str).tolist()
    f = f[cost.notna()].sort_values("krw_bn_per_extra_worker_2035", ascending=False)
    ax = _axes(ax, (FIGSIZE[0], max(3.5, 0.55 * len(f) + 2.2)))
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
    handles = [_line("#0173b2", "median extra spending to 2035 / median extra workers 2035", linewidth=8),
               _line("black", "error bar: the same spending / 95 % and 5 % quantiles of extra workers",
                     linewidth=1.2, marker="|", markersize=8)]
    if not len(f):
        ax.text(0.5, 0.5, "no scenario has a cost per extra worker", transform=ax.transAxes, ha="center")
    if cut.any():
        handles.insert(1, _line("#949494", "a spending cut: KRW bn saved per worker lost", linewidth=8))
    ax.legend(handles=handles, loc="upper right", fontsize=8.5, framealpha=0.9)
    title = f"KRW bn per extra AI worker in 2035, each scenario vs {base or 'the base'}"
    if skipped:
        title += f"; skipped (no cost: under one extra worker): {', '.join(skipped)}"
    _finish(ax, title, "KRW bn per extra AI worker in 2035 (cumulative extra spending to 2035 / extra workers)",
            "scenario", "KRW bn", value_axis="x")
    ax.grid(False, axis="y")
    return ax


# ---------------------------------------------------------------- sensitivity

def _sens(frame: pd.DataFrame, needed: Sequence[str], metric: str | None, year: int | None,
          scenario: str | None) -> tuple[pd.DataFrame, str, str]:
    rows = frame.dropna(subset=list(needed))
    if metric is not None:
        rows = rows[rows["metric"] == metric]
    if year is not None:
        rows = rows[rows["year"] == year]
    if rows.empty:
        raise ValueError(f"no rows with {', '.join(needed)} for metric={metric} year={year} in the frame")
    metric = metric or str(rows["metric"].iloc[0])
    rows = rows[rows["metric"] == metric]
    if scenario is None:
        scenario = _names(frame)[0] if "scenario" in frame else "scenario"
    return rows, metric, scenario


def tornado(sensitivity_frame: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None,
            metric: str | None = None, max_inputs: int = 15, center: float | None = None) -> Axes:
    """One-at-a-time sensitivity: for each input, a bar from the output at the input's low value
    to the output at its high value (``low``, ``high``), largest ``|swing|`` on top, coloured by
    input group. ``center`` (e.g. the base median) draws a reference line."""
    rows, metric, scenario = _sens(sensitivity_frame, ("low", "high"), metric, None, scenario)
    year = int(rows["year"].iloc[0])
    rows = rows[rows["year"] == year]
    swing = rows["swing"].abs().fillna((rows["high"] - rows["low"]).abs())
    rows = rows.assign(_s=swing).sort_values("_s", ascending=False).head(max_inputs).iloc[::-1]
    ax = _axes(ax, (FIGSIZE[0], max(3.5, 0.38 * len(rows) + 2.0)))
    groups = list(dict.fromkeys(rows["group"].fillna("other").astype(str)))
    colour = dict(zip(groups, _palette(len(groups))))
    y = np.arange(len(rows))
    low, high = rows["low"].to_numpy(float), rows["high"].to_numpy(float)
    ax.barh(y, np.abs(high - low), left=np.minimum(low, high), height=0.6, alpha=0.55,
            color=[colour[g] for g in rows["group"].fillna("other").astype(str)])
    ax.scatter(low, y, marker="<", color="#0173b2", zorder=3, s=30)
    ax.scatter(high, y, marker=">", color="#d55e00", zorder=3, s=30)
    if center is not None:
        ax.axvline(center, color="black", linewidth=0.8)
    span = max(float(np.nanmax(np.maximum(low, high)) - np.nanmin(np.minimum(low, high))), 1e-9)
    ax.set_xlim(np.nanmin(np.minimum(low, high)) - 0.04 * span, np.nanmax(np.maximum(low, high)) + 0.04 * span)
    ax.set_yticks(y, rows["input"].astype(str).tolist(), fontsize=8.5)
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=colour[g], alpha=0.55, label=f"group: {g}") for g in groups]
    handles += [_line("#0173b2", "output with the input at its low value", linestyle="none", marker="<"),
                _line("#d55e00", "output with the input at its high value", linestyle="none", marker=">")]
    ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9)
    unit = _unit(metric)
    _finish(ax, f"{scenario}: one-at-a-time sensitivity of {metric} in {year} ({_meaning(metric)})",
            f"{metric} in {year} ({_unit_text(unit)})", "input", unit, value_axis="x")
    ax.grid(False, axis="y")
    return ax


def sobol_bars(sensitivity_frame: pd.DataFrame, year: int, ax: Axes | None = None, *,
               scenario: str | None = None, metric: str | None = None, max_inputs: int = 15) -> Axes:
    """First-order (S1) and total-order (ST) Sobol indices in ``year`` with their confidence
    half-widths (``S1_conf``, ``ST_conf``) as error bars, largest ST on top."""
    rows, metric, scenario = _sens(sensitivity_frame, ("ST",), metric, year, scenario)
    rows = rows.sort_values("ST", ascending=False).head(max_inputs).iloc[::-1]
    ax = _axes(ax, (FIGSIZE[0], max(3.5, 0.38 * len(rows) + 2.0)))
    y = np.arange(len(rows))
    for col, offset, colour, label in (("S1", 0.2, "#0173b2", "S1: first-order index"),
                                       ("ST", -0.2, "#de8f05", "ST: total-order index")):
        ax.barh(y + offset, rows[col].to_numpy(float), height=0.38, color=colour, label=label,
                xerr=rows[f"{col}_conf"].to_numpy(float), error_kw={"elinewidth": 1, "capsize": 2})
    ax.set_yticks(y, rows["input"].astype(str).tolist(), fontsize=8.5)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.legend(title="error bars: ± confidence", loc="lower right", fontsize=9, title_fontsize=8.5)
    _finish(ax, f"{scenario}: Sobol indices of {metric} in {year} ({_meaning(metric)})",
            "Sobol index (share of output variance)", "input", "index", value_axis="x")
    ax.grid(False, axis="y")
    return ax


def sobol_over_time(sensitivity_frame: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None,
                    metric: str | None = None, max_inputs: int = 6) -> Axes:
    """Total-order Sobol index ST per year of the ``max_inputs`` inputs with the largest ST in
    any year, each with its confidence band (ST ± ST_conf)."""
    rows, metric, scenario = _sens(sensitivity_frame, ("ST",), metric, None, scenario)
    top = rows.groupby("input")["ST"].max().sort_values(ascending=False).head(max_inputs).index
    ax = _axes(ax)
    for name, colour in zip(top, _palette(len(top))):
        r = rows[rows["input"] == name].sort_values("year")
        st, conf = r["ST"].to_numpy(float), r["ST_conf"].fillna(0).to_numpy(float)
        ax.fill_between(r["year"], st - conf, st + conf, color=colour, alpha=0.2, linewidth=0)
        ax.plot(r["year"], st, color=colour, linewidth=2, label=str(name))
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + _band_handles(bands=(("", "", 0.2, "band: ST ± ST_conf"),)),
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)
    return _finish(ax, f"{scenario}: total-order Sobol index of {metric} over time (top {len(top)} inputs)",
                   "year", "ST (share of output variance)", "index")


def variance_shares(frame: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None,
                    metric: str | None = None) -> Axes:
    """Stacked area of the share of the output's variance by input group over the years
    (``variance_shares.csv``: ``group, metric, year, share``)."""
    rows, metric, scenario = _sens(frame, ("share",), metric, None, scenario)
    wide = rows.pivot_table(index="year", columns="group", values="share", aggfunc="first").fillna(0)
    wide = wide[wide.mean().sort_values(ascending=False).index]
    ax = _axes(ax)
    colours = iter(_palette(wide.shape[1]))
    ax.stackplot(wide.index.to_numpy(), wide.T.to_numpy(), labels=[str(c) for c in wide.columns], alpha=0.85,
                 colors=["0.6" if c == "interactions" else next(colours) for c in wide.columns])
    ax.set_ylim(0, max(1.0, float(wide.sum(axis=1).max())))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, title="input group")
    return _finish(ax, f"{scenario}: share of the variance of {metric} by input group ({_meaning(metric)})",
                   "year", "share of output variance (%)", "share")


# ---------------------------------------------------------------- results directories

@dataclass(frozen=True)
class Results:
    """A results directory read back: its kind (``run``, ``comparison``, ``sensitivity``), its
    manifest and its frames (``summary``, ``comparison``, ``levers``, ``sensitivity``,
    ``variance_shares``; a comparison's ``summary`` concatenates every scenario's)."""

    path: Path
    kind: str
    manifest: dict
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class FigureSpec:
    name: str
    draw: Callable[..., Any]  # draw(ax=ax) -> Axes
    size: tuple[float, float] = FIGSIZE


#: kind -> (frame name, file, required)
FILES = {
    "run": (("summary", "summary.csv", True),),
    "comparison": (("comparison", "comparison.csv", True), ("levers", "levers.csv", True)),
    "sensitivity": (("sensitivity", "sensitivity.csv", True), ("variance_shares", "variance_shares.csv", False)),
}


def read_results(results_dir: str | os.PathLike) -> Results:
    """Read ``manifest.json`` and the frames a results directory of its ``kind`` holds."""
    path = Path(results_dir)
    try:
        manifest = json.loads((path / "manifest.json").read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no manifest.json; pass a directory written by "
                                "talentsim run, compare or sensitivity") from None
    kind = manifest.get("kind")
    if kind not in FILES:
        raise ValueError(f"{path / 'manifest.json'}: kind: must be one of {', '.join(FILES)} (got {kind!r})")
    frames = {}
    for name, file, required in FILES[kind]:
        if (path / file).is_file():
            frames[name] = pd.read_csv(path / file)
        elif required:
            raise FileNotFoundError(f"{path}: {file} is missing; a '{kind}' results directory has it")
    if kind == "comparison":
        subs = [path / n / "summary.csv" for n in manifest.get("scenarios", [])]
        if subs and all(p.is_file() for p in subs):
            frames["summary"] = pd.concat([pd.read_csv(p) for p in subs], ignore_index=True)
    return Results(path, kind, manifest, frames)


RUN_FANS = ("ai_workforce", "ai_workforce_master", "ai_workforce_phd", "ai_track_entrants",
            "diaspora", "emigration", "shortage", "budget_spent")
COMPARE_METRICS = ("ai_workforce", "shortage", "diaspora", "budget_spent")


def _run_specs(r: Results) -> list[FigureSpec]:
    s = r.frames["summary"]
    have = set(s["metric"])
    specs = [FigureSpec(f"{m}_fan", partial(fan_chart, s, m)) for m in RUN_FANS if m in have]
    table = (("demography", demography, {"cohort18", "births_18_years_before"}),
             ("pipeline", pipeline, {m for m, _ in PIPELINE}),
             ("flows", flows, {m for m, _, _ in INFLOWS + OUTFLOWS}),
             ("shortage_probability", shortage, {"shortage_probability"}),
             ("supply_demand", supply_demand, {"demand", "ai_workforce"}))
    specs += [FigureSpec(name, partial(fn, s)) for name, fn, needs in table if needs <= have]
    return specs


def _comparison_specs(r: Results) -> list[FigureSpec]:
    c, base = r.frames["comparison"], r.manifest.get("base")
    names = _names(c)
    chunks = [names[i:i + MAX_BANDED] for i in range(0, len(names), MAX_BANDED)]
    specs = []
    for m in (m for m in COMPARE_METRICS if m in set(c["metric"])):
        for i, chunk in enumerate(chunks, 1):
            suffix = f"_{i}" if len(chunks) > 1 else ""
            specs.append(FigureSpec(f"compare_{m}{suffix}",
                                    partial(comparison, c[c["scenario"].isin(chunk)], m, base=base)))
    levers = r.frames["levers"]
    if not levers.empty:
        rows = int(levers["krw_bn_per_extra_worker_2035"].notna().sum())
        specs.append(FigureSpec("lever_costs", partial(lever_costs, levers, base=base),
                                (FIGSIZE[0], max(3.5, 0.55 * rows + 2.2))))
    s = r.frames.get("summary")
    if s is not None:
        specs.append(FigureSpec("scenarios_ai_workforce_fan", partial(fan_chart, s, "ai_workforce")))
        if "shortage_probability" in set(s["metric"]):
            specs.append(FigureSpec("scenarios_shortage_probability", partial(shortage, s)))
    return specs


def _sensitivity_specs(r: Results) -> list[FigureSpec]:
    f, m = r.frames["sensitivity"], r.manifest
    kw = {"scenario": m.get("scenario"), "metric": m.get("metric")}
    specs = []
    tall = (FIGSIZE[0], 7.5)
    if f[["low", "high"]].notna().all(axis=1).any():
        specs.append(FigureSpec("tornado", partial(tornado, f, **kw), tall))
    st = f.dropna(subset=["ST"])
    if not st.empty:
        year = m.get("year") if m.get("year") in set(st["year"]) else int(st["year"].max())
        specs.append(FigureSpec(f"sobol_{year}", partial(sobol_bars, f, int(year), **kw), tall))
        if st["year"].nunique() > 1:
            specs.append(FigureSpec("sobol_over_time", partial(sobol_over_time, f, **kw)))
    shares = r.frames.get("variance_shares")
    if shares is not None and not shares.dropna(subset=["share"]).empty:
        specs.append(FigureSpec("variance_shares", partial(variance_shares, shares, **kw)))
    return specs


SPECS = {"run": _run_specs, "comparison": _comparison_specs, "sensitivity": _sensitivity_specs}


def figures_for(results: Results | str | os.PathLike) -> list[FigureSpec]:
    """The figures that suit a results directory (by its manifest's ``kind`` and the metrics
    and rows present), each as a name and a function drawing on a given Axes."""
    r = results if isinstance(results, Results) else read_results(results)
    return SPECS[r.kind](r)


def render(spec: FigureSpec, fmt: str = "png") -> bytes:
    """Draw ``spec`` on a figure outside pyplot (no backend state, nothing to close) and return
    the encoded image (``png`` or ``svg``)."""
    import io

    import matplotlib
    from matplotlib.figure import Figure

    fig = Figure(figsize=spec.size, layout="constrained")
    spec.draw(ax=fig.add_subplot())
    buf = io.BytesIO()
    # fixed SVG ids and no date, so that the same results give the same files
    with matplotlib.rc_context({"svg.hashsalt": "talentsim"}):
        fig.savefig(buf, format=fmt, dpi=DPI, metadata={"Date": None} if fmt == "svg" else None)
    return buf.getvalue()


def write_file_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target``, then rename it to ``target``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def plot_results_dir(results_dir: str | os.PathLike, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write every figure that suits ``results_dir`` (see :func:`figures_for`) to
    ``results_dir/figures/NAME.FORMAT``; each file is rendered in memory, written to a temporary
    name and renamed, so a crash never leaves a half-written figure. Returns the paths written.
    """
    bad = [f for f in formats if f not in ("png", "svg", "pdf")]
    if bad:
        raise ValueError(f"formats: must be png, svg or pdf (got {', '.join(map(repr, bad))})")
    r = read_results(results_dir)
    out = r.path / "figures"
    out.mkdir(exist_ok=True)
    written = []
    for spec in figures_for(r):
        for fmt in formats:
            target = out / f"{spec.name}.{fmt}"
            write_file_atomic(target, render(spec, fmt))
            written.append(target)
    return written
