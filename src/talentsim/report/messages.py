"""Key messages: three to five sentences computed from the results, for the top of the report.

Each message states numbers read from the results frames (medians with their 90 % bands,
probabilities, paired differences, costs), never boilerplate; a message whose numbers are
missing is left out.
"""

from __future__ import annotations

import pandas as pd

from ..plots.files import Results
from ..plots.labels import input_label


def _row(s: pd.DataFrame, metric: str, year: int) -> pd.Series | None:
    rows = s[(s["metric"] == metric) & (s["year"] == year)]
    return None if rows.empty else rows.iloc[0]


def _lower(label: str) -> str:
    """Lower-case the first letter unless it starts an acronym (``AI workforce`` stays)."""
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def _n(x: float) -> str:
    return f"{x:,.0f}".replace("-", "\u2212")


def _year(s: pd.DataFrame, wanted: int) -> int:
    years = sorted(set(s["year"]))
    return wanted if wanted in years else years[-1]


def run_messages(summary: pd.DataFrame, name: str) -> list[str]:
    s = summary[summary["scenario"] == name] if "scenario" in summary else summary
    out = []
    first, mid, last = int(s["year"].min()), _year(s, 2035), int(s["year"].max())
    w0, w1, w2 = (_row(s, "ai_workforce", y) for y in (first, mid, last))
    if w0 is not None and w1 is not None and w2 is not None:
        out.append(f"Under {name}, Korea's AI workforce grows from {_n(w0['p50'])} in {first} to {_n(w1['p50'])} in "
                   f"{mid} (90 % range {_n(w1['p05'])} to {_n(w1['p95'])}) and {_n(w2['p50'])} in {last} "
                   f"({_n(w2['p05'])} to {_n(w2['p95'])}).")
    d1, g1 = _row(s, "demand", mid), _row(s, "shortage", mid)
    p1, p2 = _row(s, "shortage_probability", mid), _row(s, "shortage_probability", last)
    if d1 is not None and g1 is not None and p1 is not None:
        text = (f"Demand for AI workers reaches {_n(d1['p50'])} in {mid}, leaving a median shortage of "
                f"{_n(g1['p50'])} (90 % range {_n(g1['p05'])} to {_n(g1['p95'])}); a shortage occurs in "
                f"{p1['mean']:.0%} of the draws in {mid}")
        out.append(text + (f" and {p2['mean']:.0%} in {last}." if p2 is not None else "."))
    e1, a1 = _row(s, "emigration", mid), _row(s, "diaspora", mid)
    if e1 is not None and a1 is not None:
        out.append(f"About {_n(e1['p50'])} AI workers leave Korea in {mid} (median), and {_n(a1['p50'])} Korean "
                   f"AI workers are abroad by then.")
    return out


def comparison_messages(r: Results) -> list[str]:
    levers, c, base = r.frames["levers"], r.frames["comparison"], r.manifest.get("base", "the base")
    out: list[str] = []
    if levers.empty:
        return out
    best = levers.sort_values("extra_workers_2035", ascending=False).iloc[0]
    row = _row(c[c["scenario"] == best["scenario"]], "ai_workforce", 2035)
    band = f" (90 % range {_n(row['p05'])} to {_n(row['p95'])})" if row is not None else ""
    out.append(f"Of {len(levers)} alternatives to {base}, {best['scenario']} adds the most AI workers by 2035: "
               f"{_n(best['extra_workers_2035'])}{band}, for KRW {_n(best['extra_budget_krw_bn'])} bn of extra "
               f"spending over the horizon (constant 2024 prices).")
    cost = levers.dropna(subset=["krw_bn_per_extra_worker_2035"])
    cost = cost[cost["krw_bn_per_extra_worker_2035"] > 0]
    if len(cost):
        cheap = cost.sort_values("krw_bn_per_extra_worker_2035").iloc[0]
        dear = cost.sort_values("krw_bn_per_extra_worker_2035").iloc[-1]
        text = (f"The cheapest extra AI worker comes from {cheap['scenario']}: KRW "
                f"{cheap['krw_bn_per_extra_worker_2035'] * 1000:,.0f} m each to 2035")
        if dear["scenario"] != cheap["scenario"]:
            text += (f", against KRW {dear['krw_bn_per_extra_worker_2035'] * 1000:,.0f} m for "
                     f"{dear['scenario']}")
        out.append(text + ".")
    robust = [str(n) for n, g in c[(c["metric"] == "ai_workforce") & (c["year"] == 2035)].groupby("scenario")
              if (g["p05"] > 0).all()]
    if robust:
        out.append(f"On the same draws, {', '.join(robust)} add{'s' if len(robust) == 1 else ''} AI workers in 2035 "
                   "in at least 95 % of the draws: the effect is robust to the model's uncertainty.")
    return out


def sensitivity_messages(r: Results) -> list[str]:
    f, m = r.frames["sensitivity"], r.manifest
    rows = f.dropna(subset=["low", "high"]) if {"low", "high"} <= set(f.columns) else f.iloc[:0]
    if rows.empty:
        return []
    rows = rows.assign(_s=(rows["high"] - rows["low"]).abs()).sort_values("_s", ascending=False)
    top = rows.iloc[0]
    second = f"; next comes {_lower(input_label(str(rows.iloc[1]['input'])))}" if len(rows) > 1 else ""
    return [f"The input that moves {m.get('metric')} in {int(top['year'])} most is "
            f"{_lower(input_label(str(top['input'])))}: from {_n(top['low'])} to {_n(top['high'])} between its low "
            f"and high values{second}."]


def key_messages(results: list[Results], limit: int = 5) -> list[str]:
    """Three to five sentences with numbers, from every results directory of a report."""
    lists: list[list[str]] = []
    for r in results:
        out: list[str] = []
        if r.kind == "run":
            out += run_messages(r.frames["summary"], str(r.manifest.get("scenario")))
        elif r.kind == "comparison":
            out += comparison_messages(r)
            s = r.frames.get("summary")
            if s is not None and not any(x.kind == "run" for x in results):
                out += run_messages(s, str(r.manifest.get("base")))[:2]
        elif r.kind == "sensitivity":
            out += sensitivity_messages(r)
        lists.append(out)
    # the first two of every directory, then the rest, up to the limit
    ordered = [m for ms in lists for m in ms[:2]] + [m for ms in lists for m in ms[2:]]
    return ordered[:limit]
