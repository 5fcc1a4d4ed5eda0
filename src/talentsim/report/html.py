"""One self-contained HTML report of one or more results directories.

The report holds, for each directory: its figures (PNG, embedded as ``data:`` URIs), the key
tables (headline medians with 90 % bands; ``levers.csv`` for a comparison; the top inputs for a
sensitivity study), the assumptions (the scenario files with their source comments when they
can be found, every resolved input's value or distribution, and the rows of ``SOURCES.md`` the
files cite) and the manifest (seed, draws, sampling, version...). It makes no network request:
no external scripts, styles, fonts or images, and a Content-Security-Policy that forbids them.

>>> from talentsim.report import write_report                             # doctest: +SKIP
>>> write_report(["results/baseline", "results/compare_baseline"], "report.html")  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

from ..plots.files import Results, figures_for, read_results, render, write_file_atomic
from ..version import __version__
from .assumptions import assumptions_html, show_input, sources_html
from .messages import key_messages
from .tables import TABLES, escape, html_table

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
.more { display: grid; grid-template-columns: 1fr 1fr; gap: 0 1.2em; } .more figure { margin: 0.6em 0 1.2em; }
.key { background: #eef6fb; border-left: 5px solid #0173b2; padding: 0.2em 1.2em 0.6em; }
.key h2 { border: 0; margin-top: 0.6em; } .key li { margin: 0.35em 0; font-size: 1.05em; }
.note { background: #fff8e5; border-left: 4px solid #de8f05; padding: 0.4em 0.8em; }
"""


# ---------------------------------------------------------------- sections and page

def _manifest_table(m: dict) -> str:
    rows = []
    for key, value in m.items():
        if key.startswith("resolved_"):
            continue
        if isinstance(value, list) and len(value) > 8:
            value = f"{len(value)} items: " + ", ".join(map(str, value))
        elif isinstance(value, (list, dict)):
            value = show_input(value)
        rows.append([key, value])
    return html_table(["manifest field", "value"], rows)


def _figures(r: Results, first: int = 2) -> tuple[str, str]:
    """The first ``first`` figures (supply against demand, or the paired comparison), and the rest."""
    out = []
    for i, spec in enumerate(figures_for(r), 1):
        data = base64.b64encode(render(spec, "png")).decode("ascii")
        caption = spec.caption or spec.name.replace("_", " ")
        out.append(f'<figure id="{escape(r.path.name)}-{escape(spec.name)}"><img alt="{escape(caption)}" '
                   f'src="data:image/png;base64,{data}"><figcaption>Figure {i}. {escape(caption)} '
                   f"<small>({escape(spec.name)}.png with <code>talentsim plot</code>)</small></figcaption></figure>")
    return "".join(out[:first]), "".join(out[first:])


def _csv_links(r: Results, page: Path) -> str:
    names = sorted(p.relative_to(r.path) for p in r.path.rglob("*.csv"))
    if not names:
        return ""
    links = []
    for name in names:
        href = Path(os.path.relpath(r.path / name, page.parent)).as_posix()
        links.append(f'<a href="{escape(href)}">{escape(name.as_posix())}</a>')
    return f'<p class="meta">Data behind this section (CSV, next to the report): {", ".join(links)}.</p>'


def _messages(results: list[Results]) -> str:
    items = key_messages(results)
    if not items:
        return ""
    return ('<section id="key-messages" class="key"><h2>Key messages</h2><ol>'
            + "".join(f"<li>{escape(m)}</li>" for m in items) + "</ol></section>")


def _title(r: Results) -> str:
    m = r.manifest
    if r.kind == "comparison":
        return f"Comparison: {', '.join(m.get('scenarios', []))} (base {m.get('base')})"
    if r.kind == "sensitivity":
        return f"Sensitivity: {m.get('scenario')} ({m.get('metric')}, {m.get('year')})"
    return f"Run: {m.get('scenario')}"


def _section(r: Results, anchor: str, page: Path) -> str:
    m = r.manifest
    facts = ", ".join(f"{k} {escape(m[k])}" for k in ("draws", "sampling", "seed", "talentsim_version") if k in m)
    assumptions, texts = assumptions_html(r)
    lead, rest = _figures(r)
    return "".join([
        f'<section id="{anchor}"><h2>{escape(_title(r))}</h2>',
        f'<p class="meta">Directory <code>{escape(r.path)}</code>; {facts}. Money in KRW, constant 2024 '
        "prices.</p>", _csv_links(r, page),
        lead,
        TABLES[r.kind](r),
        f'<h3>More figures</h3><div class="more">{rest}</div>' if rest else "",
        "<details><summary>Assumptions: the scenario files and every input</summary>",
        assumptions or "<p>The manifest records no scenario.</p>", "</details>",
        "<details><summary>Sources cited</summary>", sources_html(texts), "</details>",
        "<details><summary>Manifest (seed, draws, versions)</summary>", _manifest_table(m), "</details></section>",
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
    toc = "".join(f'<li><a href="#{a}">{escape(_title(r))}</a></li>' for a, r in sections)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    page = "".join([
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>talentsim report: {escape(', '.join(_title(r) for r in results))}</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>talentsim report</h1>",
        f'<p class="meta">Generated {escape(now)} by talentsim {escape(__version__)}. Bands: the 90 % band runs from '
        "the 5 % to the 95 % quantile over the Monte Carlo draws, the 50 % band from 25 % to 75 %; the line "
        "is the median. Comparisons are paired differences on common random numbers.</p>",
        _messages(results),
        f"<nav><ul>{toc}</ul></nav>",
        *(_section(r, a, Path(out)) for a, r in sections),
        "</body></html>\n",
    ])
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_file_atomic(target, page.encode("utf-8"))
    return target
