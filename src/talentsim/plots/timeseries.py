"""Run summaries over the years: fan charts, demography, the pipeline, flows, shortage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
from .style import (
    ANCHORS_18,
    BANDS,
    INFLOWS,
    MAX_BANDED,
    OUTFLOWS,
    PIPELINE,
    PIPELINE_COLOURS,
    axis_label,
    band_handles,
    colours_for,
    draw_fan,
    finish_axes,
    label_of,
    line_handle,
    meaning_of,
    metric_rows,
    new_axes,
    one_scenario,
    scenario_names,
    unit_for,
)

# ---------------------------------------------------------------- run summaries

def fan_chart(summary: pd.DataFrame, metric: str, ax: Axes | None = None,
              scenarios: Sequence[str] | None = None, banded: Sequence[str] | None = None) -> Axes:
    """Median, 50 % and 90 % bands of ``metric`` over the years, one colour per scenario.

    ``summary``: ``scenario, metric, year, p05, p25, p50, p75, p95`` (several scenarios may be
    concatenated; ``scenarios`` picks and orders them, default all in order of appearance).
    With more than :data:`MAX_BANDED` scenarios only the first one's bands are drawn (the
    legend says so), as overlapping bands would hide each other.
    """
    names = scenario_names(summary) if scenarios is None else list(scenarios)
    ax = new_axes(ax)
    many = len(names) > MAX_BANDED
    colours = ["0.15", *colours_for(len(names) - 1)] if many else colours_for(len(names))
    if banded is None:
        banded = names[:1] if many else names
    many = many or len(banded) < len(names)
    flat = []
    for name, colour in zip(names, colours):
        rows = metric_rows(summary, metric, name)
        draw_fan(ax, rows, colour, bands=BANDS if name in banded else ())
        width = (rows["p95"] - rows["p05"]).abs().max()
        flat.append(bool(width <= 1e-9 * max(1.0, rows["p50"].abs().max())))
    unit = unit_for(metric)
    if len(names) == 1 or many:
        handles = [line_handle(c, f"{n}: median") for n, c in zip(names, colours)] + band_handles(colours[0])
    else:
        handles = [line_handle(c, f"{n}: median") for n, c in zip(names, colours)] + band_handles()
    if many:
        handles.append(line_handle("none", f"bands: {', '.join(banded)} only; differences: see the paired charts"))
    if any(flat):
        which = ("" if len(names) == 1 else " (every scenario)" if all(flat)
                 else f" ({', '.join(n for n, f in zip(names, flat) if f)})")
        handles.append(line_handle("none", f"no uncertainty{which}: the bands have zero width"))
    if many:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)
    else:
        ax.legend(handles=handles, loc="best", fontsize=9, framealpha=0.9)
    who = f"{names[0]} and {len(names) - 1} other scenarios" if many else ", ".join(names)
    lows = [metric_rows(summary, metric, n)["p05"].min() for n in names]
    if unit not in ("probability", "fraction", "fraction/yr") and min(lows) >= 0:
        ax.set_ylim(bottom=0)  # a level compared across years starts at zero
    return finish_axes(ax, f"{who}: {label_of(metric)}", "year", axis_label(metric), unit)


def demography(summary: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None) -> Axes:
    """Live births (shipped Statistics Korea data, then the run's projection) and 18-year-olds
    (births 18 years earlier before the run, then the run's ``cohort18``), with the published
    2011 and 2023 counts of 18-year-olds marked.

    The projected births are the run's ``births_18_years_before`` placed at the birth year
    (year - 18), for birth years after the last data year.
    """
    from ..engine.demography import births_data

    scenario, s = one_scenario(summary, scenario)
    ax = new_axes(ax)
    data = births_data()
    first, last = int(data.index.min()), int(data.index.max())
    births_c, c18_c = "#555555", "#0173b2"
    ax.plot(data.index, data.to_numpy(), color=births_c, linewidth=2)
    handles = [line_handle(births_c, f"live births, Statistics Korea ({first}-{last})")]
    births = metric_rows(s, "births_18_years_before").assign(year=lambda f: f["year"] - 18)
    projected = births[births["year"] > last]
    if not projected.empty:
        draw_fan(ax, projected, births_c, linestyle="--")
        ax.plot([last, projected["year"].iloc[0]], [data.loc[last], projected["p50"].iloc[0]],
                color=births_c, linewidth=2.2, linestyle="--")
        handles.append(line_handle(births_c, "live births, projected: median", linestyle="--"))
    cohort = metric_rows(s, "cohort18")
    start = int(cohort["year"].min())
    before = data[data.index + 18 < start]
    if not before.empty:
        ax.plot(before.index + 18, before.to_numpy(), color=c18_c, linewidth=1.6, linestyle=":")
        handles.append(line_handle(c18_c, f"18-year-olds before {start}: births 18 years earlier", linestyle=":",
                             linewidth=1.6))
    draw_fan(ax, cohort, c18_c)
    handles.append(line_handle(c18_c, f"18-year-olds ({scenario}): median"))
    ax.scatter(list(ANCHORS_18), list(ANCHORS_18.values()), marker="D", s=40, color="#d55e00", zorder=5)
    for (year, value), offset in zip(ANCHORS_18.items(), ((12, 16), (18, 50))):
        ax.annotate(f"{value:,} 18-year-olds ({year})", (year, value), xytext=offset,
                    textcoords="offset points", fontsize=9, color="#a03c00",
                    arrowprops={"arrowstyle": "-", "color": "#a03c00", "linewidth": 0.8})
    handles.append(line_handle("#d55e00", "published count of 18-year-olds", linestyle="none", marker="D"))
    handles += band_handles()
    ax.set_ylim(0, max(float(data.max()), float(cohort["p95"].max())) * 1.12)
    ax.legend(handles=handles, loc="lower left", fontsize=8.5, framealpha=0.9)
    return finish_axes(ax, f"{scenario}: live births and 18-year-olds, history and projection", "year",
                   "people (births per year; 18-year-olds)", "people")


def pipeline(summary: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None) -> Axes:
    """Medians (and 90 % bands) over time of the stages from AI-track entrants to graduates by
    degree to graduates taking AI jobs, on a log scale so that PhDs and entrants both show."""
    from matplotlib import ticker

    scenario, s = one_scenario(summary, scenario)
    ax = new_axes(ax)
    present = [(m, label) for m, label in PIPELINE if m in set(s["metric"])]
    colours = [c for (m, _), c in zip(PIPELINE, PIPELINE_COLOURS) if m in set(s["metric"])]
    for (metric, _), colour in zip(present, colours):
        draw_fan(ax, metric_rows(s, metric), colour, bands=BANDS[:1])
    handles = [line_handle(c, f"{label}: median") for (_, label), c in zip(present, colours)]
    ax.set_yscale("log")
    ax.legend(handles=handles + band_handles(bands=BANDS[:1]), loc="upper left", bbox_to_anchor=(1.0, 1.0),
              fontsize=9)
    finish_axes(ax, f"{scenario}: the pipeline from AI-track entrants to graduates to AI jobs", "year",
            "people per year (log scale)", "people/yr")
    ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    return ax


def flows(summary: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None) -> Axes:
    """Stacked median inflows (above zero) and outflows (below zero) of the AI workforce per
    year, and their net (the sum of the medians shown, not the median of the net)."""
    scenario, s = one_scenario(summary, scenario)
    ax = new_axes(ax)
    names = [m for m, _, _ in INFLOWS + OUTFLOWS]
    for m in names:
        metric_rows(s, m)  # a clear error if a flow is missing
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
    return finish_axes(ax, f"{scenario}: flows into (+) and out of (-) the AI workforce, medians", "year",
                   "people per year", "people/yr")


def shortage(summary: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """P(shortage > 0) per year: the ``mean`` of ``shortage_probability`` (share of draws with
    demand above the AI workforce), one line per scenario."""
    names = scenario_names(summary)
    ax = new_axes(ax)
    styles = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"))  # lines at 100 % often coincide
    for i, (name, colour) in enumerate(zip(names, colours_for(len(names)))):
        rows = metric_rows(summary, "shortage_probability", name)
        line, marker = styles[i % len(styles)]
        ax.plot(rows["year"], rows["mean"], color=colour, linestyle=line, marker=marker, markersize=4,
                linewidth=2, label=f"{name}: P(shortage > 0)")
    ax.set_ylim(-0.03, 1.03)
    ax.legend(loc="best", fontsize=9, framealpha=0.9)
    return finish_axes(ax, f"{', '.join(names)}: {meaning_of('shortage_probability')}", "year",
                   "P(shortage > 0): share of draws (probability)", "probability")


def supply_demand(summary: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None) -> Axes:
    """AI labour demand against the AI workforce (supply), medians with 50 % and 90 % bands."""
    scenario, s = one_scenario(summary, scenario)
    ax = new_axes(ax)
    series = (("demand", "AI labour demand", "#d55e00"), ("ai_workforce", "AI workforce (supply)", "#0173b2"))
    for metric, _, colour in series:
        draw_fan(ax, metric_rows(s, metric), colour)
    handles = [line_handle(c, f"{label}: median") for _, label, c in series] + band_handles()
    ax.set_ylim(bottom=0)  # two levels compared: the axis starts at zero
    ax.legend(handles=handles, loc="upper left", fontsize=9, framealpha=0.9)
    return finish_axes(ax, f"{scenario}: AI labour demand against the AI workforce", "year", "people", "people")
