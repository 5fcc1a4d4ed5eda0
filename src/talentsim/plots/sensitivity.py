"""Sensitivity figures: tornado swings, Sobol indices, variance shares by input group."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
from .labels import input_label
from .style import (
    FIGSIZE,
    axis_label,
    band_handles,
    colours_for,
    finish_axes,
    label_of,
    line_handle,
    meaning_of,
    new_axes,
    scenario_names,
    unit_for,
)

# ---------------------------------------------------------------- sensitivity

def sensitivity_rows(frame: pd.DataFrame, needed: Sequence[str], metric: str | None, year: int | None,
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
        scenario = scenario_names(frame)[0] if "scenario" in frame else "scenario"
    return rows, metric, scenario


def tornado(sensitivity_frame: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None,
            metric: str | None = None, max_inputs: int = 15, center: float | None = None) -> Axes:
    """One-at-a-time sensitivity: for each input, a bar from the output at the input's low value
    to the output at its high value (``low``, ``high``), largest ``|swing|`` on top, coloured by
    input group. ``center`` (e.g. the base median) draws a reference line."""
    rows, metric, scenario = sensitivity_rows(sensitivity_frame, ("low", "high"), metric, None, scenario)
    year = int(rows["year"].iloc[0])
    rows = rows[rows["year"] == year]
    swing = rows["swing"].abs().fillna((rows["high"] - rows["low"]).abs())
    rows = rows.assign(_s=swing).sort_values("_s", ascending=False).head(max_inputs).iloc[::-1]
    ax = new_axes(ax, (FIGSIZE[0], max(3.5, 0.38 * len(rows) + 2.0)))
    groups = list(dict.fromkeys(rows["group"].fillna("other").astype(str)))
    colour = dict(zip(groups, colours_for(len(groups))))
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
    ax.set_yticks(y, [input_label(str(i)) for i in rows["input"]], fontsize=8.5)
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=colour[g], alpha=0.55, label=f"group: {g}") for g in groups]
    handles += [line_handle("#0173b2", "output with the input at its low value", linestyle="none", marker="<"),
                line_handle("#d55e00", "output with the input at its high value", linestyle="none", marker=">")]
    ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9)
    unit = unit_for(metric)
    finish_axes(ax, f"{scenario}: what moves {label_of(metric).lower()} in {year} most, one input at a time",
                f"{axis_label(metric)} in {year}", "uncertain input (each from its low to its high value)", unit,
                value_axis="x")
    ax.grid(False, axis="y")
    return ax


def sobol_bars(sensitivity_frame: pd.DataFrame, year: int, ax: Axes | None = None, *,
               scenario: str | None = None, metric: str | None = None, max_inputs: int = 15) -> Axes:
    """First-order (S1) and total-order (ST) Sobol indices in ``year`` with their confidence
    half-widths (``S1_conf``, ``ST_conf``) as error bars, largest ST on top."""
    rows, metric, scenario = sensitivity_rows(sensitivity_frame, ("ST",), metric, year, scenario)
    rows = rows.sort_values("ST", ascending=False).head(max_inputs).iloc[::-1]
    ax = new_axes(ax, (FIGSIZE[0], max(3.5, 0.38 * len(rows) + 2.0)))
    y = np.arange(len(rows))
    for col, offset, colour, label in (("S1", 0.2, "#0173b2", "S1: first-order index"),
                                       ("ST", -0.2, "#de8f05", "ST: total-order index")):
        ax.barh(y + offset, rows[col].to_numpy(float), height=0.38, color=colour, label=label,
                xerr=rows[f"{col}_conf"].to_numpy(float), error_kw={"elinewidth": 1, "capsize": 2})
    ax.set_yticks(y, [input_label(str(i)) for i in rows["input"]], fontsize=8.5)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.legend(title="error bars: ± confidence", loc="lower right", fontsize=9, title_fontsize=8.5)
    finish_axes(ax, f"{scenario}: Sobol indices of {metric} in {year} ({meaning_of(metric)})",
            "Sobol index (share of output variance)", "input", "index", value_axis="x")
    ax.grid(False, axis="y")
    return ax


def sobol_over_time(sensitivity_frame: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None,
                    metric: str | None = None, max_inputs: int = 6) -> Axes:
    """Total-order Sobol index ST per year of the ``max_inputs`` inputs with the largest ST in
    any year, each with its confidence band (ST ± ST_conf)."""
    rows, metric, scenario = sensitivity_rows(sensitivity_frame, ("ST",), metric, None, scenario)
    top = rows.groupby("input")["ST"].max().sort_values(ascending=False).head(max_inputs).index
    ax = new_axes(ax)
    for name, colour in zip(top, colours_for(len(top))):
        r = rows[rows["input"] == name].sort_values("year")
        st, conf = r["ST"].to_numpy(float), r["ST_conf"].fillna(0).to_numpy(float)
        ax.fill_between(r["year"], st - conf, st + conf, color=colour, alpha=0.2, linewidth=0)
        ax.plot(r["year"], st, color=colour, linewidth=2, label=str(name))
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + band_handles(bands=(("", "", 0.2, "band: ST ± ST_conf"),)),
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)
    return finish_axes(ax, f"{scenario}: total-order Sobol index of {metric} over time (top {len(top)} inputs)",
                   "year", "ST (share of output variance)", "index")


def variance_shares(frame: pd.DataFrame, ax: Axes | None = None, *, scenario: str | None = None,
                    metric: str | None = None) -> Axes:
    """Stacked area of the share of the output's variance by input group over the years
    (``variance_shares.csv``: ``group, metric, year, share``)."""
    rows, metric, scenario = sensitivity_rows(frame, ("share",), metric, None, scenario)
    wide = rows.pivot_table(index="year", columns="group", values="share", aggfunc="first").fillna(0)
    wide = wide[wide.mean().sort_values(ascending=False).index]
    ax = new_axes(ax)
    colours = iter(colours_for(wide.shape[1]))
    ax.stackplot(wide.index.to_numpy(), wide.T.to_numpy(), labels=[str(c) for c in wide.columns], alpha=0.85,
                 colors=["0.6" if c == "interactions" else next(colours) for c in wide.columns])
    ax.set_ylim(0, max(1.0, float(wide.sum(axis=1).max())))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, title="input group")
    return finish_axes(ax, f"{scenario}: share of the variance of {metric} by input group ({meaning_of(metric)})",
                   "year", "share of output variance (%)", "share")
