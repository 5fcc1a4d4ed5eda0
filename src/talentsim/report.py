"""One self-contained HTML report of one or more results directories.

The report holds, for each directory: its figures (PNG, embedded as ``data:`` URIs), the key
tables (headline medians with 90 % bands; ``levers.csv`` for a comparison; the top inputs for a
sensitivity study), the assumptions (the scenario files with their source comments when they
can be found, every resolved input's value or distribution, and the rows of ``SOURCES.md`` the
files cite) and the manifest (seed, draws, sampling, version...). It makes no network request:
no external scripts, styles, fonts or images, and a Content-Security-Policy that forbids them.

>>> from talentsim.report import write_report                             # doctest: +SKIP
>>> write_report(["results/baseline", "results/compare_baseline"], "report.html")
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import __version__
from .plots import Results, figures_for, read_results, render, write_file_atomic
from .results import METRICS

HEADLINE = ("cohort18", "ai_track_entrants", "grads_bachelor", "grads_master", "grads_phd", "ai_workforce",
            "ai_workforce_phd", "inflow_graduates", "emigration", "diaspora", "demand", "shortage",
            "shortage_probability", "budget_spent")
YEARS = (2030, 2035, 2040, 2050)
TOP_INPUTS = 15
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; margin: 0 auto;
       max-width: 1180px; padding: 1.5em 2em 4em; color: #1d1d1f; line-height: 1.45; background: #fff; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #0173b2; padding-bottom: 0.2em;
margin-top: 2.2em; } h3 { margin-top: 1.6em; color: #0b4f7c; }
.meta { color: #555; } nav ul { columns: 2; } nav a, a { color: #0b4f7c; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.88em; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.55em; vertical-align: top; text-align: left; }
th { background: #eef3f8; } td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:nth-child(even) td { background: #f8fafc; } td small { color: #555; } .scroll { overflow-x: auto; }
figure { margin: 1.2em 0 2em; } figure img { max-width: 100%; height: auto; border: 1px solid #e3e8ee; }
figcaption { color: #555; font-size: 0.85em; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: 0.8em; overflow-x: auto; font-size: 0.8em;
      line-height: 1.35; } code { font-size: 0.92em; }
details { margin: 0.6em 0 1em; } summary { cursor: pointer; font-weight: 600; }
.note { background: #fff8e5; border-left: 4px solid #de8f05; padding: 0.4em 0.8em; }
"""


# ---------------------------------------------------------------- small HTML helpers

def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "n/a"
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.{digits}g}"
    return str(x)


class Html(str):
    """Text that is already HTML (not escaped again by :func:`_table`)."""


def _cell(value: Any) -> str:
    return value if isinstance(value, Html) else _e(value)


def _table(columns: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Iterable[int] = ()) -> str:
    numeric = set(numeric)
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f'<td class="n">{_cell(v)}</td>' if i in numeric else f"<td>{_cell(v)}</td>"
                                    for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _band(row: pd.Series, extra: str = "") -> Html:
    """Median over its 90 % band, on two lines."""
    return Html(f"<b>{_e(_num(row['p50']))}</b><br><small>{_e(_num(row['p05']))} to "
                f"{_e(_num(row['p95']))}{_e(extra)}</small>")


def _years(frame: pd.DataFrame) -> list[int]:
    years = sorted(int(y) for y in frame["year"].unique())
    return sorted({years[0], *(y for y in YEARS if y in years), years[-1]}) if years else []


# ---------------------------------------------------------------- tables

def headline_table(summary: pd.DataFrame, scenario: str | None = None) -> str:
    """Median (5 % to 95 %) of the headline metrics at the first year, 2030, 2035, 2040, 2050
    and the last year; ``shortage_probability`` shows P(shortage > 0)."""
    s = summary if scenario is None else summary[summary["scenario"] == scenario]
    years = _years(s)
    table = s.set_index(["metric", "year"])
    rows = []
    for metric in (m for m in HEADLINE if (m, years[0]) in table.index):
        cells = [table.loc[(metric, y)] for y in years]
        shown = [f"{c['mean']:.2f}" if metric == "shortage_probability" else _band(c) for c in cells]
        rows.append([metric, METRICS.get(metric, ("", ""))[0], *shown])
    return _table(["metric", "unit", *map(str, years)], rows, numeric=range(2, 2 + len(years)))


def _frame_table(frame: pd.DataFrame) -> str:
    return _table([str(c).replace("_", " ") for c in frame.columns],
                  ([_num(v) for v in row] for row in frame.itertuples(index=False)),
                  numeric=[i for i, c in enumerate(frame.columns) if pd.api.types.is_numeric_dtype(frame[c])])


