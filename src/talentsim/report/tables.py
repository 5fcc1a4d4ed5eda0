"""HTML building blocks of the report (escaping, numbers, tables) and the key tables of each
kind of results directory."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

import pandas as pd

from ..plots.files import Results
from ..plots.style import label_of, unit_label
from ..results import METRICS

HEADLINE = ("cohort18", "ai_track_entrants", "grads_bachelor", "grads_master", "grads_phd", "ai_workforce",
            "ai_workforce_phd", "inflow_graduates", "emigration", "diaspora", "demand", "shortage",
            "shortage_probability", "budget_spent")
YEARS = (2030, 2035, 2040, 2050)
TOP_INPUTS = 15
# ---------------------------------------------------------------- small HTML helpers

def escape(value: Any) -> str:
    return html.escape(str(value), quote=True)


def fmt_number(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "n/a"
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.{digits}g}"
    return str(x)


class Html(str):
    """Text that is already HTML (not escaped again by :func:`html_table`)."""


def html_cell(value: Any) -> str:
    return value if isinstance(value, Html) else escape(value)


def html_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Iterable[int] = ()) -> str:
    numeric = set(numeric)
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f'<td class="n">{html_cell(v)}</td>' if i in numeric else f"<td>{html_cell(v)}</td>"
                                    for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def band_cell(row: pd.Series, extra: str = "") -> Html:
    """Median over its 90 % band, on two lines."""
    return Html(f"<b>{escape(fmt_number(row['p50']))}</b><br><small>{escape(fmt_number(row['p05']))} to "
                f"{escape(fmt_number(row['p95']))}{escape(extra)}</small>")


def report_years(frame: pd.DataFrame) -> list[int]:
    years = sorted(int(y) for y in frame["year"].unique())
    return sorted({years[0], *(y for y in YEARS if y in years), years[-1]}) if years else []


# ---------------------------------------------------------------- tables

def headline_table(summary: pd.DataFrame, scenario: str | None = None) -> str:
    """Median (5 % to 95 %) of the headline metrics at the first year, 2030, 2035, 2040, 2050
    and the last year; ``shortage_probability`` shows P(shortage > 0)."""
    s = summary if scenario is None else summary[summary["scenario"] == scenario]
    years = report_years(s)
    table = s.set_index(["metric", "year"])
    rows = []
    for metric in (m for m in HEADLINE if (m, years[0]) in table.index):
        cells = [cast(pd.Series, table.loc[(metric, y)]) for y in years]  # one row per full key
        shown = [f"{c['mean']:.2f}" if metric == "shortage_probability" else band_cell(c) for c in cells]
        rows.append([Html(f"{escape(label_of(metric))}<br><small>{escape(metric)}</small>"),
                     unit_label(metric) or METRICS.get(metric, ("", ""))[0], *shown])
    return html_table(["what", "unit", *map(str, years)], rows, numeric=range(2, 2 + len(years)))


def frame_table(frame: pd.DataFrame) -> str:
    return html_table([str(c).replace("_", " ") for c in frame.columns],
                  ([fmt_number(v) for v in row] for row in frame.itertuples(index=False)),
                  numeric=[i for i, c in enumerate(frame.columns) if pd.api.types.is_numeric_dtype(frame[c])])


def _comparison_tables(r: Results) -> str:
    c, base = r.frames["comparison"], r.manifest.get("base", "the base")
    out = [f"<h3>Levers (<code>levers.csv</code>): extra budget and extra AI workers vs {escape(base)}</h3>",
           frame_table(r.frames["levers"]),
           f"<p>Money in {escape(r.manifest.get('money', 'KRW bn'))}. "
           "KRW bn per extra worker = median extra spending up to 2035 / median extra workers in 2035; "
           "n/a when the scenario adds under one worker.</p>"]
    aw = c[c["metric"] == "ai_workforce"]
    if not aw.empty:
        years = report_years(aw)
        rows = []
        for name, g in aw.groupby("scenario", sort=False):
            g = g.set_index("year")
            by_year = [cast(pd.Series, g.loc[y]) for y in years]  # one row per year
            rows.append([name, *(band_cell(r, f"; P(>) {r['p_greater']:.2f}") for r in by_year)])
        out += [f"<h3>Extra AI workers, paired difference vs {escape(base)}: median, 90 % band; "
                "P(scenario &gt; base)</h3>",
                html_table(["scenario", *map(str, years)], rows, numeric=range(1, 1 + len(years)))]
    s = r.frames.get("summary")
    if s is not None:
        years, table, rows = report_years(s), s.set_index(["scenario", "metric", "year"]), []
        for metric in ("ai_workforce", "shortage", "diaspora"):
            # pandas-stubs read a tuple key as (rows, columns): a three-level row key has no overload
            rows += [[name, metric, *(band_cell(table.loc[(name, metric, y)]) for y in years)]  # type: ignore[index]
                     for name in dict.fromkeys(s["scenario"]) if (name, metric, years[0]) in table.index]
        out += ["<h3>Each scenario on its own: median and 90 % band</h3>",
                html_table(["scenario", "metric", *map(str, years)], rows, numeric=range(2, 2 + len(years)))]
    return "".join(out)


def _sensitivity_tables(r: Results) -> str:
    f, m = r.frames["sensitivity"], r.manifest
    out = []
    oat = f.dropna(subset=["low", "high"])
    if not oat.empty:
        oat = oat.assign(_s=oat["swing"].abs()).sort_values("_s", ascending=False).head(TOP_INPUTS)
        out += [f"<h3>Top inputs, one at a time ({escape(oat['metric'].iloc[0])} in {int(oat['year'].iloc[0])})</h3>",
                frame_table(oat[["input", "group", "low", "high", "swing"]])]
    st = f.dropna(subset=["ST"])
    if not st.empty:
        year = m.get("year") if m.get("year") in set(st["year"]) else int(st["year"].max())
        top = st[st["year"] == year].sort_values("ST", ascending=False).head(TOP_INPUTS)
        out += [f"<h3>Top inputs by total-order Sobol index ({escape(top['metric'].iloc[0])} in {year})</h3>",
                frame_table(top[["input", "group", "S1", "S1_conf", "ST", "ST_conf"]])]
    shares = r.frames.get("variance_shares")
    if shares is not None and not shares.empty:
        year = m.get("year") if m.get("year") in set(shares["year"]) else int(shares["year"].max())
        out += [f"<h3>Variance shares by input group in {year}</h3>",
                frame_table(shares[shares["year"] == year].sort_values("share", ascending=False)
                             [["group", "metric", "share"]])]
    return "".join(out)


TABLES: dict[str, Callable[[Results], str]] = {
    "run": lambda r: ("<h3>Headline: median (bold) and 90 % band (5 % to 95 %) below it</h3>"
                      + headline_table(r.frames["summary"])),
    "comparison": _comparison_tables,
    "sensitivity": _sensitivity_tables,
}
