"""Regenerate the README's generated tables from results directories.

    talentsim run scenarios/baseline.yaml --plots
    talentsim compare scenarios/baseline.yaml scenarios/{reskilling_push,phd_fellowships,diaspora_return,talent_visa,grad_school_expansion,undergrad_ai_push,retention_pay,combined_push,rd_cut,low_fertility,high_fertility}.yaml
    talentsim sensitivity scenarios/baseline.yaml
    python docs/update_readme.py

Each table sits between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` in
README.md and is rewritten from ``results/``; the prose around it is not touched (re-read it
after a model change). Prints the figures the prose quotes, to check them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
YEARS = (2024, 2030, 2035, 2040, 2050)


def baseline_table() -> str:
    a = pd.read_csv(RESULTS / "baseline" / "summary.csv").set_index(["metric", "year"])
    lines = ["| metric | " + " | ".join(map(str, YEARS)) + " |", "|---|" + "---|" * len(YEARS)]
    for m in ("cohort18", "ai_track_entrants", "grads_bachelor", "grads_master", "grads_phd", "ai_workforce",
              "ai_workforce_phd", "emigration", "diaspora", "demand", "shortage"):
        cells = [f"{a.loc[(m, y)].p50:,.0f} ({a.loc[(m, y)].p05:,.0f}-{a.loc[(m, y)].p95:,.0f})" for y in YEARS]
        lines.append(f"| `{m}` | " + " | ".join(cells) + " |")
    p = a.loc["shortage_probability"]
    lines.append("| P(shortage > 0) | " + " | ".join(f"{p.loc[y, 'mean']:.2f}" for y in YEARS) + " |")
    w = a.loc["ai_workforce"].p50
    d = a.loc["diaspora"].p50
    print(f"workforce growth 2024-30 {(w[2030] / w[2024]) ** (1 / 6) - 1:.1%}/yr, 2040-50 "
          f"{(w[2050] / w[2040]) ** 0.1 - 1:.1%}/yr; diaspora +{(d[2030] - d[2024]) / 6:.0f}/yr (2020s), "
          f"+{(d[2050] - d[2040]) / 10:.0f}/yr (2040s)")
    return "\n".join(lines)


def levers_table() -> str:
    lv = pd.read_csv(RESULTS / "compare_baseline" / "levers.csv")
    lines = ["| scenario | extra budget (KRW bn, 2024-50) | extra workers 2030 | 2035 (90 % band) | 2040 | 2050 "
             "| KRW bn per extra worker (2035) | (2050) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]

    def cost(value: float) -> str:
        return "n/a" if pd.isna(value) else f"{value:.2f}"

    for _, x in lv.iterrows():
        lines.append(f"| `{x.scenario}` | {x.extra_budget_krw_bn:,.0f} | {x.extra_workers_2030:,.0f} | "
                     f"{x.extra_workers_2035:,.0f} ({x.extra_workers_2035_p05:,.0f} to {x.extra_workers_2035_p95:,.0f}) | "
                     f"{x.extra_workers_2040:,.0f} | {x.extra_workers_2050:,.0f} | {cost(x.krw_bn_per_extra_worker_2035)} | "
                     f"{cost(x.krw_bn_per_extra_worker_2050)} |")
    c = pd.read_csv(RESULTS / "compare_baseline" / "comparison.csv").set_index(["scenario", "metric", "year"])
    for s in ("low_fertility", "high_fertility"):
        if (s, "ai_workforce", 2050) in c.index:
            print(f"{s}: ai_workforce 2050 paired median {c.loc[(s, 'ai_workforce', 2050), 'p50']:+,.0f}")
    if ("grad_school_expansion", "ai_workforce", 2035) in c.index:
        r = c.loc[("grad_school_expansion", "ai_workforce", 2035)]
        print(f"grad_school_expansion paired 90 % band width 2035: {r.p95 - r.p05:,.0f} people")
    return "\n".join(lines)


def economics_table() -> str:
    lv = pd.read_csv(RESULTS / "compare_baseline" / "levers.csv").dropna(subset=["p_best"])
    lv = lv.sort_values("krw_bn_per_worker_year")
    lines = ["| scenario | PV extra spending (KRW bn) | PV extra worker-years (90 % band) | KRW bn per worker-year (90 % band) | P(best) | mean rank |",
             "|---|---:|---:|---:|---:|---:|"]
    for _, x in lv.iterrows():
        lines.append(f"| `{x.scenario}` | {x.pv_cost_krw_bn:,.0f} | {x.pv_worker_years:,.0f} ({x.pv_worker_years_p05:,.0f} to "
                     f"{x.pv_worker_years_p95:,.0f}) | {x.krw_bn_per_worker_year:.3f} ({x.krw_bn_per_worker_year_p05:.3f} to "
                     f"{x.krw_bn_per_worker_year_p95:.3f}) | {x.p_best:.2f} | {x.mean_rank:.1f} |")
    return "\n".join(lines)


def sensitivity_tables() -> str:
    t = pd.read_csv(RESULTS / "sensitivity_baseline" / "sensitivity.csv")
    year = 2035
    tor = t[t.year == year].dropna(subset=["swing"]).sort_values("swing", ascending=False).head(3)
    sob = t[t.year == year].sort_values("ST", ascending=False).head(3)
    lines = ["| rank | by tornado swing (people, p10 -> p90) | by total Sobol index ST (+/- 95 % half-width) |", "|---|---|---|"]
    for k, ((_, a), (_, b)) in enumerate(zip(tor.iterrows(), sob.iterrows()), start=1):
        lines.append(f"| {k} | `{a.input}`: {a.low:,.0f} -> {a.high:,.0f} ({a.swing:,.0f}) | "
                     f"`{b.input}`: {b.ST:.2f} +/- {b.ST_conf:.2f} |")
    v = pd.read_csv(RESULTS / "sensitivity_baseline" / "variance_shares.csv")
    v = v[v.year.isin([2030, 2040, 2050])].pivot(index="group", columns="year", values="share")
    labels = {"labour_market": "labour market (attrition, initial stock, take-up, premium)",
              "levers": "levers (unit costs, effects)", "education": "education", "migration": "migration",
              "graduate_schools": "graduate schools", "demand": "demand", "demography": "demography",
              "interactions": "interactions"}
    lines += ["", "Share of the variance of `ai_workforce` by group of inputs:", "",
              "| group | 2030 | 2040 | 2050 |", "|---|---:|---:|---:|"]
    for g, label in labels.items():
        if g in v.index:
            lines.append(f"| {label} | " + " | ".join(f"{100 * v.loc[g, y]:.0f} %" for y in (2030, 2040, 2050)) + " |")
    return "\n".join(lines)


BLOCKS = {"baseline": baseline_table, "levers": levers_table, "economics": economics_table,
          "sensitivity": sensitivity_tables}


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    for name, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(\n<!-- /generated:{name} -->)", re.S)
        if not pattern.search(text):
            sys.exit(f"README.md has no <!-- generated:{name} --> block")
        table = make()
        text = pattern.sub(lambda m, table=table: m.group(1) + table + m.group(2), text)
    readme.write_text(text)
    print("README.md tables regenerated")


if __name__ == "__main__":
    main()