def _comparison_tables(r: Results) -> str:
    c, base = r.frames["comparison"], r.manifest.get("base", "the base")
    out = [f"<h3>Levers (<code>levers.csv</code>): extra budget and extra AI workers vs {_e(base)}</h3>",
           _frame_table(r.frames["levers"]),
           "<p>KRW bn per extra worker = median extra spending up to 2035 / median extra workers in 2035; "
           "n/a when the scenario adds under one worker.</p>"]
    aw = c[c["metric"] == "ai_workforce"]
    if not aw.empty:
        years = _years(aw)
        rows = []
        for name, g in aw.groupby("scenario", sort=False):
            g = g.set_index("year")
            rows.append([name, *(_band(g.loc[y], f"; P(>) {g.loc[y, 'p_greater']:.2f}") for y in years)])
        out += [f"<h3>Extra AI workers, paired difference vs {_e(base)}: median, 90 % band; "
                "P(scenario &gt; base)</h3>",
                _table(["scenario", *map(str, years)], rows, numeric=range(1, 1 + len(years)))]
    s = r.frames.get("summary")
    if s is not None:
        years, table, rows = _years(s), s.set_index(["scenario", "metric", "year"]), []
        for metric in ("ai_workforce", "shortage", "diaspora"):
            rows += [[name, metric, *(_band(table.loc[(name, metric, y)]) for y in years)]
                     for name in dict.fromkeys(s["scenario"]) if (name, metric, years[0]) in table.index]
        out += ["<h3>Each scenario on its own: median and 90 % band</h3>",
                _table(["scenario", "metric", *map(str, years)], rows, numeric=range(2, 2 + len(years)))]
    return "".join(out)


def _sensitivity_tables(r: Results) -> str:
    f, m = r.frames["sensitivity"], r.manifest
    out = []
    oat = f.dropna(subset=["low", "high"])
    if not oat.empty:
        oat = oat.assign(_s=oat["swing"].abs()).sort_values("_s", ascending=False).head(TOP_INPUTS)
        out += [f"<h3>Top inputs, one at a time ({_e(oat['metric'].iloc[0])} in {int(oat['year'].iloc[0])})</h3>",
                _frame_table(oat[["input", "group", "low", "high", "swing"]])]
    st = f.dropna(subset=["ST"])
    if not st.empty:
        year = m.get("year") if m.get("year") in set(st["year"]) else int(st["year"].max())
        top = st[st["year"] == year].sort_values("ST", ascending=False).head(TOP_INPUTS)
        out += [f"<h3>Top inputs by total-order Sobol index ({_e(top['metric'].iloc[0])} in {year})</h3>",
                _frame_table(top[["input", "group", "S1", "S1_conf", "ST", "ST_conf"]])]
    shares = r.frames.get("variance_shares")
    if shares is not None and not shares.empty:
        year = m.get("year") if m.get("year") in set(shares["year"]) else int(shares["year"].max())
        out += [f"<h3>Variance shares by input group in {year}</h3>",
                _frame_table(shares[shares["year"] == year].sort_values("share", ascending=False)
                             [["group", "metric", "share"]])]
    return "".join(out)


TABLES: dict[str, Callable[[Results], str]] = {
    "run": lambda r: ("<h3>Headline: median (bold) and 90 % band (5 % to 95 %) below it</h3>"
                      + headline_table(r.frames["summary"])),
    "comparison": _comparison_tables,
    "sensitivity": _sensitivity_tables,
}


# ---------------------------------------------------------------- assumptions and sources

