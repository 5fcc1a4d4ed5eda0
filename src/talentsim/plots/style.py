"""Shared drawing helpers of every figure family: sizes, bands, colours, units, titles.

Bands: the darker band is the 50 % band (p25-p75), the lighter one the 90 % band (p05-p95),
the line the median (p50)."""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..metrics import METRICS, unit_of

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
#: one colour per pipeline stage, far apart in hue (bachelor's green, PhD vermilion: not two oranges)
PIPELINE_COLOURS = ("#0173b2", "#029e73", "#cc78bc", "#d55e00", "#333333")
INFLOWS = (("inflow_graduates", "graduates", "#0173b2"), ("inflow_reskilled", "reskilled", "#56b4e9"),
           ("inflow_immigrants", "immigrants", "#029e73"), ("inflow_returnees", "returnees", "#8fd1b4"))
OUTFLOWS = (("emigration", "emigration", "#d55e00"), ("retirement", "retirement", "#949494"),
            ("attrition", "attrition to non-AI work", "#7e3f98"))  # purple: emigration is vermilion


# ---------------------------------------------------------------- helpers (drawing only)

def new_axes(ax: Axes | None, size: tuple[float, float] = FIGSIZE) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure(figsize=size, layout="constrained").add_subplot()


def colours_for(n: int) -> list:
    import seaborn as sns

    # colour-blind safe up to 10 series, reordered so that the first five are far apart in hue
    # (the palette's orange and vermilion are neighbours only from the seventh series on), then
    # evenly spaced hues so that no colour repeats
    if n <= 10:
        palette = sns.color_palette("colorblind", 10)
        return [palette[i] for i in (0, 1, 2, 4, 9, 5, 3, 8, 7, 6)][:max(n, 1)]
    return list(sns.color_palette("husl", n))


def unit_for(metric: str) -> str:
    return unit_of(metric)


# The one place plots, report and explorer read metric labels from (the registry, talentsim.metrics,
# with shorter wording for some axes in SHORT_MEANING).
def label_of(metric: str) -> str:
    """Plain label of a metric: ``ai_workforce`` -> ``AI workers in Korea``."""
    text = SHORT_MEANING.get(metric) or METRICS.get(metric, ("", metric.replace("_", " ")))[1]
    return text[:1].upper() + text[1:]


def axis_label(metric: str, prefix: str = "") -> str:
    """``AI workers in Korea (people)``; ``prefix`` e.g. ``extra `` for differences."""
    label = label_of(metric)
    if prefix:  # "difference in AI workers", "difference in spending", "difference in Korean ..."
        proper = label[:2].isupper() or label.split(" ", 1)[0] in ("Korean", "Korea", "PhD", "US")
        label = prefix + (label if proper else label[:1].lower() + label[1:])
    unit = unit_label(metric)
    return f"{label} ({unit})" if unit else label


def unit_label(metric: str) -> str:
    """Unit of a metric in words, with the price basis for money: ``KRW bn a year, constant 2024
    prices``; ``people``; ``probability``."""
    from .labels import MONEY, MONEY_PER_YEAR

    unit = unit_of(metric)
    if unit.startswith("KRW bn"):
        return MONEY_PER_YEAR if unit.endswith("/yr") else MONEY
    return unit_words(unit) if unit else ""


def unit_words(unit: str) -> str:
    return UNIT_TEXT.get(unit, unit) or "value"


def meaning_of(metric: str) -> str:
    return SHORT_MEANING.get(metric) or METRICS.get(metric, ("", metric))[1]


def scenario_names(frame: pd.DataFrame) -> list[str]:
    return [str(s) for s in dict.fromkeys(frame["scenario"])] if "scenario" in frame else []


def one_scenario(frame: pd.DataFrame, scenario: str | None) -> tuple[str, pd.DataFrame]:
    names = scenario_names(frame)
    if scenario is None:
        if len(names) != 1:
            raise ValueError(f"the frame holds {len(names)} scenarios ({', '.join(names)}); "
                             "pass scenario=NAME to choose one")
        scenario = names[0]
    return scenario, frame[frame["scenario"] == scenario]


def metric_rows(frame: pd.DataFrame, metric: str, scenario: str | None = None) -> pd.DataFrame:
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


def format_values(axis: Any, unit: str) -> None:
    """Percent for probabilities and fractions, thousands separators for everything else."""
    from matplotlib import ticker

    if unit in ("probability", "fraction", "fraction/yr", "share"):
        axis.set_major_formatter(ticker.PercentFormatter(1.0))
    else:
        axis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{x + 0.0:,.10g}".replace("-", "\u2212")))


def finish_axes(ax: Axes, title: str, xlabel: str, ylabel: str, unit: str | None = None,
            value_axis: str = "y") -> Axes:
    from matplotlib import ticker

    ax.set_title(textwrap.fill(title, 95), loc="left", fontsize=11.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if unit is not None:
        format_values(ax.yaxis if value_axis == "y" else ax.xaxis, unit)
    if xlabel == "year":
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.grid(True, alpha=0.3, linewidth=0.6)
    ax.tick_params(labelsize=9)
    return ax


def draw_fan(ax: Axes, rows: pd.DataFrame, colour: Any, linestyle: str = "-", bands: Sequence = BANDS) -> None:
    x = rows["year"].to_numpy()
    for lo, hi, alpha, _ in bands:
        ax.fill_between(x, rows[lo].to_numpy(), rows[hi].to_numpy(), color=colour, alpha=alpha, linewidth=0)
    ax.plot(x, rows["p50"].to_numpy(), color=colour, linewidth=2.2, linestyle=linestyle)


def band_handles(colour: Any = "0.35", bands: Sequence = BANDS) -> list:
    from matplotlib.patches import Patch

    # the 50 % band is drawn over the 90 % one, so its legend patch shows both alphas combined
    shown, out = 0.0, []
    for _, _, alpha, text in bands:
        shown = 1 - (1 - shown) * (1 - alpha)
        out.append(Patch(facecolor=colour, alpha=shown, linewidth=0, label=text))
    return out


def line_handle(colour: Any, label: str, **kw: Any) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], color=colour, linewidth=kw.pop("linewidth", 2.2), label=label, **kw)