def _show(node: Any) -> str:
    """A resolved input as text: numbers, ``triangular(low=.., mode=.., high=..)``, paths."""
    if isinstance(node, dict) and "dist" in node:
        return f"{node['dist']}(" + ", ".join(f"{k}={_show(v)}" for k, v in node.items() if k != "dist") + ")"
    if isinstance(node, dict) and "path" in node:
        parts = [f"{k}={_show(v)}" for k, v in node.items() if k not in ("path", "values")]
        if isinstance(node.get("values"), dict):
            parts.append("; ".join(f"{k}: {_show(v)}" for k, v in node["values"].items()))
        return f"{node['path']}: " + ", ".join(parts)
    if isinstance(node, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(_show(v) for v in node) + "]"
    if isinstance(node, float):
        return f"{node:,.10g}"
    return "none" if node is None else str(node)


def _leaves(resolved: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, node in resolved.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(node, dict) and node and "dist" not in node and "path" not in node:
            out.update(_leaves(node, path))
        else:
            out[path] = node
    return out


def _uncertain(node: Any) -> bool:
    if isinstance(node, dict):
        return "dist" in node or any(_uncertain(v) for v in node.values())
    return isinstance(node, list) and any(_uncertain(v) for v in node)


def flatten_scenario(resolved: dict, *, uncertain_only: bool = False) -> dict[str, str]:
    """``{field.path: shown value}`` of a resolved scenario (a manifest's ``resolved_scenario``);
    distributions and yearly paths are leaves. ``uncertain_only``: the fields with a distribution."""
    return {k: _show(v) for k, v in _leaves(resolved).items() if _uncertain(v) or not uncertain_only}


def _find(name: str, r: Results) -> Path | None:
    p = Path(name)
    where = [p] if p.is_absolute() else [Path.cwd() / p, *(d / p for d in (r.path, *r.path.resolve().parents))]
    return next((c for c in where if c.is_file()), None)


def _chain(path: Path) -> list[Path]:
    """The scenario file and the files it ``extends``, nearest first."""
    out: list[Path] = []
    while path is not None and path.is_file() and path.resolve() not in {p.resolve() for p in out}:
        out.append(path)
        try:
            parent = (yaml.safe_load(path.read_text()) or {}).get("extends")
        except (yaml.YAMLError, AttributeError):
            break
        path = path.parent / parent if isinstance(parent, str) else None
    return out


def _matches(path: Path, resolved: dict | None) -> bool | None:
    """Does the file, loaded now, give every field the run recorded the same value? Fields the
    schema gained since the run are not compared. None if the manifest has no resolved scenario."""
    if resolved is None:
        return None
    from .scenario import ScenarioError, load_scenario

    try:
        now = _leaves(json.loads(json.dumps(load_scenario(path).model_dump(mode="json"), default=str)))
    except (ScenarioError, OSError, ValueError):
        return False
    return all(k in now and now[k] == v for k, v in _leaves(resolved).items())


def _scenario_files(r: Results) -> list[tuple[str, dict | None]]:
    m = r.manifest
    if "scenario_files" in m:
        resolved = m.get("resolved_scenarios", {})
        return [(f, resolved.get(n)) for f, n in zip(m["scenario_files"], m.get("scenarios", []))]
    return [(m["scenario_file"], m.get("resolved_scenario"))] if "scenario_file" in m else []


def _assumptions(r: Results) -> tuple[str, str]:
    """HTML of the scenario files and resolved inputs, and the text of the files shown."""
    out, texts, shown = [], [], set()
    for name, resolved in _scenario_files(r):
        found = _find(name, r)
        if found is None:
            out.append(f'<p class="note">Scenario file <code>{_e(name)}</code> not found from here; '
                       "the resolved inputs below are what the run used.</p>")
            continue
        same = _matches(found, resolved)
        if same is False:
            out.append(f'<p class="note"><code>{_e(name)}</code> has changed since the run (it no longer '
                       "gives the inputs the run used); the resolved inputs below are what the run used.</p>")
        for path in _chain(found):
            if path.resolve() in shown:
                continue
            shown.add(path.resolve())
            text = path.read_text()
            texts.append(text)
            out.append(f"<details><summary>Scenario file <code>{_e(path)}</code> with its source comments"
                       f"</summary><pre>{_e(text)}</pre></details>")
    m = r.manifest
    resolved = m.get("resolved_scenario") or (m.get("resolved_scenarios") or {}).get(m.get("base", ""))
    if resolved:
        flat, who = flatten_scenario(resolved), _e(resolved.get("name", "the scenario"))
        uncertain = flatten_scenario(resolved, uncertain_only=True)
        out += [f"<h4>Uncertain inputs of {who} ({len(uncertain)} fields with a distribution)</h4>",
                _table(["field", "distribution or path"], uncertain.items()),
                f"<details><summary>Every resolved field of {who} ({len(flat)})</summary>",
                _table(["field", "value or distribution"], flat.items()), "</details>"]
    for name, alt in (m.get("resolved_scenarios") or {}).items():
        if alt is resolved or not resolved:
            continue
        base, other = flatten_scenario(resolved), flatten_scenario(alt)
        diff = [(k, base.get(k, "(absent)"), other.get(k, "(absent)")) for k in sorted(set(base) | set(other))
                if k not in ("name", "extends") and base.get(k) != other.get(k)]
        out += [f"<h4>What {_e(name)} changes relative to {_e(resolved.get('name', 'the base'))}</h4>",
                _table(["field", resolved.get("name", "base"), name], diff)]
    return "".join(out), "\n".join(texts)


def source_rows() -> list[list[str]]:
    """The tagged rows (``[F:tag]``) of the shipped ``SOURCES.md``: tag, fact, value, confidence, source."""
    text = resources.files("talentsim.data").joinpath("SOURCES.md").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if re.match(r"^\|\s*`\[F:[a-z0-9-]+\]`", line):
            rows.append([c.strip().replace("`", "") for c in line.strip().strip("|").split(" | ")])
    return rows


def _sources(texts: str) -> str:
    cited = set(re.findall(r"\[F:[a-z0-9-]+\]", texts))
    rows = source_rows()
    if cited:
        rows = [r for r in rows if r[0] in cited]
        lead = (f"The {len(rows)} rows of <code>src/talentsim/data/SOURCES.md</code> cited by the scenario "
                "files above (<code>[A]</code> marks an assumption explained in the file's comment).")
    else:
        return ("<details><summary>No scenario file was found to say which sources it cites; the whole "
                f"register of sourced facts (<code>src/talentsim/data/SOURCES.md</code>, {len(rows)} rows)"
                "</summary>" + _table(["tag", "fact", "value", "confidence", "source"], rows) + "</details>")
    return f"<p>{lead}</p>" + _table(["tag", "fact", "value", "confidence", "source"], rows)


# ---------------------------------------------------------------- sections and page

def _manifest_table(m: dict) -> str:
    rows = []
    for key, value in m.items():
        if key.startswith("resolved_"):
            continue
        if isinstance(value, list) and len(value) > 8:
            value = f"{len(value)} items: " + ", ".join(map(str, value))
        elif isinstance(value, (list, dict)):
            value = _show(value)
        rows.append([key, value])
    return _table(["manifest field", "value"], rows)


def _figures(r: Results) -> str:
    out = []
    for spec in figures_for(r):
        data = base64.b64encode(render(spec, "png")).decode("ascii")
        out.append(f'<figure><img alt="{_e(spec.name)}" src="data:image/png;base64,{data}">'
                   f"<figcaption>{_e(spec.name)}</figcaption></figure>")
    return "".join(out)


def _title(r: Results) -> str:
    m = r.manifest
    if r.kind == "comparison":
        return f"Comparison: {', '.join(m.get('scenarios', []))} (base {m.get('base')})"
    if r.kind == "sensitivity":
        return f"Sensitivity: {m.get('scenario')} ({m.get('metric')}, {m.get('year')})"
    return f"Run: {m.get('scenario')}"


def _section(r: Results, anchor: str) -> str:
    m = r.manifest
    facts = ", ".join(f"{k} {_e(m[k])}" for k in ("draws", "sampling", "seed", "talentsim_version") if k in m)
    assumptions, texts = _assumptions(r)
    return "".join([
        f'<section id="{anchor}"><h2>{_e(_title(r))}</h2>',
        f'<p class="meta">Directory <code>{_e(r.path)}</code>; {facts}.</p>',
        TABLES[r.kind](r),
        "<h3>Figures</h3>", _figures(r),
        "<h3>Assumptions</h3>", assumptions or "<p>The manifest records no scenario.</p>",
        "<h3>Sources</h3>", _sources(texts),
        "<h3>Manifest</h3>", _manifest_table(m), "</section>",
    ])


def write_report(results_dirs: Sequence[str | os.PathLike], out: str | os.PathLike) -> Path:
    """Write one self-contained HTML file describing ``results_dirs`` (run, comparison or
    sensitivity directories, detected from their ``manifest.json``) to ``out``; returns it.

    The file is written to a temporary name and renamed, so a failed report never replaces a
    previous one.
    """
    if not results_dirs:
        raise ValueError("results_dirs: pass at least one results directory")
    results = [read_results(d) for d in results_dirs]
    sections = [(f"results-{i}", r) for i, r in enumerate(results, 1)]
    toc = "".join(f'<li><a href="#{a}">{_e(_title(r))}</a></li>' for a, r in sections)
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    page = "".join([
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>talentsim report: {_e(', '.join(_title(r) for r in results))}</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>talentsim report</h1>",
        f'<p class="meta">Generated {_e(now)} by talentsim {_e(__version__)}. Bands: the 90 % band runs from '
        "the 5 % to the 95 % quantile over the Monte Carlo draws, the 50 % band from 25 % to 75 %; the line "
        "is the median. Comparisons are paired differences on common random numbers.</p>",
        f"<nav><ul>{toc}</ul></nav>",
        *(_section(r, a) for a, r in sections),
        "</body></html>\n",
    ])
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_file_atomic(target, page.encode("utf-8"))
    return target
